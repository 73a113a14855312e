"""Data integrity's matching, pure: which of the books' bank accounts is which bank account, and which ledger
line records which bank line.

**Accounts** (`pair_accounts`). Two accounts whose records both carry a number are the same account when the
numbers agree (`numbers_agree`: equal once spaces and dashes are gone, or one ends with the other, as an
IBAN ends with the sort code and account number and every number ends with a masked number's last digits).
Otherwise accounts of the same currency are scored on how alike their names are (rapidfuzz's token set
ratio: word order and extra words such as "Ltd" or "GBP" do not count against) and how many of their amounts
the other has (the share of the smaller side's amounts, counted with repeats, found on the other side); the
strongest pairs above `ACCOUNT_THRESHOLD` win, strongest first, each account in one pair at most. Where both
carry numbers that disagree, the lines must vouch for the pair (at least `DISAGREEING_NUMBERS_OVERLAP` of
the amounts in common): a bookkeeper types the number into the books, and a placeholder or a stale number
there should not hide an account whose statement the ledger plainly records, but a name alone should not
join two accounts the numbers tell apart.

**Lines** (`match_lines`), one to one. A ledger line and a bank line can record the same movement only when
their amounts are equal to the cent and their dates at most `WINDOW_DAYS` apart (a bank posts a payment a
few days after the books date it, or before). Both sides are sorted by amount then date, walked together
amount by amount (O(n log n); pairs are only ever formed inside one amount, so nothing compares all pairs);
inside an amount, each ledger line is offered its `CANDIDATES` nearest bank lines in the window, each
candidate pair is scored by date closeness plus description similarity (token set ratio again), and pairs
are taken strongest first, each line once. So a monthly rent matches its own month, two equal salaries on
one day go to the payees their descriptions name, and a bank line shown twice keeps one match and leaves
the other unmatched. Ties fall to the earlier date and then the smaller key, so the outcome is the same on
every run.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz import fuzz, utils

WINDOW_DAYS = 10
# How many bank lines of the same amount, nearest in date, each ledger line is offered: enough for any
# real day's equal payments (a payroll's equal salaries) while a million equal amounts stay linear.
CANDIDATES = 16
ACCOUNT_THRESHOLD = 0.5
DISAGREEING_NUMBERS_OVERLAP = 0.5

_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Za-z]")
# A masked number keeps at least its last four digits; a shorter suffix would agree with too much.
_SHORTEST_NUMBER = 4


class Line(NamedTuple):
    """One side's line reduced to what matching reads: the amount in cents, the date as a day number,
    the description, and the caller's key for it."""

    cents: int
    day: int
    key: int
    description: str


def similarity(one: str, other: str) -> float:
    """How alike two descriptions or names are, 0 to 1 (case, punctuation and word order ignored)."""
    return fuzz.token_set_ratio(one, other, processor=utils.default_process) / 100


def match_lines(
    books: Sequence[Line], bank: Sequence[Line], *, window_days: int = WINDOW_DAYS
) -> list[tuple[int, int]]:
    """The `(books key, bank key)` pairs recording the same movement, one to one."""
    books_sorted = _by_amount_and_date(books)
    bank_sorted = _by_amount_and_date(bank)
    books_cents = [line.cents for line in books_sorted]
    bank_cents = [line.cents for line in bank_sorted]
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < len(books_cents) and j < len(bank_cents):
        cents = books_cents[i]
        if cents != bank_cents[j]:
            if cents < bank_cents[j]:
                i = bisect.bisect_left(books_cents, bank_cents[j], i)
            else:
                j = bisect.bisect_left(bank_cents, cents, j)
            continue
        i_end = bisect.bisect_right(books_cents, cents, i)
        j_end = bisect.bisect_right(bank_cents, cents, j)
        pairs += match_amount(books_sorted[i:i_end], bank_sorted[j:j_end], window_days)
        i, j = i_end, j_end
    return pairs


_BIAS = 1 << 62  # makes every amount in cents non-negative, so one integer sorts by amount, date, position


def _by_amount_and_date(lines: Sequence[Line]) -> list[Line]:
    """The lines sorted by amount, then date, then the order given (one integer per line sorts fastest)."""
    keys = [((line.cents + _BIAS) << 64) | (line.day << 32) | n for n, line in enumerate(lines)]
    keys.sort()
    return [lines[key & 0xFFFFFFFF] for key in keys]


def match_amount(
    books: Sequence[Line], bank: Sequence[Line], window_days: int = WINDOW_DAYS
) -> list[tuple[int, int]]:
    """The `(books key, bank key)` pairs among lines of one amount, each side sorted by date (equally good
    candidates fall to the earlier books date, then the smaller keys). `match_lines` is this over whole
    lists; a caller that reads the lines already in amount order (run.py, from PostgreSQL) calls it amount
    by amount, holding one amount's lines at a time."""
    if len(books) == 1 and len(bank) == 1:  # the common case: no choice to make
        one, other = books[0], bank[0]
        return [(one.key, other.key)] if abs(one.day - other.day) <= window_days else []
    days = [line.day for line in bank]
    near = [(b, k) for b, line in enumerate(books) for k in _nearest(days, line.day, window_days)]
    if len({b for b, _ in near}) == len({k for _, k in near}) == len(near):  # no line has two candidates
        return [(books[b].key, bank[k].key) for b, k in near]
    candidates = []
    for b, k in near:
        distance = abs(bank[k].day - books[b].day)
        closeness = 1 - distance / (window_days + 1)
        score = round(closeness + similarity(books[b].description, bank[k].description), 6)
        candidates.append((-score, distance, books[b].day, books[b].key, bank[k].key, b, k))
    candidates.sort()
    taken_books: set[int] = set()
    taken_bank: set[int] = set()
    pairs = []
    for *_, books_key, bank_key, b, k in candidates:
        if b in taken_books or k in taken_bank:
            continue
        taken_books.add(b)
        taken_bank.add(k)
        pairs.append((books_key, bank_key))
    return pairs


def _nearest(days: Sequence[int], day: int, window_days: int) -> list[int]:
    """Indexes of up to `CANDIDATES` of the sorted `days` nearest `day`, within the window."""
    right = bisect.bisect_left(days, day)
    left = right - 1
    found: list[int] = []
    while len(found) < CANDIDATES:
        left_gap = day - days[left] if left >= 0 else None
        right_gap = days[right] - day if right < len(days) else None
        if left_gap is not None and left_gap <= window_days and (right_gap is None or left_gap <= right_gap):
            found.append(left)
            left -= 1
        elif right_gap is not None and right_gap <= window_days:
            found.append(right)
            right += 1
        else:
            break
    return found


# ------------------------------------------------------------------------------------------------ accounts
@dataclass(frozen=True)
class Account:
    """An account as pairing reads it: the caller's key, its name, currency, number (as the record has
    it) and the amounts of its lines in cents."""

    key: Hashable
    name: str
    currency: str
    number: str | None
    amounts: Counter[int]


@dataclass(frozen=True)
class AccountPair:
    books: Hashable
    bank: Hashable
    reason: str


def _normalized(number: str | None) -> str | None:
    if number is None:
        return None
    cleaned = _NOT_ALPHANUMERIC.sub("", number).upper()
    return cleaned or None


def numbers_agree(one: str, other: str) -> bool:
    """Whether two account numbers name the same account (both as the records have them)."""
    a, b = _normalized(one), _normalized(other)
    if a is None or b is None:
        return False
    short, long = sorted((a, b), key=len)
    return short == long or (len(short) >= _SHORTEST_NUMBER and long.endswith(short))


def amount_overlap(one: Counter[int], other: Counter[int]) -> float:
    """The share of the smaller side's amounts (with repeats) that the other side has too."""
    smaller = min(one.total(), other.total())
    if smaller == 0:
        return 0.0
    return (one & other).total() / smaller


def pair_accounts(books: Sequence[Account], bank: Sequence[Account]) -> list[AccountPair]:
    """Which books' account is which bank account (see the module's docstring)."""
    pairs: list[AccountPair] = []
    scored: list[tuple[float, int, int, str]] = []
    for b, one in enumerate(books):
        for k, other in enumerate(bank):
            numbered = one.number is not None and other.number is not None
            if numbered and numbers_agree(one.number or "", other.number or ""):
                scored.append((-2.0, b, k, "account numbers agree"))
                continue
            if one.currency != other.currency:
                continue
            names = similarity(one.name, other.name)
            overlap = amount_overlap(one.amounts, other.amounts)
            if numbered and overlap < DISAGREEING_NUMBERS_OVERLAP:
                continue
            score = round(0.4 * names + 0.6 * overlap, 6)
            if score >= ACCOUNT_THRESHOLD:
                reason = f"same currency, names {names:.0%} alike, {overlap:.0%} of amounts in common"
                scored.append((-score, b, k, reason))
    scored.sort()
    taken_books: set[int] = set()
    taken_bank: set[int] = set()
    for _score, b, k, reason in scored:
        if b in taken_books or k in taken_bank:
            continue
        taken_books.add(b)
        taken_bank.add(k)
        pairs.append(AccountPair(books[b].key, bank[k].key, reason))
    return pairs
