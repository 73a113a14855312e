"""`/portal`: the operator's web UI: companies, connections, data, lending, integrations and their app
credentials, profile, keys, webhooks.

One router joining each area's pages (`portal/pages/`); routes are thin: they call the domain services
with the session's principal (`portal.service.Operator`) and render a page.
"""

from __future__ import annotations

from fastapi import APIRouter

from ledgerlink.portal.pages import (
    app_credentials,
    companies,
    files,
    integrations,
    lending,
    link_settings,
    profile,
    sign_in,
    webhooks,
)

router = APIRouter()
for area in (
    sign_in,
    companies,
    lending,
    files,
    integrations,
    app_credentials,
    profile,
    link_settings,
    webhooks,
):
    router.include_router(area.router)
