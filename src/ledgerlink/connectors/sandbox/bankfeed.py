"""The bank's side of the books: the books' bank movements as the Banking Sandbox's GBP accounts show them.

A company linked to both Sandboxes has one business behind them. Every bank movement the books record on the
Business Current Account and the Business Savings Account (`AccountingBooks.bank_moves`: customers' payments,
bill payments, direct costs and incomes, transfers, and the story's payroll, HMRC and loan payments) is a
transaction of the bank's current or savings account, with what a bank prints rather than what a bookkeeper
types:

* **Descriptions and codes** as a UK bank statement has them: "Faster payment from Acme Ltd ref
  INV-240105-001" (a customer quoting the invoice, or only its name), "Card payment to Screwfix", "Standing
  order to ...", "Direct debit HMRC VAT GB123456789", "Funding Circle loan advance ref FC0012345", "Faster
  payment to Olivia Smith ref Salary"; a merchant name on card payments and direct debits; a category of
  the bank's own.
* **Timing**: the bank posts 0-3 days after the books' date (most the same day; the loan's, HMRC's and the
  payroll's payments the same day, as the books record them from the bank). Card payments are
  authorised on the books' date; 70% stay pending 1-3 days before they post, and 3% of those lapse (the
  pending line is deleted 1-4 days on) and are re-presented by the merchant as a new, posted line 1-19 hours
  after.
* **Discrepancies**, about 0.5-1% of lines and at least one every four months, all declared by
  `story.discrepancies`: a bank line the books lack (`MissingFromBooks`: a card payment nobody entered), a
  movement the bank shows twice (`DuplicatedBankLine`), a books amount with two digits transposed
  (`MistypedAmount`: the bank has the true amount). Every other line has exactly one books counterpart, with
  the same amount and account, dated 0-3 days after it (a lapsed card payment counts once, as its
  re-presentation).

Ids: a bank line's id is its books bank transaction's id with the kind's first letter `t` (`d` for a
duplicate, `r` for a re-presentation, `m` for a line the books lack), so each pull's ids are stable.

Lines are produced by bank day, in order, with a window of pending books movements: a movement created on day
`c` (an invoice) is paid up to `HORIZON_DAYS` later, so a bank day is complete once the books' day has been
generated, and a feed starting at day `first` starts the books `HORIZON_DAYS + SPAN` days earlier. Memory is
that window (the movements created but not yet in the bank), whatever the length of the history.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from ledgerlink.connectors.sandbox.books import (
    A_AP,
    A_AR,
    A_BANK_CURRENT,
    A_BANK_SAVINGS,
    A_VAT,
    AC,
    HORIZON_DAYS,
    AccountingBooks,
)
from ledgerlink.connectors.sandbox.simulation import DAY, HOUR, mix64

# A bank line: (id, account (0 current, 1 savings), authorised t, posted t | None, deleted t | None, pence,
# code, description, merchant | None, category key) — the Banking Sandbox's transaction spec, with its
# category as a key of `banking.CATEGORIES`.
FeedLine = tuple[str, int, int, int | None, int | None, int, str, str, str | None, str]

ACCOUNT_OF = {A_BANK_CURRENT: 0, A_BANK_SAVINGS: 1}
# The longest a bank line comes after its books movement: the posting lag, then a lapsed authorisation.
MAX_LAG_DAYS = 3
SPAN = MAX_LAG_DAYS + 5
# Posting lag in days, by a line's hash (most the same day).
_LAGS = (0, 0, 0, 0, 0, 1, 1, 1, 2, 3)
# One eligible line in DISCREPANCY_ONE_IN gets a discrepancy; and the monthly account fee of every fourth
# month (`GUARANTEED_EVERY` months), so a short history has them too.
DISCREPANCY_ONE_IN = 220
GUARANTEED_EVERY = 4
DISCREPANCY_KINDS = ("MissingFromBooks", "DuplicatedBankLine", "MistypedAmount")
# Accounts whose movements are never made discrepant (the loan's and HMRC's stay clean: `story.loans`).
_CLEAN = frozenset((AC["loans"], AC["paye"], A_VAT, AC["net_wages"], A_BANK_CURRENT, A_BANK_SAVINGS))
A_FEES = AC["bank_charges"]
# Payments the books record on the day the bank makes them (direct debits, payroll runs): no lag.
_SAME_DAY = frozenset((AC["loans"], AC["paye"], A_VAT, AC["net_wages"]))

# Card merchants by the books' expense account (a card payment's merchant is drawn from its account's).
MERCHANTS_OF: dict[int, tuple[str, ...]] = {
    AC["office"]: ("Amazon", "Staples", "Screwfix", "Viking Direct"),
    AC["travel"]: ("Trainline", "Uber", "Shell", "Premier Inn", "Pret A Manger"),
    AC["marketing"]: ("Google Ads", "LinkedIn", "Meta Ads"),
    AC["software"]: ("Adobe", "Microsoft 365", "Slack", "Zoom"),
    AC["sundries"]: ("Tesco", "Post Office", "Sainsbury's", "Ryman"),
}
_ANY_MERCHANT = ("Amazon", "Tesco", "Shell", "Uber", "Post Office")
# Merchants the bank files under Meals & Entertainment (the books post them to travel and subsistence).
MEALS = frozenset(("Pret A Manger", "Dishoom", "Tesco"))
CATEGORY_OF: dict[int, str] = {
    A_AR: "sales",
    AC["sales_products"]: "sales",
    AC["sales_services"]: "sales",
    AC["sundry_income"]: "sales",
    AC["interest_income"]: "interest",
    AC["rent"]: "rent",
    AC["utilities"]: "utilities",
    AC["software"]: "software",
    AC["office"]: "office",
    AC["sundries"]: "office",
    AC["travel"]: "travel",
    AC["marketing"]: "marketing",
    AC["professional"]: "professional",
    AC["net_wages"]: "payroll",
    A_FEES: "fees",
    A_AP: "suppliers",
    AC["cogs"]: "suppliers",
    AC["subcontractors"]: "suppliers",
    A_BANK_CURRENT: "internal",
    A_BANK_SAVINGS: "internal",
    AC["paye"]: "tax",
    A_VAT: "tax",
}


def transposed(pence: int) -> int | None:
    """`pence` with two adjacent digits swapped (the rightmost pair that differ), as a typist slips; None when
    every digit is the same."""
    sign, digits = (-1 if pence < 0 else 1), list(str(abs(pence)))
    for i in range(len(digits) - 1, 0, -1):
        if digits[i] != digits[i - 1] and not (i == 1 and digits[i] == "0"):
            digits[i], digits[i - 1] = digits[i - 1], digits[i]
            return sign * int("".join(digits))
    return None


def line_hash(seed: int, books_id: str) -> int:
    """The hash that decides a movement's lag, pending time and discrepancy (stable across processes)."""
    return mix64(seed ^ zlib.crc32(books_id.encode()))


def bank_id(books_id: str, mark: str) -> str:
    """A bank line's id from its books movement's: the kind's first letter replaced by `mark`."""
    return f"{books_id[:9]}{mark}{books_id[10:]}"


def discrepancy_of(books: AccountingBooks, move: tuple, h: int) -> str | None:
    """The discrepancy a books movement gets in the bank (`DISCREPANCY_KINDS`), or None."""
    _t, _id, account, pence, _desc, _txn, _rec, _who, acc, _ref = move
    if account != A_BANK_CURRENT or acc in _CLEAN:
        return None
    if acc == A_FEES:
        month = books.month_of_day(move[0] // DAY)
        if month % GUARANTEED_EVERY == 1:
            return DISCREPANCY_KINDS[month // GUARANTEED_EVERY % 3]
    if (h >> 20) % DISCREPANCY_ONE_IN:
        return None
    kind = DISCREPANCY_KINDS[(h >> 40) % 3]
    if kind == "MistypedAmount" and transposed(pence) is None:
        return "DuplicatedBankLine"
    return kind


def _printed(move: tuple, h: int) -> tuple[str, str, str | None, bool]:
    """(code, description, merchant, is a card payment) of a books movement, as the bank prints it."""
    _t, _id, account, pence, desc, txn, _rec, who, acc, ref = move
    quoted = f" ref {ref}" if ref else ""
    if txn == "Xfer":
        if account == A_BANK_SAVINGS:
            text = "Transfer from current account" if pence > 0 else "Transfer to current account"
        else:
            text = "Transfer from savings account" if pence > 0 else "Transfer to savings account"
        return "Transfer", text, None, False
    if acc == AC["loans"]:
        if pence > 0:
            return "Credit", f"{who} loan advance{quoted}", None, False
        return "DirectDebit", f"Direct debit {who}{quoted}", who, False
    if acc == AC["paye"]:
        return "Payment", f"Faster payment to HMRC PAYE{quoted}", "HMRC", False
    if acc == A_VAT:
        if pence > 0:
            return "Credit", f"HMRC VAT repayment{quoted}", "HMRC", False
        return "DirectDebit", f"Direct debit HMRC VAT{quoted}", "HMRC", False
    if acc == AC["net_wages"]:
        return "Payment", f"Faster payment to {who} ref Salary", None, False
    if txn == "SerChg":
        return "Fee", "Monthly account fee", None, False
    if txn == "Int":
        return "Interest", "Interest paid", None, False
    if txn == "RepeatPmt":
        return "StandingOrder", f"Standing order to {who}{quoted}", who, False
    if pence > 0:
        if who is not None:
            return "Credit", f"Faster payment from {who}{quoted}", None, False
        if desc == "Cash sale":
            return "Credit", "Cash deposit", None, False
        return "Credit", "Bank giro credit", None, False
    if txn == "Pos" or who is None:
        if who is None:
            merchants = MERCHANTS_OF.get(acc, _ANY_MERCHANT)
            who = merchants[(h >> 8) % len(merchants)]
        return "Purchase", f"Card payment to {who}", who, True
    return "Payment", f"Faster payment to {who}{quoted}", None, False


def category_of(move: tuple) -> str:
    """The bank's category key of a books movement."""
    acc, pence = move[8], move[3]
    if move[7] in MEALS:
        return "meals"
    if acc == AC["loans"]:
        return "loan_drawdown" if pence > 0 else "loan_repayment"
    if acc == A_VAT and pence > 0:
        return "tax"
    return CATEGORY_OF.get(acc, "suppliers" if pence < 0 else "sales")


def bank_lines_of(books: AccountingBooks, move: tuple) -> list[FeedLine]:
    """The bank lines of one books movement (one, or two: a duplicate, a lapsed card payment's
    re-presentation, a card payment the books lack), in the order they are authorised."""
    t, books_id, account, pence, *_ = move
    h = line_hash(books.seed, books_id)
    code, desc, merchant, card = _printed(move, h)
    category = category_of(move)
    a = ACCOUNT_OF[account]
    kind = discrepancy_of(books, move, h)
    amount = pence
    if kind == "MistypedAmount":
        amount = transposed(pence) or pence
    out: list[FeedLine] = []
    if card:
        x = (h >> 24) % 1000
        if x < 300:
            out.append((bank_id(books_id, "t"), a, t, t, None, amount, code, desc, merchant, category))
        else:
            tp = t + (1 + (h >> 34) % 3) * DAY + (h >> 36) % (6 * HOUR)
            if x < 979:
                out.append((bank_id(books_id, "t"), a, t, tp, None, amount, code, desc, merchant, category))
            else:
                lapsed = t + (1 + (h >> 34) % 4) * DAY
                again = lapsed + HOUR + (h >> 38) % (18 * HOUR)
                out.append(
                    (bank_id(books_id, "t"), a, t, None, lapsed, amount, code, desc, merchant, category)
                )
                out.append(
                    (bank_id(books_id, "r"), a, again, again, None, amount, code, desc, merchant, category)
                )
    else:
        ta = t if move[8] in _SAME_DAY else t + _LAGS[(h >> 8) % len(_LAGS)] * DAY
        out.append((bank_id(books_id, "t"), a, ta, ta, None, amount, code, desc, merchant, category))
    if kind == "DuplicatedBankLine":
        first = out[-1]
        again = first[2] + ((h >> 50) % 2) * DAY + 60
        out.append((bank_id(books_id, "d"), a, again, again, None, *first[5:]))
    elif kind == "MissingFromBooks":
        merchants = MERCHANTS_OF.get(AC["sundries"], _ANY_MERCHANT)
        merchant = merchants[(h >> 44) % len(merchants)]
        extra = out[-1][2] + 2 * HOUR
        price = -(500 + (h >> 52) % 7_500)
        out.append(
            (
                bank_id(books_id, "m"),
                a,
                extra,
                extra,
                None,
                price,
                "Purchase",
                f"Card payment to {merchant}",
                merchant,
                "office",
            )
        )
    return out


def feed(books: AccountingBooks, first: int, last: int) -> Iterator[tuple[int, list[FeedLine] | None]]:
    """The bank lines authorised on each day from `first` to `last`, as `(day, lines)` in day order (lines
    by authorisation time and id); `(day, None)` for each earlier day of books generated to get there (a
    tick: the caller yields the event loop a turn)."""
    waiting: dict[int, list[FeedLine]] = {}
    for c in range(max(0, first - HORIZON_DAYS - SPAN), last + 1):
        for move in books.bank_moves(c):
            for line in bank_lines_of(books, move):
                d = line[2] // DAY
                if first <= d <= last:
                    day_lines = waiting.get(d)
                    if day_lines is None:
                        waiting[d] = [line]
                    else:
                        day_lines.append(line)
        if c < first:
            yield c, None
            continue
        lines = waiting.pop(c, [])
        lines.sort(key=lambda line: (line[2], line[0]))
        yield c, lines
