"""The Portal's companies: the list, a company's page (connections, data, pulls, writes, commerce), its
records, and the changes made from there (create, refresh, connect, unlink, delete)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ledgerlink.commerce import runs as commerce_runs
from ledgerlink.commerce import syncs as commerce
from ledgerlink.companies import service as companies
from ledgerlink.companies.schemas import CompanyCreate, sanitize_name
from ledgerlink.connections import service as connections
from ledgerlink.connections.views import connection_view
from ledgerlink.integrations import service as integrations
from ledgerlink.kit import pages
from ledgerlink.kit.errors import CodatError, NotFound
from ledgerlink.kit.pagination import PageParams
from ledgerlink.portal import charts, insights
from ledgerlink.portal import service as portal
from ledgerlink.portal.pages.files import company_files
from ledgerlink.portal.route import OptionalText, Text, page_number, portal_router
from ledgerlink.portal.service import Confirmation, ConfirmedSignedIn, FormSignedIn, Operator, SignedIn
from ledgerlink.push import service as pushes
from ledgerlink.sync import service as sync

COMPANIES_PAGE_SIZE = 20
HISTORY_PAGE_SIZE = 10
# The most recent push operations the company page lists.
WRITES_SHOWN = 10

router = portal_router()


@router.get("/companies")
async def list_companies(
    request: Request, operator: SignedIn, search: str = "", page: str | None = None
) -> Response:
    # Names keep only letters, digits and a few symbols, so a term cleaned the same way cannot break `query=`.
    term = sanitize_name(search).replace("&&", "&")
    params = PageParams(page_number(page), COMPANIES_PAGE_SIZE, f"name~{term}" if term else None, "-created")
    found, total = await companies.list_companies(operator.db, operator.principal, params, None)
    return operator.page(
        request,
        "portal/companies.html",
        "companies",
        {"title": "Companies", "companies": found, "total": total, "search": search, "params": params},
    )


@router.post("/companies")
async def create_company(
    operator: FormSignedIn, name: Text = "", description: OptionalText = None
) -> Response:
    async with operator.attempt("Company created.") as outcome:
        company = await companies.create(
            operator.db,
            operator.principal,
            portal.body(CompanyCreate, {"name": name, "description": description or None}),
            operator.urls,
        )
        outcome.success = f"Company {company.name} created."
    if not outcome.ok:
        return pages.redirect("/portal/companies")
    return pages.redirect(f"/portal/companies/{company.id}")


async def company_overview(operator: Operator, company_id: str, history_page: int) -> dict[str, Any]:
    """Everything the company page shows, each part from the service that owns it: connections and their
    Link URLs, data status, records per type, a page of pull history and their durations, the latest
    writes, the enabled integrations a connection can be made to, and Sync for Commerce's runs."""
    db, principal = operator.db, operator.principal
    company = await companies.get(db, principal, company_id)
    counts = await insights.record_counts(db, company)
    history = PageParams(history_page, HISTORY_PAGE_SIZE, None, None)
    pulls, pulls_total = await sync.list_history(db, principal, company_id, history)
    enabled, _ = await integrations.list_integrations(
        db, principal.client_id, PageParams(1, 200, "enabled=true", None)
    )
    writes, writes_total = await pushes.list_history(
        db, principal, company_id, PageParams(1, WRITES_SHOWN, None, None)
    )
    bars = insights.record_bars(counts)
    durations = await insights.pull_durations(db, company)
    return {
        "title": company.name,
        "company": company,
        "connections": [connection_view(c, operator.urls) for c in company.connections],
        "data_status": await sync.data_status(db, principal, company_id),
        "records_by_type": {bar.label: bar.value for bar in bars},
        "pulls": pulls,
        "pulls_total": pulls_total,
        "history": history,
        "records_chart": charts.records_per_type(bars),
        "duration_series": charts.duration_series(durations),
        "durations_chart": charts.sync_durations(durations),
        "integrations": [row.Integration for row in enabled],
        "sources": insights.synced_sources(counts),
        "commerce": await commerce.overview(db, company.id),
        "commerce_status": commerce_runs.STATUS_TEXT,
        "writes": writes,
        "writes_total": writes_total,
        **await company_files(operator, company),
    }


@router.get("/companies/{company_id}")
async def show_company(
    request: Request, company_id: str, operator: SignedIn, history: str | None = None
) -> Response:
    overview = await company_overview(operator, company_id, page_number(history))
    return operator.page(request, "portal/company.html", "companies", overview)


@router.post("/companies/{company_id}/commerce/sync")
async def sync_commerce(company_id: str, operator: FormSignedIn) -> Response:
    async with operator.attempt("Commerce sync queued: from the end of the last one to now.") as outcome:
        summary = await commerce.request_latest(
            operator.db, operator.principal, company_id, None, operator.urls
        )
        if summary["syncStatusCode"] not in (1000, 1010):
            outcome.success = f"Commerce sync not started: {summary['errorMessage']}"
    return pages.redirect(f"/portal/companies/{company_id}#commerce")


@router.post("/companies/{company_id}/refresh")
async def refresh_company(company_id: str, operator: FormSignedIn) -> Response:
    async with operator.attempt(
        "Refresh queued: every fetch-on-first-link data type of each Linked connection."
    ):
        await sync.refresh_all(operator.db, operator.principal, company_id)
    return pages.redirect(f"/portal/companies/{company_id}")


@router.post("/companies/{company_id}/connections")
async def create_connection(company_id: str, operator: FormSignedIn, platform_key: Text = "") -> Response:
    async with operator.attempt("Connection created.") as outcome:
        connection = await connections.create(
            operator.db, operator.principal, company_id, platform_key, operator.urls
        )
        outcome.success = (
            "Connection created: send the business its Link URL to link "
            f"{insights.platform_name(connection.integration_key)}."
        )
    return pages.redirect(f"/portal/companies/{company_id}")


# What each change to a connection asks and does, on its confirmation page: (question, consequence, button).
CONNECTION_CHANGES = {
    "unlink": (
        "Unlink {company}'s {platform} connection?",
        "It stops syncing, and its data stays readable. The business links {platform} again (its Link URL) "
        "before it syncs again.",
        "Unlink {platform}",
    ),
    "delete": (
        "Delete {company}'s {platform} connection?",
        "This deletes the connection and every record it synced. It cannot be undone.",
        "Delete the {platform} connection",
    ),
}


@router.get("/companies/{company_id}/connections/{connection_id}/{change}")
async def confirm_connection_change(
    request: Request, company_id: str, connection_id: str, change: str, operator: SignedIn
) -> Response:
    if change not in CONNECTION_CHANGES:
        raise NotFound(f"There is no {change!r} change of a connection.")
    company, connection = await connections.get(operator.db, operator.principal, company_id, connection_id)
    names = {"company": company.name, "platform": insights.platform_name(connection.integration_key)}
    question, consequence, button = (text.format(**names) for text in CONNECTION_CHANGES[change])
    return operator.confirm(
        request, "companies", Confirmation(question, consequence, button, f"/portal/companies/{company.id}")
    )


@router.post("/companies/{company_id}/connections/{connection_id}/unlink")
async def unlink_connection(company_id: str, connection_id: str, operator: ConfirmedSignedIn) -> Response:
    async with operator.attempt("Connection unlinked: it will not sync until it is linked again."):
        await connections.unlink(
            operator.db, operator.principal, company_id, connection_id, {"status": "Unlinked"}, operator.urls
        )
    return pages.redirect(f"/portal/companies/{company_id}")


@router.post("/companies/{company_id}/connections/{connection_id}/delete")
async def delete_connection(company_id: str, connection_id: str, operator: ConfirmedSignedIn) -> Response:
    async with operator.attempt("Connection deleted, with the data it synced."):
        await connections.delete(operator.db, operator.principal, company_id, connection_id, operator.urls)
    return pages.redirect(f"/portal/companies/{company_id}")


@router.get("/companies/{company_id}/delete")
async def confirm_company_deletion(request: Request, company_id: str, operator: SignedIn) -> Response:
    company = await companies.get(operator.db, operator.principal, company_id)
    count = len(company.connections)
    return operator.confirm(
        request,
        "companies",
        Confirmation(
            f"Delete {company.name}?",
            f"This deletes the company, its {count} connection{'' if count == 1 else 's'} and every record "
            "synced for it. It cannot be undone.",
            "Delete company",
            f"/portal/companies/{company.id}",
        ),
    )


@router.post("/companies/{company_id}/delete")
async def delete_company(company_id: str, operator: ConfirmedSignedIn) -> Response:
    async with operator.attempt("Company deleted.") as outcome:
        company = await companies.get(operator.db, operator.principal, company_id)
        outcome.success = f"Company {company.name} deleted, with its connections and data."
        await companies.delete(operator.db, operator.principal, company_id, operator.urls)
    if not outcome.ok:
        return pages.redirect(f"/portal/companies/{company_id}")
    return pages.redirect("/portal/companies")


def _whole_number(raw: str, default: int) -> int:
    try:
        return int(raw) if raw.strip() else default
    except ValueError:
        return default


async def record_browser(
    operator: Operator,
    company_id: str,
    source: str,
    params: PageParams,
    periods: insights.Periods,
) -> dict[str, Any]:
    """The record browser: the company's synced sources, and what the chosen one holds read as the API reads
    it (a list's page with `query` and `orderBy`, a statement's periods, company info); a request the API
    would refuse is the page's problem, not an error."""
    db = operator.db
    company = await companies.get(db, operator.principal, company_id)
    sources = insights.synced_sources(await insights.record_counts(db, company))
    chosen = next((s for s in sources if s.value == source), None)
    result, problem = None, None
    if chosen is not None:
        try:
            async with db.begin_nested():
                result = await insights.browse(db, operator.principal, company, chosen, params, periods)
        except CodatError as error:
            problem = error.message
    return {
        "title": f"Records of {company.name}",
        "company": company,
        "sources": sources,
        "chosen": chosen,
        "query": params.query or "",
        "order_by": params.order_by or "",
        "periods": periods,
        "result": result,
        "problem": problem,
    }


@router.get("/companies/{company_id}/records")
async def browse_records(
    request: Request,
    company_id: str,
    operator: SignedIn,
    source: str = "",
    query: str = "",
    orderBy: str = "",
    page: str | None = None,
    periodLength: str = "",
    periodsToCompare: str = "",
) -> Response:
    params = PageParams(page_number(page), insights.BROWSER_PAGE_SIZE, query or None, orderBy or None)
    periods = insights.Periods(
        _whole_number(periodLength, insights.DEFAULT_PERIOD_MONTHS),
        _whole_number(periodsToCompare, insights.DEFAULT_PERIODS),
    )
    browser = await record_browser(operator, company_id, source, params, periods)
    status_code = 400 if browser["problem"] else 200
    return operator.page(request, "portal/records.html", "companies", browser, status_code=status_code)
