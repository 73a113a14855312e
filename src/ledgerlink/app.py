"""The application factory: routers, middleware, error handlers and what lives for the process."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import text

from ledgerlink import __version__, worker
from ledgerlink.apidocs import endpoints as apidocs
from ledgerlink.clients import endpoints as clients
from ledgerlink.clients.service import all_allowed_origins
from ledgerlink.commerce import endpoints as commerce
from ledgerlink.commerce import sync_flow
from ledgerlink.companies import endpoints as companies
from ledgerlink.config import Settings
from ledgerlink.connections import endpoints as connections
from ledgerlink.connectors import registry as connector_registry
from ledgerlink.data import endpoints as data
from ledgerlink.db import bound_read_pool, create_engine, create_sessionmaker
from ledgerlink.files import endpoints as files
from ledgerlink.files.dependencies import rules_from
from ledgerlink.integrations import endpoints as integrations
from ledgerlink.integrations.service import sync_registry
from ledgerlink.jobs import Runtime
from ledgerlink.kit import metrics, pages, routing
from ledgerlink.kit.cors import AllowedOrigins, CorsMiddleware
from ledgerlink.kit.errors import install_error_handlers
from ledgerlink.kit.front_door import FrontDoor
from ledgerlink.kit.middleware import RequestContextMiddleware
from ledgerlink.kit.ratelimit import RateLimitMiddleware, RateLimits
from ledgerlink.kit.responses import JsonResponse
from ledgerlink.kit.secrets import SecretBox, load_or_create_key
from ledgerlink.kit.urls import PublicUrls
from ledgerlink.lending import endpoints as lending
from ledgerlink.link import endpoints as link
from ledgerlink.portal import endpoints as portal
from ledgerlink.push import endpoints as push
from ledgerlink.settings import endpoints as settings_endpoints
from ledgerlink.sync import endpoints as sync
from ledgerlink.webhooks import endpoints as webhooks
from ledgerlink.worker_process import WorkerProcess


def create_app(settings: Settings, database_url: str, workers: WorkerProcess | None = None) -> FastAPI:
    """The API. `workers`: the job worker's process `ledgerlink serve` started beside it (jobs never run in
    this process), told of stop signals and SIGUSR1, and whose figures `/metrics` adds to this process's."""
    connector_registry.load_operator_connectors(settings.connector_modules, settings.declared_connectors)
    engine = create_engine(database_url)
    bound_read_pool(engine, settings.read_statement_timeout_seconds)
    sessionmaker = create_sessionmaker(engine)

    async def load_origins() -> set[str]:
        async with sessionmaker() as session:
            return await all_allowed_origins(session)

    def dump_tasks() -> None:
        worker.dump_tasks()
        if workers is not None:
            workers.dump()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with sessionmaker() as session, session.begin():
            await sync_registry(session)
        with contextlib.suppress(NotImplementedError, RuntimeError):  # no signals off the main thread
            asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump_tasks)
        if workers is not None:
            # Started once this process is ready to serve, so that the two do not start up at once. The first
            # SIGTERM/SIGINT stops the worker's process too, a second interrupts its running jobs.
            workers.start()
            worker.chain_stop_signals(workers.stop, workers.interrupt)
        worker.freeze_startup_objects()
        yield
        await engine.dispose()

    app = FastAPI(
        title="ledgerlink",
        version=__version__,
        description="Open, self-hostable platform for small businesses' financial data; speaks Codat's API.",
        default_response_class=JsonResponse,
        lifespan=lifespan,
        # ledgerlink.apidocs serves them: Codat's descriptions, assets from the package, their own CSP.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry={
            "tracing": settings.opentelemetry,
            "metrics": settings.opentelemetry,
            "logs": settings.opentelemetry,
        },
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.secrets = SecretBox(load_or_create_key(settings.secret_key, settings.data_dir))
    app.state.link_code_key = app.state.secrets.derive_key("link-codes")
    app.state.urls = PublicUrls(settings.base_url)
    app.state.file_rules = rules_from(settings, sessionmaker)
    # What jobs and the pages that run domain work outside a request's session (OAuth, Link) are given.
    app.state.runtime = Runtime(
        engine=engine,
        sessionmaker=sessionmaker,
        secrets=app.state.secrets,
        urls=app.state.urls,
        settings=settings,
    )
    app.state.cors = AllowedOrigins(load_origins)

    install_error_handlers(app)
    pages.install(app)
    for router in (
        companies.router,
        connections.router,
        integrations.router,
        integrations.assets,
        clients.router,
        settings_endpoints.router,
        sync.router,
        push.router,
        data.router,
        lending.router,
        webhooks.router,
        files.router,
        link.router,
        commerce.router,
        sync_flow.router,
        portal.router,
    ):
        app.include_router(router)
    apidocs.install(app)
    # After every route: a path no route matches exactly is tried again case-insensitively (kit/routing.py).
    routing.match_any_case(app.router)
    # The read API's list pages, its most frequent request, are answered before the router's scan.
    hot = routing.hot_routes(app.router, data.is_list_page)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        metrics.require_token(request.headers.get("authorization"), settings.metrics_token)
        body, content_type = await metrics.exposition(engine, workers.metrics_dir if workers else None)
        return Response(body, media_type=content_type)

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> dict[str, str]:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return {"status": "ready"}

    # Outermost last: correlation id and body limit, then CORS (so browsers can read a 429), then limits.
    limits = RateLimits(
        per_minute=settings.rate_limit_per_minute, public_per_minute=settings.public_rate_limit_per_minute
    )
    app.add_middleware(RateLimitMiddleware, limits=limits)
    app.add_middleware(CorsMiddleware, origins=app.state.cors)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        # A file at the limit, and the multipart envelope and form fields around it.
        max_upload_bytes=settings.files_max_bytes + 64 * 1024,
        body_timeout_seconds=settings.body_timeout_seconds,
        on_error=pages.unexpected_error,
    )
    # And in front of all of it, a plain list page answered in one layer doing what they would
    # (kit/front_door.py). The stack is built here, once every middleware and handler is registered.
    app.middleware_stack = FrontDoor(
        app.build_middleware_stack(),
        hot=hot,
        limits=limits,
        handlers={
            cls: handler
            for cls, handler in app.exception_handlers.items()
            if isinstance(cls, type) and cls is not Exception
        },
        on_error=pages.unexpected_error,
    )
    return app
