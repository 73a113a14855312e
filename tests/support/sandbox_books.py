"""What the Accounting Sandbox's tests check of any books it gives: amounts in whole cents, every ledger and
document hanging together, statements that add up (`check_coherence`), and incremental pulls applied."""

from __future__ import annotations

from collections import defaultdict


def cents(value: float) -> int:
    pence = round(value * 100)
    assert abs(value * 100 - pence) < 1e-6, f"{value} is not rounded to 2 dp"
    return pence


def check_coherence(snap: dict[str, dict[str, dict]]) -> None:
    accounts, journals = snap["chartOfAccounts"], snap["journals"]
    customers, suppliers, items = snap["customers"], snap["suppliers"], snap["items"]
    tax_rates, tracking = snap["taxRates"], snap["trackingCategories"]
    invoices, credit_notes, bills = snap["invoices"], snap["creditNotes"], snap["bills"]
    bill_credit_notes = snap["billCreditNotes"]
    payments, bill_payments = snap["payments"], snap["billPayments"]
    entries, bank_accounts, bank_txns = snap["journalEntries"], snap["bankAccounts"], snap["bankTransactions"]
    by_type = {
        "invoices": invoices,
        "creditNotes": credit_notes,
        "bills": bills,
        "billCreditNotes": bill_credit_notes,
        "payments": payments,
        "billPayments": bill_payments,
        "directCosts": snap["directCosts"],
        "directIncomes": snap["directIncomes"],
        "transfers": snap["transfers"],
    }

    def line_refs(line: dict) -> None:
        assert line["accountRef"]["id"] in accounts
        assert line["taxRateRef"]["id"] in tax_rates
        if "itemRef" in line:
            assert line["itemRef"]["id"] in items
        for ref in line.get("trackingCategoryRefs", []):
            assert ref["id"] in tracking
        for ref in line.get("tracking", {}).get("categoryRefs", []):
            assert ref["id"] in tracking
        for ref in line.get("tracking", {}).get("recordRefs", []):
            assert ref["id"] in tracking
        assert cents(line["subTotal"]) == round(cents(line["unitAmount"]) * line["quantity"])
        assert cents(line["totalAmount"]) == cents(line["subTotal"]) + cents(line["taxAmount"])

    # Catalogues refer to each other.
    for item in items.values():
        for side in ("invoiceItem", "billItem"):
            if side in item:
                assert (
                    item[side]["accountRef"]["id"] in accounts and item[side]["taxRateRef"]["id"] in tax_rates
                )
    for category in tracking.values():
        assert category.get("parentId") is None or category["parentId"] in tracking

    # Double entry: every journal entry balances and points at existing things.
    posted: dict[str, int] = defaultdict(int)
    referenced: set[tuple[str, str]] = set()
    for entry in entries.values():
        lines = entry["journalLines"]
        assert len(lines) >= 2 and sum(cents(line["netAmount"]) for line in lines) == 0, entry["id"]
        assert entry["journalRef"]["id"] in journals
        for line in lines:
            assert line["accountRef"]["id"] in accounts
            posted[line["accountRef"]["id"]] += cents(line["netAmount"])
            contact = line.get("contactRef")
            if contact:
                assert contact["id"] in (customers if contact["dataType"] == "customers" else suppliers)
        ref = entry.get("recordRef")
        if ref:
            assert ref["id"] in by_type[ref["dataType"]], ref
            referenced.add((ref["dataType"], ref["id"]))
    for data_type, records in by_type.items():
        for record_id in records:
            assert (data_type, record_id) in referenced, (data_type, record_id)

    # Chart of accounts: current balances are the ledger's (debits positive), and they sum to zero.
    types = {a["type"] for a in accounts.values()}
    assert {"Asset", "Liability", "Equity", "Income", "Expense"} <= types
    names = {a["name"] for a in accounts.values()}
    assert {
        "Accounts Receivable",
        "Accounts Payable",
        "VAT",
        "Share Capital",
        "Retained Earnings",
        "Cost of Goods Sold",
    } <= names
    for account_id, account in accounts.items():
        assert cents(account["currentBalance"]) == posted.get(account_id, 0), account["name"]
    assert sum(cents(a["currentBalance"]) for a in accounts.values()) == 0

    # Invoices, credit notes, bills: amounts due, statuses and allocations agree with payments.
    links: dict[str, int] = defaultdict(int)
    for payment in payments.values():
        assert payment["customerRef"]["id"] in customers
        if "accountRef" in payment:
            assert payment["accountRef"]["id"] in bank_accounts and payment["accountRef"]["id"] in accounts
        assert cents(payment["totalAmount"]) == sum(cents(line["amount"]) for line in payment["lines"])
        for line in payment["lines"]:
            assert cents(line["amount"]) + sum(cents(link["amount"]) for link in line["links"]) == 0
            for link in line["links"]:
                if link["type"] == "PaymentOnAccount":  # held on the customer's account, alone on its line
                    assert link["id"] == payment["customerRef"]["id"] and len(line["links"]) == 1
                    continue
                target = invoices if link["type"] == "Invoice" else credit_notes
                assert link["type"] in ("Invoice", "CreditNote") and link["id"] in target
                links[link["id"]] += cents(link["amount"])
    for payment in bill_payments.values():
        assert payment["supplierRef"]["id"] in suppliers
        if "accountRef" in payment:  # a bill credit note's allocation moves no money
            assert payment["accountRef"]["id"] in bank_accounts
        assert cents(payment["totalAmount"]) == sum(cents(line["amount"]) for line in payment["lines"])
        for line in payment["lines"]:
            assert cents(line["amount"]) + sum(cents(link["amount"]) for link in line["links"]) == 0
            for link in line["links"]:
                if link["type"] == "PaymentOnAccount":  # paid to the supplier, no bill: the only link
                    assert link["id"] == payment["supplierRef"]["id"] and len(line["links"]) == 1
                    continue
                target = bills if link["type"] == "Bill" else bill_credit_notes
                assert link["type"] in ("Bill", "CreditNote") and link["id"] in target
                links[link["id"]] += cents(link["amount"])

    def check_document(doc: dict, open_status: str, payment_set: dict) -> None:
        for line in doc["lineItems"]:
            line_refs(line)
        sub = sum(cents(line["subTotal"]) for line in doc["lineItems"])
        tax = sum(cents(line["taxAmount"]) for line in doc["lineItems"])
        assert cents(doc["subTotal"]) == sub
        assert cents(doc.get("totalTaxAmount", doc.get("taxAmount"))) == tax
        total = cents(doc["totalAmount"])
        assert total == sub + tax
        allocated = sum(cents(a["allocation"]["totalAmount"]) for a in doc["paymentAllocations"])
        assert allocated == links.get(doc["id"], 0)
        for allocation in doc["paymentAllocations"]:
            assert allocation["payment"]["id"] in payment_set
        due = cents(doc["amountDue"])
        if doc["status"] == "Void":
            assert due == 0 and allocated == 0
            return
        assert due == total + allocated and 0 <= due <= total
        expected = "Paid" if due == 0 else "PartiallyPaid" if due < total else open_status
        assert doc["status"] == expected, doc
        if "invoiceNumber" in doc:
            assert ("paidOnDate" in doc) == (doc["status"] == "Paid")

    for invoice in invoices.values():
        assert invoice["customerRef"]["id"] in customers
        check_document(invoice, "Submitted", payments)
    for bill in bills.values():
        assert bill["supplierRef"]["id"] in suppliers
        check_document(bill, "Open", bill_payments)
    notes = [(note, "customerRef", customers) for note in credit_notes.values()]
    notes += [(note, "supplierRef", suppliers) for note in bill_credit_notes.values()]
    for note, contact_key, contacts in notes:
        assert note[contact_key]["id"] in contacts
        for line in note["lineItems"]:
            line_refs(line)
        allocated = sum(cents(a["allocation"]["totalAmount"]) for a in note["paymentAllocations"])
        assert allocated == links.get(note["id"], 0)
        assert cents(note["remainingCredit"]) == cents(note["totalAmount"]) - allocated
        assert note["status"] == ("Paid" if cents(note["remainingCredit"]) == 0 else "Submitted")
    for kind in ("directCosts", "directIncomes"):
        for record in snap[kind].values():
            for line in record["lineItems"]:
                line_refs(line)
            if "contactRef" in record:
                assert record["contactRef"]["id"] in (suppliers if kind == "directCosts" else customers)
            assert cents(record["totalAmount"]) == cents(record["subTotal"]) + cents(record["taxAmount"])
            assert sum(cents(a["allocation"]["totalAmount"]) for a in record["paymentAllocations"]) == cents(
                record["totalAmount"]
            )
    for transfer in snap["transfers"].values():
        assert transfer["from"]["accountRef"]["id"] in bank_accounts
        assert transfer["to"]["accountRef"]["id"] in bank_accounts

    # Banks: running balances, account balances = opening + transactions = the ledger's balance.
    running: dict[str, int] = {}
    opening: dict[str, int] = {}
    totals: dict[str, int] = defaultdict(int)
    for txn in bank_txns.values():  # in time order, as streamed
        account = txn["accountId"]
        assert account in bank_accounts
        amount, balance = cents(txn["amount"]), cents(txn["balance"])
        if account not in running:
            opening[account] = balance - amount
        else:
            assert balance == running[account] + amount, (running[account], txn)
        running[account] = balance
        totals[account] += amount
    for account_id, account in bank_accounts.items():
        balance = cents(account["balance"])
        if account_id not in running:  # a bank account nothing has moved through yet (a new one)
            running[account_id] = opening[account_id] = 0
        assert balance == running[account_id] == opening[account_id] + totals[account_id]
        assert balance == cents(accounts[account_id]["currentBalance"])

    # Statements.
    check_statements(snap)


def line_total(line: dict) -> int:
    if line.get("items"):
        assert cents(line["value"]) == sum(line_total(item) for item in line["items"]), line["name"]
    return cents(line["value"])


def check_statements(snap: dict[str, dict[str, dict]]) -> None:
    accounts = snap["chartOfAccounts"]
    balance_sheets, profits, cash_flows = (
        snap["balanceSheet"],
        snap["profitAndLoss"],
        snap["cashFlowStatement"],
    )
    months = sorted(balance_sheets)
    assert months and months == sorted(profits) == sorted(cash_flows)

    def equity_line(report: dict, name: str) -> int:
        return next(cents(i["value"]) for i in report["equity"]["items"] if i["name"] == name)

    def bank_total(report: dict) -> int:
        return sum(
            cents(i["value"])
            for group in report["assets"]["items"]
            for i in group["items"]
            if i["accountId"] in snap["bankAccounts"]
        )

    pl_by_month: dict[str, int] = defaultdict(int)
    pl_accounts = {a["id"] for a in accounts.values() if a["type"] in ("Income", "Expense")}
    for entry in snap["journalEntries"].values():
        for line in entry["journalLines"]:
            if line["accountRef"]["id"] in pl_accounts:
                pl_by_month[entry["postedOn"][:7]] += cents(line["netAmount"])

    previous = None
    for month in months:
        sheet, pl, cash = balance_sheets[month], profits[month], cash_flows[month]
        assets, liabilities, equity = (line_total(sheet[k]) for k in ("assets", "liabilities", "equity"))
        assert assets == liabilities + equity, month
        assert cents(sheet["netAssets"]) == assets - liabilities == equity
        assert sheet["date"].startswith(month)
        income, cost, expenses, other_income, other_expenses = (
            line_total(pl[k]) for k in ("income", "costOfSales", "expenses", "otherIncome", "otherExpenses")
        )
        assert cents(pl["grossProfit"]) == income - cost
        assert cents(pl["netOperatingProfit"]) == income - cost - expenses
        assert cents(pl["netOtherIncome"]) == other_income - other_expenses
        net = cents(pl["netProfit"])
        assert net == income - cost - expenses + other_income - other_expenses
        assert net == -pl_by_month.get(month, 0), month
        assert pl["fromDate"].startswith(month) and pl["toDate"].startswith(month)
        receipts, payments = line_total(cash["cashReceipts"]), line_total(cash["cashPayments"])
        if previous is not None:
            prev_sheet = balance_sheets[previous]
            assert net == equity_line(sheet, "Retained Earnings") - equity_line(
                prev_sheet, "Retained Earnings"
            )
            assert receipts - payments == bank_total(sheet) - bank_total(prev_sheet), month
        previous = month
    # The latest balance sheet is the chart of accounts' balances at T.
    latest = balance_sheets[months[-1]]
    values = {
        i["accountId"]: cents(i["value"]) for group in latest["assets"]["items"] for i in group["items"]
    }
    values.update(
        {
            i["accountId"]: -cents(i["value"])
            for group in latest["liabilities"]["items"]
            for i in group["items"]
        }
    )
    for account_id, value in values.items():
        assert value == cents(accounts[account_id]["currentBalance"])
    profit = -sum(cents(a["currentBalance"]) for a in accounts.values() if a["id"] in pl_accounts)
    assert equity_line(latest, "Retained Earnings") == profit
    assert equity_line(latest, "Share Capital") == -cents(
        next(a["currentBalance"] for a in accounts.values() if a["name"] == "Share Capital")
    )


def apply(state: dict[str, dict], records: list[dict], deleted: list[str]) -> dict[str, dict]:
    merged = dict(state)
    for record in records:
        merged[record["id"]] = record
    for record_id in deleted:
        merged.pop(record_id, None)
    return merged
