"""What the platform connectors' tests share: a runtime on the test's own database (no server process), a
pending connection and its OAuth consent, running a pull as the worker would, and reading what it stored."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select, text

from ledgerlink.clients.service import ensure_default_client
from ledgerlink.companies.models import Company
from ledgerlink.config import Settings
from ledgerlink.connections.models import Connection
from ledgerlink.db import create_engine, create_sessionmaker
from ledgerlink.jobs import Runtime
from ledgerlink.kit.secrets import SecretBox
from ledgerlink.kit.urls import PublicUrls
from ledgerlink.oauth import flow, tokens
from ledgerlink.sync import runner, service
from ledgerlink.sync.models import PullOperation, PullTrigger
from tests.support.rows import company_with


async def pull(run: Runtime, connection_id: uuid.UUID, data_type: str) -> PullOperation:
    """Run the queued pull of `data_type` (queueing one first if none is), as the worker would."""
    async with run.sessionmaker() as session, session.begin():
        pull_id = await session.scalar(
            select(PullOperation.id).where(
                PullOperation.connection_id == connection_id,
                PullOperation.data_type == data_type,
                PullOperation.status == "Queued",
            )
        )
        if pull_id is None:
            connection = await session.get(Connection, connection_id)
            company = await session.get(Company, connection.company_id)
            pull_id = (
                await service.queue_pull(session, company, connection, data_type, PullTrigger.QUEUE)
            ).id
    await runner.run_pull(run, pull_id)
    async with run.sessionmaker() as session:
        return await session.get(PullOperation, pull_id)


async def stored(run: Runtime, connection_id: uuid.UUID, data_type: str) -> dict[str, tuple[dict, bool]]:
    """The type's stored records by id: (the record, whether it is marked deleted)."""
    async with run.sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT record_id, data::text, is_deleted FROM records"
                " WHERE connection_id = :c AND data_type = :t"
            ),
            {"c": connection_id, "t": data_type},
        )
        return {row[0]: (json.loads(row[1]), row[2]) for row in rows}


async def connection_of(run: Runtime, connection_id: uuid.UUID) -> Connection:
    async with run.sessionmaker() as session:
        return await session.get(Connection, connection_id)


@asynccontextmanager
async def runtime_on(database_url: str, key: bytes, public_url: str) -> AsyncIterator[Runtime]:
    """What the worker gives a job, on the test's database, closed afterwards."""
    engine = create_engine(database_url, pool_size=10, max_overflow=5)
    try:
        yield Runtime(
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            secrets=SecretBox(key),
            urls=PublicUrls(public_url),
            settings=Settings(),
        )
    finally:
        await engine.dispose()


async def pending_connection(
    run: Runtime, platform_key: str, company_name: str
) -> tuple[uuid.UUID, uuid.UUID]:
    """A company of the default client with a PendingAuth connection to the platform:
    (company, connection)."""
    async with run.sessionmaker() as session, session.begin():
        client = await ensure_default_client(session)
        company, (connection,) = await company_with(
            session, client.id, (platform_key, "PendingAuth"), name=company_name
        )
    return company.id, connection.id


async def consent_and_link(run: Runtime, connection_id: uuid.UUID) -> None:
    """The business consents at a platform that approves at once, and the callback completes with its extra
    parameters, as `/link/oauth/callback` hands them over."""
    start = await flow.start(run, connection_id)
    async with httpx.AsyncClient() as http:
        consent = await http.get(start.url)
    assert consent.status_code == 302, consent.text
    callback = {k: v[0] for k, v in parse_qs(urlsplit(consent.headers["location"]).query).items()}
    extra = {k: v for k, v in callback.items() if k not in ("state", "code")}
    await flow.complete(run, callback["state"], callback["code"], extra)


async def expire_stored_token(run: Runtime, connection_id: uuid.UUID) -> None:
    """Later, as ledgerlink sees it: the stored access token has expired (its refresh token has not)."""
    async with run.sessionmaker() as session, session.begin():
        connection = await session.get(Connection, connection_id)
        current = tokens.stored_tokens(run.secrets, connection)
        beside = tokens.stored_beside(run.secrets, connection)
        expired = tokens.OAuthTokens(
            current.access_token,
            current.refresh_token,
            int(time.time()) - 10,
            current.token_type,
            current.scope,
        )
        connection.sealed_authorization = expired.sealed(run.secrets, beside)
