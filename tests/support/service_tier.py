"""The service tier: services called directly on the suite's PostgreSQL, without a server process. Its
database is migrated once per run; every test runs inside one transaction that is rolled back when it ends
(Polar's pattern), so tests see nothing of each other and leave nothing behind, and a test makes its own
client, so the rules it checks are scoped as a request's would be."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerlink.clients import tenants
from ledgerlink.clients.models import ApiKey
from ledgerlink.database import in_transaction, migrate
from ledgerlink.db import create_engine
from ledgerlink.integrations.service import sync_registry
from ledgerlink.kit.auth import Principal
from tests.support.server import separate_database

DATABASE = "service_tier"


def migrated_database(postgres: str) -> str:
    """The service tier's database on the suite's server: migrated, with the integrations a start writes."""
    url = separate_database(postgres, DATABASE)
    migrate(url)
    in_transaction(url, sync_registry)
    return url


@asynccontextmanager
async def rolled_back(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on one connection whose transaction is rolled back at the end. A session's own `begin()`
    and `commit()` become a savepoint inside it, so services that manage their transactions (given a
    sessionmaker) run unchanged."""
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            outer = await connection.begin()
            try:
                yield async_sessionmaker(
                    bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
                )
            finally:
                await outer.rollback()
    finally:
        await engine.dispose()


async def new_principal(session: AsyncSession) -> Principal:
    """A client of the test's own with its first key, as an authenticated request would see it."""
    client, _ = await tenants.create(session, f"Service tier {uuid.uuid4().hex[:12]}")
    key_id = await session.scalar(select(ApiKey.id).where(ApiKey.client_id == client.id))
    assert key_id is not None
    return Principal(client_id=client.id, api_key_id=key_id)
