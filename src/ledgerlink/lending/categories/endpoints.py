"""Codat's categorized statements (`/reports/enhanced…/accounts`) and the older Assess account categories
(`/data/assess/accounts/categories`, `.../connections/{connectionId}/assess/accounts/...`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.connections import service as connections
from ledgerlink.connections.models import Connection
from ledgerlink.data.statements import MAX_PERIODS
from ledgerlink.kit.auth import Principal, Session
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import json
from ledgerlink.lending.categories import service, taxonomy, views
from ledgerlink.lending.categories.schemas import ConfirmCategories, ConfirmCategory
from ledgerlink.lending.categories.statements import categorized_statement

router = APIRouter(tags=["Financial statements"])

DEFAULT_PERIODS = 12


def report_month(report_date: str | None) -> str | None:
    """Codat's `reportDate` (`29-09-2020`; ISO `2020-09-29` is taken too) as the first day of its month:
    the report covers the whole month it falls in."""
    if report_date is None:
        return None
    for pattern in ("%d-%m-%Y", "%Y-%m-%d"):
        try:
            day = datetime.strptime(report_date.strip()[:10], pattern)
        except ValueError:
            continue
        return day.strftime("%Y-%m-01")
    raise BadRequest(
        f"reportDate {report_date!r} is not a date.",
        validation_errors=[
            {
                "itemId": "reportDate",
                "message": "Expected a date as dd-MM-yyyy, e.g. 29-09-2020.",
                "validatorName": "date",
            }
        ],
    )


async def _statement(
    kind: str,
    company_id: str,
    principal: CurrentPrincipal,
    session: Session,
    report_date: str | None,
    periods: int,
) -> Response:
    if not 1 <= periods <= MAX_PERIODS:
        raise BadRequest(
            f"numberOfPeriods must be between 1 and {MAX_PERIODS}.",
            validation_errors=[
                {
                    "itemId": "numberOfPeriods",
                    "message": f"Between 1 and {MAX_PERIODS}.",
                    "validatorName": "range",
                }
            ],
        )
    company = await companies.get(session, principal, company_id)
    report = await categorized_statement(
        session,
        company.id,
        kind=kind,
        period_length=1,
        periods_to_compare=periods,
        start_month=report_month(report_date),
    )
    return json(report)


@router.get(
    "/companies/{companyId}/reports/enhancedProfitAndLoss/accounts",
    name="get_categorized_profit_and_loss_statement",
)
async def get_categorized_profit_and_loss(
    companyId: str,
    principal: CurrentPrincipal,
    session: Session,
    report_date: Annotated[str | None, Query(alias="reportDate")] = None,
    number_of_periods: Annotated[int, Query(alias="numberOfPeriods")] = DEFAULT_PERIODS,
) -> Response:
    return await _statement("profitAndLoss", companyId, principal, session, report_date, number_of_periods)


@router.get(
    "/companies/{companyId}/reports/enhancedBalanceSheet/accounts",
    name="get_categorized_balance_sheet_statement",
)
async def get_categorized_balance_sheet(
    companyId: str,
    principal: CurrentPrincipal,
    session: Session,
    # Required here, as Codat's spec has it (optional for the profit and loss).
    report_date: Annotated[str, Query(alias="reportDate")],
    number_of_periods: Annotated[int, Query(alias="numberOfPeriods")] = DEFAULT_PERIODS,
) -> Response:
    return await _statement("balanceSheet", companyId, principal, session, report_date, number_of_periods)


# --- Codat's older Assess operations for account categories ------------------------------------------
assess = APIRouter(tags=["Account categories"])
_CONNECTION = "/data/companies/{companyId}/connections/{connectionId}/assess/accounts"


def _actor(principal: Principal) -> service.Actor:
    return service.Actor("ApiKey", principal.client_id, principal.api_key_id)


async def _accounting_connection(
    companyId: str, connectionId: str, principal: CurrentPrincipal, session: Session
) -> tuple[Company, Connection]:
    company, connection = await connections.get(session, principal, companyId, connectionId)
    if not service.is_accounting(connection):
        raise NotFound(
            f"{connection.integration_key} is not an accounting platform: it has no chart of accounts."
        )
    return company, connection


async def _unfiltered(params: Annotated[PageParams, Depends(page_params)]) -> PageParams:
    if params.query or params.order_by:
        item = "query" if params.query else "orderBy"
        raise BadRequest(
            "query and orderBy are not supported on account categories.",
            validation_errors=[
                {"itemId": item, "message": "Not supported here.", "validatorName": "supported"}
            ],
        )
    return params


# The path's company and connection, the principal's, the connection an accounting one (else a 404).
Accounting = Annotated[tuple[Company, Connection], Depends(_accounting_connection)]
# A page of a list that takes no `query` or `orderBy` (a 400 names them).
Unfiltered = Annotated[PageParams, Depends(_unfiltered)]


@assess.get("/data/assess/accounts/categories", name="list_available_account_categories")
async def list_available_account_categories(principal: CurrentPrincipal) -> Response:
    return json([views.available_category(c) for c in taxonomy.TAXONOMY if len(c.path) > 1])


@assess.get(f"{_CONNECTION}/categories", name="list_accounts_categories")
async def list_accounts_categories(
    request: Request, session: Session, accounting: Accounting, params: Unfiltered
) -> Response:
    _, connection = accounting
    accounts = await service.connection_accounts(session, connection)
    page = accounts[params.offset : params.offset + params.page_size]
    return json(page_envelope(request, params, [views.categorised_account(a) for a in page], len(accounts)))


@assess.patch(f"{_CONNECTION}/categories", name="update_accounts_categories")
async def update_accounts_categories(
    body: ConfirmCategories, principal: CurrentPrincipal, session: Session, accounting: Accounting
) -> Response:
    company, connection = accounting
    confirmations = [
        service.Confirmation(
            item.account_ref.id, views.path_of(_dumped(item)), item.reason, f"categories.{n}"
        )
        for n, item in enumerate(body.categories)
    ]
    updated = await service.confirm(session, company, connection, confirmations, _actor(principal))
    return json([views.categorised_account(a) for a in updated])


@assess.get(f"{_CONNECTION}/categories/changes", name="list_account_category_changes")
async def list_account_category_changes(
    request: Request, session: Session, accounting: Accounting, params: Unfiltered
) -> Response:
    return await _changes_page(request, session, accounting[1], params, None)


@assess.get(
    f"{_CONNECTION}/{{accountId}}/categories/changes", name="list_account_category_changes_of_account"
)
async def list_account_category_changes_of_account(
    accountId: str, request: Request, session: Session, accounting: Accounting, params: Unfiltered
) -> Response:
    _, connection = accounting
    await _account(session, connection, accountId)
    return await _changes_page(request, session, connection, params, accountId)


async def _changes_page(
    request: Request,
    session: AsyncSession,
    connection: Connection,
    params: PageParams,
    account_id: str | None,
) -> Response:
    rows, total = await service.changes(
        session, connection.id, offset=params.offset, limit=params.page_size, account_id=account_id
    )
    return json(page_envelope(request, params, [views.change_view(r) for r in rows], total))


@assess.get(f"{_CONNECTION}/{{accountId}}/categories", name="get_account_category")
async def get_account_category(accountId: str, session: Session, accounting: Accounting) -> Response:
    _, connection = accounting
    return json(views.categorised_account(await _account(session, connection, accountId)))


@assess.patch(f"{_CONNECTION}/{{accountId}}/categories", name="update_account_category")
async def update_account_category(
    accountId: str,
    body: ConfirmCategory,
    principal: CurrentPrincipal,
    session: Session,
    accounting: Accounting,
) -> Response:
    company, connection = accounting
    await _account(session, connection, accountId)
    confirmation = service.Confirmation(accountId, views.path_of(_dumped(body)), body.reason)
    (updated,) = await service.confirm(session, company, connection, [confirmation], _actor(principal))
    return json(views.categorised_account(updated))


def _dumped(body: ConfirmCategory) -> dict[str, str | None] | None:
    return body.confirmed.model_dump(by_alias=True) if body.confirmed is not None else None


async def _account(
    session: AsyncSession, connection: Connection, account_id: str
) -> service.CategorizedAccount:
    for account in await service.connection_accounts(session, connection):
        if account.account_id == account_id:
            return account
    raise NotFound(f"No account {account_id!r} in connection {connection.id}.")
