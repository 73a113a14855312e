"""The Xero connector (`gbol`): OAuth2 with Xero's identity service, the tenant a grant links, and pulls of
the Accounting API into Codat's data types.

Tenants. A Xero grant covers one or more organisations (tenants); a ledgerlink connection reads exactly one.
Right after the business consents, `after_authorization` asks the identity API which organisations this
consent connected (`GET /connections?authEventId=`, the id taken from the access token's claims when it is a
JWT, as Xero's are) and links the most recently connected one; its id and name are sealed beside the tokens
(`{"xero": {"tenantId", "tenantName"}}`). Another organisation is another connection, made by linking again
and choosing it at Xero's consent page.

Pulls. Each data type reads one Xero endpoint (`SOURCES`); list endpoints are paged, incremental pulls send
`If-Modified-Since` (the last successful pull's moment), and records Xero reports as archived, voided or
deleted come back as `Batch.deleted_ids`. Financial statements are Xero's BalanceSheet and ProfitAndLoss
reports, read a year of months per call and stored one record per month.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from ledgerlink.config import Settings, get_settings
from ledgerlink.connectors.authorization import OAuthClientCredentials, OAuthProvider
from ledgerlink.connectors.base import (
    AccessTokens,
    AuthorizationLost,
    AuthorizationRejected,
    Batch,
    Branding,
    Connector,
    ConnectorInfo,
    DataTypeNotSupported,
    FetchRequest,
)
from ledgerlink.connectors.mapped import batched, fixed_token, tokens_of
from ledgerlink.connectors.xero import mapping
from ledgerlink.connectors.xero.client import Sleep, XeroClient, XeroUnavailable
from ledgerlink.records.registry import SourceType

KEY = "gbol"
# Read-only scopes for everything the connector reads; `offline_access` brings the refresh token.
SCOPES = (
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.settings.read",
    "accounting.contacts.read",
    "accounting.transactions.read",
    "accounting.journals.read",
    "accounting.reports.read",
)
# Xero's largest page; each page is one call of the 60 a minute.
PAGE_SIZE = 1000
BATCH_SIZE = 1000
# Report columns per call: the current month and up to 11 before it.
REPORT_MONTHS_PER_CALL = 12


@dataclass(frozen=True)
class XeroUrls:
    authorize: str
    token: str
    identity: str
    api: str

    @classmethod
    def from_settings(cls, settings: Settings) -> XeroUrls:
        return cls(
            authorize=settings.xero_authorize_url,
            token=settings.xero_token_url,
            identity=settings.xero_identity_url,
            api=settings.xero_api_url,
        )


@dataclass(frozen=True)
class Source:
    """Where a data type comes from at Xero, and how a record of it becomes Codat's."""

    path: str
    # The response's list of records (`{"Invoices": [...]}`).
    collection: str
    to_codat: Callable[..., mapping.Mapped | list[mapping.Mapped]]
    paged: bool = True
    # Whether the endpoint takes `If-Modified-Since` (tax rates and tracking categories do not: read whole).
    incremental: bool = True
    params: Mapping[str, str] = field(default_factory=dict)
    keep: Callable[[mapping.Record], bool] = lambda record: True
    # The mapping wants the chart of accounts' code → id (line items may name an account by code only).
    needs_account_ids: bool = False
    # The mapping wants the organisation's base currency (accounts in it carry no currency of their own).
    needs_base_currency: bool = False


def _of_type(*types: str) -> Callable[[mapping.Record], bool]:
    return lambda record: record.get("Type") in types


SOURCES: Mapping[str, Source] = {
    "chartOfAccounts": Source("Accounts", "Accounts", mapping.account, paged=False, needs_base_currency=True),
    "bankAccounts": Source(
        "Accounts",
        "Accounts",
        mapping.bank_account,
        paged=False,
        keep=_of_type("BANK"),
        needs_base_currency=True,
    ),
    "customers": Source(
        "Contacts",
        "Contacts",
        mapping.customer,
        params={"includeArchived": "true"},
        keep=lambda record: bool(record.get("IsCustomer")),
    ),
    "suppliers": Source(
        "Contacts",
        "Contacts",
        mapping.supplier,
        params={"includeArchived": "true"},
        keep=lambda record: bool(record.get("IsSupplier")),
    ),
    "invoices": Source(
        "Invoices", "Invoices", mapping.invoice, keep=_of_type("ACCREC"), needs_account_ids=True
    ),
    "bills": Source("Invoices", "Invoices", mapping.bill, keep=_of_type("ACCPAY"), needs_account_ids=True),
    "creditNotes": Source(
        "CreditNotes",
        "CreditNotes",
        mapping.credit_note,
        keep=_of_type("ACCRECCREDIT"),
        needs_account_ids=True,
    ),
    "billCreditNotes": Source(
        "CreditNotes",
        "CreditNotes",
        mapping.bill_credit_note,
        keep=_of_type("ACCPAYCREDIT"),
        needs_account_ids=True,
    ),
    "payments": Source(
        "Payments",
        "Payments",
        mapping.payment,
        keep=lambda record: record.get("PaymentType") in mapping.RECEIVED,
    ),
    "billPayments": Source(
        "Payments",
        "Payments",
        mapping.bill_payment,
        keep=lambda record: record.get("PaymentType") in mapping.PAID_OUT,
    ),
    "bankTransactions": Source("BankTransactions", "BankTransactions", mapping.bank_transaction),
    "items": Source("Items", "Items", mapping.item, paged=False, needs_account_ids=True),
    "taxRates": Source("TaxRates", "TaxRates", mapping.tax_rate, paged=False, incremental=False),
    "trackingCategories": Source(
        "TrackingCategories",
        "TrackingCategories",
        mapping.tracking_categories,
        paged=False,
        incremental=False,
        params={"includeArchived": "true"},
    ),
}
# Journal entries come from two endpoints (`_journal_entries`); company info and statements from their own.
DATA_TYPES = tuple(sorted({*SOURCES, "journalEntries", "company", "balanceSheet", "profitAndLoss"}))


class XeroConnector(Connector):
    info = ConnectorInfo(
        key=KEY,
        name="Xero",
        source_type=SourceType.ACCOUNTING,
        branding=Branding(mark="X", background="#13b5ea"),
        data_types=DATA_TYPES,
        data_provided_by="Xero",
        accepts_credentials=False,
    )

    def __init__(
        self,
        urls: XeroUrls | None = None,
        *,
        client: OAuthClientCredentials | None = None,
        sleep: Sleep = asyncio.sleep,
        page_size: int = PAGE_SIZE,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.urls = urls or XeroUrls.from_settings(get_settings())
        # Per instance rather than per class: the URLs come from settings (tests point them at a fake).
        self.oauth = OAuthProvider(
            key=KEY,
            authorize_url=self.urls.authorize,
            token_url=self.urls.token,
            scopes=SCOPES,
            client=client,
        )
        self.sleep = sleep
        self.page_size = page_size
        self.transport = transport

    def client(self, tokens: AccessTokens, tenant_id: str | None = None) -> XeroClient:
        return XeroClient(
            self.urls.api,
            self.urls.identity,
            tokens,
            tenant_id=tenant_id,
            sleep=self.sleep,
            transport=self.transport,
        )

    async def after_authorization(
        self, access_token: str, callback: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The organisation this consent connected (see the module's docstring), sealed beside the tokens."""
        try:
            async with self.client(fixed_token(access_token, "Xero")) as xero:
                tenants = await xero.connections(_auth_event_id(access_token))
        except (XeroUnavailable, AuthorizationLost, httpx.HTTPError) as error:
            raise AuthorizationRejected(
                f"Xero's list of connected organisations could not be read: {error}"
            ) from None
        organisations = [t for t in tenants if t.get("tenantType", "ORGANISATION") == "ORGANISATION"]
        if not organisations:
            raise AuthorizationRejected("No Xero organisation was shared; choose one on Xero's consent page.")
        chosen = max(
            organisations, key=lambda t: (t.get("updatedDateUtc") or "", t.get("createdDateUtc") or "")
        )
        return {"xero": {"tenantId": chosen["tenantId"], "tenantName": chosen.get("tenantName")}}

    async def fetch(self, request: FetchRequest) -> AsyncIterator[Batch]:
        if request.data_type not in DATA_TYPES:
            raise DataTypeNotSupported(request.data_type)
        tenant_id = (request.credentials.get("xero") or {}).get("tenantId")
        if not tenant_id:
            raise AuthorizationLost(
                "The connection has no Xero organisation; the business must link it again."
            )
        tokens = tokens_of(request, "Xero")
        async with self.client(tokens, tenant_id) as xero:
            async for batch in batched(self._records(xero, request), BATCH_SIZE):
                yield batch

    def _records(self, xero: XeroClient, request: FetchRequest) -> AsyncIterator[mapping.Mapped]:
        if request.data_type == "company":
            return self._company(xero)
        if request.data_type == "journalEntries":
            return self._journal_entries(xero, request.since)
        if request.data_type in mapping.STATEMENTS:
            return self._statements(xero, request)
        return self._list(xero, SOURCES[request.data_type], request.since)

    async def _list(
        self, xero: XeroClient, source: Source, since: datetime | None
    ) -> AsyncIterator[mapping.Mapped]:
        extra: dict[str, Any] = {}
        if source.needs_account_ids:
            accounts = (await xero.get("Accounts")).get("Accounts") or []
            extra["account_ids"] = {a["Code"]: a["AccountID"] for a in accounts if a.get("Code")}
        if source.needs_base_currency:
            extra["base_currency"] = (await self._organisation(xero)).get("BaseCurrency")
        modified_since = since if source.incremental else None
        async for page in self._pages(
            xero, source.path, source.collection, source.params, source.paged, modified_since
        ):
            for record in page:
                if not source.keep(record):
                    continue
                mapped = source.to_codat(record, **extra)
                if isinstance(mapped, list):
                    for one in mapped:
                        yield one
                else:
                    yield mapped

    async def _pages(
        self,
        xero: XeroClient,
        path: str,
        collection: str,
        params: Mapping[str, str] | None = None,
        paged: bool = True,
        modified_since: datetime | None = None,
    ) -> AsyncIterator[list[mapping.Record]]:
        if not paged:
            body = await xero.get(path, params=dict(params or {}), modified_since=modified_since)
            yield body.get(collection) or []
            return
        page = 1
        while True:
            query = {**(params or {}), "page": str(page), "pageSize": str(self.page_size)}
            body = await xero.get(path, params=query, modified_since=modified_since)
            records = body.get(collection) or []
            yield records
            page_count = (body.get("pagination") or {}).get("pageCount")
            if len(records) < self.page_size or (page_count is not None and page >= page_count):
                return
            page += 1

    async def _organisation(self, xero: XeroClient) -> mapping.Record:
        body = await xero.get("Organisation")
        organisations = body.get("Organisations") or []
        return organisations[0] if organisations else {}

    async def _company(self, xero: XeroClient) -> AsyncIterator[mapping.Mapped]:
        organisation = await self._organisation(xero)
        if organisation:
            yield mapping.company(organisation, xero.tenant_id)

    async def _journal_entries(
        self, xero: XeroClient, since: datetime | None
    ) -> AsyncIterator[mapping.Mapped]:
        """Manual journals, then every other posting of the general ledger (`/Journals`, paged by journal
        number). The ledger's MANJOURNAL journals repeat the manual journals, so they are left out: each
        posting is one journal entry. Draft manual journals post nothing and are left out too."""
        async for page in self._pages(xero, "ManualJournals", "ManualJournals", modified_since=since):
            for record in page:
                if record.get("Status") != "DRAFT":
                    yield mapping.manual_journal(record)
        offset = 0
        while True:
            body = await xero.get("Journals", params={"offset": str(offset)}, modified_since=since)
            journals = body.get("Journals") or []
            for record in journals:
                if record.get("SourceType") != "MANJOURNAL":
                    yield mapping.journal(record)
            if not journals:
                return
            offset = max(int(record.get("JournalNumber") or 0) for record in journals)

    async def _statements(self, xero: XeroClient, request: FetchRequest) -> AsyncIterator[mapping.Mapped]:
        """The last `months_to_sync` months (the current one included), a record per month. Reports have no
        modification dates, so every pull reads them all; unchanged months are stored once (hashes)."""
        currency = (await self._organisation(xero)).get("BaseCurrency")
        as_of = request.as_of.astimezone(UTC).date()
        months = [_month_start(as_of, -back) for back in range(max(1, request.months_to_sync))]
        build = mapping.STATEMENTS[request.data_type]
        for chunk_start in range(0, len(months), REPORT_MONTHS_PER_CALL):
            chunk = months[chunk_start : chunk_start + REPORT_MONTHS_PER_CALL]
            newest = chunk[0]
            newest_end = _month_end(newest)
            params = {"periods": str(len(chunk) - 1), "timeframe": "MONTH"} if len(chunk) > 1 else {}
            if request.data_type == "balanceSheet":
                body = await xero.get(
                    "Reports/BalanceSheet", params={"date": newest_end.isoformat(), **params}
                )
            else:
                body = await xero.get(
                    "Reports/ProfitAndLoss",
                    params={"fromDate": newest.isoformat(), "toDate": newest_end.isoformat(), **params},
                )
            reports = body.get("Reports") or []
            if not reports:
                continue
            for index, month in enumerate(chunk, start=1):
                column = mapping.ReportColumn(
                    index=index,
                    month=f"{month.year:04d}-{month.month:02d}",
                    from_date=f"{month.isoformat()}T00:00:00",
                    to_date=f"{_month_end(month).isoformat()}T00:00:00",
                )
                yield build(reports[0], column, currency)


def _month_start(day: date, offset: int) -> date:
    index = day.year * 12 + day.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return _month_start(first, 1) - timedelta(days=1)


def _auth_event_id(access_token: str) -> str | None:
    """The `authentication_event_id` claim of Xero's JWT access token (read, not verified: it only narrows
    which of the grant's organisations this consent connected; Xero checks the token itself)."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, json.JSONDecodeError):
        return None
    value = claims.get("authentication_event_id") if isinstance(claims, dict) else None
    return value if isinstance(value, str) else None
