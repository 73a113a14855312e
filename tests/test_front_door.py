"""The front door (kit/front_door.py): a plain request for a hot route answered in one layer, doing what the
middleware stack would; anything else goes through the stack. (tests/test_read_fast_path.py compares the two
answers for the read API's list pages through the real app.)"""

from __future__ import annotations

import orjson
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ledgerlink.kit.errors import BadRequest, install_error_handlers, unexpected_error
from ledgerlink.kit.front_door import FrontDoor
from ledgerlink.kit.ratelimit import RateLimitMiddleware, RateLimits
from ledgerlink.kit.routing import HotRoutes

pytestmark = pytest.mark.anyio


async def page(request: Request) -> Response:
    return PlainTextResponse(f"page of {request.path_params['thingId']}")


async def refused(request: Request) -> Response:
    raise BadRequest("That page cannot be read.")


async def broken(request: Request) -> Response:
    raise RuntimeError("a bug")


class Harness:
    """A front door over a stand-in stack (which answers `stack`, counted by the same rate limits)."""

    def __init__(self, per_minute: int = 100) -> None:
        self.limits = RateLimits(per_minute=per_minute, public_per_minute=per_minute)
        self.stacked: list[str] = []

        async def stack(scope: Scope, receive: Receive, send: Send) -> None:
            self.stacked.append(scope["path"])
            await PlainTextResponse("stack")(scope, receive, send)

        routes = [
            Route("/things/{thingId}/parts", page, methods=["GET"]),
            Route("/things/{thingId}/refused", refused, methods=["GET"]),
            Route("/things/{thingId}/broken", broken, methods=["GET"]),
        ]
        handlers = FastAPI()
        install_error_handlers(handlers)
        self.door = FrontDoor(
            RateLimitMiddleware(stack, limits=self.limits),
            hot=HotRoutes(stack, routes),
            limits=self.limits,
            handlers={c: h for c, h in handlers.exception_handlers.items() if c is not Exception},
            on_error=unexpected_error,
        )

    async def get(
        self, path: str, headers: list[tuple[bytes, bytes]] | None = None, method: str = "GET"
    ) -> tuple[int, dict[bytes, bytes], bytes]:
        started: dict[str, object] = {}
        body: list[bytes] = []

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            else:
                body.append(message["body"])  # type: ignore[arg-type]

        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers or [],
            "client": ("203.0.113.9", 5000),
        }
        await self.door(scope, receive, send)  # type: ignore[arg-type]
        return started["status"], dict(started["headers"]), b"".join(body)  # type: ignore[arg-type]


async def test_a_plain_get_of_a_hot_route_is_answered_at_the_door_with_the_stacks_headers() -> None:
    harness = Harness()
    status, headers, body = await harness.get("/things/7/parts")
    assert (status, body) == (200, b"page of 7")
    assert harness.stacked == []
    assert len(headers[b"x-correlation-id"]) == 32
    assert headers[b"x-rate-limit-limit"] == b"100"
    assert headers[b"x-rate-limit-remaining"] == b"99"


async def test_anything_but_a_plain_get_of_a_hot_route_goes_through_the_stack() -> None:
    harness = Harness()
    for path, headers, method in (
        ("/things/7/parts", [(b"origin", b"https://app.example")], "GET"),
        ("/things/7/parts", [(b"content-length", b"2")], "GET"),
        ("/things/7/parts", [(b"transfer-encoding", b"chunked")], "GET"),
        ("/things/7/parts", [], "POST"),
        ("/things/7/parts", [], "HEAD"),
        ("/things/7\x00/parts", [], "GET"),
        ("/things/7/other", [], "GET"),
    ):
        harness.stacked.clear()
        _, _, body = await harness.get(path, headers, method)
        assert (body, harness.stacked) == (b"stack", [path]), (path, headers, method)


async def test_an_error_is_answered_by_the_apps_handler_and_an_unexpected_one_as_the_stack_would() -> None:
    harness = Harness()
    status, headers, body = await harness.get("/things/7/refused")
    answer = orjson.loads(body)
    assert (status, answer["statusCode"], answer["error"]) == (400, 400, "That page cannot be read.")
    assert answer["correlationId"] == headers[b"x-correlation-id"].decode()
    assert b"x-rate-limit-remaining" in headers

    status, headers, body = await harness.get("/things/7/broken")
    answer = orjson.loads(body)
    assert (status, answer["statusCode"]) == (500, 500)
    assert "a bug" not in body.decode() and "Traceback" not in body.decode()
    assert answer["correlationId"] == headers[b"x-correlation-id"].decode()
    assert harness.stacked == []


async def test_the_door_and_the_stack_count_against_one_limit() -> None:
    harness = Harness(per_minute=3)
    assert (await harness.get("/things/1/parts"))[0] == 200
    assert (await harness.get("/things/1/parts", [(b"origin", b"https://app.example")]))[2] == b"stack"
    assert (await harness.get("/things/1/parts"))[0] == 200
    status, headers, body = await harness.get("/things/1/parts")
    assert status == 429
    assert headers[b"x-rate-limit-remaining"] == b"0" and b"retry-after" in headers
    assert orjson.loads(body)["correlationId"] == headers[b"x-correlation-id"].decode()
    # The stack refuses it too: one count.
    assert (await harness.get("/things/1/parts", [(b"origin", b"https://app.example")]))[0] == 429


def test_fastapis_opentelemetry_is_off_unless_asked_for(tmp_path) -> None:
    """FastAPI checks for a configured OpenTelemetry provider on every request unless told not to trace."""
    from ledgerlink.app import create_app
    from ledgerlink.config import Settings

    url = "postgresql://nobody@localhost/nothing"
    quiet = create_app(Settings(data_dir=tmp_path), url)
    traced = create_app(Settings(data_dir=tmp_path, opentelemetry=True), url)
    assert [quiet._telemetry[k] for k in ("tracing", "metrics", "logs")] == [False] * 3
    assert [traced._telemetry[k] for k in ("tracing", "metrics", "logs")] == [True] * 3
