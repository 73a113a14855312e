"""Spend Insights' spend analysis through the server and its worker, on an Accounting Sandbox company, over
HTTP (no official SDK covers Spend Insights; `codat-lending` refuses `spendAnalysis` as a report type): the
report requested and followed as Codat's `ReportOperation`, its suppliers and payment methods, all validated
against `Codat-Spend-Insights.yaml`, every supplier's figures equal to sums recomputed from the read API's
bills, bill payments and direct costs, the payment methods adding up to the whole spend (and the card spend
the bank's own transaction types say), paging, `query=`/`orderBy`, the report bundle (a ZIP of its workbooks
and manifest), its webhook, company info as Spend Insights describes it, and Codat's errors."""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pytest

from tests.support.pulls import read_all, wait_for_pulls
from tests.support.server import RunningServer
from tests.support.spec_schemas import response_validator
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import add_consumer, tagged_company

SPEC = "Codat-Spend-Insights.yaml"
PARTS = "/companies/{companyId}/reports/spendAnalysis/{reportId}"
CENT = Decimal("0.01")
EVENTS = [f"reports.spendAnalysis.generate.{outcome}" for outcome in ("successful", "unsuccessful")]


@pytest.fixture(scope="module")
def report(server: RunningServer) -> dict[str, Any]:
    """A company whose Accounting Sandbox is linked and pulled, its spend analysis generated, and the webhook
    that said so (to a consumer of this company's tag)."""
    tag = uuid.uuid4().hex[:12]
    with Receiver().start() as receiver, server.client() as api:
        consumer = add_consumer(api, receiver, eventTypes=EVENTS, companyTags=[f"spendTests:{tag}"])
        company_id = tagged_company(api, "Spend Analysis Ltd", {"spendTests": tag})
        # Its bank too: the report reads the banks' lines beside the books' (and the sums stay the books').
        for platform in ("mqjo", "qhnd"):
            connection = api.post(
                f"/companies/{company_id}/connections", json={"platformKey": platform}
            ).json()
            linked = api.put(f"/companies/{company_id}/connections/{connection['id']}/authorization", json={})
            assert linked.json()["status"] == "Linked", linked.text
        wait_for_pulls(api, company_id, at_least=12)
        requested = api.post(f"/companies/{company_id}/reports/spendAnalysis")
        assert requested.status_code == 202, requested.text
        operation = requested.json()
        assert operation["status"] == "InProgress" and operation["type"] == "spendAnalysis"
        assert operation["requestedDate"] == operation["updatedDate"]
        report_id = operation["id"]
        deadline = time.monotonic() + 90
        while (status := _status(api, company_id, report_id))["status"] == "InProgress":
            assert time.monotonic() < deadline, "the spend analysis is still InProgress"
            time.sleep(0.2)
        assert status["status"] == "Complete" and status["errorMessage"] is None, status
        receiver.wait_for(
            lambda r: any(e["payload"]["id"] == report_id for e in r.events().values()),
            what=f"the webhook of report {report_id}",
        )
        (event,) = receiver.events().values()  # (its signature verified)
        api.delete(f"/webhooks/{consumer}")
        return {
            "company": company_id,
            "id": report_id,
            "status": status,
            "requested": operation,
            "event": event,
        }


def _status(api: httpx.Client, company_id: str, report_id: str) -> dict[str, Any]:
    answer = api.get(f"/companies/{company_id}/reports/spendAnalysis/{report_id}/status")
    assert answer.status_code == 200, answer.text
    return answer.json()


def _part(report: dict[str, Any], part: str, report_id: str | None = None) -> str:
    return PARTS.format(companyId=report["company"], reportId=report_id or report["id"]) + f"/{part}"


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _period(requested: str) -> tuple[date, date]:
    """The twelve months up to the day the report was asked for (the day a year before excluded)."""
    end = date.fromisoformat(requested[:10])
    return date(end.year - 1, end.month, min(end.day, 28) if end.month == 2 else end.day) + timedelta(1), end


def _expected(api: httpx.Client, company_id: str, start: date, end: date) -> dict[str, dict[str, Any]]:
    """Each supplier's figures as the read API's books give them: bills issued in the period (neither void nor
    draft), bill payments made in it, positive direct costs incurred in it."""
    expected: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(Decimal))
    for bill in read_all(api, f"/companies/{company_id}/data/bills"):
        issued = _day(bill["issueDate"])
        if bill["status"] in ("Void", "Draft") or not (start <= issued <= end):
            continue
        row = expected[bill["supplierRef"]["id"]]
        rate = _money(bill.get("currencyRate") or 1)
        row["billsCount"] += 1
        row["billsAmount"] += _money(bill["totalAmount"]) * rate
        if _money(bill["amountDue"]) > 0:
            row["billsOutstandingCount"] += 1
            row["billsOutstandingAmount"] += _money(bill["amountDue"]) * rate
        paid = [_day(a["allocation"].get("allocatedOnDate")) for a in bill["paymentAllocations"]]
        if _money(bill["amountDue"]) == 0 and paid and max(paid) > _day(bill["dueDate"]):
            row["billsPaidLateCount"] += 1
            row["billsPaidLateAmount"] += _money(bill["totalAmount"]) * rate
    for payment in read_all(api, f"/companies/{company_id}/data/billPayments"):
        if _money(payment["totalAmount"]) > 0 and start <= _day(payment["date"]) <= end:
            row = expected[payment["supplierRef"]["id"]]
            row["paymentsCount"] += 1
            row["paymentsAmount"] += _money(payment["totalAmount"]) * _money(payment.get("currencyRate") or 1)
    connection = _books(api, company_id)
    costs = f"/companies/{company_id}/connections/{connection['id']}/data/directCosts"
    for cost in read_all(api, costs):
        contact = cost.get("contactRef") or {}
        if _money(cost["totalAmount"]) > 0 and start <= _day(cost["issueDate"]) <= end:
            # Spend with no supplier (payroll, bank charges) is the whole report's, under ""
            row = expected[contact.get("id", "")]
            row["directCostsCount"] += 1
            row["directCostsAmount"] += _money(cost["totalAmount"]) * _money(cost.get("currencyRate") or 1)
    return expected


def _books(api: httpx.Client, company_id: str) -> dict[str, Any]:
    connections = api.get(f"/companies/{company_id}/connections").json()["results"]
    (books,) = [c for c in connections if c["integrationKey"] == "mqjo"]
    return books


def _suppliers_only(expected: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {key: row for key, row in expected.items() if key}


def test_the_spend_analysis_is_a_report_operation_as_codat_s_spec_has_it(api, report) -> None:
    operation = response_validator(
        SPEC, "/companies/{companyId}/reports/{reportType}/{reportId}/status", False
    )
    assert not list(operation.iter_errors(report["status"]))
    assert not list(operation.iter_errors(report["requested"]))
    event = report["event"]
    assert event["eventType"] == "reports.spendAnalysis.generate.successful"
    assert event["payload"]["referenceCompany"]["id"] == report["company"]
    latest = _status(api, report["company"], "latest")
    assert latest["id"] == report["id"] and latest["status"] == "Complete"
    listed = api.get(f"/companies/{report['company']}/reports", params={"query": "type=spendAnalysis"}).json()
    assert [r["id"] for r in listed["results"]] == [report["id"]]
    assert not list(response_validator(SPEC, "/companies/{companyId}/reports", False).iter_errors(listed))
    pulled = {pull["dataType"] for pull in report["status"]["sourceDatasets"]}
    assert {
        "suppliers",
        "bills",
        "billPayments",
        "directCosts",
        "bankTransactions",
        "banking-transactions",
    } <= pulled


def test_company_info_answers_as_spend_insights_describes_it(api, report) -> None:
    info = api.get(f"/companies/{report['company']}/data/info")
    assert info.status_code == 200, info.text
    validator = response_validator(SPEC, "/companies/{companyId}/data/info", False)
    assert not [str(e) for e in validator.iter_errors(info.json())] and info.json()["companyName"]


def test_every_supplier_s_figures_equal_the_books_read_through_the_api(api, report) -> None:
    suppliers = read_all(api, _part(report, "suppliers"))
    validator = response_validator(SPEC, PARTS.replace("{reportId}", "{reportId}") + "/suppliers")
    for row in suppliers:
        assert not [str(e) for e in validator.iter_errors(row)], row
    start, end = _period(report["status"]["requestedDate"])
    expected = _suppliers_only(_expected(api, report["company"], start, end))
    assert {row["supplierId"] for row in suppliers} == set(expected)
    assert len(suppliers) > 10
    records = {s["id"]: s for s in read_all(api, f"/companies/{report['company']}/data/suppliers")}
    for row in suppliers:
        want = expected[row["supplierId"]]
        for key in (
            "billsCount",
            "billsOutstandingCount",
            "paymentsCount",
            "billsPaidLateCount",
            "directCostsCount",
        ):
            assert row[key] == want[key], (row["supplierName"], key)
        for key in (
            "billsAmount",
            "billsOutstandingAmount",
            "paymentsAmount",
            "billsPaidLateAmount",
            "directCostsAmount",
        ):
            assert _money(row[key]) == want[key].quantize(CENT), (row["supplierName"], key)
        if want["paymentsCount"]:
            average = (want["paymentsAmount"] / want["paymentsCount"]).quantize(CENT)
            assert _money(row["averagePaymentAmount"]) == average
        record = records[row["supplierId"]]
        assert row["supplierName"] == record["supplierName"] and row["emailAddress"] == record["emailAddress"]
        assert row["importedDate"] == record["modifiedDate"]
    spend = [_money(row["billsAmount"]) + _money(row["directCostsAmount"]) for row in suppliers]
    assert spend == sorted(spend, reverse=True), "biggest spend first"


def test_payment_methods_add_up_to_the_whole_spend_and_follow_the_bank(api, report) -> None:
    methods = read_all(api, _part(report, "paymentMethods"))
    validator = response_validator(SPEC, PARTS + "/paymentMethods")
    for row in methods:
        assert not [str(e) for e in validator.iter_errors(row)], row
    assert [row["biggestCountPaymentMethod"] for row in methods] == [
        "Unknown",
        "Cash",
        "Check",
        "CreditCard",
        "DebitCard",
        "BankTransfer",
        "Other",
    ]
    start, end = _period(report["status"]["requestedDate"])
    expected = _expected(api, report["company"], start, end)
    suppliers = read_all(api, _part(report, "suppliers"))
    for key in (
        "billsCount",
        "billsOutstandingCount",
        "paymentsCount",
        "billsPaidLateCount",
        "directCostsCount",
    ):
        assert sum(row[key] for row in methods) == sum(row[key] for row in expected.values()) > 0, key
    for key in ("billsAmount", "paymentsAmount", "directCostsAmount"):
        total = sum(_money(row[key]) for row in methods)
        assert abs(total - sum(row[key] for row in expected.values())) <= CENT * len(methods), key
    assert sum(row["suppliersCount"] for row in methods) == len(suppliers)
    by_method = Counter(row["biggestCountPaymentMethod"] for row in suppliers)
    assert {
        row["biggestCountPaymentMethod"]: row["suppliersCount"] for row in methods if row["suppliersCount"]
    } == by_method
    for row in methods:
        assert sum(row["inferredBy"].values()) == row["paymentsCount"] + row["directCostsCount"]
    # The Sandbox's card spend: direct costs its bank shows as point-of-sale transactions (and only those,
    # nothing in its books naming a card otherwise).
    connection = _books(api, report["company"])
    base = f"/companies/{report['company']}/connections/{connection['id']}/data"
    kinds = {
        t["id"]: t.get("transactionType")
        for account in read_all(api, f"{base}/bankAccounts")
        for t in read_all(api, f"{base}/bankAccounts/{account['id']}/bankTransactions")
    }
    card = [
        c
        for c in read_all(api, f"{base}/directCosts")
        if _money(c["totalAmount"]) > 0
        and start <= _day(c["issueDate"]) <= end
        and kinds.get(c["paymentAllocations"][0]["payment"]["id"]) == "Pos"
    ]
    (debit,) = [row for row in methods if row["biggestCountPaymentMethod"] == "DebitCard"]
    assert debit["directCostsCount"] == len(card) > 0
    assert _money(debit["directCostsAmount"]) == sum(_money(c["totalAmount"]) for c in card)


def test_parts_page_filter_and_order_as_codat_s_lists(api, report) -> None:
    everything = read_all(api, _part(report, "suppliers"))
    page = api.get(_part(report, "suppliers"), params={"page": 2, "pageSize": 5})
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["results"] == everything[5:10] and body["totalResults"] == len(everything)
    assert body["pageNumber"] == 2 and body["pageSize"] == 5
    assert {"self", "current", "next", "previous"} <= set(body["_links"])
    assert not list(response_validator(SPEC, PARTS + "/suppliers", False).iter_errors(body))
    ordered = api.get(
        _part(report, "suppliers"), params={"orderBy": "-paymentsCount", "pageSize": 500}
    ).json()
    counts = [row["paymentsCount"] for row in ordered["results"]]
    assert counts == sorted(counts, reverse=True)
    query = "biggestCountPaymentMethod=BankTransfer&&billsAmount>1000"
    found = api.get(_part(report, "suppliers"), params={"query": query, "pageSize": 500}).json()
    want = [
        r for r in everything if r["biggestCountPaymentMethod"] == "BankTransfer" and r["billsAmount"] > 1000
    ]
    assert found["results"] == want and found["totalResults"] == len(want) > 0
    latest = api.get(_part(report, "paymentMethods", "latest")).json()
    assert latest["results"] == read_all(api, _part(report, "paymentMethods"))
    fresh = api.get(_part(report, "suppliers"), params={"maxAge": "2000-01-01"})
    assert fresh.status_code == 200 and fresh.json()["totalResults"] == len(everything)


@pytest.mark.parametrize(
    ("report_id", "params", "status"),
    [
        (str(uuid.UUID(int=7)), {}, 404),
        ("not-a-report", {}, 404),
        (None, {"maxAge": "2999-01-01"}, 404),
        (None, {"maxAge": "yesterday"}, 400),
        (None, {"pageSize": "0"}, 400),
        (None, {"page": "x"}, 400),
        (None, {"query": "colour=red"}, 400),
        (None, {"orderBy": "-colour"}, 400),
    ],
)
def test_codat_s_errors(api, report, report_id: str | None, params: dict[str, str], status: int) -> None:
    for part in ("suppliers", "paymentMethods"):
        answer = api.get(_part(report, part, report_id), params=params)
        assert answer.status_code == status, answer.text
        body = answer.json()
        assert body["statusCode"] == status and body["error"] and body["correlationId"]


def test_another_company_and_a_company_without_books(api, report) -> None:
    other = api.post("/companies", json={"name": "No Books Ltd"}).json()["id"]
    answer = api.get(_part({"company": other, "id": report["id"]}, "suppliers"))
    assert answer.status_code == 404, answer.text
    requested = api.post(f"/companies/{other}/reports/spendAnalysis")
    assert requested.status_code == 202, requested.text
    report_id = requested.json()["id"]
    deadline = time.monotonic() + 60
    while (status := _status(api, other, report_id))["status"] == "InProgress":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert status["status"] == "Error" and "bills, bill payments and direct costs" in status["errorMessage"]
    not_ready = api.get(_part({"company": other, "id": report_id}, "suppliers"))
    assert not_ready.status_code == 409 and "was not generated" in not_ready.json()["error"], not_ready.text
    assert api.get(f"/companies/{uuid.uuid4()}/reports/spendAnalysis/latest/suppliers").status_code == 404


def test_the_bundle_zips_the_report_s_workbooks_with_codat_s_manifest(api, report) -> None:
    answer = api.get(f"/companies/{report['company']}/reports/bundle", params={"reportId": "latest"})
    assert answer.status_code == 200, answer.text
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert f'filename="SpendAnalysisLtd_SpendReports_{today}.zip"' in answer.headers["content-disposition"]
    assert answer.headers["x-bundle-partial"] == "false"
    assert answer.headers["x-bundle-included"] == answer.headers["x-bundle-total"] == "2"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert sorted(archive.namelist()) == ["SpendAnalysis.xlsx", "SpendSummary.xlsx", "manifest.txt"]
    manifest = archive.read("manifest.txt").decode()
    assert f"Report ID: {report['id']}" in manifest and f"Company ID: {report['company']}" in manifest
    assert f"Correlation ID: {answer.headers['x-correlation-id']}" in manifest
    assert "SpendAnalysis.xlsx\tINCLUDED\t" in manifest and "SpendSummary.xlsx\tINCLUDED\t" in manifest
    workbook = openpyxl.load_workbook(io.BytesIO(archive.read("SpendAnalysis.xlsx")), read_only=True)
    assert workbook.sheetnames == ["Cover", "Spend Analysis", "Supplier Analysis"]
    suppliers = read_all(api, _part(report, "suppliers"))
    rows = list(workbook["Supplier Analysis"].iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == [s["supplierName"] for s in suppliers]
    spend = rows[0].index("Total spend")
    assert [round(row[spend], 2) for row in rows[1:]] == [s["totalSpend"] for s in suppliers]
    methods = list(workbook["Spend Analysis"].iter_rows(values_only=True))
    assert [row[0] for row in methods[1:]] == [
        m["biggestCountPaymentMethod"] for m in read_all(api, _part(report, "paymentMethods"))
    ]
    summary = openpyxl.load_workbook(io.BytesIO(archive.read("SpendSummary.xlsx")), read_only=True)
    top = list(summary["Top suppliers"].iter_rows(values_only=True))[1:]
    assert [row[0] for row in top] == [s["supplierName"] for s in suppliers[:25]]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({}, "reportId is required"),
        ({"reportId": str(uuid.UUID(int=3))}, "only latest"),
        ({"reportId": "latest", "lang": "de"}, "lang must be one of"),
        ({"reportId": "latest", "lang": "fr"}, "English only"),
    ],
)
def test_the_bundle_s_bad_parameters(api, report, params: dict[str, str], words: str) -> None:
    answer = api.get(f"/companies/{report['company']}/reports/bundle", params=params)
    assert answer.status_code == 400 and words in answer.json()["error"], answer.text


def test_no_bundle_without_a_generated_report(api) -> None:
    company = api.post("/companies", json={"name": "Not Yet Ltd"}).json()["id"]
    answer = api.get(f"/companies/{company}/reports/bundle", params={"reportId": "latest"})
    assert answer.status_code == 404 and answer.json()["statusCode"] == 404, answer.text
