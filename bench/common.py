"""Shared by the benchmarks: a PostgreSQL to run against, and a Sandbox company pulled into it."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncEngine

from ledgerlink.config import Settings
from ledgerlink.database import EmbeddedPostgres, migrate
from ledgerlink.db import create_engine, create_sessionmaker
from ledgerlink.jobs import Runtime
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.secrets import SecretBox
from ledgerlink.kit.urls import PublicUrls


@contextmanager
def database() -> Iterator[str]:
    """`LEDGERLINK_DATABASE_URL` if set, else a throwaway embedded PostgreSQL."""
    if os.environ.get("LEDGERLINK_DATABASE_URL"):
        url = os.environ["LEDGERLINK_DATABASE_URL"]
        migrate(url)
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="ledgerlink-bench-") as directory:
        embedded = EmbeddedPostgres(Path(directory))
        url = embedded.start()
        try:
            migrate(url)
            yield url
        finally:
            embedded.stop()


def runtime(engine: AsyncEngine, key: bytes) -> Runtime:
    settings = Settings()
    return Runtime(
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        secrets=SecretBox(key),
        urls=PublicUrls("http://bench"),
        settings=settings,
    )


async def linked_sandbox(
    run: Runtime, name: str, credentials: dict, platform_key: str = "mqjo"
) -> tuple[uuid.UUID, uuid.UUID]:
    """A client, a company and a Linked Sandbox connection, written directly (no first-link pulls)."""
    from ledgerlink.clients.service import ensure_default_client
    from ledgerlink.companies.models import Company
    from ledgerlink.integrations.service import sync_registry

    async with run.sessionmaker() as session, session.begin():
        await sync_registry(session)
        client = await ensure_default_client(session)
        company = Company(
            id=uuid.uuid4(), client_id=client.id, name=name, tags={}, products=[], created_at=utcnow()
        )
        session.add(company)
    return company.id, await add_connection(run, company.id, platform_key, credentials)


async def add_connection(run: Runtime, company_id: uuid.UUID, platform_key: str, credentials: dict) -> uuid.UUID:
    """A Linked connection of the company to the platform, written directly (no first-link pulls)."""
    from ledgerlink.connections.models import Connection

    async with run.sessionmaker() as session, session.begin():
        now = utcnow()
        connection = Connection(
            id=uuid.uuid4(), company_id=company_id, integration_key=platform_key, status="Linked", created_at=now,
            linked_at=now, sealed_authorization=run.secrets.seal(credentials), data_connection_errors=[],
        )
        session.add(connection)
    return connection.id


async def pull(run: Runtime, company_id: uuid.UUID, connection_id: uuid.UUID, data_type: str) -> uuid.UUID:
    """Queue and run one pull in this process (the job worker's code path, without the queue)."""
    from ledgerlink.sync.models import PullOperation, PullTrigger
    from ledgerlink.sync.runner import run_pull

    pull_id = uuid.uuid4()
    async with run.sessionmaker() as session, session.begin():
        session.add(PullOperation(
            id=pull_id, company_id=company_id, connection_id=connection_id, data_type=data_type,
            trigger=PullTrigger.QUEUE.value, requested=utcnow(), status="Queued",
        ))
    await run_pull(run, pull_id)
    return pull_id


def new_engine(url: str) -> AsyncEngine:
    return create_engine(url, pool_size=4, max_overflow=0)


def new_key() -> bytes:
    return Fernet.generate_key()


async def set_credentials(run: Runtime, connection_id: uuid.UUID, credentials: dict) -> None:
    from ledgerlink.connections.models import Connection

    async with run.sessionmaker() as session, session.begin():
        connection = await session.get(Connection, connection_id)
        connection.sealed_authorization = run.secrets.seal(credentials)
