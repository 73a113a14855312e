"""A connector made from a declaration (`spec.ConnectorSpec`): authorization, pagination, incremental
reads and field mapping as the file says, over one httpx client with bounded retries.

Retries: a 429 waits for `Retry-After` (or a short backoff) up to `RATE_LIMIT_PATIENCE` seconds in all, then
the pull ends `RateLimitError`; 5xx answers and network errors retry `ATTEMPTS` times with backoff, then the
pull ends `FetchError`; 401 and 403 mean the credentials no longer open the platform (`AuthError`, the
connection Deauthorized); an answer that is not the JSON the declaration describes ends the pull
`FetchError` with what was wrong. Nothing is stored from a pull that fails.

Every connection (the API's and the token endpoint's, whose URL a credential may fill in) goes through
`kit.outbound`'s vetting transport: an address the operator's `LEDGERLINK_OUTBOUND_ALLOW` does not open
ends the request at once, with the reason, and is not retried.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from ledgerlink.config import get_settings
from ledgerlink.connectors.base import (
    AuthorizationLost,
    AuthorizationRejected,
    Batch,
    Branding,
    Connector,
    ConnectorInfo,
    CredentialField,
    DataTypeNotSupported,
    FetchRequest,
    PlatformFailed,
    RateLimitExceeded,
)
from ledgerlink.connectors.declared import mapping
from ledgerlink.connectors.declared.spec import (
    ApiKeyAuth,
    BearerAuth,
    ClientCredentialsAuth,
    ConnectorSpec,
    CursorPagination,
    DeclarationInvalid,
    OffsetPagination,
    PagePagination,
    RecordsSpec,
)
from ledgerlink.kit import outbound
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.kit.http import parse_retry_after

ATTEMPTS = 4
RATE_LIMIT_PATIENCE = 120.0
# A list longer than this many pages is taken for a platform paginating forever.
MAX_PAGES = 100_000
_TEMPLATE = re.compile(r"\{credentials\.([A-Za-z][A-Za-z0-9_]*)\}")


def fill(template: str, credentials: dict[str, Any]) -> str:
    """`"{credentials.apiKey}"` with the stored credential's value."""
    return _TEMPLATE.sub(lambda match: str(credentials.get(match.group(1), "")), template)


class DeclaredConnector(Connector):
    def __init__(
        self,
        spec: ConnectorSpec,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        rules: outbound.OutboundPolicy | None = None,
    ) -> None:
        """`transport` replaces the network (tests); otherwise every connection is vetted by `rules` (by
        default the operator's `LEDGERLINK_OUTBOUND_ALLOW`)."""
        self.spec = spec
        self._transport = transport
        self.rules = rules or outbound.policy(get_settings().outbound_allow)
        try:
            self._builders = {
                key: mapping.compile_fields(records.fields, f"records.{key}.fields")
                for key, records in spec.records.items()
            }
        except mapping.RuleInvalid as invalid:
            raise DeclarationInvalid(f"{spec.key}: {invalid}") from None
        if _TEMPLATE.search(spec.base_url):
            # The base URL is the operator's: a credential (which API clients send) must not choose the host.
            raise DeclarationInvalid(f"{spec.key}: base_url cannot use credentials")
        for template in _templates(spec):
            for name in _TEMPLATE.findall(template):
                if name not in {field.name for field in spec.credentials}:
                    raise DeclarationInvalid(
                        f"{spec.key}: {{credentials.{name}}} names no declared credential"
                    )
        self.info = ConnectorInfo(
            key=spec.key,
            name=spec.name,
            source_type=spec.source_type,
            branding=Branding(spec.branding.mark, spec.branding.background, spec.branding.foreground),
            data_types=tuple(spec.records),
            credential_fields=tuple(
                CredentialField(field.name, field.label, secret=field.secret, hint=field.hint)
                for field in spec.credentials
            ),
        )

    def check_addresses(self) -> None:
        """DeclarationInvalid if the base URL, or a token URL no credential fills in, reaches an address
        the outbound policy refuses (checked on loading; every connection is vetted again)."""
        auth = self.spec.auth
        urls = [self.spec.base_url]
        if isinstance(auth, ClientCredentialsAuth) and not _TEMPLATE.search(auth.token_url):
            urls.append(auth.token_url)
        for url in urls:
            try:
                self.rules.check_url_now(url)
            except outbound.OutboundRefused as refused:
                raise DeclarationInvalid(f"{self.spec.key}: {url} cannot be used: {refused}") from None

    def check_credentials(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """The declared credentials, each a non-empty string; nothing else is kept."""
        kept: dict[str, Any] = {}
        for field in self.spec.credentials:
            value = credentials.get(field.name)
            if not isinstance(value, str) or not value.strip():
                raise AuthorizationRejected(
                    f"{self.spec.name} needs {field.name} ({field.label}), a non-empty string."
                )
            kept[field.name] = value.strip()
        return kept

    async def verify_credentials(self, credentials: dict[str, Any]) -> None:
        if self.spec.verify is None:
            return
        async with self._client(credentials) as client:
            try:
                headers = await self._auth_headers(client, credentials)
                await self._get(client, self.spec.verify, {}, headers)
            except AuthorizationLost:
                raise AuthorizationRejected(f"{self.spec.name} did not accept these credentials.") from None
            except (PlatformFailed, RateLimitExceeded) as failed:
                raise AuthorizationRejected(
                    f"{self.spec.name} could not check these credentials: {failed}"
                ) from None

    async def fetch(self, request: FetchRequest) -> AsyncIterator[Batch]:
        records = self.spec.records.get(request.data_type)
        if records is None:
            raise DataTypeNotSupported(request.data_type)
        build = self._builders[request.data_type]
        async with self._client(request.credentials) as client:
            headers = await self._auth_headers(client, request.credentials)
            async for page in self._pages(client, headers, records, request):
                yield self._batch(page, records, build, request.data_type)

    def _client(self, credentials: dict[str, Any]) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.spec.base_url.rstrip("/"),
            timeout=httpx.Timeout(self.spec.timeout),
            transport=self._network(),
            headers={"accept": "application/json", "user-agent": "ledgerlink"},
        )

    def _network(self) -> httpx.AsyncBaseTransport:
        return self._transport or outbound.vetted_transport(self.rules)

    async def _auth_headers(self, client: httpx.AsyncClient, credentials: dict[str, Any]) -> dict[str, str]:
        auth = self.spec.auth
        if isinstance(auth, BearerAuth):
            return {"authorization": f"Bearer {fill(auth.token, credentials)}"}
        if isinstance(auth, ApiKeyAuth):
            return {auth.header: fill(auth.value, credentials)}
        assert isinstance(auth, ClientCredentialsAuth)
        oauth = AsyncOAuth2Client(
            client_id=fill(auth.client_id, credentials),
            client_secret=fill(auth.client_secret, credentials),
            scope=auth.scope,
            timeout=self.spec.timeout,
            transport=self._network(),
        )
        try:
            token = await oauth.fetch_token(
                fill(auth.token_url, credentials), grant_type="client_credentials"
            )
        except httpx.HTTPError as error:
            raise PlatformFailed(
                f"{self.spec.name}'s token endpoint could not be reached ({_why(error)})."
            ) from None
        except AuthlibBaseError as error:  # OAuthError: the platform refused the client's credentials
            if error.error:
                raise AuthorizationLost(
                    f"{self.spec.name} refused the client credentials ({error.error})."
                ) from None
            raise
        finally:
            await oauth.aclose()
        return {"authorization": f"Bearer {token['access_token']}"}

    async def _pages(
        self, client: httpx.AsyncClient, headers: dict[str, str], records: RecordsSpec, request: FetchRequest
    ) -> AsyncIterator[Any]:
        """The answers to one data type's requests, page after page, as the declaration paginates."""
        params: dict[str, Any] = {}
        if records.incremental and request.since is not None:
            params[records.incremental.param] = iso(request.since, timespec="auto")
        pagination = records.pagination
        if records.single or not isinstance(pagination, PagePagination | CursorPagination | OffsetPagination):
            yield await self._get(client, records.path, params, headers)
            return
        if pagination.size_param:
            params[pagination.size_param] = pagination.size
        page_number = pagination.first_page if isinstance(pagination, PagePagination) else 0
        offset, cursor, seen_cursors = 0, None, set()
        for _ in range(MAX_PAGES):
            if isinstance(pagination, PagePagination):
                params[pagination.page_param] = page_number
            elif isinstance(pagination, OffsetPagination):
                params[pagination.offset_param] = offset
            elif cursor is not None:
                params[pagination.cursor_param] = cursor
            answer = await self._get(client, records.path, params, headers)
            yield answer
            items = _items(answer, records, self.spec.name)
            if isinstance(pagination, CursorPagination):
                cursor = mapping.value_at(answer, pagination.next_cursor)
                if cursor in (None, "", mapping._MISSING) or not items:
                    return
                if cursor in seen_cursors:
                    raise PlatformFailed(
                        f"{self.spec.name} gave the cursor {cursor!r} twice for {records.path}."
                    )
                seen_cursors.add(cursor)
            else:
                if len(items) < pagination.size:
                    return
                page_number += 1
                offset += len(items)
        raise PlatformFailed(f"{self.spec.name} kept paginating {records.path} past {MAX_PAGES} pages.")

    async def _get(
        self, client: httpx.AsyncClient, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> Any:
        waited, failures = 0.0, 0
        while True:
            try:
                response = await client.get(path, params=params, headers=headers)
            except httpx.HTTPError as error:
                failures += 1
                if outbound.refusal_in(error):
                    raise PlatformFailed(
                        f"{self.spec.name} was not called at {path}: {_why(error)}."
                    ) from None
                if failures >= ATTEMPTS:
                    raise PlatformFailed(
                        f"{self.spec.name} could not be reached at {path} ({type(error).__name__})"
                        f" after {failures} attempts."
                    ) from None
                await asyncio.sleep(_backoff(failures))
                continue
            if response.status_code == 429:
                delay = parse_retry_after(
                    response.headers.get("retry-after"), utcnow(), ceiling=RATE_LIMIT_PATIENCE
                )
                delay = _backoff(failures + 1) if delay is None else delay
                if waited + delay > RATE_LIMIT_PATIENCE:
                    raise RateLimitExceeded(
                        f"{self.spec.name}'s rate limit did not clear within {RATE_LIMIT_PATIENCE:.0f} s."
                    )
                waited += delay
                await asyncio.sleep(delay)
                continue
            if response.status_code >= 500:
                failures += 1
                if failures >= ATTEMPTS:
                    raise PlatformFailed(
                        f"{self.spec.name} answered {response.status_code} at {path} {failures} times."
                    )
                await asyncio.sleep(_backoff(failures))
                continue
            if response.status_code in (401, 403):
                raise AuthorizationLost(
                    f"{self.spec.name} refused the connection's credentials ({response.status_code})."
                )
            if response.status_code >= 400:
                raise PlatformFailed(f"{self.spec.name} answered {response.status_code} at {path}.")
            try:
                return response.json()
            except ValueError:
                raise PlatformFailed(
                    f"{self.spec.name} answered {path} with something that is not JSON."
                ) from None

    def _batch(
        self, answer: Any, records: RecordsSpec, build: Callable[[Any], dict[str, Any]], data_type: str
    ) -> Batch:
        items = [answer] if records.single else _items(answer, records, self.spec.name)
        batch = Batch()
        for item in items:
            if not isinstance(item, dict):
                raise PlatformFailed(
                    f"{self.spec.name} listed something that is not an object in {records.path}."
                )
            try:
                record = build(item)
            except mapping.ValueInvalid as invalid:
                raise PlatformFailed(f"{self.spec.name}, {data_type}: {invalid}") from None
            deleted = records.deleted
            if deleted is not None and mapping.value_at(item, deleted.field) in deleted.values:
                if record.get("id") not in (None, ""):
                    batch.deleted_ids.append(str(record["id"]))
                continue
            batch.records.append(record)
        return batch


def _items(answer: Any, records: RecordsSpec, platform: str) -> list[Any]:
    items = mapping.value_at(answer, records.items)
    if not isinstance(items, list):
        where = f"at {records.items!r}" if records.items else ""
        raise PlatformFailed(
            f"{platform} answered {records.path} without a list of records {where}".rstrip() + "."
        )
    return items


def _why(error: httpx.HTTPError) -> str:
    """The outbound policy's reason for a refused connection, else the kind of failure."""
    refusal = outbound.refusal_in(error)
    return str(refusal) if refusal else type(error).__name__


def _backoff(attempt: int) -> float:
    return min(0.25 * 2 ** (attempt - 1), 5.0)


def _templates(spec: ConnectorSpec) -> list[str]:
    auth = spec.auth
    found: list[str] = []
    if isinstance(auth, BearerAuth):
        found.append(auth.token)
    elif isinstance(auth, ApiKeyAuth):
        found.append(auth.value)
    else:
        found += [auth.token_url, auth.client_id, auth.client_secret]
    return found
