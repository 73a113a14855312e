"""The Accounting Sandbox (`mqjo`): deterministic, coherent books for any company, at any volume.

The books are simulated in `books.py` (time and volume model, ledger) and shaped as Codat records in
`views.py`. Credentials: any JSON object links the Sandbox; optional `scale` (a whole number, 1 to 100,000)
multiplies the volume of its books (scale 1 is a small business: 2,600 to 4,000 records at linking; scale 400
gives over a million), and optional `speed` (a number, 1 to 10,000,000) makes its clock run faster than real
time: `simulated(t) = linked_at + (t - linked_at) * speed`.

Writes: journal entries, invoices, payments and suppliers can be created (`push`); they are checked against
the books as a platform would check them, kept in ledgerlink's platform store for the connection, and from
then on part of the books every pull computes: listed with their type, posted to the ledger (account
balances, statements, bank accounts and transactions), and paying invoices (`writes.py` has the rules).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

from ledgerlink.connectors.base import (
    Batch,
    Branding,
    Connector,
    ConnectorInfo,
    DataTypeNotSupported,
    FetchRequest,
    PlatformFailed,
    PlatformRecord,
    PushRequest,
)
from ledgerlink.connectors.sandbox import views, writes
from ledgerlink.connectors.sandbox.books import Books
from ledgerlink.connectors.sandbox.simulation import check_volume_credentials, stream_batches
from ledgerlink.kit.clock import utcnow
from ledgerlink.records.registry import SourceType

BATCH_SIZE = 2_000


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class AccountingSandbox(Connector):
    info = ConnectorInfo(
        key="mqjo",
        name="Sandbox",
        source_type=SourceType.ACCOUNTING,
        branding=Branding(mark="SB", background="#4b5ad6"),
        data_types=views.DATA_TYPES,
        data_provided_by="ledgerlink",
        is_sandbox=True,
        writable_data_types=writes.WRITABLE_DATA_TYPES,
    )

    def check_credentials(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """Any JSON object links the Sandbox; optional `scale` sets its books' volume, `speed` its clock."""
        return check_volume_credentials(credentials)

    def books(
        self, request: FetchRequest | PushRequest, written: list[PlatformRecord] | None = None
    ) -> Books:
        """The connection's books, with what was `written` to them (`PlatformStore.records()`)."""
        credentials = request.credentials or {}
        scale = int(credentials.get("scale", 1) or 1)
        speed = float(credentials.get("speed", 1) or 1)
        # Built per pull (cheap: catalogues only), so no memory outlives a pull.
        books = Books(request.company_id, _utc(request.linked_at), scale, speed)
        if written:
            books.written = writes.Written(books, written)
        return books

    def records(
        self, request: FetchRequest, written: list[PlatformRecord] | None = None
    ) -> Iterator[dict[str, Any] | str | None]:
        """The pull as a plain iterator: records, deleted ids (str) and None ticks (see `views.pull`)."""
        if request.data_type not in views.DATA_TYPES:
            raise DataTypeNotSupported(request.data_type)
        books = self.books(request, written)
        T = books.simulated_t(_utc(request.as_of))
        S = None if request.since is None else books.simulated_t(_utc(request.since))
        if S is not None and written:
            # Simulated time is in whole seconds: a record written after the last pull's moment can fall in
            # that moment's second, which the window (S, T] leaves out. Start the window before the first
            # such record (the rest of that second comes again, unchanged, which the store does not rewrite).
            since = _utc(request.since)
            after = [books.simulated_t(record.written_at) for record in written if record.written_at > since]
            if after:
                S = min(S, min(after) - 1)
        sync_from = None
        if request.sync_from is not None:
            sync_from = int((_utc(request.sync_from) - books.start).total_seconds())
        return views.pull(
            books, request.data_type, T, S, months_to_sync=request.months_to_sync, sync_from=sync_from
        )

    async def fetch(self, request: FetchRequest) -> AsyncIterator[Batch]:
        written = await request.store.records() if request.store is not None else None
        async for batch in stream_batches(self.records(request, written), BATCH_SIZE):
            yield batch

    async def push(self, request: PushRequest) -> dict[str, Any]:
        """Create a journal entry, invoice, payment or supplier: checked against the books as they stand now,
        then kept under the push's idempotency key (a retried push finds its record there and creates none)."""
        if request.data_type not in writes.WRITABLE_DATA_TYPES:
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
            record = writes.create(
                books, books.written, request.data_type, request.record, request.idempotency_key, T
            )
            kept = await store.add(
                request.data_type, record["id"], record, idempotency_key=request.idempotency_key
            )
            if all(other.record_id != kept.record_id for other in written):
                written.append(kept)
        books = self.books(request, written)
        return views.written_record(books, kept.data_type, kept.record_id, books.simulated_t(utcnow()))
