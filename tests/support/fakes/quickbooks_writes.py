"""The fake QuickBooks' writes: `POST /company/<realm>/<entity>` (create; a sparse update with `Id`,
`SyncToken` and `sparse: true`; `?operation=delete` with `Id` and `SyncToken`) and `GET
/company/<realm>/<entity>/<id>`, as Intuit's Accounting API v3 reference describes them.

A write lands in the realm's books (`entities`), so queries and CDC read it back: `SyncToken` bumped,
`MetaData.LastUpdatedTime` moved, a delete a CDC tombstone; payments and bill payments lower what their
documents still owe (`Balance`, `LinkedTxn`), and a deleted bill payment gives it back. `requestid` is
honoured: a request id seen before is answered with its first answer, whatever the body.

Two kinds of refusal, both Intuit's `Fault` (`type: ValidationFault`, `Error[]` with `Message`, `Detail`,
`code`, `element`): a request Intuit's reference says is malformed (a missing required field, a line
without its `DetailType` detail, an update without `Id`/`SyncToken`/`sparse`) is kept in `violations` (the
connector must never send one); a well-formed one the books refuse (an unknown reference 2500, a duplicate
name 6240, a stale SyncToken 5010, an unknown id 610, a payment over what is owed, an unbalanced journal
6000) is a normal answer.
"""

from __future__ import annotations

import copy
import json
import time
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

# What the fake takes writes of: entity → its path (Intuit's lower-case entity name).
WRITABLE = (
    "Account",
    "Customer",
    "Vendor",
    "Item",
    "Invoice",
    "Bill",
    "Payment",
    "BillPayment",
    "JournalEntry",
    "CreditMemo",
    "VendorCredit",
    "PurchaseOrder",
    "Transfer",
    "Purchase",
    "Deposit",
)
# Name lists are never deleted in QuickBooks (made inactive instead).
DELETABLE = frozenset(
    {"Invoice", "Bill", "Payment", "BillPayment", "JournalEntry", "Transfer", "Purchase", "Deposit"}
)
# Reference fields → the entity they name.
REFERENCES = {
    "CustomerRef": "Customer",
    "VendorRef": "Vendor",
    "ItemRef": "Item",
    "AccountRef": "Account",
    "IncomeAccountRef": "Account",
    "ExpenseAccountRef": "Account",
    "AssetAccountRef": "Account",
    "DepositToAccountRef": "Account",
    "APAccountRef": "Account",
    "BankAccountRef": "Account",
    "CCAccountRef": "Account",
    "FromAccountRef": "Account",
    "ToAccountRef": "Account",
}
CLASSIFICATIONS = {
    "Bank": "Asset",
    "Accounts Receivable": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
    "Long Term Liability": "Liability",
    "Equity": "Equity",
    "Income": "Revenue",
    "Other Income": "Revenue",
    "Cost of Goods Sold": "Expense",
    "Expense": "Expense",
    "Other Expense": "Expense",
}
SUB_TYPES = {
    "Bank": "Checking",
    "Credit Card": "CreditCard",
    "Other Current Asset": "OtherCurrentAssets",
    "Fixed Asset": "OtherFixedAssets",
    "Other Asset": "OtherLongTermAssets",
    "Other Current Liability": "OtherCurrentLiabilities",
    "Long Term Liability": "OtherLongTermLiabilities",
    "Equity": "OwnersEquity",
    "Income": "ServiceFeeIncome",
    "Other Income": "OtherMiscellaneousIncome",
    "Cost of Goods Sold": "SuppliesMaterialsCogs",
    "Expense": "OtherMiscellaneousServiceCost",
    "Other Expense": "OtherMiscellaneousExpense",
}
LINE_DETAILS = {
    "Invoice": ("SalesItemLineDetail",),
    "Bill": ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail"),
    "JournalEntry": ("JournalEntryLineDetail",),
    "Purchase": ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail"),
    "CreditMemo": ("SalesItemLineDetail",),
    "VendorCredit": ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail"),
    "PurchaseOrder": ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail"),
    "Deposit": ("DepositLineDetail",),
}
BUSINESS_RULE = "A business validation error has occurred while processing your request"


class Refused(Exception):
    """A write the books refuse: Intuit's fault code, message, detail and element."""

    def __init__(self, code: str, message: str, detail: str, element: str = "") -> None:
        super().__init__(detail)
        self.code, self.message, self.detail, self.element = code, message, detail, element


def _business(detail: str, element: str) -> Refused:
    """Intuit's 6000: a well-formed request the books refuse, and why."""
    return Refused("6000", BUSINESS_RULE, f"Business Validation Error: {detail}", element)


class Malformed(Exception):
    """A request Intuit's reference says is malformed (kept in `violations`)."""


class QuickBooksWrites:
    """Mixed into `QuickBooksFake`: its write endpoints. Uses the fake's `lock`, `entities`, `deleted`,
    `violations`, `_admit`, `_fault`, `_time` and `new_id`."""

    lock: Any
    entities: dict[str, dict[str, dict[str, Any]]]
    deleted: dict[str, dict[str, float]]
    violations: list[str]
    _next_id: int
    # requestid → the first answer (status, body).
    answered: dict[str, tuple[int, dict[str, Any]]]
    # Ids someone else edits in QuickBooks just before the next write of them reaches it (a stale SyncToken).
    concurrent_edits: list[str]

    def _admit(self, request: Request) -> Response | None: ...
    def _fault(self, status: int, kind: str, code: str, message: str, detail: str) -> JSONResponse: ...
    def _time(self) -> str: ...
    def _stamp_now(self) -> str: ...

    # --------------------------------------------------------------------------------------- routes
    async def _read_one(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused is not None:
            return refused
        entity = _entity(request.path_params["entity"], tuple(self.entities))
        if entity is None:
            return self._malformed(f"read: no entity {request.path_params['entity']}")
        with self.lock:
            found = copy.deepcopy(self.entities[entity].get(request.path_params["id"]))
        if found is None:
            return self._refusal(
                Refused("610", "Object Not Found", f"Object Not Found : {entity} {request.path_params['id']}")
            )
        return JSONResponse({entity: found, "time": self._time()})

    async def _write(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused is not None:
            return refused
        entity = _entity(request.path_params["entity"])
        if entity is None or entity not in WRITABLE:
            return self._malformed(f"write: the fake takes no writes of {request.path_params['entity']}")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return self._malformed(f"write {entity}: Content-Type is not application/json")
        request_id = request.query_params.get("requestid")
        if request_id is not None and not 0 < len(request_id) <= 50:
            return self._malformed(f"write {entity}: requestid longer than Intuit's 50 characters")
        with self.lock:
            if request_id in self.answered:
                status, body = self.answered[request_id]
                return JSONResponse(copy.deepcopy(body), status_code=status)
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict):
                raise Malformed(f"write {entity}: the body is not an object")
            with self.lock:
                if request.query_params.get("operation") == "delete":
                    answer = self._delete_entity(entity, body)
                elif "Id" in body:
                    answer = self._update_entity(entity, body)
                else:
                    answer = self._create_entity(entity, body)
            status, content = 200, {entity: answer, "time": self._time()}
        except (Malformed, ValueError) as malformed:
            return self._malformed(str(malformed))
        except Refused as refusal:
            status, content = 400, self._refusal_body(refusal)
        if request_id is not None:
            with self.lock:
                self.answered[request_id] = (status, copy.deepcopy(content))
        return JSONResponse(content, status_code=status)

    def _malformed(self, problem: str) -> JSONResponse:
        self.violations.append(problem)
        return self._refusal(
            Refused("2020", "Required param missing, need to supply the required value", problem)
        )

    def _refusal_body(self, refusal: Refused) -> dict[str, Any]:
        error = {"Message": refusal.message, "Detail": refusal.detail, "code": refusal.code}
        if refusal.element:
            error["element"] = refusal.element
        return {"Fault": {"Error": [error], "type": "ValidationFault"}, "time": self._time()}

    def _refusal(self, refusal: Refused) -> JSONResponse:
        return JSONResponse(self._refusal_body(refusal), status_code=400)

    # ---------------------------------------------------------------------------------- operations
    def _create_entity(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        if "SyncToken" in body or "sparse" in body:
            raise Malformed(f"create {entity}: SyncToken or sparse without an Id")
        record = copy.deepcopy(body)
        record["Id"] = self._allocate_id()
        record["SyncToken"] = "-1"
        return self._store(entity, record, None)

    def _update_entity(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        if "SyncToken" not in body or body.get("sparse") is not True:
            raise Malformed(f"update {entity}: a sparse update carries Id, SyncToken and sparse: true")
        current = self._current(entity, str(body["Id"]), str(body["SyncToken"]))
        if entity in ("Payment", "BillPayment"):
            raise Malformed(f"update {entity}: the fake does not change payments")
        record = {**copy.deepcopy(current), **{k: v for k, v in body.items() if k != "sparse"}}
        return self._store(entity, record, current)

    def _delete_entity(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        if entity not in DELETABLE:
            raise Malformed(f"delete {entity}: QuickBooks makes name list entities inactive, never deletes")
        if set(body) - {"Id", "SyncToken"} or "Id" not in body or "SyncToken" not in body:
            raise Malformed(f"delete {entity}: the body is Id and SyncToken")
        current = self._current(entity, str(body["Id"]), str(body["SyncToken"]))
        if entity == "BillPayment":
            self._apply_payment(current, "Bill", "BillPaymentCheck", -1)
        if entity == "Payment":
            self._apply_payment(current, "Invoice", "Payment", -1)
        del self.entities[entity][current["Id"]]
        self.deleted[entity][current["Id"]] = time.time()
        return {"domain": "QBO", "status": "Deleted", "Id": current["Id"]}

    def _current(self, entity: str, entity_id: str, sync_token: str) -> dict[str, Any]:
        current = self.entities[entity].get(entity_id)
        if current is None:
            raise Refused("610", "Object Not Found", f"Object Not Found : {entity} {entity_id}", "Id")
        if entity_id in self.concurrent_edits:
            # Someone else saves it first (in QuickBooks' own screens).
            self.concurrent_edits.remove(entity_id)
            current["SyncToken"] = str(int(current["SyncToken"]) + 1)
        if sync_token != current["SyncToken"]:
            raise Refused(
                "5010",
                "Stale Object Error",
                f"Stale Object Error : You and {entity} were working on this at the same time."
                f" {entity} finished before you did, so your work was not saved.",
                "SyncToken",
            )
        return current

    def _allocate_id(self) -> str:
        """A new entity id (the lock held)."""
        self._next_id += 1
        return str(self._next_id)

    def _store(self, entity: str, record: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
        """Check the entity as it would stand, derive what QuickBooks computes, keep it."""
        self._check_references(record, "")
        check = getattr(self, f"_check_{entity.lower()}")
        check(record, current)
        now = self._stamp_now()
        record["SyncToken"] = str(int(record["SyncToken"]) + 1)
        created = ((current or {}).get("MetaData") or {}).get("CreateTime") or now
        record["MetaData"] = {"CreateTime": created, "LastUpdatedTime": now}
        record.setdefault("domain", "QBO")
        record["sparse"] = False
        self.entities[entity][record["Id"]] = record
        return copy.deepcopy(record)

    def _check_references(self, value: Any, path: str) -> None:
        """Every reference names an entity the books have (Intuit's 2500 otherwise); names filled in."""
        if isinstance(value, list):
            for item in value:
                self._check_references(item, path)
        if not isinstance(value, dict):
            return
        for key, inner in value.items():
            target = REFERENCES.get(key)
            if target is None:
                self._check_references(inner, f"{path}.{key}" if path else key)
                continue
            if not isinstance(inner, dict) or not inner.get("value"):
                raise Malformed(f"{key} is not a reference {{value}}")
            found = self.entities[target].get(str(inner["value"]))
            if found is None:
                raise Refused(
                    "2500",
                    "Invalid Reference Id",
                    f"Invalid Reference Id : {target} assigned is not available ({inner['value']})",
                    f"{path}.{key}" if path else key,
                )
            name = found.get("FullyQualifiedName") or found.get("DisplayName") or found.get("Name")
            if name:
                inner["name"] = name

    def _unique_name(
        self, entities: tuple[str, ...], name: str, record: dict[str, Any], element: str
    ) -> None:
        for entity in entities:
            for other in self.entities[entity].values():
                other_name = other.get("DisplayName") or other.get("Name")
                if other_name == name and not (entity == entities[0] and other["Id"] == record["Id"]):
                    raise Refused(
                        "6240",
                        "Duplicate Name Exists Error",
                        f"The name supplied already exists. : Another {entity} is already using this name.",
                        element,
                    )

    # ---------------------------------------------------------------------------------- per entity
    def _check_contact(self, entity: str, others: tuple[str, ...], record: dict[str, Any]) -> None:
        name = record.get("DisplayName")
        if not isinstance(name, str) or not name.strip():
            raise Malformed(f"{entity}: DisplayName (or a name) is required")
        self._unique_name((entity, *others), name, record, "DisplayName")
        record.setdefault("Active", True)
        record["FullyQualifiedName"] = name
        record.setdefault("PrintOnCheckName", name)
        record.setdefault("Balance", 0)
        record.setdefault("CurrencyRef", {"value": "USD", "name": "United States Dollar"})

    def _check_customer(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        self._check_contact("Customer", ("Vendor",), record)

    def _check_vendor(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        self._check_contact("Vendor", ("Customer",), record)

    def _check_account(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        name, kind = record.get("Name"), record.get("AccountType")
        if not isinstance(name, str) or not name.strip():
            raise Malformed("Account: Name is required")
        if kind not in CLASSIFICATIONS:
            raise Malformed(f"Account: AccountType {kind!r} is not one of QuickBooks'")
        if any(c in name for c in ':"'):
            raise Refused("2170", "Invalid Enumeration", 'Account names cannot contain : or "', "Name")
        self._unique_name(("Account",), name, record, "Name")
        record["Classification"] = CLASSIFICATIONS[kind]
        record.setdefault("AccountSubType", SUB_TYPES.get(kind, kind.replace(" ", "")))
        record["FullyQualifiedName"] = name
        record.setdefault("SubAccount", False)
        record.setdefault("Active", True)
        record.setdefault("CurrentBalance", 0)
        record.setdefault("CurrentBalanceWithSubAccounts", 0)
        record.setdefault("CurrencyRef", {"value": "USD", "name": "United States Dollar"})

    def _check_item(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        name, kind = record.get("Name"), record.get("Type")
        if not isinstance(name, str) or not name.strip():
            raise Malformed("Item: Name is required")
        if kind not in ("Service", "NonInventory", "Inventory"):
            raise Malformed(f"Item: Type {kind!r} is not one of QuickBooks'")
        if kind == "Inventory":
            raise Malformed("Item: the fake creates no Inventory items")
        if not record.get("IncomeAccountRef") and not record.get("ExpenseAccountRef"):
            raise Malformed(
                "Item: a Service or NonInventory item needs IncomeAccountRef or ExpenseAccountRef"
            )
        self._unique_name(("Item",), name, record, "Name")
        record["FullyQualifiedName"] = name
        record.setdefault("Active", True)
        record.setdefault("TrackQtyOnHand", False)

    def _check_lines(self, entity: str, record: dict[str, Any]) -> float:
        """The lines' shape as Intuit documents it, and their total."""
        lines = record.get("Line")
        if not isinstance(lines, list) or not lines:
            raise Malformed(f"{entity}: Line is required")
        total = 0.0
        for number, line in enumerate(lines, start=1):
            kind = line.get("DetailType")
            if kind == "SubTotalLineDetail":
                continue
            if kind not in LINE_DETAILS[entity] or not isinstance(line.get(kind), dict):
                raise Malformed(f"{entity}: a line's DetailType {kind!r} and its detail object")
            if not isinstance(line.get("Amount"), (int, float)):
                raise Malformed(f"{entity}: a line's Amount is required")
            detail = line[kind]
            if kind == "AccountBasedExpenseLineDetail" and not detail.get("AccountRef"):
                raise Malformed(f"{entity}: AccountBasedExpenseLineDetail.AccountRef is required")
            if kind == "ItemBasedExpenseLineDetail" and not detail.get("ItemRef"):
                raise Malformed(f"{entity}: ItemBasedExpenseLineDetail.ItemRef is required")
            if kind == "DepositLineDetail" and not detail.get("AccountRef"):
                raise Malformed(f"{entity}: the fake takes deposit lines with DepositLineDetail.AccountRef")
            if kind == "JournalEntryLineDetail" and (
                detail.get("PostingType") not in ("Debit", "Credit") or not detail.get("AccountRef")
            ):
                raise Malformed(f"{entity}: JournalEntryLineDetail needs PostingType and AccountRef")
            priced = "UnitPrice" in detail and "Qty" in detail
            if priced and round(float(detail["UnitPrice"]) * float(detail["Qty"]), 2) != round(
                line["Amount"], 2
            ):
                raise Refused(
                    "6070",
                    "Amount calculation incorrect in the request",
                    f"Amount is not equal to UnitPrice * Qty. Supplied value:{line['Amount']}",
                    "Line.Amount",
                )
            line["Id"] = str(number)
            line["LineNum"] = number
            total += line["Amount"]
        return round(total, 2)

    def _check_document(
        self, entity: str, party: str, record: dict[str, Any], current: dict[str, Any] | None
    ) -> None:
        if not record.get(party):
            raise Malformed(f"{entity}: {party} is required")
        record["Line"] = [line for line in record["Line"] if line.get("DetailType") != "SubTotalLineDetail"]
        net = self._check_lines(entity, record)
        tax = float((record.get("TxnTaxDetail") or {}).get("TotalTax") or 0)
        total = round(net + tax, 2)
        if "TotalAmt" in record and current is None and round(float(record["TotalAmt"]), 2) != total:
            raise _business(
                f"TotalAmt {record['TotalAmt']} is not the lines' total {total}",
                "TotalAmt",
            )
        paid = (
            round(float(current["TotalAmt"]) - float(current.get("Balance", current["TotalAmt"])), 2)
            if current
            else 0.0
        )
        if total < paid:
            raise _business(
                f"the total {total} is less than the {paid} already paid",
                "TotalAmt",
            )
        record["TotalAmt"] = total
        record["Balance"] = round(total - paid, 2)
        record["TxnTaxDetail"] = {"TotalTax": tax}
        record.setdefault("TxnDate", time.strftime("%Y-%m-%d"))
        record.setdefault("DueDate", record["TxnDate"])
        record.setdefault("CurrencyRef", {"value": "USD", "name": "United States Dollar"})
        record.setdefault("LinkedTxn", [])

    def _check_invoice(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        self._check_document("Invoice", "CustomerRef", record, current)
        self._sold("Invoice", record)
        if not record.get("DocNumber"):
            numbers = [
                int(i["DocNumber"])
                for i in self.entities["Invoice"].values()
                if str(i.get("DocNumber", "")).isdigit()
            ]
            record["DocNumber"] = str(max(numbers, default=1000) + 1)

    def _check_creditmemo(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        self._check_document("CreditMemo", "CustomerRef", record, current)
        self._sold("CreditMemo", record)
        record["RemainingCredit"] = record["Balance"]

    def _check_vendorcredit(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        self._check_document("VendorCredit", "VendorRef", record, current)
        self._payable(record)

    def _check_purchaseorder(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        self._check_document("PurchaseOrder", "VendorRef", record, current)
        if record.setdefault("POStatus", "Open") not in ("Open", "Closed"):
            raise Malformed("PurchaseOrder: POStatus is Open or Closed")
        self._payable(record)
        del record["Balance"]

    def _sold(self, entity: str, record: dict[str, Any]) -> None:
        """Sales lines book to their item's income account; a subtotal line closes them."""
        for line in record["Line"]:
            item_ref = line["SalesItemLineDetail"].get("ItemRef")
            if not item_ref:
                raise Malformed(f"{entity}: the fake takes sales lines with an ItemRef")
            item = self.entities["Item"][item_ref["value"]]
            if not item.get("IncomeAccountRef"):
                raise _business(
                    f"item {item['Name']} is not sold (no income account)",
                    "Line.SalesItemLineDetail.ItemRef",
                )
            line["SalesItemLineDetail"]["ItemAccountRef"] = copy.deepcopy(item["IncomeAccountRef"])
        record["Line"].append(
            {
                "Amount": round(record["TotalAmt"] - record["TxnTaxDetail"]["TotalTax"], 2),
                "DetailType": "SubTotalLineDetail",
                "SubTotalLineDetail": {},
            }
        )

    def _check_bill(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        self._check_document("Bill", "VendorRef", record, current)
        self._payable(record)

    def _payable(self, record: dict[str, Any]) -> None:
        payable = next(a for a in self.entities["Account"].values() if a["AccountType"] == "Accounts Payable")
        record.setdefault("APAccountRef", {"value": payable["Id"], "name": payable["Name"]})

    def _check_journalentry(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        self._check_lines("JournalEntry", record)
        signs = {"Debit": 1, "Credit": -1}
        balance = sum(
            signs[line["JournalEntryLineDetail"]["PostingType"]] * line["Amount"] for line in record["Line"]
        )
        if round(balance, 2) != 0:
            raise _business(
                "Transaction must be balanced.",
                "Line",
            )
        record.setdefault("TxnDate", time.strftime("%Y-%m-%d"))
        record.setdefault("Adjustment", False)

    def _check_payment(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        self._check_paid("Payment", "CustomerRef", "Invoice", record)
        self._apply_payment(record, "Invoice", "Payment", 1)

    def _check_billpayment(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        pay_type = record.get("PayType")
        detail = {
            "Check": ("CheckPayment", "BankAccountRef"),
            "CreditCard": ("CreditCardPayment", "CCAccountRef"),
        }
        if pay_type not in detail or not (record.get(detail[pay_type][0]) or {}).get(detail[pay_type][1]):
            raise Malformed(
                "BillPayment: PayType with its CheckPayment.BankAccountRef or CreditCardPayment.CCAccountRef"
            )
        account = self.entities["Account"][record[detail[pay_type][0]][detail[pay_type][1]]["value"]]
        wanted = "Bank" if pay_type == "Check" else "Credit Card"
        if account["AccountType"] != wanted:
            raise _business(
                f"a {pay_type} bill payment is paid from a {wanted} account",
                detail[pay_type][1],
            )
        self._check_paid("BillPayment", "VendorRef", "Bill", record)
        self._apply_payment(
            record, "Bill", "BillPaymentCheck" if pay_type == "Check" else "BillPaymentCreditCard", 1
        )

    def _check_paid(self, entity: str, party: str, document: str, record: dict[str, Any]) -> None:
        """A payment names its party and total; each line pays a document of the party, no more than it
        still owes; what no line applies is unapplied (`UnappliedAmt`)."""
        if not record.get(party) or not isinstance(record.get("TotalAmt"), (int, float)):
            raise Malformed(f"{entity}: {party} and TotalAmt are required")
        applied = 0.0
        for line in record.get("Line") or []:
            links = line.get("LinkedTxn") or []
            if not isinstance(line.get("Amount"), (int, float)) or len(links) != 1:
                raise Malformed(f"{entity}: each line has an Amount and one LinkedTxn")
            link = links[0]
            if link.get("TxnType") != document:
                raise Malformed(f"{entity}: the fake applies {entity} lines to {document} only")
            paid = self.entities[document].get(str(link.get("TxnId")))
            if paid is None or paid[party]["value"] != record[party]["value"]:
                raise Refused(
                    "2500",
                    "Invalid Reference Id",
                    f"Invalid Reference Id : {document} {link.get('TxnId')} is not the {party}'s",
                    "Line.LinkedTxn",
                )
            if line["Amount"] > float(paid["Balance"]) + 0.005:
                raise _business(
                    f"the payment of {line['Amount']} is more than the"
                    f" {paid['Balance']} {document} {paid['Id']} still owes",
                    "Line.Amount",
                )
            applied += line["Amount"]
        if round(applied, 2) > round(float(record["TotalAmt"]), 2):
            raise _business(
                "the lines apply more than the TotalAmt",
                "TotalAmt",
            )
        record["UnappliedAmt"] = round(float(record["TotalAmt"]) - applied, 2)
        record.setdefault("TxnDate", time.strftime("%Y-%m-%d"))
        record.setdefault("CurrencyRef", {"value": "USD", "name": "United States Dollar"})

    def _apply_payment(self, payment: dict[str, Any], document: str, link_type: str, sign: int) -> None:
        """What the payment's lines pay comes off (sign 1) or back onto (-1) their documents' Balance."""
        for line in payment.get("Line") or []:
            for link in line.get("LinkedTxn") or []:
                paid = self.entities[document].get(str(link["TxnId"]))
                if paid is None:
                    continue
                paid["Balance"] = round(float(paid["Balance"]) - sign * float(line["Amount"]), 2)
                others = [t for t in paid.get("LinkedTxn") or [] if t.get("TxnId") != payment["Id"]]
                paid["LinkedTxn"] = others + (
                    [{"TxnId": payment["Id"], "TxnType": link_type}] if sign > 0 else []
                )
                paid["SyncToken"] = str(int(paid["SyncToken"]) + 1)
                paid["MetaData"]["LastUpdatedTime"] = self._stamp_now()

    def _check_transfer(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        amount = record.get("Amount")
        if (
            not record.get("FromAccountRef")
            or not record.get("ToAccountRef")
            or not isinstance(amount, (int, float))
        ):
            raise Malformed("Transfer: FromAccountRef, ToAccountRef and Amount are required")
        if amount <= 0:
            raise _business(
                "a transfer moves a positive Amount",
                "Amount",
            )
        if record["FromAccountRef"]["value"] == record["ToAccountRef"]["value"]:
            raise _business(
                "a transfer's accounts must differ",
                "ToAccountRef",
            )
        record.setdefault("TxnDate", time.strftime("%Y-%m-%d"))
        record.setdefault("CurrencyRef", {"value": "USD", "name": "United States Dollar"})

    def _check_entity_ref(self, reference: Any) -> None:
        if reference is None:
            return
        kind = reference.get("type") if isinstance(reference, dict) else None
        if kind not in ("Vendor", "Customer") or not reference.get("value"):
            raise Malformed("EntityRef: {value, type} with type Vendor or Customer")
        if str(reference["value"]) not in self.entities[kind]:
            raise Refused(
                "2500",
                "Invalid Reference Id",
                f"Invalid Reference Id : {kind} {reference['value']}",
                "EntityRef",
            )

    def _check_purchase(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        kinds = {"Cash": "Bank", "Check": "Bank", "CreditCard": "Credit Card"}
        if record.get("PaymentType") not in kinds or not record.get("AccountRef"):
            raise Malformed("Purchase: PaymentType (Cash, Check, CreditCard) and AccountRef are required")
        account = self.entities["Account"][record["AccountRef"]["value"]]
        if account["AccountType"] != kinds[record["PaymentType"]]:
            raise _business(
                f"a {record['PaymentType']} purchase is paid from a {kinds[record['PaymentType']]} account",
                "AccountRef",
            )
        self._check_entity_ref(record.get("EntityRef"))
        self._totalled("Purchase", record)

    def _check_deposit(self, record: dict[str, Any], current: dict[str, Any] | None) -> None:
        if not record.get("DepositToAccountRef"):
            raise Malformed("Deposit: DepositToAccountRef is required")
        for line in record.get("Line") or []:
            self._check_entity_ref((line.get("DepositLineDetail") or {}).get("Entity"))
        self._totalled("Deposit", record)

    def _totalled(self, entity: str, record: dict[str, Any]) -> None:
        """A transaction paid at once: its lines and tax make its TotalAmt."""
        net = self._check_lines(entity, record)
        tax = float((record.get("TxnTaxDetail") or {}).get("TotalTax") or 0)
        record["TotalAmt"] = round(net + tax, 2)
        record["TxnTaxDetail"] = {"TotalTax": tax}
        record.setdefault("TxnDate", time.strftime("%Y-%m-%d"))
        record.setdefault("CurrencyRef", {"value": "USD", "name": "United States Dollar"})


def _entity(name: str, among: tuple[str, ...] = WRITABLE) -> str | None:
    return next((e for e in among if e.lower() == name.lower()), None)


def _posting(kind: str, amount: float, account: dict[str, Any]) -> dict[str, Any]:
    return {
        "Amount": amount,
        "DetailType": "JournalEntryLineDetail",
        "JournalEntryLineDetail": {"PostingType": kind, "AccountRef": account},
    }


def ledger_postings(entities: dict[str, dict[str, dict[str, Any]]]) -> list[tuple[date, dict[str, Any]]]:
    """What the books' reports add up, as journal lines by day: journal entries as they are, and what
    transfers, purchases and deposits move (the seeded invoices and bills are in the accounts' opening
    balances, not here)."""
    postings = [
        (date.fromisoformat(entry["TxnDate"]), line)
        for entry in entities["JournalEntry"].values()
        for line in entry.get("Line") or []
        if line.get("DetailType") == "JournalEntryLineDetail"
    ]
    for moved in entities["Transfer"].values():
        day = date.fromisoformat(moved["TxnDate"])
        postings.append((day, _posting("Debit", moved["Amount"], moved["ToAccountRef"])))
        postings.append((day, _posting("Credit", moved["Amount"], moved["FromAccountRef"])))
    for bought in entities["Purchase"].values():
        day = date.fromisoformat(bought["TxnDate"])
        for line in bought["Line"]:
            detail = line.get("AccountBasedExpenseLineDetail")
            item = line.get("ItemBasedExpenseLineDetail")
            account = (
                detail["AccountRef"]
                if detail
                else entities["Item"][item["ItemRef"]["value"]]["ExpenseAccountRef"]
            )
            postings.append((day, _posting("Debit", line["Amount"], account)))
            postings.append((day, _posting("Credit", line["Amount"], bought["AccountRef"])))
    for received in entities["Deposit"].values():
        day = date.fromisoformat(received["TxnDate"])
        postings.append((day, _posting("Debit", received["TotalAmt"], received["DepositToAccountRef"])))
        for line in received["Line"]:
            postings.append(
                (day, _posting("Credit", line["Amount"], line["DepositLineDetail"]["AccountRef"]))
            )
    return postings
