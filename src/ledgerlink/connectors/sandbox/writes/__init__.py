"""Records written to the Accounting Sandbox: checking a create, update or delete against its books, and what
written records add to them.

The Sandbox's books are recomputed from the company id on every pull (`books.py`); what is written to it is
the only state it has, kept for the connection in ledgerlink's platform store (`PushRequest.store`) as
versions: a create writes a record's first, an update another under the same id (the whole record, as Codat's
updates are), a delete a last one marked deleted. A pull replays them, in the order they were written, into a
`Written`, which the books and views add to what they generate:

* **Time.** A record written at real time ``w`` exists in the books from ``W = simulated(w)`` on, so a pull
  at T sees it when ``W <= T``, and its ``sourceModifiedDate`` (and an incremental pull's window) is W. What
  it posts goes into the ledger in the month of its own date (``postedOn``, ``issueDate``, ``date``; a date
  later in W's day counts from W), so a backdated record moves that month's statements, reported by the pull
  after W like any change. Money it moves through a bank account clears in the bank at W (a bank
  transaction dated W, reconciled a day later), so bank transactions' running balances only ever grow at
  the end.
* **Versions.** What a version posts (journal entries, bank transactions, allocations against invoices) lives
  from its W until the W' of the record's next version or delete: then its entries are deleted (they leave
  their month, and the next version's enter theirs, so a pull after W' reports both months changed), its
  allocations end, and the bank adds a reversal of each of its bank transactions at W' (a bank does not take
  a line back; the new version's lines follow at W'), so the bank's running balances still only grow at the
  end and still equal the ledger's. A pull at T lists the version current at T (`sourceModifiedDate` its W),
  a record created at the first version's W; one deleted by T is gone (a deleted id to a pull that had it).
* **Journal entries** post their lines. **Invoices** post Accounts Receivable (the total, against the
  customer), income per line and VAT, with a journal entry of their own; their ``amountDue``, status and
  ``paymentAllocations`` follow the payments written against them. **Credit notes** post the same the other
  way; their ``remainingCredit``, status and allocations follow the payments that use them. **Payments** post
  the bank account and Accounts Receivable, with a journal entry and a bank transaction, and reduce what their
  invoices are owed; a line on account (one ``PaymentOnAccount`` link, the customer's id) stays on Accounts
  Receivable unallocated; a payment of 0 whose line links an invoice (negative) and a credit note (positive)
  is the credit note used to pay the invoice (Codat's way), moving no money. **Customers** and
  **suppliers** are listed with the generated ones; a written customer takes invoices and payments.
* **Payables** mirror them for suppliers (`payables.py`): **bills** post their lines' accounts
  and VAT against Accounts Payable, **bill credit notes** the other way, **bill payments** Accounts Payable
  against the bank account paid from (with a bank transaction), or use a credit note on a bill (a line of 0),
  or stay on the supplier's account; **purchase orders** post nothing. Bills update (keeping what is paid,
  and its supplier) and are deleted once unpaid; bill payments are deleted (the bank reverses them).
* **Updates and deletes** (``Writer.update``/``delete``): an update is the whole record, checked as a create
  is, keeping the id. An invoice's or credit note's update keeps what is allocated against it, so it must
  still cover it (the same customer, issued no later than the first allocation, for no less than is
  allocated); an invoice with payments is not deleted, as Xero and QuickBooks refuse it. Journal entries
  are deleted freely (a bank line's reversal shows in the bank). Names and numbers stay unique among the
  records in the books (an update may keep its own).
* **Accounts** and **bank accounts** join the books' chart (`AccountingBooks.chart`, after the generated
  accounts, in the order written): a bank account is `Debit` (an asset, cash) or `Credit` (a loan or card: a
  liability, not cash), starts at 0.00, and can be updated in place (not its type). **Transfers** move money
  between two bank accounts (an entry of two lines, a bank transaction each side); **direct costs** and
  **incomes** post their lines and VAT against the one bank account their payment allocation names;
  **bank transactions** pushed to a bank account are statement lines posted against Suspense (their
  `balance`, when given, must be the running one); **items** can then be sold on invoices and **journals**
  take journal entries.
* **Checks**, as a platform would make them (a refused write raises `PushRejected` naming each field): ids
  must be of things in the books at W (accounts, tax rates, journals, items, tracking categories, customers
  that are not archived, invoices, credit notes); money is to the penny; the currency is the books' (GBP,
  rate 1); dates lie between the start of the books and today in them; journal lines balance, and no line
  posts to Retained Earnings (the balance sheet derives it from profit and loss); invoice and credit note
  lines post to neither a bank nor a control account, and their given totals agree with quantity x unit
  amount less discount plus tax (computed from the tax rate unless given); a payment moving money goes into
  a bank account, its lines add up to its total and each line's links to the line (a line and its links
  sum to 0), links are of the payment's customer, and it takes no more than an invoice still owes or a
  credit note has left. Payments are taken against invoices and credit notes written through the API
  only: the generated ones have their payments drawn when they are created, and one from outside would pay
  them twice. Customer and supplier names are unique.
* **Ids** are the books' (``{company}-{kind}-ffff-...``, a day no generated record has), derived from the
  create's idempotency key, so the same push always creates the same record, and the store keeps one version
  per key: a retried push returns what the first attempt wrote. A version's postings take their ids from its
  own key. Only records written through the API are updated or deleted (others: `RecordNotFound`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ledgerlink.connectors.base import RecordNotFound
from ledgerlink.connectors.sandbox.books import AccountingBooks
from ledgerlink.connectors.sandbox.writes.contacts import _customer, _supplier
from ledgerlink.connectors.sandbox.writes.ledger import (
    _account,
    _bank_account,
    _bank_account_update,
    _bank_transactions,
    _deleted_freely,
    _direct_cost,
    _direct_income,
    _item,
    _journal,
    _journal_entry,
    _transfer,
)
from ledgerlink.connectors.sandbox.writes.payables import (
    _add_bill,
    _add_bill_credit_note,
    _add_bill_payment,
    _add_purchase_order,
    _bill,
    _bill_credit_note,
    _bill_credit_note_update,
    _bill_delete,
    _bill_payment,
    _bill_payment_delete,
    _bill_update,
    _purchase_order,
    _purchase_order_update,
)
from ledgerlink.connectors.sandbox.writes.receivables import _credit_note, _delete_invoice, _invoice, _payment
from ledgerlink.connectors.sandbox.writes.versions import (
    V,
    Written,
    WrittenBill,
    WrittenDocument,
    WrittenEntry,
    WrittenRecord,
    WrittenTransfer,
    written_id,
)
from ledgerlink.records.registry import Operation

__all__ = [
    "DELETABLE_DATA_TYPES",
    "UPDATABLE_DATA_TYPES",
    "WRITABLE_DATA_TYPES",
    "WRITERS",
    "V",
    "Writer",
    "Written",
    "WrittenBill",
    "WrittenDocument",
    "WrittenEntry",
    "WrittenRecord",
    "WrittenTransfer",
    "write",
    "written_id",
]


@dataclass(frozen=True)
class Writer:
    """How the Sandbox writes one data type: `create` checks a create against the books and shapes the record
    to keep; `add` puts a kept version into a `Written` when a pull reads the store back. `update` (None: the
    Sandbox does not update the type) checks a new version of record `record_id` (given last) and shapes it,
    keeping that id; `delete` (None: not deleted) raises `PushRejected` when the record cannot go."""

    create: Callable[[AccountingBooks, Written, dict[str, Any], str, int], dict[str, Any]]
    add: Callable[[Written, int, dict[str, Any], str], None]
    update: Callable[[AccountingBooks, Written, dict[str, Any], str, int, str], dict[str, Any]] | None = None
    delete: Callable[[AccountingBooks, Written, str, int], None] | None = None


def write(
    books: AccountingBooks,
    written: Written,
    operation: Operation,
    data_type: str,
    record: dict[str, Any],
    key: str,
    T: int,
    record_id: str | None = None,
) -> tuple[str, dict[str, Any], bool]:
    """The version to keep for a push of `operation` on `data_type`, checked against the books as they stand
    at T (the books' `written` included): `(record_id, data, deleted)`, a delete keeping the record as it was
    last. Raises `PushRejected`, or `RecordNotFound` for an update or delete of no record written here."""
    writer = WRITERS[data_type]
    if operation is Operation.CREATE:
        shaped = writer.create(books, written, record, key, T)
        return shaped["id"], shaped, False
    assert record_id is not None
    last = written.live(data_type, record_id)
    if last is None:
        raise RecordNotFound(
            f"No {data_type} record has id {record_id} among those written to the Sandbox through the API "
            "(the Sandbox updates and deletes only those: its own records follow its simulation)."
        )
    if operation is Operation.UPDATE:
        assert writer.update is not None
        return record_id, writer.update(books, written, record, key, T, record_id), False
    assert writer.delete is not None
    writer.delete(books, written, record_id, T)
    return record_id, last, True


# The types the Sandbox writes, and how; the connector registry checks on load that the data-type registry has
# each operation for the type in Codat's API.
WRITERS: Mapping[str, Writer] = {
    "creditNotes": Writer(_credit_note, Written._credit_note, update=_credit_note),
    "customers": Writer(_customer, Written._customer, update=_customer),
    "invoices": Writer(_invoice, Written._invoice, update=_invoice, delete=_delete_invoice),
    "journalEntries": Writer(_journal_entry, Written._journal_entry, delete=_deleted_freely),
    "payments": Writer(_payment, Written._payment),
    "suppliers": Writer(_supplier, Written._supplier, update=_supplier),
    "bills": Writer(_bill, _add_bill, _bill_update, _bill_delete),
    "billCreditNotes": Writer(_bill_credit_note, _add_bill_credit_note, _bill_credit_note_update),
    "billPayments": Writer(_bill_payment, _add_bill_payment, delete=_bill_payment_delete),
    "purchaseOrders": Writer(_purchase_order, _add_purchase_order, _purchase_order_update),
    "chartOfAccounts": Writer(_account, Written._account),
    "bankAccounts": Writer(_bank_account, Written._bank_account, update=_bank_account_update),
    "transfers": Writer(_transfer, Written._transfer),
    "directCosts": Writer(_direct_cost, Written._direct_cost),
    "directIncomes": Writer(_direct_income, Written._direct_income),
    "items": Writer(_item, Written._item),
    "bankTransactions": Writer(_bank_transactions, Written._bank_transactions),
    "journals": Writer(_journal, Written._journal),
}
WRITABLE_DATA_TYPES = tuple(WRITERS)
UPDATABLE_DATA_TYPES = tuple(data_type for data_type, writer in WRITERS.items() if writer.update)
DELETABLE_DATA_TYPES = tuple(data_type for data_type, writer in WRITERS.items() if writer.delete)
# `Written` replays each kept version with its type's `add`.
Written.adders = {data_type: writer.add for data_type, writer in WRITERS.items()}
