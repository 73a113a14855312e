"""API key authentication: `Authorization: Basic <base64(apiKey)>` on every API route."""

from __future__ import annotations

import base64
import binascii
import contextlib
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from ledgerlink.db import get_session
from ledgerlink.kit.errors import Unauthorized
from ledgerlink.kit.secrets import hash_api_key


@dataclass(frozen=True)
class Principal:
    """Who is calling: the client whose data the request may touch, and the key it used."""

    client_id: uuid.UUID
    api_key_id: uuid.UUID
    # The client's Link setting, read with the key: hours a one-time Link URL code lives, or None when
    # the client's Link URLs are not single-use.
    link_code_hours: int | None = None


def candidate_keys(header: str) -> list[str]:
    """The API keys a header may carry: Codat's `Basic <base64(key)>`, or the key itself after `Basic`."""
    scheme, _, credential = header.strip().partition(" ")
    if scheme.lower() != "basic" or not credential.strip():
        return []
    credential = credential.strip()
    candidates = []
    # Not base64 (or not text once decoded): then only the raw form can be the key.
    with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
        candidates.append(base64.b64decode(credential, validate=True).decode().rstrip(":"))
    candidates.append(credential)
    return candidates


def key_hashes(header: str | None) -> list[str]:
    """The hashes an `Authorization` header's key may have (none when it carries no key)."""
    if not header:
        return []
    return [hash_api_key(key) for key in candidate_keys(header)]


def unauthorized() -> Unauthorized:
    return Unauthorized("Unauthorized", can_be_retried="False")


def key_owner(hashes: BindParameter[Any]) -> Select[Any]:
    """The one lookup of a key: the client (an enabled one: a disabled client's keys are no one's) whose API
    key has one of `hashes` (an array parameter), with its Link setting. `authenticate` runs it; the read
    API's list pages make it a CTE of their page's statement (`records.reads.fast_page`)."""
    from ledgerlink.clients.models import ApiKey, Client

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


async def require_principal(
    request: Request, session: Annotated[AsyncSession, Depends(get_session, scope="function")]
) -> Principal:
    principal = await authenticate(session, request.headers.get("authorization"))
    if principal is None:
        raise unauthorized()
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
# scope="function": the transaction commits before the response is sent, so a client never reads
# an answer about a change that is not yet visible.
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
