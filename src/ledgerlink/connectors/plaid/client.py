"""HTTP calls to Plaid's API: authentication headers, Plaid's error bodies, rate limits and retries.

Every Plaid endpoint is a `POST` of JSON, authenticated by the client's keys in the `PLAID-CLIENT-ID` and
`PLAID-SECRET` headers and pinned to the API version the connector was written for (`Plaid-Version`). An
item's access token travels in the body; it is sent, never logged (only paths, error codes and Plaid's
`request_id` are).

Failures come back as a `PlaidError` body (`error_type`, `error_code`):

* an item whose login is gone (`ITEM_LOGIN_REQUIRED` and the codes in `LOGIN_GONE`) is `AuthorizationLost`:
  only the business, going through Plaid Link again, can mend it;
* a 429 (`RATE_LIMIT_EXCEEDED`) is waited out: `Retry-After` when Plaid sends one, else an exponential
  backoff, at most `MAX_RATE_LIMIT_WAITS` times and never longer than `MAX_RETRY_AFTER` a wait; beyond that
  the pull ends `RateLimitExceeded` (the next scheduled pull resumes);
* 5xx answers, network errors and the institution being down (`INSTITUTION_ERROR`) are retried with backoff,
  `MAX_SERVER_RETRIES` times, then `PlatformFailed`;
* any other refusal is `PlaidRefused`, carrying Plaid's code for the caller to decide.
"""

from __future__ import annotations

import asyncio
from typing import Any, Self

import httpx
import structlog

from ledgerlink.connectors.base import AuthorizationLost, PlatformFailed
from ledgerlink.connectors.retries import RetryBudget, Sleep
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.http import parse_retry_after

log = structlog.get_logger("ledgerlink.connectors.plaid")

# The API version the requests and mappings follow (Plaid's spec `plaid-2020-09-14.yml`).
API_VERSION = "2020-09-14"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_SERVER_RETRIES = 4
BACKOFF_SECONDS = 0.5
# Plaid sends no Retry-After as a rule: its limits are per minute, so waits double from a second (1+2+...+32).
RATE_LIMIT_BACKOFF_SECONDS = 1.0
MAX_RATE_LIMIT_WAITS = 6
# Longer waits than this end the pull rather than hold a worker; the next scheduled pull resumes.
MAX_RETRY_AFTER = 120.0
# Item errors after which the access token opens nothing until the business re-links through Plaid Link.
LOGIN_GONE = frozenset(
    {
        "ITEM_LOGIN_REQUIRED",
        "ITEM_LOCKED",
        "ITEM_NOT_FOUND",
        "ITEM_CONCURRENTLY_DELETED",
        "INVALID_ACCESS_TOKEN",
        "ACCESS_NOT_GRANTED",
        "USER_PERMISSION_REVOKED",
        "NO_ACCOUNTS",
    }
)
# Error types that say Plaid or the bank is failing for now, not that the request was wrong.
TRANSIENT_TYPES = frozenset({"API_ERROR", "INSTITUTION_ERROR"})


class PlaidRefused(Exception):
    """Plaid refused the request for a reason that is neither transient nor a lost login."""

    def __init__(self, status: int, error_type: str, code: str, message: str) -> None:
        super().__init__(f"Plaid refused the request ({error_type} {code}): {message}")
        self.status = status
        self.error_type = error_type
        self.code = code


class PlaidClient:
    """One pull's (or one link's) conversation with Plaid."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        secret: str,
        *,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.sleep = sleep
        self.http = httpx.AsyncClient(
            timeout=TIMEOUT,
            transport=transport,
            headers={
                "Accept": "application/json",
                "PLAID-CLIENT-ID": client_id,
                "PLAID-SECRET": secret,
                "Plaid-Version": API_VERSION,
            },
        )
        self.calls = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Plaid's answer to `POST path`, after the retries and waits described in the module's docstring."""
        retries = RetryBudget(
            self.sleep,
            PlatformFailed,
            max_server_retries=MAX_SERVER_RETRIES,
            backoff_seconds=BACKOFF_SECONDS,
            max_rate_limit_waits=MAX_RATE_LIMIT_WAITS,
            max_retry_after=MAX_RETRY_AFTER,
        )
        while True:
            try:
                self.calls += 1
                response = await self.http.post(f"{self.base_url}{path}", json=body)
            except httpx.HTTPError as error:
                await retries.server_failed(f"Plaid could not be reached: {type(error).__name__}")
                continue
            status = response.status_code
            if status == 200:
                return _answer(response, path)
            refusal = _error(response)
            error_type, code = refusal.get("error_type") or "", refusal.get("error_code") or ""
            log.info(
                "plaid refused",
                path=path,
                status=status,
                error_type=error_type,
                error_code=code,
                request_id=refusal.get("request_id"),
            )
            if code in LOGIN_GONE:
                raise AuthorizationLost(
                    f"Plaid no longer accepts the connection ({code}): the business must link its bank again."
                )
            if status == 429 or error_type == "RATE_LIMIT_EXCEEDED":
                told = parse_retry_after(response.headers.get("Retry-After"), utcnow())
                wait = RATE_LIMIT_BACKOFF_SECONDS * 2**retries.rate_limit_waits if told is None else told
                await retries.rate_limited(
                    wait, f"Plaid's rate limit was reached ({code or 'HTTP 429'}); retry after {wait:.0f} s."
                )
                continue
            if status >= 500 or error_type in TRANSIENT_TYPES:
                await retries.server_failed(
                    f"Plaid answered {path} with HTTP {status} {code} {MAX_SERVER_RETRIES + 1} times."
                )
                continue
            raise PlaidRefused(
                status, error_type, code, refusal.get("error_message") or response.reason_phrase
            )


def _answer(response: httpx.Response, path: str) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        raise PlatformFailed(f"Plaid answered {path} with something other than JSON.") from None
    if not isinstance(answer, dict):
        raise PlatformFailed(f"Plaid answered {path} with JSON that is not an object.")
    return answer


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
