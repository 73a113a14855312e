"""The Accounting Sandbox (`mqjo`): deterministic, coherent books for any company, at any volume.

The books are simulated in `books.py` (time and volume model, ledger) and shaped as Codat records in
`views.py`. Credentials: any JSON object links the Sandbox; optional `scale` (a whole number, 1 to 100,000)
multiplies the volume of its books (scale 1 is a small business: 2,600 to 4,000 records at linking; scale 400
gives over a million), and optional `speed` (a number, 1 to 10,000,000) makes its clock run faster than real
time: `simulated(t) = linked_at + (t - linked_at) * speed`.
"""

from __future__ import annotations

import asyncio
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
)
from ledgerlink.connectors.sandbox import views
from ledgerlink.connectors.sandbox.books import Books
from ledgerlink.connectors.sandbox.simulation import check_volume_credentials
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
    )

    def check_credentials(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """Any JSON object links the Sandbox; optional `scale` sets its books' volume, `speed` its clock."""
        return check_volume_credentials(credentials)

    def books(self, request: FetchRequest) -> Books:
        credentials = request.credentials or {}
        scale = int(credentials.get("scale", 1) or 1)
        speed = float(credentials.get("speed", 1) or 1)
        # Built per pull (cheap: catalogues only), so no memory outlives a pull.
        return Books(request.company_id, _utc(request.linked_at), scale, speed)

    def records(self, request: FetchRequest) -> Iterator[dict[str, Any] | str | None]:
        """The pull as a plain iterator: records, deleted ids (str) and None ticks (see `views.pull`)."""
        if request.data_type not in views.DATA_TYPES:
            raise DataTypeNotSupported(request.data_type)
        books = self.books(request)
        T = books.simulated_t(_utc(request.as_of))
        S = None if request.since is None else books.simulated_t(_utc(request.since))
        sync_from = None
        if request.sync_from is not None:
            sync_from = int((_utc(request.sync_from) - books.start).total_seconds())
        return views.pull(
            books, request.data_type, T, S, months_to_sync=request.months_to_sync, sync_from=sync_from
        )

    async def fetch(self, request: FetchRequest) -> AsyncIterator[Batch]:
        records: list[dict[str, Any]] = []
        deleted: list[str] = []
        for item in self.records(request):
            if item is None:
                await asyncio.sleep(0)
                continue
            if type(item) is str:
                deleted.append(item)
            else:
                records.append(item)
            if len(records) + len(deleted) >= BATCH_SIZE:
                yield Batch(records, deleted)
                records, deleted = [], []
        if records or deleted:
            yield Batch(records, deleted)
