"""Codat's Excel reports through `codat-lending` on a linked Accounting Sandbox: generate, poll, download,
open the workbook and check its figures against the read API's; bad inputs; two requests at once."""

from __future__ import annotations

import io
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from codat_lending import CodatLending
from codat_lending.models import shared
from codat_lending.models.errors import ErrorMessage
from sqlalchemy import create_engine, text

from ledgerlink.db import sqlalchemy_url
from ledgerlink.kit.query import parse_datetime
from ledgerlink.lending.excel.audit import AUDITED_TYPES
from tests.support.files import s3_endpoint
from tests.support.pulls import link_sandbox, read_all, wait_for_pulls
from tests.support.server import RunningServer, own_server
from tests.support.waits import wait_until

EXCEL = "/data/companies/{}/assess/excel"


@pytest.fixture(scope="module")
def books(server: RunningServer) -> dict[str, str]:
    with server.client() as api:
        company_id, accounting = link_sandbox(api, "Excel Books Ltd")
        wait_for_pulls(api, company_id, at_least=10)
    return {"company": company_id, "accounting": accounting}


def settled(read: Callable[[], Any], busy: Callable[[Any], bool], timeout: float = 60) -> Any:
    """Poll `read` until `busy` says its answer is no longer in progress; that answer."""
    return wait_until(lambda: None if busy(answer := read()) else answer, timeout, "the report generated")


def excel_status(api, company_id: str, report_type: str = "audit") -> dict:
    return settled(
        lambda: api.get(EXCEL.format(company_id), params={"reportType": report_type}).json(),
        lambda status: status["inProgress"],
    )


def credit_model_status(api, company_id: str, report_id: str) -> dict:
    return settled(
        lambda: api.get(f"/companies/{company_id}/reports/creditModel/{report_id}/status").json(),
        lambda status: status["status"] == "InProgress",
    )


def generated(
    lending: CodatLending, company_id: str, report_type: str, timeout: float = 60
) -> shared.ExcelStatus:
    """Request a report and poll its status until it is no longer in progress."""
    request = {"company_id": company_id, "report_type": report_type}
    queued = lending.excel_reports.generate(request=request)
    assert queued.in_progress is True and queued.success is True and queued.report_type == report_type
    status = settled(
        lambda: lending.excel_reports.get_status(request=request), lambda s: s.in_progress, timeout
    )
    assert status.last_invocation_id == queued.last_invocation_id
    return status


def opened(lending: CodatLending, company_id: str, report_type: str) -> openpyxl.Workbook:
    """Generate a report, check it succeeded, download it and open it."""
    status = generated(lending, company_id, report_type)
    assert status.success is True, status.error_message
    content = lending.excel_reports.download(request={"company_id": company_id, "report_type": report_type})
    assert len(content) == status.file_size
    return openpyxl.load_workbook(io.BytesIO(content))


def month_of(text: str) -> datetime:
    moment = parse_datetime(text)
    return datetime(moment.year, moment.month, 1)


def test_the_audit_report_opens_and_its_figures_are_the_apis(api, lending, books) -> None:
    company_id = books["company"]
    status = generated(lending, company_id, "audit")
    assert status.success is True and status.error_message is None and status.file_size
    content = lending.excel_reports.download(request={"company_id": company_id, "report_type": "audit"})
    assert len(content) == status.file_size
    raw = api.get(f"{EXCEL.format(company_id)}/download", params={"reportType": "audit"})
    assert raw.headers["content-type"] == "application/octet-stream"
    assert 'filename="Audit report - Excel Books Ltd - ' in raw.headers["content-disposition"]
    assert raw.headers["content-disposition"].endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Cover", "Record updates", "Data currency", "Profit and loss trends"]
    for name in book.sheetnames[1:]:
        assert book[name].freeze_panes == "A2", name

    cover = {row[0]: row[1:] for row in book["Cover"].iter_rows(values_only=True) if row[0]}
    assert cover["Company"][0] == "Excel Books Ltd" and cover["Company ID"][0] == company_id
    history = api.get(f"/companies/{company_id}/data/history", params={"pageSize": 500}).json()["results"]
    invoices_pull = cover["invoices"]
    assert invoices_pull[0] == books["accounting"]
    assert any(p["id"] == invoices_pull[1] and p["dataType"] == "invoices" for p in history)
    # The types the report could not analyse are those the read API cannot answer for the company.
    lacking = [t for t in AUDITED_TYPES if api.get(f"/companies/{company_id}/data/{t}").status_code != 200]
    assert cover["UnAnalyzedDataTypes"][0] == (", ".join(lacking) or "none") and len(lacking) < 8

    # Per month of their issue date: the invoices the API lists, and those changed after their month ended.
    first = month_of(cover["Months covered"][0].split(" to ")[0])
    expected_dated, expected_changed = Counter(), Counter()
    for invoice in read_all(api, f"/companies/{company_id}/data/invoices"):
        month = month_of(invoice["issueDate"])
        if month < first:
            continue
        expected_dated[month] += 1
        changed = invoice.get("sourceModifiedDate")
        if changed and month_of(changed) > month:
            expected_changed[month] += 1
    updates = book["Record updates"]
    assert updates["E2"].number_format == "0.00%" and updates["B2"].is_date
    dated, changed_after = Counter(), Counter()
    for row in updates.iter_rows(min_row=2, values_only=True):
        if row[0] == "invoices":
            dated[row[1]] += row[2]
            changed_after[row[1]] += row[3]
            assert row[4] == pytest.approx(row[3] / row[2])
    assert dated == expected_dated and sum(dated.values()) > 0
    assert +changed_after == +expected_changed

    # Each month's profit and loss is the read API's, one month a period.
    statement = api.get(
        f"/companies/{company_id}/data/financials/profitAndLoss",
        params={"periodLength": 1, "periodsToCompare": 24},
    ).json()["reports"]
    trends = book["Profit and loss trends"]
    assert trends["B2"].number_format == "#,##0.00;[Red]-#,##0.00" and trends["J2"].number_format == "0.00%"
    by_month = {row[0]: row for row in trends.iter_rows(min_row=2, values_only=True)}
    compared = 0
    for report in statement:
        month = month_of(report["fromDate"])
        if month < first:
            continue
        row = by_month[month]
        assert row[1] == report["income"]["value"] and row[3] == report["grossProfit"]
        assert row[4] == report["expenses"]["value"] and row[8] == report["netProfit"]
        assert row[9] == pytest.approx(report["grossProfit"] / report["income"]["value"])
        compared += 1
    assert compared >= 12


def test_bad_report_types_and_unknown_companies_get_codats_errors(api, lending, books) -> None:
    company_id = books["company"]
    path = EXCEL.format(company_id)
    for params, fragment in (
        ({}, "reportType query parameter is required"),
        ({"reportType": "balanceSheet"}, "not a valid reportType"),
    ):
        for method, url in (("POST", path), ("GET", path), ("GET", f"{path}/download")):
            answer = api.request(method, url, params=params)
            assert answer.status_code == 400, (method, url, params, answer.text)
            body = answer.json()
            assert body["statusCode"] == 400 and fragment in body["error"], body
    unknown = "8a210b68-6988-11ed-a1eb-0242ac120002"
    for method, url in (("POST", EXCEL.format(unknown)), ("GET", f"{EXCEL.format('not-an-id')}/download")):
        answer = api.request(method, url, params={"reportType": "audit"})
        assert answer.status_code == 404 and answer.json()["statusCode"] == 404
    # A company that never asked has no status and nothing to download.
    fresh = api.post("/companies", json={"name": "Never Asked"}).json()["id"]
    for url in (EXCEL.format(fresh), f"{EXCEL.format(fresh)}/download"):
        answer = api.get(url, params={"reportType": "AUDIT"})  # (in any case, as Codat takes it)
        assert answer.status_code == 404 and "audit" in answer.json()["error"]


def test_requests_at_once_share_one_generation(api, server, books, db) -> None:
    company_id = books["company"]
    path = EXCEL.format(company_id)
    earlier = [
        row.reference
        for row in db.execute(
            text("SELECT reference FROM excel_workbooks WHERE company_id = :c AND reference IS NOT NULL"),
            {"c": company_id},
        )
    ]
    db.rollback()

    def post(_: int) -> dict:
        with server.client() as client:
            answer = client.post(path, params={"reportType": "audit"})
            assert answer.status_code == 200, answer.text
            return answer.json()

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(post, range(4)))
    assert len({a["lastInvocationId"] for a in answers}) == 1
    assert all(a["inProgress"] for a in answers)
    status = excel_status(api, company_id)
    assert status["lastInvocationId"] == answers[0]["lastInvocationId"] and status["success"] is True
    queued = datetime.fromisoformat(status["queued"].replace("Z", "+00:00"))
    assert (
        queued <= datetime.fromisoformat(status["lastGenerated"].replace("Z", "+00:00")) <= datetime.now(UTC)
    )
    assert api.get(f"{path}/download", params={"reportType": "audit"}).status_code == 200
    # Only the latest workbook is kept: the earlier ones' rows and stored bytes are gone.
    kept = db.execute(
        text("SELECT id, reference FROM excel_workbooks WHERE company_id = :c AND report_type = 'audit'"),
        {"c": company_id},
    ).all()
    assert [str(row.id) for row in kept] == [status["lastInvocationId"]]
    assert earlier and kept[0].reference not in earlier
    for reference in earlier:
        found = db.execute(
            text("SELECT count(*) FROM pg_largeobject_metadata WHERE oid = :o"), {"o": int(reference)}
        )
        assert found.scalar_one() == 0


def test_a_generation_whose_job_is_gone_does_not_block_the_next(api, books, db) -> None:
    company_id = books["company"]
    path = EXCEL.format(company_id)
    lost = db.execute(
        text(
            "INSERT INTO excel_workbooks (id, company_id, report_type, api_key_id, in_progress) "
            "VALUES (gen_random_uuid(), :c, 'audit', gen_random_uuid(), true) RETURNING id"
        ),
        {"c": company_id},
    ).scalar_one()
    db.commit()
    assert api.get(path, params={"reportType": "audit"}).json()["lastInvocationId"] == str(lost)
    queued = api.post(path, params={"reportType": "audit"}).json()
    assert queued["lastInvocationId"] != str(lost) and queued["inProgress"] is True
    ended = db.execute(
        text("SELECT in_progress, error_message FROM excel_workbooks WHERE id = :id"), {"id": lost}
    ).first()
    assert ended is None or (ended.in_progress is False and "interrupted" in ended.error_message)
    db.rollback()
    status = excel_status(api, company_id)
    assert status["success"] is True and status["lastInvocationId"] == queued["lastInvocationId"]


def test_the_enhanced_financials_workbook_is_the_categorized_statements(api, lending, books) -> None:
    company_id = books["company"]
    book = opened(lending, company_id, "enhancedFinancials")
    assert book.sheetnames == ["Cover", "Profit and loss", "Balance sheet", "Category totals"]
    cover = {row[0]: row[1:] for row in book["Cover"].iter_rows(values_only=True) if row[0]}
    assert {"profitAndLoss", "balanceSheet", "chartOfAccounts"} <= set(cover)
    for sheet, path, kind in (
        ("Profit and loss", "enhancedProfitAndLoss", "profitAndLoss"),
        ("Balance sheet", "enhancedBalanceSheet", "balanceSheet"),
    ):
        # The workbook's months end with the latest in the books, as the plain statement's do.
        plain = api.get(
            f"/companies/{company_id}/data/financials/{kind}",
            params={"periodLength": 1, "periodsToCompare": 1},
        ).json()
        answer = api.get(
            f"/companies/{company_id}/reports/{path}/accounts",
            params={"numberOfPeriods": 24, "reportDate": plain["mostRecentAvailableMonth"][:10]},
        )
        assert answer.status_code == 200, answer.text
        items = answer.json()["reportItems"]
        worksheet = book[sheet]
        assert worksheet.freeze_panes == "A2"
        assert worksheet["A2"].is_date and worksheet["J2"].number_format == "#,##0.00;[Red]-#,##0.00"
        rows = list(worksheet.iter_rows(min_row=2, values_only=True))
        expected = []
        for item in items:
            levels = [level["levelName"] for level in item["accountCategory"]["levels"]]
            expected.append(
                (
                    parse_datetime(item["date"]).replace(tzinfo=None),
                    item.get("accountId"),
                    item["accountName"],
                    *(levels + [None] * (5 - len(levels))),
                    item["accountCategory"]["status"],
                    item["balance"],
                )
            )
        assert rows == expected and len(rows) > 24
        # The category totals add up to the items, per period and top level.
        by_top = Counter()
        for item in items:
            by_top[(month_of(item["date"]), item["accountCategory"]["levels"][0]["levelName"])] += item[
                "balance"
            ]
        summed = Counter()
        for title, end, level_1, _level_2, total in book["Category totals"].iter_rows(
            min_row=2, values_only=True
        ):
            if title == sheet:
                summed[(month_of(end.isoformat()), level_1)] += total
        assert summed.keys() == by_top.keys()
        for key, total in by_top.items():
            assert summed[key] == pytest.approx(total, abs=0.005)


def test_a_report_the_books_cannot_give_ends_unsuccessful_with_why(api, lending) -> None:
    company_id = api.post("/companies", json={"name": "No Books Yet"}).json()["id"]
    status = generated(lending, company_id, "enhancedFinancials")
    assert status.success is False and "profitAndLoss" in status.error_message and not status.file_size
    with pytest.raises(ErrorMessage) as raised:
        lending.excel_reports.download(
            request={"company_id": company_id, "report_type": "enhancedFinancials"}
        )
    assert raised.value.status_code == 404
    # A credit model that could not be generated has no workbook either: Codat's 400 saying why.
    assert api.get(f"/companies/{company_id}/reports/creditModel/latest/excel").status_code == 404
    report_id = lending.manage_reports.generate_report(
        request={"company_id": company_id, "report_type": "creditModel"}
    ).id
    credit_model_status(api, company_id, str(report_id))
    answer = api.get(f"/companies/{company_id}/reports/creditModel/{report_id}/excel")
    assert answer.status_code == 400 and "was not generated" in answer.json()["error"]


def test_the_enhanced_invoices_workbook_is_the_reconciled_invoices(api, lending, books) -> None:
    company_id = books["company"]
    book = opened(lending, company_id, "enhancedInvoices")
    assert book.sheetnames == ["Cover", "Invoices and payments"]
    sheet = book["Invoices and payments"]
    assert sheet.freeze_panes == "A2" and sheet["E2"].is_date
    assert sheet["I2"].number_format == "#,##0.00;[Red]-#,##0.00"
    headers = [cell.value for cell in sheet[1]]
    column = {name: headers.index(name) for name in headers}
    invoices, payments, banked = {}, defaultdict(dict), defaultdict(set)
    for row in sheet.iter_rows(min_row=2, values_only=True):
        invoice_id = row[column["Invoice ID"]]
        invoices[invoice_id] = (row[column["Total amount"]], row[column["Amount due"]], row[column["Status"]])
        if row[column["Payment ID"]] is not None:
            payments[invoice_id][row[column["Payment ID"]]] = row[column["Payment amount"]]
        if row[column["Bank transaction ID"]] is not None:
            banked[invoice_id].add((row[column["Bank transaction ID"]], row[column["Match score"]]))

    expected_payments, expected_banked, page = defaultdict(dict), defaultdict(set), 1
    expected = {}
    while True:
        answer = api.get(
            f"/companies/{company_id}/reports/enhancedInvoices", params={"page": page, "pageSize": 500}
        ).json()
        for item in answer["reportItems"]:
            expected[item["id"]] = (item.get("totalAmount"), item.get("amountDue"), item.get("status"))
            for payment in item.get("payments") or []:
                expected_payments[item["id"]][payment["id"]] = payment.get("amount")
                for bank in payment.get("bankingTransactionRefs") or []:
                    expected_banked[item["id"]].add((bank["id"], bank["matchScore"]))
        if page * 500 >= answer["reportInfo"]["totalResults"]:
            break
        page += 1
    assert invoices == expected and len(invoices) > 0
    assert payments == expected_payments and sum(len(p) for p in payments.values()) > 0
    assert banked == expected_banked and sum(len(b) for b in banked.values()) > 0


def credit_model_report(api, lending, company_id: str) -> str:
    report_id = str(
        lending.manage_reports.generate_report(
            request={"company_id": company_id, "report_type": "creditModel"}
        ).id
    )
    status = credit_model_status(api, company_id, report_id)
    assert status["status"] == "Complete", status
    return report_id


def test_the_credit_model_workbook_is_its_financial_summary(api, lending, books) -> None:
    company_id = books["company"]
    report_id = credit_model_report(api, lending, company_id)
    # (The SDK answers this one as an httpx.Response.)
    content = lending.financial_summary.download_credit_model_excel(
        request={"company_id": company_id, "report_id": report_id}
    ).content
    raw = api.get(f"/companies/{company_id}/reports/creditModel/latest/excel")
    assert raw.status_code == 200 and raw.headers["content-type"] == "application/octet-stream"
    assert 'filename="Credit model - Excel Books Ltd - ' in raw.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Cover", "Summary", "Figures", "Figure accounts"]
    summary = api.get(f"/companies/{company_id}/reports/creditModel/{report_id}/financialSummary").json()
    cover = {row[0]: row[1:] for row in book["Cover"].iter_rows(values_only=True) if row[0]}
    assert cover["Report ID"][0] == report_id
    for dataset in summary["sourceDatasets"]:
        assert cover[dataset["dataType"]][:2] == (dataset["connectionId"], dataset["datasetId"])

    rows = {row[0]: row for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert rows["Accounting score"][2] == summary["accountingScore"]["score"]
    assert rows["Accounting score"][3] == ("; ".join(summary["accountingScore"]["reason"]) or None)
    closed = summary["booksClosedDate"]["date"]
    assert rows["Books closed date"][1] == (parse_datetime(closed).replace(tzinfo=None) if closed else None)

    figures = book["Figures"]
    assert figures.freeze_panes == "A2"
    periods = summary["periods"]
    assert [c.value for c in figures[1]][2:] == [p["date"] for p in periods] and len(periods) > 1
    formats = {}
    for row in figures.iter_rows(min_row=2):
        name = row[0].value
        formats[name] = row[2].number_format
        for cell, period in zip(row[2:], periods, strict=True):
            value = period["figures"].get(name, {}).get("value")  # (the oldest month has no growth)
            if name in ("grossMargin", "netMargin") or name.endswith("Growth"):
                value = None if value is None else value / 100
            assert cell.value == (pytest.approx(value) if value is not None else None), (name, period["date"])
    assert formats["revenue"] == "#,##0.00;[Red]-#,##0.00" and formats["grossMargin"] == "0.00%"
    assert formats["currentRatio"] == "#,##0.00##"
    # The accounts behind each summed figure add up to it.
    summed = Counter()
    for end, name, _id, _name, _category, balance in book["Figure accounts"].iter_rows(
        min_row=2, values_only=True
    ):
        summed[(end.date().isoformat(), name)] += balance
    for period in periods:
        for name, figure in period["figures"].items():
            if "accounts" in figure:
                assert summed[(period["date"], name)] == pytest.approx(figure["value"], abs=0.01), name

    for missing in (f"/companies/{company_id}/reports/creditModel/{uuid.uuid4()}/excel",):
        answer = api.get(missing)
        assert answer.status_code == 404 and answer.json()["statusCode"] == 404


def test_workbooks_kept_in_an_object_store(postgres, tmp_path_factory) -> None:
    """With LEDGERLINK_FILES_STORE=s3 a workbook is an object in the bucket; a newer one's generation, and
    the company's delete, let the older objects go (the purge job, from the keys the rows' deletes record)."""
    with (
        s3_endpoint() as s3,
        own_server(
            postgres, tmp_path_factory.mktemp("excel-s3"), "excel_s3", api_key=uuid.uuid4().hex, env=s3.env
        ) as running,
        running.client() as api,
    ):
        company_id = api.post("/companies", json={"name": "Object Store Books"}).json()["id"]
        keys = []
        for _ in range(2):
            assert api.post(EXCEL.format(company_id), params={"reportType": "audit"}).status_code == 200
            status = excel_status(api, company_id)
            assert status["success"] is True and status["fileSize"] > 0
            keys.append(f"ledgerlink/files/excel/{company_id}/{status['lastInvocationId']}.xlsx")
            assert keys[-1] in s3.object_keys()
            download = api.get(f"{EXCEL.format(company_id)}/download", params={"reportType": "audit"})
            assert len(download.content) == status["fileSize"]
            cover = openpyxl.load_workbook(io.BytesIO(download.content))["Cover"]
            assert cover["B3"].value == "Object Store Books"
        wait_until(lambda: keys[0] not in s3.object_keys(), timeout=30, what="the older workbook purged")
        assert keys[1] in s3.object_keys()
        # The kept workbook's key is not waiting to be purged (its upload struck it off when it committed).
        engine = create_engine(sqlalchemy_url(running.database_url))
        with engine.connect() as db:
            orphans = db.execute(text("SELECT reference FROM file_orphans")).scalars().all()
        engine.dispose()
        assert keys[1] not in orphans
        # A company's delete takes its workbooks with it.
        assert api.delete(f"/companies/{company_id}").status_code == 204
        wait_until(lambda: keys[1] not in s3.object_keys(), timeout=30, what="the deleted company's workbook")
