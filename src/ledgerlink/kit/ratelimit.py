"""Rate limits: a fixed window a minute, answered with Codat's 429 body and the `X-Rate-Limit-Limit`,
`X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` headers (and `Retry-After`).

Who is counted (docs/deployment.md, "Protection: limits and timeouts"):

- An API request whose key this process has seen authenticate counts against the key's client
  (`LEDGERLINK_RATE_LIMIT_PER_MINUTE`), however the key is spelled: the bucket is found from the hashes
  `kit.auth.key_hashes` gives, the same parsing authentication uses, so every spelling it accepts (base64
  or raw, padding colons, spaces, the scheme's case) lands in the one bucket. Every key of a client shares
  the client's bucket.
- Anything else counts against the caller's address (`LEDGERLINK_PUBLIC_RATE_LIMIT_PER_MINUTE`): an API
  request with no key, a bad key or a key not seen yet (which, once it authenticates, counts against its
  client too), and the pages that take no API key (Link and its OAuth callback, the Portal, Sync Flow) and
  `/metrics`. The address is the TCP peer, or the address a
  proxy trusted through uvicorn's `FORWARDED_ALLOW_IPS` put in `X-Forwarded-For`.
- Health checks and static files are not counted.

Counts live in each API process (no database round trip per request): with N processes behind a load
balancer a client gets up to N times its limit.
"""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerlink.kit.auth import request_key_hashes
from ledgerlink.kit.clock import iso
from ledgerlink.kit.errors import error_body

WINDOW_SECONDS = 60
# Keys remembered (their client, their window): the least recently used are forgotten first.
MAX_TRACKED = 50_000
_UNCOUNTED_PREFIXES = ("/static", "/healthz", "/readyz")
# Pages that take no API key: always counted against the caller's address.
_PUBLIC_PREFIXES = ("/link", "/portal", "/sync-flow", "/metrics")


@dataclass
class MinuteCount:
    """The requests a bucket made in the current minute (its window's start, in unix seconds)."""

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
        self._windows: OrderedDict[str, MinuteCount] = OrderedDict()

    def hit(self, bucket: str) -> Decision:
        now = int(self.clock())
        start = now - now % WINDOW_SECONDS
        window = self._windows.get(bucket)
        if window is None or window.start != start:
            window = self._windows[bucket] = MinuteCount(start, 0)
        self._windows.move_to_end(bucket)
        if len(self._windows) > MAX_TRACKED:
            self._windows.popitem(last=False)
        allowed = window.used < self.per_minute
        if allowed:
            window.used += 1
        return Decision(allowed, self.per_minute, self.per_minute - window.used, start + WINDOW_SECONDS)


@dataclass(frozen=True)
class Admission:
    """A request let through: the client its key is known to belong to (None: counted by address, or a
    key seen for the first time), and the window it was counted in (None: not counted)."""

    owner: str | None
    decision: Decision | None


class RateLimits:
    """The process's counts, by client and by address, and which client each key hash belongs to. One
    instance is shared by the middleware and the front door (`kit.front_door`), so a request counts once
    whichever way it is answered."""

    def __init__(self, *, per_minute: int, public_per_minute: int) -> None:
        self.clients = RateLimiter(per_minute) if per_minute > 0 else None
        self.addresses = RateLimiter(public_per_minute) if public_per_minute > 0 else None
        # Key hash → the client it authenticated as, learnt from answered requests.
        self._owners: OrderedDict[str, str] = OrderedDict()

    def admit(self, scope: Scope, hashes: list[str]) -> Admission | Refusal:
        """Counts the request against its client (a key seen before) or its address."""
        owner = next((self._owners[h] for h in hashes if h in self._owners), None)
        limiter, bucket = (self.clients, owner) if owner else (self.addresses, _address(scope))
        if limiter is None:
            return Admission(owner, None)
        decision = limiter.hit(bucket)
        if not decision.allowed:
            return Refusal(limiter, decision)
        return Admission(owner, decision)

    def headers(self, admission: Admission, scope: Scope) -> list[tuple[bytes, bytes]]:
        """The rate limit headers of the answer. A key seen for the first time that authenticated counts
        against its client too, whose window the answer reports."""
        decision = admission.decision
        principal = scope.get("state", {}).get("principal")
        if admission.owner is None and principal is not None and self.clients is not None:
            decision = self.clients.hit(f"client:{principal.client_id}")
        return _headers(decision) if decision is not None else []

    def learn(self, hashes: list[str], principal: Any, *, refused: bool, known: bool = False) -> None:
        """Remember whose key the hashes are once it authenticated, and forget them once it is refused (a
        deleted key's requests count against their address again). `known`: the request was counted
        against the client the hashes already belong to (`Admission.owner`), so only their use is noted."""
        if known and not refused and principal is not None:
            for key_hash in hashes:
                if key_hash in self._owners:
                    self._owners.move_to_end(key_hash)
            return
        for key_hash in hashes:
            if refused:
                self._owners.pop(key_hash, None)
            elif principal is not None:
                self._owners[key_hash] = f"client:{principal.client_id}"
                self._owners.move_to_end(key_hash)
        while len(self._owners) > MAX_TRACKED:
            self._owners.popitem(last=False)


@dataclass(frozen=True)
class Refusal:
    """A request over its limit, and the window that refused it."""

    limiter: RateLimiter
    decision: Decision

    async def __call__(self, scope: Scope, send: Send) -> None:
        await _refuse(self.limiter, scope, send, self.decision)


def counted(path: str) -> bool:
    """Whether a request for `path` counts at all (health checks and static files do not)."""
    return not path.startswith(_UNCOUNTED_PREFIXES)


def key_hashes(scope: Scope) -> list[str]:
    """The hashes a request's key is looked up by: none for the pages that take no API key."""
    return [] if scope["path"].startswith(_PUBLIC_PREFIXES) else request_key_hashes(scope)


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not counted(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        hashes = key_hashes(scope)
        admission = self.limits.admit(scope, hashes)
        if isinstance(admission, Refusal):
            await admission(scope, send)
            return
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *self.limits.headers(admission, scope)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
        if hashes:
            principal = scope.get("state", {}).get("principal")
            self.limits.learn(hashes, principal, refused=status == 401, known=admission.owner is not None)


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}"


def _headers(decision: Decision) -> list[tuple[bytes, bytes]]:
    return [
        (b"x-rate-limit-limit", str(decision.limit).encode()),
        (b"x-rate-limit-remaining", str(decision.remaining).encode()),
        (b"x-rate-limit-reset", _reset_at(decision.resets_at)),
    ]


@functools.lru_cache(maxsize=64)
def _reset_at(resets_at: int) -> bytes:
    """A window's end as the header spells it: the same for every answer in the window, so spelt once."""
    return iso(datetime.fromtimestamp(resets_at, UTC), timespec="auto").encode()


async def _refuse(limiter: RateLimiter, scope: Scope, send: Send, decision: Decision) -> None:
    wait = max(decision.resets_at - int(limiter.clock()), 1)
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
                *_headers(decision),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
