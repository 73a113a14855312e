"""Loans found in hand-written books, bank lines and commerce transactions (`lending.liabilities`): the loans
are found with their drawdowns, repayments, interest, lender and balance, and what also recurs (rent,
payroll, a subscription) or pays in big (a customer, a one-off receipt) is not a loan; and the answers of
Codat's operations around a report (none yet, in progress, failed, complete, bad `sourceType`)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.pagination import parse_page_params
from ledgerlink.lending import report_types
from ledgerlink.lending.liabilities import report, service, sources
from ledgerlink.lending.liabilities.detection import INTEREST, INVESTMENT, REPAYMENT, UNKNOWN_LENDER
from ledgerlink.lending.reports.models import Report, ReportStatus
from tests.support.rows import company_with, records

pytestmark = pytest.mark.anyio

report_types.register_all()


def month(n: int, day: int = 1) -> date:
    """The `day` of the n-th month from January 2024."""
    return date(2024 + n // 12, n % 12 + 1, day)


def line(id_: str, account: str, on: date, amount: float, description: str) -> dict[str, Any]:
    return {
        "id": id_,
        "accountId": account,
        "postedDate": f"{on.isoformat()}T09:00:00",
        "amount": amount,
        "currency": "GBP",
        "description": description,
    }


def statement() -> list[dict[str, Any]]:
    """Fourteen months of a business's bank: four loans, and what recurs or pays in big without being one."""
    lines = [
        line("fc-draw", "cur", month(0, 15), 30000, "FUNDING CIRCLE LOAN DRAWDOWN"),
        line("acme-draw", "cur", month(1, 10), 20000, "ACME CAPITAL LTD"),
        line("one-off", "cur", month(2, 3), 15000, "ACME CUSTOMER PLC INV 1001"),
        line("deposit", "cur", month(0, 5), 3000, "LANDLORD LTD DEPOSIT RETURN"),
    ]
    for n in range(1, 14):
        lines += [
            line(f"fc-{n}", "cur", month(n), -1000, "FUNDING CIRCLE DD 884512"),
            line(f"rent-{n}", "cur", month(n, 2), -2000, "RENT DD LANDLORD LTD"),
            line(f"xero-{n}", "cur", month(n, 4), -30, "XERO UK SUBSCRIPTION"),
            line(f"pay-{n}", "cur", month(n, 25), -2500, "SALARY J SMITH"),
            line(f"client-{n}", "cur", month(n, 20), 5000, "BIG CLIENT LTD"),
            line(f"sav-loan-{n}", "sav", month(n, 8), -500, "LOAN REPAYMENT 4432"),
            line(f"bar-loan-{n}", "cur", month(n, 18), -300, "BARCLAYS LOAN"),
            line(f"bar-fee-{n}", "cur", month(n, 28), -12, "BARCLAYS BANK CHARGES"),
        ]
        if n >= 2:
            # (a few days either side of the 12th, as a direct debit on a weekend moves)
            lines.append(line(f"acme-{n}", "cur", month(n, 12 + (n % 3) - 1), -950, "ACME CAPITAL LTD"))
    return lines


async def test_loans_in_the_bank_are_found_and_nothing_else_is(
    session: AsyncSession, principal: Principal
) -> None:
    company, (bank,) = await company_with(session, principal.client_id, ("qhnd", "Linked"))
    await records(
        session,
        bank.id,
        "banking-accounts",
        {"id": "cur", "name": "Business Current Account", "currency": "GBP"},
        {"id": "sav", "name": "Savings", "currency": "GBP"},
    )
    await records(session, bank.id, "banking-transactions", *statement(), dated_by=("postedDate",))

    loans = await sources.bank_loans(session, company.id, [bank.id])

    by_lender = {loan.lender: loan for loan in loans}
    # (each lender as the statement spells it)
    assert set(by_lender) == {"FUNDING CIRCLE", "ACME CAPITAL LTD", "BARCLAYS", UNKNOWN_LENDER}
    circle = by_lender["FUNDING CIRCLE"]
    assert [(m.item_id, m.type, m.amount) for m in circle.movements][:2] == [
        ("fc-draw", INVESTMENT, 30000),
        ("fc-1", REPAYMENT, -1000),
    ]
    assert circle.total_drawdowns == 30000 and circle.total_repayments == 13000
    assert circle.balance == 17000
    assert circle.recurring_amount == 1000 and circle.frequency == "Monthly"
    assert circle.account_id == "cur" and circle.account_name == "Business Current Account"
    assert circle.confidence > 0.9
    # Found by its shape alone: a large payment in, then regular, near-constant payments out to the payer.
    acme = by_lender["ACME CAPITAL LTD"]
    assert {m.item_id for m in acme.movements} == {"acme-draw", *(f"acme-{n}" for n in range(2, 14))}
    assert acme.frequency == "Monthly" and acme.recurring_amount == 950
    assert 0.5 < acme.confidence < circle.confidence
    # Named only by its words: no drawdown seen, the repayments on the savings account.
    unnamed = by_lender[UNKNOWN_LENDER]
    assert unnamed.account_id == "sav" and unnamed.total_drawdowns == 0 and len(unnamed.movements) == 13
    assert unnamed.balance == 0
    # A bank's loan beside its charges: the charges are not repayments.
    barclays = by_lender["BARCLAYS"]
    assert {m.amount for m in barclays.movements} == {-300} and len(barclays.movements) == 13


async def test_a_ledgers_loan_account_with_its_drawdown_repayments_and_interest(
    session: AsyncSession, principal: Principal
) -> None:
    _company, (books,) = await company_with(session, principal.client_id, ("mqjo", "Linked"))
    await records(session, books.id, "company", {"id": "_", "addresses": [{"country": "GB"}]})
    await records(
        session,
        books.id,
        "chartOfAccounts",
        {
            "id": "loan",
            "name": "Bank Loan",
            "nominalCode": "2300",
            "type": "Liability",
            "fullyQualifiedCategory": "Liability.NonCurrent.Loans",
            "currency": "GBP",
        },
        {
            "id": "interest",
            "name": "Loan Interest Paid",
            "nominalCode": "7903",
            "type": "Expense",
            "fullyQualifiedCategory": "Expense.Other.Interest",
            "currency": "GBP",
        },
        {"id": "bank", "name": "Business Current Account", "nominalCode": "1200", "type": "Asset"},
        {"id": "rent", "name": "Rent", "nominalCode": "7100", "type": "Expense"},
    )

    def entry(id_: str, on: date, description: str, *lines: tuple[str, float]) -> dict[str, Any]:
        return {
            "id": id_,
            "postedOn": f"{on.isoformat()}T00:00:00",
            "description": description,
            "journalLines": [{"accountRef": {"id": a}, "netAmount": amount} for a, amount in lines],
        }

    await records(
        session,
        books.id,
        "journalEntries",
        entry("je-draw", month(0, 15), "Funding Circle loan", ("bank", 30000), ("loan", -30000)),
        *(
            entry(f"je-{n}", month(n), "Loan repayment", ("loan", 900), ("interest", 100), ("bank", -1000))
            for n in range(1, 4)
        ),
        entry("je-accrued", month(3, 30), "Interest accrued", ("interest", 50), ("loan", -50)),
        entry("je-rent", month(1, 2), "Rent", ("rent", 2000), ("bank", -2000)),
        dated_by=("postedOn",),
    )

    (loan,) = await sources.ledger_loans(session, [books.id])

    assert loan.account_id == "loan" and loan.account_type == "accounts"
    assert loan.lender == "Funding Circle"
    assert [(m.item_id, m.type, m.amount) for m in loan.movements] == [
        ("je-draw", INVESTMENT, 30000),
        ("je-1", REPAYMENT, -900),
        ("je-1", INTEREST, -100),
        ("je-2", REPAYMENT, -900),
        ("je-2", INTEREST, -100),
        ("je-3", REPAYMENT, -900),
        ("je-3", INTEREST, -100),
        ("je-accrued", "AccuredInterest", -50),
    ]
    assert loan.balance == 30000 - 2700 + 50
    assert loan.total_repayments == 3000 and loan.total_drawdowns == 30000
    assert loan.recurring_amount == 1000 and loan.frequency == "Monthly"
    assert "LoansPayable" in loan.reasons[0]


async def test_a_commerce_platforms_own_lending(session: AsyncSession, principal: Principal) -> None:
    _company, (shop,) = await company_with(session, principal.client_id, ("aiwb", "Linked"))

    def transaction(id_: str, on: date, amount: float, kind: str, sub: str) -> dict[str, Any]:
        return {
            "id": id_,
            "createdDate": f"{on.isoformat()}T10:00:00",
            "totalAmount": amount,
            "currency": "GBP",
            "type": kind,
            "subType": sub,
        }

    written = [transaction("advance", month(0, 3), 5000, "Transfer", "Shopify Capital advance")]
    written += [
        transaction(
            f"repay-{n}", month(0, 4) + timedelta(days=n), -37.5 - n, "Transfer", "Shopify Capital repayment"
        )
        for n in range(20)
    ]
    written += [transaction(f"payout-{n}", month(0, 5 + n), -800, "Payout", "Payout") for n in range(20)]
    await records(session, shop.id, "commerce-transactions", *written, dated_by=("createdDate",))

    (loan,) = await sources.commerce_loans(session, [shop.id])

    assert loan.lender == "Shopify Capital"
    assert loan.total_drawdowns == 5000 and len(loan.movements) == 21
    assert loan.recurring_amount is None  # (repaid as a share of sales: no fixed instalment)


async def test_the_operations_answer_from_the_last_report_asked_for(
    session: AsyncSession, principal: Principal
) -> None:
    company, _ = await company_with(session, principal.client_id, ("qhnd", "Linked"))
    company_id = str(company.id)
    params = parse_page_params("1", "2", None, None)
    with pytest.raises(BadRequest, match="sourceType is required"):
        await service.summaries(session, principal, company_id, None)
    with pytest.raises(BadRequest, match="sourceType must be one of"):
        await service.request(session, principal, company_id, "payroll")
    with pytest.raises(NotFound, match="No banking loan report has been generated"):
        await service.summaries(session, principal, company_id, "banking")
    with pytest.raises(NotFound):
        await service.summaries(session, principal, str(uuid.uuid4()), "banking")

    await service.request(session, principal, company_id, "Banking")
    with pytest.raises(NotFound, match="still being generated"):
        await service.transactions(session, principal, company_id, "banking", params)
    asked = await session.get(Report, await _last_id(session, company.id))
    assert asked is not None and asked.type == "loans.banking"

    asked.status = ReportStatus.ERROR.value
    asked.error_message = "No luck."
    await session.flush()
    with pytest.raises(NotFound, match=r"could not be generated: No luck\."):
        await service.summaries(session, principal, company_id, "banking")

    result = {
        "companyName": company.name,
        "generatedDate": "2025-01-01T00:00:00Z",
        "loans": [{"lender": "Funding Circle"}],
        "transactions": [{"amount": n} for n in range(5)],
    }
    session.add(
        Report(
            id=uuid.uuid4(),
            company_id=company.id,
            type="loans.banking",
            status=ReportStatus.COMPLETE.value,
            requested_at=utcnow() + timedelta(seconds=1),
            updated_at=utcnow(),
            pulls=[],
            attempts=1,
            result=result,
        )
    )
    await session.flush()
    summary = await service.summaries(session, principal, company_id, "banking")
    assert summary["reportInfo"]["reportName"] == "LoanSummaryReport"
    assert summary["reportItems"] == [{"lender": "Funding Circle"}]
    page = await service.transactions(session, principal, company_id, "banking", params)
    assert page["reportInfo"]["totalResults"] == 5 and page["reportInfo"]["pageSize"] == 2
    assert page["reportInfo"]["reportName"] == "BankingLoanTransactions"
    assert page["reportItems"] == [{"amount": 0}, {"amount": 1}]
    # The other source types have their own reports.
    with pytest.raises(NotFound, match="No accounting loan report"):
        await service.summaries(session, principal, company_id, "accounting")


async def _last_id(session: AsyncSession, company_id: uuid.UUID) -> uuid.UUID:
    found = await session.scalar(
        select(Report.id).where(Report.company_id == company_id).order_by(Report.requested_at.desc()).limit(1)
    )
    assert found is not None
    return found


async def test_a_source_never_pulled_fails_the_report_with_why(
    session: AsyncSession, principal: Principal
) -> None:
    company, _ = await company_with(session, principal.client_id, ("mqjo", "Linked"))
    pending = Report(id=uuid.uuid4(), company_id=company.id, type="loans.banking", pulls=[])
    with pytest.raises(report.ReportFailed, match="no banking connection of it has completed a pull"):
        await report.generate(session, pending)
