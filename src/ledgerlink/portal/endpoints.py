"""`/portal`: the operator's web UI: companies, connections, data, integrations and their app credentials,
profile, keys, webhooks.

Routes are thin: they call the domain services with the session's principal and render a page. A change is
a POST that redirects back with a notice (or, for a secret shown once, renders the page with it).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from ledgerlink.app_credentials import service as app_credentials
from ledgerlink.clients import service as clients
from ledgerlink.clients.schemas import ApiKeyBody, ProfileBody
from ledgerlink.commerce import runs as commerce_runs
from ledgerlink.commerce import syncs as commerce
from ledgerlink.companies import service as companies
from ledgerlink.companies.schemas import CompanyCreate, sanitize_name
from ledgerlink.connections import service as connections
from ledgerlink.connections.views import connection_view
from ledgerlink.integrations import service as integrations
from ledgerlink.kit import browser_urls, outbound, pages
from ledgerlink.kit.auth import Session
from ledgerlink.kit.errors import CodatError
from ledgerlink.kit.pagination import PageParams
from ledgerlink.oauth.flow import CALLBACK_PATH
from ledgerlink.portal import charts, insights
from ledgerlink.portal import service as portal
from ledgerlink.portal.service import FormSignedIn, SignedIn
from ledgerlink.push import service as pushes
from ledgerlink.settings import service as settings
from ledgerlink.settings.schemas import OneTimeSync, SyncSettingBody
from ledgerlink.sync import service as sync
from ledgerlink.webhooks import service as webhooks
from ledgerlink.webhooks.schemas import EVENT_TYPES, ConsumerCreate

COMPANIES_PAGE_SIZE = 20
HISTORY_PAGE_SIZE = 10
# The most recent push operations the company page lists.
WRITES_SHOWN = 10
DELIVERIES_PAGE_SIZE = 20
# The schedules Codat's portal offers: never, daily, weekly, monthly (in hours).
SYNC_SCHEDULES = {0: "Never (on demand)", 24: "Every day", 168: "Every week", 720: "Every 30 days"}


class PortalRoute(APIRoute):
    """Portal answers are pages: no session means the sign-in page, and a domain error an error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def portal_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except portal.SignInRequired:
                return pages.redirect(portal.SIGN_IN_PATH)
            except CodatError as error:
                title = "Not found" if error.status_code == 404 else "This request cannot be answered"
                return pages.error_page(request, error.status_code, title, error.message)

        return portal_handler


router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

Text = Annotated[str, Form()]
OptionalText = Annotated[str | None, Form()]


def page_number(raw: str | None) -> int:
    try:
        return max(int(raw or 1), 1)
    except ValueError:
        return 1


# --- signing in and out ----------------------------------------------------------------------------


def _sign_in_page(
    request: Request, secret: str, *, error: str | None = None, status_code: int = 200
) -> Response:
    response = pages.render(
        request,
        "portal/login.html",
        {"title": "Sign in", "csrf": portal.sign_in_form_token(secret), "error": error},
        status_code=status_code,
    )
    portal.set_cookie(request, response, portal.SIGN_IN_COOKIE, secret, portal.SIGN_IN_LIFETIME)
    return response


@router.get("")
async def home() -> Response:
    return pages.redirect("/portal/companies")


@router.get("/login")
async def sign_in_page(request: Request, db: Session) -> Response:
    try:
        await portal.current_operator(request, db)
        return pages.redirect("/portal/companies")
    except portal.SignInRequired:
        return _sign_in_page(request, request.cookies.get(portal.SIGN_IN_COOKIE) or pages.new_token())


@router.post("/login")
async def sign_in(request: Request, db: Session, api_key: Text = "", csrf: OptionalText = None) -> Response:
    portal.check_sign_in_form(request, csrf)
    token = await portal.sign_in(db, api_key)
    if token is None:
        return _sign_in_page(
            request,
            request.cookies[portal.SIGN_IN_COOKIE],
            error="That API key was not recognised. Check it and try again.",
            status_code=401,
        )
    response = pages.redirect("/portal/companies")
    portal.set_cookie(request, response, portal.COOKIE, token, portal.SESSION_LIFETIME)
    portal.forget_cookie(request, response, portal.SIGN_IN_COOKIE)
    return response


@router.post("/logout")
async def sign_out(request: Request, operator: FormSignedIn) -> Response:
    await portal.sign_out(operator.db, request.cookies.get(portal.COOKIE))
    response = pages.redirect(portal.SIGN_IN_PATH)
    portal.forget_cookie(request, response, portal.COOKIE)
    return response


# --- companies -------------------------------------------------------------------------------------


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


@router.get("/companies/{company_id}")
async def show_company(
    request: Request, company_id: str, operator: SignedIn, history: str | None = None
) -> Response:
    db, principal = operator.db, operator.principal
    company = await companies.get(db, principal, company_id)
    counts = await insights.record_counts(db, company)
    history_params = PageParams(page_number(history), HISTORY_PAGE_SIZE, None, None)
    pulls, pulls_total = await sync.list_history(db, principal, company_id, history_params)
    enabled, _ = await integrations.list_integrations(
        db, principal.client_id, PageParams(1, 200, "enabled=true", None)
    )
    writes, writes_total = await pushes.list_history(
        db, principal, company_id, PageParams(1, WRITES_SHOWN, None, None)
    )
    bars = insights.record_bars(counts)
    durations = sorted(await insights.pull_durations(db, company), key=lambda d: d.completed)
    return operator.page(
        request,
        "portal/company.html",
        "companies",
        {
            "title": company.name,
            "company": company,
            "connections": [connection_view(c, operator.urls) for c in company.connections],
            "data_status": await sync.data_status(db, principal, company_id),
            "records_by_type": {bar.label: bar.value for bar in bars},
            "pulls": pulls,
            "pulls_total": pulls_total,
            "history": history_params,
            "records_chart": charts.records_per_type(bars),
            "durations": durations,
            "durations_chart": charts.sync_durations(durations),
            "integrations": [row.Integration for row in enabled],
            "sources": insights.synced_sources(counts),
            "commerce": await commerce.overview(db, company.id),
            "commerce_status": commerce_runs.STATUS_TEXT,
            "writes": writes,
            "writes_total": writes_total,
        },
    )


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
            f"Connection created: send the business its Link URL to link {connection.integration_key}."
        )
    return pages.redirect(f"/portal/companies/{company_id}")


@router.post("/companies/{company_id}/connections/{connection_id}/unlink")
async def unlink_connection(company_id: str, connection_id: str, operator: FormSignedIn) -> Response:
    async with operator.attempt("Connection unlinked: it will not sync until it is linked again."):
        await connections.unlink(
            operator.db, operator.principal, company_id, connection_id, {"status": "Unlinked"}, operator.urls
        )
    return pages.redirect(f"/portal/companies/{company_id}")


@router.post("/companies/{company_id}/connections/{connection_id}/delete")
async def delete_connection(company_id: str, connection_id: str, operator: FormSignedIn) -> Response:
    async with operator.attempt("Connection deleted, with the data it synced."):
        await connections.delete(operator.db, operator.principal, company_id, connection_id, operator.urls)
    return pages.redirect(f"/portal/companies/{company_id}")


@router.get("/companies/{company_id}/delete")
async def confirm_company_deletion(request: Request, company_id: str, operator: SignedIn) -> Response:
    company = await companies.get(operator.db, operator.principal, company_id)
    return operator.page(
        request,
        "portal/company_delete.html",
        "companies",
        {"title": f"Delete {company.name}", "company": company},
    )


@router.post("/companies/{company_id}/delete")
async def delete_company(company_id: str, operator: FormSignedIn) -> Response:
    async with operator.attempt("Company deleted.") as outcome:
        company = await companies.get(operator.db, operator.principal, company_id)
        outcome.success = f"Company {company.name} deleted, with its connections and data."
        await companies.delete(operator.db, operator.principal, company_id, operator.urls)
    if not outcome.ok:
        return pages.redirect(f"/portal/companies/{company_id}")
    return pages.redirect("/portal/companies")


@router.get("/companies/{company_id}/records")
async def browse_records(
    request: Request,
    company_id: str,
    operator: SignedIn,
    source: str = "",
    query: str = "",
    orderBy: str = "",
    page: str | None = None,
) -> Response:
    db = operator.db
    company = await companies.get(db, operator.principal, company_id)
    sources = insights.synced_sources(await insights.record_counts(db, company))
    chosen = next((s for s in sources if s.value == source), None)
    result, problem = None, None
    if chosen is not None:
        try:
            async with db.begin_nested():
                result = await insights.browse(
                    db, operator.principal, company, chosen, query, orderBy, page_number(page)
                )
        except CodatError as error:
            problem = error.message
    return operator.page(
        request,
        "portal/records.html",
        "companies",
        {
            "title": f"Records of {company.name}",
            "company": company,
            "sources": sources,
            "chosen": chosen,
            "query": query,
            "order_by": orderBy,
            "result": result,
            "problem": problem,
        },
        status_code=400 if problem else 200,
    )


# --- integrations and sync settings ----------------------------------------------------------------


@router.get("/integrations")
async def list_integrations(request: Request, operator: SignedIn) -> Response:
    db, client_id = operator.db, operator.principal.client_id
    rows, _ = await integrations.list_integrations(db, client_id, PageParams(1, 500, None, None))
    overrides = {}
    for row in rows:
        overrides[row.Integration.key] = await settings.integration_one_time_sync(
            db, client_id, str(row.Integration.integration_id)
        )
    data_types, _ = await settings.profile_settings(db, client_id)
    return operator.page(
        request,
        "portal/integrations.html",
        "integrations",
        {
            "title": "Integrations",
            "integrations": rows,
            "app_credentials": await app_credentials.sources(db, client_id),
            "one_off": overrides,
            "client_one_off": await settings.client_one_time_sync(db, client_id),
            "data_types": data_types,
            "schedules": SYNC_SCHEDULES,
        },
    )


@router.post("/integrations/{key}/enabled")
async def set_integration_enabled(key: str, operator: FormSignedIn, enabled: Text = "") -> Response:
    wanted = enabled == "true"
    async with operator.attempt("Integration updated.") as outcome:
        row = await integrations.set_enabled(operator.db, operator.principal.client_id, key, wanted)
        outcome.success = f"{row.Integration.name} {'enabled' if wanted else 'disabled'}."
    return pages.redirect("/portal/integrations")


@router.post("/integrations/{key}/one-off")
async def set_integration_one_off(key: str, operator: FormSignedIn, one_time_sync: Text = "") -> Response:
    value = OneTimeSync(one_time_sync) if one_time_sync in OneTimeSync.__members__.values() else None
    async with operator.attempt("Sync setting saved.") as outcome:
        row = await integrations.get(operator.db, operator.principal.client_id, key)
        await settings.set_integration_one_time_sync(
            operator.db, operator.principal.client_id, str(row.Integration.integration_id), value
        )
        kind = {
            OneTimeSync.ENABLED: "one-off",
            OneTimeSync.DISABLED: "continuous",
            None: "the client's default",
        }[value]
        outcome.success = f"{row.Integration.name} connections now sync: {kind}."
    return pages.redirect("/portal/integrations")


@router.post("/integrations/one-off")
async def set_client_one_off(operator: FormSignedIn, one_time_sync: Text = "") -> Response:
    value = OneTimeSync(one_time_sync) if one_time_sync in OneTimeSync.__members__.values() else None
    async with operator.attempt("Default sync setting saved."):
        await settings.set_client_one_time_sync(operator.db, operator.principal.client_id, value)
    return pages.redirect("/portal/integrations")


@router.post("/integrations/data-types")
async def save_data_type_settings(request: Request, operator: FormSignedIn) -> Response:
    form = await request.form()
    db, client_id = operator.db, operator.principal.client_id
    async with operator.attempt("Data type settings saved."):
        current, _ = await settings.profile_settings(db, client_id)
        changed = []
        for setting in current:
            key = setting["dataType"]
            schedule = form.get(f"schedule-{key}")
            changed.append(
                portal.body(
                    SyncSettingBody,
                    {
                        **setting,
                        "fetchOnFirstLink": form.get(f"fetch-{key}") == "on",
                        "syncSchedule": schedule if isinstance(schedule, str) else setting["syncSchedule"],
                    },
                )
            )
        await settings.save(db, client_id, None, changed, True)
    return pages.redirect("/portal/integrations#data-types")


# --- platforms' app credentials --------------------------------------------------------------------


async def _app_credentials_page(
    request: Request, operator: SignedIn, key: str, *, status_code: int = 200, **context: Any
) -> Response:
    connector = app_credentials.credentialed_connector(key)
    view = await app_credentials.describe(operator.db, operator.principal.client_id, connector)
    return operator.page(
        request,
        "portal/app_credentials.html",
        "integrations",
        {
            "title": f"{connector.info.name} app credentials",
            "view": view,
            "info": connector.info,
            # What the operator registers with an OAuth platform as its app's redirect URI.
            "redirect_uri": operator.urls.base + CALLBACK_PATH if connector.oauth is not None else None,
            "problems": {},
            "given": {},
            **context,
        },
        status_code=status_code,
    )


@router.get("/integrations/{key}/credentials")
async def show_app_credentials(request: Request, key: str, operator: SignedIn) -> Response:
    return await _app_credentials_page(request, operator, key)


@router.post("/integrations/{key}/credentials")
async def save_app_credentials(request: Request, key: str, operator: FormSignedIn) -> Response:
    connector = app_credentials.credentialed_connector(key)
    given = {name: value for name, value in (await request.form()).items() if isinstance(value, str)}
    try:
        async with operator.attempt(
            f"{connector.info.name} app credentials saved: Link uses them from now on."
        ):
            await app_credentials.save(
                operator.db, request.app.state.secrets, operator.principal.client_id, connector, given
            )
    except app_credentials.AppCredentialsInvalid as invalid:
        # The page again with what was typed, secrets left out: they are never sent back to the browser.
        shown = app_credentials.not_secret(connector, given)
        return await _app_credentials_page(
            request, operator, key, problems=invalid.problems, given=shown, status_code=422
        )
    return pages.redirect(f"/portal/integrations/{key}/credentials")


@router.post("/integrations/{key}/credentials/remove")
async def remove_app_credentials(key: str, operator: FormSignedIn) -> Response:
    connector = app_credentials.credentialed_connector(key)
    async with operator.attempt(f"{connector.info.name} app credentials removed."):
        await app_credentials.remove(operator.db, operator.principal.client_id, connector)
    return pages.redirect(f"/portal/integrations/{key}/credentials")


# --- profile and API keys --------------------------------------------------------------------------


async def _profile_page(request: Request, operator: SignedIn, **context: Any) -> Response:
    client = await clients.get_client(operator.db, operator.principal.client_id)
    keys = await clients.list_api_keys(operator.db, operator.principal.client_id)
    return operator.page(
        request,
        "portal/profile.html",
        "profile",
        {
            "title": "Profile and API keys",
            "client": client,
            "keys": [clients.api_key_view(k) for k in keys],
            **context,
        },
    )


@router.get("/profile")
async def show_profile(request: Request, operator: SignedIn) -> Response:
    return await _profile_page(request, operator)


@router.post("/profile")
async def save_profile(
    operator: FormSignedIn,
    name: Text = "",
    logo_url: Text = "",
    redirect_url: Text = "",
    link_single_use: OptionalText = None,
    link_url_ttl_hours: Text = "24",
) -> Response:
    db, client_id = operator.db, operator.principal.client_id
    async with operator.attempt("Profile saved."):
        client = await clients.get_client(db, client_id)
        # The page edits these fields; the rest of the profile is kept as it is, but for an icon URL stored
        # before URLs were checked that no page would use (left in, it would refuse every save here).
        profile = client.profile | {
            "iconUrl": browser_urls.shown(client.icon_url),
            "name": name,
            "logoUrl": logo_url.strip() or None,
            "redirectUrl": redirect_url.strip(),
        }
        await clients.update_profile(db, client_id, portal.body(ProfileBody, profile))
        try:
            hours = int(link_url_ttl_hours)
        except ValueError:
            hours = 0
        await clients.set_link_urls(db, client_id, link_single_use == "on", hours)
    return pages.redirect("/portal/profile")


@router.post("/api-keys")
async def create_api_key(request: Request, operator: FormSignedIn, name: Text = "") -> Response:
    async with operator.attempt("API key created. Copy it now: it is not shown again.") as outcome:
        key, plain = await clients.create_api_key(
            operator.db, operator.principal.client_id, portal.body(ApiKeyBody, {"name": name.strip() or None})
        )
    if not outcome.ok:
        return pages.redirect("/portal/profile")
    # Shown in this answer only: the key is never stored in clear, not even as a notice.
    return await _profile_page(request, operator, new_key=clients.api_key_view(key, plain))


@router.post("/api-keys/{key_id}/delete")
async def delete_api_key(key_id: str, operator: FormSignedIn) -> Response:
    async with operator.attempt("API key deleted; Portal sessions signed in with it are ended."):
        await clients.delete_api_key(operator.db, operator.principal.client_id, key_id)
    return pages.redirect("/portal/profile")


# --- webhooks --------------------------------------------------------------------------------------


@router.get("/webhooks")
async def list_consumers(request: Request, operator: SignedIn) -> Response:
    consumers = await webhooks.list_consumers(operator.db, operator.principal)
    return operator.page(
        request,
        "portal/webhooks.html",
        "webhooks",
        {"title": "Webhooks", "consumers": consumers, "event_types": EVENT_TYPES},
    )


@router.post("/webhooks")
async def create_consumer(
    request: Request,
    operator: FormSignedIn,
    url: Text = "",
    event_types: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults per request
    company_tags: Text = "",
) -> Response:
    tags = [tag.strip() for tag in company_tags.replace("\n", ",").split(",") if tag.strip()]
    async with operator.attempt("Webhook consumer created.") as outcome:
        consumer = await webhooks.create(
            operator.db,
            operator.principal,
            portal.body(ConsumerCreate, {"url": url.strip(), "eventTypes": event_types, "companyTags": tags}),
            request.app.state.secrets,
            outbound.policy(request.app.state.settings.outbound_allow),
        )
    if not outcome.ok:
        return pages.redirect("/portal/webhooks")
    return pages.redirect(f"/portal/webhooks/{consumer.id}")


@router.post("/webhooks/{webhook_id}/delete")
async def delete_consumer(webhook_id: str, operator: FormSignedIn) -> Response:
    async with operator.attempt("Webhook consumer deleted, with its deliveries."):
        await webhooks.delete(operator.db, operator.principal, webhook_id)
    return pages.redirect("/portal/webhooks")


async def _consumer_page(
    request: Request, operator: SignedIn, webhook_id: str, page: str | None = None, **context: Any
) -> Response:
    params = PageParams(page_number(page), DELIVERIES_PAGE_SIZE, None, None)
    consumer = await webhooks.get(operator.db, operator.principal, webhook_id)
    deliveries, total = await webhooks.list_deliveries(operator.db, operator.principal, webhook_id, params)
    return operator.page(
        request,
        "portal/webhook.html",
        "webhooks",
        {
            "title": f"Webhook consumer {consumer.url}",
            "consumer": consumer,
            "deliveries": deliveries,
            "total": total,
            "params": params,
            **context,
        },
    )


@router.get("/webhooks/{webhook_id}")
async def show_consumer(
    request: Request, webhook_id: str, operator: SignedIn, page: str | None = None
) -> Response:
    return await _consumer_page(request, operator, webhook_id, page)


@router.post("/webhooks/{webhook_id}/secret")
async def reveal_secret(request: Request, webhook_id: str, operator: FormSignedIn) -> Response:
    secret = await webhooks.get_secret(operator.db, operator.principal, webhook_id, request.app.state.secrets)
    return await _consumer_page(request, operator, webhook_id, secret=secret)


@router.post("/webhooks/{webhook_id}/secret/rotate")
async def rotate_secret(request: Request, webhook_id: str, operator: FormSignedIn) -> Response:
    async with operator.attempt(
        "Signing secret rotated. The previous secret keeps signing too for 24 hours."
    ) as outcome:
        secret = await webhooks.rotate_secret(
            operator.db, operator.principal, webhook_id, request.app.state.secrets
        )
    if not outcome.ok:
        return pages.redirect(f"/portal/webhooks/{webhook_id}")
    return await _consumer_page(request, operator, webhook_id, secret=secret)


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/replay")
async def replay_delivery(webhook_id: str, delivery_id: str, operator: FormSignedIn) -> Response:
    async with operator.attempt("Delivery queued to be sent again now.") as outcome:
        delivery, _, _ = await webhooks.replay(operator.db, operator.principal, webhook_id, delivery_id)
        outcome.success = f"Delivery {delivery.message_id} queued to be sent again now."
    return pages.redirect(f"/portal/webhooks/{webhook_id}")
