"""Rows a test writes straight to the database, for tests whose subject comes after them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.kit.clock import utcnow
from ledgerlink.records.models import Record, RecordCount


async def company_with(
    session: AsyncSession, client_id: uuid.UUID, *platforms: tuple[str, str], name: str | None = None
) -> tuple[Company, list[Connection]]:
    """A company of the client with one connection per (platform key, status), written as they are (no
    events, no first-link pulls): for tests whose subject comes after."""
    now = utcnow()
    company = Company(
        id=uuid.uuid4(),
        client_id=client_id,
        name=name or f"Company {uuid.uuid4().hex[:8]}",
        tags={},
        products=[],
        created_at=now,
    )
    session.add(company)
    await session.flush()
    connections = [
        Connection(
            id=uuid.uuid4(),
            company_id=company.id,
            integration_key=key,
            status=status,
            created_at=now,
            data_connection_errors=[],
        )
        for key, status in platforms
    ]
    session.add_all(connections)
    await session.flush()
    await session.refresh(company, ["connections"])
    return company, connections


async def write_records(
    session: AsyncSession,
    connection_id: uuid.UUID,
    data_type: str,
    *records: dict[str, Any],
) -> None:
    """Records as a pull leaves them (undated: for readers that order by their own properties), and the
    type's count (added to when the connection has some already)."""
    now = utcnow()
    for record in records:
        session.add(
            Record(
                connection_id=connection_id,
                data_type=data_type,
                record_id=record["id"],
                data=record,
                content_hash=0,
                modified_date=now,
                record_date=None,
                is_deleted=bool(record.get("metadata", {}).get("isDeleted")),
            )
        )
    await session.flush()
    counted = insert(RecordCount).values(
        connection_id=connection_id, data_type=data_type, visible=len(records), synced_at=now
    )
    await session.execute(
        counted.on_conflict_do_update(
            index_elements=["connection_id", "data_type"],
            set_={"visible": RecordCount.visible + len(records), "synced_at": now},
        )
    )


async def records(
    session: AsyncSession,
    connection_id: uuid.UUID,
    data_type: str,
    *written: dict[str, Any],
    dated_by: tuple[str, ...] = (),
) -> None:
    """Records of one data type as a pull leaves them (one flagged `metadata.isDeleted` stored deleted), and
    the type's count; each dated by the first of its `dated_by` properties it has."""
    now = utcnow()
    for record in written:
        dated = next((record[name] for name in dated_by if record.get(name)), None)
        session.add(
            Record(
                connection_id=connection_id,
                data_type=data_type,
                record_id=record["id"],
                data=record,
                content_hash=0,
                modified_date=now,
                record_date=datetime.fromisoformat(f"{dated[:19]}+00:00") if dated else None,
                is_deleted=bool((record.get("metadata") or {}).get("isDeleted")),
            )
        )
    session.add(
        RecordCount(connection_id=connection_id, data_type=data_type, visible=len(written), synced_at=now)
    )
    await session.flush()
