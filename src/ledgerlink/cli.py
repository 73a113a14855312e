"""The `ledgerlink` command: `serve` runs the API (and by default its job workers), `worker` runs job workers
alone, `migrate` brings the database schema up to date, `clients` creates, lists, disables and enables the
clients (tenants) of the install.

A start that cannot go on (the port taken, the data directory unusable, the database unreachable, a wrong
secret key or setting) says why in one line on stderr, `error: ...`, and exits with status 1 (2 for a setting
the worker needs and lacks): no traceback.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from ledgerlink.config import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from ledgerlink.worker_process import WorkerProcess

app = typer.Typer(help="ledgerlink: open financial-data platform speaking Codat's API.", no_args_is_help=True)
clients_app = typer.Typer(
    help="The clients (tenants) of this install, each with its own API keys.", no_args_is_help=True
)
app.add_typer(clients_app, name="clients")
# Progress lines on stderr, as written: no wrapping at the terminal's width, no markup, no colouring.
console = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)
T = TypeVar("T")


class Refusal(Exception):
    """A command cannot go on: `main` prints `error: <message>` on stderr and exits with `code`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def main() -> None:
    """The console script: the commands, with a refusal told in one line instead of a traceback."""
    try:
        app()
    except Exception as error:
        if not isinstance(error, _refusals()):
            raise
        print(f"error: {error}", file=sys.stderr, flush=True)
        sys.exit(getattr(error, "code", 1))


def _refusals() -> tuple[type[Exception], ...]:
    """What the modules raise when a command cannot go on (imported only then: they are slow to import)."""
    from ledgerlink.clients.tenants import TenantError
    from ledgerlink.database import DatabaseUnreachable
    from ledgerlink.files.scanning import ScannerUnusable
    from ledgerlink.kit.secrets import SecretKeyUnusable

    return Refusal, TenantError, DatabaseUnreachable, SecretKeyUnusable, ScannerUnusable


def _settings(**overrides: Any) -> Settings:
    try:
        settings = get_settings()
    except ValidationError as invalid:
        raise Refusal(_invalid_settings(invalid)) from None
    given = {name: value for name, value in overrides.items() if value is not None}
    return settings.model_copy(update=given)


def _invalid_settings(invalid: ValidationError) -> str:
    """`LEDGERLINK_PORT: Input should be a valid integer (got 'abc')`, the problems joined on one line."""
    problems = []
    for error in invalid.errors():
        name = "LEDGERLINK_" + "_".join(str(part) for part in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}: {message} (got {error['input']!r})")
    return "; ".join(problems)


def _default(name: str) -> str:
    """A setting's default as `--help` shows it (options default to None, so the environment still counts)."""
    return str(Settings.model_fields[name].default)


def usable_data_dir(path: Path) -> None:
    """The data directory exists (made if need be) and this process can write in it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except FileExistsError:
        raise Refusal(f"cannot use the data directory {path}: it is a file, not a directory") from None
    except OSError as error:
        raise Refusal(f"cannot use the data directory {path}: {error.strerror or error}") from None


def listening_socket(host: str, port: int) -> socket.socket:
    """The API's socket, bound and listening before anything else starts, so a port already taken stops
    the start at once; connections that arrive before the app is ready wait in its backlog."""
    if not 0 <= port <= 65535:
        raise Refusal(f"cannot listen on port {port}: a port is 0 to 65535")
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        return socket.create_server(address, family=family, backlog=2048)
    except socket.gaierror as error:
        raise Refusal(f"cannot listen on {host}:{port}: {error.strerror}") from None
    except OSError as error:
        # (`create_server` words its own message around the system's: the system's says it.)
        reason = os.strerror(error.errno).lower() if error.errno else str(error)
        raise Refusal(f"cannot listen on {host}:{port}: {reason}") from None


def show_new_key(key: str, *, file: Any) -> None:
    """A new API key, once. The header is a line of its own, unstyled and short of 80 columns, to copy."""
    header = base64.b64encode(key.encode()).decode()
    print("Created an API key. It is shown this once; keep it safe.", file=file)
    print(f"  API key: {key}", file=file)
    print("  Send it in this header:", file=file)
    print(f"Authorization: Basic {header}", file=file, flush=True)


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The database URL: `LEDGERLINK_DATABASE_URL`, or a private PostgreSQL started for the duration."""
    from ledgerlink.database import EmbeddedPostgres, check_reachable

    if settings.database_url:
        check_reachable(settings.database_url)
        yield settings.database_url
        return
    usable_data_dir(settings.data_dir)
    embedded = EmbeddedPostgres(settings.data_dir)
    console.print(f"Starting the embedded PostgreSQL in {embedded.pgdata} ...")
    url = embedded.start()
    try:
        yield url
    finally:
        embedded.stop()
        console.print("Embedded PostgreSQL stopped.")


DataDir = Annotated[
    Path | None,
    typer.Option(help="Data directory (LEDGERLINK_DATA_DIR)", show_default=_default("data_dir")),
]


@app.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option(help="Interface to listen on (LEDGERLINK_HOST)", show_default=_default("host")),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (LEDGERLINK_PORT)", show_default=_default("port"))
    ] = None,
    data_dir: DataDir = None,
    no_worker: Annotated[
        bool,
        typer.Option(
            "--no-worker",
            help="Serve the API only; jobs run in `ledgerlink worker` processes",
            show_default="off",
        ),
    ] = False,
) -> None:
    """Run the API (with its job workers) on LEDGERLINK_DATABASE_URL, or on an embedded PostgreSQL."""
    # Read first: importing the app reads the settings too, and would fail on a wrong one with a traceback.
    settings = _settings(host=host, port=port, data_dir=data_dir, worker_concurrency=0 if no_worker else None)
    from ledgerlink.files.scanning import load_scanner
    from ledgerlink.kit.secrets import load_or_create_key

    # What can be checked before the (slow) imports of the app is, so a refusal comes at once.
    usable_data_dir(settings.data_dir)
    load_or_create_key(settings.secret_key, settings.data_dir)
    load_scanner(settings.files_scanner)
    listening = listening_socket(settings.host, settings.port)
    from ledgerlink.database import bootstrap, migrate
    from ledgerlink.logging import configure
    from ledgerlink.worker_process import supervised

    configure(settings.log_format, settings.log_level)
    with listening, database(settings) as url:
        migrate(url)
        new_key = bootstrap(url, settings.api_key)
        if new_key:
            show_new_key(new_key, file=sys.stderr)
        # The worker's process starts on the migrated database, and is stopped, and waited for, before the
        # database is.
        with supervised(settings, url) as workers:
            _serve_api(settings, url, listening, workers)


def _serve_api(settings: Settings, url: str, listening: socket.socket, workers: WorkerProcess | None) -> None:
    import uvicorn

    from ledgerlink.app import create_app
    from ledgerlink.kit.http_protocol import with_header_timeout
    from ledgerlink.kit.urls import PublicUrls

    # uvicorn shuts down gracefully on SIGTERM, then re-raises it; exiting through SystemExit instead of
    # dying by the signal lets the embedded PostgreSQL be stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    console.print(
        f"ledgerlink listening on http://{settings.host}:{settings.port} (public URL {settings.base_url})"
    )
    for name, address in PublicUrls(settings.base_url).entry_points().items():
        console.print(f"  {name + ':':23} {address}")
    config = uvicorn.Config(
        create_app(settings, url, workers),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
        http=with_header_timeout(settings.header_timeout_seconds),
        # The client address (rate limits, logs) is the peer's, or X-Forwarded-For when the peer is one
        # of uvicorn's FORWARDED_ALLOW_IPS (default: 127.0.0.1 and ::1, a proxy on the same machine).
        proxy_headers=True,
        # No route is a websocket: uvicorn[standard]'s websockets protocol would only bring its warnings.
        ws="none",
    )
    server = uvicorn.Server(config)
    server.run(sockets=[listening])
    if not server.started:  # the application's startup failed (logged)
        raise typer.Exit(3)


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Apply the database migrations and exit."""
    from ledgerlink.database import migrate as run_migrations

    settings = _settings(data_dir=data_dir)
    with database(settings) as url:
        run_migrations(url)
    console.print("Database schema is up to date.")


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(
            help="Pulls and maintenance jobs run at once (LEDGERLINK_WORKER_CONCURRENCY)",
            min=1,
            show_default=_default("worker_concurrency"),
        ),
    ] = None,
    data_dir: DataDir = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this worker's Prometheus figures on this port", show_default="none"),
    ] = None,
) -> None:
    """Run job workers only (pulls, schedules, webhook deliveries), on LEDGERLINK_DATABASE_URL.

    Start any number, on any machine, beside `ledgerlink serve --no-worker` processes. They need the same
    LEDGERLINK_SECRET_KEY as the API processes, to open the credentials those stored.
    """
    settings = _settings(data_dir=data_dir, worker_concurrency=concurrency)  # first, as in `serve`
    import asyncio

    from ledgerlink.database import check_reachable, migrate
    from ledgerlink.kit.secrets import load_or_create_key
    from ledgerlink.logging import configure
    from ledgerlink.worker import install_stop_signals, jobs_in_flight, run_until_stopped

    configure(settings.log_format, settings.log_level)
    database_url = settings.database_url
    if not database_url:
        raise Refusal("ledgerlink worker needs LEDGERLINK_DATABASE_URL (the API processes' database)", 2)
    if not settings.secret_key:
        raise Refusal("ledgerlink worker needs LEDGERLINK_SECRET_KEY (the key the API processes use)", 2)
    load_or_create_key(settings.secret_key, settings.data_dir)
    check_reachable(database_url)
    migrate(database_url)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def stop_taking_jobs(_signum: int) -> None:
            loop.call_soon_threadsafe(stop.set)

        def interrupt_jobs() -> None:
            loop.call_soon_threadsafe(jobs_in_flight.interrupt)

        # The first signal stops taking jobs (running ones have the grace period); a second interrupts them.
        install_stop_signals(stop_taking_jobs, interrupt_jobs)
        console.print(f"ledgerlink worker running ({settings.worker_concurrency} pulls at once)")
        await run_until_stopped(settings, database_url, stop)
        console.print("ledgerlink worker stopped.")

    asyncio.run(run())


@app.command("serve-worker", hidden=True)
def serve_worker(
    lifeline: Annotated[int, typer.Option(help="The pipe from the serve process (its end: stop)")],
) -> None:
    """The job worker's process of `ledgerlink serve`, which starts it (worker_process.py): unlike
    `ledgerlink worker`, it finds the database migrated and reachable and the settings checked, takes the
    secret key as its `serve` does (a key file in the data directory included), and lives only as long as
    its `serve`."""
    settings = _settings()
    import asyncio

    from ledgerlink.logging import configure
    from ledgerlink.worker_process import run_child

    configure(settings.log_format, settings.log_level)
    assert settings.database_url, "ledgerlink serve gives its worker process the database URL"
    asyncio.run(run_child(settings, settings.database_url, lifeline))


# --- clients (tenants) -----------------------------------------------------------------------------


def _on_database(data_dir: Path | None, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on the install's database (its schema brought up to date first)."""
    from ledgerlink.database import in_transaction
    from ledgerlink.database import migrate as run_migrations

    settings = _settings(data_dir=data_dir)
    with database(settings) as url:
        run_migrations(url)
        return in_transaction(url, work)


@clients_app.command("create")
def clients_create(
    name: Annotated[str, typer.Argument(help="The client's name (its Portal and Link pages show it)")],
    data_dir: DataDir = None,
) -> None:
    """Create a client and print its first API key, once."""
    from ledgerlink.clients import tenants

    client, key = _on_database(data_dir, lambda session: tenants.create(session, name))
    print(f"Created client {client.name!r} with id {client.id}.")
    show_new_key(key, file=sys.stdout)


@clients_app.command("list")
def clients_list(data_dir: DataDir = None) -> None:
    """List the clients: id, name, status, number of API keys, when created."""
    from ledgerlink.clients import tenants

    rows = [("ID", "NAME", "STATUS", "KEYS", "CREATED")]
    for found in _on_database(data_dir, tenants.listed):
        created = found.created_at.strftime("%Y-%m-%d %H:%M")
        rows.append((str(found.id), found.name, found.status, str(found.keys), created))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())


def _set_enabled(id_or_name: str, enabled: bool, data_dir: Path | None) -> None:
    from ledgerlink.clients import tenants

    client = _on_database(data_dir, lambda session: tenants.set_enabled(session, id_or_name, enabled))
    print(f"Client {client.name!r} ({client.id}) is {client.status.lower()}.")


ClientRef = Annotated[str, typer.Argument(metavar="ID|NAME", help="The client's id, or its name")]


@clients_app.command("disable")
def clients_disable(id_or_name: ClientRef, data_dir: DataDir = None) -> None:
    """Disable a client: its keys are refused (API, Link, Sync Flow, Portal); its schedules and webhooks
    wait until it is enabled."""
    _set_enabled(id_or_name, False, data_dir)


@clients_app.command("enable")
def clients_enable(id_or_name: ClientRef, data_dir: DataDir = None) -> None:
    """Enable a disabled client again."""
    _set_enabled(id_or_name, True, data_dir)
