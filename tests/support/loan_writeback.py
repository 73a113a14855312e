"""Codat's loan writeback, done as a lender does it: through `codat-lending`'s `loan_writeback` operations
against any accounting connection (the Sandbox here, the Xero and QuickBooks fakes in their own tests).

Codat's Lending guide records a loan in the borrower's books in two stages:

* **Configure**: the business's own bank account (where the money lands: given), a bank account for the loan
  (`accountType` `Credit`: a liability the lender is owed), an expense account for the interest and fees, and
  the lender as a supplier.
* **Record**: the deposit as a transfer from the loan account into the business's bank account; each
  repayment as a transfer of principal and interest from the business's bank account back to the loan
  account, and the interest as a direct cost to the lender, paid from the loan account against the expense
  account. The loan account then owes the drawdown less the principal repaid (the interest the repayment
  paid into it is charged back by the direct cost), the business's bank account has moved by the deposit less
  the repayments, and the interest is an expense in profit and loss.

Each create answers `Pending`; `write_back_loan` waits for each to end (`create_operations.get`) before the
next, since each refers to what the one before created, and fails loudly if one does not succeed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from codat_lending import CodatLending

from tests.support.push_operations import ended
from tests.support.waits import wait_until

CURRENCY = "GBP"


@dataclass
class LoanWriteback:
    """The ids of what a loan writeback created, and its push operations' keys in the order they ran."""

    loan_account_id: str
    expense_account_id: str
    lender_supplier_id: str
    deposit_transfer_id: str
    repayment_transfer_ids: list[str] = field(default_factory=list)
    interest_direct_cost_ids: list[str] = field(default_factory=list)
    push_operation_keys: list[str] = field(default_factory=list)


class LoanWritebackFailed(AssertionError):
    """A push of the writeback did not end in `Success` (its operation says why)."""


def _amount(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def wait_for_create(lending: CodatLending, company_id: str, key: str, timeout: float = 60) -> dict[str, Any]:
    """The push operation `key` once it is no longer Pending, as Codat's JSON."""

    def operation() -> dict[str, Any] | None:
        answer = lending.loan_writeback.create_operations.get(
            request={"company_id": company_id, "push_operation_key": key}
        )
        return ended(answer.model_dump(mode="json", by_alias=True, exclude_none=True))

    return wait_until(operation, timeout, f"push {key} to end (still Pending)")


class _Writer:
    """Creates one record after another for one connection, each waited on until it succeeded."""

    def __init__(self, lending: CodatLending, company_id: str, connection_id: str, timeout: float) -> None:
        self.lending = lending
        self.company_id = company_id
        self.ids = {"company_id": company_id, "connection_id": connection_id}
        self.timeout = timeout
        self.keys: list[str] = []

    def create(self, group: Any, body_field: str, body: dict[str, Any]) -> str:
        """Create `body` with `group.create` (the loan writeback group of its type); the new record's id."""
        answer = group.create(request={**self.ids, body_field: body})
        key = answer.push_operation_key
        self.keys.append(key)
        done = wait_for_create(self.lending, self.company_id, key, self.timeout)
        if done["status"] != "Success":
            raise LoanWritebackFailed(
                f"{body_field} push {key} ended {done['status']}: {done.get('errorMessage')} "
                f"{done.get('validation')}"
            )
        return str(done["changes"][0]["recordRef"]["id"])


def write_back_loan(
    lending: CodatLending,
    company_id: str,
    connection_id: str,
    *,
    business_bank_account_id: str,
    amount: Decimal,
    drawdown_date: date,
    repayments: list[tuple[date, Decimal, Decimal]],
    lender: str | None = None,
    timeout: float = 60,
    loan_account: dict[str, Any] | None = None,
    expense_account: dict[str, Any] | None = None,
) -> LoanWriteback:
    """Record a loan of `amount` drawn down on `drawdown_date` into `business_bank_account_id`, repaid as
    `repayments` (each: its date, the principal and the interest), in the connection's books.
    `loan_account` and `expense_account` add Codat fields a platform requires to the two accounts' bodies
    (Xero: the bank account's `accountNumber`, the expense account's `nominalCode`)."""
    lender = lender or f"Ledgerlink Capital {uuid.uuid4().hex[:6]}"
    writer = _Writer(lending, company_id, connection_id, timeout)
    group = lending.loan_writeback

    # Configure: the loan's own account, the expense account, the lender as a supplier.
    loan_account_id = writer.create(
        group.bank_accounts,
        "accounting_bank_account",
        {
            "accountName": f"{lender} loan",
            "accountType": "Credit",
            "currency": CURRENCY,
            "institution": lender,
            "status": "Active",
            **(loan_account or {}),
        },
    )
    expense_account_id = writer.create(
        group.accounts,
        "account_prototype",
        {
            "name": f"{lender} interest and fees",
            "description": "Interest and fees charged on the loan",
            "type": "Expense",
            "fullyQualifiedCategory": "Expense.Other.InterestAndFees",
            "currency": CURRENCY,
            "status": "Active",
            **(expense_account or {}),
        },
    )
    supplier_id = writer.create(
        group.suppliers,
        "accounting_supplier",
        {"supplierName": lender, "status": "Active", "defaultCurrency": CURRENCY},
    )

    def transfer(day: date, source: str, target: str, value: Decimal, description: str) -> str:
        money = _amount(value)
        return writer.create(
            group.transfers,
            "accounting_transfer",
            {
                "description": description,
                "date": day.isoformat(),
                "from": {"accountRef": {"id": source}, "currency": CURRENCY, "amount": money},
                "to": {"accountRef": {"id": target}, "currency": CURRENCY, "amount": money},
            },
        )

    written = LoanWriteback(
        loan_account_id,
        expense_account_id,
        supplier_id,
        transfer(drawdown_date, loan_account_id, business_bank_account_id, amount, f"{lender} loan drawdown"),
    )
    for n, (day, principal, interest) in enumerate(repayments, 1):
        written.repayment_transfer_ids.append(
            transfer(
                day,
                business_bank_account_id,
                loan_account_id,
                principal + interest,
                f"{lender} loan repayment {n}",
            )
        )
        if interest:
            value = _amount(interest)
            written.interest_direct_cost_ids.append(
                writer.create(
                    group.direct_costs,
                    "direct_cost_prototype",
                    {
                        "contactRef": {"id": supplier_id, "dataType": "suppliers"},
                        "issueDate": day.isoformat(),
                        "currency": CURRENCY,
                        "reference": f"{lender} interest {n}",
                        "lineItems": [
                            {
                                "description": f"Interest on repayment {n}",
                                "unitAmount": value,
                                "quantity": 1,
                                "subTotal": value,
                                "taxAmount": 0,
                                "totalAmount": value,
                                "accountRef": {"id": expense_account_id},
                            }
                        ],
                        "paymentAllocations": [
                            {
                                "payment": {
                                    "accountRef": {"id": loan_account_id},
                                    "currency": CURRENCY,
                                    "paidOnDate": day.isoformat(),
                                    "totalAmount": value,
                                },
                                "allocation": {
                                    "currency": CURRENCY,
                                    "allocatedOnDate": day.isoformat(),
                                    "totalAmount": value,
                                },
                            }
                        ],
                        "subTotal": value,
                        "taxAmount": 0,
                        "totalAmount": value,
                    },
                )
            )
    written.push_operation_keys = writer.keys
    return written
