"""`/profile/syncSettings`, `/companies/{companyId}/syncSettings`, the legacy `/settings`, and Link settings
(`/profile/linkSettings`, `/companies/{companyId}/linkSettings`: ledgerlink's own operations)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.companies import service as companies
from ledgerlink.kit.auth import Session
from ledgerlink.kit.responses import json, no_content
from ledgerlink.settings import link_settings, service
from ledgerlink.settings.link_settings import LinkSettingsBody
from ledgerlink.settings.schemas import CompanySyncSettingsBody, OneTimeSyncBody, ProfileSyncSettingsBody

router = APIRouter(tags=["Settings"])


@router.get("/profile/syncSettings")
async def get_profile_sync_settings(principal: CurrentPrincipal, session: Session) -> Response:
    settings, overrides = await service.profile_settings(session, principal.client_id)
    return json({"clientId": str(principal.client_id), "settings": settings, "overridesDefaults": overrides})


@router.post("/profile/syncSettings", status_code=204)
async def set_profile_sync_settings(
    body: ProfileSyncSettingsBody, principal: CurrentPrincipal, session: Session
) -> Response:
    await service.save(session, principal.client_id, None, body.settings, body.overrides_defaults)
    return no_content()


@router.get("/companies/{companyId}/syncSettings")
async def get_company_sync_settings(
    companyId: str, principal: CurrentPrincipal, session: Session
) -> Response:
    company = await companies.get(session, principal, companyId)
    settings, overrides = await service.company_settings(session, principal.client_id, company.id)
    return json({"companyId": str(company.id), "settings": settings, "overridesDefaults": overrides})


@router.post("/companies/{companyId}/syncSettings", status_code=204)
async def set_company_sync_settings(
    companyId: str, body: CompanySyncSettingsBody, principal: CurrentPrincipal, session: Session
) -> Response:
    company = await companies.get(session, principal, companyId)
    await service.save(session, principal.client_id, company.id, body.settings, body.overrides_defaults)
    return no_content()


@router.get("/settings")
async def get_settings(principal: CurrentPrincipal, session: Session) -> Response:
    return json(await service.client_one_time_sync(session, principal.client_id))


@router.patch("/settings")
async def update_settings(body: OneTimeSyncBody, principal: CurrentPrincipal, session: Session) -> Response:
    return json(await service.set_client_one_time_sync(session, principal.client_id, body.one_time_sync))


@router.get("/settings/integrations/{integrationId}")
async def get_integration_settings(
    integrationId: str, principal: CurrentPrincipal, session: Session
) -> Response:
    return json(await service.integration_one_time_sync(session, principal.client_id, integrationId))


@router.patch("/settings/integrations/{integrationId}")
async def update_integration_settings(
    integrationId: str, body: OneTimeSyncBody, principal: CurrentPrincipal, session: Session
) -> Response:
    return json(
        await service.set_integration_one_time_sync(
            session, principal.client_id, integrationId, body.one_time_sync
        )
    )


@router.get("/profile/linkSettings")
async def get_link_settings(principal: CurrentPrincipal, session: Session) -> Response:
    """Get the Link settings (ledgerlink's own operation).

    What a business's Link visit walks and shows, after the options of Codat's Link SDK: `sourceTypes`
    (`accounting`, `banking`, `commerce`; the order of the keys is the order of the journey; each with
    `optional`, `enableUpload` and `allowedIntegrations`, platform keys), `showLandingPage`, `theme`
    (`primaryColor` as `#RRGGBB`, `logoUrl`) and `text` per locale (`landing.title`, `landing.subtitle`,
    `companyName.title`, `companyName.subtitle`, `main.title`, `main.subtitle`, `consent.purpose`,
    `consent.access`, `consent.retention`, `consent.terms`, `exit.title`, `exit.message`; Markdown but for
    titles; placeholders `{companyName}` and `{platformName}`). Without settings: accounting, then banking
    and commerce, both optional.
    """
    return json(await link_settings.profile_settings(session, principal.client_id))


@router.put("/profile/linkSettings")
async def set_link_settings(
    body: LinkSettingsBody, principal: CurrentPrincipal, session: Session
) -> Response:
    """Replace the Link settings (ledgerlink's own operation); a field left out takes its default."""
    await link_settings.save(session, principal.client_id, None, body)
    return json(await link_settings.profile_settings(session, principal.client_id))


async def _company_link_settings(session: Session, principal: CurrentPrincipal, companyId: str) -> Response:
    company = await companies.get(session, principal, companyId)
    own, effective = await link_settings.company_settings(session, principal.client_id, company.id)
    return json({"companyId": str(company.id), "overrides": own, "settings": effective})


@router.get("/companies/{companyId}/linkSettings")
async def get_company_link_settings(
    companyId: str, principal: CurrentPrincipal, session: Session
) -> Response:
    """Get a company's Link settings (ledgerlink's own operation): its `overrides` and the `settings` its
    Link visits use (the profile's, with the overrides applied)."""
    return await _company_link_settings(session, principal, companyId)


@router.put("/companies/{companyId}/linkSettings")
async def set_company_link_settings(
    companyId: str, body: LinkSettingsBody, principal: CurrentPrincipal, session: Session
) -> Response:
    """Replace a company's overrides of the Link settings (ledgerlink's own operation): a field it sets
    replaces the profile's (`text` per locale and key), one it leaves out follows the profile."""
    company = await companies.get(session, principal, companyId, for_update=True)
    await link_settings.save(session, principal.client_id, company.id, body)
    return await _company_link_settings(session, principal, companyId)


@router.delete("/companies/{companyId}/linkSettings", status_code=204)
async def clear_company_link_settings(
    companyId: str, principal: CurrentPrincipal, session: Session
) -> Response:
    """Remove a company's overrides of the Link settings (ledgerlink's own operation)."""
    company = await companies.get(session, principal, companyId, for_update=True)
    await link_settings.clear_company(session, principal.client_id, company.id)
    return no_content()
