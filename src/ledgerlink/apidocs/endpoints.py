"""`/`, `/docs`, `/redoc` and `/openapi.json`.

Swagger UI's and ReDoc's scripts come from the `fastapi-offline` package (pinned in pyproject.toml) and are
served from `/static/docs`, so the documentation works on an install without internet. Their pages get a
policy of their own: both renderers inject inline styles and ReDoc searches in a blob worker, which the
pages' policy (`kit.pages`) rightly forbids; scripts still come only from ledgerlink itself.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from ledgerlink.apidocs import openapi
from ledgerlink.kit import pages

OPENAPI_URL = "/openapi.json"
STATIC_PATH = "/static/docs"
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
DOCS_HEADERS = {**pages.SECURITY_HEADERS, "Content-Security-Policy": DOCS_CSP}

router = APIRouter(include_in_schema=False)


def _docs_page(request: Request, template: str) -> HTMLResponse:
    html = pages.environment.get_template(template).render(
        {"request": request, "openapi_url": OPENAPI_URL, "assets": STATIC_PATH}
    )
    return HTMLResponse(html, headers=DOCS_HEADERS)


@router.get("/")
async def start_page(request: Request) -> HTMLResponse:
    links = request.app.state.urls.entry_points()
    return pages.render(request, "apidocs/start.html", {"title": "ledgerlink", "links": links})


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    return _docs_page(request, "apidocs/swagger.html")


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    return _docs_page(request, "apidocs/redoc.html")


@router.get(OPENAPI_URL)
async def openapi_document(request: Request) -> Response:
    state = request.app.state
    if getattr(state, "openapi_json", None) is None:  # built off the event loop: it takes a moment
        state.openapi_json = await run_in_threadpool(lambda: orjson.dumps(request.app.openapi()))
    return Response(state.openapi_json, media_type="application/json")


def install(app: FastAPI) -> None:
    """Serve the documentation; the document is built once, on the first call (it is a few megabytes)."""

    def document() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = openapi.build(app)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
    app.include_router(router)
    app.mount(
        STATIC_PATH,
        StaticFiles(packages=[("fastapi_offline", "static"), ("ledgerlink.apidocs", "static")]),
        name="docs-static",
    )
