"""The Accounting Sandbox's books: deterministic, coherent, evolving, streamable (pure Python, no server).

Pulls go through `AccountingSandbox.fetch` with constructed `FetchRequest`s; the sandbox's clock runs at one
simulated day per real second, so `at(days)` is the real moment `days` simulated days after linking.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest

from ledgerlink.connectors.base import AuthorizationRejected, DataTypeNotSupported
from ledgerlink.connectors.sandbox import documents
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.connectors.sandbox.books import DAY, AccountingBooks
from ledgerlink.connectors.sandbox.simulation import Window
from tests.support import specs
from tests.support.sandbox_books import apply, check_coherence
from tests.support.sandbox_pulls import (
    COMPANY,
    LINKED,
    OTHER_COMPANY,
    SANDBOX,
    SPEED,
    at,
    collect,
    request,
    snapshot,
)
from tests.support.spec_schemas import response_validator

LIST_TYPES = documents.LIST_TYPES
STATEMENTS = documents.STATEMENT_TYPES
OAS = specs.CODAT


# ------------------------------------------------------------------------------------------------ basics
def test_supported_data_types_and_unsupported() -> None:
    assert set(SANDBOX.info.data_types) == {
        "chartOfAccounts",
        "customers",
        "suppliers",
        "items",
        "taxRates",
        "trackingCategories",
        "invoices",
        "creditNotes",
        "bills",
        "billCreditNotes",
        "billPayments",
        "payments",
        "journalEntries",
        "journals",
        "bankAccounts",
        "bankTransactions",
        "directCosts",
        "directIncomes",
        "transfers",
        "purchaseOrders",  # those written through the API only
        "company",
        "balanceSheet",
        "profitAndLoss",
        "cashFlowStatement",
    }
    for data_type in ("salesOrders", "itemReceipts", "banking-accounts", "nonsense"):
        with pytest.raises(DataTypeNotSupported):
            collect(data_type, at(0))


def test_credentials_scale_and_speed() -> None:
    assert SANDBOX.check_credentials({}) == {"scale": 1, "speed": 1}
    assert SANDBOX.check_credentials({"scale": "3", "speed": 86400}) == {"scale": 3, "speed": 86400}
    assert SANDBOX.check_credentials({"speed": 2.5})["speed"] == 2.5
    assert SANDBOX.check_credentials({"speed": "10"})["speed"] == 10
    assert SANDBOX.check_credentials({"speed": 10_000_000})["speed"] == 10_000_000
    for bad in (
        {"speed": 0},
        {"speed": 0.5},
        {"speed": 10_000_001},
        {"speed": "fast"},
        {"speed": True},
        {"speed": float("nan")},
        {"speed": None},
        {"scale": 0},
        {"scale": 100_001},
        {"scale": 1.5},
    ):
        with pytest.raises(AuthorizationRejected):
            SANDBOX.check_credentials(bad)


def test_time_model() -> None:
    books = AccountingBooks(COMPANY, LINKED, 1, SPEED)
    assert books.start.day == 1 and books.start.tzinfo is not None
    months_back = (LINKED.year * 12 + LINKED.month) - (books.start.year * 12 + books.start.month)
    assert 24 <= months_back <= 36
    # One real second is one simulated day.
    assert books.simulated(LINKED + timedelta(seconds=3)) == LINKED + timedelta(days=3)
    assert books.simulated(LINKED) == LINKED
    # Start months differ between companies (24-36 months back, from the company id).
    starts = {AccountingBooks(uuid.UUID(int=i * 7919 + 1), LINKED).start for i in range(40)}
    assert len(starts) > 5
    # The clock is capped: even at top speed far in the future, nothing breaks.
    fast = AccountingBooks(COMPANY, LINKED, 1, 10_000_000)
    assert fast.simulated_t(LINKED + timedelta(days=3650)) == fast.max_t


def test_deterministic_and_company_specific() -> None:
    for data_type in ("invoices", "journalEntries", "bankTransactions", "customers", "balanceSheet"):
        first, again = collect(data_type, at(3)), collect(data_type, at(3))
        assert first == again
        assert json.dumps(first) == json.dumps(again)  # same order too
        other = collect(data_type, at(3), company=OTHER_COMPANY)
        assert other != first


def test_volume_at_scale_one_is_a_small_business() -> None:
    snap = snapshot(0)
    for data_type in (
        "customers",
        "suppliers",
        "invoices",
        "bills",
        "payments",
        "billPayments",
        "directCosts",
        "bankTransactions",
        "journalEntries",
    ):
        # (The till's takings, refunds and settlements are three journal entries a day at any scale.)
        most = 8_000 if data_type == "journalEntries" else 5_000
        assert 20 <= len(snap[data_type]) <= most, (data_type, len(snap[data_type]))
    assert len(snap["creditNotes"]) >= 1 and len(snap["transfers"]) >= 10
    assert len(snap["company"]) == 1
    total = sum(len(v) for v in snap.values())
    # About a third of them are the till's (its takings, refunds and settlements: several a day, at any
    # scale).
    assert 2_000 <= total <= 14_000


# ------------------------------------------------------------------------------------------------ coherence
@pytest.mark.parametrize(("days", "scale"), [(0, 1), (37.5, 1), (200, 1), (10, 2)])
def test_books_are_coherent(days: float, scale: int) -> None:
    snap = snapshot(days, scale)
    check_coherence(snap)
    statuses = {i["status"] for i in snap["invoices"].values()}
    assert {"Paid", "Submitted", "Void"} <= statuses
    assert {"Paid", "Open"} <= {b["status"] for b in snap["bills"].values()}


def test_statements_window_and_monthly_records() -> None:
    balance_sheets, _ = collect("balanceSheet", at(0), months=5)
    profits, _ = collect("profitAndLoss", at(0), months=5)
    assert [r["id"] for r in balance_sheets] == [r["id"] for r in profits]
    assert len(balance_sheets) == 5 and balance_sheets[-1]["id"] == LINKED.strftime("%Y-%m")
    books = AccountingBooks(COMPANY, LINKED, 1, SPEED)
    everything, _ = collect("balanceSheet", at(0), months=1000)
    assert everything[0]["id"] == books.start.strftime("%Y-%m")  # nothing before the books start
    assert profits[0]["reportBasis"] == "Accrual" and profits[0]["currency"] == "GBP"
    cash, _ = collect("cashFlowStatement", at(0), months=5)
    assert cash[0]["reportInput"] == "Direct"


def test_books_evolve_over_time() -> None:
    early, late = snapshot(0), snapshot(37.5)
    changed = [
        i
        for i, inv in early["invoices"].items()
        if i in late["invoices"] and late["invoices"][i]["status"] != inv["status"]
    ]
    assert changed, "some invoices get paid as time passes"
    assert len(late["journalEntries"]) > len(early["journalEntries"])
    moved = [
        a
        for a in early["bankAccounts"]
        if early["bankAccounts"][a]["balance"] != late["bankAccounts"][a]["balance"]
    ]
    assert moved
    # Customers are edited (email changes) and some get archived.
    customers = snapshot(200)["customers"]
    assert any(c["emailAddress"].startswith("finance@") for c in customers.values())
    assert any(c["status"] == "Archived" for c in customers.values())


# ------------------------------------------------------------------------------------------------ incremental
@pytest.mark.parametrize(("t1", "t2"), [(0, 37.5), (37.5, 37.75), (0, 200)])
def test_incremental_pulls_match_full_pulls(t1: float, t2: float) -> None:
    """A full pull at T1 + an incremental pull (T1, T2] with its deletions applied = the full pull at T2."""
    first_full, second_full = snapshot(t1), snapshot(t2)
    window_start = AccountingBooks(COMPANY, LINKED, 1, SPEED).simulated(at(t1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for data_type in LIST_TYPES:
        before, after = first_full[data_type], second_full[data_type]
        changes, deleted = collect(data_type, at(t2), since=at(t1))
        assert set(deleted) <= set(before), data_type
        assert set(before) - set(after) <= set(deleted), data_type
        assert apply(before, changes, deleted) == after, data_type
        for record in changes:  # only what changed in the window
            assert before.get(record["id"]) != record, (data_type, record["id"])
            if "sourceModifiedDate" in record:
                assert record["sourceModifiedDate"] > window_start, (data_type, record["id"])
    for data_type in STATEMENTS:
        changes, deleted = collect(data_type, at(t2), since=at(t1))
        second = second_full[data_type]
        assert deleted == [] and changes
        assert changes[-1]["id"] == max(second)  # the current month at least
        merged = apply(first_full[data_type], changes, [])
        assert {month: merged[month] for month in second} == second, data_type
    company_changes, _ = collect("company", at(t2), since=at(t1))
    assert company_changes == [first_full["company"]["_"]]


def test_records_created_and_deleted_before_a_pull_never_appear() -> None:
    """Deleted documents: gone from full pulls; reported deleted only to a pull that had seen them."""
    books = AccountingBooks(COMPANY, LINKED, 1, SPEED)
    documents = [
        doc for day in range(books.linked_t // DAY + 1) for doc in books.sales(day) + books.purchases(day)
    ]
    # The first pull falls between the creation and the deletion of the last document deleted before linking.
    victim = max((doc for doc in documents if doc.t_del is not None), key=lambda doc: doc.t_del)
    t1 = ((victim.t0 + victim.t_del) // 2 - books.linked_t) / DAY
    # The second pull is 120 days later, or after the first document created and deleted between the two.
    T1 = books.simulated_t(at(t1))
    created_after = (
        doc
        for day in range(T1 // DAY, books.linked_t // DAY + 400)
        for doc in books.sales(day) + books.purchases(day)
        if doc.t0 > T1 and doc.t_del is not None
    )
    t2 = max(t1 + 120, (next(created_after).t_del - books.linked_t) / DAY + 1)
    T2 = books.simulated_t(at(t2))
    assert victim.t0 <= T1 < victim.t_del
    before_first, seen_then_gone, between = set(), set(), set()
    for day in range(T2 // DAY + 1):
        for doc in books.sales(day) + books.purchases(day):
            if doc.t_del is not None and doc.t_del <= T2:
                if doc.t_del <= T1:
                    before_first.add(doc.id)  # created and deleted before the first pull
                elif doc.t0 <= T1:
                    seen_then_gone.add(doc.id)
                else:
                    between.add(doc.id)  # created and deleted between the pulls
    assert before_first and seen_then_gone and between
    seen_t1 = {r["id"] for dt in ("invoices", "bills") for r in collect(dt, at(t1))[0]}
    changes = {dt: collect(dt, at(t2), since=at(t1)) for dt in ("invoices", "bills")}
    full_t2 = {r["id"] for dt in ("invoices", "bills") for r in collect(dt, at(t2))[0]}
    changed_ids = {r["id"] for records, _ in changes.values() for r in records}
    deleted_ids = {i for _, deleted in changes.values() for i in deleted}
    assert not (before_first & (seen_t1 | changed_ids | deleted_ids | full_t2))
    assert not (between & (seen_t1 | changed_ids | deleted_ids | full_t2))
    assert seen_then_gone <= seen_t1 and seen_then_gone <= deleted_ids and not (seen_then_gone & full_t2)
    # Their journal entries go with them.
    entries = collect("journalEntries", at(t2))[0]
    gone = before_first | seen_then_gone | between
    assert not {e["recordRef"]["id"] for e in entries if "recordRef" in e} & gone


def test_sync_from_limits_transactions() -> None:
    books = AccountingBooks(COMPANY, LINKED, 1, SPEED)
    cutoff = books.start + timedelta(days=400)
    invoices, _ = collect("invoices", at(0), sync_from=cutoff)
    assert invoices and all(i["issueDate"] >= cutoff.strftime("%Y-%m-%d") for i in invoices)
    assert len(invoices) < len(collect("invoices", at(0))[0])


# ------------------------------------------------------------------------------------------------ schemas
SCHEMA_PATHS = {
    "chartOfAccounts": ("Codat-Lending.yaml", "/companies/{companyId}/data/accounts"),
    "items": ("Codat-Accounting-2023-04.yaml", "/companies/{companyId}/data/items"),
    "taxRates": ("Codat-Accounting-2023-04.yaml", "/companies/{companyId}/data/taxRates"),
    "trackingCategories": ("Codat-Accounting-2023-04.yaml", "/companies/{companyId}/data/trackingCategories"),
    "bankTransactions": (
        "Codat-Lending.yaml",
        "/companies/{companyId}/connections/{connectionId}/data/bankAccounts/{accountId}/bankTransactions",
    ),
    **{
        key: ("Codat-Lending.yaml", f"/companies/{{companyId}}/data/{key}")
        for key in (
            "customers",
            "suppliers",
            "invoices",
            "creditNotes",
            "bills",
            "billCreditNotes",
            "billPayments",
            "payments",
            "journalEntries",
            "journals",
        )
    },
    **{
        key: ("Codat-Lending.yaml", f"/companies/{{companyId}}/connections/{{connectionId}}/data/{key}")
        for key in ("bankAccounts", "directCosts", "directIncomes", "transfers")
    },
}


ENVELOPE = (
    "id",
    "currency",
    "reportBasis",
    "reportInput",
)  # a monthly statement record's keys beyond a report
STATEMENT_ENVELOPES = {
    "balanceSheet": {"currency": "GBP"},
    "profitAndLoss": {"reportBasis": "Accrual", "currency": "GBP"},
    "cashFlowStatement": {"reportBasis": "Cash", "reportInput": "Direct", "currency": "GBP"},
}


def assert_valid(validator: Any, document: Any, what: Any) -> None:
    errors = [str(e) for e in validator.iter_errors(document)]
    assert not errors, (what, errors[:3])


def test_records_validate_against_codat_schemas() -> None:
    """Every record validates against Codat's schema: its list endpoint's `results` item in the specs."""
    snap = snapshot(37.5)
    for data_type, (spec_name, path) in SCHEMA_PATHS.items():
        validator = response_validator(spec_name, path)
        assert snap[data_type], data_type
        for record in snap[data_type].values():
            assert_valid(validator, record, (data_type, record.get("id")))
    company = response_validator("Codat-Lending.yaml", "/companies/{companyId}/data/info", results=False)
    assert_valid(company, snap["company"]["_"], "company")
    for data_type, envelope in STATEMENT_ENVELOPES.items():
        path = f"/companies/{{companyId}}/data/financials/{data_type}"
        reports = [{k: v for k, v in r.items() if k not in ENVELOPE} for r in snap[data_type].values()]
        assert_valid(
            response_validator("Codat-Lending.yaml", path, results=False),
            {**envelope, "reports": reports},
            data_type,
        )


def test_records_validate_against_the_registry_schemas() -> None:
    """... and against ledgerlink's own record schemas (`records/schemas/<key>.json`), where they exist."""
    import jsonschema_rs

    from ledgerlink.data import statements
    from ledgerlink.records import fields

    snap = snapshot(37.5)
    checked = 0
    for data_type in documents.DATA_TYPES:
        if not (fields.SCHEMAS / f"{data_type}.json").is_file():
            continue
        validator = jsonschema_rs.validator_for(fields.record_schema(data_type))
        for record in snap[data_type].values():
            document = (
                {k: v for k, v in record.items() if k not in ENVELOPE} if data_type in STATEMENTS else record
            )
            assert_valid(validator, document, (data_type, record.get("id")))
        checked += 1
        response = fields.response_schema(data_type)
        if response is not None:  # the statement as the read API assembles it from the monthly records
            document = statements.assemble(data_type, list(snap[data_type].values()), 3, 4, None)
            assert_valid(jsonschema_rs.validator_for(response), document, data_type)
    assert checked == len(AccountingSandbox.info.data_types), "every type the Sandbox provides has a schema"


# ------------------------------------------------------------------------------------------------ volume
def test_batches_and_throughput() -> None:
    books = AccountingBooks(COMPANY, LINKED, 5, SPEED)
    T = books.simulated_t(at(0))
    rates = {}
    for data_type in ("journalEntries", "payments", "bankTransactions", "invoices", "customers"):
        start = time.perf_counter()
        count = sum(1 for item in documents.pull(books, data_type, Window(T)) if item is not None)
        elapsed = time.perf_counter() - start
        rates[data_type] = count / elapsed
    print(
        "\nsandbox generation rate (records/s, scale 5): "
        + ", ".join(f"{k} {v:,.0f}" for k, v in rates.items())
    )
    sizes = []

    async def batches() -> None:
        async for batch in SANDBOX.fetch(request("journalEntries", at(0), scale=3)):
            sizes.append(len(batch.records))

    asyncio.run(batches())
    assert max(sizes) <= 5_000 and min(sizes[:-1]) >= 1_000


def test_memory_stays_flat_while_streaming() -> None:
    """In a fresh process, streaming ~200k journal entries takes barely more memory than a small pull."""
    script = """
import asyncio, resource, uuid
from datetime import datetime, timedelta, UTC
from ledgerlink.connectors.base import FetchRequest
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
linked = datetime(2024, 6, 15, 12, tzinfo=UTC)
def pull(scale, years):
    credentials = {"scale": scale, "speed": 86400}
    req = FetchRequest("journalEntries", uuid.UUID(int=12345), uuid.UUID(int=1), credentials,
                       linked, linked + timedelta(seconds=365 * years), None)
    async def main():
        n = 0
        async for batch in AccountingSandbox().fetch(req):
            n += len(batch.records)  # a consumer that keeps nothing
        return n
    n = asyncio.run(main())
    return n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(*pull(1, 0), *pull(45, 5))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    small_records, small_peak, big_records, big_peak = map(int, out)  # peaks: RSS in KiB
    assert big_records > 180_000 > small_records
    assert big_peak - small_peak < 30 * 1024, (small_peak, big_peak)
