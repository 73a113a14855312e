"""What the Sync for Commerce tests share: the official SDK, a merchant set up through the start URL with both
Sandboxes linked on their behalf, and a configuration chosen from the books' own options."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.pulls import read_all, wait_for_pulls
from tests.support.server import RunningServer

COMMERCE, ACCOUNTING = "aiwb", "mqjo"


def commerce_sdk(server: RunningServer):
    from codat_sync_for_commerce import CodatSyncCommerce
    from codat_sync_for_commerce.models import shared

    return CodatSyncCommerce(
        security=shared.Security(auth_header=server.auth_header), server_url=server.base_url
    )


def start_url(api: httpx.Client, merchant: str, **params: str) -> str:
    answer = api.get(
        f"/config/sync/commerce/{COMMERCE}/{ACCOUNTING}/start",
        params={"merchantIdentifier": merchant, **params},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["url"]


def company_named(api: httpx.Client, name: str) -> dict[str, Any]:
    found = api.get("/companies", params={"query": f"name={name}"}).json()["results"]
    assert len(found) == 1, found
    return found[0]


def link_both_on_behalf(api: httpx.Client, company_id: str) -> None:
    """The client authorizes both Sandboxes on the merchant's behalf (`PUT .../authorization`)."""
    for connection in api.get(f"/companies/{company_id}/connections").json()["results"]:
        if connection["status"] != "Linked":
            linked = api.put(f"/companies/{company_id}/connections/{connection['id']}/authorization", json={})
            assert linked.status_code == 200, linked.text


def wait_for_configuration_options(api: httpx.Client, company_id: str, timeout: float = 90) -> dict[str, Any]:
    """The configuration once the books' accounts and the shop's tax rates and payment methods are read."""
    deadline = time.monotonic() + timeout
    for data_type in ("commerce-taxComponents", "commerce-paymentMethods"):
        queued = api.post(f"/companies/{company_id}/data/queue/{data_type}")
        # 400: already being pulled (fetch on first link).
        assert queued.status_code in (200, 400), queued.text
    wait_for_pulls(api, company_id, at_least=3)
    while True:
        config = api.get(f"/config/companies/{company_id}/sync/commerce").json()
        sales = config["configuration"]["sales"]
        if (
            sales["accounts"]["sales"]["accountOptions"]
            and sales["taxRates"]
            and (config["configuration"]["payments"]["accounts"])
        ):
            return config
        if time.monotonic() > deadline:
            raise AssertionError(f"configuration options never appeared: {config}")
        time.sleep(0.5)


# The start date of configurations whose schedule a test does not mean to fire: the shared test server runs
# the schedule every second, and a sync it queued would post days the test is counting.
NOT_SCHEDULED = "2099-01-01T00:00:00Z"


def first_option(account: dict[str, Any]) -> str:
    return account["accountOptions"][0]["id"]


def choose_everything(config: dict[str, Any], *, start: str, time_zone: str = "UTC") -> dict[str, Any]:
    """A configuration body selecting, for every choice, the first option the books offer."""
    c = config["configuration"]
    tax_options = c["sales"]["newTaxRates"]["accountingTaxRateOptions"]
    return {
        "schedule": {"selectedFrequency": "Daily", "startDate": start, "syncHour": 6, "timeZone": time_zone},
        "configuration": {
            "sales": {
                "syncSales": True,
                "accounts": {
                    key: {"selectedAccountId": first_option(a)} for key, a in c["sales"]["accounts"].items()
                },
                "taxRates": {
                    tax: {"selectedTaxRateId": tax_options[i % len(tax_options)]["id"]}
                    for i, tax in enumerate(c["sales"]["taxRates"])
                },
                "grouping": {"groupingPeriod": {"selectedGroupingPeriod": "Daily"}},
            },
            "payments": {
                "syncPayments": True,
                "accounts": {
                    method: {"selectedAccountId": a["accountOptions"][i % len(a["accountOptions"])]["id"]}
                    for i, (method, a) in enumerate(c["payments"]["accounts"].items())
                },
            },
            "newPayments": {
                "accounts": {
                    "default": {"selectedAccountId": first_option(c["newPayments"]["accounts"]["default"])}
                }
            },
            "fees": {
                "syncFees": True,
                "accounts": {"fees": {"selectedAccountId": first_option(c["fees"]["accounts"]["fees"])}},
            },
        },
    }


def midnight(days_ago: int) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def cents(amount: Any) -> int:
    return round(float(amount or 0) * 100)


def commerce_totals(api: httpx.Client, company_id: str, day: datetime) -> dict[str, int]:
    """What the shop's own records say about a day, read through the commerce read API (pence by kind:
    net sales, tax, payments, refunds, fees). All zero: the shop traded nothing, and a sync posts nothing."""
    connection = next(
        c
        for c in api.get(f"/companies/{company_id}/connections").json()["results"]
        if c["integrationKey"] == COMMERCE
    )
    base = f"/companies/{company_id}/connections/{connection['id']}/data"
    window = f"createdDate>={iso(day)}&&createdDate<{iso(day + timedelta(days=1))}"
    totals: dict[str, int] = defaultdict(int)
    for order in read_all(api, f"{base}/commerce-orders", query=window):
        paid = [p for p in order["payments"] if p["status"] == "Paid"]
        if not paid:
            continue
        for line in order["orderLineItems"]:
            if line["quantity"] > 0:
                totals["net"] += cents(line["totalAmount"]) - cents(line["totalTaxAmount"])
                totals["tax"] += cents(line["totalTaxAmount"])
        totals["payments"] += sum(cents(p["amount"]) for p in paid)
    for transaction in read_all(api, f"{base}/commerce-transactions", query=window):
        if transaction["type"] == "Refund":
            totals["refunds"] -= cents(transaction["totalAmount"])
        elif transaction["type"] in ("PaymentFee", "PaymentFeeRefund"):
            totals["fees"] -= cents(transaction["totalAmount"])
    return totals
