"""`/integrations` (and the `/config/integrations` forms), their branding, and the logo images."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal, Urls
from ledgerlink.connectors import registry
from ledgerlink.integrations import logos, service
from ledgerlink.kit.auth import Session
from ledgerlink.kit.errors import NotFound
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import json

router = APIRouter(tags=["Integrations"])
assets = APIRouter(include_in_schema=False)


@router.get("/integrations")
@router.get("/config/integrations")
async def list_integrations(
    request: Request,
    principal: CurrentPrincipal,
    session: Session,
    urls: Urls,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    rows, total = await service.list_integrations(session, principal.client_id, params)
    views = [service.integration_view(row.Integration, row.enabled, urls) for row in rows]
    return json(page_envelope(request, params, views, total))


@router.get("/integrations/{platformKey}")
@router.get("/config/integrations/{platformKey}")
async def get_integration(
    platformKey: str, principal: CurrentPrincipal, session: Session, urls: Urls
) -> Response:
    row = await service.get(session, principal.client_id, platformKey)
    return json(service.integration_view(row.Integration, row.enabled, urls))


@router.get("/integrations/{platformKey}/branding")
@router.get("/config/integrations/{platformKey}/branding")
async def get_branding(
    platformKey: str, principal: CurrentPrincipal, session: Session, urls: Urls
) -> Response:
    row = await service.get(session, principal.client_id, platformKey)
    return json(service.branding_view(row.Integration, urls))


@assets.get("/static/integrations/{platformKey}/{variant}.svg")
async def integration_image(platformKey: str, variant: str) -> Response:
    connector = registry.get(platformKey)
    if connector is None or variant not in logos.VARIANTS:
        raise NotFound(f"No image {variant} for integration {platformKey}")
    return Response(
        logos.render(connector.info, variant),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )
