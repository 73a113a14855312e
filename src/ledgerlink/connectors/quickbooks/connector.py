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

Pushes. `push` creates, updates (sparse, with the SyncToken read first) and deletes the entities
`writes.WRITES` names, through `pushes.push`: what is declared in `writable_data_types`,
`UPDATABLE` and `DELETABLE`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from ledgerlink.config import Settings, get_settings
from ledgerlink.connectors.authorization import OAuthClientCredentials, OAuthProvider
from ledgerlink.connectors.base import (
    AccessTokens,
    AuthorizationLost,
    AuthorizationRejected,
    Branding,
    ConnectorInfo,
    DataTypeNotSupported,
    FetchRequest,
    PlatformFailed,
    PushRequest,
)
from ledgerlink.connectors.codat_shapes import (
    BALANCE_SHEET,
    STATEMENT_TYPES,
    ReportColumn,
    month_end,
    report_calls,
)
from ledgerlink.connectors.mapped import (
    Deleted,
    Mapped,
    PlatformConnector,
    Record,
    Source,
    fixed_token,
    numbered_pages,
    tokens_of,
)
from ledgerlink.connectors.quickbooks import mapping, pushes, writes
from ledgerlink.connectors.quickbooks.client import QuickBooksClient, QuickBooksUnavailable, timestamp
from ledgerlink.connectors.retries import Sleep
from ledgerlink.records.registry import SourceType

KEY = "qhyg"
SANDBOX_KEY = "ndsk"
# Access to the company's books, reads and writes (Intuit's only accounting scope).
SCOPES = ("com.intuit.quickbooks.accounting",)
# Intuit's largest MAXRESULTS.
PAGE_SIZE = 1000
BATCH_SIZE = 1000
# Change data capture looks back at most 30 days; a margin keeps the request inside Intuit's window.
CDC_LOOKBACK = timedelta(days=30) - timedelta(hours=1)
# Name lists hide inactive entries unless asked; inactive is QuickBooks' "deleted" for them.
ACTIVE_OR_NOT = "Active IN (true, false)"


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


SOURCES: Mapping[str, Source] = {
    "chartOfAccounts": Source("Account", mapping.account, include_inactive=True),
    "bankAccounts": Source(
        "Account",
        mapping.bank_account,
        include_inactive=True,
        keep=lambda entity: entity.get("AccountType") in mapping.BANK_ACCOUNT_TYPES,
    ),
    "customers": Source("Customer", mapping.customer, include_inactive=True),
    "suppliers": Source("Vendor", mapping.supplier, include_inactive=True),
    "invoices": Source("Invoice", mapping.invoice),
    "bills": Source("Bill", mapping.bill),
    "payments": Source("Payment", mapping.payment),
    "billPayments": Source("BillPayment", mapping.bill_payment),
    "journalEntries": Source("JournalEntry", mapping.journal_entry),
    "items": Source("Item", mapping.item, include_inactive=True),
    "creditNotes": Source("CreditMemo", mapping.credit_note),
    "billCreditNotes": Source("VendorCredit", mapping.bill_credit_note),
    "purchaseOrders": Source("PurchaseOrder", mapping.purchase_order),
    "transfers": Source("Transfer", mapping.transfer),
    "directCosts": Source("Purchase", mapping.direct_cost),
    # Deposits that only gather payments received earlier (from Undeposited Funds) are no income of their own.
    "directIncomes": Source(
        "Deposit",
        mapping.direct_income,
        keep=lambda entity: any(
            line.get("DetailType") == "DepositLineDetail"
            and (line.get("DepositLineDetail") or {}).get("AccountRef")
            for line in entity.get("Line") or []
        ),
    ),
}
DATA_TYPES = tuple(sorted({*SOURCES, "taxRates", "company", *STATEMENT_TYPES}))
# What QuickBooks changes in place (a sparse update) and deletes, of what Codat's API updates and deletes:
# name lists (accounts, customers, vendors, items) are never deleted in QuickBooks, only made inactive, and
# a payment cannot be changed once it is applied (Codat has no update of payments or bill payments either).
UPDATABLE = (
    "bankAccounts",
    "billCreditNotes",
    "bills",
    "creditNotes",
    "customers",
    "invoices",
    "purchaseOrders",
    "suppliers",
)
DELETABLE = ("billPayments", "bills", "invoices", "journalEntries")


class QuickBooksConnector(PlatformConnector[QuickBooksClient]):
    info = ConnectorInfo(
        key=KEY,
        name="QuickBooks Online",
        source_type=SourceType.ACCOUNTING,
        branding=Branding(mark="qb", background="#2ca01c"),
        data_types=DATA_TYPES,
        data_provided_by="QuickBooks Online",
        accepts_credentials=False,
        writable_data_types=tuple(sorted(writes.WRITES)),
        updatable_data_types=UPDATABLE,
        deletable_data_types=DELETABLE,
    )
    sandbox = False
    platform = "QuickBooks"
    linked_books = "company"
    linked_key = "quickbooks"
    linked_field = "realmId"
    batch_size = BATCH_SIZE

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
        # The OAuth provider's key is the connector's: it names the operator's app registration (Intuit
        # issues separate development keys for sandbox companies).
        oauth = OAuthProvider(
            key=self.info.key,
            authorize_url=self.urls.authorize,
            token_url=self.urls.token,
            scopes=SCOPES,
            client=client,
        )
        super().__init__(oauth, sleep=sleep, page_size=page_size, transport=transport)

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

    async def push(self, request: PushRequest) -> dict[str, Any]:
        """Write to the connection's company (`pushes.push`), with the push's access token."""
        if not self.info.writes(request.operation, request.data_type):
            raise DataTypeNotSupported(request.data_type)
        async with self.client(tokens_of(request, self.platform), self.linked_id(request)) as quickbooks:
            return await pushes.push(quickbooks, request)

    def records(self, client: QuickBooksClient, request: FetchRequest) -> AsyncIterator[Mapped]:
        if request.data_type == "company":
            return self._company(client)
        if request.data_type == "taxRates":
            return self._tax_rates(client)
        if request.data_type in STATEMENT_TYPES:
            return self._statements(client, request)
        return self._list(client, SOURCES[request.data_type], request)

    async def _list(
        self, quickbooks: QuickBooksClient, source: Source, request: FetchRequest
    ) -> AsyncIterator[Mapped]:
        conditions = [ACTIVE_OR_NOT] if source.include_inactive else []
        if request.since is not None:
            # `>=` on whole seconds: QuickBooks stamps changes to the second, so a change within the
            # second the last pull ran is read again rather than missed.
            conditions.append(f"Metadata.LastUpdatedTime >= '{timestamp(request.since)}'")
        async for entity in self._query(quickbooks, source.endpoint, conditions):
            for mapped in source.mapped((entity,)):
                yield mapped
        if request.since is not None:
            async for gone in self._deletions(quickbooks, source.endpoint, request):
                yield gone

    async def _query(
        self, quickbooks: QuickBooksClient, entity: str, conditions: list[str]
    ) -> AsyncIterator[Record]:
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""

        async def read(number: int) -> tuple[list[Record], bool]:
            start = (number - 1) * self.page_size + 1
            response = await quickbooks.query(
                f"SELECT * FROM {entity}{where} ORDERBY Id STARTPOSITION {start} MAXRESULTS {self.page_size}"
            )
            return response.get(entity) or [], False

        async for page in numbered_pages(read, self.page_size):
            for record in page:
                yield record

    async def _deletions(
        self, quickbooks: QuickBooksClient, entity: str, request: FetchRequest
    ) -> AsyncIterator[Deleted]:
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

    async def _tax_rates(self, quickbooks: QuickBooksClient) -> AsyncIterator[Mapped]:
        rates = {str(rate["Id"]): rate async for rate in self._query(quickbooks, "TaxRate", [ACTIVE_OR_NOT])}
        async for code in self._query(quickbooks, "TaxCode", [ACTIVE_OR_NOT]):
            yield mapping.tax_rate(code, rates)

    async def _company(self, quickbooks: QuickBooksClient) -> AsyncIterator[Mapped]:
        info = await _company_info(quickbooks)
        preferences = (await quickbooks.read("preferences")).get("Preferences") or {}
        yield mapping.company(info, quickbooks.realm_id, preferences)

    async def _statements(self, quickbooks: QuickBooksClient, request: FetchRequest) -> AsyncIterator[Mapped]:
        """The last `months_to_sync` months (`codat_shapes.report_calls`), a record per month, read a report
        a call with a column per month."""
        report_name = "BalanceSheet" if request.data_type == BALANCE_SHEET else "ProfitAndLoss"
        build = mapping.STATEMENTS[request.data_type]
        for months in report_calls(request.as_of, request.months_to_sync):
            report = await quickbooks.read(
                f"reports/{report_name}",
                {
                    "start_date": months[-1].isoformat(),
                    "end_date": month_end(months[0]).isoformat(),
                    "summarize_column_by": "Month",
                    "accounting_method": "Accrual",
                },
            )
            columns = mapping.report_columns(report)
            currency = (report.get("Header") or {}).get("Currency")
            for month in months:
                index = columns.get(month.isoformat())
                if index is None:
                    # A month before the company's books began has no column.
                    continue
                yield build(report, ReportColumn.of_month(index, month), currency)


class QuickBooksSandboxConnector(QuickBooksConnector):
    """Intuit's sandbox companies (developer test books): the same API at Intuit's sandbox address."""

    info = dataclasses.replace(
        QuickBooksConnector.info,
        key=SANDBOX_KEY,
        name="QuickBooks Online Sandbox",
        branding=Branding(mark="qb", background="#6b6c72"),
        is_sandbox=True,
    )
    sandbox = True


async def _company_info(quickbooks: QuickBooksClient) -> Record:
    body = await quickbooks.read(f"companyinfo/{quickbooks.realm_id}")
    info = body.get("CompanyInfo")
    if not isinstance(info, dict):
        raise PlatformFailed("QuickBooks answered companyinfo without a CompanyInfo.")
    return info
