"""What the platform fakes share: a clock of their own, and how a spec violation is described."""

from __future__ import annotations

import threading
import time


class FakeClock:
    """A fake's own time, which tests move (`advance`) instead of waiting; a connector handed `sleep` waits on
    it too. The fake sets `offset` and `lock` in its constructor."""

    offset: float
    lock: threading.Lock

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.offset += seconds

    async def sleep(self, seconds: float) -> None:
        """A connector's sleep that passes this fake's time instead of the test's."""
        self.advance(seconds)


def describe_violation(error: Exception) -> str:
    """An OpenAPI validation error in a line: its type and the schema errors under it (cut short)."""
    cause = error.__cause__
    details = getattr(cause, "schema_errors", None) or ([cause] if cause else [])
    return (
        f"{type(error).__name__}: " + "; ".join(str(d)[:300] for d in details)[:900]
        if details
        else repr(error)
    )
