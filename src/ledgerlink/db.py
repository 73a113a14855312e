"""Database engine, sessions and the declarative base every domain's tables hang off."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, ClassVar, cast

import psycopg
from psycopg.adapt import Buffer, Loader
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import DateTime, Executable, MetaData, event, text
from sqlalchemy.engine import CursorResult, Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import concurrency
from starlette.requests import Request

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[type, TypeEngine[Any]]] = {datetime: DateTime(timezone=True)}


def sqlalchemy_url(database_url: str) -> str:
    """Any `postgresql://` URL, rewritten for the psycopg 3 driver SQLAlchemy uses."""
    url = make_url(database_url)
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(database_url),
        pool_pre_ping=True,
        pool_size=kwargs.pop("pool_size", 10),
        max_overflow=kwargs.pop("max_overflow", 10),
        # Every timestamp the API hands out is UTC; make the server agree.
        connect_args={"options": "-c timezone=UTC"},
        # Errors and logs name a statement, never its values (companies' data, sealed secrets, key hashes).
        hide_parameters=True,
        **kwargs,
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, rolled back if it raises."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session, session.begin():
        await bound_reads(session, request)
        yield session


async def rows_changed(
    session: AsyncSession, statement: Executable, params: dict[str, Any] | None = None
) -> int:
    """How many rows an UPDATE or DELETE changed. `AsyncSession.execute` is typed as answering a `Result`;
    for a DML statement it is a `CursorResult`, the one that counts rows."""
    result = await session.execute(statement, params)
    return cast(CursorResult[Any], result).rowcount


async def transaction_lock(db: AsyncSession | AsyncConnection, key: str, *, shared: bool = False) -> None:
    """A lock on any string, held until `db`'s transaction ends (PostgreSQL's advisory lock on the key's
    64-bit hash): callers of one key take turns, across processes; `shared` ones only with exclusive ones."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    await db.execute(text(f"SELECT {function}(hashtextextended(:key, 0))"), {"key": key})


READ_METHODS = frozenset({"GET", "HEAD"})


async def bound_reads(session: AsyncSession, request: Request) -> None:
    """A GET's statements are cancelled after `LEDGERLINK_READ_STATEMENT_TIMEOUT_SECONDS` (answered 503,
    kit/errors.py), so one client's long scans cannot hold connections and slow everyone's reads. Only for
    this transaction: the engine's other users (writes, a worker's pulls) are not bounded."""
    if request.method in READ_METHODS:
        milliseconds = timeout_milliseconds(request.app.state.settings.read_statement_timeout_seconds)
        await session.execute(text(f"SET LOCAL statement_timeout = {milliseconds}"))


def timeout_milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


# The read pool: plain psycopg connections in autocommit for the read API's hot path (see
# docs/architecture.md, "The request path"). A page is one statement, so it needs no transaction (one
# statement sees one snapshot), no BEGIN/COMMIT and none of the ORM's per-statement work.
READ_POOL_SIZE = 10
_read_pools: weakref.WeakKeyDictionary[Engine, tuple[asyncio.AbstractEventLoop, AsyncConnectionPool]] = (
    weakref.WeakKeyDictionary()
)
# The statement_timeout of an engine's read pool, in milliseconds (`bound_read_pool`; none when unset).
_read_timeouts: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()


def bound_read_pool(engine: AsyncEngine, seconds: float) -> None:
    """The engine's read pool (made after this) cancels a statement after `seconds`: as `bound_reads`."""
    _read_timeouts[engine.sync_engine] = timeout_milliseconds(seconds)


class RawText(Loader):
    """`text` and `json` values as the bytes PostgreSQL sent: the read path splices them into responses."""

    def load(self, data: Buffer) -> bytes:
        return bytes(data)


async def _configure_read_connection(connection: psycopg.AsyncConnection[Any]) -> None:
    for name in ("text", "json"):
        connection.adapters.register_loader(name, RawText)


def _read_pool(engine: AsyncEngine) -> AsyncConnectionPool:
    """The engine's read pool, made on first use in the running event loop and closed with the engine."""
    loop = asyncio.get_running_loop()
    found = _read_pools.get(engine.sync_engine)
    if found is not None and found[0] is loop:
        return found[1]
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    options = "-c timezone=UTC"
    if engine.sync_engine in _read_timeouts:
        options += f" -c statement_timeout={_read_timeouts[engine.sync_engine]}"
    pool: AsyncConnectionPool = AsyncConnectionPool(
        url,
        min_size=1,
        max_size=READ_POOL_SIZE,
        kwargs={"autocommit": True, "options": options},
        configure=_configure_read_connection,
        open=False,
        name="ledgerlink-reads",
    )
    _read_pools[engine.sync_engine] = (loop, pool)
    if not event.contains(engine.sync_engine, "engine_disposed", _close_read_pool):
        event.listen(engine.sync_engine, "engine_disposed", _close_read_pool)
    return pool


def _close_read_pool(engine: Engine) -> None:
    found = _read_pools.pop(engine, None)
    # `AsyncEngine.dispose()` runs this inside SQLAlchemy's greenlet, where a coroutine can be awaited.
    if found is not None and concurrency.in_greenlet():
        concurrency.await_only(found[1].close())


async def read_one(engine: AsyncEngine, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """The first row of one statement on the read pool (autocommit; `text` and `json` load as bytes).

    The pool does not ping a connection before lending it (that would be a second round trip per read):
    a read that finds its connection dead (the server restarted) drops the pool's dead connections and
    runs once more, which is safe because it only reads.
    """
    pool = _read_pool(engine)
    # Idempotent: the first callers of a new pool all wait for it to open.
    if pool.closed:
        await pool.open()
    for attempt in (1, 2):
        async with pool.connection() as connection:
            try:
                cursor = await connection.execute(sql, params)
                return await cursor.fetchone()
            except psycopg.OperationalError:
                if attempt == 2 or not connection.broken:
                    raise
        await pool.check()
    raise AssertionError("unreachable")


def load_models() -> None:
    """Import every domain's tables so `Base.metadata` knows them all (migrations, tests)."""
    # upward: the metadata must hold every table, and only the domains know theirs (the one cycle kept).
    from ledgerlink.app_credentials import models as _app_credentials  # noqa: F401
    from ledgerlink.clients import models as _clients  # noqa: F401
    from ledgerlink.commerce import models as _commerce  # noqa: F401
    from ledgerlink.companies import models as _companies  # noqa: F401
    from ledgerlink.connections import models as _connections  # noqa: F401
    from ledgerlink.events import models as _events  # noqa: F401
    from ledgerlink.files import models as _files  # noqa: F401
    from ledgerlink.integrations import models as _integrations  # noqa: F401
    from ledgerlink.lending.bank_statement import models as _bank_statement  # noqa: F401
    from ledgerlink.lending.categories import models as _lending_categories  # noqa: F401
    from ledgerlink.lending.excel import models as _excel  # noqa: F401
    from ledgerlink.lending.integrity import models as _lending_integrity  # noqa: F401
    from ledgerlink.lending.reports import models as _lending_reports  # noqa: F401
    from ledgerlink.link import models as _link  # noqa: F401
    from ledgerlink.oauth import models as _oauth  # noqa: F401
    from ledgerlink.portal import models as _portal  # noqa: F401
    from ledgerlink.push import models as _push  # noqa: F401
    from ledgerlink.records import models as _records  # noqa: F401
    from ledgerlink.settings import models as _settings  # noqa: F401
    from ledgerlink.sync import models as _sync  # noqa: F401
    from ledgerlink.webhooks import models as _webhooks  # noqa: F401
