"""What the Portal's company pages read beyond the API's views: records per data type, pull durations, and
the record browser's sources and rows (through the read API's own read path)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry as connectors
from ledgerlink.data import reads
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import BadRequest
from ledgerlink.kit.pagination import PageParams
from ledgerlink.portal.charts import Bar, Duration
from ledgerlink.records import registry
from ledgerlink.records.models import RecordCount
from ledgerlink.records.registry import Scope, Shape
from ledgerlink.sync.models import PullOperation, PullStatus

# Durations of this many recent pulls are drawn: enough to see a trend, few enough to read.
RECENT_PULLS = 200
BROWSER_PAGE_SIZE = 20
# Properties worth a column, in order of preference; the first few a type's records have are shown.
SUMMARY_PROPERTIES = (
    "name",
    "invoiceNumber",
    "reference",
    "accountName",
    "customerName",
    "supplierName",
    "description",
    "issueDate",
    "date",
    "postedDate",
    "postedOn",
    "createdDate",
    "status",
    "type",
    "totalAmount",
    "amountDue",
    "amount",
    "balance",
    "currency",
)
SUMMARY_COLUMNS = 4


@dataclass(frozen=True)
class SyncedSource:
    """A data type the company has records of, as the record browser offers it."""

    value: str
    label: str
    data_type: str
    connection_id: uuid.UUID | None


@dataclass(frozen=True)
class RecordRow:
    record_id: str
    cells: list[str]
    json: str


@dataclass(frozen=True)
class RecordPage:
    columns: list[str]
    rows: list[RecordRow]
    total: int
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total


async def record_counts(db: AsyncSession, company: Company) -> list[tuple[Connection, str, int]]:
    rows = await db.execute(
        select(Connection, RecordCount.data_type, RecordCount.visible)
        .join(RecordCount, RecordCount.connection_id == Connection.id)
        .where(Connection.company_id == company.id)
        .order_by(RecordCount.data_type, Connection.created_at)
    )
    return [(connection, data_type, int(visible)) for connection, data_type, visible in rows.all()]


def record_bars(counts: list[tuple[Connection, str, int]]) -> list[Bar]:
    totals: dict[str, int] = {}
    for _, data_type, visible in counts:
        totals[data_type] = totals.get(data_type, 0) + visible
    return [Bar(data_type, total) for data_type, total in totals.items()]


async def pull_durations(db: AsyncSession, company: Company) -> list[Duration]:
    pulls = await db.scalars(
        select(PullOperation)
        .where(
            PullOperation.company_id == company.id,
            PullOperation.status == PullStatus.COMPLETE.value,
            PullOperation.started.is_not(None),
            PullOperation.completed.is_not(None),
        )
        .order_by(PullOperation.completed.desc())
        .limit(RECENT_PULLS)
    )
    return [
        Duration(pull.data_type, pull.completed, max((pull.completed - pull.started).total_seconds(), 0.0))
        for pull in pulls.all()
        if pull.completed is not None and pull.started is not None
    ]


def platform_name(key: str) -> str:
    """What the Portal calls a platform: its name (`Accounting Sandbox`), its key only if none is known."""
    connector = connectors.get(key)
    return connector.info.name if connector else key


def synced_sources(counts: list[tuple[Connection, str, int]]) -> list[SyncedSource]:
    """Listable data types with records: company-scoped ones once, connection-scoped ones per connection."""
    sources: dict[str, SyncedSource] = {}
    for connection, key, _ in counts:
        data_type = registry.get(key)
        if data_type is None or data_type.shape is not Shape.LIST:
            continue
        if data_type.scope is Scope.COMPANY:
            sources.setdefault(key, SyncedSource(key, key, key, None))
        else:
            value = f"{key}@{connection.id}"
            label = f"{key} ({platform_name(connection.integration_key)})"
            sources[value] = SyncedSource(value, label, key, connection.id)
    return sorted(sources.values(), key=lambda source: source.label.lower())


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def _columns(records: list[dict[str, Any]]) -> list[str]:
    scalar = (str, int, float, bool)
    present = [
        name for name in SUMMARY_PROPERTIES if any(isinstance(record.get(name), scalar) for record in records)
    ]
    return present[:SUMMARY_COLUMNS]


async def browse(
    db: AsyncSession,
    principal: Principal,
    company: Company,
    source: SyncedSource,
    query: str | None,
    order_by: str | None,
    page: int,
) -> RecordPage:
    """One page of a data type's records, read exactly as `GET .../data/<type>?query=&orderBy=` reads them."""
    data_type = registry.BY_KEY[source.data_type]
    connection_id = str(source.connection_id) if source.connection_id else None
    if data_type.scope is Scope.CONNECTION and connection_id is None:
        raise BadRequest(f"{data_type.key} is read per connection: choose one.")
    found = await reads.source(db, principal, data_type, str(company.id), connection_id)
    params = PageParams(
        page=page, page_size=BROWSER_PAGE_SIZE, query=query or None, order_by=order_by or None
    )
    raw, total = await reads.page(db, found, params)
    records = [orjson.loads(row) for row in raw]
    columns = _columns(records)
    rows = [
        RecordRow(
            record_id=str(record.get(data_type.id_field, "")),
            cells=[_cell(record.get(column, "")) for column in columns],
            json=orjson.dumps(record, option=orjson.OPT_INDENT_2).decode(),
        )
        for record in records
    ]
    return RecordPage(columns, rows, total, page, BROWSER_PAGE_SIZE)
