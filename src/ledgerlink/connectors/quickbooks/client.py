"""HTTP calls to the QuickBooks Online Accounting API (v3) for one company (realm): queries, change data
capture, reports, writes (`post`, with `requestid`), faults, rate limits and retries.

Intuit answers errors as a `Fault` (`{"Fault": {"Error": [{"Message", "Detail", "code"}], "type"}}`), with
the HTTP status it belongs to and, now and then, inside a 200. Authentication faults (codes 3200 and 3201,
HTTP 401: the token expired early or was revoked) renew the access token once; a second one is
`AuthorizationLost`, as is 3100 / HTTP 403 (the company no longer authorizes the app). A refresh refused
with `invalid_grant` is `AuthorizationLost` too (raised by `oauth.tokens` through `AccessTokens`).

Limits: 500 requests a minute and 10 in flight per company. A 429 (`ThrottleExceeded`, code 3001) is waited
out as `Retry-After` says, or a minute when it says nothing (the window is a minute), within the shared
`RetryBudget`; 5xx answers and network errors are retried with exponential backoff. Other faults (a query
Intuit could not parse, a CDC window it refuses, a write its books refuse) are `QuickBooksFault`, a
`PlatformFailed` carrying Intuit's `Error` items; unreadable bodies are `PlatformFailed`. Tokens are sent,
never logged.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, Self

import httpx
import structlog

from ledgerlink.connectors.base import AccessTokens, AuthorizationLost, PlatformFailed
from ledgerlink.connectors.retries import RetryBudget, Sleep
from ledgerlink.kit.http import parse_retry_after

log = structlog.get_logger("ledgerlink.connectors.quickbooks")

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# The API version the mapping is written against (minor versions add fields, never take them away).
MINOR_VERSION = "75"
# Intuit's throttle counts a minute: a 429 without `Retry-After` waits for the window to pass.
THROTTLE_WINDOW = 60.0
AUTHENTICATION_FAULTS = frozenset({"3200", "3201"})
AUTHORIZATION_FAULTS = frozenset({"3100"})
THROTTLE_FAULTS = frozenset({"3001"})


class QuickBooksUnavailable(Exception):
    """QuickBooks kept failing (5xx or network) after the retries; the pull's job is retried later."""


class QuickBooksClient:
    """One pull's (or one link's) conversation with QuickBooks Online, for one company (`realm_id`)."""

    def __init__(
        self,
        api_url: str,
        realm_id: str,
        tokens: AccessTokens,
        *,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.company_url = f"{api_url.rstrip('/')}/company/{realm_id}"
        self.realm_id = realm_id
        self.tokens = tokens
        self.sleep = sleep
        self.http = httpx.AsyncClient(
            timeout=TIMEOUT, transport=transport, headers={"Accept": "application/json"}
        )
        self.calls = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def query(self, statement: str) -> dict[str, Any]:
        """`QueryResponse` of a query-language statement (`SELECT * FROM Invoice ... MAXRESULTS 1000`)."""
        body = await self.get("query", {"query": statement})
        response = body.get("QueryResponse")
        if not isinstance(response, dict):
            raise PlatformFailed("QuickBooks answered a query without a QueryResponse.")
        return response

    async def changes(self, entities: list[str], changed_since: datetime) -> dict[str, list[dict[str, Any]]]:
        """Change data capture: each entity's objects changed (or deleted: `status: "Deleted"`) since then."""
        body = await self.get(
            "cdc", {"entities": ",".join(entities), "changedSince": timestamp(changed_since)}
        )
        changed: dict[str, list[dict[str, Any]]] = {}
        for capture in body.get("CDCResponse") or []:
            for response in capture.get("QueryResponse") or []:
                for entity in entities:
                    changed.setdefault(entity, []).extend(response.get(entity) or [])
        return changed

    async def read(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """A GET below the company's URL (`companyinfo/<realm>`, `preferences`, `reports/BalanceSheet`)."""
        return await self.get(path, params or {})

    async def post(
        self, path: str, body: dict[str, Any], params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """A write below the company's URL (`invoice`, `invoice?operation=delete`). Give `requestid` in
        `params` to make it safe to repeat: Intuit answers a request it has seen with the first answer, so
        the retries here (5xx, network, throttle, a renewed token) and a push retried after a crash write
        once."""
        return await self.send("POST", path, params or {}, body)

    async def get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        return await self.send("GET", path, params)

    async def send(
        self, method: str, path: str, params: dict[str, str], body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        url = f"{self.company_url}/{path.lstrip('/')}"
        query = {**params, "minorversion": MINOR_VERSION}
        renewed = False
        retries = RetryBudget(self.sleep, QuickBooksUnavailable)
        while True:
            token = await self.tokens()
            try:
                self.calls += 1
                response = await self.http.request(
                    method, url, params=query, json=body, headers={"Authorization": f"Bearer {token}"}
                )
            except httpx.HTTPError as error:
                await retries.server_failed(f"QuickBooks could not be reached: {type(error).__name__}")
                continue
            status = response.status_code
            answer = _json(response)
            codes, description = _fault(answer)
            if status == 401 or codes & AUTHENTICATION_FAULTS:
                if renewed:
                    raise AuthorizationLost(
                        f"QuickBooks refused the connection's access token ({description})."
                    )
                renewed = True
                await self.tokens(renew=True)
                continue
            if status == 403 or codes & AUTHORIZATION_FAULTS:
                raise AuthorizationLost(
                    "QuickBooks refused access to the company: the app is no longer authorized"
                    f" ({description})."
                )
            if status == 429 or codes & THROTTLE_FAULTS:
                wait = parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
                wait = THROTTLE_WINDOW if wait is None else wait
                log.info("quickbooks rate limited", retry_after=wait)
                await retries.rate_limited(
                    wait, f"QuickBooks's rate limit was reached; it asks to retry after {wait:.0f} s."
                )
                continue
            if status >= 500:
                await retries.server_failed(
                    f"QuickBooks answered HTTP {status} {retries.max_server_retries + 1} times."
                )
                continue
            if status >= 400 or codes:
                raise QuickBooksFault(status, codes, description, _errors(answer))
            if answer is None:
                raise PlatformFailed(f"QuickBooks answered {path} with a body that is not JSON.")
            return answer


class QuickBooksFault(PlatformFailed):
    """QuickBooks refused the request with a `Fault` other than authorization or throttling: a query it
    could not parse (a pull fails), or a write its books refuse (a push turns the `Error` items into Codat's
    validation errors). `errors` are Intuit's items (`Message`, `Detail`, `code`, `element`)."""

    def __init__(self, status: int, codes: set[str], description: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"QuickBooks refused the request (HTTP {status}: {description}).")
        self.status = status
        self.codes = codes
        self.errors = errors


def timestamp(moment: datetime) -> str:
    """A moment as Intuit's query language and CDC take it: ISO-8601 with an offset, whole seconds (rounded
    down, so a record changed within the second is read again rather than missed)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _errors(body: dict[str, Any] | None) -> list[dict[str, Any]]:
    fault = (body or {}).get("Fault") or (body or {}).get("fault")
    errors = (fault.get("Error") or fault.get("error") or []) if isinstance(fault, dict) else []
    return [e for e in errors if isinstance(e, dict)]


def _fault(body: dict[str, Any] | None) -> tuple[set[str], str]:
    """The error codes of a `Fault` (Intuit writes `Fault`/`Error`; some gateways lower-case them), and a
    description of it for the pull's status."""
    fault = (body or {}).get("Fault") or (body or {}).get("fault")
    if not isinstance(fault, dict):
        return set(), "no fault given"
    errors = fault.get("Error") or fault.get("error") or []
    codes = {str(e.get("code")).lstrip("0") for e in errors if isinstance(e, dict) and e.get("code")}
    messages = [
        "; ".join(str(part) for part in (e.get("Message") or e.get("message"), e.get("Detail")) if part)
        for e in errors
        if isinstance(e, dict)
    ]
    return codes, " | ".join(m for m in messages if m) or str(fault.get("type") or "fault")
