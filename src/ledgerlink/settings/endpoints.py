"""`/profile/syncSettings`, `/companies/{companyId}/syncSettings`, and the legacy `/settings`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.companies import service as companies
from ledgerlink.kit.auth import Session
from ledgerlink.kit.responses import json, no_content
from ledgerlink.settings import service
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
