"""The record store's write path: a pull streams into a staging table, then one merge writes what changed.

A pull's records are serialised once (orjson), hashed, and COPYed into a temporary staging table on the
pull's own connection, in COPY's binary format: PostgreSQL takes the ids, hashes, timestamps and the
connection's uuid as they are instead of parsing text for each row, and the JSON needs no escaping. One
COPY stays open for the whole fetch (`Staging.loading`), so PostgreSQL parses
and stores rows while Python produces the next ones; deleted ids travel in the same stream as rows
without data. Nothing touches `records` until the pull has fetched everything and passed its
checks; then one transaction inserts new records, rewrites only those whose content hash changed, and
marks deletions. A pull that dies part-way leaves `records` exactly as it was.

The first pull of a data type for a connection has nothing to merge with: it COPYs straight into
`records`, inside the same single transaction (so it is just as all-or-nothing), and the primary key
rejects duplicate ids.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
import xxhash
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ledgerlink.kit.clock import iso
from ledgerlink.kit.query import parse_datetime
from ledgerlink.records.models import Record
from ledgerlink.records.registry import DataType, Shape

# A pull writing at least this many records has the planner's statistics refreshed (a maintenance job):
# straight after a bulk load they describe a far smaller table, and reads would pick a poor plan.
ANALYZE_AFTER = 5_000
# Socket send buffer for a pull's COPY (the kernel caps it at net.core.wmem_max).
SEND_BUFFER_BYTES = 4 << 20
# Records serialised per COPY write (see `Staging.add`).
WRITE_SLICE = 128
# Single-object data types (company info) are stored under this record id.
SINGLE_RECORD_ID = "_"

_CREATE_STAGING = """
CREATE TEMP TABLE pull_staging (
    record_id text NOT NULL,
    data json,  -- NULL: the platform reported the record deleted
    content_hash bigint,
    record_date timestamptz
) ON COMMIT DROP;
CREATE TEMP TABLE pull_deletions (record_id text NOT NULL) ON COMMIT DROP;
"""


class InvalidRecord(Exception):
    """A record the connector produced cannot be stored (no id, wrong shape)."""


# COPY's binary format: a signature and an empty header; each row a field count, then each field as a length
# and its bytes (-1: NULL); a trailer of -1.
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
_NULL = struct.pack(">i", -1)
_INT64 = struct.Struct(">iq")  # a bigint or timestamptz field: length 8, then the value
_LENGTH = struct.Struct(">i")
_POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _field(value: bytes) -> bytes:
    return _LENGTH.pack(len(value)) + value


def _timestamp(moment: datetime) -> bytes:
    """A timestamptz field: microseconds since 2000-01-01 UTC (a naive moment is UTC, the session's zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    since = moment - _POSTGRES_EPOCH  # days, seconds and microseconds: cheaper than dividing the timedelta
    return _INT64.pack(8, (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds)


def _record_date(value: Any) -> bytes:
    """A record's date as a timestamptz field, read exactly as `query=` reads it; NULL if it is none."""
    if type(value) is not str:
        return _NULL
    try:
        return _timestamp(_plain_moment(value) or parse_datetime(value))
    except (ValueError, OverflowError):
        return _NULL


def _plain_moment(value: str) -> datetime | None:
    """A date as platforms write it (`YYYY-MM-DD`, or with `THH:MM` and more) read by `fromisoformat`, which
    reads it as `parse_datetime` does: it is what `parse_datetime` ends with, and this shape needs none of its
    preparation. None: `parse_datetime` is to read it (another shape, or one `fromisoformat` refuses). This
    runs once per stored record: a pattern match per record cost more than the parse."""
    if value[4:5] == "-" and value[7:8] == "-" and (len(value) == 10 or value[10:14:3] == "T:"):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


_BIGINT_OFFSET = 1 << 63


def _content_hash(body: bytes) -> int:
    """A 64-bit digest of the record (XXH3, to tell a changed record, not to resist forgery) as a bigint."""
    return xxhash.xxh3_64_intdigest(body) - _BIGINT_OFFSET


def _record_id(data_type: DataType, record: dict[str, Any]) -> str:
    if data_type.shape is Shape.SINGLE:
        return SINGLE_RECORD_ID
    if not data_type.key_fields:
        value = record.get(data_type.id_field)
        if type(value) is str and value:
            return value
    parts = []
    for name in (data_type.id_field, *data_type.key_fields):
        value = record.get(name)
        if value is None or value == "":
            raise InvalidRecord(f"A {data_type.key} record has no {name}.")
        parts.append(str(value))
    # A balance is one account's on one date: its key is both.
    return "|".join(parts)


def _widen_send_buffer(fd: int) -> None:
    """Let the kernel hold more of the COPY stream: PostgreSQL has rows to store while Python builds more."""
    with socket.socket(fileno=os.dup(fd)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)


class ConnectionGone(Exception):
    """The connection was deleted before its pull could store anything."""


class DuplicateRecord(Exception):
    """The platform returned the same record id twice in one pull."""


async def _psycopg(connection: AsyncConnection) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under SQLAlchemy's, for what only psycopg offers (COPY, its socket)."""
    driver = (await connection.get_raw_connection()).driver_connection
    if not isinstance(driver, psycopg.AsyncConnection):
        raise TypeError(f"The record store needs psycopg's async driver, not {type(driver).__name__}.")
    return driver


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
    _copy: Any = field(default=None, repr=False)
    _prefix: bytes = field(default=b"", init=False, repr=False)
    _stamp: bytes = field(default=b"", init=False, repr=False)
    _dated_by: str | None = field(default=None, init=False, repr=False)

    @classmethod
    async def open(
        cls, connection: AsyncConnection, data_type: DataType, now: datetime, connection_id: uuid.UUID
    ) -> Staging:
        # What a foreign key would do, once rather than per row: the connection exists, and cannot be
        # deleted (and its records purged) until this pull's transaction ends.
        exists = await connection.scalar(
            text("SELECT true FROM connections WHERE id = :c FOR KEY SHARE"), {"c": connection_id}
        )
        if not exists:
            raise ConnectionGone(f"Connection {connection_id} no longer exists.")
        await (await _psycopg(connection)).execute(_CREATE_STAGING)
        stored = await connection.scalar(
            text("SELECT EXISTS (SELECT 1 FROM records WHERE connection_id = :c AND data_type = :t)"),
            {"c": connection_id, "t": data_type.key},
        )
        modified_iso = (iso(now) or "").encode()
        # The fields every row of a first pull shares: connection, data type, modified date, not deleted.
        prefix = (
            None
            if stored
            else (
                struct.pack(">h", 8)
                + _field(connection_id.bytes)
                + _field(data_type.key.encode())
                + _timestamp(now)
                + _field(b"\x00")
            )
        )
        return cls(connection, data_type, modified_iso, prefix)

    def __post_init__(self) -> None:
        # What every row of this pull shares, worked out once.
        self._prefix = self.direct_prefix or struct.pack(">h", 4)
        self._stamp = (
            b'"modifiedDate":"' + self.modified_iso + b'"}' if self.data_type.has_modified_dates else b""
        )
        self._dated_by = self.data_type.dated_by

    def _row(self, record: dict[str, Any]) -> bytes:
        if not isinstance(record, dict):
            raise InvalidRecord(f"A {self.data_type.key} record is not a JSON object.")
        record_id = _record_id(self.data_type, record)
        body = orjson.dumps(record)
        content_hash = _content_hash(body)
        if self._stamp:
            # The stored record carries the time ledgerlink wrote it; the hash covers only the source's data.
            body = body[:-1] + (b"," if len(body) > 2 else b"") + self._stamp
        dated = _record_date(record.get(self._dated_by)) if self._dated_by else _NULL
        return b"".join(
            (self._prefix, _field(record_id.encode()), _field(body), _INT64.pack(8, content_hash), dated)
        )

    @asynccontextmanager
    async def loading(self) -> AsyncIterator[None]:
        """One COPY open while the pull fetches: `add` writes into it without waiting for the server."""
        driver = await _psycopg(self.connection)
        target = (
            "records (connection_id, data_type, modified_date, is_deleted, record_id, data, content_hash, "
            "record_date)"
            if self.direct_prefix
            else "pull_staging (record_id, data, content_hash, record_date)"
        )
        _widen_send_buffer(driver.pgconn.socket)
        try:
            async with driver.cursor().copy(f"COPY {target} FROM STDIN (FORMAT binary)") as copy:
                self._copy = copy
                await copy.write(_SIGNATURE)
                yield
                await copy.write(_TRAILER)
        except psycopg.errors.UniqueViolation as duplicate:
            raise DuplicateRecord(str(duplicate.diag.message_detail or duplicate)) from None
        finally:
            self._copy = None

    async def add(self, records: Sequence[dict[str, Any]], deleted_ids: Iterable[str]) -> None:
        assert self._copy is not None, "Staging.add runs inside Staging.loading()"
        # Serialise and send in small slices: each write hands PostgreSQL work to do while Python builds
        # the next slice, instead of leaving it idle while a whole batch is serialised. A write that finds
        # the socket ready does not give the event loop a turn, so each slice ends with one: the API shares
        # the loop (`ledgerlink serve`), and a batch of large records is tens of milliseconds of Python.
        for start in range(0, len(records), WRITE_SLICE):
            rows = b"".join([self._row(record) for record in records[start : start + WRITE_SLICE]])
            await self._copy.write(rows)
            await asyncio.sleep(0)
        self.staged += len(records)
        if not self.direct_prefix:
            # A first pull has nothing stored to delete.
            deleted = [
                self._prefix + _field(str(record_id).encode()) + _NULL + _NULL + _NULL
                for record_id in deleted_ids
            ]
            if deleted:
                self.deletions += len(deleted)
                await self._copy.write(b"".join(deleted))

    async def duplicate_ids(self) -> list[str]:
        if self.direct_prefix:
            return []  # the primary key already refused them
        result = await self.connection.execute(
            text(
                "SELECT record_id FROM pull_staging WHERE data IS NOT NULL GROUP BY record_id HAVING "
                "count(*) > 1 "
                "LIMIT 5"
            )
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
                "WHERE s.data IS NOT NULL AND (r.record_id IS NULL OR r.content_hash <> s.content_hash OR "
                "r.is_deleted)"
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
        params = {
            "connection": connection_id,
            "data_type": self.data_type.key,
            "now": now,
            "staged": self.staged,
        }
        # A first pull wrote exactly what it staged, none deleted: no need to count a million index entries.
        counted = (
            "CAST(:staged AS bigint)"
            if self.direct_prefix
            else (
                "(SELECT count(*) FROM records WHERE connection_id = :connection AND data_type = "
                f":data_type{hidden})"
            )
        )
        await self.connection.execute(
            text(
                "INSERT INTO record_counts (connection_id, data_type, visible, synced_at) "
                f"SELECT :connection, CAST(:data_type AS varchar), {counted}, :now "
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
                "INSERT INTO records (connection_id, data_type, record_id, data, content_hash, "
                "modified_date, record_date, is_deleted) "
                "SELECT :connection, :data_type, record_id, data, content_hash, :now, record_date, false "
                "FROM pull_staging WHERE data IS NOT NULL "
                "ON CONFLICT (connection_id, data_type, record_id) DO UPDATE SET data = EXCLUDED.data, "
                "content_hash = EXCLUDED.content_hash, modified_date = EXCLUDED.modified_date, "
                "record_date = EXCLUDED.record_date, "
                "is_deleted = false "
                "WHERE records.content_hash <> EXCLUDED.content_hash OR records.is_deleted"
            ),
            params,
        )
        if full and self.data_type.shape is not Shape.STATEMENT:
            await self.connection.execute(
                text(
                    "INSERT INTO pull_deletions (record_id) SELECT r.record_id FROM records r "
                    "WHERE r.connection_id = :connection AND r.data_type = :data_type AND NOT r.is_deleted "
                    "AND NOT EXISTS (SELECT 1 FROM pull_staging s WHERE s.record_id = r.record_id AND "
                    "s.data IS NOT NULL)"
                ),
                params,
            )
        deleted = await self.connection.execute(
            text(
                "UPDATE records r SET is_deleted = true, modified_date = :now, data = CAST("
                + (
                    "jsonb_set(r.data::jsonb || jsonb_build_object('metadata', "
                    "CASE WHEN json_typeof(r.data -> 'metadata') = 'object' "
                    "THEN r.data::jsonb -> 'metadata' ELSE '{}'::jsonb END), "
                    "'{metadata,isDeleted}', 'true'::jsonb)"
                    if self.data_type.has_deletion_flag
                    else "r.data::jsonb"
                )
                + (
                    " || jsonb_build_object('modifiedDate', CAST(:now_iso AS text))"
                    if self.data_type.has_modified_dates
                    else ""
                )
                + " AS json)"
                + " WHERE r.connection_id = :connection AND r.data_type = :data_type AND NOT r.is_deleted "
                "AND r.record_id IN (SELECT record_id FROM pull_deletions UNION ALL "
                "SELECT record_id FROM pull_staging WHERE data IS NULL)"
            ),
            {**params, "now_iso": iso(now)},
        )
        return (upserted.rowcount or 0) + (deleted.rowcount or 0)


async def purge(session: AsyncSession, connection_ids: list[uuid.UUID]) -> None:
    """Delete the stored records of connections being deleted (in the caller's transaction)."""
    if connection_ids:
        await session.execute(delete(Record).where(Record.connection_id.in_(connection_ids)))


async def refresh_statistics(connection: AsyncConnection) -> None:
    await connection.execute(text("ANALYZE records"))
