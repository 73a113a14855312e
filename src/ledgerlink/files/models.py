"""The files a business uploaded (their metadata; the bytes live in the configured store) and the stored
objects still to be removed from an object store."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Identity, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class UploadedFile(Base):
    __tablename__ = "files"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    # The connection it was uploaded to through the API; a Link upload names none. Deleting the connection
    # keeps the file: it is the company's.
    connection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("connections.id", ondelete="SET NULL"))
    source_type: Mapped[str]
    # The name it is stored and downloaded under (sanitised), and the name the business gave, for display.
    file_name: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str]
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    # Which store holds the bytes (`postgres`: a large object whose oid is `reference`; `s3`: the key).
    store: Mapped[str]
    reference: Mapped[str]
    # A hash of the Link visit it was uploaded in, so the upload page lists that visit's files only.
    link_visit: Mapped[str | None] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    # The order files were stored in (one request's share a moment).
    seq: Mapped[int] = mapped_column(BigInteger, Identity())


class OrphanedObject(Base):
    """An object-store key to delete once due: a deleted `files` row's (written by a trigger, so a company's
    cascade counts too; due at once), or an upload's before its object is written (committed on its own and
    due an hour later; the upload's transaction deletes it as it records the file, so only an upload that
    did not commit leaves it). The `files:purge` job deletes the object, then this row. Large objects need
    none: they are written, and the trigger unlinks them, in the transactions that record them."""

    __tablename__ = "file_orphans"

    reference: Mapped[str] = mapped_column(primary_key=True)
    store: Mapped[str]
    due_at: Mapped[datetime] = mapped_column(server_default=func.now())
