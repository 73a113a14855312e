"""The front door: a read API list page answered in one layer, in front of the whole middleware stack.

A list page is the API's most frequent request, and its own work is a few tenths of a millisecond. Going
through the stack costs a sizeable share of that: a dozen ASGI layers (Starlette's and FastAPI's error,
telemetry and body-limit layers, then ledgerlink's request context, CORS and rate limits, the exception
layer and the router), each a coroutine, several wrapping `send`. The front door does for a plain list page
what those layers would, in one place and with one `send` wrapper, from the same parts they use:

- the correlation id, access line and metrics (`kit.middleware.begin`, `log_request`);
- the rate limit, on the counts the middleware keeps (`kit.ratelimit.RateLimits`);
- the exception handlers the app registered, then the answer to an unexpected error.

Only a plain request takes it: a GET of a hot route (`kit.routing.HotRoutes`) without a body, without an
`Origin` (CORS stays the middleware's), and without text no request may carry (refused by the middleware,
in its order). Anything else goes through the stack as before, and gets the same answer.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerlink.kit import inputs
from ledgerlink.kit.middleware import begin, log_request
from ledgerlink.kit.ratelimit import RateLimits, Refusal, key_hashes
from ledgerlink.kit.routing import HotRoutes

ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]
# As the app registers them (Starlette's handlers may answer directly or be awaited).
RegisteredHandler = Callable[[Request, Any], Response | Awaitable[Response]]

# Headers that send a request the whole way: a body (its limits), or a browser's origin (CORS).
_NOT_PLAIN = frozenset((b"content-length", b"transfer-encoding", b"origin"))


class FrontDoor:
    def __init__(
        self,
        app: ASGIApp,
        *,
        hot: HotRoutes,
        limits: RateLimits,
        handlers: Mapping[Any, RegisteredHandler],
        on_error: ExceptionHandler,
    ) -> None:
        self.app = app
        self.hot = hot
        self.limits = limits
        # The handlers the exception layer would pick from: the most specific class an error is wins.
        self.handlers = dict(handlers)
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.hot.route_for(scope) if _plain(scope) else None
        if route is None:
            await self.app(scope, receive, send)
            return
        correlation = begin(scope)
        started = time.perf_counter()
        tag = (b"x-correlation-id", correlation.encode())
        hashes = key_hashes(scope)
        admission = self.limits.admit(scope, hashes)
        if isinstance(admission, Refusal):
            await admission(scope, _adding(send, [tag]))
            log_request(scope, 429, started, correlation)
            return
        status = 500
        responded = False

        async def send_answer(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                message["headers"] = [
                    *message.get("headers", []),
                    *self.limits.headers(admission, scope),
                    tag,
                ]
            await send(message)

        request = Request(scope, receive, send)
        tokens = structlog.contextvars.bind_contextvars(correlation_id=correlation)
        try:
            try:
                response = await route.endpoint(request)
            except Exception as exc:
                response = await self._answer(request, exc)
            await response(scope, receive, send_answer)
        except Exception as exc:
            if responded:
                raise  # too late for an answer: uvicorn closes the connection
            response = await self.on_error(request, exc)
            await response(scope, receive, send_answer)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)
            log_request(scope, status, started, correlation)
            if hashes:
                principal = scope["state"].get("principal")
                self.limits.learn(hashes, principal, refused=status == 401, known=admission.owner is not None)

    async def _answer(self, request: Request, exc: Exception) -> Response:
        """What the exception layer would answer: the handler of the nearest class `exc` is an instance of,
        or, for an error no handler takes, the request context's answer to an unexpected error."""
        for cls in type(exc).__mro__:
            handler = self.handlers.get(cls)
            if handler is not None:
                answer = handler(request, exc)
                return await answer if inspect.isawaitable(answer) else answer
        return await self.on_error(request, exc)


def _plain(scope: Scope) -> bool:
    """A GET with no body and no `Origin`, carrying no text a request may not (which the stack refuses)."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return False
    for name, _ in scope["headers"]:
        if name in _NOT_PLAIN:
            return False
    return inputs.refusal(scope, b"") is None


def _adding(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    async def send_with(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *headers]
        await send(message)

    return send_with
