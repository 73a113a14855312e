"""The Lending tab's loans section: the loans the business already services, as the liabilities reports found
them in its books, its bank and its commerce platform, each with its evidence.

A liabilities report is one per `sourceType` (`liabilities.report.SOURCES`) and answers both of Codat's loan
operations, so the page reads each source's latest report: its status, and once complete its loan summaries
and loan transactions as the API answers them (`liabilities.service`), each loan with, under it, the
transactions it was found from (joined on `loanId`). Nothing is recomputed: amounts are the API's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from ledgerlink.companies.models import Company
from ledgerlink.connectors import registry as connectors
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.pagination import MAX_PAGE_SIZE, PageParams
from ledgerlink.lending.liabilities import service as liabilities
from ledgerlink.lending.liabilities.report import SOURCES, LoanSource
from ledgerlink.lending.reports import queries
from ledgerlink.lending.reports.models import Report, ReportStatus

# What the page calls each source.
TITLES = {"Accounting": "Books", "Banking": "Bank", "Commerce": "Commerce platform"}


@dataclass(frozen=True)
class Evidence:
    """One transaction a loan was found from: a drawdown, a repayment, interest."""

    date: str
    type: str
    amount: Decimal
    description: str
    item_id: str
    item_type: str


@dataclass(frozen=True)
class LoanView:
    """A loan found, as Codat's loan summary item tells it, with its transactions."""

    loan_id: str
    lender: str
    description: str
    start_date: str | None
    currency: str | None
    drawdowns: Decimal
    repayments: Decimal
    balance: Decimal
    recurring: tuple[Decimal, str] | None
    confidence: float | None
    reasons: tuple[str, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class LoanSourceState:
    """One source's latest liabilities report (None: never asked for) and its loans once complete."""

    source: LoanSource
    report: Report | None
    loans: tuple[LoanView, ...]

    @property
    def title(self) -> str:
        return TITLES[self.source.integration_type]


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def loan_views(
    summaries: Sequence[Mapping[str, Any]], transactions: Sequence[Mapping[str, Any]]
) -> tuple[LoanView, ...]:
    """The loans of Codat's loan summary, each with its loan transactions (oldest first), largest drawn
    first."""
    evidence: dict[str, list[Evidence]] = defaultdict(list)
    for item in transactions:
        evidence[str(item.get("loanId"))].append(
            Evidence(
                str(item["date"])[:10],
                item["loanTransactionType"],
                _decimal(item["amount"]),
                item.get("description") or "",
                item["itemRef"]["id"],
                item["itemRef"]["type"],
            )
        )
    found = []
    for loan in summaries:
        recurring = loan.get("recurringRepayment")
        found.append(
            LoanView(
                str(loan.get("loanId")),
                loan.get("lender") or "(lender not named)",
                loan.get("description") or "",
                str(loan["startDate"])[:10] if loan.get("startDate") else None,
                loan.get("currency"),
                _decimal(loan.get("totalDrawdowns")),
                _decimal(loan.get("totalRepayments")),
                _decimal(loan.get("balance")),
                (_decimal(recurring["amount"]), recurring["frequency"]) if recurring else None,
                loan.get("confidence"),
                tuple(loan.get("reasons") or ()),
                tuple(sorted(evidence[str(loan.get("loanId"))], key=lambda e: (e.date, e.item_id))),
            )
        )
    return tuple(sorted(found, key=lambda loan: (-loan.drawdowns, loan.lender, loan.loan_id)))


async def _transactions(
    session: AsyncSession, principal: Principal, company_id: str, source: LoanSource
) -> list[dict[str, Any]]:
    """Every loan transaction of the source's latest report, page by page as the API pages them."""
    found: list[dict[str, Any]] = []
    while True:
        params = PageParams(len(found) // MAX_PAGE_SIZE + 1, MAX_PAGE_SIZE, None, None)
        answer = await liabilities.transactions(session, principal, company_id, source.source_type, params)
        found += answer["reportItems"]
        if not answer["reportItems"] or len(found) >= answer["reportInfo"]["totalResults"]:
            return found


async def loan_states(session: AsyncSession, principal: Principal, company: Company) -> list[LoanSourceState]:
    """Each source's latest liabilities report, in Codat's order of `sourceType`s, with its loans once it is
    complete."""
    types = {source.report_type: source for source in SOURCES.values()}
    # One row per type, the latest, without its result (the loans are read through the service).
    rows = await session.scalars(
        select(Report)
        .options(defer(Report.result))
        .where(Report.company_id == company.id, Report.type.in_(types))
        .distinct(Report.type)
        .order_by(Report.type, *queries.DEFAULT_ORDER)
    )
    latest = {row.type: row for row in rows}
    states = []
    for report_type, source in types.items():
        report = latest.get(report_type)
        loans: tuple[LoanView, ...] = ()
        if report is not None and report.status == ReportStatus.COMPLETE.value:
            company_id = str(company.id)
            summary = await liabilities.summaries(session, principal, company_id, source.source_type)
            loans = loan_views(
                summary["reportItems"], await _transactions(session, principal, company_id, source)
            )
        states.append(LoanSourceState(source, report, loans))
    return states


def linked_sources(company: Company) -> Sequence[LoanSource]:
    """The sources the company has a connection of: where loans can be looked for."""
    kinds = set()
    for connection in company.connections:
        connector = connectors.get(connection.integration_key)
        if connector is not None:
            kinds.add(connector.info.source_type.value.lower())
    return [source for name, source in SOURCES.items() if name in kinds]
