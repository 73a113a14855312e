"""What a report read: the pull operations (Codat's datasets) behind the records it reads, and a fingerprint
of those records.

The record store keeps each record's current version only (a re-sync rewrites a changed record in place),
so a report cannot read an older pull's records later. It is made reproducible the other way round: it is
generated once, inside one REPEATABLE READ snapshot in which these pins are taken too, and its result is
stored. The pins say exactly which pulls' records that was (each (connection, data type)'s latest completed
pull in the snapshot), and the fingerprint (count and an order-free hash of record ids and content hashes)
lets anyone check later whether the books still hold the same records.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.clock import iso

_LATEST_PULLS = text(
    """
    SELECT DISTINCT ON (p.connection_id, p.data_type)
           p.id, p.connection_id, p.data_type, p.completed
      FROM pull_operations p
     WHERE p.company_id = :company_id AND p.data_type = ANY(:data_types) AND p.status = 'Complete'
     ORDER BY p.connection_id, p.data_type, p.completed DESC NULLS LAST, p.requested DESC
    """
)

# Per (connection, data type): how many records a read shows, and the sum of each one's content hash mixed
# with its id (a sum, so the order rows are read in does not matter).
_RECORDS = text(
    """
    SELECT r.connection_id, r.data_type, count(*) AS records,
           coalesce(sum((r.content_hash # hashtextextended(r.record_id, 0))::numeric), 0) AS mixed
      FROM records r
     WHERE r.connection_id = ANY(:connections) AND r.data_type = ANY(:data_types) AND NOT r.is_deleted
     GROUP BY r.connection_id, r.data_type
    """
)


async def pin_pulls(
    session: AsyncSession, company_id: uuid.UUID, data_types: Sequence[str]
) -> tuple[list[dict[str, Any]], str]:
    """The pulls whose records a report of `data_types` reads now, and those records' fingerprint (both in
    the caller's snapshot)."""
    rows = (
        await session.execute(_LATEST_PULLS, {"company_id": company_id, "data_types": list(data_types)})
    ).all()
    pulls = [
        {
            "datasetId": str(row.id),
            "connectionId": str(row.connection_id),
            "dataType": row.data_type,
            "completed": iso(row.completed),
        }
        for row in sorted(rows, key=lambda row: (str(row.connection_id), row.data_type))
    ]
    connections = sorted({row.connection_id for row in rows}, key=str)
    digest = hashlib.sha256()
    if connections:
        counted = (
            await session.execute(_RECORDS, {"connections": connections, "data_types": list(data_types)})
        ).all()
        for row in sorted(counted, key=lambda row: (str(row.connection_id), row.data_type)):
            digest.update(f"{row.connection_id}/{row.data_type}:{row.records}:{row.mixed}\n".encode())
    return pulls, digest.hexdigest()
