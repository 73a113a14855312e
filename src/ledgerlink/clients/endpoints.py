"""`/profile`, `/apiKeys` and `/corsSettings`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledgerlink.clients import service
from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.clients.schemas import AllowedOriginsBody, ApiKeyBody, ProfileBody
from ledgerlink.kit.auth import Session
from ledgerlink.kit.responses import json, no_content

router = APIRouter(tags=["Settings"])


@router.get("/profile")
async def get_profile(principal: CurrentPrincipal, session: Session) -> Response:
    return json((await service.get_client(session, principal.client_id)).profile)


@router.put("/profile")
async def update_profile(body: ProfileBody, principal: CurrentPrincipal, session: Session) -> Response:
    return json((await service.update_profile(session, principal.client_id, body)).profile)


@router.get("/apiKeys")
async def list_api_keys(principal: CurrentPrincipal, session: Session) -> Response:
    keys = await service.list_api_keys(session, principal.client_id)
    return json({"results": [service.api_key_view(key) for key in keys]})


@router.post("/apiKeys", status_code=201)
async def create_api_key(
    principal: CurrentPrincipal, session: Session, body: ApiKeyBody | None = None
) -> Response:
    key, plain = await service.create_api_key(session, principal.client_id, body or ApiKeyBody())
    return json(service.api_key_view(key, plain), status_code=201)


@router.delete("/apiKeys/{apiKeyId}", status_code=204)
async def delete_api_key(apiKeyId: str, principal: CurrentPrincipal, session: Session) -> Response:
    await service.delete_api_key(session, principal.client_id, apiKeyId)
    return no_content()


@router.get("/corsSettings")
@router.get("/connectionManagement/corsSettings")
async def get_cors_settings(principal: CurrentPrincipal, session: Session) -> Response:
    client = await service.get_client(session, principal.client_id)
    return json({"allowedOrigins": client.allowed_origins})


@router.post("/corsSettings")
@router.post("/connectionManagement/corsSettings")
async def set_cors_settings(
    body: AllowedOriginsBody, request: Request, principal: CurrentPrincipal, session: Session
) -> Response:
    client = await service.set_allowed_origins(session, principal.client_id, body)
    request.app.state.cors.invalidate()
    return json({"allowedOrigins": client.allowed_origins})
