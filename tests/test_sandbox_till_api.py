"""The till end to end: a company linked to the Commerce, Accounting and Banking Sandboxes through the real
server and PostgreSQL; what the read API serves of the three agrees: each processor's payout in Commerce
transactions is one bank transaction in the books' current account and one line in the bank, the books'
daily takings are the orders' sales."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ledgerlink.connectors.sandbox import till
from tests.support.pulls import link_sandbox, read_all, wait_for_pulls
from tests.support.server import RunningServer

PROVIDERS = {how.provider for how in (*till.PROCESSORS, till.PAYPAL)}


def money(value: Any) -> Decimal:
    return Decimal(str(value))


@pytest.fixture(scope="module")
def company(server: RunningServer) -> dict[str, Any]:
    """The three Sandboxes linked to one company and pulled; what the read API lists of them."""
    with server.client() as api:
        company_id, books = link_sandbox(api, "Till and Ledger Ltd")
        connections = {"books": books}
        for name, key in (("shop", "aiwb"), ("bank", "qhnd")):
            connection = api.post(f"/companies/{company_id}/connections", json={"platformKey": key}).json()
            linked = api.put(f"/companies/{company_id}/connections/{connection['id']}/authorization", json={})
            assert linked.json()["status"] == "Linked", linked.text
            connections[name] = connection["id"]
        pulls = wait_for_pulls(api, company_id, at_least=30, timeout=240)
        assert all(p["status"] == "Complete" for p in pulls), [(p["dataType"], p["status"]) for p in pulls]

        def data(connection: str, path: str, **params: str) -> list[dict]:
            return read_all(
                api, f"/companies/{company_id}/connections/{connections[connection]}/data/{path}", **params
            )

        accounts = data("books", "bankAccounts")
        current = next(a for a in accounts if a["accountName"] == "Business Current Account")
        return {
            "orders": data("shop", "commerce-orders"),
            "payments": data("shop", "commerce-payments"),
            "products": data("shop", "commerce-products"),
            "transactions": data("shop", "commerce-transactions"),
            "books_lines": data("books", f"bankAccounts/{current['id']}/bankTransactions"),
            "bank_lines": data("bank", "banking-transactions"),
            "takings": read_all(
                api, f"/companies/{company_id}/data/journalEntries", query="description~Till takings"
            ),
        }


def test_each_payout_lands_in_the_books_and_the_bank(company: dict[str, Any]) -> None:
    payouts = [t for t in company["transactions"] if t["type"] == "Payout"]
    assert payouts
    processors = {t["subType"].rsplit(" ", 1)[0] for t in payouts}
    assert len(processors) == 2 and "PayPal" in processors and processors <= PROVIDERS
    # Pulled at slightly different moments, and the bank posts up to three days after the books: compare what
    # landed four days ago and before.
    cutoff = (datetime.now(UTC) - timedelta(days=4)).date().isoformat()
    settled = [t for t in payouts if t["createdDate"][:10] < cutoff]
    assert len(settled) > 300
    books_lines: Counter[tuple[str, str, Decimal]] = Counter()
    for line in company["books_lines"]:
        for provider in processors:
            if provider.upper() in line["description"] and "PAYOUT" in line["description"]:
                books_lines[provider, line["clearedOnDate"][:10], money(line["amount"])] += 1
    bank_lines: Counter[tuple[str, Decimal]] = Counter(
        (line["merchantName"], money(line["amount"]))
        for line in company["bank_lines"]
        if line.get("merchantName") in processors
    )
    for payout in settled:
        provider = payout["subType"].rsplit(" ", 1)[0]
        key = (provider, payout["createdDate"][:10], -money(payout["totalAmount"]))
        assert books_lines[key] == 1, key  # one bank transaction in the books, same day, same amount
        assert bank_lines[provider, key[2]] >= 1, key  # and the bank shows it
    landed = [key for key in books_lines if key[1] < cutoff]
    assert len(landed) == len(settled)


def test_the_books_takings_are_the_orders_sales(company: dict[str, Any]) -> None:
    gift_cards = {p["id"] for p in company["products"] if p["isGiftCard"]}
    sales: Counter[str] = Counter()
    for order in company["orders"]:
        if any(p["status"] != "Paid" for p in order["payments"]):
            continue
        for line in order["orderLineItems"]:
            if line["quantity"] > 0 and line["productRef"]["id"] not in gift_cards:
                sales[order["createdDate"][:10]] += money(line["totalAmount"]) - money(line["totalTaxAmount"])
    takings = {e["postedOn"][:10]: e for e in company["takings"]}
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    days = [day for day in sales if day < yesterday]
    assert len(days) > 300
    for day in days:
        booked = sum(
            -money(line["netAmount"])
            for line in takings[day]["journalLines"]
            if line["accountRef"]["name"] == "Sales - Shop and Online"
        )
        assert booked == sales[day], day
