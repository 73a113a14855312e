"""The `creditModel` report type: registered with the reports engine, generated from the categorized
profit and loss and balance sheet of the books' last twelve months."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.errors import CodatError
from ledgerlink.lending.categories.statements import categorized_statement
from ledgerlink.lending.credit_model.summary import financial_summary
from ledgerlink.lending.reports.kinds import ReportFailed, ReportKind
from ledgerlink.lending.reports.models import Report

# Months of the books the summary covers (most recent first), each a period of its own.
MONTHS = 12
# The statements it is worked out from: without a completed pull of each there is nothing to summarise.
STATEMENTS = ("profitAndLoss", "balanceSheet")


async def generate(session: AsyncSession, report: Report) -> dict[str, Any]:
    """The financial summary, stored as the report's result (`financialSummary`)."""
    pulled = {pull["dataType"] for pull in report.pulls}
    missing = [kind for kind in STATEMENTS if kind not in pulled]
    if missing:
        raise ReportFailed(
            f"The credit model is worked out from the company's profit and loss and balance sheet, and no "
            f"accounting connection of it has completed a pull of {' or '.join(missing)}: link an accounting "
            f"platform and let its first pulls complete."
        )
    statements: dict[str, dict[str, Any]] = {}
    for kind in STATEMENTS:
        try:
            statements[kind] = await categorized_statement(
                session,
                report.company_id,
                kind=kind,
                period_length=1,
                periods_to_compare=MONTHS,
                start_month=None,
            )
        except CodatError as error:  # (no accounting data, never synced: the company's books, not a fault)
            raise ReportFailed(f"The credit model needs the company's {kind}: {error.message}") from error
    summary = financial_summary(
        statements["profitAndLoss"], statements["balanceSheet"], today=report.requested_at.date()
    )
    return {"financialSummary": summary}


CREDIT_MODEL = ReportKind(
    name="creditModel",
    data_types=("chartOfAccounts", "profitAndLoss", "balanceSheet"),
    generate=generate,
)
