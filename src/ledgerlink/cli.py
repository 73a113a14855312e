"""The `ledgerlink` command: `serve` runs the API (and by default its job workers), `worker` runs job workers
alone, `migrate` brings the database schema up to date."""

from __future__ import annotations

import base64
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ledgerlink.config import Settings, get_settings

app = typer.Typer(help="ledgerlink: open financial-data platform speaking Codat's API.", no_args_is_help=True)
console = Console(stderr=True)


def _settings(**overrides: Any) -> Settings:
    given = {name: value for name, value in overrides.items() if value is not None}
    return get_settings().model_copy(update=given)


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The database URL: `LEDGERLINK_DATABASE_URL`, or a private PostgreSQL started for the duration."""
    from ledgerlink.database import EmbeddedPostgres

    if settings.database_url:
        yield settings.database_url
        return
    embedded = EmbeddedPostgres(settings.data_dir)
    console.print(f"Starting the embedded PostgreSQL in {embedded.pgdata} ...")
    url = embedded.start()
    try:
        yield url
    finally:
        embedded.stop()
        console.print("Embedded PostgreSQL stopped.")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on [default: 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [default: 8080]")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data directory [default: .ledgerlink]")] = None,
    no_worker: Annotated[
        bool,
        typer.Option("--no-worker", help="Serve the API only; jobs run in `ledgerlink worker` processes"),
    ] = False,
) -> None:
    """Run the API (with its job workers) on LEDGERLINK_DATABASE_URL, or on an embedded PostgreSQL."""
    import uvicorn

    from ledgerlink.app import create_app
    from ledgerlink.database import bootstrap, migrate
    from ledgerlink.kit.http_protocol import with_header_timeout
    from ledgerlink.kit.urls import PublicUrls
    from ledgerlink.logging import configure

    settings = _settings(host=host, port=port, data_dir=data_dir, worker_concurrency=0 if no_worker else None)
    configure(settings.log_format, settings.log_level)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with database(settings) as url:
        migrate(url)
        new_key = bootstrap(url, settings.api_key)
        if new_key:
            header = base64.b64encode(new_key.encode()).decode()
            console.print(
                "[bold]Created an API key. It is shown this once; keep it safe.[/bold]\n"
                f"  API key:              {new_key}\n"
                f"  Authorization header: Basic {header}"
            )
        # uvicorn shuts down gracefully on SIGTERM, then re-raises it; exiting through SystemExit instead of
        # dying by the signal lets the embedded PostgreSQL be stopped on the way out.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        console.print(
            f"ledgerlink listening on http://{settings.host}:{settings.port} (public URL {settings.base_url})"
        )
        for name, address in PublicUrls(settings.base_url).entry_points().items():
            console.print(f"  {name + ':':23} {address}")
        uvicorn.run(
            create_app(settings, url),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            server_header=False,
            http=with_header_timeout(settings.header_timeout_seconds),
            # The client address (rate limits, logs) is the peer's, or X-Forwarded-For when the peer is one
            # of uvicorn's FORWARDED_ALLOW_IPS (default: 127.0.0.1 and ::1, a proxy on the same machine).
            proxy_headers=True,
        )


@app.command()
def migrate(
    data_dir: Annotated[Path | None, typer.Option(help="Data directory [default: .ledgerlink]")] = None,
) -> None:
    """Apply the database migrations and exit."""
    from ledgerlink.database import migrate as run_migrations

    settings = _settings(data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with database(settings) as url:
        run_migrations(url)
    console.print("Database schema is up to date.")


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Pulls and maintenance jobs run at once [default: 4]", min=1)
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data directory [default: .ledgerlink]")] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve this worker's Prometheus figures on this port (default: none)")
    ] = None,
) -> None:
    """Run job workers only (pulls, schedules, webhook deliveries), on LEDGERLINK_DATABASE_URL.

    Start any number, on any machine, beside `ledgerlink serve --no-worker` processes. They need the same
    LEDGERLINK_SECRET_KEY as the API processes, to open the credentials those stored.
    """
    import asyncio

    from ledgerlink.database import migrate
    from ledgerlink.logging import configure
    from ledgerlink.worker import install_stop_signals, run_until_stopped

    settings = _settings(data_dir=data_dir, worker_concurrency=concurrency)
    configure(settings.log_format, settings.log_level)
    if not settings.database_url:
        console.print("ledgerlink worker needs LEDGERLINK_DATABASE_URL (the database the API processes use).")
        raise typer.Exit(2)
    if not settings.secret_key:
        console.print("ledgerlink worker needs LEDGERLINK_SECRET_KEY (the key the API processes use).")
        raise typer.Exit(2)
    migrate(settings.database_url)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # The first signal stops taking jobs (running ones have the grace period); a second interrupts them.
        install_stop_signals(lambda _signum: loop.call_soon_threadsafe(stop.set))
        console.print(f"ledgerlink worker running ({settings.worker_concurrency} pulls at once)")
        await run_until_stopped(settings, settings.database_url, stop)
        console.print("ledgerlink worker stopped.")

    asyncio.run(run())
