"""What the platform connectors' tests share: running a pull as the worker would, and reading what it
stored, against a database of the test's own (no server process)."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select, text

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.jobs import Runtime
from ledgerlink.sync import runner, service
from ledgerlink.sync.models import PullOperation, PullTrigger


async def pull(run: Runtime, connection_id: uuid.UUID, data_type: str) -> PullOperation:
    """Run the queued pull of `data_type` (queueing one first if none is), as the worker would."""
    async with run.sessionmaker() as session, session.begin():
        pull_id = await session.scalar(
            select(PullOperation.id).where(
                PullOperation.connection_id == connection_id,
                PullOperation.data_type == data_type,
                PullOperation.status == "Queued",
            )
        )
        if pull_id is None:
            connection = await session.get(Connection, connection_id)
            company = await session.get(Company, connection.company_id)
            pull_id = (await service.queue_pull(session, company, connection, data_type, PullTrigger.QUEUE)).id
    await runner.run_pull(run, pull_id)
    async with run.sessionmaker() as session:
        return await session.get(PullOperation, pull_id)


async def stored(run: Runtime, connection_id: uuid.UUID, data_type: str) -> dict[str, tuple[dict, bool]]:
    """The type's stored records by id: (the record, whether it is marked deleted)."""
    async with run.sessionmaker() as session:
        rows = await session.execute(
            text("SELECT record_id, data::text, is_deleted FROM records WHERE connection_id = :c AND data_type = :t"),
            {"c": connection_id, "t": data_type},
        )
        return {row[0]: (json.loads(row[1]), row[2]) for row in rows}


async def connection_of(run: Runtime, connection_id: uuid.UUID) -> Connection:
    async with run.sessionmaker() as session:
        return await session.get(Connection, connection_id)
