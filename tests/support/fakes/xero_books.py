"""The fake Xero's bookkeeping for writes (`XeroFake` routes PUT/POST here): what Xero checks before it keeps
a record (its validation messages, answered as its `ApiException` 400), what it fills in (ids, totals, tax,
amounts due, statuses, numbers, modification times), what a payment or a deletion changes on the documents,
and the general ledger (`Journals`) each posting record leaves, so the fake's reports follow the writes.

It works over one tenant's records (`collection → id → record`), as Xero's JSON. Dates come in as Xero takes
them (`2024-03-01`) and are kept as Xero answers them (`/Date(ms+0000)/`).
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

Record = dict[str, Any]
Records = Mapping[str, dict[str, Record]]

# The scope a write to each collection needs (Xero: settings for the chart and items, contacts, and
# transactions for the rest).
WRITE_SCOPES = {
    "Accounts": "accounting.settings",
    "Items": "accounting.settings",
    "Contacts": "accounting.contacts",
}
# The ledger's control accounts (the spec's example journals post to this receivables account).
RECEIVABLES = {
    "AccountID": "b94495d0-44ab-4199-a1d0-427a4877e100",
    "AccountCode": "610",
    "AccountName": "Accounts Receivable",
    "AccountType": "CURRENT",
}
PAYABLES = {
    "AccountID": "6f9c7a7e-8a4b-4d3e-9f43-0c5b2a7d1e20",
    "AccountCode": "800",
    "AccountName": "Accounts Payable",
    "AccountType": "CURRLIAB",
}
ACCOUNT_CLASSES = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "EQUITY": "EQUITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "OTHERINCOME": "REVENUE",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
}
DOCUMENT_KINDS = {"Invoices": ("ACCREC", "ACCPAY"), "CreditNotes": ("ACCRECCREDIT", "ACCPAYCREDIT")}


class Invalid(Exception):
    """Xero's refusal: the messages of its `Elements[].ValidationErrors`."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


def error_body(messages: list[str]) -> Record:
    """Xero's `ApiException` body for a refused write."""
    return {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [{"ValidationErrors": [{"Message": message} for message in messages]}],
    }


# ------------------------------------------------------------------------------------------------ dates
def ms_date(moment: float) -> str:
    return f"/Date({int(moment * 1000)}+0000)/"


def parse_ms_date(value: str) -> float:
    match = re.fullmatch(r"/Date\((-?\d+)([+-]\d{4})?\)/", value)
    assert match, value
    return int(match.group(1)) / 1000


def day_date(day: date) -> str:
    return ms_date(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _xero_day(value: Any, now: float) -> str:
    """A date as Xero keeps it, from what a write may send (`2024-03-01`, `2024-03-01T00:00:00`, or its own
    `/Date(...)/`); today when none."""
    if not value:
        return day_date(datetime.fromtimestamp(now, UTC).date())
    text = str(value)
    if text.startswith("/Date("):
        return text
    try:
        return day_date(date.fromisoformat(text[:10]))
    except ValueError:
        raise Invalid(f"The date '{text}' is not a valid date.") from None


def _summary(account: Record) -> Record:
    """How Xero names an account inside another record: its id, and its code and name when it has them."""
    named = {"AccountID": account["AccountID"], "Code": account.get("Code"), "Name": account.get("Name")}
    return {key: value for key, value in named.items() if value is not None}


def _money(value: float) -> float:
    return round(value + 0.0, 2)


# ------------------------------------------------------------------------------------------------ books
class Books:
    """One tenant's records, changed by writes as Xero changes them."""

    def __init__(self, records: Records, now: float, base_currency: str | None) -> None:
        self.records = records
        self.now = now
        self.base_currency = base_currency or "NZD"

    def write(self, collection: str, incoming: Record, record_id: str | None = None) -> Record:
        """Create (`record_id` None) or update a record of `collection`; the record as Xero now holds it.
        Raises `Invalid` (nothing is changed) or `KeyError` (no such record)."""
        id_key = ID_KEYS[collection]
        current = copy.deepcopy(self.records[collection][record_id]) if record_id else None
        if record_id and current is None:
            raise KeyError(record_id)
        merged = {**(current or {}), **copy.deepcopy(incoming)}
        merged[id_key] = record_id or str(uuid.uuid4())
        stored = getattr(self, "_" + collection.lower())(current, merged)
        if collection != "BankTransfers":  # a transfer has its creation time only
            stored["UpdatedDateUTC"] = ms_date(self.now)
        self.records[collection][stored[id_key]] = stored
        return copy.deepcopy(stored)

    def delete_payment(self, payment_id: str) -> Record:
        """`POST /Payments/{id}` with Status DELETED: the payment no longer pays its document."""
        payment = self.records["Payments"].get(payment_id)
        if payment is None:
            raise KeyError(payment_id)
        if payment.get("Status") == "DELETED":
            raise Invalid("This payment has already been deleted.")
        document, collection = self._paid_document(payment)
        if document is not None:
            self._apply(document, collection, -float(payment["Amount"]), payment, remove=True)
        payment["Status"] = "DELETED"
        payment["UpdatedDateUTC"] = ms_date(self.now)
        self._post(payment_id, payment["PaymentType"], payment["Date"], [])
        return copy.deepcopy(payment)

    # ---------------------------------------------------------------------------------------- contacts
    def _contacts(self, current: Record | None, record: Record) -> Record:
        name = (record.get("Name") or "").strip()
        if not name:
            raise Invalid("The contact name must be specified.")
        for other in self.records["Contacts"].values():
            if (
                other["ContactID"] != record["ContactID"]
                and (other.get("Name") or "").lower() == name.lower()
            ):
                raise Invalid(f"The contact name {name} is already assigned to another contact.")
        record.setdefault("ContactStatus", "ACTIVE")
        record.setdefault("IsCustomer", False)
        record.setdefault("IsSupplier", False)
        return record

    def _contact(self, ref: Any) -> Record:
        contact_id = ref.get("ContactID") if isinstance(ref, dict) else None
        contact = self.records["Contacts"].get(contact_id or "")
        if contact is None:
            raise Invalid(f"The contact '{contact_id}' could not be found.")
        return contact

    # ---------------------------------------------------------------------------------------- accounts
    def _accounts(self, current: Record | None, record: Record) -> Record:
        problems = []
        kind = record.get("Type")
        if kind not in ACCOUNT_CLASSES:
            problems.append(f"Account type '{kind}' is not valid.")
        if not record.get("Name"):
            problems.append("Please enter a Name for the account.")
        if kind != "BANK" and not record.get("Code"):
            problems.append("Please enter a Code for the account.")
        if kind == "BANK" and not record.get("BankAccountNumber"):
            problems.append("Please enter a Bank Account Number.")
        for other in self.records["Accounts"].values():
            if other["AccountID"] == record["AccountID"]:
                continue
            if record.get("Code") and other.get("Code") == record.get("Code"):
                problems.append("Please enter a unique Code.")
            if (other.get("Name") or "").lower() == (record.get("Name") or "").lower():
                problems.append("Please enter a unique Name.")
        if problems:
            raise Invalid(*problems)
        record.setdefault("Status", "ACTIVE")
        record["Class"] = ACCOUNT_CLASSES[kind]
        if kind == "BANK":
            record.setdefault("BankAccountType", "BANK")
            record.setdefault("CurrencyCode", self.base_currency)
        return record

    def _account(self, line: Record, where: str) -> Record:
        """The account a line names, by id or code (archived ones refused, as Xero does)."""
        account_id, code = line.get("AccountID"), line.get("AccountCode")
        for account in self.records["Accounts"].values():
            if (account_id and account["AccountID"] == account_id) or (code and account.get("Code") == code):
                if account.get("Status") in ("ARCHIVED", "DELETED"):
                    raise Invalid(f"Account code '{account.get('Code')}' has been archived.")
                return account
        raise Invalid(f"Account code '{code or account_id}' is not a valid code for {where}.")

    # -------------------------------------------------------------------------- invoices, credit notes
    def _lines(self, record: Record, accounts_needed: bool = True) -> tuple[float, float]:
        """Each line's account, amount and tax, filled in; the document's subtotal and tax. A purchase
        order's lines may leave the account out (`accounts_needed` False)."""
        lines = record.get("LineItems") or []
        if not lines:
            raise Invalid("At least one line item is required.")
        rates = {r["TaxType"]: float(r.get("EffectiveRate") or 0) for r in self.records["TaxRates"].values()}
        amounts = record.get("LineAmountTypes") or "Exclusive"
        sub_total = tax_total = 0.0
        problems = []
        for line in lines:
            named = line.get("AccountID") or line.get("AccountCode")
            try:
                account = self._account(line, "this document") if named or accounts_needed else None
            except Invalid as invalid:
                problems.extend(invalid.messages)
                continue
            if line.get("ItemCode") and not any(
                item.get("Code") == line["ItemCode"] for item in self.records["Items"].values()
            ):
                problems.append(f"Item code '{line['ItemCode']}' is not valid.")
            if account is not None:
                line["AccountID"], line["AccountCode"] = account["AccountID"], account.get("Code")
            quantity = float(line.get("Quantity") if line.get("Quantity") is not None else 1)
            amount = (
                quantity
                * float(line.get("UnitAmount") or 0)
                * (1 - float(line.get("DiscountRate") or 0) / 100)
            )
            rate = 0.0 if amounts == "NoTax" else rates.get(line.get("TaxType") or "NONE", 0.0)
            if line.get("TaxType") and line["TaxType"] not in rates:
                problems.append(f"The TaxType code '{line['TaxType']}' does not exist or cannot be used.")
            tax = amount * rate / (100 + rate) if amounts == "Inclusive" else amount * rate / 100
            line.update(
                {
                    "LineItemID": line.get("LineItemID") or str(uuid.uuid4()),
                    "Quantity": quantity,
                    "LineAmount": _money(amount),
                    "TaxAmount": _money(tax),
                    "TaxType": line.get("TaxType") or "NONE",
                }
            )
            sub_total += amount - tax if amounts == "Inclusive" else amount
            tax_total += tax
        if problems:
            raise Invalid(*problems)
        return _money(sub_total), _money(tax_total)

    def _document(self, current: Record | None, record: Record, collection: str) -> Record:
        kinds = DOCUMENT_KINDS[collection]
        if record.get("Type") not in kinds:
            raise Invalid(f"Type must be one of {', '.join(kinds)}.")
        if current is not None:
            self._check_change(current, record)
            if record["Status"] in ("DELETED", "VOIDED"):
                return self._ended(current, record, collection)
        contact = self._contact(record.get("Contact"))
        record["Contact"] = {"ContactID": contact["ContactID"], "Name": contact.get("Name")}
        sub_total, tax = self._lines(record)
        record.setdefault("Status", "DRAFT")
        record["Date"] = _xero_day(record.get("Date"), self.now)
        record.setdefault("CurrencyCode", self.base_currency)
        record.setdefault("CurrencyRate", 1.0)
        record.setdefault("LineAmountTypes", "Exclusive")
        total = _money(sub_total + tax)
        record.update({"SubTotal": sub_total, "TotalTax": tax, "Total": total})
        receivable = record["Type"].startswith("ACCREC")
        contact["IsCustomer" if receivable else "IsSupplier"] = True
        if collection == "Invoices":
            record["DueDate"] = _xero_day(record.get("DueDate") or record["Date"], self.now)
            paid, credited = float(record.get("AmountPaid") or 0), float(record.get("AmountCredited") or 0)
            if paid + credited > total:
                raise Invalid("The document total cannot be less than the amount already paid.")
            record.update(
                {"AmountPaid": paid, "AmountCredited": credited, "AmountDue": _money(total - paid - credited)}
            )
            record.setdefault("Payments", [])
            record.setdefault("CreditNotes", [])
            if receivable and not record.get("InvoiceNumber"):
                record["InvoiceNumber"] = f"INV-{len(self.records['Invoices']) + 1:04d}"
        else:
            applied = sum(float(a.get("Amount") or 0) for a in record.get("Allocations") or [])
            refunded = sum(float(p.get("Amount") or 0) for p in record.get("Payments") or [])
            record["RemainingCredit"] = _money(total - applied - refunded)
            record.setdefault("Payments", [])
            record.setdefault("Allocations", [])
            if not record.get("CreditNoteNumber"):
                record["CreditNoteNumber"] = f"CN-{len(self.records['CreditNotes']) + 1:04d}"
        self._post_document(record, collection)
        return record

    def _check_change(self, current: Record, record: Record) -> None:
        status, wanted = current.get("Status"), record.get("Status")
        if status in ("DELETED", "VOIDED"):
            raise Invalid(f"This document cannot be edited as it is {status.lower()}.")
        if status == "PAID" and wanted not in (None, "PAID"):
            raise Invalid("This document cannot be edited as it has been paid.")
        if wanted == "DELETED" and status not in ("DRAFT", "SUBMITTED"):
            raise Invalid("Only draft or submitted documents can be deleted; void an approved one.")
        if wanted == "VOIDED":
            if status != "AUTHORISED":
                raise Invalid("Only approved documents can be voided; delete a draft one.")
            if float(current.get("AmountPaid") or 0) or current.get("Payments") or current.get("Allocations"):
                raise Invalid("This document cannot be voided as it has payments or credits allocated.")

    def _ended(self, current: Record, record: Record, collection: str) -> Record:
        ended = {**current, "Status": record["Status"]}
        if collection == "Invoices":
            ended["AmountDue"] = 0.0
        self._post(ended[ID_KEYS[collection]], ended["Type"], ended["Date"], [])
        return ended

    def _invoices(self, current: Record | None, record: Record) -> Record:
        return self._document(current, record, "Invoices")

    def _creditnotes(self, current: Record | None, record: Record) -> Record:
        return self._document(current, record, "CreditNotes")

    # ---------------------------------------------------------------------------------------- payments
    def _payments(self, current: Record | None, record: Record) -> Record:
        if current is not None:
            raise Invalid("A payment can only be deleted (Status DELETED), not changed.")
        document, collection = self._paid_document(record)
        if document is None:
            raise Invalid("Invoice or credit note could not be found for the payment.")
        if document.get("Status") != "AUTHORISED":
            raise Invalid(
                f"Payments can only be made against approved documents; this one is {document.get('Status')}."
            )
        account = self._payment_account(record.get("Account"))
        amount = float(record.get("Amount") or 0)
        if amount <= 0:
            raise Invalid("The payment amount must be greater than zero.")
        outstanding = float(document.get("AmountDue" if collection == "Invoices" else "RemainingCredit") or 0)
        if amount > outstanding + 0.005:
            raise Invalid(
                f"Payment amount exceeds the amount outstanding on this document ({outstanding:.2f})."
            )
        kind = document["Type"]
        payment_type = {
            "ACCREC": "ACCRECPAYMENT",
            "ACCPAY": "ACCPAYPAYMENT",
            "ACCRECCREDIT": "ARCREDITPAYMENT",
            "ACCPAYCREDIT": "APCREDITPAYMENT",
        }[kind]
        summary = {
            "Type": kind,
            ID_KEYS[collection]: document[ID_KEYS[collection]],
            "Contact": dict(document["Contact"]),
            "CurrencyCode": document.get("CurrencyCode"),
        }
        number_key = "InvoiceNumber" if collection == "Invoices" else "CreditNoteNumber"
        if document.get(number_key):
            summary[number_key] = document[number_key]
        record.update(
            {
                "Date": _xero_day(record.get("Date"), self.now),
                "Amount": _money(amount),
                "BankAmount": _money(amount),
                "CurrencyRate": float(record.get("CurrencyRate") or 1.0),
                "PaymentType": payment_type,
                "Status": "AUTHORISED",
                "IsReconciled": False,
                "HasAccount": True,
                "Account": {"AccountID": account["AccountID"], "Code": account.get("Code") or ""},
                "Invoice" if collection == "Invoices" else "CreditNote": summary,
            }
        )
        self._apply(document, collection, amount, record)
        into_bank = payment_type in ("ACCRECPAYMENT", "APCREDITPAYMENT")
        control = RECEIVABLES if kind.startswith("ACCREC") else PAYABLES
        sign = 1 if into_bank else -1
        self._post(
            record["PaymentID"],
            payment_type,
            record["Date"],
            [(self._ledger_account(account), sign * amount), (control, -sign * amount)],
        )
        return record

    def _paid_document(self, payment: Record) -> tuple[Record | None, str]:
        if payment.get("Invoice"):
            return self.records["Invoices"].get(payment["Invoice"].get("InvoiceID") or ""), "Invoices"
        if payment.get("CreditNote"):
            credit_id = payment["CreditNote"].get("CreditNoteID") or ""
            return self.records["CreditNotes"].get(credit_id), "CreditNotes"
        return None, "Invoices"

    def _payment_account(self, ref: Any) -> Record:
        account_id = ref.get("AccountID") if isinstance(ref, dict) else None
        code = ref.get("Code") if isinstance(ref, dict) else None
        for account in self.records["Accounts"].values():
            named = account["AccountID"] == account_id or (code and account.get("Code") == code)
            if named and (account.get("Type") == "BANK" or account.get("EnablePaymentsToAccount")):
                return account
        raise Invalid(
            f"Payment account '{account_id or code}' is not a bank account or does not accept payments."
        )

    def _apply(
        self, document: Record, collection: str, amount: float, payment: Record, remove: bool = False
    ) -> None:
        """A payment (negative `amount`: its deletion) on what the document still owes."""
        entry = {
            "PaymentID": payment["PaymentID"],
            "Date": payment["Date"],
            "Amount": abs(amount),
            "Reference": payment.get("Reference") or "",
            "CurrencyRate": payment.get("CurrencyRate") or 1.0,
        }
        listed = [p for p in document.get("Payments") or [] if p.get("PaymentID") != payment["PaymentID"]]
        document["Payments"] = listed if remove else [*listed, entry]
        if collection == "Invoices":
            document["AmountPaid"] = _money(float(document.get("AmountPaid") or 0) + amount)
            document["AmountDue"] = _money(
                float(document.get("Total") or 0)
                - document["AmountPaid"]
                - float(document.get("AmountCredited") or 0)
            )
            left = document["AmountDue"]
        else:
            document["RemainingCredit"] = _money(float(document.get("RemainingCredit") or 0) - amount)
            left = document["RemainingCredit"]
        if left <= 0.005:
            document["Status"] = "PAID"
            document["FullyPaidOnDate"] = payment["Date"]
        else:
            document["Status"] = "AUTHORISED"
            document.pop("FullyPaidOnDate", None)
        document["UpdatedDateUTC"] = ms_date(self.now)

    # --------------------------------------------------------------------------------- manual journals
    def _manualjournals(self, current: Record | None, record: Record) -> Record:
        if not record.get("Narration"):
            raise Invalid("Narration must be specified.")
        if current is not None:
            status, wanted = current.get("Status"), record.get("Status")
            if status in ("DELETED", "VOIDED"):
                raise Invalid(f"This manual journal cannot be edited as it is {status.lower()}.")
            if wanted == "VOIDED" and status != "POSTED":
                raise Invalid("Only posted manual journals can be voided; delete a draft one.")
            if wanted == "DELETED" and status != "DRAFT":
                raise Invalid("Only draft manual journals can be deleted; void a posted one.")
            if wanted in ("DELETED", "VOIDED"):
                self._post(record["ManualJournalID"], "MANJOURNAL", current["Date"], [])
                return {**current, "Status": wanted}
        lines = record.get("JournalLines") or []
        if len(lines) < 2:
            raise Invalid("A manual journal must have at least two journal lines.")
        posted = []
        problems = []
        for line in lines:
            try:
                account = self._account(line, "this manual journal")
            except Invalid as invalid:
                problems.extend(invalid.messages)
                continue
            line["AccountID"], line["AccountCode"] = account["AccountID"], account.get("Code")
            line["LineAmount"] = _money(float(line.get("LineAmount") or 0))
            line.setdefault("TaxType", "NONE")
            line.setdefault("TaxAmount", 0.0)
            posted.append((self._ledger_account(account), line["LineAmount"]))
        debits = _money(sum(amount for _, amount in posted if amount > 0))
        credits = _money(-sum(amount for _, amount in posted if amount < 0))
        if not problems and debits != credits:
            problems.append(f"The total debits ({debits:.2f}) must equal total credits ({credits:.2f}).")
        if problems:
            raise Invalid(*problems)
        record.setdefault("Status", "DRAFT")
        record.setdefault("LineAmountTypes", "NoTax")
        record.setdefault("ShowOnCashBasisReports", True)
        record["Date"] = _xero_day(record.get("Date"), self.now)
        if record["Status"] == "POSTED":
            self._post(record["ManualJournalID"], "MANJOURNAL", record["Date"], posted)
        return record

    # ------------------------------------------------------------------------------ purchase orders
    def _purchaseorders(self, current: Record | None, record: Record) -> Record:
        if current is not None and current.get("Status") in ("BILLED", "DELETED"):
            raise Invalid(f"This purchase order cannot be edited as it is {current['Status'].lower()}.")
        contact = self._contact(record.get("Contact"))
        record["Contact"] = {"ContactID": contact["ContactID"], "Name": contact.get("Name")}
        sub_total, tax = self._lines(record, accounts_needed=False)
        record.setdefault("Status", "DRAFT")
        record["Date"] = _xero_day(record.get("Date"), self.now)
        if record.get("DeliveryDate"):
            record["DeliveryDate"] = _xero_day(record["DeliveryDate"], self.now)
        record.setdefault("CurrencyCode", self.base_currency)
        record.setdefault("CurrencyRate", 1.0)
        record.setdefault("LineAmountTypes", "Exclusive")
        if not record.get("PurchaseOrderNumber"):
            record["PurchaseOrderNumber"] = f"PO-{len(self.records['PurchaseOrders']) + 1:04d}"
        record.update(
            {"SubTotal": sub_total, "TotalTax": tax, "Total": _money(sub_total + tax), "TotalDiscount": 0.0}
        )
        return record

    # ------------------------------------------------------------------------------- bank transfers
    def _banktransfers(self, current: Record | None, record: Record) -> Record:
        if current is not None:
            raise Invalid("A bank transfer cannot be changed.")
        sides = {}
        for key in ("FromBankAccount", "ToBankAccount"):
            sides[key] = self._bank_account(record.get(key))
        if sides["FromBankAccount"]["AccountID"] == sides["ToBankAccount"]["AccountID"]:
            raise Invalid("The from and to bank accounts of a transfer must be different.")
        amount = float(record.get("Amount") or 0)
        if amount <= 0:
            raise Invalid("The transfer amount must be greater than zero.")
        record.update(
            {
                "Amount": _money(amount),
                "Date": _xero_day(record.get("Date"), self.now),
                "CreatedDateUTC": ms_date(self.now),
                "CurrencyRate": 1.0,
                "Status": "AUTHORISED",
                "FromBankTransactionID": str(uuid.uuid4()),
                "ToBankTransactionID": str(uuid.uuid4()),
                "FromIsReconciled": False,
                "ToIsReconciled": False,
                "HasAttachments": False,
            }
        )
        for key, account in sides.items():
            record[key] = _summary(account)
        self._post(
            record["BankTransferID"],
            "TRANSFER",
            record["Date"],
            [
                (self._ledger_account(sides["FromBankAccount"]), -amount),
                (self._ledger_account(sides["ToBankAccount"]), amount),
            ],
        )
        return record

    def _bank_account(self, ref: Any) -> Record:
        account_id = ref.get("AccountID") if isinstance(ref, dict) else None
        code = ref.get("Code") if isinstance(ref, dict) else None
        for account in self.records["Accounts"].values():
            named = account["AccountID"] == account_id or (code and account.get("Code") == code)
            if named and account.get("Type") == "BANK" and account.get("Status", "ACTIVE") == "ACTIVE":
                return account
        raise Invalid(f"The bank account '{account_id or code}' could not be found.")

    # ---------------------------------------------------------------------------- bank transactions
    def _banktransactions(self, current: Record | None, record: Record) -> Record:
        kind = record.get("Type")
        if kind not in ("SPEND", "RECEIVE"):
            raise Invalid("Only SPEND and RECEIVE bank transactions can be written here.")
        if current is not None and current.get("Status") in ("DELETED", "VOIDED"):
            raise Invalid("This bank transaction cannot be edited as it is deleted.")
        bank = self._bank_account(record.get("BankAccount"))
        contact = self._contact(record.get("Contact"))
        sub_total, tax = self._lines(record)
        total = _money(sub_total + tax)
        record.update(
            {
                "BankAccount": _summary(bank),
                "Contact": {"ContactID": contact["ContactID"], "Name": contact.get("Name")},
                "Date": _xero_day(record.get("Date"), self.now),
                "Status": record.get("Status") or "AUTHORISED",
                "IsReconciled": bool(record.get("IsReconciled")),
                "CurrencyCode": record.get("CurrencyCode") or bank.get("CurrencyCode") or self.base_currency,
                "CurrencyRate": float(record.get("CurrencyRate") or 1.0),
                "LineAmountTypes": record.get("LineAmountTypes") or "Exclusive",
                "SubTotal": sub_total,
                "TotalTax": tax,
                "Total": total,
            }
        )
        sign = 1 if kind == "RECEIVE" else -1
        accounts = {a["AccountID"]: a for a in self.records["Accounts"].values()}
        lines = [
            (self._ledger_account(accounts[line["AccountID"]]), -sign * float(line["LineAmount"]))
            for line in record["LineItems"]
        ]
        lines.append((self._ledger_account(bank), sign * total))
        if tax:
            lines.append(({**PAYABLES, "AccountName": "GST", "AccountCode": "820"}, -sign * tax))
        self._post(
            record["BankTransactionID"], "CASHREC" if kind == "RECEIVE" else "CASHPAID", record["Date"], lines
        )
        return record

    # ------------------------------------------------------------------------------------------- items
    def _items(self, current: Record | None, record: Record) -> Record:
        code = record.get("Code")
        if not code:
            raise Invalid("Item code must be specified.")
        for other in self.records["Items"].values():
            if other["ItemID"] != record["ItemID"] and other.get("Code") == code:
                raise Invalid(f"Item code '{code}' is already in use by another item.")
        for side in ("PurchaseDetails", "SalesDetails"):
            details = record.get(side) or {}
            if details.get("AccountCode"):
                self._account(details, "this item")
        record.setdefault("IsTrackedAsInventory", False)
        return record

    # ------------------------------------------------------------------------------------------ ledger
    def _ledger_account(self, account: Record) -> Record:
        return {
            "AccountID": account["AccountID"],
            "AccountCode": account.get("Code") or "",
            "AccountName": account.get("Name") or "",
            "AccountType": account.get("Type") or "",
        }

    def _post_document(self, record: Record, collection: str) -> None:
        """An approved invoice, bill or credit note posts its lines against receivables or payables."""
        if record["Status"] not in ("AUTHORISED", "PAID"):
            self._post(record[ID_KEYS[collection]], record["Type"], record["Date"], [])
            return
        # Sales credit the lines (an ACCREC credit note debits them); purchases the other way round.
        sign = {"ACCREC": -1, "ACCRECCREDIT": 1, "ACCPAY": 1, "ACCPAYCREDIT": -1}[record["Type"]]
        control = RECEIVABLES if record["Type"].startswith("ACCREC") else PAYABLES
        accounts = {a["AccountID"]: a for a in self.records["Accounts"].values()}
        lines = [
            (self._ledger_account(accounts[line["AccountID"]]), sign * float(line["LineAmount"]))
            for line in record["LineItems"]
        ]
        lines.append((control, -sign * float(record["Total"])))
        tax = float(record.get("TotalTax") or 0)
        if tax:
            lines.append(({**PAYABLES, "AccountName": "GST", "AccountCode": "820"}, sign * tax))
        self._post(record[ID_KEYS[collection]], record["Type"], record["Date"], lines)

    def _post(self, source_id: str, source_type: str, day: str, lines: list[tuple[Record, float]]) -> None:
        """Bring the ledger's postings of `source_id` to `lines`: a journal of the difference from what it
        posted before (none when nothing changed), as Xero journals an edit or a void."""
        wanted: dict[str, tuple[Record, float]] = {}
        for account, amount in lines:
            known = wanted.get(account["AccountID"], (account, 0.0))
            wanted[account["AccountID"]] = (account, known[1] + amount)
        posted: dict[str, tuple[Record, float]] = {}
        for journal in self.records["Journals"].values():
            if journal.get("SourceID") != source_id:
                continue
            for line in journal.get("JournalLines") or []:
                known = posted.get(line["AccountID"], (line, 0.0))
                posted[line["AccountID"]] = (line, known[1] + float(line.get("NetAmount") or 0))
        changes = []
        for account_id in {*wanted, *posted}:
            account = (wanted.get(account_id) or posted[account_id])[0]
            delta = _money(
                (wanted.get(account_id) or (account, 0.0))[1] - (posted.get(account_id) or (account, 0.0))[1]
            )
            if delta:
                changes.append((account, delta))
        if not changes:
            return
        number = (
            max((int(j.get("JournalNumber") or 0) for j in self.records["Journals"].values()), default=0) + 1
        )
        journal_id = str(uuid.uuid4())
        self.records["Journals"][journal_id] = {
            "JournalID": journal_id,
            "JournalDate": day,
            "JournalNumber": number,
            "CreatedDateUTC": ms_date(self.now),
            "SourceID": source_id,
            "SourceType": source_type,
            "JournalLines": [
                {
                    "JournalLineID": str(uuid.uuid4()),
                    "AccountID": account["AccountID"],
                    "AccountCode": account.get("AccountCode") or "",
                    "AccountType": account.get("AccountType") or "",
                    "AccountName": account.get("AccountName") or "",
                    "Description": "",
                    "NetAmount": amount,
                    "GrossAmount": amount,
                    "TaxAmount": 0.0,
                    "TrackingCategories": [],
                }
                for account, amount in changes
            ],
        }


ID_KEYS = {
    "Accounts": "AccountID",
    "Contacts": "ContactID",
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "Payments": "PaymentID",
    "ManualJournals": "ManualJournalID",
    "Items": "ItemID",
    "BankTransfers": "BankTransferID",
    "BankTransactions": "BankTransactionID",
    "PurchaseOrders": "PurchaseOrderID",
}
