"""A stateful fake of Xero: OAuth2 (the real Authlib server of `support/oauth_server.py`, rotating refresh
tokens), the identity API's `/connections`, and the Accounting API's read endpoints the connector uses.

It keeps organisations (tenants) with their records and modification times, seeded from the examples in
Xero's own OpenAPI spec; honours `If-Modified-Since`, paging, `includeArchived` and `offset`; computes the
BalanceSheet and ProfitAndLoss reports from its journals; rate-limits like Xero (429 with `Retry-After` and
`X-Rate-Limit-Problem`, `X-MinLimit-Remaining` / `X-DayLimit-Remaining` on every answer); and checks bearer
tokens against what its authorization server issued, on a clock the tests can advance.

Every request and every response is validated with openapi-core against `xero_accounting.yaml` or
`xero-identity.yaml` (loaded once per test session); a violation is kept in `violations` (tests assert
there is none) and answered with a 500, so it cannot pass unnoticed.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support import specs
from tests.support.fakes.common import FakeClock, describe_violation
from tests.support.fakes.xero_books import (
    WRITE_SCOPES,
    Books,
    Invalid,
    day_date,
    error_body,
    ms_date,
    parse_ms_date,
)

# Tests build Xero's dates with these, from here.
__all__ = ["XeroFake", "day_date", "ms_date", "seed_records", "serving", "spec_example"]
from tests.support.oauth_server import USER, OAuthTestServer
from tests.support.server import RunningServer, own_server

if TYPE_CHECKING:
    from ledgerlink.connectors.xero.connector import XeroConnector

SPECS = specs.XERO
API_HOST = "https://api.xero.com"
API_PREFIX = "/api.xro/2.0"
READ_SCOPES = (
    "openid profile email offline_access accounting.settings.read accounting.contacts.read "
    "accounting.transactions.read accounting.journals.read accounting.reports.read"
)
# What the app may ask for: the read scopes and the write ones (each write scope includes its `.read`).
SCOPES = READ_SCOPES + " accounting.settings accounting.contacts accounting.transactions"


@dataclass(frozen=True)
class Collection:
    id_key: str
    # How the endpoint pages: "page" (page/pageSize), "offset" (journals), or None (whole list).
    paging: str | None = "page"
    # The record's modification time, for If-Modified-Since (None: the endpoint ignores it).
    modified_key: str | None = "UpdatedDateUTC"
    # Status values the endpoint hides unless `includeArchived=true`.
    archived: tuple[str, ...] = ()
    status_key: str = "Status"


COLLECTIONS: dict[str, Collection] = {
    "Accounts": Collection("AccountID", paging=None),
    "Contacts": Collection("ContactID", archived=("ARCHIVED",), status_key="ContactStatus"),
    "Invoices": Collection("InvoiceID"),
    "CreditNotes": Collection("CreditNoteID"),
    "Payments": Collection("PaymentID"),
    "BankTransactions": Collection("BankTransactionID"),
    "BankTransfers": Collection("BankTransferID", paging=None, modified_key="CreatedDateUTC"),
    "PurchaseOrders": Collection("PurchaseOrderID"),
    "ManualJournals": Collection("ManualJournalID"),
    "Journals": Collection("JournalID", paging="offset", modified_key="CreatedDateUTC"),
    "Items": Collection("ItemID", paging=None),
    "TaxRates": Collection("TaxType", paging=None, modified_key=None),
    "TrackingCategories": Collection(
        "TrackingCategoryID", paging=None, modified_key=None, archived=("ARCHIVED",)
    ),
    "Organisations": Collection("OrganisationID", paging=None, modified_key=None),
}
# The API path of each collection (Organisations is read at /Organisation).
PATHS = {**{name: name for name in COLLECTIONS}, "Organisations": "Organisation"}
JOURNALS_PER_CALL = 100
MINUTE_LIMIT = 60
DAY_LIMIT = 5000


# ------------------------------------------------------------------------------------------------ specs
@cache
def _spec_documents() -> tuple[dict[str, Any], dict[str, Any]]:
    """Xero's Accounting and identity specs, parsed once per test session (the first is ~1 MB of YAML)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    accounting = yaml.load((SPECS / "xero_accounting.yaml").read_text(), Loader=loader)
    identity = yaml.load((SPECS / "xero-identity.yaml").read_text(), Loader=loader)
    return accounting, identity


@cache
def validators() -> tuple[Any, Any]:
    """openapi-core apps of both specs. Xero's spec does not pass openapi-spec-validator itself (string
    defaults such as `default: 'false'` on booleans), so the spec check is skipped; validation of requests
    and responses against it is what matters here."""
    from openapi_core import Config, OpenAPI

    accounting, identity = _spec_documents()
    config = Config(spec_validator_cls=None)
    return OpenAPI.from_dict(accounting, config=config), OpenAPI.from_dict(identity, config=config)


def spec_example(path: str) -> dict[str, Any]:
    """The example of the 200 response of `GET path` in Xero's Accounting spec, as the JSON it stands for."""
    accounting, _ = _spec_documents()
    content = accounting["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    return _as_json(copy.deepcopy(content["example"]))


def _as_json(node: Any) -> Any:
    """YAML reads the examples' unquoted `2018-10-20 00:00:00` (Xero's `DateString`) as a datetime: give
    back the text Xero sends."""
    if isinstance(node, dict):
        return {key: _as_json(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_as_json(value) for value in node]
    if isinstance(node, datetime):
        text = node.strftime("%Y-%m-%d %H:%M:%S")
        return text + "+00:00" if node.tzinfo else text
    if isinstance(node, date):
        return node.isoformat()
    return node


def seed_records() -> dict[str, list[dict[str, Any]]]:
    """Every collection's records as the spec's examples give them."""
    seeds: dict[str, list[dict[str, Any]]] = {}
    for name in COLLECTIONS:
        example = spec_example("/" + PATHS[name])
        seeds[name] = example.get(name) or []
    for payment in seeds["Payments"]:
        # The spec's own Payments example breaks its schema (a batch payment's `TotalAmount: "50.00"` and
        # `IsReconciled: "false"` are strings where numbers and booleans are declared): drop the batch.
        payment.pop("BatchPayment", None)
        payment.pop("BatchPaymentID", None)
    return seeds


def _month_end(day: date) -> date:
    first_next = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


# ---------------------------------------------------------------------------------------------- tenants
@dataclass
class Tenant:
    tenant_id: str
    name: str
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    # Rate-limit state: call times in the last minute, calls today.
    minute_calls: list[float] = field(default_factory=list)
    day_calls: int = 0
    blocked_until: float = 0.0
    # Xero's idempotency: the first answer (status, body) to a write under each `Idempotency-Key`.
    answered: dict[str, tuple[int, Any]] = field(default_factory=dict)


@dataclass
class GrantConnection:
    id: str
    tenant_id: str
    auth_event_id: str
    created: float
    updated: float


DEMO_TENANT_ID = "fe79f7dd-b6d4-4a92-ba7b-538af6289c58"
# The collections the Accounting API writes to (PUT creates, POST `/{id}` updates or deletes by status).
WRITABLE = (
    "Accounts",
    "Contacts",
    "Invoices",
    "CreditNotes",
    "Payments",
    "ManualJournals",
    "Items",
    "BankTransfers",
    "BankTransactions",
    "PurchaseOrders",
)


class XeroFake(FakeClock, OAuthTestServer):
    """`start()`/`stop()`; `urls` for the connector; `tenant()` for the records; `advance()` moves its
    clock."""

    def __init__(
        self, client_id: str, client_secret: str, redirect_uri: str, *, consent_page: bool = False
    ) -> None:
        # Xero's access tokens live 30 minutes.
        super().__init__(
            client_id, client_secret, redirect_uri, access_token_lifetime=1800, consent_page=consent_page
        )
        self.clients[client_id].scope = SCOPES
        self.server.scopes_supported = SCOPES.split()
        self.offset = 0.0
        self.lock = threading.Lock()
        self.tenants: dict[str, Tenant] = {}
        self.grant: list[GrantConnection] = []
        # Which tenants the next consent connects (the business's choice on Xero's page): the first by
        # default.
        self.consent_tenants: list[str] = []
        self.auth_event: str | None = None
        self.violations: list[str] = []
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []
        # Rate limiting: scripted 429s (`storm`), and whether Xero's per-minute limit is enforced.
        self.storm: list[tuple[str, float]] = []
        self.enforce_minute_limit = False
        self.failures: list[int] = []
        self.reset()
        self._install_jwt_tokens()

    # ---------------------------------------------------------------------------------------- control
    def reset_limits(self) -> None:
        """A new day: no calls counted, nothing blocked, no scripted 429s or failures."""
        with self.lock:
            self.storm.clear()
            self.failures.clear()
            for tenant in self.tenants.values():
                tenant.minute_calls.clear()
                tenant.day_calls = 0
                tenant.blocked_until = 0.0

    def reset(self) -> None:
        """Back to the one demo organisation with its seeded records, no requests logged and no limits or
        failures scripted: tests sharing the fake each start from here, whatever the tests before did."""
        with self.lock:
            self.tenants.clear()
            self.consent_tenants = []
            self.requests.clear()
        self.reset_limits()
        demo = self.add_tenant("Demo Company (NZ)", tenant_id=DEMO_TENANT_ID)
        for name, records in seed_records().items():
            for record in records:
                demo.records[name][record[COLLECTIONS[name].id_key]] = copy.deepcopy(record)

    def add_tenant(self, name: str, tenant_id: str | None = None) -> Tenant:
        tenant = Tenant(tenant_id or str(uuid.uuid4()), name)
        self.tenants[tenant.tenant_id] = tenant
        return tenant

    def tenant(self, tenant_id: str | None = None) -> Tenant:
        return self.tenants[tenant_id] if tenant_id else next(iter(self.tenants.values()))

    def put(self, collection: str, record: dict[str, Any], tenant_id: str | None = None) -> dict[str, Any]:
        """Create or replace a record, stamped as modified now (as Xero stamps `UpdatedDateUTC`)."""
        spec = COLLECTIONS[collection]
        stored = copy.deepcopy(record)
        if spec.modified_key:
            stored[spec.modified_key] = ms_date(time.time())
        with self.lock:
            self.tenant(tenant_id).records[collection][stored[spec.id_key]] = stored
        return stored

    def update(
        self, collection: str, record_id: str, tenant_id: str | None = None, **changes: Any
    ) -> dict[str, Any]:
        current = self.tenant(tenant_id).records[collection][record_id]
        return self.put(collection, {**current, **changes}, tenant_id)

    def _install_jwt_tokens(self) -> None:
        """Access tokens shaped like Xero's: a JWT whose claims carry the consent's
        `authentication_event_id`."""
        from authlib.oauth2.rfc6750 import BearerTokenGenerator

        def access_token(**_: Any) -> str:
            def part(value: dict[str, Any]) -> str:
                return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

            claims = {"authentication_event_id": self.auth_event, "jti": uuid.uuid4().hex}
            return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.{uuid.uuid4().hex}"

        self.server.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=access_token,
                refresh_token_generator=lambda **_: "rt-" + uuid.uuid4().hex,
                expires_generator=lambda client, grant_type: self.access_token_lifetime,
            ),
        )

    # ----------------------------------------------------------------------------------------- OAuth
    async def _authorize(self, request: Request) -> Response:
        response = await super()._authorize(request)
        if response.status_code == 302 and "code=" in response.headers.get("location", ""):
            self._connect_tenants()
        return response

    def _connect_tenants(self) -> None:
        """A consent connects the chosen tenants to the grant, under a new authentication event."""
        self.auth_event = str(uuid.uuid4())
        chosen = self.consent_tenants or [next(iter(self.tenants))]
        now = self.now()
        for tenant_id in chosen:
            existing = next((c for c in self.grant if c.tenant_id == tenant_id), None)
            if existing:
                existing.updated, existing.auth_event_id = now, self.auth_event
            else:
                self.grant.append(GrantConnection(str(uuid.uuid4()), tenant_id, self.auth_event, now, now))

    async def _token(self, request: Request) -> Response:
        response = await super()._token(request)
        if response.status_code == 200 and self.tokens:
            # Issued on this fake's clock, so `advance()` ages tokens as it ages everything else.
            self.tokens[-1].issued_at = self.now()
        return response

    def _bearer(self, request: Request) -> bool:
        return self._token_of(request) is not None

    def _token_of(self, request: Request) -> Any:
        """The live token the request presents, or None."""
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return None
        presented = header[len("Bearer ") :]
        for token in self.tokens:
            if token.access_token == presented:
                live = not token.revoked and self.now() < token.issued_at + token.expires_in
                return token if live else None
        return None

    def revoke_grant(self, user: str = USER) -> None:
        super().revoke_grant(user)
        self.grant.clear()

    # ---------------------------------------------------------------------------------------- routes
    def routes(self) -> list[Route]:
        return [
            *super().routes(),
            Route("/connections", self._connections, methods=["GET"]),
            Route("/Connections", self._connections, methods=["GET"]),
            Route(API_PREFIX + "/Reports/{report}", self._report, methods=["GET"]),
            Route(API_PREFIX + "/{endpoint}", self._list, methods=["GET"]),
            Route(API_PREFIX + "/{endpoint}", self._write, methods=["PUT", "POST"]),
            Route(API_PREFIX + "/{endpoint}/{record_id}", self._one, methods=["GET"]),
            Route(API_PREFIX + "/{endpoint}/{record_id}", self._write, methods=["POST"]),
        ]

    @property
    def identity_url(self) -> str:
        return self.base_url

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    def connector(self, client_id: str, client_secret: str, **options: Any) -> XeroConnector:
        """A Xero connector pointed at this fake as the app `client_id`, sleeping on the fake's clock
        (`options`: the connector's own, such as a small `page_size`)."""
        from ledgerlink.connectors.authorization import OAuthClientCredentials
        from ledgerlink.connectors.xero.connector import XeroConnector, XeroUrls

        urls = XeroUrls(
            authorize=self.authorize_url, token=self.token_url, identity=self.identity_url, api=self.api_url
        )
        credentials = OAuthClientCredentials(client_id=client_id, client_secret=client_secret)
        return XeroConnector(urls, client=credentials, sleep=self.sleep, **options)

    def server_environment(self, client_id: str, client_secret: str) -> dict[str, str]:
        """What a `ledgerlink serve` needs to reach this fake as Xero, as the app `client_id`."""
        return {
            "LEDGERLINK_OAUTH_GBOL_CLIENT_ID": client_id,
            "LEDGERLINK_OAUTH_GBOL_CLIENT_SECRET": client_secret,
            "LEDGERLINK_XERO_AUTHORIZE_URL": self.authorize_url,
            "LEDGERLINK_XERO_TOKEN_URL": self.token_url,
            "LEDGERLINK_XERO_IDENTITY_URL": self.identity_url,
            "LEDGERLINK_XERO_API_URL": self.api_url,
        }

    async def _connections(self, request: Request) -> Response:
        if not self._bearer(request):
            return self._answer(request, "identity", "/Connections", 401, None)
        event = request.query_params.get("authEventId")
        body = [
            {
                "id": c.id,
                "authEventId": c.auth_event_id,
                "tenantId": c.tenant_id,
                "tenantType": "ORGANISATION",
                "tenantName": self.tenants[c.tenant_id].name,
                "createdDateUtc": _iso(c.created),
                "updatedDateUtc": _iso(c.updated),
            }
            for c in self.grant
            if event is None or c.auth_event_id == event
        ]
        return self._answer(request, "identity", "/Connections", 200, body)

    def _admit(self, request: Request, raw: bytes | None = None) -> tuple[Tenant | None, Response | None]:
        """Authentication, the tenant header and Xero's rate limits, before any endpoint answers."""
        path = request.url.path
        if not self._bearer(request):
            return None, self._answer(request, "accounting", path, 401, None, raw)
        tenant = self.tenants.get(request.headers.get("xero-tenant-id", ""))
        if tenant is None or not any(c.tenant_id == tenant.tenant_id for c in self.grant):
            return None, self._answer(request, "accounting", path, 403, None, raw)
        now = self.now()
        with self.lock:
            if self.failures:
                return None, self._answer(request, "accounting", path, self.failures.pop(0), None, raw)
            if now < tenant.blocked_until:
                # Too early: Xero refuses again, telling how long is left.
                wait = tenant.blocked_until - now
                return None, self._limited(request, tenant, "minute", wait, raw)
            if self.storm:
                problem, wait = self.storm.pop(0)
                tenant.blocked_until = now + wait
                return None, self._limited(request, tenant, problem, wait, raw)
            tenant.minute_calls = [t for t in tenant.minute_calls if t > now - 60]
            if self.enforce_minute_limit and len(tenant.minute_calls) >= MINUTE_LIMIT:
                wait = tenant.minute_calls[0] + 60 - now
                tenant.blocked_until = now + wait
                return None, self._limited(request, tenant, "minute", wait, raw)
            if tenant.day_calls >= DAY_LIMIT:
                return None, self._limited(request, tenant, "day", 3600 * 12, raw)
            tenant.minute_calls.append(now)
            tenant.day_calls += 1
        return tenant, None

    def _limited(
        self, request: Request, tenant: Tenant, problem: str, wait: float, raw: bytes | None = None
    ) -> Response:
        response = self._answer(request, "accounting", request.url.path, 429, None, raw)
        response.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
        response.headers["X-Rate-Limit-Problem"] = problem
        return response

    def _limits(self, tenant: Tenant, response: Response) -> Response:
        now = self.now()
        used = len([t for t in tenant.minute_calls if t > now - 60])
        response.headers["X-MinLimit-Remaining"] = str(max(0, MINUTE_LIMIT - used))
        response.headers["X-DayLimit-Remaining"] = str(max(0, DAY_LIMIT - tenant.day_calls))
        response.headers["X-AppMinLimit-Remaining"] = "9999"
        return response

    async def _list(self, request: Request) -> Response:
        endpoint = request.path_params["endpoint"]
        collection = "Organisations" if endpoint == "Organisation" else endpoint
        spec = COLLECTIONS.get(collection)
        if spec is None:
            return self._answer(request, "accounting", request.url.path, 404, None)
        tenant, refused = self._admit(request)
        if refused is not None:
            return refused
        assert tenant is not None
        query = request.query_params
        with self.lock:
            records = [copy.deepcopy(r) for r in tenant.records[collection].values()]
        since = _if_modified_since(request)
        if since is not None and spec.modified_key:
            records = [
                r for r in records if r.get(spec.modified_key) and parse_ms_date(r[spec.modified_key]) > since
            ]
        if spec.archived and query.get("includeArchived", "").lower() != "true":
            records = [r for r in records if r.get(spec.status_key) not in spec.archived]
        body: dict[str, Any] = {
            "Id": str(uuid.uuid4()),
            "Status": "OK",
            "ProviderName": "ledgerlink tests",
            "DateTimeUTC": ms_date(self.now()),
        }
        if spec.paging == "offset":
            offset = int(query.get("offset") or 0)
            records = sorted(
                (r for r in records if r["JournalNumber"] > offset), key=lambda r: r["JournalNumber"]
            )
            body[collection] = records[:JOURNALS_PER_CALL]
        elif spec.paging == "page" and query.get("page"):
            page, size = int(query["page"]), int(query.get("pageSize") or 100)
            records.sort(key=lambda r: r[spec.id_key])
            body[collection] = records[(page - 1) * size : page * size]
            body["pagination"] = {
                "page": page,
                "pageSize": size,
                "pageCount": max(1, -(-len(records) // size)),
                "itemCount": len(records),
            }
        else:
            body[collection] = records
        return self._limits(tenant, self._answer(request, "accounting", request.url.path, 200, body))

    # ---------------------------------------------------------------------------------------- writes
    async def _one(self, request: Request) -> Response:
        """`GET /{endpoint}/{id}`: the one record, as a list of one (404 when there is none)."""
        endpoint, record_id = request.path_params["endpoint"], request.path_params["record_id"]
        if endpoint not in WRITABLE:
            return self._answer(request, "accounting", request.url.path, 404, None)
        tenant, refused = self._admit(request)
        if refused is not None:
            return refused
        assert tenant is not None
        with self.lock:
            record = copy.deepcopy(tenant.records[endpoint].get(record_id))
        if record is None:
            return self._limits(tenant, self._answer(request, "accounting", request.url.path, 404, None))
        body = {**self._envelope(), endpoint: [record]}
        return self._limits(tenant, self._answer(request, "accounting", request.url.path, 200, body))

    async def _write(self, request: Request) -> Response:
        """PUT (create) and POST (update, or delete by status) of the writable endpoints, as Xero: the write
        scope checked, the first answer under an `Idempotency-Key` replayed, Xero's validation as 400s."""
        endpoint = request.path_params["endpoint"]
        record_id = request.path_params.get("record_id")
        path = request.url.path
        raw = await request.body()
        if endpoint not in WRITABLE or (record_id is None and request.method == "POST"):
            return self._answer(request, "accounting", path, 404, None, raw)
        tenant, refused = self._admit(request, raw)
        if refused is not None:
            return refused
        assert tenant is not None
        token = self._token_of(request)
        if WRITE_SCOPES.get(endpoint, "accounting.transactions") not in (token.scope or "").split():
            response = self._answer(request, "accounting", path, 401, None, raw)
            response.headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
            return response
        key = request.headers.get("idempotency-key")
        with self.lock:
            if key and key in tenant.answered:
                status, body = tenant.answered[key]
            else:
                status, body = self._written(tenant, endpoint, record_id, json.loads(raw or b"{}"))
                if key and status in (200, 400):
                    tenant.answered[key] = (status, body)
        return self._limits(tenant, self._answer(request, "accounting", path, status, body, raw))

    def _written(
        self, tenant: Tenant, endpoint: str, record_id: str | None, body: dict[str, Any]
    ) -> tuple[int, Any]:
        """What Xero answers a write (the tenant's lock held)."""
        organisation = next(iter(tenant.records["Organisations"].values()), {})
        books = Books(tenant.records, time.time(), organisation.get("BaseCurrency"))
        try:
            if endpoint == "Payments" and record_id is not None:
                if body.get("Status") != "DELETED":
                    raise Invalid("A payment can only be deleted (Status DELETED), not changed.")
                records = [books.delete_payment(record_id)]
            elif endpoint == "Accounts" and record_id is None:
                records = [books.write(endpoint, body)]
            else:
                records = [books.write(endpoint, given, record_id) for given in body.get(endpoint) or []]
        except Invalid as invalid:
            return 400, error_body(invalid.messages)
        except KeyError:
            return 404, None
        return 200, {**self._envelope(), endpoint: records}

    def _envelope(self) -> dict[str, Any]:
        return {
            "Id": str(uuid.uuid4()),
            "Status": "OK",
            "ProviderName": "ledgerlink tests",
            "DateTimeUTC": ms_date(self.now()),
        }

    # --------------------------------------------------------------------------------------- reports
    async def _report(self, request: Request) -> Response:
        report = request.path_params["report"]
        if report not in ("BalanceSheet", "ProfitAndLoss"):
            return self._answer(request, "accounting", request.url.path, 404, None)
        tenant, refused = self._admit(request)
        if refused is not None:
            return refused
        assert tenant is not None
        query = request.query_params
        periods = int(query.get("periods") or 0)
        with self.lock:
            journals = list(tenant.records["Journals"].values())
            cards = {
                a["AccountID"]
                for a in tenant.records["Accounts"].values()
                if a.get("Type") == "BANK" and a.get("BankAccountType") == "CREDITCARD"
            }
        # Xero reports credit card accounts (a loan's account among them) as current liabilities.
        lines = [
            (
                datetime.fromtimestamp(parse_ms_date(j["JournalDate"]), UTC).date(),
                {**line, "AccountType": "CURRLIAB"} if line.get("AccountID") in cards else line,
            )
            for j in journals
            for line in j.get("JournalLines") or []
        ]
        if report == "BalanceSheet":
            as_at = date.fromisoformat(query.get("date") or _month_end(date.today()).isoformat())
            ends = [as_at] + [_month_end(_months_back(as_at, back)) for back in range(1, periods + 1)]
            rows = _balance_sheet_rows(lines, ends)
            titles = ["Balance Sheet", tenant.name, f"As at {as_at:%d %B %Y}"]
        else:
            start = date.fromisoformat(query["fromDate"])
            end = date.fromisoformat(query["toDate"])
            ranges = [(start, end)] + [
                (_months_back(start, back), _month_end(_months_back(start, back)))
                for back in range(1, periods + 1)
            ]
            rows = _profit_and_loss_rows(lines, ranges)
            titles = ["Profit and Loss", tenant.name, f"{start:%d %B %Y} to {end:%d %B %Y}"]
        body = {
            "Id": str(uuid.uuid4()),
            "Status": "OK",
            "ProviderName": "ledgerlink tests",
            "DateTimeUTC": ms_date(self.now()),
            "Reports": [
                {
                    "ReportName": "Balance Sheet" if report == "BalanceSheet" else "Profit and Loss",
                    "ReportType": report,
                    "ReportTitles": titles,
                    "ReportDate": f"{datetime.fromtimestamp(self.now(), UTC):%d %B %Y}",
                    "UpdatedDateUTC": ms_date(self.now()),
                    "Fields": [],
                    "Rows": rows,
                }
            ],
        }
        return self._limits(tenant, self._answer(request, "accounting", request.url.path, 200, body))

    # ------------------------------------------------------------------------------------ validation
    def _answer(
        self, request: Request, spec: str, path: str, status: int, body: Any, raw: bytes | None = None
    ) -> Response:
        """The response, after checking the request (with its body, `raw`, for a write) and the response
        (a 200's or a 400's body) against Xero's spec."""
        from openapi_core.exceptions import OpenAPIError
        from openapi_core.testing import MockRequest, MockResponse

        accounting, identity = validators()
        app = accounting if spec == "accounting" else identity
        spec_path = path if spec == "accounting" else "/Connections"
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = dict(request.query_params)
        self.requests.append((path, query, headers))
        method = request.method.lower()
        mock_request = MockRequest(
            API_HOST, method, spec_path, args=query, headers=headers, data=raw if method != "get" else None
        )
        content = json.dumps(body).encode() if body is not None else b""
        problems = []
        try:
            app.validate_request(mock_request)
        except OpenAPIError as error:
            problems.append(f"request {request.method} {path}: {describe_violation(error)}")
        if status in (200, 400) and body is not None:
            try:
                app.validate_response(mock_request, MockResponse(content, status_code=status))
            except OpenAPIError as error:
                problems.append(f"response {request.method} {path}: {describe_violation(error)}")
        if problems:
            self.violations.extend(problems)
            return JSONResponse(
                {"Type": "ValidationException", "Message": "; ".join(problems)}, status_code=500
            )
        if body is None:
            return Response(status_code=status)
        return Response(content, status_code=status, media_type="application/json")


def _iso(moment: float) -> str:
    # The spec declares `date-time` (its example omits the zone, as Xero does; a validator insists on one).
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def _if_modified_since(request: Request) -> float | None:
    value = request.headers.get("if-modified-since")
    if not value:
        return None
    return datetime.fromisoformat(value).timestamp()


# ----------------------------------------------------------------------------------- report layouts
BALANCE_SHEET_LAYOUT = (
    ("Assets", None, ()),
    ("Bank", "Assets", ("BANK",)),
    ("Current Assets", "Assets", ("CURRENT", "INVENTORY", "PREPAYMENT")),
    ("Fixed Assets", "Assets", ("FIXED",)),
    ("Non-current Assets", "Assets", ("NONCURRENT",)),
    ("Liabilities", None, ()),
    ("Current Liabilities", "Liabilities", ("CURRLIAB",)),
    ("Non-current Liabilities", "Liabilities", ("TERMLIAB", "LIABILITY")),
)
PROFIT_AND_LOSS_LAYOUT = (
    ("Income", ("REVENUE", "SALES"), -1),
    ("Less Cost of Sales", ("DIRECTCOSTS",), 1),
    ("Plus Other Income", ("OTHERINCOME",), -1),
    ("Less Operating Expenses", ("EXPENSE", "OVERHEADS", "DEPRECIATN"), 1),
)
PROFIT_AND_LOSS_TYPES = {t for _, types, _ in PROFIT_AND_LOSS_LAYOUT for t in types}


def _money(value: float) -> str:
    return f"{value:.2f}"


def _account_cell(value: str, account_id: str | None) -> dict[str, Any]:
    cell: dict[str, Any] = {"Value": value}
    if account_id:
        cell["Attributes"] = [{"Value": account_id, "Id": "account"}]
    return cell


def _account_rows(totals: dict[tuple[str, str], list[float]]) -> list[dict[str, Any]]:
    return [
        {
            "RowType": "Row",
            "Cells": [_account_cell(name, account_id)]
            + [_account_cell(_money(v), account_id) for v in values],
        }
        for (account_id, name), values in sorted(totals.items(), key=lambda item: item[0][1])
    ]


def _summary(label: str, values: list[float]) -> dict[str, Any]:
    return {"RowType": "SummaryRow", "Cells": [{"Value": label}] + [{"Value": _money(v)} for v in values]}


def _header(labels: list[str]) -> dict[str, Any]:
    return {"RowType": "Header", "Cells": [{"Value": ""}] + [{"Value": label} for label in labels]}


def _balance_sheet_rows(lines: list[tuple[date, dict[str, Any]]], ends: list[date]) -> list[dict[str, Any]]:
    def totals(types: tuple[str, ...], sign: int) -> dict[tuple[str, str], list[float]]:
        found: dict[tuple[str, str], list[float]] = {}
        for day, line in lines:
            if line.get("AccountType") not in types:
                continue
            values = found.setdefault((line["AccountID"], line.get("AccountName") or ""), [0.0] * len(ends))
            for column, end in enumerate(ends):
                if day <= end:
                    values[column] += sign * float(line.get("NetAmount") or 0)
        return found

    rows = [_header([f"{end:%d %b %Y}" for end in ends])]
    part_totals = {"Assets": [0.0] * len(ends), "Liabilities": [0.0] * len(ends)}
    for title, part, types in BALANCE_SHEET_LAYOUT:
        if part is None:
            if title == "Liabilities":
                rows.append(
                    {
                        "RowType": "Section",
                        "Title": "",
                        "Rows": [_summary("Total Assets", part_totals["Assets"])],
                    }
                )
            rows.append({"RowType": "Section", "Title": title, "Rows": []})
            continue
        found = totals(types, 1 if part == "Assets" else -1)
        if not found:
            continue
        section_total = [sum(values[c] for values in found.values()) for c in range(len(ends))]
        part_totals[part] = [a + b for a, b in zip(part_totals[part], section_total, strict=True)]
        rows.append(
            {
                "RowType": "Section",
                "Title": title,
                "Rows": [*_account_rows(found), _summary(f"Total {title}", section_total)],
            }
        )
    rows.append(
        {
            "RowType": "Section",
            "Title": "",
            "Rows": [_summary("Total Liabilities", part_totals["Liabilities"])],
        }
    )
    net = [a - b for a, b in zip(part_totals["Assets"], part_totals["Liabilities"], strict=True)]
    rows.append(
        {
            "RowType": "Section",
            "Title": "",
            "Rows": [
                {"RowType": "Row", "Cells": [{"Value": "Net Assets"}] + [{"Value": _money(v)} for v in net]}
            ],
        }
    )
    equity = totals(("EQUITY",), -1)
    earnings = [0.0] * len(ends)
    for day, line in lines:
        if line.get("AccountType") in PROFIT_AND_LOSS_TYPES:
            for column, end in enumerate(ends):
                if day <= end:
                    earnings[column] -= float(line.get("NetAmount") or 0)
    equity_rows = [
        *_account_rows(equity),
        {
            "RowType": "Row",
            "Cells": [{"Value": "Current Year Earnings"}] + [{"Value": _money(v)} for v in earnings],
        },
    ]
    equity_total = [earnings[c] + sum(values[c] for values in equity.values()) for c in range(len(ends))]
    rows.append(
        {
            "RowType": "Section",
            "Title": "Equity",
            "Rows": [*equity_rows, _summary("Total Equity", equity_total)],
        }
    )
    return rows


def _profit_and_loss_rows(
    lines: list[tuple[date, dict[str, Any]]], ranges: list[tuple[date, date]]
) -> list[dict[str, Any]]:
    rows = [_header([f"{end:%b %y}" for _, end in ranges])]
    net = [0.0] * len(ranges)
    for title, types, sign in PROFIT_AND_LOSS_LAYOUT:
        found: dict[tuple[str, str], list[float]] = {}
        for day, line in lines:
            if line.get("AccountType") not in types:
                continue
            values = found.setdefault((line["AccountID"], line.get("AccountName") or ""), [0.0] * len(ranges))
            for column, (start, end) in enumerate(ranges):
                if start <= day <= end:
                    values[column] += sign * float(line.get("NetAmount") or 0)
        if not found:
            continue
        total = [sum(values[c] for values in found.values()) for c in range(len(ranges))]
        net = [n - sign * t for n, t in zip(net, total, strict=True)]
        rows.append(
            {
                "RowType": "Section",
                "Title": title,
                "Rows": [*_account_rows(found), _summary(f"Total {title.split(' ', 1)[-1]}", total)],
            }
        )
    rows.append(
        {
            "RowType": "Section",
            "Title": "",
            "Rows": [
                {"RowType": "Row", "Cells": [{"Value": "Net Profit"}] + [{"Value": _money(v)} for v in net]}
            ],
        }
    )
    return rows


@contextmanager
def serving(
    fake: XeroFake,
    postgres: str,
    directory: Path,
    database: str,
    *,
    client_id: str,
    client_secret: str,
    api_key: str,
) -> Iterator[RunningServer]:
    """A server of a module's own whose Xero is `fake` (as the app `client_id`), the app's redirect its Link
    callback: a connection's `linkUrl` then links Xero at once (the fake consents)."""
    env = fake.server_environment(client_id, client_secret)
    with own_server(postgres, directory, database, api_key=api_key, env=env) as running:
        fake.clients[client_id].redirect_uris[:] = [running.base_url + "/link/oauth/callback"]
        yield running
