"""Uploaded files (`files`), object-store keys to delete once due (`file_orphans`), and the trigger that, when
a `files` row goes (a company's delete cascades to it), unlinks its large object or records its key.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("source_type", sa.String(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("store", sa.String(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("link_visit", sa.String(length=64), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_files_company_id", "files", ["company_id"])
    op.create_index("ix_files_uploaded_at", "files", ["uploaded_at"])
    op.create_table(
        "file_orphans",
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("store", sa.String(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("reference"),
    )
    op.execute(
        """
        CREATE FUNCTION files_release_object() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.store = 'postgres' THEN
                PERFORM lo_unlink(OLD.reference::oid)
                  FROM pg_largeobject_metadata WHERE oid = OLD.reference::oid;
            ELSE
                INSERT INTO file_orphans (reference, store) VALUES (OLD.reference, OLD.store)
                ON CONFLICT DO NOTHING;
            END IF;
            RETURN OLD;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER files_release_object AFTER DELETE ON files "
        "FOR EACH ROW EXECUTE FUNCTION files_release_object()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER files_release_object ON files")
    op.execute("DROP FUNCTION files_release_object()")
    op.drop_table("file_orphans")
    op.drop_index("ix_files_uploaded_at", table_name="files")
    op.drop_index("ix_files_company_id", table_name="files")
    op.drop_table("files")
