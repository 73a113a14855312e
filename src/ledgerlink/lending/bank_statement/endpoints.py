"""Codat's categorized bank statement (`.../reports/categorizedBankStatement/{reportId}/accounts`,
`/transactions`, `/excel`), the older `.../reports/enhancedCashFlow/transactions`, and ledgerlink's own
operations on a bank transaction's category (`.../assess/bankAccounts/{accountId}/transactions/...`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.connections import service as connections
from ledgerlink.files.views import attachment
from ledgerlink.kit.auth import Session
from ledgerlink.kit.clock import iso
from ledgerlink.kit.errors import BadRequest
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import json
from ledgerlink.lending.bank_statement import cash_flow, excel, overrides, service, views
from ledgerlink.lending.bank_statement.schemas import ConfirmTransactionCategory
from ledgerlink.lending.categories.service import Actor

router = APIRouter(tags=["Bank statements"])
REPORT = "/companies/{companyId}/reports/categorizedBankStatement/{reportId}"
Params = Annotated[PageParams, Depends(page_params)]
# Codat's `maxAge`: taken, not used (a report is never regenerated behind the client's back).
MaxAge = Annotated[datetime | None, Query(alias="maxAge")]


@router.get(f"{REPORT}/accounts")
async def list_categorized_bank_statement_accounts(
    companyId: str, reportId: str, request: Request, principal: CurrentPrincipal, session: Session,
    params: Params, max_age: MaxAge = None,
) -> Response:  # fmt: skip
    report = await service.complete_report(session, principal, companyId, reportId)
    accounts, total = await service.accounts_page(session, report, params)
    return json(page_envelope(request, params, [views.account_view(a) for a in accounts], total))


@router.get(f"{REPORT}/transactions")
async def get_categorized_bank_statement_transactions(
    companyId: str, reportId: str, request: Request, principal: CurrentPrincipal, session: Session,
    params: Params, max_age: MaxAge = None,
) -> Response:  # fmt: skip
    report = await service.complete_report(session, principal, companyId, reportId)
    rows, total = await service.transactions_page(session, report, params)
    return json(page_envelope(request, params, [views.transaction_view(t) for t in rows], total))


@router.get(f"{REPORT}/excel")
async def download_categorized_bank_statement_excel(
    companyId: str, reportId: str, principal: CurrentPrincipal, session: Session, max_age: MaxAge = None
) -> Response:
    return attachment(await excel.workbook(session, principal, companyId, reportId), octet_stream=True)


@router.get("/companies/{companyId}/reports/enhancedCashFlow/transactions")
async def get_categorized_bank_statement(
    companyId: str, principal: CurrentPrincipal, session: Session, params: Params
) -> Response:
    if params.order_by:
        raise BadRequest(
            "orderBy is not supported on the enhanced cash flow transactions.",
            validation_errors=[
                {"itemId": "orderBy", "message": "Not supported here.", "validatorName": "supported"}
            ],
        )
    return json(await cash_flow.transactions(session, principal, companyId, params))


# --- ledgerlink's own: an analyst's category of one bank transaction --------------------------------------
categories = APIRouter(tags=["Bank transaction categories"])
_TRANSACTION = (
    "/data/companies/{companyId}/connections/{connectionId}/assess/bankAccounts/{accountId}"
    "/transactions/{transactionId}/categories"
)


def _category(found: overrides.TransactionCategory) -> dict[str, Any]:
    line = found.line
    confidence = None if found.confidence is None else round(found.confidence * 100, 2)
    return {
        "id": line.transaction_id,
        "sourceRef": {"sourceType": line.source},
        "accountRef": {"id": line.account_id},
        "date": views.day(line.date),
        "description": line.description,
        "amount": float(line.amount),
        "currency": line.currency,
        "transactionCategory": views.category_view(found.levels, confidence, found.status, found.reason),
        "platformName": found.payment_provider,
        "counterpartyNames": [found.counterparty] if found.counterparty else [],
        "confirmedDate": iso(found.confirmed_at) if found.confirmed_at else None,
    }


@categories.get(_TRANSACTION)
async def get_bank_transaction_category(
    companyId: str, connectionId: str, accountId: str, transactionId: str, principal: CurrentPrincipal,
    session: Session,
) -> Response:  # fmt: skip
    _, connection = await connections.get(session, principal, companyId, connectionId)
    return json(_category(await overrides.category_of(session, connection, accountId, transactionId)))


@categories.patch(_TRANSACTION)
async def update_bank_transaction_category(
    companyId: str, connectionId: str, accountId: str, transactionId: str, body: ConfirmTransactionCategory,
    principal: CurrentPrincipal, session: Session,
) -> Response:  # fmt: skip
    _, connection = await connections.get(session, principal, companyId, connectionId)
    levels = body.confirmed.levels if body.confirmed is not None else None
    actor = Actor("ApiKey", principal.client_id, principal.api_key_id)
    found = await overrides.confirm(session, connection, accountId, transactionId, levels, body.reason, actor)
    return json(_category(found))


@categories.get(
    "/data/companies/{companyId}/connections/{connectionId}/assess/bankTransactions/categories/changes"
)
async def list_bank_transaction_category_changes(
    companyId: str, connectionId: str, request: Request, principal: CurrentPrincipal, session: Session,
    params: Params,
) -> Response:  # fmt: skip
    _, connection = await connections.get(session, principal, companyId, connectionId)
    rows, total = await overrides.changes(
        session, connection.id, offset=params.offset, limit=params.page_size
    )
    return json(page_envelope(request, params, [views.change_view(r) for r in rows], total))
