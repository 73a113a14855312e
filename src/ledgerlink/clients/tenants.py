"""The operator's view of clients (tenants): create one with its first API key, list them, disable and enable.

These back `ledgerlink clients ...`; no API route reaches them, since a client's key speaks only for its own
client. A disabled client keeps its data, but its keys are refused everywhere (the API, its Link and Sync
Flow pages, the Portal), its schedules queue no pulls and its webhook consumers are sent nothing until it is
enabled again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.clients.models import ApiKey, Client
from ledgerlink.clients.service import add_api_key
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.pages import PageError
from ledgerlink.kit.secrets import new_api_key

MAX_NAME = 200


class TenantError(Exception):
    """What the operator asked cannot be done; the message says why in a line."""


@dataclass(frozen=True)
class Listed:
    id: uuid.UUID
    name: str
    status: str
    keys: int
    created_at: datetime


async def create(session: AsyncSession, name: str) -> tuple[Client, str]:
    """A new client named `name` and its first API key (returned in clear, to be shown once)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise TenantError(f"a client's name is 1 to {MAX_NAME} characters")
    if await session.scalar(select(Client.id).where(func.lower(Client.name) == name.lower()).limit(1)):
        raise TenantError(f"there is already a client named {name!r}")
    client = Client(id=uuid.uuid4(), name=name, redirect_url="", created_at=utcnow())
    session.add(client)
    await session.flush()
    _, plain = await add_api_key(session, client.id, new_api_key(), name="first key")
    return client, plain


async def listed(session: AsyncSession) -> list[Listed]:
    keys = select(func.count()).select_from(ApiKey).where(ApiKey.client_id == Client.id).scalar_subquery()
    rows = await session.execute(select(Client, keys).order_by(Client.created_at, Client.id))
    return [Listed(client.id, client.name, client.status, count, client.created_at) for client, count in rows]


async def find(session: AsyncSession, id_or_name: str) -> Client:
    """The client with this id, or else the one client with this name (case-insensitive)."""
    try:
        by_id = await session.get(Client, uuid.UUID(id_or_name))
    except ValueError:
        by_id = None
    if by_id is not None:
        return by_id
    named = list(
        await session.scalars(select(Client).where(func.lower(Client.name) == id_or_name.strip().lower()))
    )
    if not named:
        raise TenantError(f"no client has the id or name {id_or_name!r}")
    if len(named) > 1:
        raise TenantError(f"{len(named)} clients are named {id_or_name!r}; give its id (see `clients list`)")
    return named[0]


def check_active(client: Client) -> None:
    """For the pages a business reaches through a client's URL (Link, Sync Flow): refused while the client
    is disabled, as its API keys are."""
    if client.disabled_at is not None:
        raise PageError(401, "This link is not valid", "Ask whoever sent it for a new link.")


async def set_enabled(session: AsyncSession, id_or_name: str, enabled: bool) -> Client:
    client = await find(session, id_or_name)
    if enabled:
        client.disabled_at = None
    elif client.disabled_at is None:
        client.disabled_at = utcnow()
    return client
