"""The files' periodic housekeeping: delete from the object store the objects `file_orphans` says are due
(files deleted with their company, uploads that did not commit)."""

from __future__ import annotations

import procrastinate
import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerlink import jobs
from ledgerlink.files.models import OrphanedObject
from ledgerlink.files.storage import FileStore, configured_store

log = structlog.get_logger("ledgerlink.files")

BATCH = 500


async def purge(context: procrastinate.JobContext, timestamp: int) -> None:
    runtime = jobs.runtime_of(context)
    if runtime.settings.files_store == "postgres":
        return  # large objects are unlinked by the deleting transaction itself
    removed = await purge_orphans(
        runtime.sessionmaker, configured_store(runtime.settings, runtime.sessionmaker)
    )
    if removed:
        log.info("files housekeeping", objects_deleted=removed)


async def purge_orphans(sessionmaker: async_sessionmaker[AsyncSession], store: FileStore) -> int:
    """Delete the store's orphaned objects, a batch at a time, each row after its object (a crash between
    the two deletes the object again next time, which an object store allows)."""
    removed = 0
    while True:
        async with sessionmaker() as session, session.begin():
            references = list(
                await session.scalars(
                    select(OrphanedObject.reference)
                    .where(OrphanedObject.store == store.name, OrphanedObject.due_at <= func.now())
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            if not references:
                return removed
            kept = await store.discard(references)
            gone = [reference for reference in references if reference not in kept]
            await session.execute(delete(OrphanedObject).where(OrphanedObject.reference.in_(gone)))
            removed += len(gone)
            if kept:  # the store is failing: try again at the next tick
                return removed
