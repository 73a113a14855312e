"""The labelled bank descriptions (`labelled_bank_descriptions.csv`) and, for each, the bank line
`bank_categories.classify` is given: what bank categorization is measured on
(`bench/bank_categorization_accuracy.py`).

A row is a line as a bank statement shows it: its description, which way the money moved (`+` in, `-` out),
the first two levels of the category an analyst would give it, the payment provider the money came through
(blank when none), and where the description comes from: `uk` and `us` are written by hand in the styles of
UK and US business statements (card purchases, direct debits, standing orders, faster payments, BACS, ACH,
payouts, fees, loans, payroll, tax, transfers, refunds, interest); `banking_sandbox` are the Banking Sandbox's
descriptions with its merchant names and categories; `plaid` are the Plaid fake's seed transactions and
more in Plaid's shape, with their personal finance categories; `accounting_sandbox` are the Accounting
Sandbox's bank transactions (the books' side).

The rows come in two batches. The first was written with the rules; a fixed third of it is held out
(`held_out`: chosen by a hash of the description, never by what the rules answer) and the rules were written
without looking at how they do on it. The second (`batch` 2) was written after the rules were frozen, so no
rule was written for it. A third (`batch` 3, the Accounting Sandbox's) was written after seeing what the rules
made of it, so all of it counts as dev. The benchmark reports the parts (`part`) apart.
"""

from __future__ import annotations

import csv
import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from ledgerlink.connectors.plaid.connector import KEY as PLAID_KEY
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.connectors.sandbox.banking import KEY as BANKING_SANDBOX_KEY
from ledgerlink.lending.bank_lines import BankLine

CSV_PATH = Path(__file__).with_name("labelled_bank_descriptions.csv")
COLUMNS = (
    "description",
    "amount_sign",
    "level_1",
    "level_2",
    "payment_provider",
    "source",
    "merchant_name",
    "platform_category",
    "batch",
)
SOURCES = ("uk", "us", "banking_sandbox", "plaid", "accounting_sandbox")
PLATFORM_KEYS = {
    "uk": "",
    "us": "",
    "banking_sandbox": BANKING_SANDBOX_KEY,
    "plaid": PLAID_KEY,
    "accounting_sandbox": AccountingSandbox().info.key,
}
PARTS = ("dev", "held out", "unseen")
UNSEEN_BATCH = 2
# Written after seeing what the rules made of them: all dev.
SEEN_BATCH = 3
# The amount every line is given: categorization reads its sign only.
AMOUNT = Decimal("100.00")


@dataclass(frozen=True)
class LabelledDescription:
    description: str
    money_in: bool
    level_1: str
    level_2: str
    payment_provider: str | None
    source: str
    merchant_name: str | None
    platform_category: str | None
    batch: int

    @property
    def held_out(self) -> bool:
        return held_out(self.description)

    @property
    def part(self) -> str:
        """`dev` (the rules were written looking at it), `held out` (written with the rules, never looked
        at) or `unseen` (written after the rules were frozen)."""
        if self.batch == UNSEEN_BATCH:
            return "unseen"
        return "held out" if self.held_out and self.batch != SEEN_BATCH else "dev"

    def line(self, n: int = 0) -> BankLine:
        """The bank line classification is given: a line with the row's description, direction, merchant
        and platform category (a Plaid category code stands as the record's category id, as the Plaid
        connector stores it); the books' lines are Accounting lines."""
        record: dict[str, object] = {"description": self.description}
        if self.platform_category:
            record["transactionCategoryRef"] = {"id": self.platform_category, "name": self.platform_category}
        return BankLine(
            source="Accounting" if self.source == "accounting_sandbox" else "Banking",
            connection_id=uuid.UUID(int=1),
            platform_key=PLATFORM_KEYS[self.source],
            account_id="labelled",
            transaction_id=f"labelled-{n}",
            date=date(2024, 1, 1),
            amount=AMOUNT if self.money_in else -AMOUNT,
            currency="USD" if self.source in ("us", "plaid") else "GBP",
            description=self.description,
            merchant_name=self.merchant_name,
            platform_category=self.platform_category,
            record=record,
        )


def held_out(description: str) -> bool:
    """Whether a description is in the held-out third: by a fixed hash of its text."""
    return int.from_bytes(hashlib.sha256(description.encode()).digest()[:8], "big") % 3 == 0


def load(path: Path = CSV_PATH) -> list[LabelledDescription]:
    """The rows, in file order (comment lines start with `#`)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(line for line in handle if not line.startswith("#"))
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path.name}: columns {reader.fieldnames}, expected {list(COLUMNS)}")
        return [
            LabelledDescription(
                description=row["description"],
                money_in=row["amount_sign"] == "+",
                level_1=row["level_1"],
                level_2=row["level_2"],
                payment_provider=row["payment_provider"] or None,
                source=row["source"],
                merchant_name=row["merchant_name"] or None,
                platform_category=row["platform_category"] or None,
                batch=int(row["batch"]),
            )
            for row in reader
        ]
