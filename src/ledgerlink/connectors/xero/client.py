"""HTTP calls to Xero's identity and Accounting APIs: tokens, tenants, paging, rate limits and retries.

Xero's limits (per organisation and app): 60 calls a minute, 5,000 a day, 5 in flight. A 429 says which was
hit (`X-Rate-Limit-Problem`) and when to come back (`Retry-After`, seconds). A minute-limit 429 is waited out
(bounded: `MAX_RATE_LIMIT_WAITS` in a row, each at most `MAX_RETRY_AFTER`); a daily-limit one, or a wait
longer than that, ends the pull as `RateLimitExceeded` rather than holding a worker for hours. Responses
report what is left (`X-MinLimit-Remaining`, `X-DayLimit-Remaining`): at zero the client pauses for the
minute window before its next call, and refuses a call the day has no room for. 5xx answers and network
errors are retried with exponential backoff, `MAX_SERVER_RETRIES` times. A 401 renews the access token once
(it expired early or was revoked); a second 401, or a 403 (the organisation disconnected the app), is
`AuthorizationLost`. Tokens are sent, never logged.

Writes (`write`) go through the same loop, with the push's key as Xero's `Idempotency-Key`: a write retried
after a 5xx, a network error or a crash gets Xero's first answer back rather than writing twice. A 401 whose
`WWW-Authenticate` says `insufficient_scope` is the grant lacking a write scope, not a lost grant
(`XeroScopeMissing`: the push fails, the connection stays linked); a 400 is Xero's validation
(`XeroValidation`, its body kept); a 404 says the record to change is not there (`RecordNotFound`).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, Self

import httpx
import structlog

from ledgerlink.connectors.base import AccessTokens, AuthorizationLost, RateLimitExceeded, RecordNotFound
from ledgerlink.connectors.retries import RetryBudget, Sleep

log = structlog.get_logger("ledgerlink.connectors.xero")

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_SERVER_RETRIES = 4
BACKOFF_SECONDS = 0.5
MAX_RATE_LIMIT_WAITS = 8
# Longer waits than this end the pull (a daily limit says hours); the next scheduled pull resumes.
MAX_RETRY_AFTER = 120.0
MINUTE_WINDOW = 60.0


class XeroUnavailable(Exception):
    """Xero kept failing (5xx or network) after the retries; the pull's job is retried later."""


class XeroScopeMissing(Exception):
    """The access token lacks the scope an endpoint needs (Xero's 401 `insufficient_scope`): the business
    linked with read-only scopes, and must link again to grant the write ones."""


class XeroValidation(Exception):
    """Xero refused a write (HTTP 400): its `ApiException` body, with `Elements[].ValidationErrors`."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(str(body.get("Message") or "Xero refused the request."))
        self.body = body


class XeroClient:
    """One pull's (or one link's) conversation with Xero, for one tenant."""

    def __init__(
        self,
        api_url: str,
        identity_url: str,
        tokens: AccessTokens,
        *,
        tenant_id: str | None = None,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.identity_url = identity_url.rstrip("/")
        self.tokens = tokens
        self.tenant_id = tenant_id
        self.sleep = sleep
        self.http = httpx.AsyncClient(
            timeout=TIMEOUT, transport=transport, headers={"Accept": "application/json"}
        )
        # What Xero said was left of the day's calls after the last response (None: not told yet).
        self.day_remaining: int | None = None
        self.calls = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def connections(self, auth_event_id: str | None = None) -> list[dict[str, Any]]:
        """The organisations the grant covers (`GET /connections` of the identity API)."""
        params = {"authEventId": auth_event_id} if auth_event_id else None
        body = await self._call(f"{self.identity_url}/connections", params=params, tenant=False)
        return body if isinstance(body, list) else []

    async def get(
        self, path: str, *, params: dict[str, Any] | None = None, modified_since: datetime | None = None
    ) -> dict[str, Any]:
        """A GET of the Accounting API for the tenant; `modified_since` sends `If-Modified-Since`."""
        headers = {}
        if modified_since is not None:
            # Whole seconds, rounded down: a record changed within the second is read again, never missed.
            headers["If-Modified-Since"] = modified_since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = await self._call(f"{self.api_url}/{path.lstrip('/')}", params=params, headers=headers)
        return body if isinstance(body, dict) else {}

    async def record(self, path: str) -> dict[str, Any] | None:
        """`GET {endpoint}/{id}`: Xero's list of the one record, or None when Xero has no such record."""
        try:
            body = await self._call(f"{self.api_url}/{path.lstrip('/')}", find=True)
        except RecordNotFound:
            return None
        return body if isinstance(body, dict) else None

    async def write(
        self, method: str, path: str, body: dict[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """A PUT (create) or POST (update) of the Accounting API for the tenant; Xero answers the records as
        it now holds them. `XeroValidation` for a 400, `RecordNotFound` for a 404, `XeroScopeMissing` when
        the grant lacks the write scope."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        answer = await self._call(
            f"{self.api_url}/{path.lstrip('/')}", headers=headers, method=method, json_body=body
        )
        return answer if isinstance(answer, dict) else {}

    async def _call(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        tenant: bool = True,
        method: str = "GET",
        json_body: dict[str, Any] | None = None,
        find: bool = False,
    ) -> Any:
        renewed = False
        retries = RetryBudget(
            self.sleep,
            XeroUnavailable,
            max_server_retries=MAX_SERVER_RETRIES,
            backoff_seconds=BACKOFF_SECONDS,
            max_rate_limit_waits=MAX_RATE_LIMIT_WAITS,
            max_retry_after=MAX_RETRY_AFTER,
        )
        while True:
            if self.day_remaining is not None and self.day_remaining <= 0:
                raise RateLimitExceeded(
                    "Xero's daily API limit for this organisation is used up; try again tomorrow."
                )
            token = await self.tokens()
            request_headers = {**(headers or {}), "Authorization": f"Bearer {token}"}
            if tenant:
                request_headers["xero-tenant-id"] = self.tenant_id or ""
            try:
                self.calls += 1
                response = await self.http.request(
                    method, url, params=params, headers=request_headers, json=json_body
                )
            except httpx.HTTPError as error:
                await retries.server_failed(f"Xero could not be reached: {type(error).__name__}")
                continue
            self._note_limits(response)
            status = response.status_code
            if status == 401 and "insufficient_scope" in response.headers.get("WWW-Authenticate", ""):
                raise XeroScopeMissing(
                    "Xero refused the write: the connection was linked without Xero's write scopes"
                    " (accounting.transactions, accounting.contacts, accounting.settings); link it again."
                )
            if status == 401:
                if renewed:
                    raise AuthorizationLost("Xero refused the connection's access token.")
                renewed = True
                await self.tokens(renew=True)
                continue
            if status == 403:
                raise AuthorizationLost(
                    "Xero refused access to the organisation: the app was disconnected from it"
                    " or lacks a scope."
                )
            if status == 429:
                wait = _retry_after(response)
                problem = response.headers.get("X-Rate-Limit-Problem", "")
                message = (
                    f"Xero's {problem or 'API'} rate limit was reached;"
                    f" Xero asks to retry after {wait:.0f} s."
                )
                if problem.lower() == "day":
                    raise RateLimitExceeded(message)
                log.info("xero rate limited", problem=problem, retry_after=wait)
                await retries.rate_limited(wait, message)
                continue
            if status >= 500:
                await retries.server_failed(f"Xero answered HTTP {status} {MAX_SERVER_RETRIES + 1} times.")
                continue
            if status == 304:
                return {}
            if status == 400 and json_body is not None:
                raise XeroValidation(_json_or_empty(response))
            if status == 404 and (json_body is not None or find):
                raise RecordNotFound(f"Xero has no record {url.rsplit('/', 1)[-1]}.")
            response.raise_for_status()
            if response.headers.get("X-MinLimit-Remaining") == "0":
                # The next call would be refused: let the minute window pass instead of being told to.
                await self.sleep(MINUTE_WINDOW)
            return response.json()

    def _note_limits(self, response: httpx.Response) -> None:
        day = response.headers.get("X-DayLimit-Remaining")
        if day is not None and day.lstrip("-").isdigit():
            self.day_remaining = int(day)


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return MINUTE_WINDOW
