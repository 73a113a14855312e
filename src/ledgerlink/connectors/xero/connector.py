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

Pushes. Each writable data type is one Xero endpoint (`writes.WRITES`): a create PUTs the record mapped to
Xero's shape, an update reads the record (404 or another type's: `RecordNotFound`) and POSTs the whole of it
to its own path, a delete POSTs its deleting status; the push's key goes as Xero's `Idempotency-Key`. What
Xero answers is mapped back by the read mapping, so a push returns what a pull would read. Xero's 400s become
Codat's validation errors (`PushRejected`); a grant without the write scopes fails the push and leaves the
connection linked.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
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
    PushRejected,
    PushRequest,
    RecordNotFound,
)
from ledgerlink.connectors.codat_shapes import (
    BALANCE_SHEET,
    STATEMENT_TYPES,
    ReportColumn,
    month_end,
    report_calls,
)
from ledgerlink.connectors.mapped import (
    Mapped,
    PlatformConnector,
    Record,
    Source,
    fixed_token,
    numbered_pages,
)
from ledgerlink.connectors.retries import Sleep
from ledgerlink.connectors.xero import mapping, writes
from ledgerlink.connectors.xero.client import XeroClient, XeroScopeMissing, XeroUnavailable, XeroValidation
from ledgerlink.records.registry import Operation, SourceType

KEY = "gbol"
# Reads and writes: the write scopes (accounting.settings: the chart of accounts and items;
# accounting.contacts; accounting.transactions: documents, payments, journals, bank transactions) include
# their `.read`; journals and reports are read only. `offline_access` brings the refresh token.
SCOPES = (
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.settings",
    "accounting.contacts",
    "accounting.transactions",
    "accounting.journals.read",
    "accounting.reports.read",
)
# Xero's largest page; each page is one call of the 60 a minute.
PAGE_SIZE = 1000
BATCH_SIZE = 1000


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


def _of_type(*types: str) -> Callable[[Record], bool]:
    return lambda record: record.get("Type") in types


def _flagged(flag: str) -> Callable[[Record], bool]:
    return lambda record: bool(record.get(flag))


# The chart of accounts' code → id (line items may name an account by code only), and the organisation's
# base currency (accounts in it carry no currency of their own): read once a pull for the mappings asking.
ACCOUNT_IDS = writes.ACCOUNT_IDS
BASE_CURRENCY = writes.BASE_CURRENCY
SOURCES: Mapping[str, Source] = {
    "chartOfAccounts": Source("Accounts", mapping.account, paged=False, context=(BASE_CURRENCY,)),
    "bankAccounts": Source(
        "Accounts", mapping.bank_account, keep=_of_type("BANK"), paged=False, context=(BASE_CURRENCY,)
    ),
    "customers": Source("Contacts", mapping.customer, keep=_flagged("IsCustomer"), include_inactive=True),
    "suppliers": Source("Contacts", mapping.supplier, keep=_flagged("IsSupplier"), include_inactive=True),
    "invoices": Source("Invoices", mapping.invoice, keep=_of_type("ACCREC"), context=(ACCOUNT_IDS,)),
    "bills": Source("Invoices", mapping.bill, keep=_of_type("ACCPAY"), context=(ACCOUNT_IDS,)),
    "creditNotes": Source(
        "CreditNotes", mapping.credit_note, keep=_of_type("ACCRECCREDIT"), context=(ACCOUNT_IDS,)
    ),
    "billCreditNotes": Source(
        "CreditNotes", mapping.bill_credit_note, keep=_of_type("ACCPAYCREDIT"), context=(ACCOUNT_IDS,)
    ),
    "payments": Source(
        "Payments", mapping.payment, keep=lambda record: record.get("PaymentType") in mapping.RECEIVED
    ),
    "billPayments": Source(
        "Payments", mapping.bill_payment, keep=lambda record: record.get("PaymentType") in mapping.PAID_OUT
    ),
    "bankTransactions": Source("BankTransactions", mapping.bank_transaction),
    "directCosts": Source("BankTransactions", mapping.direct, keep=_of_type("SPEND"), context=(ACCOUNT_IDS,)),
    "directIncomes": Source(
        "BankTransactions", mapping.direct, keep=_of_type("RECEIVE"), context=(ACCOUNT_IDS,)
    ),
    "transfers": Source("BankTransfers", mapping.transfer, paged=False),
    "purchaseOrders": Source("PurchaseOrders", mapping.purchase_order, context=(ACCOUNT_IDS,)),
    "items": Source("Items", mapping.item, paged=False, context=(ACCOUNT_IDS,)),
    # Tax rates and tracking categories do not take `If-Modified-Since`: read whole.
    "taxRates": Source("TaxRates", mapping.tax_rate, paged=False, incremental=False),
    "trackingCategories": Source(
        "TrackingCategories",
        mapping.tracking_categories,
        paged=False,
        incremental=False,
        include_inactive=True,
    ),
}
# Journal entries come from two endpoints (`_journal_entries`); company info and statements from their own.
DATA_TYPES = tuple(sorted({*SOURCES, "journalEntries", "company", *STATEMENT_TYPES}))


class XeroConnector(PlatformConnector[XeroClient]):
    info = ConnectorInfo(
        key=KEY,
        name="Xero",
        source_type=SourceType.ACCOUNTING,
        branding=Branding(mark="X", background="#13b5ea"),
        data_types=DATA_TYPES,
        data_provided_by="Xero",
        accepts_credentials=False,
        writable_data_types=tuple(sorted(writes.WRITES)),
        updatable_data_types=(
            "bankAccounts",
            "billCreditNotes",
            "bills",
            "creditNotes",
            "customers",
            "invoices",
            "purchaseOrders",
            "suppliers",
        ),
        deletable_data_types=tuple(sorted(k for k, write in writes.WRITES.items() if write.delete)),
    )
    platform = "Xero"
    linked_books = "organisation"
    linked_key = "xero"
    linked_field = "tenantId"
    batch_size = BATCH_SIZE

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
        oauth = OAuthProvider(
            key=KEY,
            authorize_url=self.urls.authorize,
            token_url=self.urls.token,
            scopes=SCOPES,
            client=client,
        )
        super().__init__(oauth, sleep=sleep, page_size=page_size, transport=transport)

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

    async def push(self, request: PushRequest) -> dict[str, Any]:
        write = writes.WRITES.get(request.data_type)
        if write is None or not self.info.writes(request.operation, request.data_type):
            raise DataTypeNotSupported(request.data_type)
        tenant_id = (request.credentials.get(self.linked_key) or {}).get(self.linked_field)
        if not tenant_id:
            raise AuthorizationLost(
                "The connection has no Xero organisation; the business must link it again."
            )
        tokens = request.access_token or fixed_token(
            (request.credentials.get("oauth") or {}).get("access_token", ""), self.platform
        )
        try:
            async with self.client(tokens, tenant_id) as xero:
                return await self._push(xero, write, request)
        except writes.Refused as refused:
            raise PushRejected(str(refused), refused.errors) from None
        except XeroValidation as invalid:
            errors = writes.codat_errors(invalid.body, request.data_type)
            raise PushRejected("; ".join(e["message"] for e in errors), errors) from None
        except XeroScopeMissing as missing:
            raise PushRejected(str(missing)) from None
        except XeroUnavailable as unavailable:
            raise PlatformFailed(str(unavailable)) from None

    async def _push(self, xero: XeroClient, write: writes.Write, request: PushRequest) -> dict[str, Any]:
        context = await self._write_context(xero, write.context, request.record)
        key = request.idempotency_key
        if request.operation is Operation.CREATE:
            body = write.create_body(write.to_xero(request.record, context))
            writes.check_ids(body, request.data_type)
            answer = await xero.write("PUT", write.endpoint, body, idempotency_key=key)
            return _codat(write, _only(answer, write.endpoint), context)
        if not writes.is_guid(request.record_id or ""):
            raise RecordNotFound(f"Xero has no {request.data_type} record {request.record_id}.")
        path = f"{write.endpoint}/{request.record_id}"
        found = await xero.record(path)
        current = _only(found, write.endpoint) if found else None
        if current is None or not write.keep(current):
            raise RecordNotFound(f"Xero has no {request.data_type} record {request.record_id}.")
        if request.operation is Operation.UPDATE:
            changed = {**write.to_xero(request.record, context), write.id_key: request.record_id}
            writes.check_ids(changed, request.data_type)
            answer = await xero.write("POST", path, {write.endpoint: [changed]}, idempotency_key=key)
            return _codat(write, _only(answer, write.endpoint), context)
        assert write.delete is not None  # `info` declares deletes only for types that have one
        await xero.write("POST", path, write.delete(current), idempotency_key=key)
        # As it was last: a retried delete finds it gone already, and reads it without its final status.
        return _codat(write, current, context, as_last=True)

    async def _write_context(
        self, xero: XeroClient, wanted: tuple[str, ...], record: Mapping[str, Any]
    ) -> dict[str, Any]:
        context: dict[str, Any] = {}
        if any(line.get("itemRef") for line in record.get("lineItems") or []):
            items = (await xero.get("Items")).get("Items") or []
            context[writes.ITEM_CODES] = {i["ItemID"]: i["Code"] for i in items if i.get("Code")}
        if ACCOUNT_IDS in wanted or writes.ACCOUNT_CODES in wanted:
            accounts = (await xero.get("Accounts")).get("Accounts") or []
            context[ACCOUNT_IDS] = {a["Code"]: a["AccountID"] for a in accounts if a.get("Code")}
            context[writes.ACCOUNT_CODES] = {a["AccountID"]: a["Code"] for a in accounts if a.get("Code")}
        if BASE_CURRENCY in wanted:
            context[BASE_CURRENCY] = (await self._organisation(xero)).get("BaseCurrency")
        return context

    def records(self, client: XeroClient, request: FetchRequest) -> AsyncIterator[Mapped]:
        if request.data_type == "company":
            return self._company(client)
        if request.data_type == "journalEntries":
            return self._journal_entries(client, request.since)
        if request.data_type in STATEMENT_TYPES:
            return self._statements(client, request)
        return self._list(client, SOURCES[request.data_type], request.since)

    async def _list(self, xero: XeroClient, source: Source, since: datetime | None) -> AsyncIterator[Mapped]:
        context: dict[str, Any] = {}
        if ACCOUNT_IDS in source.context:
            accounts = (await xero.get("Accounts")).get("Accounts") or []
            context[ACCOUNT_IDS] = {a["Code"]: a["AccountID"] for a in accounts if a.get("Code")}
        if BASE_CURRENCY in source.context:
            context[BASE_CURRENCY] = (await self._organisation(xero)).get("BaseCurrency")
        params = {"includeArchived": "true"} if source.include_inactive else {}
        modified_since = since if source.incremental else None
        async for page in self._pages(xero, source.endpoint, params, source.paged, modified_since):
            for mapped in source.mapped(page, **context):
                yield mapped

    async def _pages(
        self,
        xero: XeroClient,
        endpoint: str,
        params: Mapping[str, str] | None = None,
        paged: bool = True,
        modified_since: datetime | None = None,
    ) -> AsyncIterator[list[Record]]:
        """The list at `endpoint` (`{"Invoices": [...]}`), page by page: until a page is short or the last
        one Xero counts."""
        if not paged:
            body = await xero.get(endpoint, params=dict(params or {}), modified_since=modified_since)
            yield body.get(endpoint) or []
            return

        async def read(number: int) -> tuple[list[Record], bool]:
            query = {**(params or {}), "page": str(number), "pageSize": str(self.page_size)}
            body = await xero.get(endpoint, params=query, modified_since=modified_since)
            page_count = (body.get("pagination") or {}).get("pageCount")
            return body.get(endpoint) or [], page_count is not None and number >= page_count

        async for page in numbered_pages(read, self.page_size):
            yield page

    async def _organisation(self, xero: XeroClient) -> Record:
        body = await xero.get("Organisation")
        organisations = body.get("Organisations") or []
        return organisations[0] if organisations else {}

    async def _company(self, xero: XeroClient) -> AsyncIterator[Mapped]:
        organisation = await self._organisation(xero)
        if organisation:
            yield mapping.company(organisation, xero.tenant_id)

    async def _journal_entries(self, xero: XeroClient, since: datetime | None) -> AsyncIterator[Mapped]:
        """Manual journals, then every other posting of the general ledger (`/Journals`, paged by journal
        number). The ledger's MANJOURNAL journals repeat the manual journals, so they are left out: each
        posting is one journal entry. Draft manual journals post nothing and are left out too."""
        async for page in self._pages(xero, "ManualJournals", modified_since=since):
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

    async def _statements(self, xero: XeroClient, request: FetchRequest) -> AsyncIterator[Mapped]:
        """The last `months_to_sync` months (`codat_shapes.report_calls`), a record per month: one report a
        call, its columns the months newest first."""
        currency = (await self._organisation(xero)).get("BaseCurrency")
        build = mapping.STATEMENTS[request.data_type]
        for months in report_calls(request.as_of, request.months_to_sync):
            newest, newest_end = months[0], month_end(months[0])
            params = {"periods": str(len(months) - 1), "timeframe": "MONTH"} if len(months) > 1 else {}
            if request.data_type == BALANCE_SHEET:
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
            for index, month in enumerate(months, start=1):
                yield build(reports[0], ReportColumn.of_month(index, month), currency)


def _only(answer: Mapping[str, Any], endpoint: str) -> dict[str, Any]:
    """The one record of Xero's answer (`{"Invoices": [{...}]}`)."""
    records = answer.get(endpoint) or []
    if len(records) != 1 or not isinstance(records[0], dict):
        raise PlatformFailed(f"Xero answered {len(records)} {endpoint} records where one was written.")
    return records[0]


STATUS_KEYS = ("Status", "ContactStatus")


def _codat(
    write: writes.Write, record: dict[str, Any], context: Mapping[str, Any], *, as_last: bool = False
) -> dict[str, Any]:
    """Xero's record in Codat's read shape, by the read mapping (with the context it takes)."""
    arguments = {name: context.get(name) for name in write.context if name in (ACCOUNT_IDS, BASE_CURRENCY)}
    mapped = write.read(record, **arguments)
    if isinstance(mapped, dict):
        return mapped
    if as_last:
        alive = {key: value for key, value in record.items() if key not in STATUS_KEYS}
        again = write.read(alive, **arguments)
        if isinstance(again, dict):
            return again
    raise PlatformFailed(f"Xero answered the {write.endpoint} record written as deleted.")


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
