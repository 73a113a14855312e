"""Rows a test writes straight to the database, for tests whose subject comes after them."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.kit.clock import utcnow


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
