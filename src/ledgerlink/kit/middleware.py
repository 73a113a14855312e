"""ASGI middleware: a correlation id and an access log line for every request, the body's size and time
limits (a client that sends too much gets 413, one that sends too slowly 408: neither holds the server; a
file upload streams through to its endpoint under the same limits rather than being held here),
text no request may carry (400, `kit.inputs`), and the last word on an unexpected error.

An unexpected error is answered here rather than by Starlette's outermost `ServerErrorMiddleware`: that one
sends the 500 and then raises the error again, so that uvicorn logs it a second time and, the response
having started, closes the connection, and the client's next request on it fails. Here the error is
logged once (by the handler given) and the connection stays open for the next request."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable

import orjson
import structlog
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerlink.kit import inputs, metrics
from ledgerlink.kit.errors import error_body, unexpected_error
from ledgerlink.logging import access_log


class RequestContextMiddleware:
    """Gives each request a correlation id (echoed in `X-Correlation-Id`), refuses oversized bodies and
    text no request may carry, and answers an unexpected error with `on_error`'s response."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int | None = None,
        body_timeout_seconds: float = 30.0,
        on_error: Callable[[Request, Exception], Awaitable[Response]] = unexpected_error,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # A file upload (a multipart/form-data body) may be larger than any other body.
        self.max_upload_bytes = max(max_upload_bytes or 0, max_body_bytes)
        self.body_timeout_seconds = body_timeout_seconds
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation = begin(scope)
        started = time.perf_counter()
        status = 500
        responded = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-correlation-id", correlation.encode()),
                ]
            await send(message)

        upload = inputs.is_multipart(scope)
        limit = self.max_upload_bytes if upload else self.max_body_bytes
        declared, chunked = _body_framing(scope)
        if declared is not None and declared > limit:
            await self._too_large(send_with_id, correlation, limit)
            self._log(scope, 413, started, correlation)
            return
        app_receive = receive
        body = b""
        if upload and (chunked or declared):
            # A file upload is not held here whole: it streams on to its endpoint, whose multipart parser
            # spools the files to disk, and is counted and timed on the way (`BodyRefused`).
            app_receive = _metered(receive, limit, self.body_timeout_seconds)
        elif chunked or declared:
            # Read the body here (the API buffers it anyway), so a chunked body over the limit is refused
            # with a 413 before any endpoint sees it. (A request with neither has no body: HTTP/1.1.)
            try:
                async with asyncio.timeout(self.body_timeout_seconds):
                    read = await self._read_body(receive, limit)
            except TimeoutError:
                await self._refuse(
                    send_with_id,
                    408,
                    f"The request body did not arrive within {self.body_timeout_seconds:g} seconds.",
                    correlation,
                )
                self._log(scope, 408, started, correlation)
                return
            if read is None:
                await self._too_large(send_with_id, correlation, limit)
                self._log(scope, 413, started, correlation)
                return
            body = read
            app_receive = _replaying(body, receive)
        refusal = inputs.refusal(scope, body)
        if refusal is not None:
            await self._refuse(send_with_id, 400, refusal, correlation)
            self._log(scope, 400, started, correlation)
            return

        try:
            with structlog.contextvars.bound_contextvars(correlation_id=correlation):
                try:
                    await self.app(scope, app_receive, send_with_id)
                except BodyRefused as refused:
                    if responded:
                        raise
                    await self._refuse(send_with_id, refused.status, str(refused), correlation)
                except Exception as exc:
                    if responded:
                        raise  # too late for an answer: uvicorn closes the connection
                    response = await self.on_error(Request(scope), exc)
                    await response(scope, app_receive, send_with_id)
        finally:
            self._log(scope, status, started, correlation)

    async def _read_body(self, receive: Receive, limit: int) -> bytes | None:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _too_large(self, send: Send, correlation: str, limit: int) -> None:
        await self._refuse(send, 413, f"The request body is larger than {limit} bytes.", correlation)

    @staticmethod
    async def _refuse(send: Send, status: int, message: str, correlation: str) -> None:
        body = orjson.dumps(error_body(status, message, correlation=correlation))
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if status == 408:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _log(scope: Scope, status: int, started: float, correlation: str) -> None:
        log_request(scope, status, started, correlation)


def begin(scope: Scope) -> str:
    """The request's correlation id, kept in its state (error bodies carry it)."""
    # Random enough to tell requests apart, without a system call for every request (uuid4's).
    correlation = f"{random.getrandbits(128):032x}"
    scope.setdefault("state", {})["correlation_id"] = correlation
    return correlation


def log_request(scope: Scope, status: int, started: float, correlation: str) -> None:
    """The request's figures (`kit.metrics`) and its access line, once it is answered."""
    seconds = time.perf_counter() - started
    metrics.observe_request(scope, status, seconds)
    access_log(scope["method"], scope["path"], status, round(seconds * 1000, 2), correlation)


class BodyRefused(Exception):
    """An upload's body went past its size or time limit while its endpoint was reading it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _metered(receive: Receive, limit: int, seconds: float) -> Receive:
    """`receive` for an upload's app: the body passed on as it arrives, refused past `limit` bytes or once
    `seconds` have gone by without all of it (what comes after the body is passed on untimed)."""
    deadline = asyncio.get_running_loop().time() + seconds
    size, complete = 0, False

    async def metered() -> Message:
        nonlocal size, complete
        if complete:
            return await receive()
        try:
            async with asyncio.timeout_at(deadline):
                message = await receive()
        except TimeoutError:
            raise BodyRefused(408, f"The request body did not arrive within {seconds:g} seconds.") from None
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyRefused(413, f"The request body is larger than {limit} bytes.")
            complete = not message.get("more_body", False)
        return message

    return metered


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` for the app: the body already read, then whatever comes next (a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _body_framing(scope: Scope) -> tuple[int | None, bool]:
    """The declared `Content-Length` (None if absent or not a number) and whether the body is chunked."""
    declared, chunked = None, False
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = None
        elif name == b"transfer-encoding":
            chunked = True
    return declared, chunked
