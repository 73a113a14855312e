"""Where uploaded files' bytes are kept, behind one small interface: PostgreSQL large objects (the default:
nothing to run besides the database, and a file is stored in the transaction that records it) or an
S3-compatible object store (`LEDGERLINK_FILES_STORE=s3`). Both write and read in chunks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import BinaryIO, Protocol

import obstore
import structlog
from obstore.store import S3Store
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.config import Settings

CHUNK_BYTES = 1024 * 1024

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
    uploads and ranged streams built in). An object is written before its row commits, so a failed upload
    discards it, and a deleted row's key waits in `file_orphans` for the purge job."""

    name = "s3"

    def __init__(self, store: S3Store, prefix: str) -> None:
        self.store = store
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> ObjectStore:
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
        return cls(store, settings.files_s3_prefix)

    async def put(self, session: AsyncSession, key: str, content: BinaryIO) -> str:
        content.seek(0)
        reference = f"{self.prefix}{key}"
        await obstore.put_async(self.store, reference, content, chunk_size=5 * CHUNK_BYTES)
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


def configured_store(settings: Settings) -> FileStore:
    """The store `LEDGERLINK_FILES_STORE` names."""
    if settings.files_store == "s3":
        return ObjectStore.from_settings(settings)
    return LargeObjectStore()


def object_key(company_id: uuid.UUID, file_id: uuid.UUID) -> str:
    return f"{company_id}/{file_id}"
