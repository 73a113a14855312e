"""Pulls of the Accounting Sandbox in-process (no server): `collect` runs a pull through
`AccountingSandbox.fetch` with a constructed `FetchRequest`, and `snapshot` keeps every data type of a full
pull (cached per moment and scale, so the test modules that check the same books share them). The Sandbox's
clock runs at one simulated day per real second, so `at(days)` is the real moment `days` simulated days
after linking."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from ledgerlink.connectors.base import Batch, FetchRequest
from ledgerlink.connectors.sandbox import documents
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.connectors.sandbox.books import DAY

SANDBOX = AccountingSandbox()
COMPANY = uuid.UUID("3f2b8c1e-9a4d-4e2b-8c7f-1a2b3c4d5e6f")
OTHER_COMPANY = uuid.UUID("9c0d7a55-1e2f-4b3c-8d4e-5f6a7b8c9d0e")
CONNECTION = uuid.UUID("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
LINKED = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
SPEED = 86_400  # one simulated day per real second
ALL_MONTHS = 60


def at(days: float) -> datetime:
    """The real moment at which the sandbox's clock shows `days` simulated days after linking."""
    return LINKED + timedelta(seconds=days * DAY / SPEED)


def request(
    data_type: str,
    as_of: datetime,
    since: datetime | None = None,
    *,
    scale: int = 1,
    company: uuid.UUID = COMPANY,
    months: int = ALL_MONTHS,
    sync_from: datetime | None = None,
) -> FetchRequest:
    return FetchRequest(
        data_type=data_type,
        company_id=company,
        connection_id=CONNECTION,
        credentials={"scale": scale, "speed": SPEED},
        linked_at=LINKED,
        as_of=as_of,
        since=since,
        sync_from=sync_from,
        months_to_sync=months,
    )


def collect(
    data_type: str, as_of: datetime, since: datetime | None = None, **kwargs: Any
) -> tuple[list, list]:
    async def run() -> tuple[list, list]:
        records: list[dict] = []
        deleted: list[str] = []
        async for batch in SANDBOX.fetch(request(data_type, as_of, since, **kwargs)):
            assert isinstance(batch, Batch)
            assert 0 < len(batch.records) + len(batch.deleted_ids) <= 5_000
            records += batch.records
            deleted += batch.deleted_ids
        return records, deleted

    return asyncio.run(run())


def snapshot(days: float, scale: int = 1) -> dict[str, dict[str, dict]]:
    """Every data type of a full pull, by id (statements by month, company info under "_")."""
    return _snapshot(float(days), scale)


@cache
def _snapshot(days: float, scale: int) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for data_type in documents.DATA_TYPES:
        records, deleted = collect(data_type, at(days), scale=scale)
        assert deleted == []
        if data_type == "company":
            assert len(records) == 1
            out[data_type] = {"_": records[0]}
            continue
        by_id = {r["id"]: r for r in records}
        assert len(by_id) == len(records), f"duplicate ids in {data_type}"
        out[data_type] = by_id
    return out
