"""Commerce syncs end to end, driven by the official `codat-sync-for-commerce` SDK against the real server: a
merchant's Commerce Sandbox sales are posted into their Accounting Sandbox books, one journal entry a day.
Read back through the API, each day's sales, tax, payments, refunds and fees sum to what the shop's own
records say; the balance sheet still balances; a second run of the same days writes nothing (duplicate
protection); `latest` carries on where the last sync ended; a bad request is refused."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest

from tests.support.commerce import (
    NOT_SCHEDULED,
    cents,
    choose_everything,
    commerce_sdk,
    commerce_totals,
    company_named,
    iso,
    link_both_on_behalf,
    midnight,
    start_url,
    wait_for_configuration_options,
)
from tests.support.pulls import read_all, wait_for_pulls
from tests.support.waits import wait_for_periodic_run

DAYS = 3


def wait_for_sync(commerce, company_id: str, sync_id: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        status = commerce.sync.get(request={"company_id": company_id, "sync_id": sync_id})
        if status.sync_status_code not in (1000, 1010):
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"the commerce sync is still running: {status}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def merchant(server) -> dict[str, Any]:
    """A configured merchant, both Sandboxes linked on their behalf, in UTC (its schedule never fires)."""
    with server.client() as api:
        name = f"shop-{uuid.uuid4().hex[:8]}"
        start_url(api, name)
        company = company_named(api, name)
        link_both_on_behalf(api, company["id"])
        config = wait_for_configuration_options(api, company["id"])
        body = choose_everything(config, start=NOT_SCHEDULED)
        chosen = api.post(f"/config/companies/{company['id']}/sync/commerce", json=body)
        assert chosen.status_code == 200, chosen.text
        return {"id": company["id"], "body": body}


def posted_totals(entry: dict[str, Any], body: dict[str, Any]) -> dict[str, int]:
    """What a journal entry read back from the books posted, by the configured account of each kind."""
    accounts = body["configuration"]["sales"]["accounts"]
    fees_account = body["configuration"]["fees"]["accounts"]["fees"]["selectedAccountId"]
    totals: dict[str, int] = defaultdict(int)
    for line in entry["journalLines"]:
        account, amount, description = line["accountRef"]["id"], cents(line["netAmount"]), line["description"]
        if description.startswith("Sales tax"):
            assert account == accounts["salesTax"]["selectedAccountId"]
            totals["tax"] -= amount
        elif description.startswith("Sales"):
            assert account == accounts["sales"]["selectedAccountId"]
            totals["net"] -= amount
        elif description.startswith("Payments"):
            totals["payments"] += amount
        elif description.startswith("Refunds paid"):
            totals["refunds paid"] -= amount
        elif description.startswith("Refunds"):
            assert account == accounts["refunds"]["selectedAccountId"]
            totals["refunds"] += amount
        elif description.startswith("Fees charged"):
            totals["fees charged"] -= amount
        elif description.startswith("Fees"):
            assert account == fees_account
            totals["fees"] += amount
    assert sum(cents(line["netAmount"]) for line in entry["journalLines"]) == 0
    return totals


def test_a_range_is_posted_once_and_matches_the_shop(api, server, merchant) -> None:
    commerce = commerce_sdk(server)
    company_id = merchant["id"]
    start, finish = midnight(6), midnight(6 - DAYS)
    summary = commerce.sync.request_for_date_range(
        request={
            "company_id": company_id,
            "sync_range": {"date_range": {"start": iso(start), "finish": iso(finish)}},
        }
    )
    assert summary.sync_status_code == 1000 and summary.company_id == company_id
    assert {c.integration_key for c in summary.data_connections} == {"aiwb", "mqjo"}
    done = wait_for_sync(commerce, company_id, summary.commerce_sync_id)
    assert done.sync_status_code == 2000, done
    assert done.data_pushed is True and done.sync_status == "Complete"

    # A day the shop sold, refunded and paid fees on nothing posts no entry (about one day in 900 of the
    # Commerce Sandbox has no orders); every other day posts one.
    days = [start + timedelta(days=offset) for offset in range(DAYS)]
    shop_days = {day: commerce_totals(api, company_id, day) for day in days}
    trading = [day for day in days if any(shop_days[day].values())]
    assert trading, "the shop sold nothing on any day of the range"

    pushes = api.get(f"/companies/{company_id}/push", params={"pageSize": 100}).json()["results"]
    written = [p for p in pushes if p["dataType"] == "journalEntries"]
    assert len(written) == len(trading) and {p["status"] for p in written} == {"Success"}

    wait_for_pulls(api, company_id)
    entries = {
        e["description"]: e
        for e in read_all(
            api, f"/companies/{company_id}/data/journalEntries", query="description~Commerce Sandbox sales"
        )
    }
    assert sorted(entries) == sorted(f"Commerce Sandbox sales {day.date().isoformat()}" for day in trading)
    for day in trading:
        entry = entries[f"Commerce Sandbox sales {day.date().isoformat()}"]
        assert entry["postedOn"].startswith(day.date().isoformat())
        shop, books = shop_days[day], posted_totals(entry, merchant["body"])
        assert books["net"] == shop["net"] and books["tax"] == shop["tax"]
        assert books["payments"] == shop["payments"]
        assert books["refunds"] == books["refunds paid"] == shop["refunds"]
        assert books["fees"] == books["fees charged"] == shop["fees"]

    # The same days again: duplicate protection, nothing written.
    again = commerce.sync.request_for_date_range(
        request={
            "company_id": company_id,
            "sync_range": {"date_range": {"start": iso(start), "finish": iso(finish)}},
        }
    )
    repeated = wait_for_sync(commerce, company_id, again.commerce_sync_id)
    assert repeated.sync_status_code == 5080 and repeated.data_pushed is False
    after = api.get(f"/companies/{company_id}/push", params={"pageSize": 100}).json()["results"]
    assert len([p for p in after if p["dataType"] == "journalEntries"]) == len(trading)

    # The books still balance: assets less liabilities is equity, in every period of the balance sheet.
    refreshed = api.post(f"/companies/{company_id}/data/queue/balanceSheet")
    assert refreshed.status_code == 200, refreshed.text
    wait_for_pulls(api, company_id)
    sheet = api.get(
        f"/companies/{company_id}/data/financials/balanceSheet",
        params={"periodLength": 1, "periodsToCompare": 1},
    )
    assert sheet.status_code == 200, sheet.text
    for report in sheet.json()["reports"]:
        assert (
            cents(report["assets"]["value"]) - cents(report["liabilities"]["value"])
            == cents(report["equity"]["value"])
            == cents(report["netAssets"])
        )


def test_latest_carries_on_from_the_last_sync(api, server, merchant) -> None:
    """(After the test above, whose sync is the last successful one.)"""
    commerce = commerce_sdk(server)
    company_id = merchant["id"]
    first = commerce.sync.request(
        request={"company_id": company_id, "sync_to_latest_args": {"sync_to": iso(midnight(1))}}
    )
    done = wait_for_sync(commerce, company_id, first.commerce_sync_id)
    last = commerce.sync.get_last_successful_sync(request={"company_id": company_id})
    assert last.sync_id == first.commerce_sync_id and done.sync_status_code in (2000, 2040)
    # Nothing new since: the next `latest` to the same moment has no whole day to post.
    second = commerce.sync.request(
        request={"company_id": company_id, "sync_to_latest_args": {"sync_to": iso(midnight(1))}}
    )
    assert wait_for_sync(commerce, company_id, second.commerce_sync_id).sync_status_code == 2040
    listed = commerce.sync.list(request={"company_id": company_id})
    assert [s.sync_id for s in listed][:2] == [second.commerce_sync_id, first.commerce_sync_id]
    latest = commerce.sync.get_latest_sync(request={"company_id": company_id})
    assert latest.sync_id == second.commerce_sync_id
    status = commerce.sync.get_status(request={"company_id": company_id})
    assert status.sync_id == second.commerce_sync_id
    days = api.get(f"/companies/{company_id}/push", params={"pageSize": 100}).json()["results"]
    keys = [p for p in days if p["dataType"] == "journalEntries"]
    # The three days of the first test, and the two from where it ended to yesterday's midnight.
    assert len(keys) == 5


def test_the_schedule_queues_a_sync_once_when_it_is_due(api, server) -> None:
    """A configuration due now (sync hour 0, starting three days ago): the schedule, run every second by the
    test server, queues one `latest` sync, which posts the three days; it is not queued again that day."""
    commerce = commerce_sdk(server)
    name = f"scheduled-{uuid.uuid4().hex[:8]}"
    start_url(api, name)
    company = company_named(api, name)
    link_both_on_behalf(api, company["id"])
    config = wait_for_configuration_options(api, company["id"])
    body = choose_everything(config, start=iso(midnight(3)))
    body["schedule"]["syncHour"] = 0
    assert api.post(f"/config/companies/{company['id']}/sync/commerce", json=body).status_code == 200
    deadline = time.monotonic() + 60
    while not (listed := commerce.sync.list(request={"company_id": company["id"]})):
        assert time.monotonic() < deadline, "the schedule never queued a sync"
        time.sleep(0.5)
    done = wait_for_sync(commerce, company["id"], listed[0].sync_id)
    assert done.sync_status_code == 2000, done
    pushes = api.get(f"/companies/{company['id']}/push", params={"pageSize": 100}).json()["results"]
    assert len([p for p in pushes if p["dataType"] == "journalEntries"]) == 3
    # A schedule run that began after the sync was queued has finished: it did not queue another.
    wait_for_periodic_run(server.database_url, "commerce-schedule", after=time.time())
    assert len(commerce.sync.list(request={"company_id": company["id"]})) == 1


def test_bad_sync_requests_are_refused(api, merchant) -> None:
    company_id = merchant["id"]
    historic = f"/meta/companies/{company_id}/sync/commerce/historic"
    for body in (
        {},
        {"dateRange": {"start": "yesterday"}},
        {"dateRange": {"start": iso(midnight(1)), "finish": iso(midnight(2))}},
    ):
        refused = api.post(historic, json=body)
        assert refused.status_code == 400 and refused.json()["statusCode"] == 400, refused.text
    assert (
        api.post(f"/companies/{company_id}/sync/commerce/latest", json={"syncTo": "soon"}).status_code == 400
    )
    assert api.post(f"/companies/{uuid.uuid4()}/sync/commerce/latest", json={}).status_code == 404
    assert api.get(f"/companies/{company_id}/sync/commerce/syncs/{uuid.uuid4()}/status").status_code == 404
    assert api.get(f"/companies/{company_id}/sync/commerce/syncs/nope/status").status_code == 404
