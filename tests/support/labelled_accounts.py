"""The labelled account set (`labelled_accounts.csv`) and, for each entry, the account record ledgerlink's
read API would return for it: what the categorization rules are measured on
(`bench/categorization_accuracy.py`).

A public chart's account goes through the connector mapping of its platform (Xero's chart through
`connectors.xero.mapping.account`), so the rules see the same `type` and `fullyQualifiedCategory` a linked
company's account would have. The Sandbox's and the fakes' accounts are not copied into the file: they are
read from their generators, and the file only labels them, so a changed chart shows up as an unlabelled
account.
"""

from __future__ import annotations

import asyncio
import csv
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ledgerlink.connectors.base import FetchRequest
from ledgerlink.connectors.quickbooks import mapping as quickbooks_mapping
from ledgerlink.connectors.quickbooks.connector import KEY as QUICKBOOKS_KEY
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.connectors.xero import mapping as xero_mapping
from ledgerlink.connectors.xero.connector import KEY as XERO_KEY
from tests.support.fakes import quickbooks as quickbooks_fake
from tests.support.fakes import xero as xero_fake

CSV_PATH = Path(__file__).with_name("labelled_accounts.csv")
COLUMNS = (
    "source",
    "country",
    "platform",
    "platform_type",
    "statement_type",
    "code",
    "name",
    "expected_path",
    "note",
)
STATEMENT_TYPES = frozenset({"Asset", "Liability", "Equity", "Income", "Expense"})
# Sources read from a generator in this repository rather than from a public chart, and how they are reported.
GENERATED = {"sandbox": "Sandbox", "fake-xero": "fakes", "fake-quickbooks": "fakes"}
COUNTRY_REGIONS = {"GB": "UK", "US": "US", "AU": "AU"}
SANDBOX = AccountingSandbox()
# The integration key each platform's connection has; charts with no connector here have none.
PLATFORM_KEYS = {
    "xero": XERO_KEY,
    "quickbooks": QUICKBOOKS_KEY,
    "sandbox": SANDBOX.info.key,
    "sage50": "",
    "none": "",
}
# Where a public chart's own classification stands for the platform's record (no connector for it here).
UNMAPPED_PLATFORMS = frozenset({"sage50", "none"})


@dataclass(frozen=True)
class LabelledAccount:
    """One row of the set: an account as its chart gives it, and the category an accountant would give it."""

    source: str
    country: str
    platform: str
    platform_type: str
    statement_type: str
    code: str
    name: str
    expected: tuple[str, ...]
    note: str

    @property
    def public(self) -> bool:
        return self.source not in GENERATED

    @property
    def region(self) -> str:
        """How the benchmark groups it: the public chart's country, or Sandbox, or fakes."""
        return GENERATED.get(self.source) or COUNTRY_REGIONS.get(self.country, self.country)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.code, self.name)


@dataclass(frozen=True)
class Case:
    """A labelled account, the record the rules are given, and the key of the connection it came through."""

    label: LabelledAccount
    account: dict[str, Any]
    platform_key: str


def load(path: Path = CSV_PATH) -> list[LabelledAccount]:
    """The rows of the set, in file order (comment lines start with `#`)."""
    with path.open(newline="", encoding="utf-8") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        reader = csv.DictReader(lines)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path.name}: columns {reader.fieldnames}, expected {list(COLUMNS)}")
        return [
            LabelledAccount(
                source=row["source"],
                country=row["country"],
                platform=row["platform"],
                platform_type=row["platform_type"],
                statement_type=row["statement_type"],
                code=row["code"],
                name=row["name"],
                expected=tuple(row["expected_path"].split(".")),
                note=row["note"],
            )
            for row in reader
        ]


def cases(labels: list[LabelledAccount] | None = None) -> list[Case]:
    """Every labelled account with its record. Raises if a Sandbox or fake account has no label, or a label of
    theirs no account: the set must follow their charts."""
    labels = load() if labels is None else labels
    by_key = {label.key: label for label in labels}
    built = [_public_case(label) for label in labels if label.public]
    generated = {label.key for label in labels if not label.public}
    seen: set[tuple[str, str, str]] = set()
    for source, platform_key, account in generated_accounts():
        key = (source, account.get("nominalCode") or "", account["name"])
        if key not in by_key:
            raise LookupError(f"{source} account {key[1]} {key[2]!r} has no label in {CSV_PATH.name}")
        seen.add(key)
        built.append(Case(by_key[key], account, platform_key))
    if stale := generated - seen:
        raise LookupError(f"labels with no account in their generator: {sorted(stale)}")
    return built


def _public_case(label: LabelledAccount) -> Case:
    account_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(label.key)))
    if label.platform == "xero":
        mapped = xero_mapping.account(
            {
                "AccountID": account_id,
                "Code": label.code or None,
                "Name": label.name,
                "Type": label.platform_type,
            }
        )
        assert isinstance(mapped, dict)
        account = mapped
    elif label.platform in UNMAPPED_PLATFORMS:
        category = ".".join(part for part in (label.statement_type, label.platform_type) if part)
        account = {
            "id": account_id,
            "nominalCode": label.code or None,
            "name": label.name,
            "fullyQualifiedCategory": category or "Unknown",
            "fullyQualifiedName": f"{category or 'Unknown'}.{label.name}",
            "type": label.statement_type or "Unknown",
            "status": "Active",
            "isBankAccount": False,
        }
    else:
        raise ValueError(f"{label.source}: no public chart is read through platform {label.platform!r}")
    return Case(label, account, PLATFORM_KEYS[label.platform])


def generated_accounts() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(source, platform key, account record) for the Sandbox's chart and the Xero and QuickBooks fakes'."""
    for account in sandbox_chart():
        yield "sandbox", SANDBOX.info.key, account
    for record in xero_fake.seed_records()["Accounts"]:
        mapped = xero_mapping.account(record)
        if isinstance(mapped, dict):
            yield "fake-xero", XERO_KEY, mapped
    for entity in quickbooks_fake.seed_entities()["Account"]:
        mapped = quickbooks_mapping.account(entity)
        if isinstance(mapped, dict):
            yield "fake-quickbooks", QUICKBOOKS_KEY, mapped


def sandbox_chart() -> list[dict[str, Any]]:
    """The Accounting Sandbox's chart of accounts as a first pull 60 simulated days after linking gets it."""
    linked = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
    request = FetchRequest(
        data_type="chartOfAccounts",
        company_id=uuid.UUID("5e1ab3f0-2c4d-4e6f-8a9b-0c1d2e3f4a5b"),
        connection_id=uuid.UUID("6f2bc401-3d5e-4f70-9bac-1d2e3f4a5b6c"),
        credentials={"scale": 1, "speed": 86_400},  # a simulated day per real second
        linked_at=linked,
        as_of=linked + timedelta(seconds=60),
        since=None,
        sync_from=None,
        months_to_sync=24,
    )

    async def pull() -> list[dict[str, Any]]:
        return [record async for batch in SANDBOX.fetch(request) for record in batch.records]

    return asyncio.run(pull())
