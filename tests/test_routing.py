"""The router's additions (kit/routing.py): hot routes answered in front of it, as the router would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from ledgerlink.app import create_app
from ledgerlink.config import Settings
from ledgerlink.data.endpoints import is_list_page
from ledgerlink.kit.routing import HotRoutes, all_routes
from ledgerlink.records.registry import DATA_TYPES, LEGACY_PATHS, Shape


def test_every_list_page_is_hot_and_its_path_is_no_other_routes(tmp_path: Path) -> None:
    """The router would pick the same route: no other route matches a hot route's path."""
    app = create_app(Settings(data_dir=tmp_path), "postgresql://nobody@localhost/nothing")
    hot = app.router.middleware_stack
    assert isinstance(hot, HotRoutes)
    routes = list(all_routes(app.router.routes))
    lists = [route for route in routes if is_list_page(route)]
    listed = [t for t in (*DATA_TYPES, *LEGACY_PATHS) if t.shape is Shape.LIST and t.has_list]
    assert len(lists) == len(listed) > 30
    for route in lists:
        path = re.sub(r"{\w+}", "3f1c2a9e-0000-4000-8000-000000000001", route.path)
        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
        assert hot.route_for(scope) is route
        assert [r for r in routes if r.matches(scope)[0] is not Match.NONE] == [route], route.path


@pytest.mark.anyio
async def test_a_hot_route_is_answered_before_the_router_and_anything_else_goes_on() -> None:
    seen: list[dict[str, str]] = []

    async def endpoint(request: Request) -> Response:
        seen.append(dict(request.path_params))
        return PlainTextResponse("hot")

    async def router(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("router")(scope, receive, send)

    app = HotRoutes(router, [Route("/things/{thingId}/parts", endpoint, methods=["GET"])])

    async def answer(method: str, path: str) -> bytes:
        sent: list[bytes] = []

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.body":
                sent.append(message["body"])  # type: ignore[arg-type]

        scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
        await app(scope, receive, send)  # type: ignore[arg-type]
        return b"".join(sent)

    assert await answer("GET", "/things/7/parts") == b"hot"
    assert seen == [{"thingId": "7"}]
    for method, path in (
        ("POST", "/things/7/parts"),
        ("HEAD", "/things/7/parts"),
        ("GET", "/things/7/parts/"),
        ("GET", "/things/7/8/parts"),
        ("GET", "/other/7/parts"),
        ("GET", "/things/7/Parts"),
    ):
        assert await answer(method, path) == b"router", (method, path)
    assert len(seen) == 1


def test_a_hot_route_needs_a_literal_last_segment_and_get() -> None:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("")

    for route in (Route("/things/{thingId}", endpoint), Route("/things", endpoint, methods=["POST"])):
        with pytest.raises(ValueError, match="cannot be a hot route"):
            HotRoutes(PlainTextResponse(""), [route])
