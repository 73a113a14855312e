"""Lending reports through the server, its worker and Codat's `codat-lending` SDK: a credit model report
moves `InProgress → Complete` with its webhook and financial summary (each figure traced to the accounts and
categories it was summed from), `latest`, the list paged and filtered, report types refused with Codat's
error, a report that cannot be generated ending `Error` with its message and webhook, reproducibility (the
books changing and pulled again after a report leave it as it was) and reports going with their company."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from codat_lending import CodatLending
from sqlalchemy import create_engine, text

from ledgerlink.db import sqlalchemy_url
from tests.support.pulls import read_all, wait_for_pulls
from tests.support.server import RunningServer
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import add_consumer

TAG = uuid.uuid4().hex[:12]
EVENTS = [f"reports.creditModel.generate.{outcome}" for outcome in ("successful", "unsuccessful")]


@pytest.fixture(scope="module")
def receiver(server: RunningServer) -> Iterator[Receiver]:
    """A consumer of the credit model's events for this module's companies (tagged), and its receiver."""
    with Receiver().start() as receiver, server.client() as api:
        consumer = add_consumer(api, receiver, eventTypes=EVENTS, companyTags=[f"reportTests:{TAG}"])
        yield receiver
        api.delete(f"/webhooks/{consumer}")


def tagged_company(api: httpx.Client, name: str) -> str:
    created = api.post("/companies", json={"name": name, "tags": {"reportTests": TAG}})
    assert created.status_code == 200, created.text
    return created.json()["id"]


@pytest.fixture(scope="module")
def books(server: RunningServer, receiver: Receiver) -> dict[str, str]:
    """A tagged company whose Accounting Sandbox is linked and pulled."""
    with server.client() as api:
        company_id = tagged_company(api, "Report Books Ltd")
        connection = api.post(f"/companies/{company_id}/connections", json={"platformKey": "mqjo"}).json()
        linked = api.put(f"/companies/{company_id}/connections/{connection['id']}/authorization", json={})
        assert linked.json()["status"] == "Linked", linked.text
        wait_for_pulls(api, company_id, at_least=10)
    return {"company": company_id, "connection": connection["id"]}


def generate(lending: CodatLending, company_id: str, report_type: str = "creditModel") -> str:
    operation = lending.manage_reports.generate_report(
        request={"company_id": company_id, "report_type": report_type}
    )
    assert operation.status == "InProgress" and operation.type == report_type
    assert operation.requested_date == operation.updated_date
    return str(operation.id)


def finished(api: httpx.Client, company_id: str, report_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = api.get(f"/companies/{company_id}/reports/creditModel/{report_id}/status")
        assert status.status_code == 200, status.text
        if status.json()["status"] != "InProgress":
            return status.json()
        assert time.monotonic() < deadline, f"report {report_id} still InProgress"
        time.sleep(0.1)


def event_of(receiver: Receiver, report_id: str) -> dict[str, Any]:
    receiver.wait_for(
        lambda r: any(e["payload"]["id"] == report_id for e in r.events().values()),
        what=f"the webhook of report {report_id}",
    )
    (event,) = [e for e in receiver.events().values() if e["payload"]["id"] == report_id]
    return event


def latest_pulls(api: httpx.Client, company_id: str) -> dict[str, str]:
    """The last completed pull of each data type (Codat's dataset ids)."""
    history = read_all(api, f"/companies/{company_id}/data/history")
    latest: dict[str, dict[str, Any]] = {}
    for pull in history:
        if pull["status"] == "Complete" and (
            pull["dataType"] not in latest or pull["completed"] > latest[pull["dataType"]]["completed"]
        ):
            latest[pull["dataType"]] = pull
    return {data_type: pull["id"] for data_type, pull in latest.items()}


def test_a_credit_model_completes_with_its_webhook_and_a_traced_financial_summary(
    api, books, lending, receiver
) -> None:
    company_id = books["company"]
    report_id = generate(lending, company_id)
    done = finished(api, company_id, report_id)
    assert done["status"] == "Complete" and done["errorMessage"] is None, done
    assert done["updatedDate"] >= done["requestedDate"]
    latest = lending.manage_reports.get_report_status(
        request={"company_id": company_id, "report_type": "creditModel", "report_id": "latest"}
    )
    assert latest.id == report_id and latest.status == "Complete"

    event = event_of(receiver, report_id)  # (signature verified)
    assert event["eventType"] == "reports.creditModel.generate.successful"
    assert set(event) == {"id", "eventType", "generatedDate", "payload"}
    assert event["payload"]["referenceCompany"]["id"] == company_id

    # It read the last completed pulls of what it reads, and says so.
    pulls = latest_pulls(api, company_id)
    pinned = {(d["dataType"], d["datasetId"]) for d in done["sourceDatasets"]}
    assert pinned == {(t, pulls[t]) for t in ("chartOfAccounts", "profitAndLoss", "balanceSheet")}
    assert all(d["connectionId"] == books["connection"] for d in done["sourceDatasets"])

    summary = lending.financial_summary.get_financial_summary(
        request={"company_id": company_id, "report_id": report_id}
    )
    assert summary is not None and summary.accounting_score is not None
    assert 0 <= summary.accounting_score.score <= 100
    assert summary.books_closed_date is not None and summary.books_closed_date.reason is not None
    raw = api.get(f"/companies/{company_id}/reports/creditModel/latest/financialSummary").json()
    assert raw["reportId"] == report_id and raw["accountingScore"]["score"] == summary.accounting_score.score
    periods = raw["periods"]
    assert len(periods) == 12 and [p["date"] for p in periods] == sorted(
        (p["date"] for p in periods), reverse=True
    )
    # Each base figure is the sum of the accounts it lists, each under the figure's categories.
    closed = [p for p in periods if p["figures"]["revenue"]["value"]]
    assert closed, "the Sandbox's books have revenue"
    for period in closed:
        figures = period["figures"]
        revenue = figures["revenue"]
        assert revenue["accounts"] and all(
            a["category"].startswith("Income.Revenue") for a in revenue["accounts"]
        )
        assert revenue["value"] == pytest.approx(sum(a["balance"] for a in revenue["accounts"]), abs=0.01)
        assert figures["grossProfit"]["inputs"] == {
            "revenue": revenue["value"],
            "costOfSales": figures["costOfSales"]["value"],
        }
        assert figures["grossProfit"]["value"] == pytest.approx(
            revenue["value"] - figures["costOfSales"]["value"]
        )
        for name in (
            "netMargin",
            "ebitda",
            "workingCapital",
            "currentRatio",
            "quickRatio",
            "debtServiceCoverageRatio",
            "daysSalesOutstanding",
            "daysPayablesOutstanding",
        ):
            assert "formula" in figures[name] and "value" in figures[name], name
    assert "revenueGrowth" in periods[0]["figures"] and "revenueGrowth" not in periods[-1]["figures"]
    # The Sandbox's books balance, month by month.
    for period in periods:
        f = period["figures"]
        assert f["totalAssets"]["value"] == pytest.approx(
            f["totalLiabilities"]["value"] + f["equity"]["value"], abs=0.02
        ), period["date"]


def test_a_report_that_cannot_be_generated_ends_in_error_with_its_webhook(
    api, server, lending, receiver
) -> None:
    company_id = tagged_company(api, "No Books Yet Ltd")
    report_id = generate(lending, company_id)
    done = finished(api, company_id, report_id)
    assert done["status"] == "Error" and done["sourceDatasets"] == [], done
    assert done["errorMessage"] == (
        "The credit model is worked out from the company's profit and loss and balance sheet, and no "
        "accounting connection of it has completed a pull of profitAndLoss or balanceSheet: link an "
        "accounting platform and let its first pulls complete."
    )
    event = event_of(receiver, report_id)
    assert event["eventType"] == "reports.creditModel.generate.unsuccessful"
    # Its financial summary is not there to read, and the answer says why.
    summary = api.get(f"/companies/{company_id}/reports/creditModel/{report_id}/financialSummary")
    assert summary.status_code == 400 and summary.json()["error"].endswith(done["errorMessage"])
    assert api.get(f"/companies/{company_id}/reports/creditModel/latest/financialSummary").status_code == 404


def test_reports_are_listed_paged_filtered_and_ordered(api, lending) -> None:
    company_id = tagged_company(api, "Many Reports Ltd")
    made = [generate(lending, company_id) for _ in range(3)]
    for report_id in made:
        finished(api, company_id, report_id)
    first = lending.manage_reports.list_reports(request={"company_id": company_id, "page_size": 2})
    assert first.total_results == 3 and first.page_number == 1 and len(first.results) == 2
    second = api.get(f"/companies/{company_id}/reports", params={"page": 2, "pageSize": 2}).json()
    assert second["totalResults"] == 3 and "next" not in second["_links"] and "previous" in second["_links"]
    listed = [r.id for r in first.results] + [r["id"] for r in second["results"]]
    assert listed == list(reversed(made))  # newest first
    oldest_first = api.get(f"/companies/{company_id}/reports", params={"orderBy": "requestedDate"}).json()
    assert [r["id"] for r in oldest_first["results"]] == made
    errors = api.get(f"/companies/{company_id}/reports", params={"query": "status=Error&&type=creditModel"})
    assert errors.json()["totalResults"] == 3
    assert (
        api.get(f"/companies/{company_id}/reports", params={"query": "status=Complete"}).json()["results"]
        == []
    )
    bad = api.get(f"/companies/{company_id}/reports", params={"query": "colour=red"})
    assert bad.status_code == 400 and bad.json()["statusCode"] == 400


def test_report_types_and_ids_that_are_not_there_get_codat_s_errors(api, lending) -> None:
    company_id = tagged_company(api, "Wrong Types Ltd")
    for report_type, words in (("fortuneTelling", "fortuneTelling is not a report type"),):
        answer = api.post(f"/companies/{company_id}/reports/{report_type}")
        assert answer.status_code == 400 and answer.json()["error"].startswith(words), answer.text
        assert answer.json()["statusCode"] == 400 and answer.json()["correlationId"]
    assert api.get(f"/companies/{company_id}/reports").json()["totalResults"] == 0
    missing = api.get(f"/companies/{company_id}/reports/creditModel/latest/status")
    assert missing.status_code == 404 and missing.json()["error"] == (
        f"No creditModel report latest was found for company {company_id}."
    )
    assert api.get(f"/companies/{company_id}/reports/creditModel/{uuid.uuid4()}/status").status_code == 404
    assert api.post(f"/companies/{uuid.uuid4()}/reports/creditModel").status_code == 404


def test_a_report_stays_as_generated_when_the_books_change_and_go_with_the_company(
    api, server, books, lending
) -> None:
    company_id, connection_id = books["company"], books["connection"]
    first_id = generate(lending, company_id)
    first = finished(api, company_id, first_id)
    assert first["status"] == "Complete", first
    summary = api.get(f"/companies/{company_id}/reports/creditModel/{first_id}/financialSummary").json()

    # The books change (a sale booked today, written to the platform) and are pulled again.
    accounts = read_all(api, f"/companies/{company_id}/data/accounts")
    income = next(a for a in accounts if a["type"] == "Income" and a["status"] == "Active")
    bank = next(a for a in accounts if a.get("isBankAccount") and a["status"] == "Active")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    written = api.post(
        f"/companies/{company_id}/connections/{connection_id}/push/journalEntries",
        params={"allowSyncOnPushComplete": "false"},
        json={
            "description": "A sale after the report",
            "postedOn": today,
            "journalLines": [
                {"description": "bank", "netAmount": 1234.56, "accountRef": {"id": bank["id"]}},
                {"description": "sale", "netAmount": -1234.56, "accountRef": {"id": income["id"]}},
            ],
        },
    )
    assert written.status_code == 200, written.text
    key = written.json()["pushOperationKey"]
    deadline = time.monotonic() + 60
    while api.get(f"/companies/{company_id}/push/{key}").json()["status"] == "Pending":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    before = len(api.get(f"/companies/{company_id}/data/history", params={"pageSize": 500}).json()["results"])
    for data_type in ("profitAndLoss", "balanceSheet"):
        assert api.post(f"/companies/{company_id}/data/queue/{data_type}").status_code == 200
    wait_for_pulls(api, company_id, at_least=before + 2)

    # The first report is as it was: same status, datasets, fingerprint and summary.
    assert finished(api, company_id, first_id) == first
    assert (
        api.get(f"/companies/{company_id}/reports/creditModel/{first_id}/financialSummary").json() == summary
    )
    # A report generated now reads the new pulls, and sees the sale.
    second_id = generate(lending, company_id)
    second = finished(api, company_id, second_id)
    assert second["status"] == "Complete", second
    pulls = latest_pulls(api, company_id)
    assert {(d["dataType"], d["datasetId"]) for d in second["sourceDatasets"]} == {
        (t, pulls[t]) for t in ("chartOfAccounts", "profitAndLoss", "balanceSheet")
    }
    assert second["sourceDatasets"] != first["sourceDatasets"]
    assert second["inputsFingerprint"] != first["inputsFingerprint"]
    newer = api.get(f"/companies/{company_id}/reports/creditModel/{second_id}/financialSummary").json()
    month = today[:7]
    (was,) = [p for p in summary["periods"] if p["date"].startswith(month)]
    (now,) = [p for p in newer["periods"] if p["date"].startswith(month)]
    assert now["figures"]["totalIncome"]["value"] == pytest.approx(
        was["figures"]["totalIncome"]["value"] + 1234.56, abs=0.01
    )

    # Deleting the company deletes its reports.
    assert api.delete(f"/companies/{company_id}").status_code == 204
    engine = create_engine(sqlalchemy_url(server.database_url))
    try:
        with engine.connect() as db:
            left = db.execute(text("SELECT count(*) FROM reports WHERE company_id = :c"), {"c": company_id})
            assert left.scalar_one() == 0
    finally:
        engine.dispose()
