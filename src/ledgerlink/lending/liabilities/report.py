"""The liabilities reports on the reports engine: one report type per `sourceType` (what it reads differs),
each generating both of Codat's answers at once, the loan summaries and the loan transactions, so the two
always tell of the same loans. Not listed among Codat's `reportType`s (`ReportKind.listed`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies.models import Company
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.lending.liabilities import sources
from ledgerlink.lending.liabilities.detection import FoundLoan, LoanMovement
from ledgerlink.lending.reports.kinds import ReportFailed, ReportKind
from ledgerlink.lending.reports.models import Report

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class LoanSource:
    """One of Codat's `sourceType`s: what it reads, how its loans are found and how its refs are named."""

    source_type: str  # the query's value: `banking`
    integration_type: str  # Codat's `integrationType`: `Banking`
    record_ref_type: str  # the summary's `recordRefType`: the data type a loan lives in
    loan_ref_type: str  # the transactions' `loanRef.type`
    # The data type without which nothing can be found (its pulls say which connections are read).
    primary: str
    data_types: tuple[str, ...]
    find: Callable[[AsyncSession, Report], Awaitable[list[FoundLoan]]]

    @property
    def report_type(self) -> str:
        """The report type's name on the engine (stored on the report; never shown by Codat's paths)."""
        return f"loans.{self.source_type}"

    @property
    def transactions_report_name(self) -> str:
        return f"{self.integration_type}LoanTransactions"


async def _accounting(session: AsyncSession, report: Report) -> list[FoundLoan]:
    return await sources.ledger_loans(session, sources.pinned(report.pulls, "chartOfAccounts"))


async def _banking(session: AsyncSession, report: Report) -> list[FoundLoan]:
    return await sources.bank_loans(
        session, report.company_id, sources.pinned(report.pulls, sources.BANKING_TRANSACTIONS)
    )


async def _commerce(session: AsyncSession, report: Report) -> list[FoundLoan]:
    return await sources.commerce_loans(session, sources.pinned(report.pulls, sources.COMMERCE_TRANSACTIONS))


SOURCES: dict[str, LoanSource] = {
    source.source_type: source
    for source in (
        LoanSource(
            "accounting",
            "Accounting",
            "accounts",
            "chartOfAccount",
            "chartOfAccounts",
            ("chartOfAccounts", sources.JOURNAL_ENTRIES, "company"),
            _accounting,
        ),
        LoanSource(
            "banking",
            "Banking",
            sources.BANKING_ACCOUNTS,
            sources.BANKING_ACCOUNTS,
            sources.BANKING_TRANSACTIONS,
            (sources.BANKING_ACCOUNTS, sources.BANKING_TRANSACTIONS),
            _banking,
        ),
        LoanSource(
            "commerce",
            "Commerce",
            sources.COMMERCE_TRANSACTIONS,
            sources.COMMERCE_TRANSACTIONS,
            sources.COMMERCE_TRANSACTIONS,
            (sources.COMMERCE_TRANSACTIONS,),
            _commerce,
        ),
    )
}
_BY_REPORT_TYPE = {source.report_type: source for source in SOURCES.values()}


def _amount(value: Decimal) -> float:
    return float(value.quantize(_CENT)) or 0.0


def _moment(day: Any) -> str:
    """A day as Codat's DateTime without a zone (the platform's own day)."""
    return f"{day.isoformat()}T00:00:00"


def _describe(loan: FoundLoan) -> str:
    where = loan.account_name or loan.account_id or "the platform"
    drawn = [m for m in loan.movements if m.type == "Investment"]
    parts = [f"Loan from {loan.lender} in {where}"]
    if drawn:
        parts.append(f"drawn {drawn[0].date.isoformat()}")
    if loan.recurring_amount is not None and loan.frequency:
        parts.append(f"repaid {loan.frequency.lower()}, about {loan.recurring_amount:.2f} {loan.currency}")
    return ", ".join(parts) + "."


def summary_item(loan: FoundLoan, source: LoanSource) -> dict[str, Any]:
    """Codat's `loanSummaryReportItem`, and ledgerlink's own: the loan's id, currency, recurring repayment,
    confidence and reasons (docs/api-compatibility.md)."""
    start = loan.start_date
    record_id = loan.account_id or (loan.movements[0].item_id if loan.movements else "")
    return {
        "recordRef": {
            "id": record_id,
            "dataConnectionId": loan.connection_id,
            "integrationType": source.integration_type,
            "recordRefType": source.record_ref_type,
        },
        "description": _describe(loan),
        "startDate": _moment(start) if start else None,
        "totalDrawdowns": _amount(loan.total_drawdowns),
        "totalRepayments": _amount(loan.total_repayments),
        "balance": _amount(loan.balance),
        "lender": loan.lender,
        "loanId": loan.loan_id,
        "currency": loan.currency,
        "recurringRepayment": (
            {"amount": _amount(loan.recurring_amount), "frequency": loan.frequency}
            if loan.recurring_amount is not None and loan.frequency
            else None
        ),
        "confidence": loan.confidence,
        "reasons": list(loan.reasons),
        "transactionCount": len(loan.movements),
    }


def transaction_item(loan: FoundLoan, movement: LoanMovement, source: LoanSource) -> dict[str, Any]:
    """Codat's loan transaction `reportItems`, and ledgerlink's own: the loan's id and the line's text."""
    return {
        "loanRef": {
            "id": loan.account_id or (loan.movements[0].item_id if loan.movements else ""),
            "dataConnectionId": loan.connection_id,
            "type": source.loan_ref_type,
        },
        "itemRef": {
            "id": movement.item_id,
            "dataConnectionId": loan.connection_id,
            "type": movement.item_type,
        },
        "date": _moment(movement.date),
        "amount": _amount(movement.amount),
        "loanTransactionType": movement.type,
        "lender": loan.lender,
        "loanId": loan.loan_id,
        "description": movement.description,
    }


async def generate(session: AsyncSession, report: Report) -> dict[str, Any]:
    """Both answers of one source, stored as the report's result."""
    source = _BY_REPORT_TYPE[report.type]
    if not sources.pinned(report.pulls, source.primary):
        raise ReportFailed(
            f"Loans are found in the company's {source.primary}, and no {source.source_type} connection of "
            f"it has completed a pull of them: link a {source.source_type} platform and let its first pull "
            "complete."
        )
    loans = await source.find(session, report)
    company = await session.get(Company, report.company_id)
    transactions = sorted(
        (transaction_item(loan, movement, source) for loan in loans for movement in loan.movements),
        key=lambda item: (item["date"], item["loanId"], item["itemRef"]["id"], item["loanTransactionType"]),
    )
    return {
        "companyName": company.name if company is not None else "",
        "generatedDate": iso(utcnow()),
        "loans": [summary_item(loan, source) for loan in loans],
        "transactions": transactions,
    }


KINDS = tuple(
    ReportKind(name=source.report_type, data_types=source.data_types, generate=generate, listed=False)
    for source in SOURCES.values()
)
