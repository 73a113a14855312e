"""The Portal's integrations: which are enabled (and what an unusable one needs), whether their connections
sync once or continuously, and the client's sync settings per data type."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ledgerlink.app_credentials import service as app_credentials
from ledgerlink.connectors import registry
from ledgerlink.integrations import service as integrations
from ledgerlink.kit import pages
from ledgerlink.kit.pagination import PageParams
from ledgerlink.portal import service as portal
from ledgerlink.portal.route import Text, portal_router
from ledgerlink.portal.service import FormSignedIn, Operator, SignedIn
from ledgerlink.settings import service as settings
from ledgerlink.settings.schemas import OneTimeSync, SyncSettingBody

# The schedules Codat's portal offers: never, daily, weekly, monthly (in hours).
SYNC_SCHEDULES = {0: "Never (on demand)", 24: "Every day", 168: "Every week", 720: "Every 30 days"}

router = portal_router()


async def integrations_overview(operator: Operator) -> dict[str, Any]:
    """The integrations page: each integration with its app credentials' source, what it needs before a
    business can connect it, and its one-off override; the client's default; and the profile's sync settings
    per data type."""
    db, client_id = operator.db, operator.principal.client_id
    rows, _ = await integrations.list_integrations(db, client_id, PageParams(1, 500, None, None))
    overrides = {}
    for row in rows:
        overrides[row.Integration.key] = await settings.integration_one_time_sync(
            db, client_id, str(row.Integration.integration_id)
        )
    data_types, _ = await settings.profile_settings(db, client_id)
    return {
        "title": "Integrations",
        "integrations": rows,
        "connectors": {row.Integration.key: registry.get(row.Integration.key) for row in rows},
        "app_credentials": await app_credentials.sources(db, client_id),
        "one_off": overrides,
        "client_one_off": await settings.client_one_time_sync(db, client_id),
        "data_types": data_types,
        "schedules": SYNC_SCHEDULES,
    }


@router.get("/integrations")
async def list_integrations(request: Request, operator: SignedIn) -> Response:
    overview = await integrations_overview(operator)
    return operator.page(request, "portal/integrations.html", "integrations", overview)


@router.post("/integrations/{key}/enabled")
async def set_integration_enabled(key: str, operator: FormSignedIn, enabled: Text = "") -> Response:
    wanted = enabled == "true"
    async with operator.attempt("Integration updated.") as outcome:
        row = await integrations.set_enabled(operator.db, operator.principal.client_id, key, wanted)
        name = row.Integration.name
        if wanted and not row.enabled:
            outcome.success = f"{name} switched on: it is offered once its app credentials are set up."
        else:
            outcome.success = f"{name} {'enabled' if wanted else 'disabled'}."
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
