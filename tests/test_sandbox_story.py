"""The Sandboxes tell one story, books and bank (pure Python, no server): the Banking Sandbox's GBP accounts
carry the Accounting books' bank movements one to one but for the declared discrepancies (`story.py`), their
balances agree at every month end modulo timing, the loan and the payroll, PAYE and VAT payments are in both,
and incremental pulls keep all of it.

Both Sandboxes are pulled in process as one company's two connections would be (same company, linked at the
same moment, one simulated day per real second: `support/sandbox_pulls.py`)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import pytest

from ledgerlink.connectors.sandbox import story
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.connectors.sandbox.bankfeed import transposed
from ledgerlink.connectors.sandbox.banking import BankingSandbox
from ledgerlink.connectors.sandbox.books import LENDERS, AccountingBooks
from ledgerlink.connectors.sandbox.simulation import SimulatedSandbox
from tests.support.sandbox_pulls import COMPANY, LINKED, OTHER_COMPANY, SPEED, at, request

THIRD_COMPANY = uuid.UUID("00000000-0000-4000-8000-000000000001")
COMPANIES = (COMPANY, OTHER_COMPANY, THIRD_COMPANY)
BANK, BOOKS = BankingSandbox(), AccountingSandbox()
NOW = 0.4  # simulated days after linking: not a payday morning, so net wages are all paid


def pull(
    connector: SimulatedSandbox, company: uuid.UUID, data_type: str, days: float, since: float | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """A pull as the sync runner makes it (the connector's plain iterator: records, deleted ids, ticks)."""
    req = request(data_type, at(days), None if since is None else at(since), company=company)
    records: list[dict[str, Any]] = []
    deleted: list[str] = []
    for item in connector.records(req):
        if isinstance(item, dict):
            records.append(item)
        elif isinstance(item, str):
            deleted.append(item)
    return records, deleted


def money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def day_of(stamp: str) -> date:
    return date.fromisoformat(stamp[:10])


@cache
def world(company: uuid.UUID, days: float = NOW) -> dict[str, Any]:
    """Both Sandboxes' bank data and the story's truth, as of `days` after linking."""
    as_of = at(days)
    out: dict[str, Any] = {}
    for connector, data_types in (
        (BANK, ("banking-accounts", "banking-transactions", "banking-accountBalances")),
        (BOOKS, ("bankAccounts", "bankTransactions", "chartOfAccounts", "journalEntries")),
    ):
        for data_type in data_types:
            records, deleted = pull(connector, company, data_type, days)
            assert deleted == []
            out[data_type] = records
    out["pairs"] = story.account_pairs(company, LINKED, as_of, speed=SPEED)
    out["truth"] = story.transaction_pairs(company, LINKED, as_of, speed=SPEED)
    out["discrepancies"] = story.discrepancies(company, LINKED, as_of, speed=SPEED)
    out["loans"] = story.loans(company, LINKED, as_of, speed=SPEED)
    gbp = {p.bank_account_id for p in out["pairs"]}
    out["bank"] = {t["id"]: t for t in out["banking-transactions"] if t["accountId"] in gbp}
    out["books"] = {t["id"]: t for t in out["bankTransactions"]}
    out["T"] = BOOKS.model_for(request("bankAccounts", as_of, company=company)).simulated(as_of)
    return out


def extra_bank_ids(discrepancies: list[story.Discrepancy]) -> set[str]:
    """The bank lines that have no books counterpart: a line the books lack, a duplicate's second line."""
    out = set()
    for d in discrepancies:
        if d.kind == "MissingFromBooks":
            out.add(d.bank_transaction_ids[0])
        elif d.kind == "DuplicatedBankLine":
            out.add(d.bank_transaction_ids[-1])
    return out


@pytest.mark.parametrize("company", COMPANIES)
def test_every_bank_line_has_one_books_counterpart_but_the_declared_discrepancies(company: uuid.UUID) -> None:
    w = world(company)
    bank, books, truth, declared = w["bank"], w["books"], w["truth"], w["discrepancies"]
    pair_of = {p.bank_account_id: p.books_account_id for p in w["pairs"]}
    assert len(pair_of) == 2 and len(w["banking-accounts"]) == 3  # the EUR account is the bank's own
    extras = extra_bank_ids(declared)
    mistyped = {d.books_transaction_id for d in declared if d.kind == "MistypedAmount"}

    # The truth, checked against what the two Sandboxes give.
    paired_bank = {p.bank_transaction_id for p in truth}
    paired_books = [p.books_transaction_id for p in truth]
    assert len(paired_books) == len(set(paired_books)), "a books line paired twice"
    assert set(bank) == paired_bank | extras and not paired_bank & extras
    for p in truth:
        line, entry = bank[p.bank_transaction_id], books[p.books_transaction_id]
        assert money(line["amount"]) == p.bank_amount and money(entry["amount"]) == p.books_amount
        assert pair_of[line["accountId"]] == entry["accountId"] == p.books_account_id
        lag = (day_of(line["authorizedDate"]) - day_of(entry["clearedOnDate"])).days
        assert 0 <= lag <= 5, (p, lag)  # 0-3 days; a re-presented card payment up to 5
        if p.books_transaction_id in mistyped:
            assert p.bank_amount != p.books_amount
            assert transposed(int(p.books_amount * 100)) == int(p.bank_amount * 100)
            assert _swapped(f"{p.bank_amount:.2f}", f"{p.books_amount:.2f}"), p
        else:
            assert p.bank_amount == p.books_amount
    # Every books line is in the bank, but those the bank has not shown yet (posting lag).
    T_day = w["T"].date()
    for books_id in set(books) - set(paired_books):
        assert (T_day - day_of(books[books_id]["clearedOnDate"])).days <= 3, books[books_id]

    # The same, found without the truth's ids: by account, amount and date, as a reconciliation would.
    unmatched_bank = _reconcile(bank, books, pair_of)
    assert len(unmatched_bank) == len(extras) + len(mistyped)

    # A small share, every kind, in any company's history.
    kinds = {d.kind for d in declared}
    assert kinds == {"MissingFromBooks", "DuplicatedBankLine", "MistypedAmount"}
    assert 0.004 <= len(declared) / len(bank) <= 0.015, (len(declared), len(bank))


def _swapped(a: str, b: str) -> bool:
    """Whether `b`'s digits are `a`'s with two adjacent ones swapped (a typist's transposition)."""
    a, b = a.replace(".", "").lstrip("-"), b.replace(".", "").lstrip("-")
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    return len(a) == len(b) and len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]


def _reconcile(bank: dict[str, dict], books: dict[str, dict], pair_of: dict[str, str]) -> list[str]:
    """Match each bank line to an unmatched books line of the same account and amount, dated 0-5 days before
    it (the nearest first); returns the bank lines left."""
    waiting: dict[tuple[str, Decimal], list[date]] = defaultdict(list)
    for entry in books.values():
        waiting[entry["accountId"], money(entry["amount"])].append(day_of(entry["clearedOnDate"]))
    left = []
    for line in sorted(bank.values(), key=lambda t: t["authorizedDate"]):
        when = day_of(line["authorizedDate"])
        dates = waiting[pair_of[line["accountId"]], money(line["amount"])]
        found = [d for d in dates if 0 <= (when - d).days <= 5]
        if found:
            dates.remove(min(found))
        else:
            left.append(line["id"])
    return left


@pytest.mark.parametrize("company", COMPANIES[:2])
def test_balances_agree_at_month_ends_modulo_timing_and_discrepancies(company: uuid.UUID) -> None:
    w = world(company)
    bank, books, truth, declared = w["bank"], w["books"], w["truth"], w["discrepancies"]
    extras = extra_bank_ids(declared)
    pair_of = {p.bank_account_id: p.books_account_id for p in w["pairs"]}
    paired_books = {p.books_transaction_id for p in truth}
    books_accounts = {a["id"]: a for a in w["bankAccounts"]}
    opening = {
        a: money(books_accounts[a]["balance"])
        - sum(money(t["amount"]) for t in books.values() if t["accountId"] == a)
        for a in books_accounts
    }
    closing = {
        (r["accountId"], r["date"][:10]): money(r["balance"]["current"]) for r in w["banking-accountBalances"]
    }
    month_ends = sorted({d for (_a, d) in closing if (date.fromisoformat(d) + timedelta(days=1)).day == 1})
    assert len(month_ends) >= 23
    for bank_account, books_account in pair_of.items():
        for end in month_ends:
            D = date.fromisoformat(end)
            in_books = opening[books_account] + sum(
                money(t["amount"])
                for t in books.values()
                if t["accountId"] == books_account and day_of(t["clearedOnDate"]) <= D
            )
            # What the bank has posted by the end of D less what the books have by D: the same lines, but
            # for those of the last few days the bank has not posted yet (and the mistyped amounts).
            timing = Decimal(0)
            for p in truth:
                if p.books_account_id != books_account:
                    continue
                line = bank[p.bank_transaction_id]
                posted = "postedDate" in line and day_of(line["postedDate"]) <= D
                in_the_books = p.books_date <= D
                if posted != in_the_books:
                    assert in_the_books and (D - p.books_date).days <= 5, (p, end)
                timing += (p.bank_amount if posted else 0) - (p.books_amount if in_the_books else 0)
            extra = sum(
                money(bank[i]["amount"])
                for i in extras
                if bank[i]["accountId"] == bank_account
                and day_of(bank[i].get("postedDate", "9999-12-31")) <= D
            )
            unshown = sum(
                money(t["amount"])
                for t in books.values()
                if t["accountId"] == books_account
                and day_of(t["clearedOnDate"]) <= D
                and t["id"] not in paired_books
            )
            assert closing[bank_account, end] == in_books + timing + extra - unshown, (bank_account, end)


@pytest.mark.parametrize("company", COMPANIES)
def test_the_loan_in_books_and_bank(company: uuid.UUID) -> None:
    w = world(company)
    (loan,) = w["loans"]
    assert loan.lender in {name for name, _code in LENDERS}
    start = AccountingBooks(company, LINKED, 1, SPEED).start.date()
    assert 0 < (loan.drawdown_date - start).days < 366
    accounts = {a["name"]: a for a in w["chartOfAccounts"]}
    capital = sum(r.capital for r in loan.repayments)
    interest = sum(r.interest for r in loan.repayments)
    assert loan.outstanding == loan.drawdown_amount - capital > 0
    assert money(accounts["Bank Loan"]["currentBalance"]) == -loan.outstanding
    assert money(accounts["Loan Interest Paid"]["currentBalance"]) == interest
    assert len(loan.repayments) >= 12
    for k, r in enumerate(loan.repayments):
        assert r.amount == loan.repayment_amount and r.capital + r.interest == r.amount
        assert r.date.weekday() < 5 and (r.date.day == loan.repayment_day_of_month or r.date.weekday() == 0)
        if k:
            assert 27 <= (r.date - loan.repayments[k - 1].date).days <= 34
        assert money(w["books"][r.books_transaction_id]["amount"]) == -r.amount
        if r.bank_transaction_id is not None:
            line = w["bank"][r.bank_transaction_id]
            assert money(line["amount"]) == -r.amount and line["code"] == "DirectDebit"
            assert loan.lender in line["description"] and loan.reference in line["description"]
    drawdown = w["bank"][loan.drawdown_bank_transaction_id]
    assert money(drawdown["amount"]) == loan.drawdown_amount
    assert loan.lender in drawdown["description"] and loan.reference in drawdown["description"]
    assert drawdown["transactionCategoryRef"]["name"] == "Loan Drawdown"
    assert money(w["books"][loan.drawdown_books_transaction_id]["amount"]) == loan.drawdown_amount


@pytest.mark.parametrize("company", COMPANIES[:2])
def test_payroll_paye_and_vat_in_books_and_bank(company: uuid.UUID) -> None:
    w = world(company)
    accounts = {a["name"]: a for a in w["chartOfAccounts"]}
    bank_lines = sorted(w["bank"].values(), key=lambda t: t["authorizedDate"])
    payrolls = {
        e["description"][len("Payroll ") :]: e
        for e in w["journalEntries"]
        if e["description"].startswith("Payroll ")
    }
    assert len(payrolls) >= 23
    # Net pay to each employee on the 25th, what the payroll journal owes them; the Net Wages account clears.
    assert money(accounts["Net Wages"]["currentBalance"]) == 0
    salaries: dict[str, Decimal] = defaultdict(Decimal)
    for line in bank_lines:
        if line["description"].endswith("ref Salary"):
            salaries[line["authorizedDate"][:7]] += money(line["amount"])
    for month, entry in payrolls.items():
        net = next(
            money(x["netAmount"]) for x in entry["journalLines"] if x["accountRef"]["name"] == "Net Wages"
        )
        assert salaries[month] == net, month
    # PAYE and NI to HMRC on the 22nd (or the working day before) of the next month: the month's deductions.
    # (T is mid-month: every payroll but the latest is paid.)
    assert 1 <= w["T"].day < 20
    paye = [line for line in bank_lines if "HMRC PAYE" in line["description"]]
    paid_months = {
        (day_of(line["authorizedDate"]).replace(day=1) - timedelta(days=1)).strftime("%Y-%m") for line in paye
    }
    assert len(paid_months) == len(paye) and paid_months == set(payrolls) - {max(payrolls)}
    for line in paye:
        paid = day_of(line["authorizedDate"])
        assert (
            paid.weekday() < 5
            and 20 <= paid.day <= 25
            and line["transactionCategoryRef"]["name"] == "Tax Payments"
        )
        month = (paid.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        owed = next(
            money(x["netAmount"])
            for x in payrolls[month]["journalLines"]
            if x["accountRef"]["name"] == "P.A.Y.E."
        )
        assert money(line["amount"]) == owed
    # VAT to (or from) HMRC each quarter, on the 7th or the working day before of its second month after.
    vat = [line for line in bank_lines if "HMRC VAT" in line["description"]]
    assert len(vat) >= 7
    for line in vat:
        paid = day_of(line["authorizedDate"])
        assert paid.month in (2, 5, 8, 11) and 4 <= paid.day <= 10
    biggest = max(abs(money(line["amount"])) for line in vat)
    assert abs(money(accounts["VAT"]["currentBalance"])) < 3 * biggest


def test_incremental_pulls_stay_coherent() -> None:
    company = COMPANIES[0]
    before, after = world(company, NOW - 40), world(company)
    changed, deleted = pull(BANK, company, "banking-transactions", NOW, since=NOW - 40)
    merged = {t["id"]: t for t in before["banking-transactions"]}
    for record_id in deleted:
        merged.pop(record_id)
    merged.update({t["id"]: t for t in changed})
    assert merged == {t["id"]: t for t in after["banking-transactions"]}
    # What was declared stays declared, and the truth of the later moment covers what the pulls hold.
    earlier = {d.bank_transaction_ids for d in before["discrepancies"]}
    assert earlier <= {d.bank_transaction_ids for d in after["discrepancies"]}
    assert {p.bank_transaction_id for p in after["truth"]} | extra_bank_ids(after["discrepancies"]) == set(
        after["bank"]
    )


def test_ground_truth_before_the_history_and_dates_as_datetimes() -> None:
    long_before = LINKED - timedelta(days=4_000)
    assert story.discrepancies(COMPANY, LINKED, long_before) == []
    assert story.loans(COMPANY, LINKED, long_before) == []
    assert story.transaction_pairs(COMPANY, LINKED, long_before) == []
    pairs = story.account_pairs(COMPANY, LINKED.replace(tzinfo=None))
    assert [p.name for p in pairs] == ["Business Current Account", "Business Savings Account"]
    assert isinstance(pairs[0].bank_account_id, str) and isinstance(LINKED, datetime)
