"""The ground truth of the story the Sandboxes tell together, for tests and benches to check analyses against.

A company linked to the Accounting Sandbox (`books.py`) and the Banking Sandbox (`banking.py`) has one
business behind both: the bank's GBP current and savings accounts carry the books' bank movements
(`bankfeed.py`: bank descriptions, posting 0-3 days after the books' date, card payments pending first), with
a few deliberate discrepancies; a loan from a named lender is drawn down and repaid in both; payroll, PAYE and
NI, and VAT are paid in both (`AccountingBooks.story_direct`).

Everything here is a pure function of the company (id, `linked_at`, `scale`, `speed`, as its credentials
have them) and a moment `as_of`, as a pull at `as_of` would see it: no database, no network. Amounts are
`Decimal` pounds, signed as both sides sign them (money into the account positive); dates are the simulated
calendar's. Each call regenerates the books' bank movements up to `as_of` (about 0.1 s for a company at scale
1), so call it once per test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ledgerlink.connectors.sandbox.bankfeed import (
    ACCOUNT_OF,
    FeedLine,
    bank_lines_of,
    discrepancy_of,
    line_hash,
)
from ledgerlink.connectors.sandbox.banking import ACCOUNT_SPECS
from ledgerlink.connectors.sandbox.books import AC, BT_KIND, K_DIRECT_COST, K_DIRECT_INCOME, AccountingBooks
from ledgerlink.connectors.sandbox.simulation import DAY, Clock, company_uuid, utc


@dataclass(frozen=True)
class Discrepancy:
    """A deliberate disagreement between bank and books.

    `kind`: `"MissingFromBooks"` (a bank line the books lack: `books_transaction_id` and `books_amount` are
    None), `"DuplicatedBankLine"` (the bank shows one movement twice: both bank ids, the books' one
    movement), `"MistypedAmount"` (the books' amount has two digits transposed: `bank_amount` is the true
    one). `date` is the (last) bank line's date."""

    kind: str
    date: date
    bank_transaction_ids: tuple[str, ...]
    books_transaction_id: str | None
    bank_amount: Decimal
    books_amount: Decimal | None


@dataclass(frozen=True)
class TransactionPair:
    """A bank line and its books counterpart (one to one), as of a moment: same account pair, same amount
    unless the pair is a `MistypedAmount`, the bank's date 0-3 days after the books'."""

    bank_account_id: str
    bank_transaction_id: str
    bank_date: date
    bank_amount: Decimal
    books_account_id: str
    books_transaction_id: str
    books_date: date
    books_amount: Decimal
    posted: bool  # False while the bank line is a pending card payment


@dataclass(frozen=True)
class LoanRepayment:
    date: date
    amount: Decimal
    capital: Decimal
    interest: Decimal
    books_transaction_id: str
    bank_transaction_id: str | None  # None while the bank has not yet shown it


@dataclass(frozen=True)
class SandboxLoan:
    """The company's loan as of a moment: drawn down from `lender` into the current account, repaid monthly by
    direct debit (a fixed `repayment_amount` of capital and interest; the last clears what is left).

    In the books the drawdown is a direct income to the Bank Loan liability account (`books_loan_account_id`)
    and each repayment a direct cost split between that account (capital) and Loan Interest Paid
    (`books_interest_account_id`); in the bank both carry the lender's name and `reference`. `outstanding`
    is the drawdown less the capital repaid by `as_of` (the Bank Loan account's balance, negated)."""

    lender: str
    reference: str
    drawdown_date: date
    drawdown_amount: Decimal
    repayment_amount: Decimal
    repayment_day_of_month: int
    annual_rate_percent: Decimal
    term_months: int
    repayment_dates: tuple[date, ...]
    repayments: tuple[LoanRepayment, ...]
    outstanding: Decimal
    books_loan_account_id: str
    books_interest_account_id: str
    drawdown_books_transaction_id: str
    drawdown_bank_transaction_id: str | None


@dataclass(frozen=True)
class AccountPair:
    """A Banking Sandbox account and the books' bank account whose movements it carries."""

    bank_account_id: str
    books_account_id: str
    name: str
    currency: str


def _books(company_id: uuid.UUID | str, linked_at: datetime, scale: int, speed: float) -> AccountingBooks:
    return AccountingBooks(company_uuid(company_id), utc(linked_at), scale, speed)


def _pounds(pence: int) -> Decimal:
    """Pence as pounds with two decimals (`Decimal("-25.60")`)."""
    return Decimal(pence).scaleb(-2)


def _date(clock: Clock, t: int) -> date:
    return clock.moment(t).date()


def account_pairs(
    company_id: uuid.UUID | str,
    linked_at: datetime,
    as_of: datetime | None = None,
    *,
    scale: int = 1,
    speed: float = 1,
) -> list[AccountPair]:
    """The bank's GBP current and savings accounts and the books' bank accounts they carry (the bank's EUR
    account has no books counterpart). The same at any moment: `as_of` is accepted for symmetry."""
    books = _books(company_id, linked_at, scale, speed)
    out = []
    for books_account, bank_index in ACCOUNT_OF.items():
        _key, name, currency, _subtype = ACCOUNT_SPECS[bank_index]
        bank_account_id = books.rid("bacc", 0, bank_index)
        out.append(AccountPair(bank_account_id, books.account_ids[books_account], name, currency))
    return out


def _scan(books: AccountingBooks, T: int) -> Iterator[tuple[tuple, list[FeedLine], str | None]]:
    """Every books bank movement cleared by `T`, with its bank lines and its discrepancy kind (or None)."""
    if T < 0:
        return
    for day in range(T // DAY + 1):
        for move in books.bank_moves(day):
            if move[0] > T:
                continue
            kind = discrepancy_of(books, move, line_hash(books.seed, move[1]))
            yield move, bank_lines_of(books, move), kind


def discrepancies(
    company_id: uuid.UUID | str, linked_at: datetime, as_of: datetime, *, scale: int = 1, speed: float = 1
) -> list[Discrepancy]:
    """The deliberate discrepancies between bank and books as a pull at `as_of` sees them: those whose bank
    line is there by then (and whose books line is, the books' being the earlier), in date order."""
    books = _books(company_id, linked_at, scale, speed)
    T = books.simulated_t(as_of)
    out = []
    for move, lines, kind in _scan(books, T):
        if kind is None:
            continue
        shown = [line for line in lines if line[4] is None or line[4] > T]
        last = lines[-1]
        if last[2] > T:
            continue
        books_amount = _pounds(move[3])
        if kind == "MissingFromBooks":
            out.append(Discrepancy(kind, _date(books, last[2]), (last[0],), None, _pounds(last[5]), None))
        elif kind == "DuplicatedBankLine":
            ids = tuple(line[0] for line in shown if line[4] is None)
            out.append(Discrepancy(kind, _date(books, last[2]), ids, move[1], _pounds(last[5]), books_amount))
        else:
            line = next(line for line in shown if line[4] is None)
            out.append(
                Discrepancy(kind, _date(books, line[2]), (line[0],), move[1], _pounds(line[5]), books_amount)
            )
    out.sort(key=lambda d: (d.date, d.bank_transaction_ids))
    return out


def transaction_pairs(
    company_id: uuid.UUID | str, linked_at: datetime, as_of: datetime, *, scale: int = 1, speed: float = 1
) -> list[TransactionPair]:
    """Every bank line of the GBP accounts at `as_of` that has a books counterpart, with it: all but the
    discrepancies' extra lines (a `MissingFromBooks` line, a duplicate) and the lines the bank has not yet
    shown (posting lag). A lapsed card payment's pending line is gone by then, its re-presentation paired."""
    books = _books(company_id, linked_at, scale, speed)
    T = books.simulated_t(as_of)
    bank_ids = {a: books.rid("bacc", 0, i) for a, i in ACCOUNT_OF.items()}
    out = []
    for move, lines, _kind in _scan(books, T):
        t, books_id, account, pence, *_ = move
        for line in lines:
            mark = line[0][9]
            if mark not in "tr" or line[2] > T or (line[4] is not None and line[4] <= T):
                continue
            out.append(
                TransactionPair(
                    bank_ids[account],
                    line[0],
                    _date(books, line[2]),
                    _pounds(line[5]),
                    books.account_ids[account],
                    books_id,
                    _date(books, t),
                    _pounds(pence),
                    line[3] is not None and line[3] <= T,
                )
            )
    return out


def loans(
    company_id: uuid.UUID | str, linked_at: datetime, as_of: datetime, *, scale: int = 1, speed: float = 1
) -> list[SandboxLoan]:
    """The company's loans as of `as_of` (one, once drawn down; none before)."""
    books = _books(company_id, linked_at, scale, speed)
    T = books.simulated_t(as_of)
    plan = books.loan()
    drawdown = _loan_move(books, plan.drawdown_day, K_DIRECT_INCOME)
    if drawdown is None or drawdown[0] > T:
        return []
    repayments = []
    capital_repaid = 0
    for day, capital, interest in plan.schedule:
        move = _loan_move(books, day, K_DIRECT_COST)
        if move is None or move[0] > T:
            break
        capital_repaid += capital
        repayments.append(
            LoanRepayment(
                _date(books, move[0]),
                _pounds(capital + interest),
                _pounds(capital),
                _pounds(interest),
                move[1],
                _bank_line_id(books, move, T),
            )
        )
    return [
        SandboxLoan(
            lender=plan.lender,
            reference=plan.reference,
            drawdown_date=_date(books, drawdown[0]),
            drawdown_amount=_pounds(plan.amount),
            repayment_amount=_pounds(plan.payment),
            repayment_day_of_month=plan.day_of_month,
            annual_rate_percent=Decimal(plan.rate_bp) / 100,
            term_months=plan.term,
            repayment_dates=tuple(r.date for r in repayments),
            repayments=tuple(repayments),
            outstanding=_pounds(plan.amount - capital_repaid),
            books_loan_account_id=books.account_ids[AC["loans"]],
            books_interest_account_id=books.account_ids[AC["loan_interest"]],
            drawdown_books_transaction_id=drawdown[1],
            drawdown_bank_transaction_id=_bank_line_id(books, drawdown, T),
        )
    ]


def _loan_move(books: AccountingBooks, day: int, kind: str) -> tuple | None:
    """The books' bank movement of the loan (drawdown or repayment) on `day`."""
    prefix = books.id_prefix(BT_KIND[kind], day)
    loans = AC["loans"]
    for move in books.bank_moves(day):
        if move[8] == loans and move[1].startswith(prefix):
            return move
    return None


def _bank_line_id(books: AccountingBooks, move: tuple, T: int) -> str | None:
    """The id of the bank line of a books movement, once the bank shows it by `T`."""
    line = bank_lines_of(books, move)[0]
    return line[0] if line[2] <= T else None
