"""Writing to the Accounting Sandbox in pure Python, for the tests of its writes
(`tests/test_sandbox_writes*.py`): an in-memory platform store with ledgerlink's promises (versions,
idempotency keys), a company to push to and pull from, and records to write to it.

The sandbox's clock runs at real speed, linked 40 days ago, so "today" in the books is today.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledgerlink.connectors.base import FetchRequest, PlatformRecord, PushRejected, PushRequest
from ledgerlink.connectors.sandbox import documents
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.connectors.sandbox.books import AC, AccountingBooks
from ledgerlink.records.registry import Operation
from tests.support.sandbox_books import apply

SANDBOX = AccountingSandbox()
LINKED = datetime.now(UTC) - timedelta(days=40)


class MemoryStore:
    """A `PlatformStore` in memory, with the same promises as ledgerlink's."""

    def __init__(self) -> None:
        self.rows: list[PlatformRecord] = []

    async def add(
        self,
        data_type: str,
        record_id: str,
        data: dict,
        *,
        idempotency_key: str | None = None,
        deleted: bool = False,
    ) -> PlatformRecord:
        for row in self.rows:
            if idempotency_key is not None and row.idempotency_key == idempotency_key:
                return row
        row = PlatformRecord(data_type, record_id, idempotency_key, datetime.now(UTC), data, deleted)
        self.rows.append(row)
        return row

    async def get_by_idempotency_key(self, idempotency_key: str):
        return next((row for row in self.rows if row.idempotency_key == idempotency_key), None)

    async def records(self, data_type: str | None = None):
        return [row for row in self.rows if data_type in (None, row.data_type)]


class Company:
    """A Sandbox company, its connection's store, and ways to push to it and pull from it."""

    def __init__(self) -> None:
        self.id = uuid.uuid4()
        self.connection_id = uuid.uuid4()
        self.store = MemoryStore()
        self.books = AccountingBooks(self.id, LINKED)
        self.today = datetime.now(UTC).date().isoformat()

    def push(
        self,
        data_type: str,
        record: dict[str, Any],
        key: str | None = None,
        *,
        operation: Operation = Operation.CREATE,
        record_id: str | None = None,
    ) -> dict[str, Any]:
        request = PushRequest(
            data_type,
            self.id,
            self.connection_id,
            {},
            LINKED,
            record,
            key or str(uuid.uuid4()),
            store=self.store,
            operation=operation,
            record_id=record_id,
        )
        return asyncio.run(SANDBOX.push(request))

    def update(self, data_type: str, record_id: str, record: dict[str, Any]) -> dict[str, Any]:
        return self.push(data_type, record, operation=Operation.UPDATE, record_id=record_id)

    def delete(self, data_type: str, record_id: str) -> dict[str, Any]:
        return self.push(data_type, {}, operation=Operation.DELETE, record_id=record_id)

    def rejected(
        self,
        data_type: str,
        record: dict[str, Any],
        *,
        operation: Operation = Operation.CREATE,
        record_id: str | None = None,
    ) -> list[dict[str, str]]:
        with pytest.raises(PushRejected) as refused:
            self.push(data_type, record, operation=operation, record_id=record_id)
        return refused.value.errors

    def pull(
        self, data_type: str, as_of: datetime, since: datetime | None = None, *, written: bool = True
    ) -> tuple[list[dict], list[str]]:
        request = FetchRequest(
            data_type,
            self.id,
            self.connection_id,
            {},
            LINKED,
            as_of,
            since,
            store=self.store if written else None,
        )

        async def run() -> tuple[list[dict], list[str]]:
            records: list[dict] = []
            deleted: list[str] = []
            async for batch in SANDBOX.fetch(request):
                records += batch.records
                deleted += batch.deleted_ids
            return records, deleted

        return asyncio.run(run())

    def snapshot(self, as_of: datetime, *, written: bool = True) -> dict[str, dict[str, dict]]:
        out: dict[str, dict[str, dict]] = {}
        for data_type in documents.DATA_TYPES:
            records, _ = self.pull(data_type, as_of, written=written)
            out[data_type] = {"_": records[0]} if data_type == "company" else {r["id"]: r for r in records}
        return out

    def account(self, key: str) -> dict[str, str]:
        return {"id": self.books.account_ids[AC[key]]}

    def customer(self, snapshot: dict, *, archived: bool = False) -> str:
        status = "Archived" if archived else "Active"
        return next(c["id"] for c in snapshot["customers"].values() if c["status"] == status)


def later(seconds: float = 60) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def journal_entry(company: Company, debit: str, credit: str, amount: float, **extra: Any) -> dict[str, Any]:
    return {
        "postedOn": company.today,
        "description": "Written through the API",
        "journalLines": [
            {"netAmount": amount, "accountRef": company.account(debit), "description": "debit"},
            {"netAmount": -amount, "accountRef": company.account(credit)},
        ],
        **extra,
    }


def invoice(company: Company, customer: str, **extra: Any) -> dict[str, Any]:
    return {
        "customerRef": {"id": customer},
        "issueDate": company.today,
        "lineItems": [
            {
                "description": "Consulting",
                "unitAmount": 100,
                "quantity": 3,
                "accountRef": company.account("sales_services"),
                "taxRateRef": {"id": company.books.tax_ids[0]},
                "itemRef": {"id": company.books.items[0].id},
                "trackingCategoryRefs": [{"id": company.books.tracking_ids[1]}],
            },
            {"description": "Delivery", "unitAmount": 12.5, "accountRef": company.account("sundry_income")},
        ],
        **extra,
    }


def payment(company: Company, customer: str, invoice_id: str, amount: float, **extra: Any) -> dict[str, Any]:
    return {
        "customerRef": {"id": customer},
        "accountRef": company.account("bank_current"),
        "date": company.today,
        "totalAmount": amount,
        "lines": [{"amount": amount, "links": [{"type": "Invoice", "id": invoice_id, "amount": -amount}]}],
        **extra,
    }


def assert_incremental(
    company: Company, first: dict, first_moment: datetime, second_moment: datetime
) -> dict[str, dict[str, dict]]:
    """A pull at `second_moment` since `first_moment`, applied to the first snapshot, is the full second."""
    second = company.snapshot(second_moment)
    for data_type in documents.LIST_TYPES:
        changes, deleted = company.pull(data_type, second_moment, since=first_moment)
        assert apply(first[data_type], changes, deleted) == second[data_type], data_type
    for data_type in documents.STATEMENT_TYPES:
        changes, _ = company.pull(data_type, second_moment, since=first_moment)
        assert apply(first[data_type], changes, []) == second[data_type], data_type
    return second
