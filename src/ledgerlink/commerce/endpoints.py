"""Sync for Commerce's API: the sync-flow URL, configuration, texts, visible accounts and commerce syncs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal, Urls
from ledgerlink.commerce import service, syncs
from ledgerlink.kit.auth import Session
from ledgerlink.kit.responses import json

router = APIRouter(tags=["Sync for Commerce"])

JsonBody = Annotated[Any, Body()]
# The commerce platform of the older, one-key start URL (seed 000's partner connector).
PARTNER_COMMERCE_KEY = "lqai"


@router.get("/config/sync/commerce/{commerceKey}/{accountingKey}/start")
async def get_sync_flow_url(
    commerceKey: str,
    accountingKey: str,
    principal: CurrentPrincipal,
    session: Session,
    urls: Urls,
    merchantIdentifier: str | None = None,
    redirectUrl: str | None = None,
) -> Response:
    url = await service.start(
        session, principal, commerceKey, accountingKey, merchantIdentifier, redirectUrl, urls
    )
    return json({"url": url})


@router.get("/config/sync/commerce/{platformKey}/start")
async def get_partner_sync_flow_url(
    platformKey: str,
    principal: CurrentPrincipal,
    session: Session,
    urls: Urls,
    merchantIdentifier: str | None = None,
    redirectUrl: str | None = None,
) -> Response:
    """The older form: the accounting platform's key only, the commerce platform being the partner's."""
    url = await service.start(
        session, principal, PARTNER_COMMERCE_KEY, platformKey, merchantIdentifier, redirectUrl, urls
    )
    return json({"url": url})


@router.get("/config/companies/{companyId}/sync/commerce")
async def get_configuration(companyId: str, principal: CurrentPrincipal, session: Session) -> Response:
    return json(await service.get_configuration(session, principal, companyId))


@router.post("/config/companies/{companyId}/sync/commerce")
async def set_configuration(
    companyId: str, principal: CurrentPrincipal, session: Session, body: JsonBody = None
) -> Response:
    return json(await service.set_configuration(session, principal, companyId, body))


@router.get("/sync/commerce/config/ui/text")
async def get_config_text(
    principal: CurrentPrincipal, session: Session, locale: str | None = None
) -> Response:
    return json(await service.localization(session, principal.client_id, locale))


@router.patch("/sync/commerce/config/ui/text")
async def update_config_text(
    principal: CurrentPrincipal, session: Session, locale: str | None = None, body: JsonBody = None
) -> Response:
    return json(await service.reword(session, principal.client_id, locale, body))


@router.get("/clients/{clientId}/config/ui/accounts/platform/{platformKey}")
async def get_visible_accounts(
    clientId: str, platformKey: str, principal: CurrentPrincipal, session: Session
) -> Response:
    return json(await service.visible_accounts(session, principal, clientId, platformKey))


@router.post("/sync/commerce/config/ui/accounts/platform/{platformKey}")
async def update_visible_accounts(
    platformKey: str, principal: CurrentPrincipal, session: Session, body: JsonBody = None
) -> Response:
    return json(await service.set_visible_accounts(session, principal, platformKey, body))


@router.post("/companies/{companyId}/sync/commerce/latest")
async def request_sync(
    companyId: str, principal: CurrentPrincipal, session: Session, urls: Urls, body: JsonBody = None
) -> Response:
    return json(await syncs.request_latest(session, principal, companyId, body, urls))


@router.post("/meta/companies/{companyId}/sync/commerce/historic")
async def request_sync_for_date_range(
    companyId: str, principal: CurrentPrincipal, session: Session, urls: Urls, body: JsonBody = None
) -> Response:
    return json(await syncs.request_historic(session, principal, companyId, body, urls))


@router.get("/meta/companies/{companyId}/sync/commerce/status")
async def get_sync_status(companyId: str, principal: CurrentPrincipal, session: Session) -> Response:
    return json(await syncs.status_of(session, principal, companyId, "latest"))


@router.get("/companies/{companyId}/sync/commerce/syncs/list/status")
async def list_syncs(companyId: str, principal: CurrentPrincipal, session: Session) -> Response:
    return json(await syncs.list_statuses(session, principal, companyId))


@router.get("/companies/{companyId}/sync/commerce/syncs/{syncId}/status")
async def get_sync(companyId: str, syncId: str, principal: CurrentPrincipal, session: Session) -> Response:
    """`syncId` is a sync's id, or `latest` or `lastSuccessful`."""
    return json(await syncs.status_of(session, principal, companyId, syncId))
