"""What the Portal's company pages read beyond the API's views: records per data type, pull durations, and
the record browser's sources and what it shows of them (through the read API's own read path; shown by
`portal.record_views`)."""

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
from ledgerlink.portal.formats import words
from ledgerlink.portal.record_views import (
    RecordPage,
    SingleRecord,
    StatementView,
    record_page,
    single_record,
    statement_view,
)
from ledgerlink.records import registry
from ledgerlink.records.models import Record, RecordCount
from ledgerlink.records.registry import Scope, Shape
from ledgerlink.sync.models import PullOperation, PullStatus

# Durations of this many recent pulls are drawn: enough to see a trend, few enough to read.
RECENT_PULLS = 200
BROWSER_PAGE_SIZE = 20
# Records that say their currency only through a parent: (the parent's data type, the property naming it).
PARENT_CURRENCY = {
    "bankTransactions": ("bankAccounts", "accountId"),
    "banking-accountBalances": ("banking-accounts", "accountId"),
}
# A statement's periods as the browser first shows them: the last six months, month by month.
DEFAULT_PERIOD_MONTHS, DEFAULT_PERIODS = 1, 6


@dataclass(frozen=True)
class SyncedSource:
    """A data type the company has records of, as the record browser offers it: named in words
    (`Profit and loss`), chosen by its key (`profitAndLoss`, with the connection's id where it is read per
    connection)."""

    value: str
    label: str
    data_type: str
    connection_id: uuid.UUID | None
    shape: Shape

    @property
    def api_path(self) -> str:
        """The read API's path after `.../data/` (`financials/profitAndLoss`), as the browser reads it."""
        return registry.BY_KEY[self.data_type].path


@dataclass(frozen=True)
class Periods:
    """How a statement is read (`periodLength`, `periodsToCompare`)."""

    length: int = DEFAULT_PERIOD_MONTHS
    count: int = DEFAULT_PERIODS


Browsed = RecordPage | SingleRecord | StatementView


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
    """Data types with records (lists, statements, company info): company-scoped ones once,
    connection-scoped ones per connection."""
    sources: dict[str, SyncedSource] = {}
    for connection, key, _ in counts:
        data_type = registry.get(key)
        if data_type is None:
            continue
        if data_type.scope is Scope.COMPANY:
            sources.setdefault(key, SyncedSource(key, words(key), key, None, data_type.shape))
        else:
            value = f"{key}@{connection.id}"
            label = f"{words(key)} ({platform_name(connection.integration_key)})"
            sources[value] = SyncedSource(value, label, key, connection.id, data_type.shape)
    return sorted(sources.values(), key=lambda source: source.label.lower())


async def _parent_currencies(
    db: AsyncSession, found: reads.ReadSource, records: list[dict[str, Any]]
) -> tuple[dict[str, str], str | None]:
    """The currencies of the parents (bank accounts) of records that carry none of their own, by id."""
    parent = PARENT_CURRENCY.get(found.data_type.key)
    if parent is None:
        return {}, None
    parent_type, field = parent
    ids = {str(record[field]) for record in records if record.get(field) is not None}
    if not ids:
        return {}, field
    rows = await db.execute(
        select(Record.record_id, Record.data["currency"].as_string()).where(
            Record.connection_id == found.connection_id,
            Record.data_type == parent_type,
            Record.record_id.in_(ids),
        )
    )
    return {record_id: currency for record_id, currency in rows.all() if currency}, field


async def browse(
    db: AsyncSession,
    principal: Principal,
    company: Company,
    source: SyncedSource,
    params: PageParams,
    periods: Periods,
) -> Browsed:
    """What the browser shows of a data type, read exactly as `GET .../data/<path>` reads it: a page of a
    list (with `query=` and `orderBy`), the one record of company info, or a statement by periods."""
    data_type = registry.BY_KEY[source.data_type]
    connection_id = str(source.connection_id) if source.connection_id else None
    if data_type.scope is Scope.CONNECTION and connection_id is None:
        raise BadRequest(f"{data_type.key} is read per connection: choose one.")
    found = await reads.source(db, principal, data_type, str(company.id), connection_id)
    properties = registry.query_properties(data_type)
    if data_type.shape is Shape.SINGLE:
        return single_record(orjson.loads(await reads.single(db, found)), properties)
    if data_type.shape is Shape.STATEMENT:
        return statement_view(await reads.statement(db, found, periods.length, periods.count, None))
    raw, total = await reads.page(db, found, params)
    records = [orjson.loads(row) for row in raw]
    currencies, parent_field = await _parent_currencies(db, found, records)
    return record_page(
        records,
        data_type.id_field,
        properties,
        currencies,
        parent_field,
        total,
        params.page,
        params.page_size,
    )
