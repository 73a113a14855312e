"""`/sync-flow`: the pages a merchant goes through to switch on Sync for Commerce.

The journey: the sync-flow URL's one-time code is spent on entry (expired, used or wrong: a 401 page that
says which); the merchant connects the commerce platform (skipped when the client authorized it on their
behalf) and the accounting platform, each through Link's own pages, which bring them back here; the books'
accounts, tax rates and contacts are read; the merchant chooses how sales, fees and payments are recorded
and when; then the success message, or the client's `redirectUrl`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
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
from ledgerlink.kit.secrets import SecretBox, Secrets
from ledgerlink.kit.urls import PublicUrls, ServerUrls
from ledgerlink.link import visit as link_visit
from ledgerlink.sync import service as sync
from ledgerlink.sync.models import IN_FLIGHT, PullOperation, PullStatus, PullTrigger

router = APIRouter(prefix="/sync-flow", include_in_schema=False)

CONFIGURE = "configure"
# What the configuration is made of, per side; each is read once before the merchant configures.
ACCOUNTING_TYPES = ("company", "chartOfAccounts", "taxRates", "customers", "suppliers")
COMMERCE_TYPES = ("commerce-taxComponents", "commerce-paymentMethods")

# The same link would be refused again: the way on is a new one, which the page that opened it makes.
_NEW_LINK = "Go back to the page you came from and start syncing there again: it makes a new link."
_REFUSED = {
    "expired": ("This link has expired", f"Sync-flow links work for 30 seconds. {_NEW_LINK}"),
    "used": ("This link has already been used", f"Each sync-flow link works once. {_NEW_LINK}"),
    "invalid": ("This link is not valid", f"This link's one-time code is not right. {_NEW_LINK}"),
    "locked": (
        "Too many links that were not valid",
        (
            "Too many sync-flow links with a wrong code were opened from your network. Wait a quarter of an "
            "hour, then open the link you were given again."
        ),
    ),
}


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
    secrets: Secrets,
    urls: ServerUrls,
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
        # A refused link's page is the client's (its name and logo), not a bare status.
        pages.brand_errors(
            request, pages.Branding(client.name, browser_urls.shown(client.logo_url), None, ())
        )
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
    return keep(pages.redirect(f"/sync-flow/companies/{company_id}"), visit, secrets, secure=urls.secure)


@dataclass(frozen=True)
class FlowPage:
    """One request to a page of a merchant's visit: the visit, its company, what the merchant chose so far
    (the company's commerce configuration) and its client, and what the page's answer needs."""

    request: Request
    visit: FlowVisit
    company: Company
    choices: CommerceConfiguration
    client: Client
    secrets: SecretBox
    urls: PublicUrls

    async def context(self, session: Session) -> dict[str, Any]:
        """What every Sync Flow template is given: the client's branding, the texts in the visit's locale."""
        return {
            "client": self.client,
            "company": self.company,
            "texts": await service.texts_for(
                session, self.company.client_id, self.visit.locale, company=self.choices
            ),
            "lang": self.visit.locale[:2],
        }


async def flow_page(
    request: Request, companyId: str, session: Session, secrets: Secrets, urls: ServerUrls
) -> FlowPage:
    """What every page after the entry begins with: the company (404), then the visit for it (401)."""
    try:
        parsed = uuid.UUID(companyId)
    except ValueError:
        raise PageError(
            404, "This page is not valid", "Open the sync-flow link you were given again."
        ) from None
    visit = read(request, secrets, parsed)
    if visit is None:
        raise PageError(401, "Your session has ended", "Open the sync-flow link you were given again.")
    company = await session.scalar(
        select(Company).where(Company.id == parsed).options(selectinload(Company.connections))
    )
    choices = await session.get(CommerceConfiguration, parsed)
    if company is None or choices is None:
        raise PageError(404, "This company no longer exists", "Ask whoever sent the link for a new one.")
    client = await session.get(Client, company.client_id)
    assert client is not None
    check_active(client)
    return FlowPage(request, visit, company, choices, client, secrets, urls)


Visiting = Annotated[FlowPage, Depends(flow_page)]


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
async def overview(page: Visiting, session: Session) -> Response:
    company, choices = page.company, page.choices
    commerce, accounting = _side(company, choices.commerce_key), _side(company, choices.accounting_key)
    context = await page.context(session)
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
        page.request,
        "sync_flow/overview.html",
        {**context, "sides": [commerce, accounting], "fetching": fetching},
    )


@router.get("/companies/{companyId}/connect/{key}")
async def connect(key: str, page: Visiting) -> Response:
    """Hand over to Link for one connection; Link brings the merchant back to the overview."""
    company, choices = page.company, page.choices
    if key not in (choices.commerce_key, choices.accounting_key):
        raise PageError(404, "This platform is not part of the sync", "Go back and choose one of the two.")
    connection = service.connection_to(company, key)
    if connection is None:
        raise PageError(404, "This connection no longer exists", "Ask whoever sent the link for a new one.")
    handover = link_visit.Visit(company.id, return_to=f"/sync-flow/companies/{company.id}")
    response = pages.redirect(f"/link/companies/{company.id}/connections/{connection.id}/start")
    return link_visit.keep(response, handover, page.secrets, secure=page.urls.secure)


def _form(document: dict[str, Any], zone: str) -> dict[str, Any]:
    """The configuration document as the form shows it (the schedule's start as a local date)."""
    schedule = document["schedule"]
    start = configuration.parse_moment(schedule["startDate"]) or datetime.now(UTC)
    return {"start_date": start.astimezone(ZoneInfo(zone)).date().isoformat()}


@router.get("/companies/{companyId}/configure")
async def configure_page(page: Visiting, session: Session) -> Response:
    document = await service.show(session, page.company, page.choices, page.visit.locale, suggest=True)
    return _configure(page, await page.context(session), document)


# A validation error's `itemId` that names a selection differently from the form field asking it.
_FIELD_OF_ITEM = {"schedule.selectedFrequency": "schedule.frequency"}


def _field_errors(errors: list[dict[str, str]]) -> dict[str, str]:
    """Each field's own message (the first, when a field has several), keyed by the form field's id."""
    found: dict[str, str] = {}
    for error in errors:
        item = error.get("itemId") or ""
        if item:
            found.setdefault(_FIELD_OF_ITEM.get(item, item), error["message"])
    return found


def _configure(
    page: FlowPage,
    context: dict[str, Any],
    document: dict[str, Any],
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    zone = document["schedule"]["timeZone"]
    return pages.render(
        page.request,
        "sync_flow/configure.html",
        {
            **context,
            "config": document,
            "form": _form(document, zone),
            "errors": [
                {"field": _FIELD_OF_ITEM.get(e.get("itemId") or "", e.get("itemId") or ""), **e}
                for e in errors or []
            ],
            "field_errors": _field_errors(errors or []),
            "time_zones": configuration.time_zones(),
            "token": page.visit.form_token(CONFIGURE),
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

    def asked(name: str, key: str) -> dict[str, str | None]:
        """A question's answer, only if the form asked it: one it leaves out keeps what is stored."""
        return {key: value(name)} if name in form else {}

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
                "invoiceStatus": asked("sales.invoiceStatus", "selectedInvoiceStatus"),
                "salesCustomer": asked("sales.customerId", "selectedCustomerId"),
                "taxRates": prefixed("sales.taxRates."),
                "newTaxRates": asked("sales.defaultZeroTaxRateId", "selectedDefaultZeroTaxRateId"),
                "grouping": {"groupingPeriod": {"selectedGroupingPeriod": value("sales.groupingPeriod")}},
            },
            "payments": {
                "syncPayments": form.get("payments.syncPayments") == "on",
                "accounts": prefixed("payments.accounts."),
            },
            "fees": {
                "syncFees": form.get("fees.syncFees") == "on",
                "accounts": prefixed("fees.accounts."),
                "feesSupplier": asked("fees.supplierId", "selectedSupplierId"),
            },
        },
        "enable": True,
    }


@router.post("/companies/{companyId}/configure")
async def configure(page: Visiting, session: Session) -> Response:
    company, choices = page.company, page.choices
    form = await page.request.form()
    token = form.get("csrf")
    if not page.visit.accepts(CONFIGURE, token if isinstance(token, str) else None):
        raise pages.form_expired()
    body = _body(form)
    try:
        await service.configure(session, company, choices, body)
    except BadRequest as invalid:  # raised before anything changed
        try:
            submitted = configuration.merge(choices.selections, body)
        except configuration.SelectionInvalid:
            submitted = None
        document = await service.show(session, company, choices, page.visit.locale, submitted)
        return _configure(
            page,
            await page.context(session),
            document,
            invalid.validation_errors or [{"itemId": "", "message": invalid.message}],
            400,
        )
    return pages.redirect(f"/sync-flow/companies/{company.id}/done")


@router.get("/companies/{companyId}/done")
async def done(page: Visiting, session: Session) -> Response:
    if not page.choices.configured:
        return pages.redirect(f"/sync-flow/companies/{page.company.id}/configure")
    finish = browser_urls.shown(page.visit.redirect_url)
    if finish:
        return pages.redirect(finish)
    return pages.render(page.request, "sync_flow/done.html", await page.context(session))
