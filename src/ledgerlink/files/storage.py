"""Where uploaded files' bytes are kept, behind one small interface: PostgreSQL large objects (the default:
nothing to run besides the database, and a file is stored in the transaction that records it) or an
S3-compatible object store (`LEDGERLINK_FILES_STORE=s3`). Both write and read in chunks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import BinaryIO, Protocol

import obstore
import structlog
from obstore.store import S3Store
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerlink.config import Settings
from ledgerlink.files.models import OrphanedObject
from ledgerlink.kit.clock import utcnow

CHUNK_BYTES = 1024 * 1024
# How long an upload's object may wait for its transaction before the purge job takes it for abandoned.
UPLOAD_GRACE = timedelta(hours=1)

log = structlog.get_logger("ledgerlink.files")


class FileStore(Protocol):
    """Keeps a file's bytes under a reference the `files` row records."""

    name: str

    async def put(self, session: AsyncSession, key: str, content: BinaryIO) -> str:
        """Store `content` (read from its start); the reference to find it by. `key` is unique per file."""
        ...

    def read(self, session: AsyncSession, reference: str) -> AsyncIterator[bytes]:
        """The stored bytes, in chunks."""
        ...

    async def discard(self, references: Sequence[str]) -> list[str]:
        """Remove objects written for a transaction that did not commit, or whose row was deleted (a large
        object goes with the transaction, so PostgreSQL's store has nothing to do); those it could not."""
        ...


class LargeObjectStore:
    """PostgreSQL large objects, written and read through the session's connection in 1 MiB chunks
    (`lo_from_bytea`, `lo_put`, `lo_get`): stored, or rolled back, with the transaction that records them."""

    name = "postgres"

    async def put(self, session: AsyncSession, key: str, content: BinaryIO) -> str:
        content.seek(0)
        oid = await session.scalar(
            text("SELECT lo_from_bytea(0, :chunk)"), {"chunk": content.read(CHUNK_BYTES)}
        )
        offset = content.tell()
        while chunk := content.read(CHUNK_BYTES):
            await session.execute(
                text("SELECT lo_put(:oid, :offset, :chunk)"), {"oid": oid, "offset": offset, "chunk": chunk}
            )
            offset += len(chunk)
        return str(oid)

    async def read(self, session: AsyncSession, reference: str) -> AsyncIterator[bytes]:
        offset = 0
        while True:
            chunk = await session.scalar(
                text("SELECT lo_get(:oid, :offset, :length)"),
                {"oid": int(reference), "offset": offset, "length": CHUNK_BYTES},
            )
            if chunk:
                yield bytes(chunk)
                offset += len(chunk)
            if not chunk or len(chunk) < CHUNK_BYTES:
                return

    async def discard(self, references: Sequence[str]) -> list[str]:
        return []


class ObjectStore:
    """An S3-compatible bucket through `obstore` (a small Rust client with no dependency tree; multipart
    uploads and ranged streams built in). An object is written before its row commits, so its key is first
    recorded in `file_orphans` (committed on its own, due an hour later) and struck off in the upload's
    transaction: an upload that does not commit, even in a crash, leaves its object to the purge job. A
    failed upload also discards what it wrote at once.

    The caller's transaction must see that orphan record to strike it off: READ COMMITTED (the default)
    does. One whose snapshot was taken before `put` (REPEATABLE READ or SERIALIZABLE that has already read)
    deletes nothing, and the purge job would later remove an object its row still refers to; such a caller
    stores its file in a transaction of its own (as `lending.excel` does)."""

    name = "s3"

    def __init__(self, store: S3Store, prefix: str, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.store = store
        self.prefix = prefix
        self.sessionmaker = sessionmaker

    @classmethod
    def from_settings(cls, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> ObjectStore:
        if not settings.files_s3_bucket:
            raise ValueError("LEDGERLINK_FILES_S3_BUCKET is required when LEDGERLINK_FILES_STORE=s3")
        config: dict[str, str] = {"region": settings.files_s3_region}
        if settings.files_s3_endpoint:
            config["endpoint"] = settings.files_s3_endpoint
        if settings.files_s3_access_key_id:
            config["access_key_id"] = settings.files_s3_access_key_id
        if settings.files_s3_secret_access_key:
            config["secret_access_key"] = settings.files_s3_secret_access_key.get_secret_value()
        allow_http = (settings.files_s3_endpoint or "").startswith("http://")
        store = S3Store(
            settings.files_s3_bucket,
            config=config,  # type: ignore[arg-type]  # obstore types `config` as a TypedDict of literal keys
            client_options={"allow_http": allow_http},
        )
        return cls(store, settings.files_s3_prefix, sessionmaker)

    async def put(self, session: AsyncSession, key: str, content: BinaryIO) -> str:
        content.seek(0)
        reference = f"{self.prefix}{key}"
        async with self.sessionmaker() as own, own.begin():
            own.add(OrphanedObject(reference=reference, store=self.name, due_at=utcnow() + UPLOAD_GRACE))
        await obstore.put_async(self.store, reference, content, chunk_size=5 * CHUNK_BYTES)
        await session.execute(delete(OrphanedObject).where(OrphanedObject.reference == reference))
        return reference

    async def read(self, session: AsyncSession, reference: str) -> AsyncIterator[bytes]:
        result = await obstore.get_async(self.store, reference)
        async for chunk in result.stream(min_chunk_size=CHUNK_BYTES):
            yield bytes(chunk)

    async def discard(self, references: Sequence[str]) -> list[str]:
        kept = []
        for reference in references:
            try:
                await obstore.delete_async(self.store, reference)
            except Exception as error:  # logged and left: an upload's own error matters more than this one
                log.warning("files.discard_failed", reference=reference, error=type(error).__name__)
                kept.append(reference)
        return kept


def configured_store(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> FileStore:
    """The store `LEDGERLINK_FILES_STORE` names."""
    if settings.files_store == "s3":
        return ObjectStore.from_settings(settings, sessionmaker)
    return LargeObjectStore()


def object_key(company_id: uuid.UUID, file_id: uuid.UUID) -> str:
    return f"{company_id}/{file_id}"
