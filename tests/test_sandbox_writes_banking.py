"""The Accounting Sandbox's bank, chart and ledger writes: accounts, bank accounts, transfers, direct costs
and direct incomes.

In pure Python first (the connector and an in-memory platform store, as `tests/test_sandbox_writes.py` runs
them): written records join coherent books (`check_coherence`: every ledger, bank and statement invariant),
move exactly the accounts they post to, come with incremental pulls, and each bad create is refused naming
its fields. Then end to end, once per type, through the real server, its worker and PostgreSQL: Codat's push
request shape over HTTP, read back through the read API, the balance sheet still balancing.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from ledgerlink.connectors.base import PushRejected, PushRequest, RecordNotFound
from ledgerlink.records.registry import Operation
from tests.support.pulls import link_sandbox, read_all, wait_for_pulls
from tests.support.push_operations import wait_for_push
from tests.support.sandbox_books import apply, cents, check_coherence
from tests.support.sandbox_writes import LINKED, SANDBOX, Company, later
from tests.support.server import RunningServer

TAG = uuid.uuid4().hex[:8]


def expense_account(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Loan Interest and Fees",
        "type": "Expense",
        "fullyQualifiedCategory": "Expense.Other.InterestAndFees",
        "nominalCode": "7920",
        "currency": "GBP",
        **extra,
    }


def bank_account(name: str, account_type: str = "Debit", **extra: Any) -> dict[str, Any]:
    return {
        "accountName": name,
        "accountType": account_type,
        "sortCode": "40-11-62",
        "accountNumber": "31926819",
        "currency": "GBP",
        "institution": "Northern Bank",
        **extra,
    }


def transfer(day: str, source: str, target: str, amount: float, **extra: Any) -> dict[str, Any]:
    return {
        "description": "Moved between accounts",
        "date": day,
        "from": {"accountRef": {"id": source}, "currency": "GBP", "amount": amount},
        "to": {"accountRef": {"id": target}, "currency": "GBP", "amount": amount},
        **extra,
    }


def direct(day: str, bank: str, account: str, unit: float, tax_rate: str | None = None, **extra: Any) -> dict:
    line: dict[str, Any] = {"description": "Paid at once", "unitAmount": unit, "quantity": 1}
    line["accountRef"] = {"id": account}
    if tax_rate is not None:
        line["taxRateRef"] = {"id": tax_rate}
    return {
        "issueDate": day,
        "currency": "GBP",
        "reference": "DIRECT-1",
        "lineItems": [line],
        "paymentAllocations": [
            {"payment": {"accountRef": {"id": bank}, "currency": "GBP"}, "allocation": {}}
        ],
        **extra,
    }


def item(company: Company, name: str = "Loan Arrangement Review", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "code": "LAR-1",
        "type": "Service",
        "isInvoiceItem": True,
        "invoiceItem": {
            "description": "Review of a loan arrangement",
            "unitPrice": 250,
            "accountRef": company.account("sales_services"),
            "taxRateRef": {"id": company.books.tax_ids[0]},
        },
        "isBillItem": True,
        "billItem": {"unitPrice": 120, "accountRef": company.account("subcontractors")},
        **extra,
    }


def journal(name: str = "Loan Journal", **extra: Any) -> dict[str, Any]:
    return {"name": name, "journalCode": "LNJ", "type": "General", **extra}


def items(errors: list[dict[str, str]]) -> set[str]:
    """The fields a refusal names."""
    return {error["itemId"] for error in errors}


# ------------------------------------------------------------------------------------------- in pure Python
@pytest.fixture(scope="module")
def banked() -> tuple[Company, dict[str, dict[str, Any]], dict[str, dict], dict[str, dict]]:
    """A company with an expense account, a savings pot (Debit) and a credit card (Credit) written to it,
    money moved between them, a direct cost and a direct income; full snapshots with and without them."""
    company = Company()
    current = company.account("bank_current")["id"]
    standard = company.books.tax_ids[0]
    out: dict[str, dict[str, Any]] = {}
    out["expense"] = company.push("chartOfAccounts", expense_account())
    out["pot"] = company.push("bankAccounts", bank_account("Tax Reserve Pot"))
    out["card"] = company.push(
        "bankAccounts", bank_account("Ledgerlink Business Card", "Credit", sortCode=None)
    )
    out["in"] = company.push("transfers", transfer(company.today, current, out["pot"]["id"], 1500))
    out["out"] = company.push("transfers", transfer(company.today, out["pot"]["id"], current, 250.5))
    out["cost"] = company.push(
        "directCosts", direct(company.today, out["card"]["id"], out["expense"]["id"], 80, standard)
    )
    out["income"] = company.push(
        "directIncomes", direct(company.today, current, company.account("sundry_income")["id"], 45.5)
    )
    out["journal"] = company.push(
        "journalEntries",
        {
            "postedOn": company.today,
            "journalLines": [
                {"netAmount": 12, "accountRef": {"id": out["expense"]["id"]}},
                {"netAmount": -12, "accountRef": {"id": out["pot"]["id"]}},
            ],
        },
    )
    as_of = later()
    return company, out, company.snapshot(as_of), company.snapshot(as_of, written=False)


def test_written_banking_joins_coherent_books(banked) -> None:
    company, out, books, generated = banked
    check_coherence(books)
    new = {data_type: set(books[data_type]) - set(generated[data_type]) for data_type in books}
    assert {k: len(v) for k, v in new.items() if v} == {
        "chartOfAccounts": 3,
        "bankAccounts": 2,
        "transfers": 2,
        "directCosts": 1,
        "directIncomes": 1,
        # Two transfers of two lines, a direct cost and income, the journal entry.
        "journalEntries": 5,
        # Each transfer's two sides, the card's cost, the income, the journal's line on the pot.
        "bankTransactions": 7,
    }
    chart = books["chartOfAccounts"]
    expense, pot, card = (chart[out[k]["id"]] for k in ("expense", "pot", "card"))
    assert (expense["type"], expense["nominalCode"], expense["currentBalance"]) == ("Expense", "7920", 92)
    assert expense["fullyQualifiedName"] == "Expense.Other.InterestAndFees.Loan Interest and Fees"
    assert (pot["type"], pot["isBankAccount"], pot["currentBalance"]) == ("Asset", True, 1500 - 250.5 - 12)
    assert (card["type"], card["isBankAccount"], card["currentBalance"]) == ("Liability", True, -96)
    banks = books["bankAccounts"]
    assert banks[out["pot"]["id"]]["balance"] == 1237.5 and banks[out["pot"]["id"]]["sortCode"] == "40-11-62"
    assert banks[out["card"]["id"]]["accountType"] == "Credit" and banks[out["card"]["id"]]["balance"] == -96

    # Account balances moved by exactly what was posted.
    ids = company.books.account_ids
    moved = {
        a: cents(chart[a]["currentBalance"]) - cents(generated["chartOfAccounts"][a]["currentBalance"])
        for a in generated["chartOfAccounts"]
    }
    assert {ids.index(a): v for a, v in moved.items() if v} == {
        ids.index(company.account("bank_current")["id"]): -150000 + 25050 + 4550,
        ids.index(company.account("sundry_income")["id"]): -4550,
        ids.index(company.account("vat")["id"]): 1600,
    }

    # The balance sheet: the pot among the current assets, the card among the current liabilities; the
    # interest among other expenses in profit and loss.
    month = max(books["balanceSheet"])
    sheet, pl = books["balanceSheet"][month], books["profitAndLoss"][month]
    assets = {i["accountId"]: i["value"] for g in sheet["assets"]["items"] for i in g["items"]}
    liabilities = {i["accountId"]: i["value"] for g in sheet["liabilities"]["items"] for i in g["items"]}
    assert assets[out["pot"]["id"]] == 1237.5 and liabilities[out["card"]["id"]] == 96
    assert {i["accountId"]: i["value"] for i in pl["otherExpenses"]["items"]}[out["expense"]["id"]] == 92

    # The records as written, and as the push answered them.
    assert books["transfers"][out["in"]["id"]]["from"]["accountRef"] == {
        "id": company.account("bank_current")["id"],
        "dataType": "bankAccounts",
    }
    cost = books["directCosts"][out["cost"]["id"]]
    assert (cost["subTotal"], cost["taxAmount"], cost["totalAmount"]) == (80, 16, 96)
    assert cost["paymentAllocations"][0]["payment"]["accountRef"]["id"] == out["card"]["id"]
    income = books["directIncomes"][out["income"]["id"]]
    assert (
        income["totalAmount"] == 45.5 and income["paymentAllocations"][0]["allocation"]["totalAmount"] == 45.5
    )
    for key, data_type in (("cost", "directCosts"), ("income", "directIncomes")):
        assert books[data_type][out[key]["id"]] == out[key]


def test_written_items_and_journals_are_used_by_later_writes() -> None:
    """An invoice can sell a written item, and a journal entry be posted in a written journal."""
    company = Company()
    sold = company.push("items", item(company))
    assert (
        sold["invoiceItem"]["unitPrice"] == 250
        and sold["billItem"]["description"] == "Loan Arrangement Review"
    )
    assert sold["isInvoiceItem"] and sold["isBillItem"] and sold["itemStatus"] == "Active"
    book = company.push("journals", journal())
    assert (book["name"], book["journalCode"], book["status"]) == ("Loan Journal", "LNJ", "Active")
    customer = company.customer({"customers": {c["id"]: c for c in company.pull("customers", later())[0]}})
    line = {"unitAmount": 250, "accountRef": company.account("sales_services"), "itemRef": {"id": sold["id"]}}
    invoice = company.push(
        "invoices", {"customerRef": {"id": customer}, "issueDate": company.today, "lineItems": [line]}
    )
    assert invoice["lineItems"][0]["itemRef"] == {"id": sold["id"], "name": "Loan Arrangement Review"}
    entry = company.push(
        "journalEntries",
        {
            "postedOn": company.today,
            "journalRef": {"id": book["id"]},
            "journalLines": [
                {"netAmount": 5, "accountRef": company.account("rent")},
                {"netAmount": -5, "accountRef": company.account("bank_current")},
            ],
        },
    )
    assert entry["journalRef"] == {"id": book["id"], "name": "Loan Journal"}
    books = company.snapshot(later())
    check_coherence(books)
    assert books["items"][sold["id"]] == sold
    assert books["journals"][book["id"]]["name"] == "Loan Journal"
    assert books["journalEntries"][entry["id"]]["journalRef"]["id"] == book["id"]
    # An item of the same name or code, or a journal of the same name, is refused.
    assert items(company.rejected("items", item(company, code="OTHER"))) == {"name"}
    assert items(company.rejected("items", item(company, "Another Review"))) == {"code"}
    assert items(company.rejected("journals", journal(journalCode="X"))) == {"name"}


def push_lines(company: Company, account_id: str, lines: list[dict[str, Any]], **body: Any) -> dict[str, Any]:
    """Push statement lines to a bank account (`POST .../bankAccounts/{accountId}/bankTransactions`)."""
    request = PushRequest(
        "bankTransactions",
        company.id,
        company.connection_id,
        {},
        LINKED,
        {"transactions": lines, **body},
        str(uuid.uuid4()),
        store=company.store,
        account_id=account_id,
    )
    return asyncio.run(SANDBOX.push(request))


def test_pushed_bank_transactions_are_on_the_statement_and_in_the_ledger() -> None:
    company = Company()
    current = company.account("bank_current")["id"]
    refund = {"clearedOnDate": company.today, "description": "Card refund", "amount": 19.99}
    (first,) = push_lines(company, current, [refund])["transactions"]
    assert (first["amount"], first["transactionType"]) == (19.99, "Credit")
    balance = cents(first["balance"])
    # The bank lists lines by when they cleared (to the second), then by id: the next push a second later.
    time.sleep(1.1)
    pushed = push_lines(
        company,
        current,
        [
            {"date": company.today, "counterparty": "HMRC", "amount": -120, "transactionType": "DirectDebit"},
            {"clearedOnDate": company.today, "amount": 5, "balance": (balance - 12000 + 500) / 100},
        ],
    )
    assert pushed["accountId"] == current
    second, third = pushed["transactions"]
    assert (second["description"], second["transactionType"]) == ("HMRC", "DirectDebit")
    assert cents(second["balance"]) == balance - 12000 and cents(third["balance"]) == balance - 11500
    books = company.snapshot(later())
    check_coherence(books)
    lines = books["bankTransactions"]
    for line in (first, second, third):
        assert cents(lines[line["id"]]["balance"]) == cents(line["balance"])
        assert lines[line["id"]]["amount"] == line["amount"] and lines[line["id"]]["accountId"] == current
    # Against Suspense until coded: the ledger moved as the bank did.
    suspense = books["chartOfAccounts"][company.account("suspense")["id"]]
    generated = company.pull("chartOfAccounts", later(), written=False)[0]
    was = next(cents(a["currentBalance"]) for a in generated if a["id"] == suspense["id"])
    assert cents(suspense["currentBalance"]) - was == 12000 - 1999 - 500
    # Refused: a line of 0, a balance that is not the running one, a body for another account.
    errors = company_rejected_lines(company, current, [{"clearedOnDate": company.today, "amount": 0}])
    assert items(errors) == {"transactions.0.amount"}
    errors = company_rejected_lines(
        company,
        current,
        [{"clearedOnDate": company.today, "amount": 1, "balance": 0.01, "transactionType": "X"}],
    )
    assert items(errors) == {"transactions.0.balance", "transactions.0.transactionType"}
    errors = company_rejected_lines(
        company, current, [{"clearedOnDate": company.today, "amount": 1}], accountId="x"
    )
    assert items(errors) == {"accountId"}
    rent = company.account("rent")["id"]
    assert items(company_rejected_lines(company, rent, [])) == {"accountId.id", "transactions"}


def company_rejected_lines(
    company: Company, account_id: str, lines: list, **body: Any
) -> list[dict[str, str]]:
    with pytest.raises(PushRejected) as refused:
        push_lines(company, account_id, lines, **body)
    return refused.value.errors


def test_a_bank_account_is_updated_in_place() -> None:
    """An update renames a written bank account and changes its details; it keeps its id, type, balance and
    history. Its type cannot change, nor a balance be set, nor the Sandbox's own accounts be updated."""
    company = Company()
    current = company.account("bank_current")["id"]
    pot = company.push("bankAccounts", bank_account("Pot Before"))
    company.push("transfers", transfer(company.today, current, pot["id"], 10))
    first_moment = later(-1)
    first = company.snapshot(first_moment)
    changed = bank_account(
        "Pot After", sortCode="20-00-00", nominalCode="1299", balance=10, overdraftLimit=50
    )
    updated = company.update("bankAccounts", pot["id"], changed)
    assert (updated["id"], updated["accountName"], updated["sortCode"]) == (
        pot["id"],
        "Pot After",
        "20-00-00",
    )
    assert (updated["nominalCode"], updated["overdraftLimit"], updated["balance"]) == ("1299", 50, 10)
    second_moment = later()
    second = company.snapshot(second_moment)
    check_coherence(second)
    account = second["chartOfAccounts"][pot["id"]]
    assert (account["name"], account["nominalCode"], account["currentBalance"]) == ("Pot After", "1299", 10)
    for data_type in ("chartOfAccounts", "bankAccounts"):
        changes, deleted = company.pull(data_type, second_moment, since=first_moment)
        assert pot["id"] in {c["id"] for c in changes}
        assert apply(first[data_type], changes, deleted) == second[data_type], data_type
    refused = company.rejected(
        "bankAccounts",
        bank_account("Business Current Account", "Credit", balance=3),
        operation=Operation.UPDATE,
        record_id=pot["id"],
    )
    assert items(refused) == {"accountName", "accountType", "balance"}
    with pytest.raises(RecordNotFound):
        company.update("bankAccounts", current, bank_account("Renamed Current"))


def test_incremental_pulls_bring_the_banking_writes() -> None:
    company = Company()
    first_moment = later(-1)
    first = company.snapshot(first_moment)
    pot = company.push("bankAccounts", bank_account("Incremental Pot"))
    company.push("transfers", transfer(company.today, company.account("bank_current")["id"], pot["id"], 10))
    costs = company.push("chartOfAccounts", expense_account(name="Incremental Costs", nominalCode=None))
    company.push("directCosts", direct(company.today, pot["id"], costs["id"], 4))
    company.push("directIncomes", direct(company.today, pot["id"], company.account("sundry_income")["id"], 6))
    company.push("items", item(company))
    company.push("journals", journal())
    push_lines(company, pot["id"], [{"clearedOnDate": company.today, "amount": 1}])
    second_moment = later()
    second = company.snapshot(second_moment)
    for data_type in (
        "chartOfAccounts",
        "bankAccounts",
        "bankTransactions",
        "transfers",
        "directCosts",
        "directIncomes",
        "items",
        "journals",
        "journalEntries",
        "balanceSheet",
        "profitAndLoss",
        "cashFlowStatement",
    ):
        changes, deleted = company.pull(data_type, second_moment, since=first_moment)
        assert changes, data_type
        assert apply(first[data_type], changes, deleted) == second[data_type], data_type


def test_an_account_exists_from_when_it_was_written() -> None:
    """A pull as of before the write does not list the account, and a create then cannot use it."""
    company = Company()
    before = later(-5)
    pot = company.push("bankAccounts", bank_account("Later Pot"))
    assert pot["id"] not in {a["id"] for a in company.pull("chartOfAccounts", before)[0]}
    assert pot["id"] not in {a["id"] for a in company.pull("bankAccounts", before)[0]}
    assert pot["id"] in {a["id"] for a in company.pull("bankAccounts", later())[0]}


def test_a_retried_account_create_writes_one_account() -> None:
    company = Company()
    key = str(uuid.uuid4())
    first = company.push("chartOfAccounts", expense_account(), key=key)
    again = company.push("chartOfAccounts", expense_account(), key=key)
    assert first == again and len(company.store.rows) == 1
    # A second account of the same name is refused.
    assert items(company.rejected("chartOfAccounts", expense_account(nominalCode=None))) == {"name"}


def _refusals(company: Company) -> list[tuple[str, dict[str, Any], set[str]]]:
    today = company.today
    current = company.account("bank_current")["id"]
    savings = company.account("bank_savings")["id"]
    rent = company.account("rent")["id"]
    customer = company.customer({"customers": {c["id"]: c for c in company.pull("customers", later())[0]}})
    return [
        ("chartOfAccounts", {}, {"name", "type"}),
        ("chartOfAccounts", expense_account(name="Rent"), {"name"}),
        ("chartOfAccounts", expense_account(type="Unknown"), {"type"}),
        (
            "chartOfAccounts",
            expense_account(fullyQualifiedCategory="Income.Other"),
            {"fullyQualifiedCategory"},
        ),
        ("chartOfAccounts", expense_account(nominalCode="12a"), {"nominalCode"}),
        ("chartOfAccounts", expense_account(nominalCode="1200"), {"nominalCode"}),
        (
            "chartOfAccounts",
            expense_account(currency="USD", currentBalance=10),
            {"currency", "currentBalance"},
        ),
        (
            "chartOfAccounts",
            expense_account(isBankAccount=True, status="Archived"),
            {"isBankAccount", "status"},
        ),
        ("bankAccounts", {"accountType": "Debit"}, {"accountName"}),
        ("bankAccounts", bank_account("Business Current Account"), {"accountName"}),
        ("bankAccounts", bank_account("Pot", "Other"), {"accountType"}),
        (
            "bankAccounts",
            bank_account("Pot", sortCode="12345", accountNumber="abc"),
            {"sortCode", "accountNumber"},
        ),
        (
            "bankAccounts",
            bank_account("Pot", iBan="XX", balance=5, currency="EUR"),
            {"iBan", "balance", "currency"},
        ),
        ("transfers", transfer(today, current, current, 5), {"to.accountRef.id"}),
        ("transfers", transfer(today, rent, current, 5), {"from.accountRef.id"}),
        (
            "transfers",
            {**transfer(today, current, savings, 5), "to": {"accountRef": {"id": savings}, "amount": 6}},
            {"to.amount"},
        ),
        ("transfers", transfer("2999-01-01", current, savings, 0), {"date", "from.amount", "to.amount"}),
        ("transfers", transfer(today, current, savings, 5, contactRef={"id": customer}), {"contactRef"}),
        ("transfers", {"date": today, "from": {"accountRef": {"id": current}, "amount": 5}}, {"to"}),
        (
            "directCosts",
            {**direct(today, current, rent, 5), "paymentAllocations": []},
            {"paymentAllocations"},
        ),
        ("directCosts", direct(today, rent, rent, 5), {"paymentAllocations.0.payment.accountRef.id"}),
        ("directCosts", direct(today, current, current, 5), {"lineItems.0.accountRef.id"}),
        ("directCosts", direct(today, current, rent, 5, totalAmount=6), {"totalAmount"}),
        (
            "directCosts",
            direct(today, current, rent, 5, contactRef={"id": customer, "dataType": "customers"}),
            {"contactRef.dataType"},
        ),
        ("directCosts", direct(today, current, rent, 5, contactRef={"id": "nobody"}), {"contactRef.id"}),
        (
            "directIncomes",
            {
                **direct(today, current, company.account("sundry_income")["id"], 5),
                "paymentAllocations": [
                    {"payment": {"accountRef": {"id": current}}, "allocation": {"totalAmount": 4}}
                ],
            },
            {"paymentAllocations.0.allocation.totalAmount"},
        ),
        ("directIncomes", direct(today, current, rent, 5, contactRef={"id": "nobody"}), {"contactRef.id"}),
        ("items", {}, {"name", "type", "invoiceItem"}),
        ("items", item(company, type="Gadget", itemStatus="Archived"), {"type", "itemStatus"}),
        ("items", item(company, isBillItem=True, billItem=None), {"billItem"}),
        (
            "items",
            item(company, invoiceItem={"unitPrice": -1, "accountRef": {"id": current}}),
            {"invoiceItem.unitPrice", "invoiceItem.accountRef.id"},
        ),
        ("journals", {"name": "Sales Journal", "journalCode": "CSH"}, {"name", "journalCode"}),
        (
            "journals",
            journal(type="Payroll", parentId="x", status="Archived"),
            {"type", "parentId", "status"},
        ),
    ]


def test_bad_creates_are_refused_naming_each_field() -> None:
    company = Company()
    for data_type, record, expected in _refusals(company):
        errors = company.rejected(data_type, record)
        assert items(errors) == expected, (data_type, record, errors)
        assert all(e["message"] and e["validatorName"] for e in errors)
    assert company.store.rows == []


# ------------------------------------------------------------------------------------ through the server
@pytest.fixture(scope="module")
def pushed(server: RunningServer) -> dict[str, Any]:
    """Each type created once over HTTP in Codat's request shape (`POST .../push/{path}`), waited on."""
    with server.client() as api:
        company_id, connection_id = link_sandbox(api, f"Banking Writes {TAG} Ltd")
        wait_for_pulls(api, company_id, at_least=10)
        accounts = {a["name"]: a["id"] for a in read_all(api, f"/companies/{company_id}/data/accounts")}
        today = time.strftime("%Y-%m-%d", time.gmtime())
        push = f"/companies/{company_id}/connections/{connection_id}/push"
        done: dict[str, dict[str, Any]] = {}

        def create(name: str, path: str, body: Callable[[], dict[str, Any]]) -> str:
            answer = api.post(f"{push}/{path}", json=body())
            assert answer.status_code == 200, answer.text
            done[name] = wait_for_push(api, company_id, answer.json()["pushOperationKey"])
            assert done[name]["status"] == "Success", done[name]
            return done[name]["changes"][0]["recordRef"]["id"]

        ids: dict[str, str] = {}
        ids["account"] = create("account", "accounts", expense_account)
        ids["bank"] = create("bank", "bankAccounts", lambda: bank_account("Served Pot"))
        current = accounts["Business Current Account"]
        ids["transfer"] = create("transfer", "transfers", lambda: transfer(today, current, ids["bank"], 300))
        ids["cost"] = create("cost", "directCosts", lambda: direct(today, ids["bank"], ids["account"], 20))
        ids["lines"] = create(
            "lines",
            f"bankAccounts/{ids['bank']}/bankTransactions",
            lambda: {"transactions": [{"clearedOnDate": today, "description": "Interest", "amount": 7.5}]},
        )
        ids["item"] = create(
            "item",
            "items",
            lambda: {
                "name": f"Served Item {TAG}",
                "type": "NonInventory",
                "isBillItem": False,
                "isInvoiceItem": True,
                "invoiceItem": {"unitPrice": 10, "accountRef": {"id": accounts["Sales - Products"]}},
            },
        )
        ids["journal"] = create("journal", "journals", lambda: journal(f"Served Journal {TAG}"))
        ids["income"] = create(
            "income", "directIncomes", lambda: direct(today, current, accounts["Sundry Income"], 30)
        )
        renamed = api.put(f"{push}/bankAccounts/{ids['bank']}", json=bank_account("Served Pot Renamed"))
        assert renamed.status_code == 200, renamed.text
        done["renamed"] = wait_for_push(api, company_id, renamed.json()["pushOperationKey"])
        refused = api.post(f"{push}/transfers", json=transfer(today, current, current, 1))
        done["refused"] = wait_for_push(api, company_id, refused.json()["pushOperationKey"])
        wait_for_pulls(api, company_id)
        for data_type in ("chartOfAccounts", "bankAccounts", "bankTransactions", "balanceSheet"):
            assert api.post(f"/companies/{company_id}/data/queue/{data_type}").status_code == 200
        wait_for_pulls(api, company_id)
        return {"company": company_id, "connection": connection_id, "ids": ids, "done": done}


def test_each_banking_write_is_read_back_through_the_server(server, pushed) -> None:
    ids, company_id = pushed["ids"], pushed["company"]
    for name, data_type in (
        ("account", "chartOfAccounts"),
        ("bank", "bankAccounts"),
        ("transfer", "transfers"),
        ("cost", "directCosts"),
        ("income", "directIncomes"),
        ("item", "items"),
        ("journal", "journals"),
        ("lines", "bankTransactions"),
    ):
        (change,) = pushed["done"][name]["changes"]
        assert change["type"] == "Created" and change["recordRef"]["dataType"] == data_type
    data = f"/companies/{company_id}/data"
    connection = f"/companies/{company_id}/connections/{pushed['connection']}/data"
    with server.client() as api:
        account = api.get(f"{data}/accounts/{ids['account']}").json()
        assert account["name"] == "Loan Interest and Fees" and account["currentBalance"] == 20
        bank = api.get(f"{connection}/bankAccounts/{ids['bank']}").json()
        assert bank["accountName"] == "Served Pot Renamed" and bank["balance"] == 287.5
        assert pushed["done"]["renamed"]["changes"][0]["type"] == "Modified"
        lines = read_all(api, f"{connection}/bankAccounts/{ids['bank']}/bankTransactions")
        assert sorted(cents(line["amount"]) for line in lines) == [-2000, 750, 30000]
        assert "Interest" in {line["description"] for line in lines}
        moved = api.get(f"{connection}/transfers/{ids['transfer']}").json()
        assert moved["to"]["accountRef"]["id"] == ids["bank"] and moved["from"]["amount"] == 300
        assert api.get(f"{connection}/directCosts/{ids['cost']}").json()["totalAmount"] == 20
        assert api.get(f"{connection}/directIncomes/{ids['income']}").json()["totalAmount"] == 30
        assert api.get(f"{data}/items/{ids['item']}").json()["invoiceItem"]["unitPrice"] == 10
        assert api.get(f"{data}/journals/{ids['journal']}").json()["name"] == f"Served Journal {TAG}"
        sheet = api.get(f"{data}/financials/balanceSheet", params={"periodLength": 1, "periodsToCompare": 3})
        for report in sheet.json()["reports"]:
            assets, liabilities, equity = (
                cents(report[k]["value"]) for k in ("assets", "liabilities", "equity")
            )
            assert assets - liabilities == equity == cents(report["netAssets"]), report["date"]
        latest = sheet.json()["reports"][0]
        current_assets = [i["accountId"] for g in latest["assets"]["items"] for i in g["items"]]
        assert ids["bank"] in current_assets
    refused = pushed["done"]["refused"]
    assert refused["status"] == "Failed" and refused["statusCode"] == 400
    assert [e["itemId"] for e in refused["validation"]["errors"]] == ["to.accountRef.id"]
