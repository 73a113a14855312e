"""`/sync-flow`: the pages a merchant goes through to switch on Sync for Commerce.

The journey: the sync-flow URL's one-time code is spent on entry (expired, used or wrong: a 401 page that
says which); the merchant connects the commerce platform (skipped when the client authorized it on their
behalf) and the accounting platform, each through Link's own pages, which bring them back here; the books'
accounts, tax rates and contacts are read; the merchant chooses how sales, fees and payments are recorded
and when; then the success message, or the client's `redirectUrl`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ledgerlink.clients.models import Client
from ledgerlink.clients.tenants import check_active
from ledgerlink.commerce import configuration, service
from ledgerlink.commerce.models import CommerceConfiguration
from ledgerlink.commerce.visit import FlowVisit, keep, read
from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.connections.status import ConnectionStatus
from ledgerlink.connectors import registry
from ledgerlink.kit import browser_urls, pages
from ledgerlink.kit.auth import Session
from ledgerlink.kit.errors import BadRequest
from ledgerlink.kit.pages import PageError
from ledgerlink.link import visit as link_visit
from ledgerlink.sync import service as sync
from ledgerlink.sync.models import IN_FLIGHT, PullOperation, PullStatus, PullTrigger

router = APIRouter(prefix="/sync-flow", include_in_schema=False)

CONFIGURE = "configure"
# What the configuration is made of, per side; each is read once before the merchant configures.
ACCOUNTING_TYPES = ("company", "chartOfAccounts", "taxRates", "customers", "suppliers")
COMMERCE_TYPES = ("commerce-taxComponents", "commerce-paymentMethods")

_REFUSED = {
    "expired": ("This link has expired", "Sync-flow links work for 30 seconds. Go back and open it again."),
    "used": ("This link has already been used", "Each sync-flow link works once. Go back and open it again."),
    "invalid": (
        "This link is not valid",
        "This link's one-time code is not right. Go back and open it again.",
    ),
    "locked": (
        "Too many links that were not valid",
        (
            "Too many sync-flow links with a wrong code were opened from your network. Wait a quarter of an hour, "
            "then open the link you were given again."
        ),
    ),
}


def _secure(request: Request) -> bool:
    return request.app.state.urls.base.startswith("https:")


def _locale(request: Request) -> str:
    asked = request.query_params.get("locale", "").lower()
    if asked in ("en-us", "fr-fr"):
        return asked
    return "fr-fr" if request.headers.get("accept-language", "").lower().startswith("fr") else "en-us"


@router.get("/{clientId}/{commerceKey}/{accountingKey}/start")
async def enter(
    clientId: str,
    commerceKey: str,
    accountingKey: str,
    request: Request,
    session: Session,
    merchantIdentifier: str = "",
    otp: str = "",
) -> Response:
    try:
        client_id = uuid.UUID(clientId)
    except ValueError:
        raise PageError(401, *_REFUSED["invalid"]) from None
    client = await session.get(Client, client_id)
    if client is not None:
        check_active(client)
    source = service.source_of(request.client.host if request.client else None)
    try:
        company_id, redirect_url = await service.spend_code(
            session, client_id, merchantIdentifier, otp, source
        )
    except service.CodeRefused as refused:
        # A miss is counted even though the page is an error.
        await session.commit()
        raise PageError(429 if refused.reason == "locked" else 401, *_REFUSED[refused.reason]) from None
    visit = FlowVisit(company_id, _locale(request), redirect_url)
    return keep(
        pages.redirect(f"/sync-flow/companies/{company_id}"),
        visit,
        request.app.state.secrets,
        secure=_secure(request),
    )


async def _load(
    request: Request, session: Session, company_id: str
) -> tuple[FlowVisit, Company, CommerceConfiguration, Client]:
    try:
        parsed = uuid.UUID(company_id)
    except ValueError:
        raise PageError(
            404, "This page is not valid", "Open the sync-flow link you were given again."
        ) from None
    visit = read(request, request.app.state.secrets, parsed)
    if visit is None:
        raise PageError(401, "Your session has ended", "Open the sync-flow link you were given again.")
    company = await session.scalar(
        select(Company).where(Company.id == parsed).options(selectinload(Company.connections))
    )
    found = await session.get(CommerceConfiguration, parsed)
    if company is None or found is None:
        raise PageError(404, "This company no longer exists", "Ask whoever sent the link for a new one.")
    client = await session.get(Client, company.client_id)
    assert client is not None
    check_active(client)
    return visit, company, found, client


async def _context(
    session: Session, visit: FlowVisit, company: Company, found: CommerceConfiguration, client: Client
) -> dict[str, Any]:
    return {
        "client": client,
        "company": company,
        "texts": await service.texts_for(session, company.client_id, visit.locale, company=found),
        "lang": visit.locale[:2],
    }


def _side(company: Company, key: str) -> dict[str, Any]:
    connector = registry.get(key)
    connection = service.connection_to(company, key)
    return {
        "key": key,
        "name": connector.info.name if connector else key,
        "connection": connection,
        "linked": connection is not None and connection.status == ConnectionStatus.LINKED.value,
    }


async def _books_ready(
    session: Session, company: Company, sides: list[tuple[Connection, tuple[str, ...]]]
) -> bool:
    """Whether what the configuration is made of has been read; queue what has not been asked for."""
    ready = True
    for connection, data_types in sides:
        for data_type in data_types:
            if not sync.supports(connection, data_type):
                continue
            latest = await session.scalar(
                select(PullOperation)
                .where(PullOperation.connection_id == connection.id, PullOperation.data_type == data_type)
                .order_by(PullOperation.requested.desc())
                .limit(1)
            )
            if latest is None:
                await sync.queue_pull(session, company, connection, data_type, PullTrigger.QUEUE)
                ready = False
            elif latest.status in {s.value for s in IN_FLIGHT}:
                ready = False
            elif (
                latest.status != PullStatus.COMPLETE.value
                and await sync.last_successful_as_of(session, connection.id, data_type) is None
            ):
                continue  # it failed: configure without those options rather than wait for ever
    return ready


@router.get("/companies/{companyId}")
async def overview(companyId: str, request: Request, session: Session) -> Response:
    visit, company, found, client = await _load(request, session, companyId)
    commerce, accounting = _side(company, found.commerce_key), _side(company, found.accounting_key)
    context = await _context(session, visit, company, found, client)
    fetching = False
    if commerce["linked"] and accounting["linked"]:
        fetching = not await _books_ready(
            session,
            company,
            [(accounting["connection"], ACCOUNTING_TYPES), (commerce["connection"], COMMERCE_TYPES)],
        )
        if not fetching:
            return pages.redirect(f"/sync-flow/companies/{company.id}/configure")
    return pages.render(
        request, "sync_flow/overview.html", {**context, "sides": [commerce, accounting], "fetching": fetching}
    )


@router.get("/companies/{companyId}/connect/{key}")
async def connect(companyId: str, key: str, request: Request, session: Session) -> Response:
    """Hand over to Link for one connection; Link brings the merchant back to the overview."""
    _visit, company, found, _client = await _load(request, session, companyId)
    if key not in (found.commerce_key, found.accounting_key):
        raise PageError(404, "This platform is not part of the sync", "Go back and choose one of the two.")
    connection = service.connection_to(company, key)
    if connection is None:
        raise PageError(404, "This connection no longer exists", "Ask whoever sent the link for a new one.")
    handover = link_visit.Visit(company.id, return_to=f"/sync-flow/companies/{company.id}")
    response = pages.redirect(f"/link/companies/{company.id}/connections/{connection.id}/start")
    return link_visit.keep(response, handover, request.app.state.secrets, secure=_secure(request))


def _form(document: dict[str, Any], zone: str) -> dict[str, Any]:
    """The configuration document as the form shows it (the schedule's start as a local date)."""
    schedule = document["schedule"]
    start = configuration.parse_moment(schedule["startDate"]) or datetime.now(UTC)
    return {"start_date": start.astimezone(ZoneInfo(zone)).date().isoformat()}


@router.get("/companies/{companyId}/configure")
async def configure_page(companyId: str, request: Request, session: Session) -> Response:
    visit, company, found, client = await _load(request, session, companyId)
    document = await service.show(session, company, found, visit.locale)
    return _configure(
        request, visit, company, found, await _context(session, visit, company, found, client), document
    )


def _configure(
    request: Request,
    visit: FlowVisit,
    company: Company,
    found: CommerceConfiguration,
    context: dict[str, Any],
    document: dict[str, Any],
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    zone = document["schedule"]["timeZone"]
    return pages.render(
        request,
        "sync_flow/configure.html",
        {
            **context,
            "config": document,
            "form": _form(document, zone),
            "errors": errors or [],
            "time_zones": configuration.time_zones(),
            "token": visit.form_token(CONFIGURE),
            "payment_names": {
                m: document["configuration"]["payments"]["accounts"][m]["labelText"]
                for m in document["configuration"]["payments"]["accounts"]
            },
        },
        status_code=status_code,
    )


def _body(form: Any) -> dict[str, Any]:
    """The form as a `Configuration` body (what `POST /config/companies/{id}/sync/commerce` takes)."""

    def value(name: str) -> str | None:
        given = form.get(name)
        return given.strip() if isinstance(given, str) and given.strip() else None

    def prefixed(prefix: str) -> dict[str, str | None]:
        return {name[len(prefix) :]: value(name) for name in form if name.startswith(prefix)}

    zone = value("schedule.timeZone") or "UTC"
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    start = value("schedule.startDate")
    start_moment = None
    if start:
        try:
            start_moment = datetime.fromisoformat(start).replace(tzinfo=tz).astimezone(UTC).isoformat()
        except ValueError:
            start_moment = start
    hour = value("schedule.syncHour")
    return {
        "schedule": {
            "selectedFrequency": value("schedule.frequency"),
            "startDate": start_moment,
            "syncHour": int(hour) if hour and hour.isdigit() else hour,
            "timeZone": zone,
        },
        "configuration": {
            "sales": {
                "syncSales": form.get("sales.syncSales") == "on",
                "accounts": prefixed("sales.accounts."),
                "invoiceStatus": {"selectedInvoiceStatus": value("sales.invoiceStatus")},
                "salesCustomer": {"selectedCustomerId": value("sales.customerId")},
                "taxRates": prefixed("sales.taxRates."),
                "newTaxRates": {"selectedDefaultZeroTaxRateId": value("sales.defaultZeroTaxRateId")},
                "grouping": {"groupingPeriod": {"selectedGroupingPeriod": value("sales.groupingPeriod")}},
            },
            "payments": {
                "syncPayments": form.get("payments.syncPayments") == "on",
                "accounts": prefixed("payments.accounts."),
            },
            "fees": {
                "syncFees": form.get("fees.syncFees") == "on",
                "accounts": prefixed("fees.accounts."),
                "feesSupplier": {"selectedSupplierId": value("fees.supplierId")},
            },
        },
        "enable": True,
    }


@router.post("/companies/{companyId}/configure")
async def configure(companyId: str, request: Request, session: Session) -> Response:
    visit, company, found, client = await _load(request, session, companyId)
    form = await request.form()
    if not visit.accepts(CONFIGURE, form.get("csrf") if isinstance(form.get("csrf"), str) else None):
        raise PageError(403, "This form has expired", "Go back, reload the page and try again.")
    body = _body(form)
    try:
        await service.configure(session, company, found, body)
    except BadRequest as invalid:  # raised before anything changed
        try:
            submitted = configuration.merge(found.selections, body)
        except configuration.SelectionInvalid:
            submitted = None
        document = await service.show(session, company, found, visit.locale, submitted)
        return _configure(
            request,
            visit,
            company,
            found,
            await _context(session, visit, company, found, client),
            document,
            invalid.validation_errors or [{"itemId": "", "message": invalid.message}],
            400,
        )
    return pages.redirect(f"/sync-flow/companies/{company.id}/done")


@router.get("/companies/{companyId}/done")
async def done(companyId: str, request: Request, session: Session) -> Response:
    visit, company, found, client = await _load(request, session, companyId)
    if not found.configured:
        return pages.redirect(f"/sync-flow/companies/{company.id}/configure")
    finish = browser_urls.shown(visit.redirect_url)
    if finish:
        return pages.redirect(finish)
    return pages.render(
        request, "sync_flow/done.html", await _context(session, visit, company, found, client)
    )
