"""Platform records keep versions: a record written to a sandbox can be updated (a later row under the same
`record_id`) and deleted (a last row with `deleted`), so `(connection_id, data_type, record_id)` is no longer
unique (an index on `(connection_id, seq)` lists a connection's versions in order instead).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("uq_platform_records_connection_id", "platform_records", type_="unique")
    # The constraint's index served a pull's listing of a connection's records; this one does, in seq order.
    op.create_index("ix_platform_records_connection_id_seq", "platform_records", ["connection_id", "seq"])
    op.add_column(
        "platform_records",
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    # Only the first version of each record can stay under the unique constraint.
    op.execute(
        "DELETE FROM platform_records p USING platform_records q "
        "WHERE p.connection_id = q.connection_id AND p.data_type = q.data_type "
        "AND p.record_id = q.record_id AND p.seq > q.seq"
    )
    op.drop_column("platform_records", "deleted")
    op.drop_index("ix_platform_records_connection_id_seq", table_name="platform_records")
    op.create_unique_constraint(
        "uq_platform_records_connection_id", "platform_records", ["connection_id", "data_type", "record_id"]
    )
