"""Codat's Files API: upload to a connection, list a company's files, download them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.files import service
from ledgerlink.files.dependencies import Rules, uploads_of
from ledgerlink.files.views import attachment, file_view
from ledgerlink.kit.auth import Session
from ledgerlink.kit.responses import empty_ok, json

router = APIRouter(tags=["Files"])


@router.post("/companies/{companyId}/connections/{connectionId}/files")
async def upload_files(
    companyId: str,
    connectionId: str,
    request: Request,
    principal: CurrentPrincipal,
    session: Session,
    rules: Rules,
) -> Response:
    uploads, _ = await uploads_of(request, rules)
    await service.upload_to_connection(session, principal, rules, companyId, connectionId, uploads)
    return empty_ok()


@router.get("/companies/{companyId}/files")
async def list_files(companyId: str, principal: CurrentPrincipal, session: Session) -> Response:
    return json([file_view(file) for file in await service.list_files(session, principal, companyId)])


@router.get("/companies/{companyId}/files/download")
async def download_files(
    companyId: str, principal: CurrentPrincipal, session: Session, rules: Rules, date: str | None = None
) -> Response:
    return attachment(await service.download(session, principal, rules, companyId, date), octet_stream=True)
