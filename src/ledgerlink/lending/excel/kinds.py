"""What an Excel report type is: its name in Codat's `reportType`, and how it reads a company's books into
the sheets of a workbook. The catalogue of types offered is `catalogue.py`; a new type is one entry there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.data import reads
from ledgerlink.data.reads import ReadSource
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import Conflict, NotFound
from ledgerlink.lending.workbooks import Sheet
from ledgerlink.records import registry
from ledgerlink.records.models import RecordCount


@dataclass(frozen=True)
class Reading:
    """What a report reads with: the job's session, and the company as its requesting client sees it."""

    session: AsyncSession
    principal: Principal
    company: Company

    async def source(self, data_type_key: str) -> ReadSource:
        """Where the read API serves the company's `data_type_key` (a company-scoped type) from (its 404 or
        409 when it cannot)."""
        data_type = registry.get(data_type_key)
        assert data_type is not None, data_type_key
        return await reads.source(self.session, self.principal, data_type, str(self.company.id), None)

    async def source_if_pulled(self, data_type_key: str) -> ReadSource | None:
        """The same, or None when the company's books do not have the type (never pulled, or not provided)."""
        try:
            return await self.source(data_type_key)
        except (NotFound, Conflict):
            return None

    async def connection_sources(self, data_type_key: str) -> list[ReadSource]:
        """A connection-scoped type's sources: each of the company's connections that pulled it."""
        data_type = registry.get(data_type_key)
        assert data_type is not None, data_type_key
        rows = await self.session.execute(
            select(RecordCount.connection_id, RecordCount.visible, RecordCount.synced_at)
            .join(Connection, Connection.id == RecordCount.connection_id)
            .where(Connection.company_id == self.company.id, RecordCount.data_type == data_type_key)
            .order_by(Connection.created_at, Connection.id)
        )
        return [ReadSource(row.connection_id, data_type, row.visible, row.synced_at) for row in rows]

    async def statement(
        self, src: ReadSource, period_length: int, periods: int, start_month: str | None
    ) -> Any:
        """A statement exactly as `GET .../data/financials/...` answers it."""
        return await reads.statement(self.session, src, period_length, periods, start_month)


@dataclass
class Built:
    """A report's workbook before it is written: its title, its sheets (rows may still be streaming), lines
    for the cover, and the sources it read (the cover names the pull of each)."""

    title: str
    sheets: list[Sheet]
    sources: list[ReadSource]
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ExcelReportType:
    name: str
    # The workbook's title; the download's name starts with it.
    title: str
    build: Callable[[Reading], Awaitable[Built]]
