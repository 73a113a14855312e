"""The record store's write path: a pull streams into a staging table, then one merge writes what changed.

A pull's records are serialised once (orjson), hashed, and COPYed into a temporary staging table on the
pull's own connection. Nothing touches `records` until the pull has fetched everything and passed its
checks; then one transaction inserts new records, rewrites only those whose content hash changed, and
marks deletions. A pull that dies part-way leaves `records` exactly as it was.

The first pull of a data type for a connection has nothing to merge with: it COPYs straight into
`records`, inside the same single transaction (so it is just as all-or-nothing), and the primary key
rejects duplicate ids.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ledgerlink.kit.clock import iso
from ledgerlink.records.registry import DataType, Shape

# A pull writing at least this many records refreshes the planner's statistics once it commits: straight
# after a bulk load they describe a far smaller table, and reads would pick a poor plan.
ANALYZE_AFTER = 5_000
# Single-object data types (company info) are stored under this record id.
SINGLE_RECORD_ID = "_"

_CREATE_STAGING = """
CREATE TEMP TABLE pull_staging (
    record_id text NOT NULL,
    data jsonb NOT NULL,
    content_hash bigint NOT NULL,
    source_modified_date timestamptz
) ON COMMIT DROP;
CREATE TEMP TABLE pull_deletions (record_id text NOT NULL) ON COMMIT DROP;
"""


class InvalidRecord(Exception):
    """A record the connector produced cannot be stored (no id, wrong shape)."""


def _copy_text(value: str) -> bytes:
    """A value for COPY's text format: backslash, tab and line breaks escaped."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r").encode()
    )


def _record_id(data_type: DataType, record: dict[str, Any]) -> str:
    if data_type.shape is Shape.SINGLE:
        return SINGLE_RECORD_ID
    parts = []
    for field in (data_type.id_field, *data_type.key_fields):
        value = record.get(field)
        if value is None or value == "":
            raise InvalidRecord(f"A {data_type.key} record has no {field}.")
        parts.append(str(value))
    # A balance is one account's on one date: its key is both.
    return "|".join(parts)


class DuplicateRecord(Exception):
    """The platform returned the same record id twice in one pull."""


@dataclass
class Staging:
    """The staging tables of one pull, on the connection that will also apply it."""

    connection: AsyncConnection
    data_type: DataType
    modified_iso: bytes
    # First pull of this type for the connection: rows go straight into `records` (see the module doc).
    direct_prefix: bytes | None = None
    staged: int = 0
    deletions: int = 0

    @classmethod
    async def open(
        cls, connection: AsyncConnection, data_type: DataType, now: datetime, connection_id: uuid.UUID
    ) -> Staging:
        raw = await connection.get_raw_connection()
        await raw.driver_connection.execute(_CREATE_STAGING)
        stored = await connection.scalar(
            text("SELECT EXISTS (SELECT 1 FROM records WHERE connection_id = :c AND data_type = :t)"),
            {"c": connection_id, "t": data_type.key},
        )
        modified_iso = (iso(now) or "").encode()
        prefix = None if stored else b"\t".join(
            (str(connection_id).encode(), _copy_text(data_type.key), modified_iso, b"f")
        ) + b"\t"
        return cls(connection, data_type, modified_iso, prefix)

    def _row(self, record: dict[str, Any]) -> bytes:
        if not isinstance(record, dict):
            raise InvalidRecord(f"A {self.data_type.key} record is not a JSON object.")
        record_id = _record_id(self.data_type, record)
        body = orjson.dumps(record)
        content_hash = int.from_bytes(hashlib.blake2b(body, digest_size=8).digest(), "big", signed=True)
        if self.data_type.has_modified_dates:
            # The stored record carries the time ledgerlink wrote it; the hash covers only the source's data.
            body = body[:-1] + (b"," if len(body) > 2 else b"") + b'"modifiedDate":"' + self.modified_iso + b'"}'
        source_modified = record.get("sourceModifiedDate")
        return (self.direct_prefix or b"") + b"\t".join(
            (
                _copy_text(record_id),
                body.replace(b"\\", b"\\\\"),
                str(content_hash).encode(),
                _copy_text(source_modified) if isinstance(source_modified, str) and source_modified else b"\\N",
            )
        ) + b"\n"

    async def add(self, records: Iterable[dict[str, Any]], deleted_ids: Iterable[str]) -> None:
        raw = await self.connection.get_raw_connection()
        cursor = raw.driver_connection.cursor()
        rows = b"".join(self._row(record) for record in records)
        if rows:
            target = (
                "records (connection_id, data_type, modified_date, is_deleted, record_id, data, content_hash, "
                "source_modified_date)"
                if self.direct_prefix
                else "pull_staging (record_id, data, content_hash, source_modified_date)"
            )
            try:
                async with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                    await copy.write(rows)
            except psycopg.errors.UniqueViolation as duplicate:
                raise DuplicateRecord(str(duplicate.diag.message_detail or duplicate)) from None
            self.staged += rows.count(b"\n")
        deleted = b"".join(_copy_text(str(record_id)) + b"\n" for record_id in deleted_ids)
        if deleted:
            async with cursor.copy("COPY pull_deletions (record_id) FROM STDIN") as copy:
                await copy.write(deleted)
            self.deletions += deleted.count(b"\n")

    async def duplicate_ids(self) -> list[str]:
        if self.direct_prefix:
            return []  # the primary key already refused them
        result = await self.connection.execute(
            text("SELECT record_id FROM pull_staging GROUP BY record_id HAVING count(*) > 1 LIMIT 5")
        )
        return [row[0] for row in result]

    async def changes(self, connection_id: uuid.UUID) -> int:
        """How many staged records are new or differ from what is stored (before anything is written)."""
        if self.direct_prefix:
            return self.staged
        result = await self.connection.scalar(
            text(
                "SELECT count(*) FROM pull_staging s LEFT JOIN records r ON r.connection_id = :connection "
                "AND r.data_type = :data_type AND r.record_id = s.record_id "
                "WHERE r.record_id IS NULL OR r.content_hash <> s.content_hash OR r.is_deleted"
            ),
            {"connection": connection_id, "data_type": self.data_type.key},
        )
        return int(result or 0)

    async def apply(self, connection_id: uuid.UUID, now: datetime, *, full: bool) -> int:
        modified = await self._merge(connection_id, now, full=full)
        await self._recount(connection_id, now)
        return modified

    async def _recount(self, connection_id: uuid.UUID, now: datetime) -> None:
        """Store how many records a read now shows, and when the type was last written."""
        hidden = "" if self.data_type.has_deletion_flag else " AND NOT is_deleted"
        params = {"connection": connection_id, "data_type": self.data_type.key, "now": now}
        await self.connection.execute(
            text(
                "INSERT INTO record_counts (connection_id, data_type, visible, synced_at) SELECT :connection, "
                "CAST(:data_type AS varchar), "
                f"count(*), :now FROM records WHERE connection_id = :connection AND data_type = :data_type{hidden} "
                "ON CONFLICT (connection_id, data_type) DO UPDATE SET visible = EXCLUDED.visible, "
                "synced_at = EXCLUDED.synced_at"
            ),
            params,
        )

    async def _merge(self, connection_id: uuid.UUID, now: datetime, *, full: bool) -> int:
        """Write the staged pull into `records`; returns how many records were created, changed or deleted.

        A full pull also deletes stored records it did not see (except statements, whose months outside
        the synced window are simply not asked for).
        """
        if self.direct_prefix:
            return self.staged
        params = {"connection": connection_id, "data_type": self.data_type.key, "now": now}
        upserted = await self.connection.execute(
            text(
                "INSERT INTO records (connection_id, data_type, record_id, data, content_hash, modified_date, "
                "source_modified_date, is_deleted) "
                "SELECT :connection, :data_type, record_id, data, content_hash, :now, source_modified_date, false "
                "FROM pull_staging "
                "ON CONFLICT (connection_id, data_type, record_id) DO UPDATE SET data = EXCLUDED.data, "
                "content_hash = EXCLUDED.content_hash, modified_date = EXCLUDED.modified_date, "
                "source_modified_date = EXCLUDED.source_modified_date, is_deleted = false "
                "WHERE records.content_hash <> EXCLUDED.content_hash OR records.is_deleted"
            ),
            params,
        )
        if full and self.data_type.shape is not Shape.STATEMENT:
            await self.connection.execute(
                text(
                    "INSERT INTO pull_deletions (record_id) SELECT r.record_id FROM records r "
                    "WHERE r.connection_id = :connection AND r.data_type = :data_type AND NOT r.is_deleted "
                    "AND NOT EXISTS (SELECT 1 FROM pull_staging s WHERE s.record_id = r.record_id)"
                ),
                params,
            )
        deleted = await self.connection.execute(
            text(
                "UPDATE records r SET is_deleted = true, modified_date = :now, data = "
                + (
                    "jsonb_set(r.data || jsonb_build_object('metadata', CASE WHEN jsonb_typeof(r.data -> "
                    "'metadata') = 'object' THEN r.data -> 'metadata' ELSE '{}'::jsonb END), "
                    "'{metadata,isDeleted}', 'true'::jsonb)"
                    if self.data_type.has_deletion_flag
                    else "r.data"
                )
                + (" || jsonb_build_object('modifiedDate', CAST(:now_iso AS text))" if self.data_type.has_modified_dates else "")
                + " WHERE r.connection_id = :connection AND r.data_type = :data_type AND NOT r.is_deleted "
                "AND r.record_id IN (SELECT record_id FROM pull_deletions)"
            ),
            {**params, "now_iso": iso(now)},
        )
        return (upserted.rowcount or 0) + (deleted.rowcount or 0)


async def refresh_statistics(connection: AsyncConnection) -> None:
    await connection.execute(text("ANALYZE records"))
