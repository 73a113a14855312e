"""The Banking Sandbox (`qhnd`) and the Commerce Sandbox (`aiwb`): pure Python, no server.

Determinism, Codat's record schemas, every coherence rule at several moments and scales, incremental pulls
(full at T1 + changes in (T1, T2] == full at T2), flat memory while streaming, and generation speed.
"""

from __future__ import annotations

import asyncio
import math
import sys
import time
import tracemalloc
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import pairwise
from typing import Any

import jsonschema_rs
import pytest

from ledgerlink.connectors import registry
from ledgerlink.connectors.base import AuthorizationRejected, DataTypeNotSupported, FetchRequest
from ledgerlink.connectors.sandbox import banking, commerce
from ledgerlink.connectors.sandbox.banking import BankingSandbox
from ledgerlink.connectors.sandbox.commerce import CommerceSandbox
from ledgerlink.connectors.sandbox.simulation import BATCH_SIZE, DAY, Clock
from tests.support import specs

COMPANY = uuid.UUID("3b0e7c1a-58d2-4f0e-9a43-2c6f7d1b9e55")
OTHER = uuid.UUID("9d41f0b2-1c7e-4a55-8f20-6e3ab4c5d7f8")
LINKED = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
BANK, SHOP = BankingSandbox(), CommerceSandbox()
SPEC_DIR = specs.CODAT


def fetch_request(
    connector,
    data_type: str,
    as_of: datetime,
    *,
    since: datetime | None = None,
    scale: int = 1,
    speed: float = 1,
    company: uuid.UUID = COMPANY,
    sync_from: datetime | None = None,
) -> FetchRequest:
    return FetchRequest(
        data_type=data_type,
        company_id=company,
        connection_id=uuid.uuid4(),
        credentials=connector.check_credentials({"scale": scale, "speed": speed}),
        linked_at=LINKED,
        as_of=as_of,
        since=since,
        sync_from=sync_from,
    )


def pull(connector, data_type: str, as_of: datetime, **kwargs: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """One pull through the async `fetch`, as the sync runner drives it."""

    async def run() -> tuple[list[dict[str, Any]], list[str]]:
        records: list[dict[str, Any]] = []
        deleted: list[str] = []
        async for batch in connector.fetch(fetch_request(connector, data_type, as_of, **kwargs)):
            assert len(batch.records) + len(batch.deleted_ids) <= BATCH_SIZE
            records.extend(batch.records)
            deleted.extend(batch.deleted_ids)
        return records, deleted

    return asyncio.run(run())


_FULL: dict[tuple, list[dict[str, Any]]] = {}


def full(connector, data_type: str, as_of: datetime, **kwargs: Any) -> list[dict[str, Any]]:
    """A full pull (remembered: several tests look at the same moments; nothing mutates the records)."""
    key = (connector.info.key, data_type, as_of, tuple(sorted({"scale": 1, "speed": 1, **kwargs}.items())))
    if key not in _FULL:
        records, deleted = pull(connector, data_type, as_of, **kwargs)
        assert deleted == []
        _FULL[key] = records
    return _FULL[key]


def key_of(data_type: str, record: dict[str, Any]) -> Any:
    if data_type == "banking-accountBalances":
        return record["accountId"], record["date"]
    if data_type == "commerce-companyInfo":
        return "_"
    return record["id"]


def cents(value: float) -> int:
    return round(value * 100)


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {r["id"]: r for r in records}
    assert len(found) == len(records), "duplicate ids"
    return found


# ---------------------------------------------------------------------------------------------------- schemas
def _deref(node: Any, spec: dict[str, Any], depth: int = 0) -> Any:
    if depth > 40:
        return {}
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return _deref(target, spec, depth + 1)
        return {k: _deref(v, spec, depth + 1) for k, v in node.items() if k not in ("examples", "example")}
    if isinstance(node, list):
        return [_deref(v, spec, depth + 1) for v in node]
    return node


@cache
def _codat_spec_schema(data_type: str) -> dict[str, Any]:
    """Fallback when `records/schemas/` is absent: the list endpoint's `results` items from Codat's specs."""
    import yaml

    path = registry_path(data_type)
    for name in ("Codat-Lending.yaml", "Codat-Banking.yaml", "Codat-Commerce.yaml"):
        spec = yaml.safe_load((SPEC_DIR / name).read_text())
        for url, item in spec["paths"].items():
            if url.endswith(f"/data/{path}"):
                response = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
                schema = _deref(response, spec)
                if "results" in schema.get("properties", {}):
                    return schema["properties"]["results"]["items"]
                return schema
    raise LookupError(data_type)


def registry_path(data_type: str) -> str:
    from ledgerlink.records.registry import BY_KEY

    return BY_KEY[data_type].path


@cache
def validator(data_type: str):
    try:
        from ledgerlink.records import fields

        schema = fields.record_schema(data_type)
    except (FileNotFoundError, ImportError):
        schema = _codat_spec_schema(data_type)
    return jsonschema_rs.validator_for(schema)


# ------------------------------------------------------------------------------------------------------- info
def test_connector_info_and_registration() -> None:
    assert registry.get("qhnd") is not None and registry.get("aiwb") is not None
    assert isinstance(registry.get("qhnd"), BankingSandbox)
    assert isinstance(registry.get("aiwb"), CommerceSandbox)
    assert registry.get("mqjo") is not None
    bank, shop = BANK.info, SHOP.info
    assert (bank.key, bank.name, bank.source_type.value) == ("qhnd", "Banking Sandbox", "Banking")
    assert (shop.key, shop.name, shop.source_type.value) == ("aiwb", "Commerce Sandbox", "Commerce")
    assert set(bank.data_types) == {
        "banking-accounts",
        "banking-accountBalances",
        "banking-transactions",
        "banking-transactionCategories",
    }
    assert set(shop.data_types) == {
        "commerce-companyInfo",
        "commerce-customers",
        "commerce-locations",
        "commerce-orders",
        "commerce-payments",
        "commerce-paymentMethods",
        "commerce-products",
        "commerce-productCategories",
        "commerce-transactions",
        "commerce-disputes",
        "commerce-taxComponents",
    }
    for info in (bank, shop):
        assert info.data_provided_by == "ledgerlink" and info.accepts_credentials
    brandings = {(c.info.branding.mark, c.info.branding.background) for c in registry.CONNECTORS.values()}
    assert len(brandings) == len(registry.CONNECTORS)


@pytest.mark.parametrize("connector", [BANK, SHOP], ids=["banking", "commerce"])
def test_credentials(connector) -> None:
    assert connector.check_credentials({}) == {"scale": 1, "speed": 1}
    assert connector.check_credentials({"scale": "250", "speed": "86400", "x": 1}) == {
        "scale": 250,
        "speed": 86400,
        "x": 1,
    }
    assert connector.check_credentials({"scale": 100_000, "speed": 10_000_000.0})["speed"] == 10_000_000
    assert connector.check_credentials({"speed": 1.5})["speed"] == 1.5
    for bad in (
        {"scale": 0},
        {"scale": 100_001},
        {"scale": "ten"},
        {"scale": 2.5},
        {"scale": True},
        {"speed": 0.5},
        {"speed": 10_000_001},
        {"speed": "fast"},
        {"speed": math.nan},
        {"speed": math.inf},
        {"speed": False},
    ):
        with pytest.raises(AuthorizationRejected):
            connector.check_credentials(bad)


def test_unsupported_data_types() -> None:
    for connector, data_type in ((BANK, "invoices"), (BANK, "commerce-orders"), (SHOP, "banking-accounts")):
        with pytest.raises(DataTypeNotSupported):
            pull(connector, data_type, LINKED)


# ------------------------------------------------------------------------------------------------ determinism
def test_history_start_and_clock() -> None:
    months = set()
    for i in range(60):
        clock = Clock(uuid.UUID(int=i * 7919 + 1), LINKED)
        assert clock.start.day == 1 and clock.start.hour == 0
        months.add((LINKED.year - clock.start.year) * 12 + LINKED.month - clock.start.month)
        assert clock.simulated(LINKED) == LINKED.replace(second=0)
    assert months <= set(range(24, 37)) and len(months) > 8
    clock = Clock(COMPANY, LINKED, speed=86_400)
    assert clock.simulated(LINKED + timedelta(seconds=3)) == LINKED + timedelta(days=3)
    assert clock.simulated(LINKED - timedelta(seconds=2)) == LINKED - timedelta(days=2)
    # Both sandboxes of a company share its calendar.
    bank_start = banking.books_for(COMPANY, LINKED, 1, 1.0).clock.start
    assert bank_start == commerce.shop_for(COMPANY, LINKED, 1, 1.0).clock.start


def test_deterministic() -> None:
    first = {dt: full(c, dt, LINKED) for c in (BANK, SHOP) for dt in c.info.data_types}
    banking.books_for.cache_clear()
    commerce.shop_for.cache_clear()
    again = {dt: pull(c, dt, LINKED)[0] for c in (BANK, SHOP) for dt in c.info.data_types}
    assert first == again
    other = pull(SHOP, "commerce-orders", LINKED, company=OTHER)[0]
    assert {r["id"] for r in other}.isdisjoint({r["id"] for r in first["commerce-orders"]})
    assert pull(BANK, "banking-transactions", LINKED, company=OTHER)[0] != first["banking-transactions"]


# ---------------------------------------------------------------------------------------------------- schemas
@pytest.mark.parametrize("connector", [BANK, SHOP], ids=["banking", "commerce"])
def test_records_match_codat_schemas(connector) -> None:
    as_of = LINKED + timedelta(hours=2)
    for data_type in connector.info.data_types:
        records = full(connector, data_type, as_of, speed=3600)
        assert records, data_type
        check = validator(data_type)
        for record in records:
            errors = [str(e) for e in check.iter_errors(record)]
            assert not errors, (data_type, record, errors[:3])
            assert "modifiedDate" not in record
        if data_type == "commerce-companyInfo":
            assert len(records) == 1


# ---------------------------------------------------------------------------------------------------- banking
MOMENTS = [
    pytest.param(1, 1, LINKED, id="scale1-at-link"),
    pytest.param(1, 86_400, LINKED + timedelta(seconds=45), id="scale1-45-days-on"),
    pytest.param(4, 86_400, LINKED - timedelta(seconds=400), id="scale4-400-days-before-link"),
    pytest.param(2, 86_400 * 30, LINKED + timedelta(seconds=3), id="scale2-3-months-on"),
]


@pytest.mark.parametrize(("scale", "speed", "as_of"), MOMENTS)
def test_banking_coherence(scale: int, speed: float, as_of: datetime) -> None:
    kwargs = {"scale": scale, "speed": speed}
    T = BANK.model_for(fetch_request(BANK, "banking-accounts", as_of, **kwargs)).clock.simulated(as_of)
    T_iso = T.strftime("%Y-%m-%dT%H:%M:%SZ")
    accounts = by_id(full(BANK, "banking-accounts", as_of, **kwargs))
    categories = by_id(full(BANK, "banking-transactionCategories", as_of, **kwargs))
    transactions = by_id(full(BANK, "banking-transactions", as_of, **kwargs))
    balances = full(BANK, "banking-accountBalances", as_of, **kwargs)
    books = BANK.model_for(fetch_request(BANK, "banking-accounts", as_of, **kwargs))
    assert len(accounts) >= 2 and len(transactions) > 100 * scale

    for category in categories.values():
        assert category["parentId"] is None or category["parentId"] in categories
        assert category["hasChildren"] == any(c["parentId"] == category["id"] for c in categories.values())

    posted: dict[str, list[tuple[str, int]]] = defaultdict(list)
    pending: Counter[str] = Counter()
    for txn in transactions.values():
        account = accounts[txn["accountId"]]
        assert txn["currency"] == account["currency"]
        ref = txn["transactionCategoryRef"]
        assert ref["id"] in categories and ref["name"] == categories[ref["id"]]["name"]
        assert txn["authorizedDate"] <= T_iso and txn["sourceModifiedDate"] <= T_iso
        if "postedDate" in txn:
            assert txn["authorizedDate"] <= txn["postedDate"] == txn["sourceModifiedDate"]
            posted[txn["accountId"]].append((txn["postedDate"], cents(txn["amount"])))
        else:
            pending[txn["accountId"]] += cents(txn["amount"])

    per_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in balances:
        per_account[record["accountId"]].append(record)
    last_day = (T - timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
    for account_id, account in accounts.items():
        opening = books.opening_balance(account_id)
        postings = sorted(posted[account_id])
        current = cents(account["balance"]["current"])
        assert current == opening + sum(p for _, p in postings)
        assert cents(account["balance"]["available"]) == current + pending[account_id]
        # One closing balance per day from the opening day to yesterday, consistent with the postings.
        days = sorted(per_account[account_id], key=lambda r: r["date"])
        assert days and days[-1]["date"] == last_day
        dates = [datetime.fromisoformat(r["date"].replace("Z", "+00:00")) for r in days]
        assert all(b - a == timedelta(days=1) for a, b in pairwise(dates))
        i, running = 0, opening
        for record, date in zip(days, dates, strict=True):
            end = (date + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            while i < len(postings) and postings[i][0] < end:
                running += postings[i][1]
                i += 1
            assert cents(record["balance"]["current"]) == running, (account_id, record["date"])
            assert record["sourceModifiedDate"] == end
            assert record["balance"].get("limit") == account["balance"].get("limit")
        assert running + sum(p for _, p in postings[i:]) == current
        assert account["sourceModifiedDate"] == max(
            [t["sourceModifiedDate"] for t in transactions.values() if t["accountId"] == account_id]
            + [account["sourceModifiedDate"]]
        )


# --------------------------------------------------------------------------------------------------- commerce
@pytest.mark.parametrize(("scale", "speed", "as_of"), MOMENTS)
def test_commerce_coherence(scale: int, speed: float, as_of: datetime) -> None:
    kwargs = {"scale": scale, "speed": speed}
    pulled = {data_type: full(SHOP, data_type, as_of, **kwargs) for data_type in SHOP.info.data_types}
    (info,) = pulled["commerce-companyInfo"]
    customers = by_id(pulled["commerce-customers"])
    locations = by_id(pulled["commerce-locations"])
    orders = by_id(pulled["commerce-orders"])
    payments = by_id(pulled["commerce-payments"])
    methods = by_id(pulled["commerce-paymentMethods"])
    products = by_id(pulled["commerce-products"])
    categories = by_id(pulled["commerce-productCategories"])
    transactions = by_id(pulled["commerce-transactions"])
    disputes = by_id(pulled["commerce-disputes"])
    taxes = by_id(pulled["commerce-taxComponents"])
    assert len(orders) > 100 * scale and transactions and disputes

    category_names = {c["name"] for c in categories.values()}
    for category in categories.values():
        assert all(a["id"] in categories for a in category["ancestorRefs"])
    variants = {}
    for product in products.values():
        assert product["categorization"] in category_names
        assert all(ref["id"] in categories for ref in product["productCategoryRefs"])
        variants.update({v["id"]: product["id"] for v in product["variants"]})
    for payment in payments.values():
        assert payment["paymentMethodRef"]["id"] in methods

    order_payments: dict[str, str] = {}
    refunded: Counter[str] = Counter()
    for order in orders.values():
        if "customerRef" in order:
            customer = customers[order["customerRef"]["id"]]
            assert order["customerRef"]["name"] == customer["customerName"]
            assert customer["createdDate"] <= order["createdDate"]
        assert order["locationRef"]["id"] in locations
        lines = order["orderLineItems"]
        for line in lines:
            assert cents(line["totalAmount"]) == line["quantity"] * cents(line["unitPrice"]) + cents(
                line["totalTaxAmount"]
            )
            assert line["taxes"][0]["taxComponentRef"]["id"] in taxes
            component = taxes[line["taxes"][0]["taxComponentRef"]["id"]]
            assert line["taxPercentage"] == round(component["rate"] * 100)
            assert variants[line["productVariantRef"]["id"]] == line["productRef"]["id"]
        assert cents(order["totalAmount"]) == sum(cents(line["totalAmount"]) for line in lines)
        assert cents(order["totalTaxAmount"]) == sum(cents(line["totalTaxAmount"]) for line in lines)
        refund_lines = [line for line in lines if line["quantity"] < 0]
        assert cents(order["totalRefund"]) == sum(cents(line["totalAmount"]) for line in refund_lines)
        paid = 0
        for embedded in order["payments"]:
            payment = payments[embedded["id"]]
            assert cents(payment["amount"]) == cents(embedded["amount"])
            assert payment["status"] == embedded["status"]
            order_payments[embedded["id"]] = order["id"]
            paid += cents(embedded["amount"])
        assert paid + cents(order["totalRefund"]) == cents(order["totalAmount"])
    assert set(order_payments) == set(payments)
    assert any(o["totalRefund"] < 0 for o in orders.values())

    payment_txns: Counter[str] = Counter()
    lost = set()
    by_day: Counter[str] = Counter()
    payouts = []
    for txn in transactions.values():
        source = txn.get("transactionSourceRef")
        if txn["type"] == "Payout":
            assert source is None
            payouts.append(txn)
            continue
        by_day[txn["createdDate"][:10]] += cents(txn["totalAmount"])
        if source["type"] == "Payment":
            payment = payments[source["id"]]
            assert payment["status"] == "Paid"
            if txn["type"] == "Payment":
                assert cents(txn["totalAmount"]) == cents(payment["amount"])
                payment_txns[source["id"]] += 1
            elif txn["subType"] == "Chargeback":
                lost.add(source["id"])
                assert cents(txn["totalAmount"]) == -cents(payment["amount"])
            else:
                assert txn["type"] in ("PaymentFee", "PaymentFeeRefund")
        else:
            assert source["type"] == "Order" and txn["type"] == "Refund"
            refunded[source["id"]] += cents(txn["totalAmount"])
    assert payment_txns == Counter({p: 1 for p, r in payments.items() if r["status"] == "Paid"})
    assert refunded == Counter({o: cents(r["totalRefund"]) for o, r in orders.items() if r["totalRefund"]})
    # A payout at 06:00 settles the previous day's transactions.
    for payout in payouts:
        assert payout["createdDate"][11:] == "06:00:00Z"
        day = (datetime.fromisoformat(payout["createdDate"][:10]) - timedelta(days=1)).date().isoformat()
        assert cents(payout["totalAmount"]) == -by_day[day]
    (balance,) = info["accountBalances"]
    assert sum(cents(t["totalAmount"]) for t in transactions.values()) == cents(balance["available"]) + cents(
        balance["pending"]
    )
    for dispute in disputes.values():
        (disputed,) = dispute["disputedTransactions"]
        assert disputed["type"] == "Payment"
        assert cents(dispute["totalAmount"]) == cents(payments[disputed["id"]]["amount"])
        assert (dispute["status"] == "Lost") == (disputed["id"] in lost)
    assert len(lost) == sum(1 for d in disputes.values() if d["status"] == "Lost")


# ------------------------------------------------------------------------------------------------ incremental
WINDOWS = [
    pytest.param(
        86_400, LINKED - timedelta(seconds=300), LINKED - timedelta(seconds=200), id="100-days-in-history"
    ),
    pytest.param(86_400, LINKED, LINKED + timedelta(seconds=40), id="40-days-after-link"),
    pytest.param(1, LINKED, LINKED + timedelta(hours=20), id="20-hours-real-time"),
]


@pytest.mark.parametrize(("speed", "t1", "t2"), WINDOWS)
def test_incremental_equals_full(speed: float, t1: datetime, t2: datetime) -> None:
    deletions = Counter()
    for connector in (BANK, SHOP):
        S = connector.model_for(fetch_request(connector, connector.info.data_types[0], t1, speed=speed)).clock
        S_iso = S.simulated(t1).strftime("%Y-%m-%dT%H:%M:%SZ")
        for data_type in connector.info.data_types:
            state = {key_of(data_type, r): r for r in full(connector, data_type, t1, speed=speed)}
            changed, deleted = pull(connector, data_type, t2, since=t1, speed=speed)
            for record in changed:
                modified = record.get("sourceModifiedDate") or max(
                    v["sourceModifiedDate"] for v in record["variants"]
                )
                assert modified > S_iso, (data_type, record)
                state[key_of(data_type, record)] = record
            for record_id in deleted:
                assert record_id in state, (data_type, record_id)
                del state[record_id]
                deletions[data_type] += 1
            expected = {key_of(data_type, r): r for r in full(connector, data_type, t2, speed=speed)}
            assert state == expected, data_type
    if speed > 1:
        assert deletions["commerce-customers"] > 0


def test_dropped_card_payment_is_reported_deleted() -> None:
    """A pending card payment dropped between two pulls: seen by the first, a deleted id in the second."""
    books = banking.books_for(COMPANY, LINKED, 1, 1.0)
    # (Card payments are the books' (`bankfeed`): a lapsed one comes every few months at scale 1.)
    start = books.clock.linked_t // DAY - 400
    rid, ta, tdel = next(
        (s[0], s[2], s[4]) for _d, specs in books.days(start, start + 400) for s in specs or () if s[4]
    )
    at = books.clock.moment
    first = {r["id"]: r for r in full(BANK, "banking-transactions", at(ta + 60))}
    assert "postedDate" not in first[rid]
    changed, deleted = pull(BANK, "banking-transactions", at(tdel + 60), since=at(ta + 60))
    assert rid in deleted and rid not in {r["id"] for r in changed}
    assert rid not in {r["id"] for r in full(BANK, "banking-transactions", at(tdel + 60))}
    # Its account's available balance counted it while pending, and no longer does once it is dropped.
    account = first[rid]["accountId"]
    before = next(a for a in full(BANK, "banking-accounts", at(tdel - 1)) if a["id"] == account)["balance"]
    after = next(a for a in full(BANK, "banking-accounts", at(tdel)) if a["id"] == account)["balance"]
    assert cents(after["available"]) - cents(before["available"]) == -cents(first[rid]["amount"])
    assert after["current"] == before["current"]


def test_abandoned_order_fails_then_is_deleted() -> None:
    shop = commerce.shop_for(COMPANY, LINKED, 1, 1.0)
    start = shop.clock.linked_t // DAY - 150
    order = next(o for d in range(start, start + 150) for o in shop.orders(d) if o.t_del is not None)
    (payment_id, *_), at = order.pays[0], shop.clock.moment
    # (Incremental pulls around the order's events: cheap, they only generate the days within the horizon.)
    first = by_id(pull(SHOP, "commerce-orders", at(order.t + 60), since=at(order.t - 1))[0])
    assert first[order.id]["payments"][0]["status"] == "Pending"
    payments = by_id(pull(SHOP, "commerce-payments", at(order.t + 60), since=at(order.t - 1))[0])
    assert payments[payment_id]["status"] == "Pending"
    changed, deleted = pull(SHOP, "commerce-orders", at(order.t_fail + 60), since=at(order.t + 60))
    failed = by_id(changed)[order.id]
    assert failed["payments"][0]["status"] == "Failed" and deleted == []
    assert failed["sourceModifiedDate"] == shop.clock.ts(order.t_fail)
    for data_type, record_id in (("commerce-orders", order.id), ("commerce-payments", payment_id)):
        changed, deleted = pull(SHOP, data_type, at(order.t_del + 60), since=at(order.t_fail + 60))
        assert record_id in deleted and record_id not in {r["id"] for r in changed}
    # No money moved: no transaction references the order or its payment.
    transactions, _ = pull(SHOP, "commerce-transactions", at(order.t_del + 60), since=at(order.t - 1))
    assert transactions
    sources = {t.get("transactionSourceRef", {}).get("id") for t in transactions}
    assert order.id not in sources and payment_id not in sources


def test_sync_from_limits_documents() -> None:
    as_of = LINKED
    sync_from = LINKED - timedelta(days=90)
    transactions = full(BANK, "banking-transactions", as_of, sync_from=sync_from)
    assert transactions and min(t["authorizedDate"] for t in transactions) >= "2024-12-10T12:00:00Z"
    orders = full(SHOP, "commerce-orders", as_of, sync_from=sync_from)
    assert orders and min(o["createdDate"] for o in orders) >= "2024-12-10T12:00:00Z"
    assert len(full(SHOP, "commerce-customers", as_of, sync_from=sync_from)) == len(
        full(SHOP, "commerce-customers", as_of)
    )


# ----------------------------------------------------------------------------------------------------- volume
def _drain(connector, data_type: str, scale: int) -> int:
    async def run() -> int:
        n = 0
        async for batch in connector.fetch(fetch_request(connector, data_type, LINKED, scale=scale)):
            n += len(batch.records)
        return n

    return asyncio.run(run())


def test_memory_stays_flat_while_streaming() -> None:
    # Allocated blocks, sampled at every batch of a ~75k-record stream (kept records: millions of blocks; the
    # GBP accounts' lines come from the books, whose bounded caches are most of the peak).
    async def run(scale: int) -> tuple[int, int]:
        n, base, peak = 0, sys.getallocatedblocks(), 0
        async for batch in BANK.fetch(fetch_request(BANK, "banking-transactions", LINKED, scale=scale)):
            n += len(batch.records)
            peak = max(peak, sys.getallocatedblocks() - base)
        return n, peak

    # The (small) model is built outside the measurement.
    BANK.model_for(fetch_request(BANK, "banking-transactions", LINKED, scale=64))
    n, peak_blocks = asyncio.run(run(64))
    assert n >= 70_000 and peak_blocks < 100_000, (n, peak_blocks)
    # tracemalloc (slow: ~20x) over a smaller stream: the peak is a few MB, not the stream's size.
    BANK.model_for(fetch_request(BANK, "banking-transactions", LINKED, scale=5)).day(0)
    tracemalloc.start()
    try:
        n = _drain(BANK, "banking-transactions", 5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n > 5_000 and peak < 8 * 2**20, peak


def test_generation_rate() -> None:
    rates = {}
    for connector, data_type, scale in (
        (BANK, "banking-transactions", 10),
        (SHOP, "commerce-transactions", 5),
        (SHOP, "commerce-payments", 5),
    ):
        started = time.perf_counter()
        n = _drain(connector, data_type, scale)
        rates[data_type] = n / (time.perf_counter() - started)
    print("records/s:", {k: round(v) for k, v in rates.items()})
    # The target is >= 150k/s (measured without pytest: ~180-240k/s for these types at higher scales); this
    # floor only catches gross regressions, whatever else the machine is doing. The Banking Sandbox's GBP
    # lines come from the books (`bankfeed`: each costs generating its invoice, bill or payment): ~30-50k/s.
    floors = {"banking-transactions": 5_000}
    assert all(rate > floors.get(data_type, 15_000) for data_type, rate in rates.items()), rates
