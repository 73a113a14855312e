"""An analyst's corrections of bank transactions' categories: set, unset, audited, and applied by every
categorized bank statement generated afterwards.

Codat's spec has no operation for a bank transaction's category, so these are ledgerlink's own, shaped as
Lending I's account categories are (`lending.categories.service`): the same actor, the same audit row per
change, all of a request or nothing, in the caller's transaction. A report already generated keeps the
categories it was generated with (reports are reproducible); the next one uses the correction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.connections.models import Connection
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.lending.bank_categories import CATEGORIES, classify
from ledgerlink.lending.bank_lines import BankLine, bank_lines
from ledgerlink.lending.bank_statement.models import TransactionCategoryChange, TransactionCategoryOverride
from ledgerlink.lending.categories.service import Actor

MAX_REASON = 1000
CONFIRMED_WITHOUT_REASON = "Confirmed by an analyst."
# The category paths an analyst may choose: the bank categorization's taxonomy (Lending's own).
KNOWN_PATHS = frozenset(category.path for category in CATEGORIES)


@dataclass(frozen=True)
class Override:
    levels: tuple[str, ...]
    reason: str
    confirmed_at: datetime


@dataclass(frozen=True)
class TransactionCategory:
    """A bank transaction's category now: the analyst's (`Confirmed`) or the rules' (`Suggested`, with their
    confidence 0-1), and what the rules found about it either way."""

    line: BankLine
    status: str
    levels: tuple[str, ...]
    reason: str
    confidence: float | None
    counterparty: str | None
    payment_provider: str | None
    confirmed_at: datetime | None


async def of_company(
    session: AsyncSession, company_id: uuid.UUID
) -> dict[tuple[uuid.UUID, str, str], Override]:
    """Every override of the company's connections, by (connection, account, transaction)."""
    rows = await session.execute(
        select(TransactionCategoryOverride)
        .join(Connection, Connection.id == TransactionCategoryOverride.connection_id)
        .where(Connection.company_id == company_id)
    )
    return {
        (row.connection_id, row.account_id, row.transaction_id): Override(
            tuple(row.levels), row.reason or CONFIRMED_WITHOUT_REASON, row.confirmed_at
        )
        for row in rows.scalars()
    }


async def find_line(
    session: AsyncSession, connection: Connection, account_id: str, transaction_id: str
) -> BankLine:
    """The connection's bank transaction (404 when the records hold none of that account and id)."""
    async for line in bank_lines(session, connection.company_id, account_id=account_id):
        if line.connection_id == connection.id and line.transaction_id == transaction_id:
            return line
    raise NotFound(
        f"No bank transaction {transaction_id!r} of account {account_id!r} in connection {connection.id}."
    )


async def category_of(
    session: AsyncSession, connection: Connection, account_id: str, transaction_id: str
) -> TransactionCategory:
    line = await find_line(session, connection, account_id, transaction_id)
    row = await _override(session, connection.id, account_id, transaction_id)
    return _category(line, row)


def _category(line: BankLine, row: TransactionCategoryOverride | None) -> TransactionCategory:
    found = classify(line)
    if row is None:
        return TransactionCategory(
            line, "Suggested", found.levels, found.reason, found.confidence, found.counterparty,
            found.payment_provider, None,
        )  # fmt: skip
    return TransactionCategory(
        line, "Confirmed", tuple(row.levels), row.reason or CONFIRMED_WITHOUT_REASON, None,
        found.counterparty, found.payment_provider, row.confirmed_at,
    )  # fmt: skip


async def _override(
    session: AsyncSession,
    connection_id: uuid.UUID,
    account_id: str,
    transaction_id: str,
    *,
    lock: bool = False,
) -> TransactionCategoryOverride | None:
    statement = select(TransactionCategoryOverride).where(
        TransactionCategoryOverride.connection_id == connection_id,
        TransactionCategoryOverride.account_id == account_id,
        TransactionCategoryOverride.transaction_id == transaction_id,
    )
    return await session.scalar(statement.with_for_update() if lock else statement)


def _problems(levels: Sequence[str] | None, reason: str | None) -> list[dict[str, str]]:
    items = []
    if levels is not None and tuple(levels) not in KNOWN_PATHS:
        shown = ".".join(levels) or "(empty)"
        items.append(
            {
                "itemId": "confirmed.levels",
                "message": f"{shown!r} is not a bank transaction category: see "
                "GET /data/assess/accounts/categories (the same taxonomy).",
                "validatorName": "category",
            }
        )
    if reason is not None and len(reason) > MAX_REASON:
        items.append(
            {"itemId": "reason", "message": f"At most {MAX_REASON} characters.", "validatorName": "length"}
        )
    return items


async def confirm(
    session: AsyncSession,
    connection: Connection,
    account_id: str,
    transaction_id: str,
    levels: Sequence[str] | None,
    reason: str | None,
    actor: Actor,
) -> TransactionCategory:
    """Set the analyst's category of one bank transaction (None: unset it, the rules' applies again),
    audited. A category outside the taxonomy or an unknown transaction stores nothing (400, 404)."""
    problems = _problems(levels, reason)
    if problems:
        summary = "; ".join(f"{p['itemId']}: {p['message']}" for p in problems)
        raise BadRequest(f"The category cannot be confirmed. {summary}", validation_errors=problems)
    line = await find_line(session, connection, account_id, transaction_id)
    row = await _override(session, connection.id, account_id, transaction_id, lock=True)
    before = _category(line, row)
    unchanged = (levels is None and row is None) or (
        row is not None and levels is not None and tuple(row.levels) == tuple(levels) and row.reason == reason
    )
    if unchanged:
        return before
    now = utcnow()
    session.add(
        TransactionCategoryChange(
            connection_id=connection.id,
            account_id=account_id,
            transaction_id=transaction_id,
            changed_at=now,
            actor=actor.kind,
            client_id=actor.client_id,
            api_key_id=actor.api_key_id,
            from_status=before.status,
            from_levels=list(before.levels),
            to_levels=list(levels) if levels is not None else None,
            reason=reason,
        )
    )
    if levels is None:
        await session.delete(row)
        row = None
    elif row is None:
        row = TransactionCategoryOverride(
            connection_id=connection.id,
            account_id=account_id,
            transaction_id=transaction_id,
            levels=list(levels),
            reason=reason,
            confirmed_at=now,
        )
        session.add(row)
    else:
        row.levels, row.reason, row.confirmed_at = list(levels), reason, now
    await session.flush()
    return _category(line, row)


async def changes(
    session: AsyncSession, connection_id: uuid.UUID, *, offset: int = 0, limit: int | None = None
) -> tuple[Sequence[TransactionCategoryChange], int]:
    """The connection's bank transaction category changes, newest first, and how many there are."""
    condition = TransactionCategoryChange.connection_id == connection_id
    total = await session.scalar(select(func.count()).select_from(TransactionCategoryChange).where(condition))
    rows = await session.scalars(
        select(TransactionCategoryChange)
        .where(condition)
        .order_by(TransactionCategoryChange.changed_at.desc(), TransactionCategoryChange.id)
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), int(total or 0)
