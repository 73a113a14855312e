"""The QuickBooks Online connectors (`qhyg`, and `ndsk` for Intuit's sandbox companies): OAuth2 with Intuit,
the company (realm) a grant links, and pulls of the Accounting API (v3) into Codat's data types.

Realm. Intuit's consent links exactly one company and names it in the redirect beside `code` and `state`
(`realmId`). `after_authorization` receives it from the callback, checks that the new access token opens
that company (`GET /companyinfo/<realmId>`) and seals its id and name beside the tokens
(`{"quickbooks": {"realmId", "companyName"}}`). Another company is another connection.

Pulls. List data types run the query language page by page (`SELECT * FROM Invoice STARTPOSITION n
MAXRESULTS 1000`); name lists (accounts, customers, vendors, items) include inactive entries
(`Active IN (true, false)`), which map to Archived. An incremental pull adds `Metadata.LastUpdatedTime >=
'<last pull>'` and then asks change data capture (`/cdc?entities=&changedSince=`) for what was deleted
since: its `status: "Deleted"` entries become `Batch.deleted_ids`. Tax codes and rates have no CDC and are
read whole; so are company info and the BalanceSheet and ProfitAndLoss reports (a record per month).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, timedelta
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
    PlatformFailed,
)
from ledgerlink.connectors.mapped import batched, fixed_token, tokens_of
from ledgerlink.connectors.quickbooks import mapping
from ledgerlink.connectors.quickbooks.client import QuickBooksClient, QuickBooksUnavailable, timestamp
from ledgerlink.connectors.retries import Sleep
from ledgerlink.records.registry import SourceType

KEY = "qhyg"
SANDBOX_KEY = "ndsk"
# Read access to the company's books (Intuit's only accounting scope; it also covers writes, unused here).
SCOPES = ("com.intuit.quickbooks.accounting",)
# Intuit's largest MAXRESULTS.
PAGE_SIZE = 1000
BATCH_SIZE = 1000
# Change data capture looks back at most 30 days; a margin keeps the request inside Intuit's window.
CDC_LOOKBACK = timedelta(days=30) - timedelta(hours=1)
REPORT_MONTHS_PER_CALL = 12


@dataclass(frozen=True)
class QuickBooksUrls:
    authorize: str
    token: str
    api: str

    @classmethod
    def from_settings(cls, settings: Settings, *, sandbox: bool = False) -> QuickBooksUrls:
        return cls(
            authorize=settings.quickbooks_authorize_url,
            token=settings.quickbooks_token_url,
            api=settings.quickbooks_sandbox_api_url if sandbox else settings.quickbooks_api_url,
        )


@dataclass(frozen=True)
class Source:
    """Which QuickBooks entity a data type reads, and how one becomes Codat's."""

    entity: str
    to_codat: Callable[[mapping.Record], mapping.Mapped]
    # Name lists hide inactive entries unless asked; inactive is QuickBooks' "deleted" for them.
    name_list: bool = False
    keep: Callable[[mapping.Record], bool] = lambda entity: True


SOURCES: Mapping[str, Source] = {
    "chartOfAccounts": Source("Account", mapping.account, name_list=True),
    "bankAccounts": Source(
        "Account",
        mapping.bank_account,
        name_list=True,
        keep=lambda entity: entity.get("AccountType") in mapping.BANK_ACCOUNT_TYPES,
    ),
    "customers": Source("Customer", mapping.customer, name_list=True),
    "suppliers": Source("Vendor", mapping.supplier, name_list=True),
    "invoices": Source("Invoice", mapping.invoice),
    "bills": Source("Bill", mapping.bill),
    "payments": Source("Payment", mapping.payment),
    "billPayments": Source("BillPayment", mapping.bill_payment),
    "journalEntries": Source("JournalEntry", mapping.journal_entry),
    "items": Source("Item", mapping.item, name_list=True),
}
DATA_TYPES = tuple(sorted({*SOURCES, "taxRates", "company", "balanceSheet", "profitAndLoss"}))


class QuickBooksConnector(Connector):
    info = ConnectorInfo(
        key=KEY,
        name="QuickBooks Online",
        source_type=SourceType.ACCOUNTING,
        branding=Branding(mark="qb", background="#2ca01c"),
        data_types=DATA_TYPES,
        data_provided_by="QuickBooks Online",
        accepts_credentials=False,
    )
    sandbox = False

    def __init__(
        self,
        urls: QuickBooksUrls | None = None,
        *,
        client: OAuthClientCredentials | None = None,
        sleep: Sleep = asyncio.sleep,
        page_size: int = PAGE_SIZE,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.urls = urls or QuickBooksUrls.from_settings(get_settings(), sandbox=self.sandbox)
        # Per instance: the URLs come from settings (tests point them at a fake); the key names the
        # operator's app registration (Intuit issues separate development keys for sandbox companies).
        self.oauth = OAuthProvider(
            key=self.info.key,
            authorize_url=self.urls.authorize,
            token_url=self.urls.token,
            scopes=SCOPES,
            client=client,
        )
        self.sleep = sleep
        self.page_size = page_size
        self.transport = transport

    def client(self, tokens: AccessTokens, realm_id: str) -> QuickBooksClient:
        return QuickBooksClient(self.urls.api, realm_id, tokens, sleep=self.sleep, transport=self.transport)

    async def after_authorization(
        self, access_token: str, callback: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The company the business consented for (`realmId` of the callback), once the token opens it."""
        realm_id = (callback or {}).get("realmId", "").strip()
        if not realm_id.isdigit():
            raise AuthorizationRejected("QuickBooks did not say which company was connected; link again.")
        try:
            async with self.client(fixed_token(access_token, "QuickBooks"), realm_id) as quickbooks:
                info = await _company_info(quickbooks)
        except (QuickBooksUnavailable, AuthorizationLost, PlatformFailed, httpx.HTTPError) as error:
            raise AuthorizationRejected(f"The QuickBooks company could not be read: {error}") from None
        return {"quickbooks": {"realmId": realm_id, "companyName": info.get("CompanyName")}}

    async def fetch(self, request: FetchRequest) -> AsyncIterator[Batch]:
        if request.data_type not in DATA_TYPES:
            raise DataTypeNotSupported(request.data_type)
        realm_id = (request.credentials.get("quickbooks") or {}).get("realmId")
        if not realm_id:
            raise AuthorizationLost(
                "The connection has no QuickBooks company; the business must link it again."
            )
        tokens = tokens_of(request, "QuickBooks")
        async with self.client(tokens, realm_id) as quickbooks:
            async for batch in batched(self._records(quickbooks, request), BATCH_SIZE):
                yield batch

    def _records(self, quickbooks: QuickBooksClient, request: FetchRequest) -> AsyncIterator[mapping.Mapped]:
        if request.data_type == "company":
            return self._company(quickbooks)
        if request.data_type == "taxRates":
            return self._tax_rates(quickbooks)
        if request.data_type in mapping.STATEMENTS:
            return self._statements(quickbooks, request)
        return self._list(quickbooks, SOURCES[request.data_type], request)

    async def _list(
        self, quickbooks: QuickBooksClient, source: Source, request: FetchRequest
    ) -> AsyncIterator[mapping.Mapped]:
        conditions = ["Active IN (true, false)"] if source.name_list else []
        if request.since is not None:
            # `>=` on whole seconds: QuickBooks stamps changes to the second, so a change within the
            # second the last pull ran is read again rather than missed.
            conditions.append(f"Metadata.LastUpdatedTime >= '{timestamp(request.since)}'")
        async for entity in self._query(quickbooks, source.entity, conditions):
            if source.keep(entity):
                yield source.to_codat(entity)
        if request.since is not None:
            async for gone in self._deletions(quickbooks, source.entity, request):
                yield gone

    async def _query(
        self, quickbooks: QuickBooksClient, entity: str, conditions: list[str]
    ) -> AsyncIterator[mapping.Record]:
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        start = 1
        while True:
            response = await quickbooks.query(
                f"SELECT * FROM {entity}{where} ORDERBY Id STARTPOSITION {start} MAXRESULTS {self.page_size}"
            )
            page = response.get(entity) or []
            for record in page:
                yield record
            if len(page) < self.page_size:
                return
            start += len(page)

    async def _deletions(
        self, quickbooks: QuickBooksClient, entity: str, request: FetchRequest
    ) -> AsyncIterator[mapping.Deleted]:
        """What change data capture reports deleted since the last pull. CDC looks back 30 days at most:
        after a longer gap it cannot be asked, and deletions made meanwhile stay until a full pull."""
        assert request.since is not None
        if request.as_of - request.since > CDC_LOOKBACK:
            return
        changed = await quickbooks.changes([entity], request.since)
        for record in changed.get(entity) or []:
            gone = mapping.deleted(record)
            if gone is not None:
                yield gone

    async def _tax_rates(self, quickbooks: QuickBooksClient) -> AsyncIterator[mapping.Mapped]:
        rates = {
            str(rate["Id"]): rate
            async for rate in self._query(quickbooks, "TaxRate", ["Active IN (true, false)"])
        }
        async for code in self._query(quickbooks, "TaxCode", ["Active IN (true, false)"]):
            yield mapping.tax_rate(code, rates)

    async def _company(self, quickbooks: QuickBooksClient) -> AsyncIterator[mapping.Mapped]:
        info = await _company_info(quickbooks)
        preferences = (await quickbooks.read("preferences")).get("Preferences") or {}
        yield mapping.company(info, quickbooks.realm_id, preferences)

    async def _statements(
        self, quickbooks: QuickBooksClient, request: FetchRequest
    ) -> AsyncIterator[mapping.Mapped]:
        """The last `months_to_sync` months (the current one included), a record per month, twelve month
        columns a call. Reports have no modification dates, so every pull reads them all; unchanged months
        are stored once (hashes)."""
        report_name = "BalanceSheet" if request.data_type == "balanceSheet" else "ProfitAndLoss"
        build = mapping.STATEMENTS[request.data_type]
        as_of = request.as_of.astimezone(UTC).date()
        months = [_month_start(as_of, -back) for back in range(max(1, request.months_to_sync))]
        for chunk_start in range(0, len(months), REPORT_MONTHS_PER_CALL):
            chunk = months[chunk_start : chunk_start + REPORT_MONTHS_PER_CALL]
            report = await quickbooks.read(
                f"reports/{report_name}",
                {
                    "start_date": chunk[-1].isoformat(),
                    "end_date": _month_end(chunk[0]).isoformat(),
                    "summarize_column_by": "Month",
                    "accounting_method": "Accrual",
                },
            )
            columns = mapping.report_columns(report)
            currency = (report.get("Header") or {}).get("Currency")
            for month in chunk:
                index = columns.get(month.isoformat())
                if index is None:
                    # A month before the company's books began has no column.
                    continue
                yield build(
                    report,
                    mapping.ReportColumn(
                        index=index,
                        month=f"{month.year:04d}-{month.month:02d}",
                        from_date=f"{month.isoformat()}T00:00:00",
                        to_date=f"{_month_end(month).isoformat()}T00:00:00",
                    ),
                    currency,
                )


class QuickBooksSandboxConnector(QuickBooksConnector):
    """Intuit's sandbox companies (developer test books): the same API at Intuit's sandbox address."""

    info = ConnectorInfo(
        key=SANDBOX_KEY,
        name="QuickBooks Online Sandbox",
        source_type=SourceType.ACCOUNTING,
        branding=Branding(mark="qb", background="#6b6c72"),
        data_types=DATA_TYPES,
        data_provided_by="QuickBooks Online",
        accepts_credentials=False,
        is_sandbox=True,
    )
    sandbox = True


async def _company_info(quickbooks: QuickBooksClient) -> mapping.Record:
    body = await quickbooks.read(f"companyinfo/{quickbooks.realm_id}")
    info = body.get("CompanyInfo")
    if not isinstance(info, dict):
        raise PlatformFailed("QuickBooks answered companyinfo without a CompanyInfo.")
    return info


def _month_start(day: date, offset: int) -> date:
    index = day.year * 12 + day.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return _month_start(first, 1) - timedelta(days=1)
