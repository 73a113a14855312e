"""The bank's side of a payment: the line it went out as on the company's bank statements and in its books'
bank transactions (`lending.bank_lines`), for what the bank says about how it was paid (a card purchase, a
cheque, a direct debit; a credit card account).

A payment is found by the books' link where there is one (a direct cost's payment is its bank transaction in
the Sandbox and Xero's spend money), otherwise by its amount to the cent and its date (the bank clears it from
`EARLY_DAYS` before to `LATE_DAYS` after the books' date): the books' line of the account it was paid from
first, then another books line, then a bank's; nearest date next. A line explains one payment only. Only the
outgoing lines whose amount some payment has are kept, so memory follows the payments, not the statements.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.lending.bank_lines import ACCOUNTING, bank_accounts, bank_lines

EARLY_DAYS = 2
LATE_DAYS = 7
# A bank account whose balance is money owed: a credit card (Codat's `Credit`, on a bank's and the books').
CREDIT = "Credit"


@dataclass(frozen=True)
class Outgoing:
    """A line money left a bank account by, with what it says of how."""

    source: str
    connection_id: uuid.UUID
    account_id: str
    transaction_id: str
    day: date
    kind: str | None  # the books' `transactionType` or a bank's `code` (`Pos`, `Purchase`, `Cheque`...)
    text: str  # its description and merchant
    credit_account: bool


def cents(amount: Decimal) -> int:
    return int((abs(amount) * 100).to_integral_value())


class BankEvidence:
    """The company's outgoing bank lines of the amounts its payments have, ready to be matched."""

    def __init__(self, account_types: dict[tuple[uuid.UUID, str], str | None] | None = None) -> None:
        self.by_cents: dict[int, list[Outgoing]] = defaultdict(list)
        # Every bank account of the company's banks and books, with its type (`Credit`, `Debit`).
        self.account_types = account_types or {}

    def add(self, amount: Decimal, line: Outgoing) -> None:
        self.by_cents[cents(amount)].append(line)

    @classmethod
    async def read(cls, session: AsyncSession, company_id: uuid.UUID, amounts: set[int]) -> BankEvidence:
        evidence = cls(
            {
                (account.connection_id, account.account_id): account.record.get("type")
                or account.record.get("accountType")
                for account in await bank_accounts(session, company_id)
            }
        )
        async for line in bank_lines(session, company_id):
            if line.amount >= 0 or cents(line.amount) not in amounts:
                continue
            kind = line.record.get("transactionType") or line.record.get("code")
            evidence.add(
                line.amount,
                Outgoing(
                    source=line.source,
                    connection_id=line.connection_id,
                    account_id=line.account_id,
                    transaction_id=line.transaction_id,
                    day=line.date,
                    kind=kind if isinstance(kind, str) else None,
                    text=" ".join(filter(None, (line.description, line.merchant_name))),
                    credit_account=evidence.account_types.get((line.connection_id, line.account_id))
                    == CREDIT,
                ),
            )
        return evidence

    def take(
        self, amount: Decimal, day: date | None, *, account_id: str | None, transaction_id: str | None
    ) -> Outgoing | None:
        """The line that paid `amount` (its own, by the books' link, or the best by amount and date), no
        longer available to another payment; None when the bank shows none."""
        candidates = self.by_cents.get(cents(amount))
        if not candidates:
            return None
        chosen = next(
            (line for line in candidates if transaction_id and line.transaction_id == transaction_id), None
        )
        if chosen is None and day is not None:
            window = [
                line
                for line in candidates
                if day - timedelta(EARLY_DAYS) <= line.day <= day + timedelta(LATE_DAYS)
            ]
            chosen = min(
                window,
                key=lambda line: (
                    0
                    if line.source == ACCOUNTING and line.account_id == account_id
                    else 1
                    if line.source == ACCOUNTING
                    else 2,
                    abs((line.day - day).days),
                    line.transaction_id,
                ),
                default=None,
            )
        if chosen is not None:
            candidates.remove(chosen)
        return chosen
