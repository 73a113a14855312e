"""Per-client rate limits on the API: a fixed window a minute, answered with Codat's 429 body and the
`X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` headers (and `Retry-After`).

The limit is counted in each API process (no database round trip per request): with N processes behind a
load balancer a client gets up to N times `LEDGERLINK_RATE_LIMIT_PER_MINUTE` (docs/deployment.md). A request
is counted against its client once the process has seen that API key authenticate; until then, against
the key itself. Requests without an `Authorization` header (Link, Portal, health, static files) are not
counted: they are refused or served without touching a client's data.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerlink.kit.errors import error_body

WINDOW_SECONDS = 60
# Keys remembered (their client, their window): the least recently used are forgotten first.
MAX_TRACKED = 50_000
_UNCOUNTED_PREFIXES = ("/link", "/portal", "/static", "/healthz", "/readyz", "/metrics")


@dataclass
class Window:
    start: int
    used: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    resets_at: int  # unix seconds


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._windows: OrderedDict[str, Window] = OrderedDict()

    def hit(self, bucket: str) -> Decision:
        now = int(self.clock())
        start = now - now % WINDOW_SECONDS
        window = self._windows.get(bucket)
        if window is None or window.start != start:
            window = self._windows[bucket] = Window(start, 0)
        self._windows.move_to_end(bucket)
        if len(self._windows) > MAX_TRACKED:
            self._windows.popitem(last=False)
        allowed = window.used < self.per_minute
        if allowed:
            window.used += 1
        return Decision(allowed, self.per_minute, self.per_minute - window.used, start + WINDOW_SECONDS)


    def transfer(self, source: str, target: str) -> None:
        """Count what `source` used in this window against `target` from now on (a key found to be a client's)."""
        window = self._windows.pop(source, None)
        if window is None:
            return
        current = self._windows.get(target)
        if current is None or current.start != window.start:
            self._windows[target] = window
        else:
            current.used += window.used


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, per_minute: int) -> None:
        self.app = app
        self.limiter = RateLimiter(per_minute) if per_minute > 0 else None
        self._clients: OrderedDict[str, str] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limiter is None or scope["path"].startswith(_UNCOUNTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        header = next((value for name, value in scope["headers"] if name == b"authorization"), None)
        if header is None:
            await self.app(scope, receive, send)
            return
        key = hashlib.sha256(header).hexdigest()
        decision = self.limiter.hit(self._clients.get(key, key))
        headers = [
            (b"x-rate-limit-limit", str(decision.limit).encode()),
            (b"x-rate-limit-remaining", str(decision.remaining).encode()),
            (b"x-rate-limit-reset", _iso(decision.resets_at).encode()),
        ]
        if not decision.allowed:
            await self._refuse(scope, send, decision, headers)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
        principal = scope.get("state", {}).get("principal")
        if principal is not None:
            client = str(principal.client_id)
            if key not in self._clients:
                self.limiter.transfer(key, client)
            self._clients[key] = client
            self._clients.move_to_end(key)
            if len(self._clients) > MAX_TRACKED:
                self._clients.popitem(last=False)

    async def _refuse(
        self, scope: Scope, send: Send, decision: Decision, headers: list[tuple[bytes, bytes]]
    ) -> None:
        wait = max(decision.resets_at - int(self.limiter.clock()), 1) if self.limiter else 1
        correlation = scope.get("state", {}).get("correlation_id", "")
        body = orjson.dumps(
            error_body(
                429,
                f"Rate limit exceeded: {decision.limit} requests a minute. Try again in {wait} seconds.",
                correlation=correlation,
                can_be_retried="True",
            )
        )
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(wait).encode()),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _iso(unix_seconds: int) -> str:
    return datetime.fromtimestamp(unix_seconds, UTC).isoformat().replace("+00:00", "Z")
