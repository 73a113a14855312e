"""Finding loans: in movements of money (a bank's or a commerce platform's lines, streamed once in date
order) and in the ledger's postings to loan accounts. Pure and deterministic: values in, loans out.

A movement is kept only while it could belong to a loan: its classification says loan, it says a loan
word, or it is a large inflow (a drawdown, perhaps) or a later line of the same counterparty on the same
account. So memory grows with the loan-like lines, not with the statement. At the
end each counterparty's lines are weighed:

* **with evidence** (a loan category, as the bank categorization gives lenders', or a loan word): a loan,
  whatever its shape;
* **without**: a loan only when its shape says so: a large inflow, then at least `MIN_REPAYMENTS` outflows
  to the same counterparty at a regular interval and a near-constant amount, the inflow at least
  `DRAWDOWN_MULTIPLE` repayments. Rent, payroll and subscriptions recur too, but never after a large payment
  from the landlord, the staff or the software vendor.

Each loan carries a confidence (the evidence's weights combined as independent signs) and its reasons in
words; every movement it is made of is its evidence.
"""

from __future__ import annotations

import itertools
import re
import statistics
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ledgerlink.lending.liabilities import loan_words

# Codat's `loanTransactionType`s (its spelling of accrued, kept).
INVESTMENT = "Investment"
REPAYMENT = "Repayment"
INTEREST = "Interest"
ACCRUED_INTEREST = "AccuredInterest"

UNKNOWN_LENDER = "Unknown lender"
# An inflow this large (in the account's currency) may be a drawdown: its counterparty is watched from then.
LARGE_INFLOW = Decimal(1000)
# A counterparty without evidence that pays in more often than this is a customer, not a lender.
MAX_DRAWDOWNS = 6
MIN_REPAYMENTS = 3
DRAWDOWN_MULTIPLE = 3
# Of the intervals between repayments (of their amounts), the share that must sit near the median.
REGULAR_SHARE = 0.75
AMOUNT_TOLERANCE = Decimal("0.05")
# (name, shortest and longest median interval in days, how far an interval may stray from the median)
FREQUENCIES = (
    ("Weekly", 5, 9, 2),
    ("Fortnightly", 12, 17, 3),
    ("Monthly", 26, 35, 5),
    ("Quarterly", 85, 96, 10),
)
# Weights of the signs of a loan, combined as independent evidence: 1 - prod(1 - w).
WEIGHTS = {
    "word": 0.5,
    "category": 0.6,
    "drawdown": 0.4,
    "regular": 0.3,
    "constant": 0.3,
}
_NAMESPACE = uuid.UUID("5b0e4a52-5c1e-4a84-9a53-2d6f0c1a7e21")
# Words of a statement line that say how money moved, not who it moved to or from.
_NOISE = frozenset(
    [
        "dd",
        "so",
        "sto",
        "fps",
        "bacs",
        "chaps",
        "ref",
        "tfr",
        "transfer",
        "payment",
        "pmt",
        "to",
        "from",
        "cr",
        "dr",
        "faster",
        "direct",
        "debit",
        "standing",
        "order",
        "bill",
        "online",
        "bank",
        "giro",
        "credit",
        "via",
        "the",
        "and",
        "of",
    ]
)
_NOT_A_WORD = re.compile(r"[^a-z& ]+")


@dataclass(frozen=True)
class Movement:
    """Money into (positive) or out of the business through one account: a bank line or a commerce
    transaction, with what its classification said."""

    connection_id: str
    account_id: str
    item_id: str
    # The data type the movement is a record of, as Codat's `itemRef.type` names it.
    item_type: str
    date: date
    amount: Decimal
    currency: str
    description: str
    # Who the money went to or came from, as the classification cleaned it (a lender it knows: "iwoca").
    counterparty: str | None = None
    # The category the movement's classification placed it in, when that is a loan's.
    loan_category: str | None = None
    # The category, when the classification is sure the movement is something else (rent, wages, charges):
    # such a movement joins no loan, even one whose lender's name it shares.
    explained: str | None = None


@dataclass(frozen=True)
class LoanMovement:
    """A movement (or a posting) that is part of a loan, and what it did to it."""

    item_id: str
    item_type: str
    date: date
    # Money's direction for the business: a drawdown positive; repayments and interest negative.
    amount: Decimal
    type: str
    description: str


@dataclass(frozen=True)
class FoundLoan:
    """A loan found in one source: where it lives (the bank account, or the ledger's loan account), its
    lender, its movements and why it is taken for a loan."""

    loan_id: str
    connection_id: str
    account_id: str
    account_type: str
    account_name: str | None
    currency: str
    lender: str
    movements: tuple[LoanMovement, ...]
    balance: Decimal
    confidence: float
    reasons: tuple[str, ...]
    recurring_amount: Decimal | None = None
    frequency: str | None = None

    @property
    def start_date(self) -> date | None:
        return min((m.date for m in self.movements), default=None)

    @property
    def total_drawdowns(self) -> Decimal:
        return sum((m.amount for m in self.movements if m.type == INVESTMENT), Decimal(0))

    @property
    def total_repayments(self) -> Decimal:
        """Capital and interest paid (Codat: "which includes capital plus any interest")."""
        return -sum((m.amount for m in self.movements if m.type in (REPAYMENT, INTEREST)), Decimal(0))


def combined(weights: Iterable[float]) -> float:
    remaining = 1.0
    for weight in weights:
        remaining *= 1 - weight
    return round(1 - remaining, 2)


def loan_id(*parts: str) -> str:
    """A loan's id: the same loan found again (another report) keeps it."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _name_key(text: str, *, drop: frozenset[str] = frozenset()) -> str:
    words = [
        word
        for word in _NOT_A_WORD.sub(" ", text.lower()).split()
        if word not in _NOISE and word not in drop and len(word) > 1
    ]
    return " ".join(words[:4])


def lender_name(counterparty: str | None, description: str) -> str | None:
    """A counterparty as the description spells it ("Oaknorth Bank" → "OakNorth Bank"); None when it is only
    the words of a loan line ("Repayment", "Bank")."""
    if not counterparty or not set(counterparty.lower().split()) - loan_words.NOT_A_NAME:
        return None
    at = description.lower().find(counterparty.lower())
    return description[at : at + len(counterparty)] if at >= 0 else counterparty


# ------------------------------------------------------------------------------------------ movements
@dataclass
class _Counterparty:
    key: str
    connection_id: str
    account_id: str
    currency: str
    lender: str | None = None
    words: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)
    inflows: int = 0

    @property
    def has_evidence(self) -> bool:
        return bool(self.words or self.categories)


class MovementLoans:
    """Loans in movements of money: `add` each (in date order per account), then `loans()`."""

    def __init__(self, *, by_shape: bool = True) -> None:
        # Whether a loan may be found by its shape alone (a bank's lines); a commerce platform's repayments
        # follow its sales, so there only a named loan is one.
        self._by_shape = by_shape
        self._watched: dict[tuple[str, str, str, str], _Counterparty] = {}
        self._customers: set[tuple[str, str, str, str]] = set()

    def add(self, movement: Movement) -> None:
        word = loan_words.loan_word_in(movement.description)
        evidence = word is not None or movement.loan_category is not None
        if movement.explained is not None and not evidence:
            return  # (surely something else: rent, wages, a bank's charges, tax)
        counterparty = lender_name(movement.counterparty, movement.description)
        name = counterparty or _name_key(
            movement.description, drop=loan_words.NOT_A_NAME if evidence else frozenset()
        )
        key = (movement.connection_id, movement.account_id, movement.currency, name.lower())
        watched = self._watched.get(key)
        if watched is None:
            large_inflow = movement.amount >= LARGE_INFLOW
            if not evidence and (not large_inflow or key in self._customers):
                return
            watched = self._watched[key] = _Counterparty(
                name.lower(), movement.connection_id, movement.account_id, movement.currency
            )
        if watched.lender is None and (counterparty or evidence):
            # (a loan line that names no one the categorization knows: its own words, as written)
            watched.lender = counterparty or lender_name(name, movement.description)
        if word is not None and word not in watched.words:
            watched.words.append(word)
        if movement.loan_category and movement.loan_category not in watched.categories:
            watched.categories.append(movement.loan_category)
        if movement.amount > 0:
            watched.inflows += 1
            if not watched.has_evidence and watched.inflows > MAX_DRAWDOWNS:
                del self._watched[key]  # (pays in again and again: a customer)
                self._customers.add(key)
                return
        watched.movements.append(movement)

    def loans(self, *, account_type: str, account_names: dict[str, str] | None = None) -> list[FoundLoan]:
        found = (
            _weigh(watched, account_type, (account_names or {}).get(watched.account_id), self._by_shape)
            for _, watched in sorted(self._watched.items())
        )
        return [loan for loan in found if loan is not None]


def _schedule(dates: Sequence[date]) -> tuple[str | None, bool]:
    """The repayments' frequency (by the median interval) and whether they keep to it."""
    intervals = [(later - earlier).days for earlier, later in itertools.pairwise(dates)]
    if not intervals:
        return None, False
    median = statistics.median(intervals)
    for name, shortest, longest, stray in FREQUENCIES:
        if shortest <= median <= longest:
            near = sum(1 for days in intervals if abs(days - median) <= stray)
            return name, near / len(intervals) >= REGULAR_SHARE
    return None, False


def _constant(amounts: Sequence[Decimal]) -> Decimal | None:
    """The typical repayment when the amounts are near-constant, else None."""
    if not amounts:
        return None
    median = statistics.median(amounts)
    near = sum(1 for amount in amounts if abs(amount - median) <= median * AMOUNT_TOLERANCE)
    return median if near / len(amounts) >= REGULAR_SHARE else None


def _weigh(
    watched: _Counterparty, account_type: str, account_name: str | None, by_shape: bool
) -> FoundLoan | None:
    ordered = sorted(watched.movements, key=lambda m: (m.date, m.item_id))
    typed: list[LoanMovement] = []
    for m in ordered:
        if m.amount > 0:
            kind = INVESTMENT
        elif loan_words.says_interest(m.description):
            kind = INTEREST
        else:
            kind = REPAYMENT
        typed.append(LoanMovement(m.item_id, m.item_type, m.date, m.amount, kind, m.description))
    drawdowns = [t for t in typed if t.type == INVESTMENT]
    first_drawdown = drawdowns[0].date if drawdowns else None
    repayments = [
        t for t in typed if t.type == REPAYMENT and (first_drawdown is None or t.date >= first_drawdown)
    ]
    frequency, regular = _schedule([t.date for t in repayments])
    recurring = _constant([-t.amount for t in repayments]) if len(repayments) >= MIN_REPAYMENTS else None
    signs: list[float] = []
    reasons: list[str] = []
    if watched.words:
        signs.append(WEIGHTS["word"])
        reasons.append("the lines say " + ", ".join(f"'{word}'" for word in watched.words))
    if watched.categories:
        signs.append(WEIGHTS["category"])
        reasons.append("categorized as " + ", ".join(watched.categories))
    shaped = bool(
        drawdowns
        and len(repayments) >= MIN_REPAYMENTS
        and regular
        and recurring is not None
        and max(t.amount for t in drawdowns) >= DRAWDOWN_MULTIPLE * recurring
    )
    if not watched.has_evidence and not (shaped and by_shape):
        return None
    if drawdowns:
        signs.append(WEIGHTS["drawdown"])
        reasons.append(f"{len(drawdowns)} drawdown(s) paid in, the first on {drawdowns[0].date.isoformat()}")
    if regular and len(repayments) >= MIN_REPAYMENTS:
        signs.append(WEIGHTS["regular"])
        reasons.append(f"{len(repayments)} repayments, {frequency.lower() if frequency else ''}")
    if recurring is not None:
        signs.append(WEIGHTS["constant"])
        reasons.append(f"repayments of about {recurring:.2f} {watched.currency}")
    if not any(t.type in (INVESTMENT, REPAYMENT) for t in typed):
        return None
    # What is still owed, as far as the movements tell: drawn less repaid (interest aside). A repayment that
    # carries interest in the same line makes this an underestimate; the ledger's balance is exact.
    drawn = sum((t.amount for t in drawdowns), Decimal(0))
    repaid = -sum((t.amount for t in typed if t.type == REPAYMENT), Decimal(0))
    return FoundLoan(
        loan_id=loan_id(watched.connection_id, watched.account_id, watched.currency, watched.key),
        connection_id=watched.connection_id,
        account_id=watched.account_id,
        account_type=account_type,
        account_name=account_name,
        currency=watched.currency,
        lender=watched.lender or UNKNOWN_LENDER,
        movements=tuple(typed),
        balance=max(Decimal(0), drawn - repaid),
        confidence=combined(signs),
        reasons=tuple(reasons),
        recurring_amount=recurring,
        frequency=frequency if regular else None,
    )


# ------------------------------------------------------------------------------------------ the ledger
@dataclass(frozen=True)
class LoanAccount:
    """An account of the chart that holds a loan (its category says so), with why."""

    connection_id: str
    account_id: str
    name: str
    currency: str
    category: str
    # The categorization's confidence in the category (0-1; 1 for an analyst's confirmed category).
    confidence: float
    reason: str


@dataclass(frozen=True)
class LedgerLine:
    account_id: str
    # Codat's `netAmount`: debits positive, credits negative.
    amount: Decimal
    # Whether the line posts to an interest expense account.
    interest: bool = False


@dataclass(frozen=True)
class LedgerEntry:
    """A journal entry that posts to a loan account."""

    entry_id: str
    date: date
    description: str
    lines: tuple[LedgerLine, ...]


def ledger_loan(
    account: LoanAccount, entries: Iterable[LedgerEntry], *, item_type: str, lender: str | None
) -> FoundLoan | None:
    """The loan a loan account holds: credited, drawn (or interest accrued, when the other side is interest);
    debited, repaid (with the interest the same entry pays); its balance is the account's. None for an account
    nothing has posted to. `lender` is who the account or its entries name, if anyone (else the account's name
    stands for it)."""
    typed: list[LoanMovement] = []
    balance = Decimal(0)
    paid: list[tuple[date, Decimal]] = []
    for entry in sorted(entries, key=lambda e: (e.date, e.entry_id)):
        on_loan = sum(
            (line.amount for line in entry.lines if line.account_id == account.account_id), Decimal(0)
        )
        interest = sum((line.amount for line in entry.lines if line.interest and line.amount > 0), Decimal(0))
        if on_loan == 0:
            continue
        balance -= on_loan

        def add(amount: Decimal, kind: str, entry: LedgerEntry = entry) -> None:
            typed.append(LoanMovement(entry.entry_id, item_type, entry.date, amount, kind, entry.description))

        if on_loan < 0 and interest == -on_loan:
            add(on_loan, ACCRUED_INTEREST)
        elif on_loan < 0:
            add(-on_loan, INVESTMENT)
        else:
            add(-on_loan, REPAYMENT)
            if interest:
                add(-interest, INTEREST)
            paid.append((entry.date, on_loan + interest))
    if not typed:
        return None
    frequency, regular = _schedule([day for day, _ in paid])
    recurring = _constant([amount for _, amount in paid]) if len(paid) >= MIN_REPAYMENTS else None
    reasons = [
        f"the account {account.name!r} is categorized {account.category} ({account.reason})",
        f"{len({m.item_id for m in typed})} journal entries post to it",
    ]
    if lender is not None:
        reasons.append(f"names {lender}, a lender")
    return FoundLoan(
        loan_id=loan_id(account.connection_id, "chartOfAccounts", account.account_id),
        connection_id=account.connection_id,
        account_id=account.account_id,
        account_type="accounts",
        account_name=account.name,
        currency=account.currency,
        lender=lender or account.name,
        movements=tuple(typed),
        balance=balance,
        confidence=round(account.confidence, 2),
        reasons=tuple(reasons),
        recurring_amount=recurring,
        frequency=frequency if regular else None,
    )
