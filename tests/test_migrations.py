"""Migrations replay as they ran when they were written, whatever today's code says.

Migration 0004 reads each data type's dated property (`record_date`) out of the stored JSON and indexes it;
it carries its own frozen copy of the types and of the SQL that reads a date, so a replay on an old database
gives the rows and indexes it gave when written. The expected values below are what 0004 produced with the
live registry and query compiler it imported before the copy was frozen.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, text

from ledgerlink.database import alembic_config
from ledgerlink.db import sqlalchemy_url
from tests.support.server import separate_database

CONNECTION = uuid.UUID("00000000-0000-4000-8000-000000000001")

# (data type, record id, record) stored before 0004, and the `record_date` 0004 gives it.
RECORDS: list[tuple[str, str, dict[str, object], datetime | None]] = [
    # Digits past the microsecond are cut, not rounded.
    (
        "invoices",
        "seven-digits",
        {"issueDate": "2024-02-29T10:00:00.9999999Z"},
        datetime(2024, 2, 29, 10, 0, 0, 999999, UTC),
    ),
    ("invoices", "date-only", {"issueDate": "2024-03-01"}, datetime(2024, 3, 1, tzinfo=UTC)),
    (
        "invoices",
        "offset",
        {"issueDate": "2024-03-01T23:30:00+02:00"},
        datetime(2024, 3, 1, 21, 30, tzinfo=UTC),
    ),
    ("invoices", "no-date", {"issueDate": "not a date"}, None),
    ("invoices", "compact", {"issueDate": "20240229"}, None),
    ("invoices", "word", {"issueDate": "today"}, None),
    ("invoices", "number", {"issueDate": 20240229}, None),
    ("invoices", "missing", {}, None),
    ("invoices", "other-property", {"dueDate": "2024-03-01"}, None),
    ("bills", "bill", {"issueDate": "2023-12-31T00:00:00Z"}, datetime(2023, 12, 31, tzinfo=UTC)),
    ("payments", "payment", {"date": "2024-01-15T08:00:00Z"}, datetime(2024, 1, 15, 8, tzinfo=UTC)),
    ("journalEntries", "entry", {"postedOn": "2024-01-02T00:00:00Z"}, datetime(2024, 1, 2, tzinfo=UTC)),
    ("journals", "journal", {"createdOn": "2022-05-06T07:08:09Z"}, datetime(2022, 5, 6, 7, 8, 9, tzinfo=UTC)),
    ("itemReceipts", "receipt", {"receivedDate": "2024-04-04"}, datetime(2024, 4, 4, tzinfo=UTC)),
    (
        "banking-transactions",
        "bank",
        {"postedDate": "2024-01-02T03:04:05Z"},
        datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    ),
    (
        "commerce-orders",
        "order",
        {"createdDate": "2024-06-01T12:00:00Z"},
        datetime(2024, 6, 1, 12, tzinfo=UTC),
    ),
    ("bankAccounts", "undated-type", {"date": "2024-01-01", "issueDate": "2024-01-01"}, None),
    ("customers", "undated-type", {"issueDate": "2024-01-01"}, None),
]

# `pg_indexes.indexdef` of the records table once 0004 has run.
INDEXES = {
    "pk_records": (
        "CREATE UNIQUE INDEX pk_records ON public.records USING btree (connection_id, data_type, record_id)"
    ),
    "ix_records_connection_type_dated": (
        "CREATE INDEX ix_records_connection_type_dated ON public.records "
        "USING btree (connection_id, data_type, record_date NULLS FIRST, record_id)"
    ),
    "ix_records_modified_date": (
        "CREATE INDEX ix_records_modified_date ON public.records USING brin (modified_date)"
    ),
}


@pytest.fixture
def before_0004(postgres: str) -> Iterator[tuple[str, Engine]]:
    """A database of its own at 0003, holding `RECORDS` (the connection they belong to is not needed: the
    foreign key is skipped while they are written, and 0004 drops it)."""
    url = separate_database(postgres, f"replay_0004_{uuid.uuid4().hex[:8]}")
    command.upgrade(alembic_config(url), "0003_webhooks")
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        for data_type, record_id, data, _ in RECORDS:
            connection.execute(
                text(
                    "INSERT INTO records (connection_id, data_type, record_id, data, content_hash, "
                    "modified_date, is_deleted) VALUES (:c, :t, :r, CAST(:d AS jsonb), 0, now(), false)"
                ),
                {"c": CONNECTION, "t": data_type, "r": record_id, "d": orjson.dumps(data).decode()},
            )
    try:
        yield url, engine
    finally:
        engine.dispose()


def test_replaying_0004_fills_record_dates_and_indexes_as_when_written(
    before_0004: tuple[str, Engine],
) -> None:
    url, engine = before_0004
    command.upgrade(alembic_config(url), "0004")
    with engine.connect() as connection:
        dates = {
            (row.data_type, row.record_id): row.record_date
            for row in connection.execute(text("SELECT data_type, record_id, record_date FROM records"))
        }
        indexes = dict(
            connection.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'records'")
            ).all()
        )
    assert dates == {(data_type, record_id): date for data_type, record_id, _, date in RECORDS}
    assert indexes == INDEXES
