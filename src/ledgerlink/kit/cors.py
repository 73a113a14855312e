"""CORS from the clients' `allowedOrigins` (`POST /corsSettings`), applied to every API response."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, Accept"
# Other processes see a change within this many seconds; the process that made it, at once.
REFRESH_SECONDS = 5.0


class AllowedOrigins:
    """A short-lived cache of the allowed origins, read from the database."""

    def __init__(self, load: Callable[[], Awaitable[set[str]]]) -> None:
        self._load = load
        self._origins: set[str] = set()
        self._loaded_at = float("-inf")

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    async def allows(self, origin: str) -> bool:
        if time.monotonic() - self._loaded_at > REFRESH_SECONDS:
            self._origins = await self._load()
            self._loaded_at = time.monotonic()
        return origin.rstrip("/") in self._origins


class CorsMiddleware:
    def __init__(self, app: ASGIApp, *, origins: AllowedOrigins) -> None:
        self.app = app
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = await self.origins.allows(origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            if not allowed:
                await PlainTextResponse("Disallowed CORS origin", status_code=400)(scope, receive, send)
                return
            response = PlainTextResponse(
                "",
                status_code=204,
                headers={
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Methods": ALLOWED_METHODS,
                    "Access-Control-Allow-Headers": headers.get(
                        "access-control-request-headers", ALLOWED_HEADERS
                    ),
                    "Access-Control-Max-Age": "600",
                    "Vary": "Origin",
                },
            )
            await response(scope, receive, send)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers["Access-Control-Allow-Origin"] = origin
                response_headers["Access-Control-Expose-Headers"] = "X-Correlation-Id"
                response_headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)
