"""What a platform without state of its own holds for a connection: `PlatformStore` over `platform_records`.

The sandboxes recompute their books from the company id and keep nothing; a record written to one has to be
kept somewhere, and this is where. Connectors get it as `FetchRequest.store` and `PushRequest.store`, so they
still import nothing of the database.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerlink.connections.models import StoredPlatformRecord
from ledgerlink.connectors.base import PlatformRecord
from ledgerlink.db import transaction_lock
from ledgerlink.kit.clock import utcnow


class PlatformRecords:
    """One connection's platform records; every call is its own committed transaction, as a platform's own
    storage would be (a push that crashes after `add` has still written its record). A record has versions:
    each `add` is one more row, in the order `seq` keeps."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], connection_id: uuid.UUID) -> None:
        self.sessionmaker = sessionmaker
        self.connection_id = connection_id

    async def _lock(self, session: AsyncSession, *, shared: bool) -> None:
        # A writer stamps `written_at` only once it holds the lock, and a reader lists under it: a pull that
        # fixed its moment before listing either sees a record or finds it written after that moment, so an
        # incremental pull never skips a record committed late.
        await transaction_lock(session, f"platform-records:{self.connection_id}", shared=shared)

    async def add(
        self,
        data_type: str,
        record_id: str,
        data: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        deleted: bool = False,
    ) -> PlatformRecord:
        """A version of a record, written now (see `PlatformStore.add`): under a key already used on the
        connection, nothing is added and the version kept under it is returned."""
        async with self.sessionmaker() as session, session.begin():
            await self._lock(session, shared=False)
            row = await session.scalar(
                insert(StoredPlatformRecord)
                .values(
                    connection_id=self.connection_id,
                    data_type=data_type,
                    record_id=record_id,
                    idempotency_key=idempotency_key,
                    written_at=utcnow(),
                    data=data,
                    deleted=deleted,
                )
                .on_conflict_do_nothing()
                .returning(StoredPlatformRecord)
            )
            if row is None:
                # Only the idempotency key is unique: the key's push has already written its version.
                assert idempotency_key is not None
                row = await self._by_key(session, idempotency_key)
                assert row is not None
            return _record(row)

    async def get_by_idempotency_key(self, idempotency_key: str) -> PlatformRecord | None:
        async with self.sessionmaker() as session:
            row = await self._by_key(session, idempotency_key)
            return None if row is None else _record(row)

    async def records(self, data_type: str | None = None) -> list[PlatformRecord]:
        async with self.sessionmaker() as session, session.begin():
            await self._lock(session, shared=True)
            statement = select(StoredPlatformRecord).where(
                StoredPlatformRecord.connection_id == self.connection_id
            )
            if data_type is not None:
                statement = statement.where(StoredPlatformRecord.data_type == data_type)
            rows = await session.scalars(statement.order_by(StoredPlatformRecord.seq))
            return [_record(row) for row in rows]

    async def _by_key(self, session: AsyncSession, idempotency_key: str) -> StoredPlatformRecord | None:
        return await session.scalar(
            select(StoredPlatformRecord).where(
                StoredPlatformRecord.connection_id == self.connection_id,
                StoredPlatformRecord.idempotency_key == idempotency_key,
            )
        )


def _record(row: StoredPlatformRecord) -> PlatformRecord:
    return PlatformRecord(
        data_type=row.data_type,
        record_id=row.record_id,
        idempotency_key=row.idempotency_key,
        written_at=row.written_at,
        data=row.data,
        deleted=row.deleted,
    )
