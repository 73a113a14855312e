"""Record storage for volume: JSON text, no per-row foreign key, byte-order keys, an indexed record date.

- `data` becomes `json`: records are kept as the text that is served, checked as JSON on the way in but
  never converted (most of a bulk load's cost in PostgreSQL was building `jsonb`).

- The foreign key from `records` to `connections` goes: PostgreSQL checked it row by row through every
  bulk COPY. A pull now locks its connection once (FOR KEY SHARE) and deleting a connection purges its
  records (`records.store`).
- `data_type` and `record_id` compare in byte order ("C"): the primary key matches ids, it never sorts
  them for people, and byte comparison is the cheapest.
- `record_date` holds each record's `dated_by` property (see the registry) as a timestamp, indexed with
  the connection and type, for `query=` ranges and `orderBy` on it. Existing rows are filled here with the
  same reading of the JSON value that `query=` used then (a frozen copy below: a replay does not follow
  today's registry or query compiler).
- `source_modified_date` goes: `query=sourceModifiedDate...` reads the record's JSON like any property,
  and the bulk load parses one timestamp less per row.
- The B-tree on `modified_date` becomes a BRIN index: rows are written in time order, and a block range
  index costs next to nothing to maintain.

Revision ID: 0004
Revises: 0003_webhooks
Create Date: 2026-11-22 02:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003_webhooks"
branch_labels = None
depends_on = None

# Frozen here when the migration stopped importing the live code (issue 17), so that a replay fills
# `record_date` as this migration did when written, whatever the registry and `query=` say later: each data
# type's dated property as the registry declared it (`DataType.dated_by`), ...
DATED_BY = (
    ("accountTransactions", "date"),
    ("billCreditNotes", "issueDate"),
    ("billPayments", "date"),
    ("bills", "issueDate"),
    ("creditNotes", "issueDate"),
    ("directCosts", "issueDate"),
    ("directIncomes", "issueDate"),
    ("invoices", "issueDate"),
    ("itemReceipts", "receivedDate"),
    ("journalEntries", "postedOn"),
    ("journals", "createdOn"),
    ("payments", "date"),
    ("purchaseOrders", "issueDate"),
    ("salesOrders", "issueDate"),
    ("transfers", "date"),
    ("banking-accountBalances", "date"),
    ("banking-transactions", "postedDate"),
    ("commerce-customers", "createdDate"),
    ("commerce-disputes", "createdDate"),
    ("commerce-orders", "createdDate"),
    ("commerce-payments", "createdDate"),
    ("commerce-transactions", "createdDate"),
)
# ... and the reading of a JSON date that `query=` used (`kit.query.typed_expression` of a DATETIME field,
# as SQLAlchemy compiled it): a string of the shape `parse_datetime` takes, digits past the microsecond cut,
# that PostgreSQL can read as a timestamptz; anything else is NULL.
RECORD_DATE = r"""
UPDATE records SET record_date = CASE
    WHEN json_typeof(data -> :property) = 'string'
        AND regexp_replace(data ->> :property, '(\.\d{6})\d+', '\1')
            ~ '^\s*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}|\s*$)'
        AND pg_input_is_valid(regexp_replace(data ->> :property, '(\.\d{6})\d+', '\1'), 'timestamptz')
    THEN CAST(regexp_replace(data ->> :property, '(\.\d{6})\d+', '\1') AS timestamptz)
END
WHERE data_type = :data_type
"""


def upgrade() -> None:
    op.drop_constraint("fk_records_connection_id_connections", "records", type_="foreignkey")
    op.execute("ALTER TABLE records ALTER COLUMN data TYPE json USING data::json")
    op.execute(
        'ALTER TABLE records ALTER COLUMN data_type TYPE varchar COLLATE "C", '
        'ALTER COLUMN record_id TYPE text COLLATE "C"'
    )
    op.add_column("records", sa.Column("record_date", sa.DateTime(timezone=True), nullable=True))
    op.drop_column("records", "source_modified_date")
    for data_type, dated_by in DATED_BY:
        op.execute(sa.text(RECORD_DATE).bindparams(data_type=data_type, property=dated_by))
    op.drop_index("ix_records_connection_type_modified", table_name="records")
    op.execute(
        "CREATE INDEX ix_records_connection_type_dated ON records "
        "(connection_id, data_type, record_date NULLS FIRST, record_id)"
    )
    op.create_index("ix_records_modified_date", "records", ["modified_date"], postgresql_using="brin")


def downgrade() -> None:
    op.drop_index("ix_records_modified_date", table_name="records")
    op.drop_index("ix_records_connection_type_dated", table_name="records")
    op.create_index(
        "ix_records_connection_type_modified", "records", ["connection_id", "data_type", "modified_date"]
    )
    op.drop_column("records", "record_date")
    op.execute("ALTER TABLE records ALTER COLUMN data TYPE jsonb USING data::jsonb")
    op.add_column("records", sa.Column("source_modified_date", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE records SET source_modified_date = CAST(data ->> 'sourceModifiedDate' AS timestamptz) "
        "WHERE jsonb_typeof(data -> 'sourceModifiedDate') = 'string' "
        "AND pg_input_is_valid(data ->> 'sourceModifiedDate', 'timestamptz')"
    )
    op.execute(
        'ALTER TABLE records ALTER COLUMN data_type TYPE varchar COLLATE "default", '
        'ALTER COLUMN record_id TYPE text COLLATE "default"'
    )
    op.execute(
        "DELETE FROM records r WHERE NOT EXISTS (SELECT 1 FROM connections c WHERE c.id = r.connection_id)"
    )
    op.create_foreign_key(
        "fk_records_connection_id_connections",
        "records",
        "connections",
        ["connection_id"],
        ["id"],
        ondelete="CASCADE",
    )
