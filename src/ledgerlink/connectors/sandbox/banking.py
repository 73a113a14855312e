"""The Banking Sandbox (`qhnd`): a small business's bank accounts, simulated deterministically at any volume.

Platform key: Codat's Banking Sandbox is `qhnd` (Codat's docs site, codatio/codat-docs: its integrations
redirect table lists `{integration: "Banking Sandbox", platformKey: "qhnd"}` next to Plaid `suuo`, TrueLayer
`upvr` and Basiq `dfxm`).

Time and volume follow `simulation.py` (simulated clock, 24-36 months of history, `scale` and `speed` from the
credentials). The business behind the bank is the Accounting Sandbox's (`books.py`): a company linked to both
Sandboxes with the same `scale` and `speed` (and at the same moment, unless `speed` is 1) sees one business's
books and bank (`story.py` has the ground truth). What the business's bank looks like:

* **Accounts** (all `Debit`: positive balances are assets, positive transactions add to them): a GBP current
  account and a GBP savings account, open from the first day with the books' opening balances, and a EUR
  account opened 60-240 days in with a deposit. Accounts are never deleted. An account's `balance.current` is
  its opening balance plus the sum of its *posted* transactions up to `T`; `balance.available` adds its
  pending ones; `balance.limit` is the current account's overdraft (negative), absent on the others. Its
  `sourceModifiedDate` is its latest transaction event (or its opening).
* **Transactions**: the GBP accounts carry the books' bank movements (`bankfeed.py`): customers' payments,
  payments of bills, card purchases, standing orders and direct debits, net pay to each employee on the 25th,
  PAYE and NI to HMRC on the 22nd, VAT to HMRC each quarter, the loan's drawdown and repayments, transfers to
  and from savings, bank fees and savings interest; as a bank prints them, posted 0-3 days after the books'
  date, with about 1% of deliberate discrepancies (a line the books lack, a duplicated line, an amount the
  books mistyped). The EUR account is the bank's own (the books keep no EUR account): SEPA receipts from
  customers and payments to suppliers on weekdays, and a monthly fee. Each transaction carries its account's
  currency and a leaf `transactionCategoryRef`. 70% of card purchases are authorised first and posted 1-3 days
  later (no `postedDate` while pending); 3% of those lapse (deleted) and are re-presented as a new, posted
  transaction. Every event of a transaction happens within `SPAN_DAYS` of its authorisation. Everything else
  is posted at once.
* **Account balances**: one record per account per day, the closing balances of every complete day from the
  account's opening day (Codat's end-of-day balances): `date` is the day (midnight), `balance.current` the
  opening balance plus the transactions posted by the end of that day, `balance.available` that plus the
  transactions still pending then. A day's record appears at the end of the day (its `sourceModifiedDate`)
  and never changes.
* **Transaction categories**: a fixed two-level hierarchy of 23, created when the history starts.

Volume at scale 1 (25-36 months): 3 accounts, 23 categories, ~1,300-2,100 transactions and ~2,100-3,300
daily balances. Transactions grow linearly with `scale` (the books' do), and so do opening balances, so
balances keep their shape at any scale; balances do not scale (one per account per day). Generating a GBP day
means generating the books' day (its invoices, bills and payments), and the books' till sums the shop's
orders once a process, so a pull streams about 50,000 transactions a CPU-second (100,000 once the till is
summed; docs/benchmarks.md), and an incremental pull starts the books `HORIZON_DAYS` before its first day.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any

from ledgerlink.connectors.base import Branding, ConnectorInfo
from ledgerlink.connectors.sandbox import bankfeed
from ledgerlink.connectors.sandbox.books import AccountingBooks
from ledgerlink.connectors.sandbox.simulation import (
    DAY,
    EMIT,
    HOUR,
    Clock,
    Generate,
    Item,
    SimulatedSandbox,
    Window,
    company_name,
    poisson,
)
from ledgerlink.records.registry import SourceType

KEY = "qhnd"
# Every event of a bank transaction (posting, dropping) happens within this many days of its authorisation.
SPAN_DAYS = 6
FAM_DAY = 0xBA01
K_COMPANY, K_ACCOUNT, K_PAYER = 0xB0, 0xB1, 0xB3

DATA_TYPES = (
    "banking-accounts",
    "banking-accountBalances",
    "banking-transactions",
    "banking-transactionCategories",
)

# (key, name, parent key)
CATEGORIES: tuple[tuple[str, str, str | None], ...] = (
    ("income", "Income", None),
    ("sales", "Sales", "income"),
    ("interest", "Interest", "income"),
    ("expenses", "Expenses", None),
    ("rent", "Rent", "expenses"),
    ("utilities", "Utilities", "expenses"),
    ("software", "Software & Subscriptions", "expenses"),
    ("office", "Office Supplies", "expenses"),
    ("travel", "Travel", "expenses"),
    ("meals", "Meals & Entertainment", "expenses"),
    ("payroll", "Payroll", "expenses"),
    ("fees", "Bank Fees", "expenses"),
    ("professional", "Professional Services", "expenses"),
    ("marketing", "Marketing", "expenses"),
    ("cash", "Cash Withdrawals", "expenses"),
    ("suppliers", "Suppliers", "expenses"),
    ("transfers", "Transfers", None),
    ("internal", "Internal Transfer", "transfers"),
    ("fx", "Currency Exchange", "transfers"),
    # Appended (a category's index is its id) for the story the bank shares with the books (`bankfeed`).
    ("financing", "Financing", None),
    ("loan_drawdown", "Loan Drawdown", "financing"),
    ("loan_repayment", "Loan Repayments", "financing"),
    ("tax", "Tax Payments", "expenses"),
)
CAT = {key: i for i, (key, _, _) in enumerate(CATEGORIES)}

# (key, name, currency, identifiers subtype)
ACCOUNT_SPECS = (
    ("current", "Business Current Account", "GBP", "checking"),
    ("savings", "Business Savings Account", "GBP", "savings"),
    ("euro", "Euro Business Account", "EUR", "checking"),
)
A_CURRENT, A_SAVINGS, A_EURO = 0, 1, 2
INSTITUTION = {"id": "ledgerlink-sandbox-bank", "name": "Ledgerlink Sandbox Bank"}
BIC = "LLSBGB2L"
_SEASON = (0.85, 0.9, 1.05, 1.0, 1.05, 1.0, 0.9, 0.85, 1.05, 1.1, 1.15, 1.1)  # January..December


class Account:
    __slots__ = (
        "currency",
        "iban",
        "id",
        "idx",
        "limit",
        "name",
        "number",
        "open_day",
        "open_t",
        "opening",
        "sort_code",
        "subtype",
    )

    def __init__(self, clock: Clock, idx: int, opening: int, open_day: int, limit: int | None):
        _key, name, currency, subtype = ACCOUNT_SPECS[idx]
        self.idx = idx
        self.id = clock.rid("bacc", 0, idx)
        self.name = name
        self.currency = currency
        self.subtype = subtype
        self.open_day = open_day
        self.open_t = open_day * DAY + 9 * HOUR
        self.opening = opening
        self.limit = limit
        self.number, self.sort_code, self.iban = account_identifiers(clock, idx)


def account_identifiers(clock: Clock, idx: int) -> tuple[str, str, str]:
    """(number, sort code, IBAN) of the bank's account `idx` (`ACCOUNT_SPECS`): the books' bank accounts
    carry the same (`documents.py`), as a business's books record the accounts they keep."""
    h = clock.hash(K_ACCOUNT, idx)
    number = f"{10_000_000 + h % 90_000_000}"
    sort = 400_000 + (h >> 32) % 100_000
    sort_code = f"{sort // 10_000:02d}-{sort // 100 % 100:02d}-{sort % 100:02d}"
    return number, sort_code, _iban("GB", f"LLSB{sort:06d}{number}")


def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


class BankingBooks:
    """One company's bank: accounts, and the transactions of each day (`days(first, last)`)."""

    def __init__(self, company_id: Any, linked_at: datetime, scale: int = 1, speed: float = 1):
        clock = self.clock = Clock(company_id, linked_at, speed)
        s = self.scale = scale
        h = clock.hash(K_COMPANY, 0)
        self.holder = company_name(h) + " Ltd"
        current, savings, _equipment = self.books().opening()
        self.eur_rate = 1.12 + ((h >> 52) % 9) / 100
        euro_opening = int(s * (300_000 + (h >> 36) % 500_000) * self.eur_rate)
        self.accounts = [
            Account(clock, A_CURRENT, current, 0, -s * (100_000 + (h >> 21) % 400_000)),
            Account(clock, A_SAVINGS, savings, 0, None),
            Account(clock, A_EURO, euro_opening, 60 + (h >> 32) % 181, None),
        ]
        self.category_ids = [clock.rid("bcat", 0, i) for i in range(len(CATEGORIES))]
        self.payers = [company_name(clock.hash(K_PAYER, j)) for j in range(min(20 + 5 * s, 2_000))]
        # Closing balances per day (see `closing`), and the running state that extends them.
        n = len(self.accounts)
        self._closing: list[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]] = []
        self._running = ([a.opening for a in self.accounts], [a.opening for a in self.accounts], [0] * n)
        self._changes: dict[int, tuple[list[int], list[int], list[int]]] = {}
        self._lock = threading.Lock()
        self._days: Iterator[tuple[int, list[tuple] | None]] | None = None  # feeding `closing`, day by day

    def opening_balance(self, account_id: str) -> int:
        """The balance (pence) an account opens with, before any of its transactions."""
        return next(a.opening for a in self.accounts if a.id == account_id)

    def books(self) -> AccountingBooks:
        """The books this bank's GBP accounts carry (`bankfeed`), without what was written to them through
        the API; built afresh for each walk through them (cheap: catalogues), so no cache outlives it."""
        clock = self.clock
        return AccountingBooks(clock.company_id, clock.linked_at, self.scale, clock.speed)

    def closing(self, d: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """(current, available, latest transaction event t or 0) per account at the end of day `d`, in pence.

        A day's closing balances do not depend on when they are asked for, so they are computed once, in day
        order, and kept (a few ints per account per day). Every event of a transaction happens within
        `SPAN_DAYS` of its authorisation, so only that many days of changes are ever waiting to be applied.
        """
        for _tick in self.closings(d):
            pass
        return self._closing[d]

    def closings(self, d: int) -> Iterator[None]:
        """Extend the closing balances through day `d`, with a tick for each day of the books generated (the
        pull gives the event loop a turn). The feed of transactions that extends them is kept until `rest()`,
        and then started again from the first day not yet closed (after `HORIZON_DAYS` of the books)."""
        closing = self._closing
        while len(closing) <= d:
            with self._lock:
                if len(closing) <= d:
                    self._close_next()
            yield None

    def _close_next(self) -> None:
        """One step of the feed (under the lock): close the next day, or generate one of the books' days it
        starts with."""
        closing = self._closing
        if self._days is None:
            self._days = self.days(len(closing), self.clock.max_t // DAY)
        day, specs = next(self._days)
        if specs is None:
            return
        current, available, last = self._running
        changes = self._changes
        n = len(self.accounts)
        for _id, a, ta, tp, tdel, pence, *_ in specs:
            for t, d_current, d_available in (
                (ta, 0, pence),
                (tp, pence, 0) if tp is not None else (tdel, 0, -pence),
            ):
                change = changes.get(t // DAY)
                if change is None:
                    change = changes[t // DAY] = ([0] * n, [0] * n, [0] * n)
                change[0][a] += d_current
                change[1][a] += d_available
                if t > change[2][a]:
                    change[2][a] = t
        change = changes.pop(day, None)
        if change is not None:
            for i in range(n):
                current[i] += change[0][i]
                available[i] += change[1][i]
                if change[2][i] > last[i]:
                    last[i] = change[2][i]
        closing.append((tuple(current), tuple(available), tuple(last)))

    def rest(self) -> None:
        """Let go of the feed extending the closing balances (a pull is done with them): what it holds (the
        books' pending movements and caches) is not kept between pulls."""
        with self._lock:
            self._days = None

    def days(self, first: int, last: int) -> Iterator[tuple[int, list[tuple] | None]]:
        """The transactions authorised on each day from `first` to `last`, as `(day, specs)` in day order,
        with `(day, None)` ticks for the books' days generated before `first` (`bankfeed.feed`). A spec is
        `(id, account, authorised t, posted t | None, deleted t | None, pence, code, description,
        merchant | None, category)`; a dropped transaction has no posted time, a posted one no deleted time.
        The GBP accounts' come from the books (`bankfeed`), the EUR account's from `euro_day`."""
        cat = CAT
        for d, lines in bankfeed.feed(self.books(), first, last):
            if lines is None:
                yield d, None
                continue
            specs: list[tuple] = [(*line[:9], cat[line[9]]) for line in lines]
            if d >= self.accounts[A_EURO].open_day:
                specs.extend(self.euro_day(d))
            yield d, specs

    def day(self, d: int) -> list[tuple]:
        """The transactions authorised on day `d` (specs as in `days`)."""
        for _d, specs in self.days(d, d):
            if specs is not None:
                return specs
        return []

    def euro_day(self, d: int) -> list[tuple]:
        """The EUR account's transactions authorised on day `d`: SEPA receipts from customers and payments to
        suppliers on weekdays, and its monthly fee. The books keep no EUR account, so these are the bank's
        own."""
        c = self.clock
        r = c.rng(d, FAM_DAY)
        rnd = r.random
        s = self.scale
        act = c.growth(d) * _SEASON[c.month_of_year(d) - 1]
        base = d * DAY
        prefix = c.rid_prefix("btxn", d)
        tail = "-0000" + c.c8b
        out: list[tuple] = []

        def add(ta: int, pence: int, code: str, desc: str, cat: int) -> None:
            out.append((f"{prefix}{len(out):04x}{tail}", A_EURO, ta, ta, None, pence, code, desc, None, cat))

        if c.weekday(d) < 5:
            for _ in range(poisson(r, 0.25 * s * act)):
                add(
                    base + 8 * HOUR + int(rnd() * 10 * HOUR),
                    10_000 + int(rnd() ** 2 * 190_000),
                    "Credit",
                    f"SEPA credit from {self.payers[int(rnd() * len(self.payers))]}",
                    CAT["sales"],
                )
            for _ in range(poisson(r, 0.1 * s * act)):
                add(
                    base + 8 * HOUR + int(rnd() * 10 * HOUR),
                    -(5_000 + int(rnd() * 75_000)),
                    "Payment",
                    "SEPA payment to supplier",
                    CAT["suppliers"],
                )
        if c.last_of_month(d):
            add(base + 23 * HOUR, -800, "Fee", "Monthly account fee", CAT["fees"])
        return out


@lru_cache(maxsize=32)
def books_for(company_id: Any, linked_at: datetime, scale: int, speed: float) -> BankingBooks:
    return BankingBooks(company_id, linked_at, scale, speed)


# ------------------------------------------------------------------------------------------------- data types
def _categories(b: BankingBooks, w: Window) -> Iterator[Item]:
    if w.T < 0 or (w.S is not None and w.S >= 0):
        return
    ids = b.category_ids
    created = b.clock.ts(0)
    for i, (key, name, parent) in enumerate(CATEGORIES):
        yield {
            "id": ids[i],
            "name": name,
            "parentId": ids[CAT[parent]] if parent else None,
            "hasChildren": any(p == key for _, _, p in CATEGORIES),
            "status": "Active",
            "sourceModifiedDate": created,
        }


def _account_record(b: BankingBooks, a: Account, current: int, pending: int, last: int) -> dict[str, Any]:
    balance: dict[str, Any] = {"available": (current + pending) / 100, "current": current / 100}
    if a.limit is not None:
        balance["limit"] = a.limit / 100
    return {
        "id": a.id,
        "name": a.name,
        "holder": b.holder,
        "type": "Debit",
        "balance": balance,
        "identifiers": {
            "type": "Depository",
            "subtype": a.subtype,
            "number": a.number,
            "bankCode": a.sort_code,
            "iban": a.iban,
            "bic": BIC,
            "maskedAccountNumber": "****" + a.number[-4:],
        },
        "currency": a.currency,
        "institution": dict(INSTITUTION),
        "sourceModifiedDate": b.clock.ts(last),
    }


def _accounts(b: BankingBooks, w: Window) -> Iterator[Item]:
    """Each account as it stands at `T`: the closing balances of yesterday plus today's events so far."""
    T = w.T
    if T < 0:
        return
    today = T // DAY
    yield from b.closings(today - 1)
    b.rest()
    if today > 0:
        current, available, last = (list(values) for values in b.closing(today - 1))
    else:
        current = [a.opening for a in b.accounts]
        available = list(current)
        last = [0] * len(b.accounts)
    start = today * DAY
    for _d, specs in b.days(max(0, today - SPAN_DAYS), today):
        if specs is None:
            yield None
            continue
        for _id, a, ta, tp, tdel, pence, *_ in specs:
            for t, d_current, d_available in (
                (ta, 0, pence),
                (tp, pence, 0) if tp is not None else (tdel, 0, -pence),
            ):
                if start <= t <= T:
                    current[a] += d_current
                    available[a] += d_available
                    if t > last[a]:
                        last[a] = t
    for a in b.accounts:
        modified = max(a.open_t, last[a.idx])
        if a.open_t <= T and w.wants(a.open_t, modified, None) == EMIT:
            yield _account_record(b, a, current[a.idx], available[a.idx] - current[a.idx], modified)


def _balances(b: BankingBooks, w: Window) -> Iterator[Item]:
    """Closing balances of every complete day, per account (see the module docstring)."""
    T, S, sync_from = w.T, w.S, w.sync_from
    accounts = b.accounts
    ts = b.clock.ts
    yield from b.closings(w.last_day - 1)
    b.rest()
    for d in range(w.last_day):
        closed = (d + 1) * DAY
        if closed > T:
            break
        if (S is not None and closed <= S) or (sync_from is not None and d * DAY < sync_from):
            continue
        current, available, _last = b.closing(d)
        date, modified = ts(d * DAY), ts(closed)
        for a in accounts:
            if a.open_day <= d:
                balance: dict[str, Any] = {
                    "available": available[a.idx] / 100,
                    "current": current[a.idx] / 100,
                }
                if a.limit is not None:
                    balance["limit"] = a.limit / 100
                yield {"accountId": a.id, "balance": balance, "date": date, "sourceModifiedDate": modified}
        yield None


def _transactions(b: BankingBooks, w: Window) -> Iterator[Item]:
    T, S, sync_from = w.T, w.S, w.sync_from
    ts = b.clock.ts
    account_ids = [a.id for a in b.accounts]
    currencies = [a.currency for a in b.accounts]
    # One `transactionCategoryRef` per category, shared by the records (read-only, as the books' refs are).
    cat_refs = [
        {"id": cat_id, "name": name} for cat_id, (_, name, _) in zip(b.category_ids, CATEGORIES, strict=True)
    ]
    first = w.first_day(SPAN_DAYS)
    if sync_from is not None:
        first = max(first, sync_from // DAY)
    for _d, specs in b.days(first, w.last_day):
        if specs is None:
            yield None
            continue
        for rid, a, ta, tp, tdel, pence, code, desc, merchant, cat in specs:
            if ta > T or (sync_from is not None and ta < sync_from):
                continue
            if tdel is not None and tdel <= T:
                if S is not None and ta <= S < tdel:
                    yield rid
                continue
            posted = tp is not None and tp <= T
            last = tp if posted else ta
            if S is not None and last <= S:
                continue
            authorized = ts(ta)
            modified = authorized if last == ta else ts(last)  # most lines post when authorised
            record = {
                "id": rid,
                "accountId": account_ids[a],
                "description": desc,
                "amount": pence / 100,
                "currency": currencies[a],
                "authorizedDate": authorized,
                "code": code,
                "transactionCategoryRef": cat_refs[cat],
                "sourceModifiedDate": modified,
            }
            if posted:
                record["postedDate"] = modified
            if merchant is not None:
                record["merchantName"] = merchant
            yield record
        yield None


GENERATORS: dict[str, Generate[BankingBooks]] = {
    "banking-accounts": _accounts,
    "banking-accountBalances": _balances,
    "banking-transactions": _transactions,
    "banking-transactionCategories": _categories,
}


class BankingSandbox(SimulatedSandbox[BankingBooks]):
    info = ConnectorInfo(
        key=KEY,
        name="Banking Sandbox",
        source_type=SourceType.BANKING,
        branding=Branding(mark="BK", background="#0f766e"),
        data_types=DATA_TYPES,
        data_provided_by="ledgerlink",
        is_sandbox=True,
        accepts_credentials=True,
    )

    generators = GENERATORS

    def model(self, company_id: uuid.UUID, linked_at: datetime, scale: int, speed: float) -> BankingBooks:
        return books_for(company_id, linked_at, scale, speed)
