"""The categorized bank statement through the server, its worker and Codat's `codat-lending` SDK, for a
company linked to the Banking Sandbox and the Accounting Sandbox: the report completes with its webhook; its
accounts' totals equal the bank transactions the read API lists (posted ones: a pending line has no posting
day yet); every transaction has a category path of the taxonomy; paging, `query`, `orderBy` and the errors
(unknown id, a report not Complete, bad paging); the workbook; an analyst's category correction, audited
and applied by the next report only; and the older `enhancedCashFlow/transactions` answered from the same
statement."""

from __future__ import annotations

import io
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pytest
from codat_lending import CodatLending
from codat_lending.models.errors import ErrorMessage

from ledgerlink.lending.bank_categories import CATEGORIES
from tests.support.pulls import read_all, wait_for_pulls
from tests.support.server import RunningServer
from tests.support.waits import wait_until
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import add_consumer

TAG = uuid.uuid4().hex[:12]
REPORT = "categorizedBankStatement"
EVENTS = [f"reports.{REPORT}.generate.{outcome}" for outcome in ("successful", "unsuccessful")]
PATHS = {category.path for category in CATEGORIES}


@pytest.fixture(scope="module")
def receiver(server: RunningServer) -> Iterator[Receiver]:
    with Receiver().start() as receiver, server.client() as api:
        consumer = add_consumer(api, receiver, eventTypes=EVENTS, companyTags=[f"bankStatementTests:{TAG}"])
        yield receiver
        api.delete(f"/webhooks/{consumer}")


def tagged_company(api: httpx.Client, name: str) -> str:
    created = api.post("/companies", json={"name": name, "tags": {"bankStatementTests": TAG}})
    assert created.status_code == 200, created.text
    return created.json()["id"]


def linked(api: httpx.Client, company_id: str, platform_key: str) -> str:
    connection = api.post(f"/companies/{company_id}/connections", json={"platformKey": platform_key}).json()
    done = api.put(f"/companies/{company_id}/connections/{connection['id']}/authorization", json={})
    assert done.json()["status"] == "Linked", done.text
    return connection["id"]


def generate(lending: CodatLending, company_id: str) -> str:
    operation = lending.manage_reports.generate_report(
        request={"company_id": company_id, "report_type": REPORT}
    )
    assert operation.status == "InProgress" and operation.type == REPORT
    return str(operation.id)


def finished(api: httpx.Client, company_id: str, report_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = api.get(f"/companies/{company_id}/reports/{REPORT}/{report_id}/status")
        assert status.status_code == 200, status.text
        if status.json()["status"] != "InProgress":
            return status.json()
        assert time.monotonic() < deadline, f"report {report_id} still InProgress"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def statement(server: RunningServer, lending: CodatLending, receiver: Receiver) -> dict[str, str]:
    """A company with the Banking and Accounting Sandboxes linked and pulled, and its categorized bank
    statement generated."""
    with server.client() as api:
        company_id = tagged_company(api, "Bank Statement Ltd")
        books = linked(api, company_id, "mqjo")
        bank = linked(api, company_id, "qhnd")
        wait_for_pulls(api, company_id, at_least=12)
        report_id = generate(lending, company_id)
        done = finished(api, company_id, report_id)
        assert done["status"] == "Complete", done
    return {"company": company_id, "books": books, "bank": bank, "report": report_id}


def transactions_of(
    api: httpx.Client, company_id: str, report_id: str, **params: str
) -> list[dict[str, Any]]:
    return read_all(api, f"/companies/{company_id}/reports/{REPORT}/{report_id}/transactions", **params)


def posted_totals(
    api: httpx.Client, company_id: str, statement: dict[str, str]
) -> dict[tuple[str, str], Any]:
    """Per (source, account): the count and sum of the bank transactions the read API lists with a posting
    (bank) or clearing (books) day, as the statement takes them."""
    totals: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    bank = f"/companies/{company_id}/connections/{statement['bank']}/data"
    for t in read_all(api, f"{bank}/banking-transactions"):
        if t.get("postedDate"):
            entry = totals[("Banking", t["accountId"])]
            entry[0] += 1
            entry[1] += Decimal(str(t["amount"]))
    books = f"/companies/{company_id}/connections/{statement['books']}/data"
    for account in read_all(api, f"{books}/bankAccounts"):
        for t in read_all(api, f"{books}/bankAccounts/{account['id']}/bankTransactions"):
            if t.get("clearedOnDate"):
                entry = totals[("Accounting", account["id"])]
                entry[0] += 1
                entry[1] += Decimal(str(t["amount"]))
    return {key: (count, total) for key, (count, total) in totals.items()}


def test_the_statement_completes_and_its_totals_are_the_banks_and_the_books(
    api, lending, receiver, statement
) -> None:
    company_id, report_id = statement["company"], statement["report"]
    receiver.wait_for(
        lambda r: any(e["payload"]["id"] == report_id for e in r.events().values()),
        what="the report's webhook",
    )
    (event,) = [e for e in receiver.events().values() if e["payload"]["id"] == report_id]
    assert event["eventType"] == f"reports.{REPORT}.generate.successful"
    assert event["payload"]["referenceCompany"]["id"] == company_id

    accounts = lending.bank_statements.list_categorized_bank_statement_accounts(
        request={"company_id": company_id, "report_id": report_id, "page_size": 100}
    )
    assert accounts.results and accounts.total_results == len(accounts.results)
    sources = {a.source_ref.source_type for a in accounts.results if a.source_ref}
    assert sources == {"Banking", "Accounting"}
    raw_accounts = api.get(f"/companies/{company_id}/reports/{REPORT}/latest/accounts").json()["results"]
    banking = [a for a in raw_accounts if a["sourceRef"]["sourceType"] == "Banking"]
    assert {a["platformName"] for a in banking} == {"Banking Sandbox"}
    assert all(a["currency"] and a["accountName"] for a in banking)

    page = lending.bank_statements.get_categorized_bank_statement_transactions(
        request={"company_id": company_id, "report_id": report_id, "page": 1, "page_size": 50}
    )
    assert len(page.results or []) == 50 and page.links.next is not None
    rows = transactions_of(api, company_id, report_id)
    assert len(rows) == page.total_results
    # Per account: the report's transactions, its account totals and the read API's posted transactions agree.
    expected = posted_totals(api, company_id, statement)
    found: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for row in rows:
        entry = found[(row["sourceRef"]["sourceType"], row["accountRef"]["id"])]
        entry[0] += 1
        entry[1] += Decimal(str(row["amount"]))
    assert {key: (count, total) for key, (count, total) in found.items()} == expected
    for account in raw_accounts:
        count, total = expected.get((account["sourceRef"]["sourceType"], account["id"]), (0, Decimal(0)))
        assert account["transactionCount"] == count
        assert Decimal(str(account["moneyIn"])) - Decimal(str(account["moneyOut"])) == pytest.approx(total)
    # Every transaction is placed in the taxonomy, with a reason; a suggestion says how sure it is.
    for row in rows:
        category = row["transactionCategory"]
        assert tuple(category["levels"]) in PATHS, category
        assert category["status"] == "Suggested" and category["reason"]
        assert 0 <= category["confidence"] <= 100
        assert category["confidences"] == [category["confidence"]] * len(category["levels"])
        assert row["date"].endswith("T00:00:00") and row["currency"]
    assert {r["transactionCategory"]["levels"][0] for r in rows} >= {"Income", "Expense"}
    assert any(r["counterpartyNames"] for r in rows)
    # A transaction with a counterparty is judged recurring or not; without one it is not judged.
    assert all((r["isRecurring"] is None) == (not r["counterpartyNames"]) for r in rows)
    assert any(r["isRecurring"] is True for r in rows) and any(r["isRecurring"] is False for r in rows)


def test_pages_queries_orders_and_errors(api, lending, statement) -> None:
    company_id, report_id = statement["company"], statement["report"]
    path = f"/companies/{company_id}/reports/{REPORT}/{report_id}/transactions"
    first = api.get(path, params={"pageSize": 3}).json()
    second = api.get(path, params={"pageSize": 3, "page": 2}).json()
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})
    assert first["_links"]["next"]["href"].endswith("page=2&pageSize=3")

    money_in = read_all(api, path, query="amount>0")
    assert money_in and all(r["amount"] > 0 for r in money_in)
    account = first["results"][0]["accountRef"]["id"]
    one = read_all(api, path, query=f"accountRef.id={account}")
    assert one and {r["accountRef"]["id"] for r in one} == {account}
    income = read_all(api, path, query="transactionCategory.category~Income")
    assert income and all(r["transactionCategory"]["levels"][0] == "Income" for r in income)
    middle = sorted(r["date"] for r in money_in)[len(money_in) // 2]
    later = read_all(api, path, query=f"date>={middle[:10]}&&amount>0")
    assert later and all(r["date"] >= middle and r["amount"] > 0 for r in later)
    largest = api.get(path, params={"orderBy": "-amount", "pageSize": 5}).json()["results"]
    assert [r["amount"] for r in largest] == sorted((r["amount"] for r in largest), reverse=True)
    banking = api.get(
        f"/companies/{company_id}/reports/{REPORT}/{report_id}/accounts",
        params={"query": "sourceRef.sourceType=Banking", "orderBy": "accountName"},
    ).json()["results"]
    assert banking and [a["accountName"] for a in banking] == sorted(a["accountName"] for a in banking)

    for params, message in (
        ({"page": "0"}, "page must be at least 1."),
        ({"pageSize": "5001"}, "pageSize must be at most 5000."),
        ({"query": "nothing=1"}, "Could not resolve property nothing"),
        ({"orderBy": "-nothing"}, "Could not resolve property nothing"),
    ):
        bad = api.get(path, params=params)
        assert bad.status_code == 400 and message in bad.json()["error"], (params, bad.text)
    unknown = api.get(f"/companies/{company_id}/reports/{REPORT}/{uuid.uuid4()}/accounts")
    assert unknown.status_code == 404 and unknown.json()["statusCode"] == 404
    with pytest.raises(ErrorMessage):
        lending.bank_statements.get_categorized_bank_statement_transactions(
            request={"company_id": company_id, "report_id": str(uuid.uuid4())}
        )
    assert api.get(f"/companies/{uuid.uuid4()}/reports/{REPORT}/latest/transactions").status_code == 404


def test_a_statement_of_a_company_without_bank_data_ends_in_error_and_has_no_parts(
    api, lending, receiver
) -> None:
    company_id = tagged_company(api, "No Bank Yet Ltd")
    report_id = generate(lending, company_id)
    done = finished(api, company_id, report_id)
    assert done["status"] == "Error" and "no banking connection" in done["errorMessage"], done
    for part in ("accounts", "transactions", "excel"):
        answer = api.get(f"/companies/{company_id}/reports/{REPORT}/{report_id}/{part}")
        assert answer.status_code == 400 and done["errorMessage"] in answer.json()["error"], part
    # `latest` names the last Complete one: there is none.
    assert api.get(f"/companies/{company_id}/reports/{REPORT}/latest/transactions").status_code == 404
    # The older operation cannot make one either, and says why (nothing stored).
    older = api.get(f"/companies/{company_id}/reports/enhancedCashFlow/transactions")
    assert older.status_code == 409 and "no banking connection" in older.json()["error"]


def test_the_workbook_holds_the_accounts_and_every_categorized_transaction(api, lending, statement) -> None:
    company_id, report_id = statement["company"], statement["report"]
    content = lending.bank_statements.download_categorized_bank_statement_excel(
        request={"company_id": company_id, "report_id": report_id}
    ).content
    raw = api.get(f"/companies/{company_id}/reports/{REPORT}/{report_id}/excel")
    assert raw.headers["content-type"] == "application/octet-stream"
    assert (
        'filename="Categorized bank statement - Bank Statement Ltd - ' in raw.headers["content-disposition"]
    )
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert book.sheetnames == ["Cover", "Accounts", "Transactions"]
    sheet = list(book["Transactions"].iter_rows(values_only=True))
    header, rows = sheet[0], sheet[1:]
    assert header[:9] == (
        "Date",
        "Source",
        "Account ID",
        "Account name",
        "Transaction ID",
        "Description",
        "Amount",
        "Currency",
        "Category",
    )
    listed = transactions_of(api, company_id, report_id)
    assert len(rows) == len(listed)
    by_id = {(r["accountRef"]["id"], r["id"]): r for r in listed}
    for row in rows[:200]:
        match = by_id[(row[2], row[4])]
        assert row[6] == pytest.approx(match["amount"])
        assert row[8] == ".".join(match["transactionCategory"]["levels"])
    accounts = list(book["Accounts"].iter_rows(values_only=True))
    assert len(accounts) - 1 == len(
        api.get(f"/companies/{company_id}/reports/{REPORT}/latest/accounts").json()["results"]
    )


def test_an_analysts_category_is_audited_and_used_by_the_next_statement(api, lending, statement) -> None:
    company_id, report_id = statement["company"], statement["report"]
    row = next(
        r
        for r in transactions_of(api, company_id, report_id)
        if r["sourceRef"]["sourceType"] == "Banking" and r["transactionCategory"]["levels"][0] == "Expense"
    )
    path = (
        f"/data/companies/{company_id}/connections/{statement['bank']}/assess/bankAccounts/"
        f"{row['accountRef']['id']}/transactions/{row['id']}/categories"
    )
    before = api.get(path).json()
    assert before["transactionCategory"]["levels"] == row["transactionCategory"]["levels"]
    assert before["transactionCategory"]["status"] == "Suggested"

    # Bad input is refused and stores nothing.
    bad = api.patch(path, json={"confirmed": {"levels": ["Expense", "NoSuchThing"]}})
    assert bad.status_code == 400 and bad.json()["validation"]["errors"][0]["itemId"] == "confirmed.levels"
    missing = path.replace(row["id"], "no-such-transaction")
    assert api.patch(missing, json={"confirmed": {"levels": ["Expense"]}}).status_code == 404
    assert api.get(path).json()["transactionCategory"]["status"] == "Suggested"

    chosen = ["Liability", "Current", "Debt"] if ("Liability", "Current", "Debt") in PATHS else ["Equity"]
    set_ = api.patch(path, json={"confirmed": {"levels": chosen}, "reason": "Loan repayment, per lender"})
    assert set_.status_code == 200, set_.text
    category = set_.json()["transactionCategory"]
    assert category == {
        "confidence": None,
        "levels": chosen,
        "confidences": [],
        "status": "Confirmed",
        "reason": "Loan repayment, per lender",
    }
    changes = api.get(
        f"/data/companies/{company_id}/connections/{statement['bank']}/assess/bankTransactions/categories/changes"
    ).json()
    (change,) = changes["results"]
    assert change["transactionId"] == row["id"] and change["changedBy"]["type"] == "ApiKey"
    assert change["from"] == {"status": "Suggested", "levels": row["transactionCategory"]["levels"]}
    assert change["to"] == {"status": "Confirmed", "levels": chosen}

    # The report already generated keeps what it was generated with; the next one uses the correction.
    query = {"query": f"id={row['id']}"}
    (old,) = transactions_of(api, company_id, report_id, **query)
    assert old["transactionCategory"]["status"] == "Suggested"
    second = generate(lending, company_id)
    assert finished(api, company_id, second)["status"] == "Complete"
    (new,) = transactions_of(api, company_id, second, **query)
    assert (
        new["transactionCategory"]["levels"] == chosen and new["transactionCategory"]["status"] == "Confirmed"
    )
    assert new["transactionCategory"]["reason"] == "Loan repayment, per lender"

    unset = api.patch(path, json={"confirmed": None})
    assert unset.json()["transactionCategory"]["status"] == "Suggested"


def test_the_older_enhanced_cash_flow_reads_the_latest_statement(api, lending, statement) -> None:
    company_id = statement["company"]
    latest = api.get(f"/companies/{company_id}/reports/{REPORT}/latest/status").json()
    answer = lending.banking.categorized_statement.get(
        request={"company_id": company_id, "page": 2, "page_size": 20}
    )
    assert answer.report_info is not None and answer.report_info.page_number == 2
    assert answer.report_info.company_name == "Bank Statement Ltd"
    raw = api.get(
        f"/companies/{company_id}/reports/enhancedCashFlow/transactions", params={"page": 2, "pageSize": 20}
    ).json()
    assert raw["reportInfo"]["reportId"] == latest["id"]
    listed = api.get(
        f"/companies/{company_id}/reports/{REPORT}/{latest['id']}/transactions",
        params={"page": 2, "pageSize": 20},
    ).json()
    assert raw["reportInfo"]["totalResults"] == listed["totalResults"]
    assert raw["reportItems"][0]["transactions"] == listed["results"]
    connections = {a["connectionId"] for source in raw["dataSources"] for a in source["accounts"]}
    assert len(raw["dataSources"]) == len(connections) == 2


def test_the_older_enhanced_cash_flow_makes_a_statement_when_there_is_none(api, lending) -> None:
    company_id = tagged_company(api, "Fresh Bank Ltd")
    linked(api, company_id, "qhnd")
    wait_for_pulls(api, company_id, at_least=3)
    raw = api.get(f"/companies/{company_id}/reports/enhancedCashFlow/transactions", params={"pageSize": 10})
    assert raw.status_code == 200, raw.text
    body = raw.json()
    made = api.get(f"/companies/{company_id}/reports/{REPORT}/latest/status").json()
    assert made["status"] == "Complete" and body["reportInfo"]["reportId"] == made["id"]
    assert body["reportInfo"]["totalResults"] > 10 and len(body["reportItems"][0]["transactions"]) == 10
    again = api.get(f"/companies/{company_id}/reports/enhancedCashFlow/transactions").json()
    assert again["reportInfo"]["reportId"] == made["id"]


def excel_status(lending: CodatLending, company_id: str) -> Any:
    """Ask for the `enhancedCashFlow` Excel report and wait until it is no longer in progress."""
    request = {"company_id": company_id, "report_type": "enhancedCashFlow"}
    queued = lending.excel_reports.generate(request=request)
    assert queued.in_progress is True and queued.report_type == "enhancedCashFlow"
    return wait_until(
        lambda: None if (status := lending.excel_reports.get_status(request=request)).in_progress else status,
        60,
        "the enhancedCashFlow workbook",
    )


def test_the_enhanced_cash_flow_excel_report_is_the_latest_statement(api, lending, statement) -> None:
    company_id = statement["company"]
    status = excel_status(lending, company_id)
    assert status.success is True and status.error_message is None, status.error_message
    content = lending.excel_reports.download(
        request={"company_id": company_id, "report_type": "enhancedCashFlow"}
    )
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert book.sheetnames == ["Cover", "Accounts", "Transactions"]
    latest = api.get(f"/companies/{company_id}/reports/{REPORT}/latest/status").json()
    cover = {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True) if row and row[0]}
    assert cover["Categorized bank statement report ID"] == latest["id"]
    rows = list(book["Transactions"].iter_rows(values_only=True))[1:]
    assert len(rows) == len(transactions_of(api, company_id, latest["id"]))

    # A company without a statement is told to generate one.
    bare = tagged_company(api, "No Statement Ltd")
    failed = excel_status(lending, bare)
    assert failed.success is False and "generate one" in (failed.error_message or "")
