"""Tenant authentication: the client an API key belongs to, the route dependency that requires one, and the
URLs handed to that client (its Link setting decides whether they carry one-time codes)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from ledgerlink.clients.models import ApiKey, Client
from ledgerlink.kit.auth import Principal, Session, key_hashes, unauthorized
from ledgerlink.kit.urls import PublicUrls, ServerUrls


def key_owner(hashes: BindParameter[Any]) -> Select[uuid.UUID, uuid.UUID, bool, int]:
    """The one lookup of a key: the client (an enabled one: a disabled client's keys are no one's) whose API
    key has one of `hashes` (an array parameter), with its Link setting. `authenticate` runs it; the read
    API's list pages make it a CTE of their page's statement (`data.reads.fast_page`)."""
    return (
        select(
            ApiKey.client_id, ApiKey.id.label("api_key_id"), Client.link_single_use, Client.link_url_ttl_hours
        )
        .join(Client, Client.id == ApiKey.client_id)
        .where(ApiKey.key_hash == any_(hashes), Client.disabled_at.is_(None))
        .limit(1)
    )


async def principal_of(session: AsyncSession, hashes: list[str]) -> Principal | None:
    """Whose key has one of `hashes`, or None."""
    if not hashes:
        return None
    lookup = key_owner(bindparam("hashes", hashes, type_=ARRAY(String)))
    row = (await session.execute(lookup)).first()
    if row is None:
        return None
    return Principal(row.client_id, row.api_key_id, row.link_url_ttl_hours if row.link_single_use else None)


async def authenticate(session: AsyncSession, header: str | None) -> Principal | None:
    """The caller, from its key."""
    return await principal_of(session, key_hashes(header))


async def require_principal(request: Request, session: Session) -> Principal:
    principal = await authenticate(session, request.headers.get("authorization"))
    if principal is None:
        raise unauthorized()
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]


def public_urls(request: Request, principal: CurrentPrincipal, urls: ServerUrls) -> PublicUrls:
    """The URLs this request's client is handed: with one-time codes if its Link URLs are single-use."""
    if principal.link_code_hours:
        return urls.with_link_codes(request.app.state.link_code_key, principal.link_code_hours)
    return urls


Urls = Annotated[PublicUrls, Depends(public_urls)]
