"""A company's accounts with their categories: the suggestion for each, and the analyst's override if any.

Read from the record store on every call (a categorization is cheap: `suggest` is a pure function of the
record), so a re-sync that renames or re-types an account is reflected at once, and an override, keyed by
the account's platform id within its connection, applies to whatever the account's record now says.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry as connectors
from ledgerlink.lending.categories import country
from ledgerlink.lending.categories.suggestions import CategoryLevel, Suggestion, suggest
from ledgerlink.records.models import Record
from ledgerlink.records.registry import SourceType
from ledgerlink.records.store import SINGLE_RECORD_ID

ACCOUNTS = "chartOfAccounts"
COMPANY_INFO = "company"


@dataclass(frozen=True)
class CategorizedAccount:
    """One account of one connection, placed in the taxonomy.

    `levels` and `reason` are the confirmed category's when an analyst set one (`status` `Confirmed`,
    no confidence), else the suggestion's (`Suggested`); `suggestion` is always the rules' own answer.
    """

    connection_id: uuid.UUID
    account_id: str
    name: str | None
    nominal_code: str | None
    status: str
    levels: tuple[CategoryLevel, ...]
    reason: str
    suggestion: Suggestion
    record: dict[str, Any]

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(level.name for level in self.levels)


def accounting_platforms() -> list[str]:
    return [key for key, c in connectors.CONNECTORS.items() if c.info.source_type is SourceType.ACCOUNTING]


async def accounting_connections(session: AsyncSession, company_id: uuid.UUID) -> Sequence[Connection]:
    """The company's connections to accounting platforms, oldest first."""
    statement = (
        select(Connection)
        .where(Connection.company_id == company_id, Connection.integration_key.in_(accounting_platforms()))
        .order_by(Connection.created_at, Connection.id)
    )
    return (await session.scalars(statement)).all()


async def _records(session: AsyncSession, connection_id: uuid.UUID, data_type: str) -> Sequence[Record]:
    statement = (
        select(Record)
        .where(
            Record.connection_id == connection_id,
            Record.data_type == data_type,
            Record.is_deleted.is_(False),
        )
        .order_by(Record.record_id)
    )
    return (await session.scalars(statement)).all()


def categorize(
    connection: Connection, account: dict[str, Any], company_country: str | None
) -> CategorizedAccount:
    suggestion = suggest(account, platform_key=connection.integration_key, country=company_country)
    return CategorizedAccount(
        connection_id=connection.id,
        account_id=str(account.get("id")),
        name=account.get("name"),
        nominal_code=account.get("nominalCode"),
        status="Suggested",
        levels=suggestion.levels,
        reason=suggestion.reason,
        suggestion=suggestion,
        record=account,
    )


async def connection_accounts(session: AsyncSession, connection: Connection) -> list[CategorizedAccount]:
    """Every current account of one connection, categorized."""
    info = next(iter(await _records(session, connection.id, COMPANY_INFO)), None)
    company_country = country.of_company(info.data if info and info.record_id == SINGLE_RECORD_ID else None)
    accounts = [
        categorize(connection, row.data, company_country)
        for row in await _records(session, connection.id, ACCOUNTS)
    ]
    return sorted(accounts, key=lambda a: (a.nominal_code or "", a.name or "", a.account_id))


async def categorized_accounts(session: AsyncSession, company_id: uuid.UUID) -> list[CategorizedAccount]:
    """Every current account of every accounting connection of the company, categorized.

    The caller has checked the company is the principal's (`companies.service.get`).
    """
    found: list[CategorizedAccount] = []
    for connection in await accounting_connections(session, company_id):
        found += await connection_accounts(session, connection)
    return found
