"""Sandbox books through the sync engine and the read API, end to end: the real server, its job worker,
PostgreSQL, and the official `codat-lending` SDK reading what was pulled."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import text

from ledgerlink.kit.query import parse_datetime
from tests.support.pulls import IN_FLIGHT, link_sandbox, platform_records_held, read_all, wait_for_pulls
from tests.support.server import RunningServer


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def books(server: RunningServer):
    """A Sandbox company linked once and fully pulled, shared by the read tests of this module."""
    with server.client() as api:
        company_id, connection_id = link_sandbox(api, "Coherent Books Ltd")
        pulls = wait_for_pulls(api, company_id, at_least=10)
    return company_id, connection_id, pulls


def test_linking_queues_and_completes_the_first_link_pulls(books, api) -> None:
    company_id, connection_id, pulls = books
    by_type = {p["dataType"]: p for p in pulls}
    for data_type in (
        "invoices",
        "customers",
        "chartOfAccounts",
        "journalEntries",
        "balanceSheet",
        "company",
        "bankAccounts",
        "bankTransactions",
        "payments",
        "bills",
    ):
        assert by_type[data_type]["status"] == "Complete", by_type[data_type]
        assert by_type[data_type]["isCompleted"] is True and by_type[data_type]["progress"] == 100
        assert by_type[data_type]["connectionId"] == connection_id
    # The Sandbox lacks some accounting types: those end NotSupported, not in error.
    assert {p["status"] for p in pulls} <= {"Complete", "NotSupported"}

    status = api.get(f"/companies/{company_id}/dataStatus").json()
    assert status["invoices"]["currentStatus"] == "Complete"
    assert status["invoices"]["latestSuccessfulSyncId"] == by_type["invoices"]["id"]
    # Types never queued are left out.
    assert "banking-accounts" not in status
    company = api.get(f"/companies/{company_id}").json()
    assert company["lastSync"] and company["dataConnections"][0]["lastSync"]


def test_history_paging_query_and_single_pull(books, api) -> None:
    company_id, _, _ = books
    page = api.get(
        f"/companies/{company_id}/data/history",
        params={"query": "dataType=invoices&&status=Complete", "pageSize": 1},
    ).json()
    assert page["totalResults"] >= 1 and page["results"][0]["dataType"] == "invoices"
    one = api.get(f"/companies/{company_id}/data/history/{page['results'][0]['id']}").json()
    assert one == page["results"][0]
    bad = api.get(f"/companies/{company_id}/data/history", params={"query": "isCompleted=true"})
    assert bad.status_code == 400
    assert bad.json()["error"] == "Error parsing query - Could not resolve property isCompleted on Dataset"
    assert api.get(f"/companies/{company_id}/data/history/{uuid.uuid4()}").status_code == 404


def test_reads_through_the_lending_sdk(books, lending) -> None:
    company_id, _, _ = books
    invoices = lending.accounts_receivable.invoices.list(request={"company_id": company_id, "page_size": 5})
    assert invoices.total_results > 5 and len(invoices.results) == 5 and invoices.page_size == 5
    first = invoices.results[0]
    again = lending.accounts_receivable.invoices.get(
        request={"company_id": company_id, "invoice_id": first.id}
    )
    assert again.id == first.id and again.total_amount == first.total_amount

    unpaid = lending.accounts_receivable.invoices.list(
        request={
            "company_id": company_id,
            "query": "amountDue>0&&status!=Void",
            "order_by": "-totalAmount",
            "page_size": 100,
        }
    )
    amounts = [i.total_amount for i in unpaid.results]
    assert (
        unpaid.results
        and all(i.amount_due > 0 for i in unpaid.results)
        and amounts == sorted(amounts, reverse=True)
    )

    info = lending.company_info.get_accounting_profile(request={"company_id": company_id})
    assert info.company_name
    sheet = lending.financial_statements.balance_sheet.get(
        request={"company_id": company_id, "period_length": 1, "periods_to_compare": 3}
    )
    assert len(sheet.reports) == 3


def test_the_indexed_record_date_reads_as_the_json_does(books, api) -> None:
    """`issueDate` is the invoices' `dated_by` date, served from its own indexed column: a range and both
    sort directions give what the records' own JSON says."""
    company_id, _, _ = books
    path = f"/companies/{company_id}/data/invoices"
    invoices = read_all(api, path)
    dates = sorted({parse_datetime(i["issueDate"]) for i in invoices})
    cut = dates[len(dates) // 2]
    cut_text = cut.strftime("%Y-%m-%dT%H:%M:%SZ")
    after = read_all(api, path, query=f"issueDate>{cut_text}&&status!=Void")
    expected = {i["id"] for i in invoices if parse_datetime(i["issueDate"]) > cut and i["status"] != "Void"}
    assert after and {i["id"] for i in after} == expected
    for order_by, reverse in (("issueDate", False), ("-issueDate", True)):
        page = api.get(path, params={"orderBy": order_by, "pageSize": 50}).json()["results"]
        assert [parse_datetime(i["issueDate"]) for i in page] == sorted(
            (parse_datetime(i["issueDate"]) for i in invoices), reverse=reverse
        )[:50]


def test_never_synced_is_409_and_unknown_ids_404(api, books) -> None:
    company = api.post("/companies", json={"name": "Nothing synced"}).json()
    response = api.get(f"/companies/{company['id']}/data/invoices")
    assert response.status_code == 409 and response.json()["error"] == "The data set has not been requested."
    company_id, connection_id, _ = books
    assert api.get(f"/companies/{company_id}/data/invoices/not-an-invoice").status_code == 404
    assert api.get(f"/companies/{uuid.uuid4()}/data/invoices").status_code == 404
    # Banking types were never pulled from this accounting connection.
    missing = api.get(f"/companies/{company_id}/connections/{connection_id}/data/banking-accounts")
    assert missing.status_code == 404 and missing.json()["error"] == "mqjo does not provide banking-accounts."


def test_the_books_are_coherent(books, api) -> None:
    company_id, connection_id, _ = books
    company = f"/companies/{company_id}/data"
    connection = f"/companies/{company_id}/connections/{connection_id}/data"

    # Every journal entry balances, and every business document has one pointing at it.
    entries = read_all(api, f"{company}/journalEntries")
    assert entries
    for entry in entries:
        assert sum(money(line["netAmount"]) for line in entry["journalLines"]) == 0, entry["id"]
    referenced = {(e["recordRef"]["dataType"], e["recordRef"]["id"]) for e in entries if e.get("recordRef")}

    accounts = {a["id"] for a in read_all(api, f"{company}/accounts")}
    customers = {c["id"] for c in read_all(api, f"{company}/customers")}
    invoices = read_all(api, f"{company}/invoices")
    payments = {p["id"]: p for p in read_all(api, f"{company}/payments")}
    credit_notes = {c["id"] for c in read_all(api, f"{company}/creditNotes")}
    for invoice in invoices:
        assert invoice["customerRef"]["id"] in customers
        if invoice["status"] == "Void":  # a voided invoice is owed nothing
            assert money(invoice["amountDue"]) == 0
            continue
        allocated = sum(
            abs(money(a["allocation"]["totalAmount"])) for a in invoice.get("paymentAllocations") or []
        )
        assert money(invoice["amountDue"]) == money(invoice["totalAmount"]) - allocated, invoice["id"]
        if money(invoice["amountDue"]) == 0 and invoice["status"] != "Void":
            assert invoice["status"] == "Paid"
        for line in invoice["lineItems"]:
            assert line["accountRef"]["id"] in accounts
        for allocation in invoice.get("paymentAllocations") or []:
            assert allocation["payment"]["id"] in payments or allocation["payment"]["id"] in credit_notes
        if invoice["status"] not in ("Void", "Draft"):
            assert ("invoices", invoice["id"]) in referenced
    for payment in payments.values():
        for line in payment["lines"]:
            for link in line["links"]:
                if link["type"] == "Invoice":
                    assert any(i["id"] == link["id"] for i in invoices)

    # A bank account's balance is its opening balance plus its transactions.
    for account in read_all(api, f"{connection}/bankAccounts"):
        transactions = read_all(
            api, f"{connection}/bankAccounts/{account['id']}/bankTransactions", orderBy="clearedOnDate"
        )
        if not transactions:
            continue
        opening = money(transactions[0]["balance"]) - money(transactions[0]["amount"])
        assert money(account["balance"]) == opening + sum(money(t["amount"]) for t in transactions)

    # Every month the balance sheet balances; profit for the month is the change in equity.
    sheet = api.get(
        f"{company}/financials/balanceSheet", params={"periodLength": 1, "periodsToCompare": 12}
    ).json()
    profit = api.get(
        f"{company}/financials/profitAndLoss", params={"periodLength": 1, "periodsToCompare": 12}
    ).json()
    assert len(sheet["reports"]) == 12 and len(profit["reports"]) == 12
    for report in sheet["reports"]:
        assets, liabilities, equity = (money(report[k]["value"]) for k in ("assets", "liabilities", "equity"))
        assert assets == liabilities + equity and money(report["netAssets"]) == assets - liabilities
    for later, earlier, month in zip(sheet["reports"], sheet["reports"][1:], profit["reports"], strict=False):
        assert money(later["equity"]["value"]) - money(earlier["equity"]["value"]) == money(
            month["netProfit"]
        )
    # A quarter of P&L is the sum of its three months.
    quarter = api.get(
        f"{company}/financials/profitAndLoss", params={"periodLength": 3, "periodsToCompare": 1}
    ).json()["reports"][0]
    assert money(quarter["netProfit"]) == sum(money(m["netProfit"]) for m in profit["reports"][:3])


def test_refresh_sees_new_changed_and_deleted_records(api, db) -> None:
    # A fast clock: one simulated day per real second, so a later pull has news.
    company_id, connection_id = link_sandbox(api, "Moving Books Ltd", {"speed": 86_400 * 3})
    first = wait_for_pulls(api, company_id, at_least=10)
    invoices_before = {i["id"]: i for i in read_all(api, f"/companies/{company_id}/data/invoices")}
    time.sleep(3)  # three simulated days pass
    # While the pull reads nothing, it stays in flight, and a second queue of its type is refused.
    with platform_records_held(db, connection_id):
        queued = api.post(f"/companies/{company_id}/data/queue/invoices")
        assert queued.status_code == 200 and queued.json()["status"] in IN_FLIGHT
        again = api.post(f"/companies/{company_id}/data/queue/invoices")
        assert again.status_code == 400
        assert again.json()["error"] == (
            f"DatasetAlreadyInProgressException: Cannot queue invoices sync for {company_id} "
            f"as previous sync {queued.json()['id']} is still in progress"
        )
    wait_for_pulls(api, company_id, at_least=len(first) + 1)
    pull = api.get(f"/companies/{company_id}/data/history/{queued.json()['id']}").json()
    assert pull["status"] == "Complete"

    invoices_after = {i["id"]: i for i in read_all(api, f"/companies/{company_id}/data/invoices")}
    new = set(invoices_after) - set(invoices_before)
    changed = {
        i for i in set(invoices_after) & set(invoices_before) if invoices_after[i] != invoices_before[i]
    }
    assert new, "a later pull sees new invoices"
    assert changed, "a later pull sees changed invoices"
    unchanged = set(invoices_after) - new - changed
    # Unchanged records are not rewritten: their modifiedDate is still the first pull's.
    assert all(invoices_after[i]["modifiedDate"] == invoices_before[i]["modifiedDate"] for i in unchanged)
    since = max(i["modifiedDate"] for i in invoices_before.values())
    recent = read_all(api, f"/companies/{company_id}/data/invoices", query=f"modifiedDate>{since}")
    assert {i["id"] for i in recent} == new | changed
    deleted = [i for i in invoices_after.values() if (i.get("metadata") or {}).get("isDeleted")]
    live = read_all(api, f"/companies/{company_id}/data/invoices", query="metadata.isDeleted!=true")
    assert len(live) == len(invoices_after) - len(deleted)
    count = db.execute(
        text(
            "SELECT count(*) FROM records r JOIN connections c ON c.id = r.connection_id "
            "WHERE c.company_id = :company AND r.data_type = 'invoices'"
        ),
        {"company": company_id},
    ).scalar()
    assert count == len(invoices_after)


def test_refresh_all_and_queue_rules(api) -> None:
    company_id, connection_id = link_sandbox(api, "Refreshing Ltd")
    first = wait_for_pulls(api, company_id, at_least=10)
    assert api.post(f"/companies/{company_id}/data/all").status_code == 204
    second = wait_for_pulls(
        api, company_id, at_least=2 * len([p for p in first if p["status"] == "Complete"])
    )
    assert len(second) > len(first)
    assert api.post(f"/companies/{company_id}/data/queue/notAType").status_code == 400
    unsupported = api.post(f"/companies/{company_id}/data/queue/itemReceipts").json()
    assert unsupported["status"] == "NotSupported" and unsupported["isErrored"] is False

    # Only Linked connections sync; an unlinked connection's data stays readable.
    api.patch(f"/companies/{company_id}/connections/{connection_id}", json={"status": "Unlinked"})
    refused = api.post(f"/companies/{company_id}/data/queue/invoices", params={"connectionId": connection_id})
    assert refused.status_code == 400
    assert api.post(f"/companies/{company_id}/data/all").status_code == 204
    assert api.get(f"/companies/{company_id}/data/invoices").status_code == 200


def test_one_off_sync_deauthorizes_after_the_first_reads(api) -> None:
    api.patch("/settings", json={"oneTimeSync": "Enabled"})
    try:
        company_id, connection_id = link_sandbox(api, "One-off Ltd")
        wait_for_pulls(api, company_id, at_least=10)
        deadline = time.monotonic() + 10
        while (
            api.get(f"/companies/{company_id}/connections/{connection_id}").json()["status"] != "Deauthorized"
        ):
            assert time.monotonic() < deadline, "the connection did not disconnect after its first reads"
            time.sleep(0.2)
        assert api.post(f"/companies/{company_id}/data/queue/invoices").status_code == 400
        assert api.get(f"/companies/{company_id}/data/invoices").status_code == 200
        # Authorizing again links it; its first reads run again.
        relinked = api.put(f"/companies/{company_id}/connections/{connection_id}/authorization", json={})
        assert relinked.json()["status"] == "Linked"
    finally:
        api.patch("/settings", json={"oneTimeSync": "Disabled"})


def test_continuous_schedule_queues_a_refresh(api, db) -> None:
    company_id, connection_id = link_sandbox(api, "Scheduled Ltd")
    pulls = wait_for_pulls(api, company_id, at_least=10)
    api.post(
        f"/companies/{company_id}/syncSettings",
        json={
            "companyId": company_id,
            "overridesDefaults": True,
            "settings": [
                {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 1, "syncOrder": 0}
            ],
        },
    )
    # Pretend the last invoices pull was two hours ago; the schedule (hourly) is then due.
    db.execute(
        text(
            "UPDATE pull_operations SET requested = requested - interval '2 hours' "
            "WHERE connection_id = :c AND data_type = 'invoices'"
        ),
        {"c": connection_id},
    )
    db.commit()
    deadline = time.monotonic() + 20
    while True:
        history = api.get(
            f"/companies/{company_id}/data/history", params={"query": "dataType=invoices", "pageSize": 50}
        ).json()["results"]
        if len(history) >= 2:
            break
        assert time.monotonic() < deadline, "no scheduled refresh was queued"
        time.sleep(0.5)
    scheduled = db.execute(
        text(
            "SELECT trigger FROM pull_operations WHERE connection_id = :c "
            "AND data_type = 'invoices' ORDER BY requested DESC LIMIT 1"
        ),
        {"c": connection_id},
    ).scalar()
    assert scheduled == "schedule"
    # Other types (daily) were not due.
    others = defaultdict(int)
    for pull in api.get(f"/companies/{company_id}/data/history", params={"pageSize": 500}).json()["results"]:
        others[pull["dataType"]] += 1
    assert others["customers"] == 1 and len(pulls) >= 10


def test_banking_and_commerce_sandboxes_read_by_connection(api) -> None:
    company = api.post("/companies", json={"name": "Shop and Bank Ltd"}).json()
    connections = {}
    for key in ("qhnd", "aiwb"):
        created = api.post(f"/companies/{company['id']}/connections", json={"platformKey": key}).json()
        linked = api.put(f"/companies/{company['id']}/connections/{created['id']}/authorization", json={})
        assert linked.json()["status"] == "Linked"
        connections[key] = created["id"]
    pulls = wait_for_pulls(api, company["id"], at_least=14)
    assert {p["status"] for p in pulls} == {"Complete"}, [(p["dataType"], p["status"]) for p in pulls]

    bank = f"/companies/{company['id']}/connections/{connections['qhnd']}/data"
    accounts = read_all(api, f"{bank}/banking-accounts")
    transactions = read_all(api, f"{bank}/banking-transactions")
    assert accounts and transactions
    assert {t["accountId"] for t in transactions} <= {a["id"] for a in accounts}
    one = api.get(f"{bank}/banking-transactions/{transactions[0]['id']}").json()
    assert one["id"] == transactions[0]["id"]

    shop = f"/companies/{company['id']}/connections/{connections['aiwb']}/data"
    orders = read_all(api, f"{shop}/commerce-orders")
    customers = {c["id"] for c in read_all(api, f"{shop}/commerce-customers")}
    assert orders and all(o["customerRef"]["id"] in customers for o in orders if o.get("customerRef"))
    info = api.get(f"{shop}/commerce-info")
    assert info.status_code == 200 and info.json()["companyName"]
    # Commerce data is not under the company-scoped accounting paths, and the wrong connection is a 404.
    assert (
        api.get(
            f"/companies/{company['id']}/connections/{connections['qhnd']}/data/commerce-orders"
        ).status_code
        == 404
    )
