"""The ledger's and the bank's own writes: journal entries, accounts, bank accounts, transfers, direct costs
and incomes, bank transactions, items and journals."""

from __future__ import annotations

from typing import Any, get_args

from ledgerlink.connectors.codat_shapes import (
    payment_allocation,
    record_ref,
)
from ledgerlink.connectors.sandbox.books import (
    BANK_ACCOUNTS,
    BT_KIND,
    CURRENCY,
    DAY,
    JE_KIND,
    JOURNALS,
    K_ACCOUNT,
    K_DIRECT_COST,
    K_DIRECT_INCOME,
    K_ITEM,
    K_JOURNAL,
    K_MANUAL,
    K_TRANSFER,
    AccountingBooks,
)
from ledgerlink.connectors.sandbox.writes.checks import Check, _invoice_line
from ledgerlink.connectors.sandbox.writes.versions import (
    _CONTROL_ACCOUNTS,
    Written,
    _money,
    _pence,
    written_id,
)
from ledgerlink.records.creates import BankTransactionType


def _journal_entry(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int
) -> dict[str, Any]:
    check = Check(bk, written, T, "JournalEntry")
    t = check.moment(record.get("postedOn"), "postedOn")
    journal = check.journal(record.get("journalRef"), "journalRef")
    description = check.text(record.get("description"), "description")
    raw_lines = record.get("journalLines")
    if not isinstance(raw_lines, list) or len(raw_lines) < 2:
        check.fail("journalLines", "A journal entry needs at least two lines")
        raw_lines = []
    lines = []
    total = moved = 0
    for n, line in enumerate(raw_lines):
        item = f"journalLines.{n}"
        if not isinstance(line, dict):
            check.fail(item, "must be an object")
            continue
        a = check.account(line.get("accountRef"), f"{item}.accountRef")
        pence = check.pence(line.get("netAmount"), f"{item}.netAmount")
        check.currency(line.get("currency"), f"{item}.currency")
        line_description = check.text(line.get("description"), f"{item}.description")
        if a is None or pence is None:
            continue
        total += pence
        moved += abs(pence)
        shaped: dict[str, Any] = {}
        if line_description is not None:
            shaped["description"] = line_description
        shaped.update({"netAmount": _money(pence), "currency": CURRENCY, "accountRef": bk.account_refs[a]})
        lines.append(shaped)
    if len(lines) == len(raw_lines) >= 2:
        if total != 0:
            check.fail(
                "journalLines",
                f"The lines must balance (debits positive, credits negative); they sum "
                f"to {_money(total):.2f}",
            )
        elif moved == 0:
            check.fail("journalLines", "Every line is 0.00: the entry would post nothing")
    check.done()
    assert t is not None
    shaped_record: dict[str, Any] = {"id": written_id(bk, JE_KIND[K_MANUAL], key)}
    if description is not None:
        shaped_record["description"] = description
    shaped_record.update(
        {"postedOn": bk.date(t), "journalRef": bk.journal_refs[journal], "journalLines": lines}
    )
    return shaped_record


def _deleted_freely(bk: AccountingBooks, written: Written, record_id: str, T: int) -> None:
    """Nothing written depends on the record: it can go (a journal entry)."""


# Codat's account types, what a new account of each is filed under when the client names no category, and
# where the Sandbox starts looking for a free nominal code (its chart is Sage 50's: see `books.ACCOUNTS`).
_ACCOUNT_TYPES = {
    "Asset": ("Asset.Current.Other", 1300),
    "Liability": ("Liability.Current.Other", 2300),
    "Equity": ("Equity.Other", 3300),
    "Income": ("Income.Revenue.Other", 4300),
    "Expense": ("Expense.Operating.Other", 7700),
}
# New bank accounts take codes in the bank range after the Sandbox's own (1200 and 1210).
_BANK_CODES_FROM = 1220
_BANK_ACCOUNT_TYPES = ("Debit", "Credit")


def _chart_name_taken(check: Check, name: str, item: str, own: int | None = None) -> None:
    """Fail if another account than `own` (an account updated) has this name."""
    wanted = name.casefold()
    for a, row in enumerate(check.books.chart):
        written = check.written.accounts.get(a)
        if a != own and row[2].casefold() == wanted and (written is None or written.created <= check.T):
            check.fail(item, f"An account named {row[2]!r} already exists ({check.books.account_ids[a]})")
            return


def _nominal_code(check: Check, value: Any, item: str, start: int, own: int | None = None) -> str | None:
    """A nominal code the chart does not have yet: the one given (digits, up to 8), or the first free one
    from `start`; an account updated (`own`) keeps its own code unless given another."""
    chart = check.books.chart
    taken = {row[1] for a, row in enumerate(chart) if a != own}
    code = check.text(value, item)
    if code is None and own is not None:
        return chart[own][1]
    if code is None:
        n = start
        while str(n) in taken:
            n += 1
        return str(n)
    code = code.strip()
    if not code.isdigit() or len(code) > 8:
        check.fail(item, f"{code!r} is not a nominal code: the Sandbox's are up to 8 digits")
        return None
    if code in taken:
        check.fail(item, f"Nominal code {code} is already in use")
        return None
    return code


def _zero(check: Check, value: Any, item: str, what: str) -> None:
    pence = check.pence(value, item, required=False)
    if pence:
        check.fail(item, f"A new {what} starts at 0.00: record money moving into it (a transfer, a journal)")


def _account(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int
) -> dict[str, Any]:
    check = Check(bk, written, T, "Account")
    name = check.name(record.get("name"), "name")
    if name is not None:
        _chart_name_taken(check, name, "name")
    type_ = record.get("type")
    fqc = check.text(record.get("fullyQualifiedCategory"), "fullyQualifiedCategory")
    start = 0
    if type_ not in _ACCOUNT_TYPES:
        check.fail("type", f"must be one of {', '.join(_ACCOUNT_TYPES)}")
    else:
        default_fqc, start = _ACCOUNT_TYPES[type_]
        if fqc is None:
            fqc = default_fqc
        elif fqc.split(".")[0] != type_ or len(fqc.split(".")) < 2 or "" in fqc.split("."):
            check.fail("fullyQualifiedCategory", f"{fqc!r} is not a category of {type_}: {type_}.<category>")
    code = _nominal_code(check, record.get("nominalCode"), "nominalCode", start)
    description = check.text(record.get("description"), "description")
    check.currency(record.get("currency"), "currency")
    _zero(check, record.get("currentBalance"), "currentBalance", "account")
    if record.get("status") not in (None, "Active"):
        check.fail("status", "The Sandbox creates accounts as Active")
    if record.get("isBankAccount"):
        check.fail("isBankAccount", "Create a bank account through bankAccounts: it has a bank's details")
    check.done()
    assert name is not None and fqc is not None and code is not None and isinstance(type_, str)
    return {
        "id": written_id(bk, K_ACCOUNT, key),
        "nominalCode": code,
        "name": name,
        "description": description or name,
        "fullyQualifiedCategory": fqc,
        "fullyQualifiedName": f"{fqc}.{name}",
        "currency": CURRENCY,
        "type": type_,
        "status": "Active",
        "isBankAccount": False,
    }


def _bank_account(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int
) -> dict[str, Any]:
    return _bank_account_version(bk, written, record, T, written_id(bk, K_ACCOUNT, key), None)


def _bank_account_update(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int, record_id: str
) -> dict[str, Any]:
    """A bank account's new details (Codat's update is the whole record): its name, code, bank details and
    overdraft may change; its type (which side of the balance sheet its history is on) and currency may not,
    and a balance, when given, must be what the account holds (money moves by transfers and the like)."""
    return _bank_account_version(bk, written, record, T, record_id, written.account_index[record_id])


def _bank_account_version(
    bk: AccountingBooks, written: Written, record: dict[str, Any], T: int, record_id: str, own: int | None
) -> dict[str, Any]:
    """A bank account checked and shaped: created (`own` None) or updated (`own` its index in the chart)."""
    check = Check(bk, written, T, "BankAccount")
    name = check.name(record.get("accountName"), "accountName")
    if name is not None:
        _chart_name_taken(check, name, "accountName", own)
    account_type = record.get("accountType")
    if account_type not in _BANK_ACCOUNT_TYPES:
        check.fail(
            "accountType",
            "must be Debit (money the business holds) or Credit (a loan or credit card: money it owes)",
        )
    elif own is not None and account_type != written.accounts[own].record["accountType"]:
        check.fail(
            "accountType", f"stays {written.accounts[own].record['accountType']}: the account has history"
        )
    code = _nominal_code(check, record.get("nominalCode"), "nominalCode", _BANK_CODES_FROM, own)
    check.currency(record.get("currency"), "currency")
    if own is None:
        for field in ("balance", "availableBalance"):
            _zero(check, record.get(field), field, "bank account")
    else:
        held = _bank_balance(bk, own, T)
        for field in ("balance", "availableBalance"):
            given = check.pence(record.get(field), field, required=False)
            if given is not None and given != held:
                check.fail(field, f"{_money(given):.2f} is not what the account holds ({_money(held):.2f})")
    shaped: dict[str, Any] = {"id": record_id, "accountName": name}
    shaped["accountType"] = account_type
    shaped["nominalCode"] = code
    sort_code = check.text(record.get("sortCode"), "sortCode")
    if sort_code is not None:
        digits = sort_code.replace("-", "").replace(" ", "")
        if not (digits.isdigit() and len(digits) == 6):
            check.fail("sortCode", f"{sort_code!r} is not a sort code (6 digits, as 12-34-56)")
        shaped["sortCode"] = f"{digits[:2]}-{digits[2:4]}-{digits[4:]}"
    number = check.text(record.get("accountNumber"), "accountNumber")
    if number is not None:
        if not (number.isdigit() and 6 <= len(number) <= 10):
            check.fail("accountNumber", f"{number!r} is not an account number (6 to 10 digits)")
        shaped["accountNumber"] = number
    iban = check.text(record.get("iBan"), "iBan")
    if iban is not None:
        compact = iban.replace(" ", "").upper()
        if not (
            15 <= len(compact) <= 34
            and compact[:2].isalpha()
            and compact[2:4].isdigit()
            and compact.isalnum()
        ):
            check.fail("iBan", f"{iban!r} is not an IBAN")
        shaped["iBan"] = compact
    institution = check.text(record.get("institution"), "institution")
    overdraft = check.pence(record.get("overdraftLimit"), "overdraftLimit", required=False)
    if overdraft is not None and overdraft < 0:
        check.fail("overdraftLimit", "must not be negative")
    if record.get("status") not in (None, "Active"):
        check.fail("status", "The Sandbox keeps its bank accounts Active")
    check.done()
    shaped.update(
        {
            "currency": CURRENCY,
            "institution": institution or "",
            "overdraftLimit": _money(overdraft or 0),
            "status": "Active",
        }
    )
    return shaped


def _bank(check: Check, ref_: Any, item: str) -> int | None:
    """A bank account of the books at T (a generated one, or one written by then)."""
    a = check.account(ref_, item)
    if a is not None and not check.books.is_bank[a]:
        check.fail(f"{item}.id", f"{check.books.chart[a][2]} is not a bank account")
        return None
    return a


def _transfer(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int
) -> dict[str, Any]:
    check = Check(bk, written, T, "Transfer")
    t = check.moment(record.get("date"), "date")
    description = check.text(record.get("description"), "description")
    if record.get("contactRef") is not None:
        check.fail("contactRef", "The Sandbox's transfers move money between its own accounts: no contact")
    if record.get("depositedRecordRefs"):
        check.fail("depositedRecordRefs", "The Sandbox has no undeposited funds to deposit")
    tracking = check.tracking(record.get("trackingCategoryRefs"), "trackingCategoryRefs")
    sides: dict[str, tuple[int, int] | None] = {}
    for side in ("from", "to"):
        part = record.get(side)
        if not isinstance(part, dict):
            check.fail(side, "is required: the account and the amount")
            sides[side] = None
            continue
        a = _bank(check, part.get("accountRef"), f"{side}.accountRef")
        amount = check.pence(part.get("amount"), f"{side}.amount", positive=True)
        check.currency(part.get("currency"), f"{side}.currency")
        sides[side] = (a, amount) if a is not None and amount is not None else None
    source, target = sides["from"], sides["to"]
    if source is not None and target is not None:
        if source[0] == target[0]:
            check.fail("to.accountRef.id", "A transfer moves money to another account than it comes from")
        if source[1] != target[1]:
            check.fail(
                "to.amount",
                f"{_money(target[1]):.2f} is not the amount sent ({_money(source[1]):.2f}): the books "
                f"hold one currency",
            )
    check.done()
    assert t is not None and source is not None and target is not None
    moved = _money(source[1])
    return {
        "id": written_id(bk, K_TRANSFER, key),
        "description": description or f"Transfer to {bk.chart[target[0]][2]}",
        "date": bk.date(t),
        "from": {"accountRef": bk.bank_record_refs[source[0]], "currency": CURRENCY, "amount": moved},
        "to": {"accountRef": bk.bank_record_refs[target[0]], "currency": CURRENCY, "amount": moved},
        "trackingCategoryRefs": [bk.tracking_refs[i] for i in tracking],
        "depositedRecordRefs": [],
    }


def _direct_cost(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int
) -> dict[str, Any]:
    return _direct(bk, written, record, key, T, K_DIRECT_COST)


def _direct_income(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int
) -> dict[str, Any]:
    return _direct(bk, written, record, key, T, K_DIRECT_INCOME)


def _direct(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int, kind: str
) -> dict[str, Any]:
    """A direct cost or income: lines checked as an invoice's are, paid at once from (or into) one bank
    account by its single payment allocation for the whole total."""
    cost = kind == K_DIRECT_COST
    check = Check(bk, written, T, "DirectCost" if cost else "DirectIncome")
    t = check.moment(record.get("issueDate"), "issueDate")
    check.currency(record.get("currency"), "currency")
    check.currency_rate(record.get("currencyRate"), "currencyRate")
    reference = check.text(record.get("reference"), "reference")
    note = check.text(record.get("note"), "note")
    contact = _direct_contact(check, record.get("contactRef"), cost)
    raw_lines = check.lines(record.get("lineItems"), "lineItems", "needs at least one line")
    lines = []
    sub_total = tax_total = 0
    for n, line in enumerate(raw_lines):
        shaped = _invoice_line(check, line, f"lineItems.{n}")
        if shaped is not None:
            del shaped["isDirectIncome"], shaped["tracking"]
            lines.append(shaped)
            sub_total += _pence(shaped["subTotal"])
            tax_total += _pence(shaped["taxAmount"])
    total = sub_total + tax_total
    if len(lines) == len(raw_lines) and lines:
        for name, expected in (("subTotal", sub_total), ("taxAmount", tax_total), ("totalAmount", total)):
            given = check.pence(record.get(name), name, required=False)
            if given is not None and given != expected:
                check.fail(name, f"{_money(given):.2f} does not match the lines ({_money(expected):.2f})")
        if total <= 0:
            check.fail("totalAmount", "must be more than 0.00")
    bank = _direct_bank(check, record.get("paymentAllocations"), total if lines else None)
    check.done()
    assert t is not None and bank is not None
    when = bk.date(t)
    shaped_record: dict[str, Any] = {
        "id": written_id(bk, kind, key),
        "reference": reference or "",
        "note": note or "",
    }
    if contact is not None:
        shaped_record["contactRef"] = contact
    shaped_record.update(
        {
            "issueDate": when,
            "currency": CURRENCY,
            "currencyRate": 1,
            "lineItems": lines,
            "paymentAllocations": [
                payment_allocation(
                    "directCosts" if cost else "directIncomes",
                    payment_id=written_id(bk, BT_KIND[kind], key),
                    paid=_money(total),
                    allocated=_money(total),
                    currency=CURRENCY,
                    currency_rate=1,
                    paid_on=when,
                    allocated_on=when,
                    note=note or "",
                    reference=reference or "",
                    account_ref=bk.account_refs[bank],
                    payment_currency_rate=1,
                )
            ],
            "subTotal": _money(sub_total),
            "taxAmount": _money(tax_total),
            "totalAmount": _money(total),
        }
    )
    return shaped_record


def _direct_contact(check: Check, contact: Any, cost: bool) -> dict[str, str] | None:
    """A direct cost's supplier or a direct income's customer, if it names one (`{id, dataType}`)."""
    if contact is None:
        return None
    wanted = "suppliers" if cost else "customers"
    if not isinstance(contact, dict) or contact.get("dataType", wanted) != wanted:
        check.fail("contactRef.dataType", f"must be {wanted}")
        return None
    if not cost:
        customer = check.customer(contact, "contactRef")
        return None if customer is None else record_ref(customer["id"], "customers")
    supplier_id = check.ref_id(contact, "contactRef")
    if supplier_id is None:
        return None
    bk = check.books
    found = check.written.suppliers.get(supplier_id)
    if found is not None and found.w <= check.T:
        return record_ref(supplier_id, "suppliers")
    for k in range(bk.n_suppliers(max(check.T, 0) // DAY)):
        if bk.contact_id(k, True) == supplier_id and bk.contact_life(k, True)[0] <= check.T:
            return record_ref(supplier_id, "suppliers")
    check.fail("contactRef.id", f"No supplier has id {supplier_id}")
    return None


def _direct_bank(check: Check, allocations: Any, total: int | None) -> int | None:
    """The bank account a direct cost or income is paid from or into: its one payment allocation's, for
    the whole total."""
    if not isinstance(allocations, list) or len(allocations) != 1 or not isinstance(allocations[0], dict):
        check.fail(
            "paymentAllocations",
            "needs exactly one allocation: the payment from (or into) the bank account, for the total",
        )
        return None
    payment, allocation = allocations[0].get("payment"), allocations[0].get("allocation")
    if not isinstance(payment, dict):
        check.fail("paymentAllocations.0.payment", "is required")
        return None
    bank = _bank(check, payment.get("accountRef"), "paymentAllocations.0.payment.accountRef")
    check.currency(payment.get("currency"), "paymentAllocations.0.payment.currency")
    for item, part in (
        ("payment", payment),
        ("allocation", allocation if isinstance(allocation, dict) else {}),
    ):
        amount = check.pence(
            part.get("totalAmount"), f"paymentAllocations.0.{item}.totalAmount", required=False
        )
        if amount is not None and total is not None and amount != total:
            check.fail(
                f"paymentAllocations.0.{item}.totalAmount",
                f"{_money(amount):.2f} is not the total ({_money(total):.2f}): it is paid at once, in full",
            )
    return bank


_BANK_TRANSACTION_TYPES = get_args(BankTransactionType)


def _bank_transactions(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int
) -> dict[str, Any]:
    """Lines pushed onto a bank account's statement (`.../push/bankAccounts/{accountId}/bankTransactions`: the
    connector puts the path's account in `accountId`): each an amount to the penny, not zero, cleared no later
    than today; a `balance`, when given, must be the account's running balance after the line. (The bank lists
    lines by the second they cleared, then by id: those of one push in their order, those written in the same
    second by another write in id order.)"""
    check = Check(bk, written, T, "BankTransactions")
    bank = _bank(check, {"id": record.get("accountId")}, "accountId")
    raw_lines = check.lines(record.get("transactions"), "transactions", "needs at least one line")
    running = _bank_balance(bk, bank, T) if bank is not None else None
    batch_id = written_id(bk, BT_KIND[K_MANUAL], key)
    lines = []
    for n, line in enumerate(raw_lines):
        item = f"transactions.{n}"
        if not isinstance(line, dict):
            check.fail(item, "must be an object")
            continue
        when = line.get("clearedOnDate", line.get("date"))
        t = check.moment(when, f"{item}.clearedOnDate")
        pence = check.pence(line.get("amount"), f"{item}.amount")
        if pence == 0:
            check.fail(f"{item}.amount", "must not be 0.00: a statement line moves money")
        description = check.text(line.get("description"), f"{item}.description")
        counterparty = check.text(line.get("counterparty"), f"{item}.counterparty")
        reference = check.text(line.get("reference"), f"{item}.reference")
        kind = line.get("transactionType")
        if kind is not None and kind not in _BANK_TRANSACTION_TYPES:
            check.fail(f"{item}.transactionType", f"{kind!r} is not one of Codat's bank transaction types")
        if line.get("reconciled") not in (None, False, True):
            check.fail(f"{item}.reconciled", "must be true or false")
        if t is None or not pence or running is None:
            continue
        running += pence
        given = check.pence(line.get("balance"), f"{item}.balance", required=False)
        if given is not None and given != running:
            check.fail(
                f"{item}.balance",
                f"{_money(given):.2f} is not the account's balance after the line ({_money(running):.2f})",
            )
        lines.append(
            {
                # The lines clear at the same moment: their ids sort in the order pushed, as the bank
                # lists them (by time, then id).
                "id": f"{batch_id[:-4]}{n:04x}",
                "clearedOnDate": bk.date(t),
                "description": description or counterparty or reference or "Bank transaction",
                "counterparty": counterparty or "",
                "reference": reference or "",
                "amount": _money(pence),
                "balance": _money(running),
                "transactionType": kind or ("Credit" if pence > 0 else "Debit"),
            }
        )
    check.done()
    assert bank is not None
    return {
        "id": batch_id,
        "accountId": bk.account_ids[bank],
        "transactions": lines,
    }


def _bank_balance(bk: AccountingBooks, a: int, T: int) -> int:
    """Bank account `a`'s balance at T: its opening balance (the generated accounts') and every line by T
    (only written records move a written account)."""
    if a not in BANK_ACCOUNTS and bk.written is not None:
        return sum(move[3] for move in bk.written.moves if move[2] == a and move[0] <= T)
    balance = dict(zip(BANK_ACCOUNTS, bk.opening()[:2], strict=True)).get(a, 0)
    for move in bk.bank_lines(T):
        if move is not None and move[2] == a:
            balance += move[3]
    return balance


# -------------------------------------------------------------------------------------- catalogues
_ITEM_TYPES = ("Inventory", "NonInventory", "Service")


def _item(bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int) -> dict[str, Any]:
    """A product or service: sold (`invoiceItem`), bought (`billItem`) or both, each side with its price,
    account and tax rate; its name and code unique among the items."""
    check = Check(bk, written, T, "Item")
    name = check.name(record.get("name"), "name")
    code = check.text(record.get("code"), "code")
    catalogue = [(it.name, it.code) for it in bk.items]
    catalogue += [(i.record["name"], i.record["code"]) for i in Written.in_books(written.items, T)]
    _unique(check, catalogue, name, code, "item", "code")
    type_ = record.get("type")
    if type_ not in _ITEM_TYPES:
        check.fail("type", f"must be one of {', '.join(_ITEM_TYPES)}")
    if record.get("itemStatus") not in (None, "Active"):
        check.fail("itemStatus", "The Sandbox creates items as Active")
    shaped: dict[str, Any] = {"id": written_id(bk, K_ITEM, key), "name": name or ""}
    shaped.update({"code": (code or "").strip() or shaped["id"][-8:].upper(), "itemStatus": "Active"})
    shaped["type"] = type_
    sides = 0
    for side, flag in (("invoiceItem", "isInvoiceItem"), ("billItem", "isBillItem")):
        detail = record.get(side)
        wanted = record.get(flag)
        if wanted is not None and not isinstance(wanted, bool):
            check.fail(flag, "must be true or false")
            continue
        if wanted and detail is None:
            check.fail(side, f"is required when {flag} is true")
            continue
        shaped[flag] = detail is not None and wanted is not False
        if not shaped[flag]:
            continue
        sides += 1
        shaped[side] = _item_side(check, detail, side, name or "")
    if sides == 0:
        check.fail("invoiceItem", "An item is sold (invoiceItem), bought (billItem) or both")
    check.done()
    return shaped


def _unique(
    check: Check, taken: list[tuple[str, str]], name: str | None, code: str | None, what: str, code_item: str
) -> None:
    """Fail if another `what` in `taken` ((name, code) pairs) has this name or code (case aside)."""
    if name is not None and any(name.casefold() == other.casefold() for other, _ in taken):
        check.fail("name", f"A {what} named {name!r} already exists")
    if code is not None and any(code.strip().casefold() == (other or "").casefold() for _, other in taken):
        check.fail(code_item, f"A {what} with code {code.strip()!r} already exists")


def _item_side(check: Check, detail: Any, item: str, name: str) -> dict[str, Any]:
    """An item's sale or purchase details: a price (not negative), an account that is neither a bank nor a
    control account, and a tax rate (none: no VAT)."""
    if not isinstance(detail, dict):
        check.fail(item, "must be an object")
        return {}
    description = check.text(detail.get("description"), f"{item}.description")
    price = check.pence(detail.get("unitPrice"), f"{item}.unitPrice", required=False)
    if price is not None and price < 0:
        check.fail(f"{item}.unitPrice", "must not be negative")
    a = check.account(detail.get("accountRef"), f"{item}.accountRef")
    bk = check.books
    if a is not None and (bk.is_bank[a] or a in _CONTROL_ACCOUNTS):
        check.fail(f"{item}.accountRef.id", f"{bk.chart[a][2]} is a bank or control account")
    tax_i = check.tax_rate(detail.get("taxRateRef"), f"{item}.taxRateRef")
    return {
        "description": description or name,
        "unitPrice": _money(price or 0),
        "accountRef": bk.account_refs[a] if a is not None else {},
        "taxRateRef": bk.tax_refs[tax_i],
    }


_JOURNAL_TYPES = ("Sales", "Purchases", "Cash", "General")


def _journal(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int
) -> dict[str, Any]:
    """A journal journal entries can then be posted in: its name and code unique, one of the books' kinds."""
    check = Check(bk, written, T, "Journal")
    name = check.name(record.get("name"), "name")
    code = check.text(record.get("journalCode"), "journalCode")
    journals = [(n, c) for (n, c, _type) in JOURNALS]
    journals += [(j.record["name"], j.record["journalCode"]) for j in Written.in_books(written.journals, T)]
    _unique(check, journals, name, code, "journal", "journalCode")
    type_ = record.get("type") or "General"
    if type_ not in _JOURNAL_TYPES:
        check.fail("type", f"must be one of {', '.join(_JOURNAL_TYPES)}")
    if record.get("parentId") is not None:
        check.fail("parentId", "The Sandbox's journals are not nested")
    if record.get("status") not in (None, "Active"):
        check.fail("status", "The Sandbox creates journals as Active")
    check.done()
    assert name is not None
    journal_id = written_id(bk, K_JOURNAL, key)
    return {
        "id": journal_id,
        "journalCode": (code or "").strip() or f"J{journal_id[-4:].upper()}",
        "name": name,
        "type": type_,
        "hasChildren": False,
        "status": "Active",
    }
