"""The record store's read path: pages of stored JSON, one record, single objects and statements.

Pages are assembled from the stored JSON text as Postgres returns it; records are never parsed or
re-validated on the way out.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Integer,
    SQLColumnExpression,
    String,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql import Select, operators
from sqlalchemy.sql.elements import UnaryExpression

from ledgerlink.clients.auth import key_owner
from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.companies.queries import client_scope
from ledgerlink.connections.lookup import connection_not_found, connection_of
from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry as connectors
from ledgerlink.data import statements
from ledgerlink.db import read_one
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import Conflict, NotFound
from ledgerlink.kit.ids import parse_id
from ledgerlink.kit.pagination import PageParams
from ledgerlink.kit.query import Field, Kind, QueryTarget, compile_query, decode, order_by_clause
from ledgerlink.records import registry
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
        self._counting: dict[Hashable, asyncio.Task[int]] = {}

    async def count_once(self, key: Hashable, count: Callable[[], Awaitable[int]]) -> int:
        """The count for `key`, counted once however many requests ask for it at the same moment.

        A count over a large result takes seconds; without this, every request arriving meanwhile would
        run its own and hold a read connection for as long (50 clients on a new filter emptied the read
        pool until requests failed waiting for one). Those arriving while it is counted wait for that
        count, which runs to its end even if the request that started it goes away.
        """
        found = self.get(key)
        if found is not None:
            return found
        counting = self._counting.get(key)
        if counting is None:
            counting = self._counting[key] = asyncio.create_task(self._count(key, count))
            # Retrieved, so a failure that no request is left to see is not reported as never retrieved.
            counting.add_done_callback(lambda task: task.cancelled() or task.exception())
        return await asyncio.shield(counting)

    async def _count(self, key: Hashable, count: Callable[[], Awaitable[int]]) -> int:
        try:
            total = await count()
            self.put(key, total)
            return total
        finally:
            self._counting.pop(key, None)

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
class ReadSource:
    """Where a read is served from: one connection's records of one data type, and how many a read shows."""

    connection_id: uuid.UUID
    data_type: DataType
    visible: int
    # When a pull last wrote the type: the records cannot have changed since.
    synced_at: datetime


def _platform_keys(source_type: SourceType) -> list[str]:
    """The platforms a company-scoped read of a type may come from: those of the type's source type."""
    return [key for key, c in connectors.CONNECTORS.items() if c.info.source_type is source_type]


async def source(
    session: AsyncSession,
    principal: Principal,
    data_type: DataType,
    company_id: str,
    connection_id: str | None,
) -> ReadSource:
    """The connection to read from, in one query on the way that succeeds.

    A connection-scoped type reads the connection named in the path; a company-scoped read (accounting
    data, and the older company-scoped paths of `registry.LEGACY_PATHS`) comes from the company's connection
    of the type's source type that last synced it. `record_counts` has a row exactly when a pull has
    written the type, so finding it proves the data set was requested and gives the page its total.
    """
    wanted_company = parse_id(company_id, companies.company_not_found(company_id))
    statement = (
        select(RecordCount.connection_id, RecordCount.visible, RecordCount.synced_at)
        .join(Connection, Connection.id == RecordCount.connection_id)
        .join(Company, Company.id == Connection.company_id)
        .where(
            Company.id == wanted_company,
            client_scope(principal.client_id),
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
        statement = statement.where(Connection.integration_key.in_(_platform_keys(data_type.source_type)))
    found = (await session.execute(statement)).first()
    if found is not None:
        return ReadSource(found.connection_id, data_type, found.visible, found.synced_at)
    raise await _why_unavailable(session, principal, data_type, company_id, connection_id)


async def _why_unavailable(
    session: AsyncSession,
    principal: Principal,
    data_type: DataType,
    company_id: str,
    connection_id: str | None,
) -> NotFound | Conflict:
    """404 for an unknown company or connection, or a type its platform lacks; else 409 (never synced).

    One rule for both scopes, as Codat documents (404 for a type the platform does not support): a
    company-scoped read is a 404 when the company has connections the type could come from and none of their
    platforms provides it, even after a pull of it ended `NotSupported`; with no such connection, or one that
    provides it but has not pulled it yet, the data set has not been requested (409).
    """
    company = await companies.get(session, principal, company_id)
    if data_type.scope is Scope.CONNECTION:
        candidates = [connection_of(company, connection_id or "")]
    else:
        keys = _platform_keys(data_type.source_type)
        candidates = [c for c in company.connections if c.integration_key in keys]
    platforms = sorted({c.integration_key for c in candidates})
    if platforms and not any(_provides(key, data_type) for key in platforms):
        return NotFound(
            f"{', '.join(platforms)} {'does' if len(platforms) == 1 else 'do'} not provide {data_type.key}."
        )
    return Conflict(NOT_REQUESTED)


def _provides(platform_key: str, data_type: DataType) -> bool:
    connector = connectors.get(platform_key)
    return connector is not None and data_type.key in connector.info.data_types


def _visible(src: ReadSource) -> ColumnElement[bool]:
    return _visible_in(Record.connection_id == src.connection_id, src.data_type)


def _visible_in(connection: ColumnElement[bool], data_type: DataType) -> ColumnElement[bool]:
    conditions = [connection, Record.data_type == data_type.key]
    # Types without `metadata.isDeleted` cannot say a record is deleted, so deleted records are hidden.
    if not data_type.has_deletion_flag:
        conditions.append(Record.is_deleted.is_(False))
    return and_(*conditions)


def _default_order(data_type: DataType, order_by: str | None = None) -> tuple[SQLColumnExpression[Any], ...]:
    """A stable order: by the record's date where the type has one (so a page, and a date range, read the
    date index in order), then by id.

    After a descending `orderBy` the ties go descending too: `orderBy=-<dated_by>` is then exactly the date
    index read backwards, so a page stops after its rows. (Ascending ids under descending dates would make
    PostgreSQL read and sort every record of the page's last day, a cost that grows with the volume.)
    """
    if order_by is not None and decode(order_by).strip().startswith("-"):
        if data_type.dated_by:
            return (Record.record_date.desc().nulls_last(), Record.record_id.desc())
        return (Record.record_id.desc(),)
    if data_type.dated_by:
        return (Record.record_date.asc().nulls_first(), Record.record_id)
    return (Record.record_id,)


async def page(
    session: AsyncSession, src: ReadSource, params: PageParams, *, parent: dict[str, str] | None = None
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
        key = (
            src.connection_id,
            src.data_type.key,
            src.synced_at,
            params.query,
            tuple(sorted((parent or {}).items())),
        )
        counted = MATCH_COUNTS.get(key)
        if counted is None:
            counted = await session.scalar(select(func.count()).select_from(Record).where(condition)) or 0
            MATCH_COUNTS.put(key, counted)
        total = counted
    chosen = (
        select(Record.data)
        .where(condition)
        .order_by(*order_by_clause(params.order_by, target), *_default_order(src.data_type, params.order_by))
        .limit(params.page_size)
        .offset(params.offset)
        .subquery()
    )
    # Cast to text after the page is chosen, so only its rows are turned into JSON text.
    rows = (await session.scalars(select(cast(chosen.c.data, String)))).all()
    return [row.encode() for row in rows], int(total or 0)


async def one(session: AsyncSession, src: ReadSource, record_id: str) -> bytes:
    data = await session.scalar(
        select(cast(Record.data, String)).where(_visible(src), Record.record_id == record_id)
    )
    if data is None:
        raise NotFound(f"No data available for {src.data_type.key} for ID {record_id}")
    return data.encode()


async def single(session: AsyncSession, src: ReadSource) -> bytes:
    return await one(session, src, SINGLE_RECORD_ID)


async def statement(
    session: AsyncSession,
    src: ReadSource,
    period_length: int,
    periods_to_compare: int,
    start_month: str | None,
) -> dict[str, Any]:
    rows = (await session.scalars(select(Record.data).where(_visible(src)).order_by(Record.record_id))).all()
    return statements.assemble(src.data_type.key, list(rows), period_length, periods_to_compare, start_month)


# --- the fast path of list pages ---------------------------------------------------------------------
#
# A list page is the API's most frequent request. Its fast path answers it with one statement on the read
# pool (plain psycopg, autocommit): the API key, the source (`record_counts`) and the page, joined into one
# text by PostgreSQL, in one round trip and one snapshot. The statement is built with SQLAlchemy from the
# same pieces as `source` and `page` and compiled once per shape (data type, `query`, `orderBy`, nested
# path); a request only binds its values. Whatever the fast path cannot answer (no key, a bad parameter or
# query, an unknown company or a type never synced) goes the ordinary way (`source`, `page`), so errors
# and their order are the same.


@dataclass(frozen=True)
class Compiled:
    """A statement compiled for psycopg, with its constant parameters already bound."""

    sql: str
    constants: dict[str, Any]
    # Bind processors of the parameters a request supplies (most have none).
    processors: dict[str, Callable[[Any], Any]]

    def params(self, values: dict[str, Any]) -> dict[str, Any]:
        bound = {**self.constants, **values}
        for name, processor in self.processors.items():
            value = values.get(name)
            if value is not None:
                bound[name] = processor(value)
        return bound


def compile_for_psycopg(statement: Any, dialect: Dialect, supplied: frozenset[str]) -> Compiled:
    compiled = statement.compile(dialect=dialect)
    constants, processors = {}, {}
    for bind, name in compiled.bind_names.items():
        name = compiled.escaped_bind_names.get(name, name)
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if name in supplied:
            if processor is not None:
                processors[name] = processor
        else:
            value = bind.effective_value
            constants[name] = processor(value) if processor is not None and value is not None else value
    return Compiled(str(compiled), constants, processors)


@dataclass(frozen=True)
class FastPage:
    """The compiled statements of one page shape."""

    page: Compiled
    # Counts the matches of a filtered shape (None when unfiltered: `record_counts` has the total).
    count: Compiled | None


SUPPLIED = frozenset({"ll_hashes", "ll_company", "ll_connection", "ll_integrations", "ll_limit", "ll_offset"})


def _parent_condition(parent_fields: tuple[str, ...]) -> list[ColumnElement[bool]]:
    return [
        Record.data[field].astext == bindparam(f"ll_parent_{field}", type_=String) for field in parent_fields
    ]


def _key_lookup() -> Select[uuid.UUID, uuid.UUID, bool, int]:
    """The key's client, as `clients.auth.authenticate` finds it, for the hashes the request binds."""
    return key_owner(bindparam("ll_hashes", type_=ARRAY(String)))


_KEY_LOOKUPS: dict[int, Compiled] = {}


async def known_key(engine: AsyncEngine, key_hashes: list[str]) -> bool:
    """Whether one of the hashes is an API key's, on the read pool: what a page shape not compiled yet
    asks first, so a request with a wrong key never gets its `query=` parsed or compiled."""
    dialect = engine.dialect
    compiled = _KEY_LOOKUPS.get(id(dialect))
    if compiled is None:
        compiled = _KEY_LOOKUPS[id(dialect)] = compile_for_psycopg(_key_lookup(), dialect, SUPPLIED)
    return await read_one(engine, compiled.sql, compiled.params({"ll_hashes": key_hashes})) is not None


def _build_fast_page(
    data_type: DataType,
    query: str | None,
    order_by: str | None,
    parent_fields: tuple[str, ...],
    dialect: Dialect,
) -> FastPage:
    """Raises `BadRequest` for a query or orderBy `page` would refuse."""
    target = query_target(data_type.key)
    filter_ = compile_query(query, target)
    order = _distinct_terms((*order_by_clause(order_by, target), *_default_order(data_type, order_by)))
    supplied = SUPPLIED | {f"ll_parent_{field}" for field in parent_fields}

    auth = _key_lookup().cte("auth")
    # As `source`.
    scope = (
        Connection.id == bindparam("ll_connection", type_=Uuid)
        if data_type.scope is Scope.CONNECTION
        else Connection.integration_key == any_(bindparam("ll_integrations", type_=ARRAY(String)))
    )
    src = (
        select(RecordCount.connection_id, RecordCount.visible, RecordCount.synced_at)
        .select_from(auth)
        .join(Company, client_scope(auth.c.client_id))
        .join(Connection, Connection.company_id == Company.id)
        .join(RecordCount, RecordCount.connection_id == Connection.id)
        .where(
            Company.id == bindparam("ll_company", type_=Uuid), RecordCount.data_type == data_type.key, scope
        )
        .order_by(RecordCount.synced_at.desc())
        .limit(1)
        .cte("src")
    )
    # As `page`. The connection is a one-row subquery (an InitPlan: a parameter of the index scan, so the
    # page reads the index in order and stops after its rows). PostgreSQL joins the page's JSON texts in
    # the page's order, given by the values it was ordered by, which the page's rows carry: they come in
    # that order, so the join sorts nothing (PostgreSQL 16+ sees the input presorted).
    connection = select(src.c.connection_id).scalar_subquery().correlate(None)
    conditions = [
        _visible_in(Record.connection_id == connection, data_type),
        *_parent_condition(parent_fields),
    ]
    if filter_ is not None:
        conditions.append(filter_)
    terms = [_ordered(term) for term in order]
    keys = [ordered_by.label(f"o{n}") for n, (ordered_by, _) in enumerate(terms)]
    rows = (
        select(Record.data, *keys)
        .where(*conditions)
        .order_by(*order)
        .limit(bindparam("ll_limit", type_=Integer))
        .offset(bindparam("ll_offset", type_=Integer))
        .subquery("p")
    )
    in_page_order = [same_way(rows.c[f"o{n}"]) for n, (_, same_way) in enumerate(terms)]
    joined = (
        select(
            func.string_agg(
                cast(rows.c.data, Text), aggregate_order_by(literal_column("','"), *in_page_order)
            )
        )
        .scalar_subquery()
        .correlate(None)
    )
    statement = select(
        auth.c.client_id,
        auth.c.api_key_id,
        auth.c.link_single_use,
        auth.c.link_url_ttl_hours,
        src.c.connection_id,
        src.c.visible,
        src.c.synced_at,
        joined,
    ).select_from(auth.outerjoin(src, true()))
    count = None
    if filter_ is not None or parent_fields:
        counted = _visible_in(Record.connection_id == bindparam("ll_connection", type_=Uuid), data_type)
        count_conditions = [counted, *_parent_condition(parent_fields)]
        if filter_ is not None:
            count_conditions.append(filter_)
        count = compile_for_psycopg(
            select(func.count()).select_from(Record).where(*count_conditions), dialect, supplied
        )
    return FastPage(compile_for_psycopg(statement, dialect, supplied), count)


_DIRECTIONS: dict[Any, Callable[[ColumnElement[Any]], ColumnElement[Any]]] = {
    operators.asc_op: lambda e: e.asc(),
    operators.desc_op: lambda e: e.desc(),
    operators.nulls_first_op: lambda e: e.nulls_first(),
    operators.nulls_last_op: lambda e: e.nulls_last(),
}


def _ordered(term: Any) -> tuple[ColumnElement[Any], Callable[[ColumnElement[Any]], ColumnElement[Any]]]:
    """An ORDER BY term taken apart: what it orders by, and how to order another expression the same way
    (`x.desc().nulls_last()` gives `x` and `lambda y: y.desc().nulls_last()`)."""
    modifiers = []
    while isinstance(term, UnaryExpression) and term.modifier in _DIRECTIONS:
        modifiers.append(_DIRECTIONS[term.modifier])
        term = term.element

    def same_way(expression: ColumnElement[Any]) -> ColumnElement[Any]:
        for modify in reversed(modifiers):
            expression = modify(expression)
        return expression

    return term, same_way


def _distinct_terms(order: tuple[Any, ...]) -> tuple[Any, ...]:
    """The ORDER BY terms without those ordering by what an earlier one does (`orderBy=-postedOn` and the
    default order both order by the record's date): they change nothing, and PostgreSQL would not see
    the page's rows as already in the join's order (it sorted them again)."""
    kept: list[Any] = []
    for term in order:
        if not any(_ordered(term)[0].compare(_ordered(earlier)[0]) for earlier in kept):
            kept.append(term)
    return tuple(kept)


@dataclass(frozen=True)
class PageShape:
    """What a list page's statement is compiled for (a request binds the rest)."""

    data_type: DataType
    query: str | None
    order_by: str | None
    parent_fields: tuple[str, ...]
    dialect: Dialect

    @property
    def key(self) -> Hashable:
        return shape_key(self.data_type, self.query, self.order_by, self.parent_fields, self.dialect)


def shape_key(
    data_type: DataType,
    query: str | None,
    order_by: str | None,
    parent_fields: tuple[str, ...],
    dialect: Dialect,
) -> Hashable:
    """A page shape's key in `FAST_PAGES`, without making the shape (a request whose shape is compiled
    needs only this)."""
    # The scope too: an older company-scoped path (`registry.LEGACY_PATHS`) shares its type's key.
    return (data_type.key, data_type.scope, query, order_by, parent_fields, id(dialect))


class FastPages:
    """Compiled page shapes, least recently used out; refused shapes are not kept."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._shapes: OrderedDict[Hashable, FastPage] = OrderedDict()

    def cached(self, shape: PageShape) -> FastPage | None:
        return self.cached_key(shape.key)

    def cached_key(self, key: Hashable) -> FastPage | None:
        found = self._shapes.get(key)
        if found is not None:
            self._shapes.move_to_end(key)
        return found

    def get(self, shape: PageShape) -> FastPage:
        found = self.cached(shape)
        if found is None:
            found = self._shapes[shape.key] = _build_fast_page(
                shape.data_type, shape.query, shape.order_by, shape.parent_fields, shape.dialect
            )
            while len(self._shapes) > self.size:
                self._shapes.popitem(last=False)
        return found


FAST_PAGES = FastPages(1024)


@dataclass(frozen=True)
class FastResult:
    principal: Principal
    # None when the source was not found (the ordinary path says why).
    source: ReadSource | None
    rows: bytes
    total: int


async def fast_page(
    engine: AsyncEngine,
    key_hashes: list[str],
    data_type: DataType,
    company_id: str,
    connection_id: str | None,
    params: PageParams,
    parent: dict[str, str],
) -> FastResult | None:
    """A list page in one statement; None when the API key is not valid.

    A shape not compiled yet is compiled only once the key is known (one more round trip, once per shape),
    so a wrong key costs no parsing or compiling, nor can it push the shapes in use out of `FAST_PAGES`.
    Raises `BadRequest` (a shape `page` refuses) and `ValueError` (an id that is not a UUID) for the caller
    to take the ordinary path."""
    parent_fields = tuple(sorted(parent))
    shape = FAST_PAGES.cached_key(
        shape_key(data_type, params.query, params.order_by, parent_fields, engine.dialect)
    )
    if shape is None:
        if not await known_key(engine, key_hashes):
            return None
        shape = FAST_PAGES.get(
            PageShape(data_type, params.query, params.order_by, parent_fields, engine.dialect)
        )
    values: dict[str, Any] = {
        "ll_hashes": key_hashes,
        "ll_company": uuid.UUID(company_id),
        "ll_limit": params.page_size,
        "ll_offset": params.offset,
    }
    if data_type.scope is Scope.CONNECTION:
        values["ll_connection"] = uuid.UUID(connection_id or "")
    else:
        values["ll_integrations"] = _platform_keys(data_type.source_type)
    for field in parent_fields:
        values[f"ll_parent_{field}"] = parent[field]
    row = await read_one(engine, shape.page.sql, shape.page.params(values))
    if row is None:
        return None
    client_id, api_key_id, single_use, ttl_hours, found_connection, visible, synced_at, rows = row
    principal = Principal(
        client_id=client_id, api_key_id=api_key_id, link_code_hours=ttl_hours if single_use else None
    )
    if found_connection is None:
        return FastResult(principal, None, b"", 0)
    src = ReadSource(found_connection, data_type, visible, synced_at)
    if shape.count is None:
        total = visible
    else:
        count_key = (found_connection, data_type.key, synced_at, params.query, tuple(sorted(parent.items())))
        count = shape.count

        async def counted() -> int:
            row = await read_one(
                engine, count.sql, count.params({**values, "ll_connection": found_connection})
            )
            return int(row[0]) if row else 0

        total = await MATCH_COUNTS.count_once(count_key, counted)
    return FastResult(principal, src, rows or b"", int(total or 0))


def envelope(rows: bytes, meta: dict[str, Any]) -> bytes:
    """The paging envelope around records already joined with commas (by PostgreSQL on the fast path)."""
    # One copy of the page (`+` would copy its hundred-odd kilobytes once for each part).
    return b"".join((b'{"results":[', rows, b"],", orjson.dumps(meta)[1:]))
