"""The rules for a client's profile, API keys and CORS origins, and the first-start bootstrap."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.clients import queries
from ledgerlink.clients.models import ApiKey, Client, SeededApiKey
from ledgerlink.clients.schemas import AllowedOriginsBody, ApiKeyBody, ProfileBody
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.kit.errors import BadRequest, Conflict, Forbidden, NotFound
from ledgerlink.kit.secrets import hash_api_key, mask, new_api_key

MAX_API_KEYS = 10
DEFAULT_CLIENT_NAME = "ledgerlink"


async def get_client(session: AsyncSession, client_id: uuid.UUID, *, for_update: bool = False) -> Client:
    statement = select(Client).where(Client.id == client_id)
    client = await session.scalar(statement.with_for_update() if for_update else statement)
    if client is None:  # the key that authenticated the request belongs to a client; this cannot happen
        raise NotFound("Client not found")
    return client


async def update_profile(session: AsyncSession, client_id: uuid.UUID, body: ProfileBody) -> Client:
    client = await get_client(session, client_id, for_update=True)
    client.name = body.name
    client.logo_url = body.logo_url
    client.icon_url = body.icon_url
    client.redirect_url = body.redirect_url
    client.white_list_urls = body.white_list_urls or []
    if body.confirm_company_name is not None:
        client.confirm_company_name = body.confirm_company_name
    return client


LINK_URL_HOURS = range(1, 721)


async def set_link_urls(session: AsyncSession, client_id: uuid.UUID, single_use: bool, hours: int) -> Client:
    """Whether the Link URLs handed out work once each, and for how many hours one stays valid."""
    if hours not in LINK_URL_HOURS:
        raise BadRequest(
            f"Link URLs stay valid for {LINK_URL_HOURS.start} to {LINK_URL_HOURS.stop - 1} hours,"
            f" not {hours}."
        )
    client = await get_client(session, client_id, for_update=True)
    client.link_single_use = single_use
    client.link_url_ttl_hours = hours
    return client


async def set_confirm_company_name(session: AsyncSession, client_id: uuid.UUID, confirm: bool) -> Client:
    """Whether Link asks the business to confirm its company name first (the profile's
    `confirmCompanyName`)."""
    client = await get_client(session, client_id, for_update=True)
    client.confirm_company_name = confirm
    return client


def api_key_view(key: ApiKey, plain: str | None = None) -> dict[str, Any]:
    """An API key as listed: the key itself only in the answer that created it, masked ever after."""
    return {
        "id": str(key.id),
        "name": key.name,
        "apiKey": plain if plain is not None else mask(key.key_hint),
        "createdDate": iso(key.created_at),
    }


async def list_api_keys(session: AsyncSession, client_id: uuid.UUID) -> list[ApiKey]:
    statement = queries.readable_api_keys(client_id).order_by(ApiKey.created_at, ApiKey.id)
    return list((await session.scalars(statement)).all())


async def create_api_key(session: AsyncSession, client_id: uuid.UUID, body: ApiKeyBody) -> tuple[ApiKey, str]:
    await get_client(session, client_id, for_update=True)  # serializes concurrent creates for the limit
    count = await session.scalar(queries.readable_api_keys(client_id).with_only_columns(func.count()))
    if (count or 0) >= MAX_API_KEYS:
        raise Conflict(f"There is a maximum of {MAX_API_KEYS} API keys; delete one before creating another.")
    return await add_api_key(session, client_id, new_api_key(), name=body.name)


async def add_api_key(
    session: AsyncSession, client_id: uuid.UUID, plain: str, *, name: str | None
) -> tuple[ApiKey, str]:
    key = ApiKey(
        id=uuid.uuid4(),
        client_id=client_id,
        name=name,
        key_hash=hash_api_key(plain),
        key_hint=plain[-4:],
        created_at=utcnow(),
    )
    session.add(key)
    await session.flush()
    return key, plain


async def delete_api_key(session: AsyncSession, client_id: uuid.UUID, api_key_id: str) -> None:
    await get_client(session, client_id, for_update=True)
    keys = await list_api_keys(session, client_id)
    key = next((k for k in keys if str(k.id) == api_key_id.lower()), None)
    if key is None:
        raise NotFound(f"No API key was found with ID {api_key_id}")
    if len(keys) == 1:
        raise Forbidden("This is the client's last API key; create another before deleting it.")
    await session.delete(key)


async def set_allowed_origins(
    session: AsyncSession, client_id: uuid.UUID, body: AllowedOriginsBody
) -> Client:
    client = await get_client(session, client_id, for_update=True)
    client.allowed_origins = [str(origin).rstrip("/") for origin in body.allowed_origins]
    return client


async def all_allowed_origins(session: AsyncSession) -> set[str]:
    rows = await session.scalars(select(Client.allowed_origins))
    return {origin for origins in rows for origin in origins or []}


# --- bootstrap -------------------------------------------------------------------------------------


async def ensure_default_client(session: AsyncSession) -> Client:
    client = await session.scalar(select(Client).order_by(Client.created_at).limit(1))
    if client is None:
        client = Client(id=uuid.uuid4(), name=DEFAULT_CLIENT_NAME, redirect_url="", created_at=utcnow())
        session.add(client)
        await session.flush()
    return client


async def ensure_api_key(session: AsyncSession, client: Client, configured: str | None) -> str | None:
    """Seed `LEDGERLINK_API_KEY` the first time the install sees its value; otherwise create a first key
    when there is none.

    A value is seeded once (`seeded_api_keys` remembers it), so a seeded key deleted through the API stays
    deleted across restarts; a new value is seeded at the next start. Returns a newly created key (to print
    once), or None when nothing new was made.
    """
    if configured:
        key_hash = hash_api_key(configured)
        # Whichever of several processes starting at once records the value first seeds it.
        seeding = insert(SeededApiKey).values(key_hash=key_hash).on_conflict_do_nothing()
        first = await session.scalar(seeding.returning(SeededApiKey.key_hash))
        present = await session.scalar(select(ApiKey.id).where(ApiKey.key_hash == key_hash))
        if first is not None and present is None:
            await add_api_key(session, client.id, configured, name="LEDGERLINK_API_KEY")
        return None
    if await session.scalar(select(ApiKey.id).where(ApiKey.client_id == client.id).limit(1)) is None:
        _, plain = await add_api_key(session, client.id, new_api_key(), name="first key")
        return plain
    return None
