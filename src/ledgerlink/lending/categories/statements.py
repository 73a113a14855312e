"""The categorized profit and loss and balance sheet (Codat's `EnhancedFinancialReport`), over the plain ones.

Built from the statement the read API assembles (`data.statements`), period by period: every account line
of a period becomes one report item with the line's own value as its balance, placed in the taxonomy by its
account's category. Nothing is recomputed from transactions, so the items of a period add up, to the penny,
to the plain statement's parts: income and other income to `Income`, cost of sales, expenses and other
expenses to `Expense`, and assets, liabilities and equity to their own top levels (a suggestion is kept on
the statement's side of the line; an analyst's confirmed category is shown as confirmed).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.data import reads
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import Conflict
from ledgerlink.lending.categories import service
from ledgerlink.lending.categories.service import CategorizedAccount
from ledgerlink.lending.categories.suggestions import CategoryLevel, suggest
from ledgerlink.lending.categories.views import account_category
from ledgerlink.records.models import RecordCount
from ledgerlink.records.registry import DATA_TYPES

KINDS: Mapping[str, str] = {
    "profitAndLoss": "EnhancedProfitAndLossAccounts",
    "balanceSheet": "EnhancedBalanceSheetAccounts",
}
# Each part of a plain statement, and the top level of the taxonomy its lines belong to.
PARTS: Mapping[str, Mapping[str, str]] = {
    "profitAndLoss": {
        "income": "Income",
        "costOfSales": "Expense",
        "expenses": "Expense",
        "otherIncome": "Income",
        "otherExpenses": "Expense",
    },
    "balanceSheet": {"assets": "Asset", "liabilities": "Liability", "equity": "Equity"},
}
_DATA_TYPES = {data_type.key: data_type for data_type in DATA_TYPES}


def _account_lines(line: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The lines of a part that carry a value of their own: those not made of further lines."""
    items = line.get("items") or []
    if not items:
        yield line
    for item in items:
        yield from _account_lines(item)


def _period_end(period: Mapping[str, Any]) -> str:
    end = period.get("toDate") or period.get("date") or ""
    return str(end)[:10] + "T00:00:00"


def _on_side(
    found: CategorizedAccount | None,
    line: Mapping[str, Any],
    top: str,
    connection: Connection,
    country: str | None,
) -> dict[str, Any]:
    """The item's `accountCategory`: the account's, unless a suggestion put it outside the statement part
    the line is in (a P&L line suggested as an asset): then the rules again, with the part's top level."""
    if found is not None and (found.status == "Confirmed" or (found.path and found.path[0] == top)):
        levels = found.levels
        status = found.status
    else:
        record = (
            dict(found.record)
            if found is not None
            else {"id": line.get("accountId"), "name": line.get("name")}
        )
        record["type"] = top
        levels = suggest(record, platform_key=connection.integration_key, country=country).levels or (
            CategoryLevel(top, None),
        )
        status = "Suggested"
    return account_category(status, levels)


async def _statement_source(session: AsyncSession, company_id: uuid.UUID, kind: str) -> reads.ReadSource:
    """The company's accounting connection that last synced the statement (the read API's rule)."""
    statement = (
        select(RecordCount.connection_id, RecordCount.visible, RecordCount.synced_at)
        .join(Connection, Connection.id == RecordCount.connection_id)
        .where(
            Connection.company_id == company_id,
            Connection.integration_key.in_(service.accounting_platforms()),
            RecordCount.data_type == kind,
        )
        .order_by(RecordCount.synced_at.desc())
        .limit(1)
    )
    found = (await session.execute(statement)).first()
    if found is None:
        raise Conflict(reads.NOT_REQUESTED)
    return reads.ReadSource(found.connection_id, _DATA_TYPES[kind], found.visible, found.synced_at)


async def categorized_statement(
    session: AsyncSession,
    company_id: uuid.UUID | str,
    *,
    kind: str,
    period_length: int,
    periods_to_compare: int,
    start_month: str | None,
) -> dict[str, Any]:
    """Codat's `EnhancedFinancialReport` for the company's profit and loss (`kind="profitAndLoss"`) or
    balance sheet (`"balanceSheet"`): one item per account line per period, oldest period first.

    The periods are the plain statement's (`data.statements.assemble`: its validation, its 400s); a company
    whose statement was never synced is a 409, as at the read API.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown statement {kind!r}")
    company_id = uuid.UUID(str(company_id))
    company = await session.get(Company, company_id)
    source = await _statement_source(session, company_id, kind)
    plain = await reads.statement(session, source, period_length, periods_to_compare, start_month)
    connection = await session.get(Connection, source.connection_id)
    assert company is not None and connection is not None
    accounts = {a.account_id: a for a in await service.connection_accounts(session, connection)}
    country = await service.connection_country(session, connection)
    items = []
    for period in reversed(plain["reports"]):
        date = _period_end(period)
        for part, top in PARTS[kind].items():
            for line in _account_lines(period.get(part) or {}):
                if "value" not in line:
                    continue
                found = accounts.get(str(line.get("accountId")))
                item: dict[str, Any] = {"date": date, "balance": line["value"]}
                item["accountName"] = found.name if found is not None and found.name else line.get("name")
                if line.get("accountId") is not None:
                    item["accountId"] = str(line["accountId"])
                item["accountCategory"] = _on_side(found, line, top, connection, country)
                items.append(item)
    report_info = {
        "reportName": KINDS[kind],
        "companyName": company.name,
        "generatedDate": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if plain.get("currency"):
        report_info = {"currency": plain["currency"], **report_info}
    return {"reportInfo": report_info, "reportItems": items}


def totals(report: Mapping[str, Any], depth: int = 1) -> dict[str, dict[tuple[str, ...], Decimal]]:
    """The report's balances summed per period end and category (its first `depth` levels), exactly: the
    figures a financial summary or a reconciliation reads."""
    summed: dict[str, dict[tuple[str, ...], Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for item in report["reportItems"]:
        path = tuple(level["levelName"] for level in item["accountCategory"]["levels"])[:depth]
        summed[item["date"]][path] += Decimal(str(item["balance"]))
    return {date: dict(by_path) for date, by_path in summed.items()}
