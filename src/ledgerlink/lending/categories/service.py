"""A company's accounts with their categories: the suggestion for each, and the analyst's confirmed one.

Read from the record store on every call (a categorization is cheap: `suggest` is a pure function of the
record), so a re-sync that renames or re-types an account is reflected at once, and a confirmed category,
keyed by the account's platform id within its connection, applies to whatever the account's record now says.
Confirming (or unsetting) categories writes the new state, one audit row per account changed and one
`AccountCategoriesUpdated` event, in the caller's transaction: all of a request's changes or none.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry as connectors
from ledgerlink.events.service import emit_for_company
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.kit.errors import BadRequest
from ledgerlink.lending.categories import country, taxonomy
from ledgerlink.lending.categories.models import CategoryChange, ConfirmedCategory
from ledgerlink.lending.categories.suggestions import CategoryLevel, Suggestion, suggest
from ledgerlink.records.models import Record
from ledgerlink.records.registry import SourceType
from ledgerlink.records.store import SINGLE_RECORD_ID

ACCOUNTS = "chartOfAccounts"
COMPANY_INFO = "company"
UPDATED = "AccountCategoriesUpdated"
CONFIRMED_WITHOUT_REASON = "Confirmed by an analyst."
MAX_REASON = 1000


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
    # When the category was last confirmed (None for a suggestion).
    confirmed_at: datetime | None = None

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(level.name for level in self.levels)


@dataclass(frozen=True)
class Actor:
    """Who changes a category: a client through one of its API keys, or the Portal's signed-in operator."""

    kind: str  # "ApiKey" | "PortalOperator"
    client_id: uuid.UUID
    api_key_id: uuid.UUID | None


@dataclass(frozen=True)
class Confirmation:
    """An analyst's decision for one account: a category (a taxonomy path), or None to unset it."""

    account_id: str
    levels: tuple[str, ...] | None
    reason: str | None = None
    # Where the request carried it (a validation item's `itemId`), e.g. `categories.0`.
    item: str = ""


def accounting_platforms() -> list[str]:
    return [key for key, c in connectors.CONNECTORS.items() if c.info.source_type is SourceType.ACCOUNTING]


def is_accounting(connection: Connection) -> bool:
    return connection.integration_key in accounting_platforms()


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


async def connection_country(session: AsyncSession, connection: Connection) -> str | None:
    """The company's country as the connection's `companyInfo` gives it (each platform keeps its own)."""
    info = next(iter(await _records(session, connection.id, COMPANY_INFO)), None)
    return country.of_company(info.data if info and info.record_id == SINGLE_RECORD_ID else None)


def categorize(
    connection: Connection,
    account: dict[str, Any],
    company_country: str | None,
    confirmed: ConfirmedCategory | None = None,
) -> CategorizedAccount:
    suggestion = suggest(account, platform_key=connection.integration_key, country=company_country)
    shown = suggestion
    if confirmed is not None:
        levels = tuple(CategoryLevel(name, None) for name in confirmed.levels)
        shown = Suggestion(levels, confirmed.reason or CONFIRMED_WITHOUT_REASON)
    return CategorizedAccount(
        connection_id=connection.id,
        account_id=str(account.get("id")),
        name=account.get("name"),
        nominal_code=account.get("nominalCode"),
        status="Suggested" if confirmed is None else "Confirmed",
        levels=shown.levels,
        reason=shown.reason,
        suggestion=suggestion,
        record=account,
        confirmed_at=confirmed.confirmed_at if confirmed is not None else None,
    )


async def _confirmed(session: AsyncSession, connection_id: uuid.UUID) -> dict[str, ConfirmedCategory]:
    rows = await session.scalars(
        select(ConfirmedCategory).where(ConfirmedCategory.connection_id == connection_id)
    )
    return {row.account_id: row for row in rows}


async def connection_accounts(session: AsyncSession, connection: Connection) -> list[CategorizedAccount]:
    """Every current account of one connection, categorized (a confirmed category wins)."""
    company_country = await connection_country(session, connection)
    confirmed = await _confirmed(session, connection.id)
    accounts = [
        categorize(connection, row.data, company_country, confirmed.get(row.record_id))
        for row in await _records(session, connection.id, ACCOUNTS)
    ]
    return sorted(accounts, key=lambda a: (a.nominal_code or "", a.name or "", a.account_id))


async def categorized_accounts(
    session: AsyncSession, company_id: uuid.UUID | str
) -> list[CategorizedAccount]:
    """Every current account of every accounting connection of the company, categorized.

    The caller has checked the company is the principal's (`companies.service.get`).
    """
    found: list[CategorizedAccount] = []
    for connection in await accounting_connections(session, uuid.UUID(str(company_id))):
        found += await connection_accounts(session, connection)
    return found


# ------------------------------------------------------------------------------------ confirming
def _problems(confirmations: Sequence[Confirmation], known: set[str]) -> list[dict[str, str]]:
    """Codat's validation items for every confirmation that cannot be stored."""
    items = []
    seen: set[str] = set()
    for c in confirmations:
        if c.account_id not in known:
            items.append(_item(f"{c.item}.accountRef.id", f"No account {c.account_id!r} in this connection."))
        elif c.account_id in seen:
            items.append(_item(f"{c.item}.accountRef.id", f"Account {c.account_id!r} is given twice."))
        seen.add(c.account_id)
        if c.levels is not None and not taxonomy.is_category(c.levels):
            shown = ".".join(c.levels) or "(empty)"
            items.append(
                _item(
                    f"{c.item}.confirmed",
                    f"{shown!r} is not a category: see GET /data/assess/accounts/categories.",
                    "category",
                )
            )
        if c.reason is not None and len(c.reason) > MAX_REASON:
            items.append(_item(f"{c.item}.reason", f"At most {MAX_REASON} characters.", "length"))
    return items


def _item(item_id: str, message: str, validator: str = "exists") -> dict[str, str]:
    return {"itemId": item_id.lstrip("."), "message": message, "validatorName": validator}


async def confirm(
    session: AsyncSession,
    company: Company,
    connection: Connection,
    confirmations: Sequence[Confirmation],
    actor: Actor,
) -> list[CategorizedAccount]:
    """Store the analyst's categories for accounts of one connection (or unset them), audited; one
    `AccountCategoriesUpdated` event when anything changed. Every confirmation is checked first: one bad
    account id or category path is a 400 with Codat's validation items, and nothing is stored."""
    accounts = {a.account_id: a for a in await connection_accounts(session, connection)}
    problems = _problems(confirmations, set(accounts))
    if problems:
        summary = "; ".join(f"{p['itemId']}: {p['message']}" for p in problems[:5])
        raise BadRequest(f"The categories cannot be confirmed. {summary}", validation_errors=problems)
    existing = {
        row.account_id: row
        for row in await session.scalars(
            select(ConfirmedCategory)
            .where(
                ConfirmedCategory.connection_id == connection.id,
                ConfirmedCategory.account_id.in_([c.account_id for c in confirmations]),
            )
            .with_for_update()
        )
    }
    now = utcnow()
    changed = False
    for c in confirmations:
        before = accounts[c.account_id]
        row = existing.get(c.account_id)
        if c.levels is None and row is None:
            continue
        if (
            row is not None
            and c.levels is not None
            and tuple(row.levels) == c.levels
            and row.reason == c.reason
        ):
            continue
        session.add(
            CategoryChange(
                connection_id=connection.id,
                account_id=c.account_id,
                changed_at=now,
                actor=actor.kind,
                client_id=actor.client_id,
                api_key_id=actor.api_key_id,
                from_status=before.status,
                from_levels=list(before.path),
                to_levels=list(c.levels) if c.levels is not None else None,
                reason=c.reason,
            )
        )
        if c.levels is None:
            await session.delete(row)
        elif row is None:
            session.add(
                ConfirmedCategory(
                    connection_id=connection.id,
                    account_id=c.account_id,
                    levels=list(c.levels),
                    reason=c.reason,
                    confirmed_at=now,
                )
            )
        else:
            row.levels, row.reason, row.confirmed_at = list(c.levels), c.reason, now
        changed = True
    if changed:
        emit_for_company(session, company, UPDATED, updated_payload(company, connection, now))
    await session.flush()
    after = {a.account_id: a for a in await connection_accounts(session, connection)}
    return [after[c.account_id] for c in confirmations]


def updated_payload(company: Company, connection: Connection, at: datetime) -> dict[str, Any]:
    """The body Codat documents for `AccountCategoriesUpdated` (`AccountCategoriesUpdatedWebhook`)."""
    return {
        "ClientId": str(company.client_id),
        "CompanyId": str(company.id),
        "DataConnectionId": str(connection.id),
        "RuleType": "Account Categories Updated",
        "Message": f"Account categories updated for company {company.id}.",
        "Data": {"modifiedDate": iso(at)},
    }


async def changes(
    session: AsyncSession,
    connection_id: uuid.UUID,
    *,
    offset: int = 0,
    limit: int | None = None,
    account_id: str | None = None,
) -> tuple[Sequence[CategoryChange], int]:
    """The connection's category changes (or one account's), newest first, and how many there are (the API
    pages them; the Portal shows an account's all)."""
    condition = CategoryChange.connection_id == connection_id
    if account_id is not None:
        condition &= CategoryChange.account_id == account_id
    total = await session.scalar(select(func.count()).select_from(CategoryChange).where(condition)) or 0
    rows = await session.scalars(
        select(CategoryChange)
        .where(condition)
        .order_by(CategoryChange.changed_at.desc(), CategoryChange.id)
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), int(total)
