"""What a company owns, read through the caller's company: a page of its rows, or one of them by id.

Pull operations, push operations and connections are each listed and fetched the same way: the company is
the caller's (404 otherwise, `companies.service.get`), then the rows are narrowed to it, so one client
never reads another's. Stated once here, each domain names only its table, its `query=` target and what
its 404 says.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from ledgerlink.companies import service as companies
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import NotFound
from ledgerlink.kit.ids import parse_id
from ledgerlink.kit.pagination import PageParams, fetch_query_page
from ledgerlink.kit.query import QueryTarget


class CompanyOwned(Protocol):
    """A mapped table whose rows each belong to one company."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def company_id(self) -> uuid.UUID: ...


Owned = TypeVar("Owned", bound=CompanyOwned)
Column = InstrumentedAttribute[uuid.UUID]


def _columns(table: type[CompanyOwned]) -> tuple[Column, Column]:
    """`table`'s `id` and `company_id` columns: on a mapped class they are SQLAlchemy's column attributes
    (the protocol describes the rows)."""
    return cast(Column, table.id), cast(Column, table.company_id)


async def page(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    table: type[Owned],
    params: PageParams,
    target: QueryTarget,
    default_order: Sequence[Any],
) -> tuple[list[Owned], int]:
    """A page of the company's rows of `table`, narrowed by the request's `query=` and `orderBy`."""
    company = await companies.get(session, principal, company_id)
    _, owner = _columns(table)
    return await fetch_query_page(
        session,
        select(table).where(owner == company.id),
        params,
        target,
        default_order=default_order,
    )


async def one(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    table: type[Owned],
    row_id: str,
    not_found: NotFound,
) -> Owned:
    """The company's row of `table` with id `row_id`; `not_found` if it has none (or the id is malformed)."""
    company = await companies.get(session, principal, company_id)
    id_, owner = _columns(table)
    row = await session.scalar(select(table).where(id_ == parse_id(row_id, not_found), owner == company.id))
    if row is None:
        raise not_found
    return row
