"""What every API route's authentication is made of and needs no tenant table: the caller (`Principal`),
the keys an `Authorization: Basic <base64(apiKey)>` header may carry, the 401, and the request's session.
Finding a key's client is the clients' (`clients.auth`)."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Scope

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
    try:
        decoded = base64.b64decode(credential, validate=True).decode().rstrip(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        # Not base64 (or not text once decoded): then only the raw form can be the key.
        return [credential]
    return [decoded, credential]


def key_hashes(header: str | None) -> list[str]:
    """The hashes an `Authorization` header's key may have (none when it carries no key)."""
    if not header:
        return []
    return [hash_api_key(key) for key in candidate_keys(header)]


def request_key_hashes(scope: Scope) -> list[str]:
    """`key_hashes` of the request's `Authorization` header, worked out once per request: the rate limit
    and the read API's list pages both need them."""
    state = scope.setdefault("state", {})
    found: list[str] | None = state.get("key_hashes")
    if found is None:
        header = next((value for name, value in scope["headers"] if name == b"authorization"), None)
        found = state["key_hashes"] = key_hashes(header.decode("latin-1") if header is not None else None)
    return found


def unauthorized() -> Unauthorized:
    return Unauthorized("Unauthorized", can_be_retried="False")


# scope="function": the transaction commits before the response is sent, so a client never reads
# an answer about a change that is not yet visible.
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
