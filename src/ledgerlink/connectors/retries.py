"""How many retries one connector request may still spend, and the waits between them.

Connectors to rate-limited platforms share the same two budgets per request: server failures (5xx and
network errors), retried with exponential backoff a bounded number of times, and rate-limit refusals
(429), waited out as the platform's `Retry-After` says, a bounded number of times and never for longer
than `max_retry_after` (a longer wait ends the pull `RateLimitExceeded` rather than holding a worker).
What counts as which, and how a platform says how long to wait, stays in each connector's client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ledgerlink.connectors.base import RateLimitExceeded

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class RetryBudget:
    """One request's retries. `unavailable` is what the client raises when server failures outlast the
    budget (not `PlatformFailed`: the pull's job is retried later by the queue)."""

    sleep: Sleep
    unavailable: type[Exception]
    max_server_retries: int = 4
    backoff_seconds: float = 0.5
    max_rate_limit_waits: int = 8
    max_retry_after: float = 120.0
    server_failures: int = 0
    rate_limit_waits: int = 0

    async def server_failed(self, message: str) -> None:
        """Back off (0.5, 1, 2, 4 s, ...) before the next attempt, or raise `unavailable(message)`."""
        self.server_failures += 1
        if self.server_failures > self.max_server_retries:
            raise self.unavailable(message)
        await self.sleep(self.backoff_seconds * 2 ** (self.server_failures - 1))

    def can_wait(self, wait: float) -> bool:
        """Whether a rate-limit wait of `wait` seconds is still within the budget."""
        return wait <= self.max_retry_after and self.rate_limit_waits < self.max_rate_limit_waits

    async def rate_limited(self, wait: float, message: str) -> None:
        """Wait out a 429 for `wait` seconds, or raise `RateLimitExceeded(message)` if that is beyond the
        budget."""
        if not self.can_wait(wait):
            raise RateLimitExceeded(message)
        self.rate_limit_waits += 1
        await self.sleep(wait)
