"""The record store's read path: pages of stored JSON, one record, single objects and statements.

Pages are assembled from the stored JSON text as Postgres returns it; records are never parsed or
re-validated on the way out.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import ColumnElement, String, and_, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.connections.lookup import connection_not_found, connection_of
from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry as connectors
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import Conflict, NotFound
from ledgerlink.kit.ids import parse_id
from ledgerlink.kit.pagination import PageParams
from ledgerlink.kit.query import Field, Kind, QueryTarget, compile_query, order_by_clause
from ledgerlink.records import registry, statements
from ledgerlink.records.models import Record, RecordCount
from ledgerlink.records.registry import DataType, Scope, SourceType
from ledgerlink.records.store import SINGLE_RECORD_ID

NOT_REQUESTED = "The data set has not been requested."


@cache
def query_target(data_type_key: str) -> QueryTarget:
    """The type's JSON properties, with `modifiedDate` and the `dated_by` date read from their columns."""
    data_type = registry.BY_KEY[data_type_key]
    extra = {}
    if data_type.has_modified_dates:
        extra = {"modifiedDate": Field(Kind.DATETIME, lambda: Record.modified_date)}
    if data_type.dated_by:
        extra[data_type.dated_by] = Field(Kind.DATETIME, lambda: Record.record_date)
    return registry.query_target(data_type, lambda: Record.data, extra=extra)


class MatchCounts:
    """How many records matched a filtered read, until the next pull of the type (least recently used out).

    Paging through a filtered result asks the same count on every page; records only change when a pull
    commits, which moves the source's `synced_at` and so the key.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._counts: OrderedDict[Hashable, int] = OrderedDict()

    def get(self, key: Hashable) -> int | None:
        count = self._counts.get(key)
        if count is not None:
            self._counts.move_to_end(key)
        return count

    def put(self, key: Hashable, count: int) -> None:
        self._counts[key] = count
        self._counts.move_to_end(key)
        while len(self._counts) > self.size:
            self._counts.popitem(last=False)


MATCH_COUNTS = MatchCounts(4096)


@dataclass(frozen=True)
class Source:
    """Where a read is served from: one connection's records of one data type, and how many a read shows."""

    connection_id: uuid.UUID
    data_type: DataType
    visible: int
    # When a pull last wrote the type: the records cannot have changed since.
    synced_at: datetime


def _accounting_keys() -> list[str]:
    return [key for key, c in connectors.CONNECTORS.items() if c.info.source_type is SourceType.ACCOUNTING]


async def source(
    session: AsyncSession, principal: Principal, data_type: DataType, company_id: str, connection_id: str | None
) -> Source:
    """The connection to read from, in one query on the way that succeeds.

    A connection-scoped type reads the connection named in the path; company-scoped accounting data comes
    from the accounting connection that last synced it. `record_counts` has a row exactly when a pull has
    written the type, so finding it proves the data set was requested and gives the page its total.
    """
    wanted_company = parse_id(company_id, companies.company_not_found(company_id))
    statement = (
        select(RecordCount.connection_id, RecordCount.visible, RecordCount.synced_at)
        .join(Connection, Connection.id == RecordCount.connection_id)
        .join(Company, Company.id == Connection.company_id)
        .where(
            Company.id == wanted_company,
            Company.client_id == principal.client_id,
            RecordCount.data_type == data_type.key,
        )
        .order_by(RecordCount.synced_at.desc())
        .limit(1)
    )
    if data_type.scope is Scope.CONNECTION:
        assert connection_id is not None
        wanted = parse_id(connection_id, connection_not_found(connection_id))
        statement = statement.where(Connection.id == wanted)
    else:
        statement = statement.where(Connection.integration_key.in_(_accounting_keys()))
    found = (await session.execute(statement)).first()
    if found is not None:
        return Source(found.connection_id, data_type, found.visible, found.synced_at)
    raise await _why_unavailable(session, principal, data_type, company_id, connection_id)


async def _why_unavailable(
    session: AsyncSession, principal: Principal, data_type: DataType, company_id: str, connection_id: str | None
) -> NotFound | Conflict:
    """404 for an unknown company or connection or a type its platform lacks; else 409 (never synced)."""
    company = await companies.get(session, principal, company_id)
    if data_type.scope is Scope.CONNECTION:
        connection = connection_of(company, connection_id or "")
        connector = connectors.get(connection.integration_key)
        if connector is None or data_type.key not in connector.info.data_types:
            return NotFound(f"{connection.integration_key} does not provide {data_type.key}.")
    return Conflict(NOT_REQUESTED)


def _visible(src: Source) -> ColumnElement[bool]:
    conditions = [Record.connection_id == src.connection_id, Record.data_type == src.data_type.key]
    # Types without `metadata.isDeleted` cannot say a record is deleted, so deleted records are hidden.
    if not src.data_type.has_deletion_flag:
        conditions.append(Record.is_deleted.is_(False))
    return and_(*conditions)


def _default_order(data_type: DataType) -> tuple[ColumnElement[Any], ...]:
    """A stable order: by the record's date where the type has one (so a page, and a date range, read the
    date index in order), then by id."""
    if data_type.dated_by:
        return (Record.record_date.asc().nulls_first(), Record.record_id)
    return (Record.record_id,)


async def page(
    session: AsyncSession, src: Source, params: PageParams, *, parent: dict[str, str] | None = None
) -> tuple[list[bytes], int]:
    """One page of stored JSON (as bytes) and the number of records matching."""
    target = query_target(src.data_type.key)
    condition = _visible(src)
    for field, value in (parent or {}).items():
        condition = and_(condition, Record.data[field].astext == value)
    filter_ = compile_query(params.query, target)
    if filter_ is not None:
        condition = and_(condition, filter_)
    if filter_ is None and not parent:
        # Unfiltered: the count each pull keeps, rather than counting every record on every page.
        total = src.visible
    else:
        key = (src.connection_id, src.data_type.key, src.synced_at, params.query, tuple(sorted((parent or {}).items())))
        total = MATCH_COUNTS.get(key)
        if total is None:
            total = await session.scalar(select(func.count()).select_from(Record).where(condition)) or 0
            MATCH_COUNTS.put(key, total)
    chosen = (
        select(Record.data)
        .where(condition)
        .order_by(*order_by_clause(params.order_by, target), *_default_order(src.data_type))
        .limit(params.page_size)
        .offset(params.offset)
        .subquery()
    )
    # Cast to text after the page is chosen, so only its rows are turned into JSON text.
    rows = (await session.scalars(select(cast(chosen.c.data, String)))).all()
    return [row.encode() for row in rows], int(total or 0)


async def one(session: AsyncSession, src: Source, record_id: str) -> bytes:
    data = await session.scalar(
        select(cast(Record.data, String)).where(_visible(src), Record.record_id == record_id)
    )
    if data is None:
        raise NotFound(f"No data available for {src.data_type.key} for ID {record_id}")
    return data.encode()


async def single(session: AsyncSession, src: Source) -> bytes:
    return await one(session, src, SINGLE_RECORD_ID)


async def statement(
    session: AsyncSession, src: Source, period_length: int, periods_to_compare: int, start_month: str | None
) -> dict[str, Any]:
    rows = (
        await session.scalars(
            select(Record.data).where(_visible(src)).order_by(Record.record_id)
        )
    ).all()
    return statements.assemble(src.data_type.key, list(rows), period_length, periods_to_compare, start_month)


def envelope(rows: list[bytes], meta: dict[str, Any]) -> bytes:
    """The paging envelope around already-serialised records."""
    rest = orjson.dumps(meta)
    return b'{"results":[' + b",".join(rows) + b"]," + rest[1:]
