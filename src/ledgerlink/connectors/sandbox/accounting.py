"""The Accounting Sandbox (`mqjo`): deterministic, coherent books for any company, at any volume.

The books are simulated in `books.py` (on `simulation.py`'s clock, like the Banking and Commerce Sandboxes)
and shaped as Codat records in `documents.py`. Credentials: any JSON object links the Sandbox; optional
`scale` (a whole number, 1 to 100,000) multiplies the volume of its books (scale 1 is a small business: 4,400
to 7,200 records at linking; scale 400 gives over a million), and optional `speed` (a number, 1 to
10,000,000) makes its clock run faster than real time: `simulated(t) = linked_at + (t - linked_at) * speed`.

Writes (`push`): customers, invoices, credit notes, payments, journal entries, suppliers, bills, bill credit
notes, bill payments, purchase orders, accounts, bank accounts and their bank transactions, transfers, direct
costs and incomes, items and journals are created, some updated and deleted (`writes.WRITERS`); each is
checked against the books as a platform would check it, kept as a version in ledgerlink's platform store for
the connection, and from then on part of the books every pull computes: listed with their type, posted to the
ledger (account balances, statements, bank accounts and transactions), new accounts in the chart, and paying
invoices and bills, until a later version or a delete replaces it (the `writes` package has the rules).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ledgerlink.connectors.base import (
    Branding,
    ConnectorInfo,
    DataTypeNotSupported,
    FetchRequest,
    PlatformFailed,
    PlatformRecord,
    PushRejected,
    PushRequest,
)
from ledgerlink.connectors.sandbox import documents, writes
from ledgerlink.connectors.sandbox.books import AccountingBooks
from ledgerlink.connectors.sandbox.simulation import Item, SimulatedSandbox, Window, utc, volume
from ledgerlink.kit.clock import utcnow
from ledgerlink.records.registry import SourceType


class AccountingSandbox(SimulatedSandbox[AccountingBooks]):
    info = ConnectorInfo(
        key="mqjo",
        name="Sandbox",
        source_type=SourceType.ACCOUNTING,
        branding=Branding(mark="SB", background="#4b5ad6"),
        data_types=documents.DATA_TYPES,
        data_provided_by="ledgerlink",
        is_sandbox=True,
        writable_data_types=writes.WRITABLE_DATA_TYPES,
        updatable_data_types=writes.UPDATABLE_DATA_TYPES,
        deletable_data_types=writes.DELETABLE_DATA_TYPES,
    )
    batch_size = 2_000

    def model(self, company_id: uuid.UUID, linked_at: datetime, scale: int, speed: float) -> AccountingBooks:
        # Built per pull (cheap: catalogues only, the calendar is shared), so no memory outlives a pull.
        return AccountingBooks(company_id, linked_at, scale, speed)

    def items(self, model: AccountingBooks, data_type: str, window: Window) -> Iterator[Item]:
        return documents.pull(model, data_type, window)

    def books(
        self, request: FetchRequest | PushRequest, written: list[PlatformRecord] | None = None
    ) -> AccountingBooks:
        """The connection's books, with what was `written` to them (`PlatformStore.records()`)."""
        scale, speed = volume(request.credentials)
        books = self.model(request.company_id, utc(request.linked_at), scale, speed)
        if written:
            books.written = writes.Written(books, written)
        return books

    async def items_of(self, request: FetchRequest) -> Iterator[Item]:
        """The pull, with what was written to the connection's books (read from the platform store)."""
        written = await request.store.records() if request.store is not None else None
        return self.records(request, written)

    def records(self, request: FetchRequest, written: list[PlatformRecord] | None = None) -> Iterator[Item]:
        """The pull as a plain iterator: records, deleted ids (str) and None ticks (see `documents.pull`)."""
        if request.data_type not in documents.DATA_TYPES:
            raise DataTypeNotSupported(request.data_type)
        books = self.books(request, written)
        window = books.window(request)
        if window.S is not None and request.since is not None and written:
            # Simulated time is in whole seconds: a record written after the last pull's moment can fall in
            # that moment's second, which the window (S, T] leaves out. Start the window before the first
            # such record (the rest of that second comes again, unchanged, which the store does not rewrite).
            since = utc(request.since)
            after = [books.simulated_t(row.written_at) for row in written if row.written_at > since]
            if after:
                window = dataclasses.replace(window, S=min(window.S, min(after) - 1))
        return self.items(books, request.data_type, window)

    async def push(self, request: PushRequest) -> dict[str, Any]:
        """Create, update or delete a record: checked against the books as they stand now, then kept as a
        version under the push's idempotency key (a retried push finds its version there, writing none)."""
        if not self.info.writes(request.operation, request.data_type):
            raise DataTypeNotSupported(request.data_type)
        store = request.store
        if store is None:
            raise PlatformFailed(
                "The Sandbox keeps what is written to it in ledgerlink's platform store; none was given."
            )
        kept = await store.get_by_idempotency_key(request.idempotency_key)
        written = await store.records()
        if kept is None:
            books = self.books(request, written)
            books.written = books.written or writes.Written(books)
            T = books.simulated_t(utcnow())
            record_id, data, deleted = writes.write(
                books,
                books.written,
                request.operation,
                request.data_type,
                _with_account(request),
                request.idempotency_key,
                T,
                request.record_id,
            )
            kept = await store.add(
                request.data_type, record_id, data, idempotency_key=request.idempotency_key, deleted=deleted
            )
            if all(other.idempotency_key != kept.idempotency_key for other in written):
                written.append(kept)
        books = self.books(request, written)
        return documents.written_record(books, kept.data_type, kept.record_id, books.simulated_t(utcnow()))


def _with_account(request: PushRequest) -> dict[str, Any]:
    """The record to write: bank transactions pushed to `.../bankAccounts/{accountId}/bankTransactions` are
    for the path's account (a body naming another is refused)."""
    if request.account_id is None:
        return request.record
    named = request.record.get("accountId")
    if named is not None and named != request.account_id:
        raise PushRejected(
            f"The body's accountId ({named}) is not the account pushed to ({request.account_id}).",
            [
                {
                    "itemId": "accountId",
                    "message": f"must be the account in the path ({request.account_id}) or left out",
                    "validatorName": "BankTransactions",
                }
            ],
        )
    return {**request.record, "accountId": request.account_id}
