"""The Sandboxes' records, byte for byte: a digest per (case, data type) against `tests/golden/sandbox.json`.

Every Sandbox recomputes its books from the company id, so the same request yields the same records forever;
this test pins them, so a refactor of the generators (or of the clock they share) cannot change a record
unnoticed. Each case pulls every data type in-process (no server: the connector's `records()` iterator) and
hashes the records and deleted ids it yields, in order, as canonical JSON (sorted keys); ticks are left out.

The cases cover the three Sandboxes (accounting, banking, commerce), scale 1 and a larger scale, a clock
running faster than real time, full and incremental pulls, `syncFrom`, the statements' months, and (for the
Accounting Sandbox) records written through the API joining the books.

A deliberate change to what a Sandbox generates regenerates the file:

    python -m tests.test_sandbox_golden --update

and the commit that does so says why the records changed.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledgerlink.connectors.base import FetchRequest, PlatformRecord
from ledgerlink.connectors.sandbox import writes
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.connectors.sandbox.banking import BankingSandbox
from ledgerlink.connectors.sandbox.books import AC, AccountingBooks
from ledgerlink.connectors.sandbox.commerce import CommerceSandbox
from ledgerlink.connectors.sandbox.simulation import DAY, SimulatedSandbox
from ledgerlink.records.registry import Operation

GOLDEN = Path(__file__).parent / "golden" / "sandbox.json"
COMPANIES = (
    uuid.UUID("3f2b8c1e-9a4d-4e2b-8c7f-1a2b3c4d5e6f"),
    uuid.UUID("9c0d7a55-1e2f-4b3c-8d4e-5f6a7b8c9d0e"),
    uuid.UUID("00000000-0000-4000-8000-000000000001"),
)
CONNECTION = uuid.UUID("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
LINKED = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
FAST = 86_400  # one simulated day per real second
SANDBOXES: dict[str, SimulatedSandbox] = {
    "accounting": AccountingSandbox(),
    "banking": BankingSandbox(),
    "commerce": CommerceSandbox(),
}


class Case:
    """One pull of every data type of one Sandbox, as one connection would ask for it."""

    def __init__(
        self,
        sandbox: str,
        company: uuid.UUID,
        *,
        scale: int = 1,
        speed: float = FAST,
        days: float = 30,
        since_days: float | None = None,
        sync_from: datetime | None = None,
        months: int = 24,
        written: bool = False,
    ) -> None:
        self.sandbox = sandbox
        self.company = company
        self.scale = scale
        self.speed = speed
        self.as_of = self.real(days)
        self.since = None if since_days is None else self.real(since_days)
        self.sync_from = sync_from
        self.months = months
        self.written = written
        parts = [sandbox, str(company)[:8], f"scale{scale}", f"speed{speed:g}", f"day{days:g}"]
        if since_days is not None:
            parts.append(f"since{since_days:g}")
        if sync_from is not None:
            parts.append(f"from{sync_from.date().isoformat()}")
        if months != 24:
            parts.append(f"months{months}")
        if written:
            parts.append("written")
        self.name = "-".join(parts)

    def real(self, days: float) -> datetime:
        """The real moment at which the Sandbox's clock shows `days` simulated days after linking."""
        return LINKED + timedelta(seconds=days * DAY / self.speed)

    def request(self, data_type: str) -> FetchRequest:
        return FetchRequest(
            data_type=data_type,
            company_id=self.company,
            connection_id=CONNECTION,
            credentials={"scale": self.scale, "speed": self.speed},
            linked_at=LINKED,
            as_of=self.as_of,
            since=self.since,
            sync_from=self.sync_from,
            months_to_sync=self.months,
        )

    def items(self, data_type: str) -> Iterator[dict[str, Any] | str | None]:
        connector = SANDBOXES[self.sandbox]
        request = self.request(data_type)
        if isinstance(connector, AccountingSandbox):
            return connector.records(request, written_records(self) if self.written else None)
        return connector.records(request)

    def digests(self) -> dict[str, str]:
        return {
            data_type: digest(self.items(data_type)) for data_type in SANDBOXES[self.sandbox].info.data_types
        }


def written_records(case: Case) -> list[PlatformRecord]:
    """A supplier, two journal entries, an invoice and a payment of it, written at fixed moments before the
    pull (kept as the platform store keeps them), so the golden books include what writes add."""
    books = AccountingBooks(case.company, LINKED, case.scale, case.speed)
    kept: list[PlatformRecord] = []
    moment = case.real(10)

    def add(data_type: str, record: dict[str, Any]) -> dict[str, Any]:
        nonlocal moment
        moment += timedelta(seconds=1)
        key = f"golden-{len(kept)}"
        books.written = writes.Written(books, kept)
        record_id, shaped, _ = writes.write(
            books, books.written, Operation.CREATE, data_type, record, key, books.simulated_t(moment)
        )
        kept.append(PlatformRecord(data_type, record_id, key, moment, shaped))
        return shaped

    today = books.simulated(moment).date().isoformat()

    def account(key: str) -> dict[str, str]:
        return {"id": books.account_ids[AC[key]]}

    add(
        "suppliers",
        {
            "supplierName": "Written Supplies Ltd",
            "addresses": [{"type": "Billing", "line1": "1 High Street", "city": "Leeds"}],
        },
    )
    for debit, credit, amount in (
        ("office", "sales_services", 250.25),
        ("bank_current", "sundry_income", 40),
    ):
        add(
            "journalEntries",
            {
                "postedOn": today,
                "description": "Written through the API",
                "journalLines": [
                    {"netAmount": amount, "accountRef": account(debit)},
                    {"netAmount": -amount, "accountRef": account(credit)},
                ],
            },
        )
    customer = {"id": books.contact_id(0, False)}
    sold = add(
        "invoices",
        {
            "customerRef": customer,
            "issueDate": today,
            "lineItems": [
                {
                    "description": "Consulting",
                    "unitAmount": 100,
                    "quantity": 3,
                    "accountRef": account("sales_services"),
                    "taxRateRef": {"id": books.tax_ids[0]},
                    "itemRef": {"id": books.items[0].id},
                },
                {"description": "Delivery", "unitAmount": 12.5, "accountRef": account("sundry_income")},
            ],
        },
    )
    add(
        "payments",
        {
            "customerRef": customer,
            "accountRef": account("bank_current"),
            "date": today,
            "totalAmount": 100,
            "lines": [{"amount": 100, "links": [{"type": "Invoice", "id": sold["id"], "amount": -100}]}],
        },
    )
    return kept


def digest(items: Iterable[dict[str, Any] | str | None]) -> str:
    """sha256 of the records and deleted ids in order, one canonical JSON text per line (ticks left out)."""
    hashed = hashlib.sha256()
    for item in items:
        if item is not None:
            hashed.update(json.dumps(item, sort_keys=True, separators=(",", ":")).encode())
            hashed.update(b"\n")
    return hashed.hexdigest()


def cases() -> list[Case]:
    first, second, third = COMPANIES
    out: list[Case] = []
    for sandbox in SANDBOXES:
        out += [
            Case(sandbox, first),
            Case(sandbox, second, days=45, since_days=20),
            Case(sandbox, third, speed=1, days=0.5),
            Case(sandbox, first, scale=7, days=3, since_days=1),
            Case(sandbox, second, sync_from=LINKED - timedelta(days=200)),
        ]
    out += [
        Case("accounting", third, months=60, days=400),
        Case("accounting", first, written=True),
        Case("accounting", first, written=True, days=30, since_days=10),
    ]
    return out


CASES = cases()


def load() -> dict[str, dict[str, str]]:
    return json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_records_are_byte_identical(case: Case) -> None:
    expected = load().get(case.name)
    assert expected is not None, (
        f"no golden digests for {case.name}: run python -m tests.test_sandbox_golden --update"
    )
    assert case.digests() == expected


def test_golden_file_has_no_stale_cases() -> None:
    assert sorted(load()) == sorted(case.name for case in CASES)


def update() -> None:
    GOLDEN.parent.mkdir(exist_ok=True)
    golden = {case.name: case.digests() for case in CASES}
    GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(golden)} cases to {GOLDEN}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.test_sandbox_golden --update")
    update()
