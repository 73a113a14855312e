"""The Lending tab's bank categories: the latest categorized bank statement (`categorizedBankStatement`) as
totals per category for each bank account, money in and money out apart, to the cent.

The report's transactions are rows of its own table (`bank_statement.models`), a million of them for a busy
company: the totals are summed by PostgreSQL in one pass grouped by account and the first three category
levels (a deeper level's transactions count in the third's), never read into Python one by one.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.lending.bank_statement.models import StatementAccount, StatementTransaction
from ledgerlink.lending.categories import taxonomy
from ledgerlink.lending.reports.models import Report


@dataclass(frozen=True)
class CategoryTotal:
    """A category's transactions in one account: a top level (depth 0) or a level beneath it (1, 2); or,
    with a one-part path, the transactions the money of which came or went through a payment provider."""

    path: tuple[str, ...]
    transactions: int
    money_in: Decimal
    money_out: Decimal

    @property
    def depth(self) -> int:
        return len(self.path) - 1

    @property
    def label(self) -> str:
        """The category's name for people (`Other income` for `OtherIncome`)."""
        category = taxonomy.lookup(self.path)
        return category.display_name if category is not None else self.path[-1]

    @property
    def net(self) -> Decimal:
        return self.money_in - self.money_out


@dataclass(frozen=True)
class AccountCategories:
    """One account of the statement (its totals as the report stored them) and its categories' totals, each
    level followed by the levels beneath it."""

    account: StatementAccount
    categories: tuple[CategoryTotal, ...]
    # The payment providers (card processors, marketplaces, rails) the account's money went through.
    providers: tuple[CategoryTotal, ...] = ()


def _tree(sums: dict[tuple[str, ...], list[Decimal]]) -> tuple[CategoryTotal, ...]:
    """Every category level with the totals of the transactions beneath it, each level followed by the
    levels under it, siblings ordered by the money they moved, largest first."""
    totals: dict[tuple[str, ...], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for path, figures in sums.items():
        for depth in range(1, len(path) + 1):
            totals[path[:depth]] = [a + b for a, b in zip(totals[path[:depth]], figures, strict=True)]
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for path in totals:
        children[path[:-1]].append(path)
    rows: list[CategoryTotal] = []

    def walk(parent: tuple[str, ...]) -> None:
        for path in sorted(children[parent], key=lambda p: (-(totals[p][1] + totals[p][2]), p)):
            count, money_in, money_out = totals[path]
            rows.append(CategoryTotal(path, int(count), money_in, money_out))
            walk(path)

    walk(())
    return tuple(rows)


async def account_categories(session: AsyncSession, report: Report) -> list[AccountCategories]:
    """The statement's accounts, in the report's order, each with its totals per category and per payment
    provider."""
    accounts = (
        await session.scalars(
            select(StatementAccount)
            .where(StatementAccount.report_id == report.id)
            .order_by(StatementAccount.position)
        )
    ).all()
    line = StatementTransaction
    moved = (
        func.count(),
        func.coalesce(func.sum(line.amount).filter(line.amount >= 0), 0),
        func.coalesce(-func.sum(line.amount).filter(line.amount < 0), 0),
    )
    top, second, third = line.levels[1], line.levels[2], line.levels[3]
    grouped = await session.execute(
        select(line.connection_id, line.account_id, top, second, third, *moved)
        .where(line.report_id == report.id)
        .group_by(line.connection_id, line.account_id, top, second, third)
    )
    by_account: dict[tuple[uuid.UUID, str], dict[tuple[str, ...], list[Decimal]]] = defaultdict(dict)
    for connection_id, account_id, first, then, last, count, money_in, money_out in grouped:
        path = tuple(level for level in (first or "Uncategorized", then, last) if level)
        by_account[(connection_id, account_id)][path] = [
            Decimal(count),
            Decimal(money_in),
            Decimal(money_out),
        ]
    through = await session.execute(
        select(line.connection_id, line.account_id, line.payment_provider, *moved)
        .where(line.report_id == report.id, line.payment_provider.is_not(None))
        .group_by(line.connection_id, line.account_id, line.payment_provider)
    )
    providers: dict[tuple[uuid.UUID, str], list[CategoryTotal]] = defaultdict(list)
    for connection_id, account_id, provider, count, money_in, money_out in through:
        providers[(connection_id, account_id)].append(
            CategoryTotal((str(provider),), int(count), Decimal(money_in), Decimal(money_out))
        )
    return [
        AccountCategories(
            account,
            _tree(by_account.get((account.connection_id, account.account_id), {})),
            tuple(
                sorted(
                    providers.get((account.connection_id, account.account_id), []),
                    key=lambda p: (-(p.money_in + p.money_out), p.path),
                )
            ),
        )
        for account in accounts
    ]
