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
* **Payables** mirror them for suppliers (the payables section below): **bills** post their lines' accounts
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

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Self, TypeVar, get_args

from ledgerlink.connectors.base import PlatformRecord, PushRejected, RecordNotFound
from ledgerlink.connectors.codat_shapes import (
    LINK_SIGNS,
    payment_allocation,
    payment_line,
    payment_link,
    record_ref,
)
from ledgerlink.connectors.codat_shapes import ref as named_ref
from ledgerlink.connectors.mapped import Record
from ledgerlink.connectors.sandbox.books import (
    A_AP,
    A_AR,
    A_RETAINED,
    A_SUSPENSE,
    A_VAT,
    AC,
    BANK_ACCOUNTS,
    BT_KIND,
    CF_OF_SECTION,
    CURRENCY,
    DAY,
    J_CASH,
    J_GENERAL,
    J_PURCHASES,
    J_SALES,
    JE_KIND,
    JOURNALS,
    K_ACCOUNT,
    K_BILL,
    K_BILL_CREDIT_NOTE,
    K_BILL_PAYMENT,
    K_CREDIT_NOTE,
    K_CUSTOMER,
    K_DIRECT_COST,
    K_DIRECT_INCOME,
    K_INVOICE,
    K_ITEM,
    K_JOURNAL,
    K_MANUAL,
    K_PAYMENT,
    K_SUPPLIER,
    K_TRANSFER,
    PL_SECTIONS,
    T_NONE,
    TRACKING,
    AccountingBooks,
    Entry,
    Ledger,
    post_cash,
    tax_of,
)
from ledgerlink.records.creates import BankTransactionType
from ledgerlink.records.registry import Operation

# The day part of a written record's id: no generated record is created on day 0xffff.
_WRITTEN_DAY = "ffff"
_CONTROL_ACCOUNTS = frozenset({A_AR, A_AP, A_VAT})


def written_id(books: AccountingBooks, kind: str, key: str) -> str:
    """The id of a record written under `key` (a push's idempotency key), in the books' id shape."""
    digest = hashlib.sha256(f"{books.company_id}:{kind}:{key}".encode()).hexdigest()
    return f"{books.c8}-{kind}-{_WRITTEN_DAY}-{digest[:4]}-{digest[4:16]}"


def _pence(value: Any) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value(ROUND_HALF_UP))


def _money(pence: int) -> float:
    return pence / 100


def _when(books: AccountingBooks, value: str) -> int:
    """Seconds since the books started of an ISO date or time (a time without a zone is UTC)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int((moment - books.start).total_seconds())


# ------------------------------------------------------------------------------------------ written records
class WrittenEntry(Entry):
    """A journal entry written through the API or posted by a written record: it exists from `w` on, until
    `t_del` (the next version of what posted it, or its delete). `record` is the journal entry as the client
    wrote it (None for a posting of an invoice or payment)."""

    __slots__ = ("record", "w")

    def __init__(self, w: int, record: dict[str, Any] | None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.w = w
        self.record = record


class Allocation:
    """Part of a written payment taken off a written invoice, credit note, bill or bill credit note, from `w`
    until `until` (the next version of what allocated it, or its delete; None: still). `bank` is None for a
    payment moving no money (a credit note allocated to an invoice or a bill)."""

    __slots__ = ("amount", "bank", "note", "payment_id", "payment_total", "reference", "t", "until", "w")

    def __init__(
        self,
        w: int,
        t: int,
        amount: int,
        payment_id: str,
        payment_total: int,
        bank: int | None,
        note: str,
        reference: str,
    ) -> None:
        self.w = w
        self.t = t
        self.amount = amount
        self.payment_id = payment_id
        self.payment_total = payment_total
        self.bank = bank
        self.note = note
        self.reference = reference
        self.until: int | None = None

    def live(self, T: int) -> bool:
        return self.w <= T and (self.until is None or self.until > T)


class Version:
    """One version of a written record, current from `w` until the next one's `w`. The latest version of a
    record is the one `Written` keeps by id; `previous` leads back to the first (written at `created`), and
    `deleted_at` is set on the latest when the record was deleted (then the W of the delete)."""

    __slots__ = ("created", "deleted_at", "id", "previous", "record", "t", "w")

    def __init__(self, w: int, t: int, record: dict[str, Any]) -> None:
        self.w = w
        self.t = t
        self.record = record
        self.id: str = record["id"]
        self.created = w
        self.previous: Self | None = None
        self.deleted_at: int | None = None

    def at(self, T: int) -> Self | None:
        """The version current at T (the same class as this one), or None before the record was written."""
        version: Self | None = self
        while version is not None and version.w > T:
            version = version.previous
        return version

    def live(self, T: int) -> Self | None:
        """The version current at T if the record is in the books at T (written, not deleted), else None."""
        if self.deleted_at is not None and self.deleted_at <= T:
            return None
        return self.at(T)

    def last_event(self, T: int) -> int:
        """When the record (this version of it) last changed, as of T: its `sourceModifiedDate`."""
        return self.w


V = TypeVar("V", bound=Version)


class WrittenDocument(Version):
    """A written invoice or credit note, and what has been allocated against it (payments of an invoice, a
    credit note's allocations to invoices)."""

    __slots__ = ("allocations", "customer_id", "number", "total")

    def __init__(self, w: int, t: int, record: dict[str, Any], number_field: str) -> None:
        super().__init__(w, t, record)
        self.number = record[number_field]
        self.customer_id = record["customerRef"]["id"]
        self.total = _pence(record["totalAmount"])
        # Shared by every version of the document: what pays it is not the document's to change.
        self.allocations: list[Allocation] = []

    def allocated(self, T: int) -> list[Allocation]:
        return [a for a in self.allocations if a.live(T)]

    def due(self, T: int) -> int:
        """What is still owed on an invoice at T (of a credit note: the credit left)."""
        return self.total - sum(a.amount for a in self.allocated(T))

    def last_event(self, T: int) -> int:
        events = [self.w]
        for a in self.allocations:
            if a.w <= T:
                events.append(a.w if a.until is None or a.until > T else a.until)
        return max(events)


class WrittenRecord(Version):
    """A written payment, supplier or other record listed as written."""

    __slots__ = ()


@dataclass
class _Postings:
    """What one version of a record put into the books: ended when the next version (or the delete) comes."""

    version: Version | None
    data: dict[str, Any]
    entries: list[WrittenEntry]
    moves: list[tuple]
    allocations: list[Allocation]


class WrittenTransfer(Version):
    """A written transfer: it changes again when its bank transactions are reconciled, a day after W."""

    __slots__ = ()

    def last_event(self, T: int) -> int:
        return self.w + DAY if self.w + DAY <= T else self.w


class WrittenAccount:
    """An account added to the chart through the API (an account, or a bank account): from `w` on."""

    __slots__ = ("a", "created", "description", "record", "w")

    def __init__(self, w: int, a: int, record: dict[str, Any], description: str) -> None:
        self.w = w  # when its latest version was written (an update of a bank account adds one)
        self.created = w
        self.a = a
        self.record = record
        self.description = description


class Written:
    """Everything written to one connection's Sandbox, as the books add it to what they generate.

    The platform store's versions are replayed in the order they were written: each is put into the books by
    its type's `Writer.add`, and ends what the record's previous version put there (see `_end`)."""

    def __init__(self, books: AccountingBooks, records: Iterable[PlatformRecord] = ()) -> None:
        self.books = books
        self.account_index = {account_id: a for a, account_id in enumerate(books.account_ids)}
        # Accounts written through the API (`chartOfAccounts`, `bankAccounts`) by their index in the chart.
        self.accounts: dict[int, WrittenAccount] = {}
        self.transfers: dict[str, WrittenTransfer] = {}
        self.direct_costs: dict[str, WrittenRecord] = {}
        self.direct_incomes: dict[str, WrittenRecord] = {}
        self.items: dict[str, WrittenRecord] = {}
        self.bank_transactions: dict[str, WrittenRecord] = {}
        self.journals: dict[str, WrittenRecord] = {}
        # In the order they were written: the entries (the client's journal entries and the postings of
        # written invoices and payments), and the bank transactions they make, as `bank_moves` tuples.
        self.entries: list[WrittenEntry] = []
        self.moves: list[tuple] = []
        self.allocations: list[Allocation] = []
        # The latest version of each record, by type.
        self.invoices: dict[str, WrittenDocument] = {}
        self.credit_notes: dict[str, WrittenDocument] = {}
        self.customers: dict[str, WrittenRecord] = {}
        self.payments: dict[str, WrittenRecord] = {}
        self.suppliers: dict[str, WrittenRecord] = {}
        self.bills: dict[str, WrittenBill] = {}
        self.bill_credit_notes: dict[str, WrittenBill] = {}
        self.bill_payments: dict[str, WrittenRecord] = {}
        self.purchase_orders: dict[str, WrittenRecord] = {}
        # What the latest version of each record not deleted put into the books, by (data type, id).
        self.current: dict[tuple[str, str], _Postings] = {}
        self._kept: Version | None = None
        for record in records:
            self.replay(
                record.data_type,
                record.record_id,
                books.simulated_t(record.written_at),
                record.data,
                record.idempotency_key or record.record_id,
                deleted=record.deleted,
            )

    def __bool__(self) -> bool:
        tables = (
            self.invoices,
            self.credit_notes,
            self.payments,
            self.suppliers,
            self.customers,
            self.accounts,
            self.purchase_orders,
        )
        return bool(self.entries or self.current or any(tables))

    def replay(
        self, data_type: str, record_id: str, w: int, data: dict[str, Any], key: str, *, deleted: bool = False
    ) -> None:
        """Put one version of a record, written at W = `w`, into the books."""
        before = self.current.pop((data_type, record_id), None)
        if before is not None:
            self._end(before, w, deleted=deleted)
        writer = WRITERS.get(data_type)
        if deleted or writer is None:
            return
        marks = len(self.entries), len(self.moves), len(self.allocations)
        self._kept = None
        writer.add(self, w, data, key)
        self.current[(data_type, record_id)] = _Postings(
            self._kept,
            data,
            self.entries[marks[0] :],
            self.moves[marks[1] :],
            self.allocations[marks[2] :],
        )

    def _end(self, postings: _Postings, w: int, *, deleted: bool) -> None:
        """End at W what a version put into the books: its entries are deleted at W (their months change),
        its allocations end at W, and the bank reverses its bank transactions at W (a bank never takes a line
        back: it adds one the other way, so running balances still only grow at the end)."""
        for entry in postings.entries:
            entry.t_del = w
        for allocation in postings.allocations:
            allocation.until = w
        for move in postings.moves:
            _t, txn_id, a, pence, desc, _kind, _t_rec = move[:7]
            reversal = written_id(self.books, BT_KIND[K_MANUAL], f"{txn_id}:reversed")
            kind = "Debit" if pence > 0 else "Credit"
            self.moves.append((w, reversal, a, -pence, f"Reversal: {desc}", kind, w + DAY))
        if deleted and postings.version is not None:
            postings.version.deleted_at = w

    def _keep(self, table: dict[str, Any], version: Any) -> Any:
        """Keep `version` as the latest of its record in `table` (one of the tables of versions above)."""
        previous = table.get(version.id)
        if previous is not None:
            version.previous = previous
            version.created = previous.created
        table[version.id] = version
        self._kept = version
        return version

    def _allocate(self, document: WrittenDocument, allocation: Allocation) -> None:
        document.allocations.append(allocation)
        self.allocations.append(allocation)

    @staticmethod
    def in_books(table: Mapping[str, V], T: int) -> Iterator[V]:
        """The versions of `table`'s records current at T, of the records in the books at T."""
        for latest in table.values():
            version = latest.live(T)
            if version is not None:
                yield version

    def live(self, data_type: str, record_id: str) -> dict[str, Any] | None:
        """The record as its latest version wrote it, unless it was deleted (or was never written)."""
        postings = self.current.get((data_type, record_id))
        return None if postings is None else postings.data

    def bank_accounts(self, T: int) -> list[int]:
        """The bank accounts written by T, by their index in the chart."""
        return [a for a, account in self.accounts.items() if account.created <= T and self.books.is_bank[a]]

    def add_account(
        self, w: int, record: dict[str, Any], row: tuple[str, str, str, str, str, str], *, bank: bool
    ) -> int:
        """Append a written account to the books' chart (`row` as `books.ACCOUNTS` has them); its index."""
        bk = self.books
        a = self.account_index.get(record["id"])
        if a is not None:  # an update: the account keeps its place and history, under its new details
            bk.chart[a] = row
            bk.account_refs[a] = named_ref(record["id"], row[2])
            account = self.accounts[a]
            account.w, account.record = w, record
            account.description = record.get("description") or row[2]
            return a
        a = len(bk.chart)
        section = row[5]
        bk.chart.append(row)
        bk.section.append(section)
        bk.is_pl.append(section in PL_SECTIONS)
        bk.is_bank.append(bank)
        bk.is_cash.append(bank and row[3] == "Asset")
        bk.cf_of_account.append(CF_OF_SECTION.get(section, -1))
        bk.account_ids.append(record["id"])
        bk.account_refs.append(named_ref(record["id"], row[2]))
        if bank:
            bk.bank_record_refs[a] = record_ref(record["id"], "bankAccounts")
        self.account_index[record["id"]] = a
        self.accounts[a] = WrittenAccount(w, a, record, record.get("description") or row[2])
        return a

    def _post(self, entry: WrittenEntry, key: str, txn: str | None = None) -> None:
        """Add an entry, and a bank transaction for each of its lines on a bank account (of type `txn`, or
        Credit for money in and Debit for money out)."""
        self.entries.append(entry)
        is_bank = self.books.is_bank
        for n, (a, pence, _contact) in enumerate(entry.lines):
            if is_bank[a]:
                txn_id = written_id(self.books, BT_KIND[K_MANUAL], f"{key}:{n}")
                kind = txn or ("Credit" if pence > 0 else "Debit")
                self.moves.append((entry.w, txn_id, a, pence, entry.desc, kind, entry.w + DAY))

    def _journal_entry(self, w: int, record: dict[str, Any], key: str) -> None:
        bk = self.books
        lines = [
            (self.account_index[line["accountRef"]["id"]], _pence(line["netAmount"]), None)
            for line in record["journalLines"]
        ]
        bank = sum(pence for a, pence, _ in lines if bk.is_bank[a])
        journal = bk.journal_ids.index(record["journalRef"]["id"])
        t = min(_when(bk, record["postedOn"]), w)
        txn = None if not any(bk.is_bank[a] for a, _, _ in lines) else "Credit" if bank > 0 else "Debit"
        entry = WrittenEntry(
            w, record, record["id"], t, None, journal, record.get("description") or "", lines, txn=txn
        )
        self._post(entry, key)

    def _invoice(self, w: int, record: dict[str, Any], key: str) -> None:
        self._sales_document(w, record, key, _INVOICE)

    def _credit_note(self, w: int, record: dict[str, Any], key: str) -> None:
        self._sales_document(w, record, key, _CREDIT_NOTE)

    def _sales_document(self, w: int, record: dict[str, Any], key: str, kind: SalesKind) -> None:
        """An invoice posts Accounts Receivable (the total, against the customer), income per line and VAT; a
        credit note the same the other way."""
        bk = self.books
        t = min(_when(bk, record["issueDate"]), w)
        document = self._keep(kind.table(self), WrittenDocument(w, t, record, kind.number_field))
        if document.previous is not None:
            document.allocations = document.previous.allocations
        sign = kind.sign
        posting: list[tuple] = [(A_AR, sign * document.total, record_ref(document.customer_id, "customers"))]
        for line in record["lineItems"]:
            posting.append(
                (self.account_index[line["accountRef"]["id"]], -sign * _pence(line["subTotal"]), None)
            )
        tax = _pence(record["totalTaxAmount"])
        if tax:
            posting.append((A_VAT, -sign * tax, None))
        entry_id = written_id(bk, JE_KIND[kind.kind], key)
        self._post(
            WrittenEntry(
                w,
                None,
                entry_id,
                document.t,
                None,
                J_SALES,
                f"{kind.title} {document.number}",
                posting,
                document.id,
                kind.data_type,
            ),
            key,
        )

    def _payment(self, w: int, record: dict[str, Any], key: str) -> None:
        """A payment posts the money it moves (the bank account, and Accounts Receivable: a line on account
        too, left unallocated), and takes what its links say off invoices and credit notes; a credit note
        allocated to an invoice moves no money, and posts Accounts Receivable to itself for the customer."""
        bk = self.books
        payment = self._keep(self.payments, WrittenRecord(w, min(_when(bk, record["date"]), w), record))
        account = record.get("accountRef")
        bank = None if account is None else self.account_index[account["id"]]
        total = _pence(record["totalAmount"])
        note, reference = record.get("note") or "", record.get("reference") or ""
        contact = record_ref(record["customerRef"]["id"], "customers")
        posting: list[tuple] = []
        if bank is not None and total:
            posting += [(bank, total, None), (A_AR, -total, contact)]
        for line in record["lines"]:
            for link in line["links"]:
                pence = _pence(link["amount"])
                if link["type"] == "Invoice":
                    document = self.invoices[link["id"]]
                    pence = -pence
                elif link["type"] == "CreditNote":
                    document = self.credit_notes[link["id"]]
                    posting += [(A_AR, pence, contact), (A_AR, -pence, contact)]
                else:  # on account: Accounts Receivable holds it, allocated to nothing
                    continue
                self._allocate(
                    document, Allocation(w, payment.t, pence, payment.id, total, bank, note, reference)
                )
        entry_id = written_id(bk, JE_KIND[K_PAYMENT], key)
        moves_money = bank is not None and total != 0
        entry = WrittenEntry(
            w,
            None,
            entry_id,
            payment.t,
            None,
            J_CASH if moves_money else J_SALES,
            note,
            posting,
            payment.id,
            "payments",
            "Credit" if moves_money else None,
            w + DAY if moves_money else None,
        )
        self.entries.append(entry)
        if moves_money:
            assert bank is not None
            move = (w, written_id(bk, BT_KIND[K_PAYMENT], key), bank, total, note, "Credit", w + DAY)
            self.moves.append(move)

    def _customer(self, w: int, record: dict[str, Any], key: str) -> None:
        self._keep(self.customers, WrittenRecord(w, w, record))

    def _supplier(self, w: int, record: dict[str, Any], key: str) -> None:
        self._keep(self.suppliers, WrittenRecord(w, w, record))

    def _account(self, w: int, record: dict[str, Any], key: str) -> None:
        fqc = record["fullyQualifiedCategory"]
        row = ("", record["nominalCode"], record["name"], record["type"], fqc, _section(record["type"], fqc))
        self.add_account(w, record, row, bank=False)

    def _bank_account(self, w: int, record: dict[str, Any], key: str) -> None:
        row = _bank_account_row(record)
        self.add_account(w, record, row, bank=True)

    def _transfer(self, w: int, record: dict[str, Any], key: str) -> None:
        bk = self.books
        transfer = self._keep(self.transfers, WrittenTransfer(w, min(_when(bk, record["date"]), w), record))
        source = self.account_index[record["from"]["accountRef"]["id"]]
        target = self.account_index[record["to"]["accountRef"]["id"]]
        amount = _pence(record["from"]["amount"])
        entry = WrittenEntry(
            w,
            None,
            written_id(bk, JE_KIND[K_TRANSFER], key),
            transfer.t,
            None,
            J_CASH,
            record.get("description") or "Transfer",
            [(target, amount, None), (source, -amount, None)],
            transfer.id,
            "transfers",
            "Xfer",
            w + DAY,
        )
        self._post(entry, key, "Xfer")

    def _direct(self, w: int, record: dict[str, Any], key: str, kind: str) -> None:
        bk = self.books
        cost = kind == K_DIRECT_COST
        table = self.direct_costs if cost else self.direct_incomes
        direct = self._keep(table, WrittenRecord(w, min(_when(bk, record["issueDate"]), w), record))
        bank = self.account_index[record["paymentAllocations"][0]["payment"]["accountRef"]["id"]]
        sign = 1 if cost else -1  # a cost debits its lines and credits the bank; an income the other way
        lines: list[tuple] = [
            (self.account_index[line["accountRef"]["id"]], sign * _pence(line["subTotal"]), None)
            for line in record["lineItems"]
        ]
        tax = _pence(record["taxAmount"])
        if tax:
            lines.append((A_VAT, sign * tax, None))
        lines.append((bank, -sign * _pence(record["totalAmount"]), None))
        entry = WrittenEntry(
            w,
            None,
            written_id(bk, JE_KIND[kind], key),
            direct.t,
            None,
            J_CASH,
            record.get("note") or record.get("reference") or "",
            lines,
            direct.id,
            "directCosts" if cost else "directIncomes",
            "Debit" if cost else "Credit",
            w + DAY,
        )
        self._post(entry, key)

    def _bank_transactions(self, w: int, record: dict[str, Any], key: str) -> None:
        """Statement lines pushed to a bank account: each clears at W and is posted against Suspense until
        someone codes it (so the bank's balance stays the ledger's)."""
        bk = self.books
        self._keep(self.bank_transactions, WrittenRecord(w, w, record))
        bank = self.account_index[record["accountId"]]
        for n, line in enumerate(record["transactions"]):
            pence = _pence(line["amount"])
            entry = WrittenEntry(
                w,
                None,
                written_id(bk, JE_KIND[K_MANUAL], f"{key}:{n}"),
                min(_when(bk, line["clearedOnDate"]), w),
                None,
                J_CASH,
                line["description"],
                [(bank, pence, None), (A_SUSPENSE, -pence, None)],
                txn=line["transactionType"],
                t_rec=w + DAY,
            )
            self.entries.append(entry)
            self.moves.append(
                (w, line["id"], bank, pence, line["description"], line["transactionType"], w + DAY)
            )

    def _item(self, w: int, record: dict[str, Any], key: str) -> None:
        self._keep(self.items, WrittenRecord(w, w, record))

    def _journal(self, w: int, record: dict[str, Any], key: str) -> None:
        """A new journal: appended to the books' journals, so journal entries can be posted in it."""
        self._keep(self.journals, WrittenRecord(w, w, record))
        self.books.journal_ids.append(record["id"])
        self.books.journal_refs.append(named_ref(record["id"], record["name"]))

    def _direct_cost(self, w: int, record: dict[str, Any], key: str) -> None:
        self._direct(w, record, key, K_DIRECT_COST)

    def _direct_income(self, w: int, record: dict[str, Any], key: str) -> None:
        self._direct(w, record, key, K_DIRECT_INCOME)

    def posted_to(self, a: int, T: int) -> tuple[int, int]:
        """(balance at T, when it last changed) of an account only written records post to, as `post` adds
        them to the ledger."""
        balance = last = 0
        for entry in self.entries:
            if entry.w > T:
                continue
            for b, pence, _ in entry.lines:
                if b != a:
                    continue
                if entry.t_del is not None and entry.t_del <= T:
                    last = max(last, entry.t_del)
                else:
                    balance += pence
                    last = max(last, entry.w)
        return balance, last

    def post(self, ledger: Ledger, T: int, S: int | None) -> None:
        """Add what was written by T to the ledger's monthly sums (a written record changes its month, and
        its accounts, at W)."""
        month_of_day = self.books.month_of_day
        is_cash, cf_of = self.books.is_cash, self.books.cf_of_account
        delta, cash, last, changed = ledger.delta, ledger.cash, ledger.last_change, ledger.changed
        first = ledger.first_posting
        for entry in self.entries:
            w = entry.w
            if w > T:
                continue
            m = month_of_day(entry.t // DAY)
            td = entry.t_del
            if td is not None and td <= T:
                # Replaced or deleted by T: gone from its month, which changed at td.
                if S is not None and w <= S < td:
                    changed.add(m)
                for a, _, _ in entry.lines:
                    last[a] = max(last[a], td)
                    first[a] = min(first[a], w)
                continue
            row = delta[m]
            for a, pence, _ in entry.lines:
                row[a] += pence
                last[a] = max(last[a], w)
                first[a] = min(first[a], w)
            if S is not None and w > S:
                changed.add(m)
            if entry.txn and entry.operating:
                post_cash(cash[m], entry.lines, is_cash, cf_of)


# ------------------------------------------------------------------------------------------ checking creates
class Check:
    """Checks one create against the books at T, collecting Codat validation items; `done()` raises
    `PushRejected` with all of them."""

    def __init__(self, books: AccountingBooks, written: Written, T: int, validator: str) -> None:
        self.books = books
        self.written = written
        self.T = T
        self.validator = validator
        self.errors: list[dict[str, str]] = []

    def fail(self, item: str, message: str) -> None:
        self.errors.append({"itemId": item, "message": message, "validatorName": self.validator})

    def done(self) -> None:
        if self.errors:
            summary = "; ".join(
                f"{e['itemId']}: {e['message']}" if e["itemId"] else e["message"] for e in self.errors
            )
            raise PushRejected(f"The Sandbox refused the record. {summary}", self.errors)

    # ----------------------------------------------------------------------------------------- values
    def text(self, value: Any, item: str) -> str | None:
        if value is None or isinstance(value, str):
            return value
        self.fail(item, "must be text")
        return None

    def name(self, value: Any, item: str) -> str | None:
        """A required name, without the spaces around it."""
        name = self.text(value, item)
        if name is None or not name.strip():
            self.fail(item, "is required")
            return None
        return name.strip()

    def pence(self, value: Any, item: str, *, required: bool = True, positive: bool = False) -> int | None:
        if value is None:
            if required:
                self.fail(item, "is required")
            return None
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise InvalidOperation
            amount = Decimal(str(value))
            if not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.fail(item, "must be an amount")
            return None
        pence = amount * 100
        if pence != pence.to_integral_value():
            self.fail(item, f"{value} is not to the penny")
            return None
        if positive and pence <= 0:
            self.fail(item, "must be more than 0.00")
            return None
        return int(pence)

    def moment(self, value: Any, item: str, *, required: bool = True, up_to_today: bool = True) -> int | None:
        """Seconds since the books started of a date, which must lie in the books (and, for when something
        happened, no later than today in them)."""
        if value is None:
            if required:
                self.fail(item, "is required")
            return None
        try:
            t = _when(self.books, value)
        except (TypeError, ValueError):
            self.fail(item, f"{value!r} is not an ISO 8601 date")
            return None
        if t < 0:
            self.fail(item, f"{value} is before the books start ({self.books.day_iso(0)})")
            return None
        if up_to_today and t // DAY > self.T // DAY:
            self.fail(item, f"{value} is after today in the books ({self.books.day_iso(self.T // DAY)})")
            return None
        return t

    def currency(self, value: Any, item: str) -> None:
        if value is not None and (not isinstance(value, str) or value.upper() != CURRENCY):
            self.fail(
                item, f"{value} is not the books' currency: the Sandbox keeps its books in {CURRENCY} only"
            )

    def currency_rate(self, value: Any, item: str) -> None:
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value != 1
        ):
            self.fail(item, f"must be 1 (the books' own currency, {CURRENCY}) or left out")

    # ----------------------------------------------------------------------------------------- refs
    def ref_id(self, ref: Any, item: str, *, required: bool = True) -> str | None:
        if ref is None:
            if required:
                self.fail(f"{item}.id", "is required")
            return None
        record_id = ref.get("id") if isinstance(ref, dict) else None
        if not isinstance(record_id, str) or not record_id:
            self.fail(f"{item}.id", "is required")
            return None
        return record_id

    def account(self, ref: Any, item: str) -> int | None:
        account_id = self.ref_id(ref, item)
        if account_id is None:
            return None
        a = self.written.account_index.get(account_id)
        written = self.written.accounts.get(a) if a is not None else None
        if a is None or (written is not None and written.created > self.T):
            self.fail(f"{item}.id", f"No account has id {account_id}")
            return None
        elif a == A_RETAINED:
            self.fail(
                f"{item}.id", "Retained Earnings is worked out from profit and loss and takes no postings"
            )
            return None
        return a

    def tax_rate(self, ref: Any, item: str) -> int:
        return self._optional(ref, item, self.books.tax_ids, "tax rate", T_NONE)

    def journal(self, ref: Any, item: str) -> int:
        return self._optional(ref, item, self.books.journal_ids, "journal", J_GENERAL)

    def _optional(self, ref: Any, item: str, ids: list[str], what: str, default: int) -> int:
        """The index in `ids` of an optional reference: `default` when absent, or unknown (then a failure)."""
        found = self.ref_id(ref, item, required=False)
        if found is None:
            return default
        written = self.written.journals.get(found)
        if found not in ids or (written is not None and written.w > self.T):
            self.fail(f"{item}.id", f"No {what} has id {found}")
            return default
        return ids.index(found)

    def item(self, ref: Any, item: str) -> dict[str, str] | None:
        """The `{id, name}` ref of an item of the books at T: a generated one, or one written by then."""
        item_id = self.ref_id(ref, item, required=False)
        if item_id is None:
            return None
        for candidate in self.books.items:
            if candidate.id == item_id:
                return candidate.ref
        written = self.written.items.get(item_id)
        version = written.live(self.T) if written is not None else None
        if version is not None:
            return named_ref(item_id, version.record["name"])
        self.fail(f"{item}.id", f"No item has id {item_id}")
        return None

    def tracking(self, refs: Any, item: str) -> list[int]:
        if refs is None:
            return []
        if not isinstance(refs, list):
            self.fail(item, "must be a list")
            return []
        found = []
        for n, ref in enumerate(refs):
            tracking_id = self.ref_id(ref, f"{item}.{n}")
            if tracking_id is None:
                continue
            if tracking_id not in self.books.tracking_ids:
                self.fail(f"{item}.{n}.id", f"No tracking category has id {tracking_id}")
                continue
            index = self.books.tracking_ids.index(tracking_id)
            if TRACKING[index][2] * DAY > self.T:
                self.fail(f"{item}.{n}.id", f"No tracking category has id {tracking_id}")
                continue
            found.append(index)
        return found

    def customer(self, ref: Any, item: str) -> dict[str, str] | None:
        """`{id, companyName}` of a customer in the books at T that is not archived."""
        customer_id = self.ref_id(ref, item)
        if customer_id is None:
            return None
        bk = self.books
        latest = self.written.customers.get(customer_id)
        if latest is not None:
            written = latest.live(self.T)
            if written is None:
                self.fail(f"{item}.id", f"No customer has id {customer_id}")
                return None
            name = written.record["customerName"]
            if written.record["status"] == "Archived":
                self.fail(f"{item}.id", f"Customer {name} ({customer_id}) is archived")
                return None
            return {"id": customer_id, "companyName": name}
        prefix, suffix = f"{bk.c8}-{K_CUSTOMER}-0000-", f"-0000{bk.c8b}"
        k = None
        if customer_id.startswith(prefix) and customer_id.endswith(suffix):
            try:
                k = int(customer_id[len(prefix) : -len(suffix)], 16)
            except ValueError:
                k = None
        if k is None or bk.rid(K_CUSTOMER, 0, k) != customer_id or bk.contact_life(k, False)[0] > self.T:
            self.fail(f"{item}.id", f"No customer has id {customer_id}")
            return None
        archived = bk.contact_life(k, False)[2]
        if archived is not None and archived <= self.T:
            self.fail(f"{item}.id", f"Customer {bk.customer_name(k)} ({customer_id}) is archived")
            return None
        return bk.customer_ref(k)


# ------------------------------------------------------------------------------------------------- creates
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


@dataclass(frozen=True)
class SalesKind:
    """What differs between the sales documents written to the Sandbox: invoices, and credit notes (an
    invoice the other way round, which reduces what the customer owes once allocated to an invoice)."""

    data_type: str
    validator: str
    title: str  # in descriptions and messages
    one: str  # "an invoice", in messages
    number_field: str
    number_prefix: str  # of the numbers the Sandbox gives documents written without one
    kind: str  # of the books' ids
    sign: int  # of the document's total on Accounts Receivable
    table_name: str  # `Written`'s table of versions

    def table(self, written: Written) -> dict[str, WrittenDocument]:
        table: dict[str, WrittenDocument] = getattr(written, self.table_name)
        return table


_INVOICE = SalesKind(
    "invoices", "Invoice", "Invoice", "an invoice", "invoiceNumber", "INV-API", K_INVOICE, 1, "invoices"
)
_CREDIT_NOTE = SalesKind(
    "creditNotes",
    "CreditNote",
    "Credit note",
    "a credit note",
    "creditNoteNumber",
    "CN-API",
    K_CREDIT_NOTE,
    -1,
    "credit_notes",
)


@dataclass
class _SalesDocument:
    """A sales document's checked parts, for its type to shape."""

    customer: dict[str, str]
    t: int
    number: str
    note: str
    lines: list[dict[str, Any]]
    sub_total: int
    tax_total: int

    @property
    def total(self) -> int:
        return self.sub_total + self.tax_total

    def amounts(self) -> dict[str, Any]:
        return {
            "withholdingTax": [],
            "totalDiscount": _money(sum(_pence(line["discountAmount"]) for line in self.lines)),
            "subTotal": _money(self.sub_total),
            "additionalTaxAmount": 0,
            "additionalTaxPercentage": 0,
            "totalTaxAmount": _money(self.tax_total),
            "totalAmount": _money(self.total),
            "discountPercentage": 0,
        }


def _sales_document(
    check: Check, record: dict[str, Any], T: int, record_id: str | None, kind: SalesKind
) -> _SalesDocument | None:
    """Check what invoices and credit notes have alike (`record_id`: the version replaces that document's);
    None when something failed (the caller adds its own checks, then `check.done()`)."""
    written = check.written
    customer = check.customer(record.get("customerRef"), "customerRef")
    t = check.moment(record.get("issueDate"), "issueDate")
    check.currency(record.get("currency"), "currency")
    check.currency_rate(record.get("currencyRate"), "currencyRate")
    status = record.get("status")
    if status not in (None, "Submitted"):
        check.fail(
            "status",
            f"The Sandbox writes {kind.data_type} as Submitted (posted to the ledger), not {status}",
        )
    table = kind.table(written)
    before = table.get(record_id) if record_id is not None else None
    number = check.text(record.get(kind.number_field), kind.number_field)
    if number is None:
        number = before.number if before is not None else f"{kind.number_prefix}-{len(table) + 1:04d}"
    elif any(other.number == number and other.id != record_id for other in written.in_books(table, T)):
        check.fail(kind.number_field, f"{kind.one.capitalize()} numbered {number} already exists")
    note = check.text(record.get("note"), "note")
    raw_lines = record.get("lineItems")
    if not isinstance(raw_lines, list) or not raw_lines:
        check.fail("lineItems", f"{kind.one.capitalize()} needs at least one line")
        raw_lines = []
    lines = []
    sub_total = tax_total = 0
    for n, line in enumerate(raw_lines):
        shaped = _invoice_line(check, line, f"lineItems.{n}")
        if shaped is not None:
            lines.append(shaped)
            sub_total += _pence(shaped["subTotal"])
            tax_total += _pence(shaped["taxAmount"])
    total = sub_total + tax_total
    if len(lines) == len(raw_lines) and lines:
        for name, expected in (
            ("subTotal", sub_total),
            ("totalTaxAmount", tax_total),
            ("totalAmount", total),
        ):
            given = check.pence(record.get(name), name, required=False)
            if given is not None and given != expected:
                check.fail(name, f"{_money(given):.2f} does not match the lines ({_money(expected):.2f})")
        if total <= 0:
            check.fail("totalAmount", f"{kind.one.capitalize()} must be for more than 0.00")
    if before is not None and customer is not None and t is not None:
        _still_allocated(check, before, customer["id"], t, total, kind)
    if customer is None or t is None or check.errors:
        return None
    return _SalesDocument(customer, t, number, note or "", lines, sub_total, tax_total)


def _still_allocated(
    check: Check, before: WrittenDocument, customer_id: str, t: int, total: int, kind: SalesKind
) -> None:
    """An update keeps what is allocated against the document, so it must still cover it: the same customer,
    issued no later than the first allocation, for no less than is allocated."""
    allocations = before.allocated(check.T)
    if not allocations:
        return
    allocated = sum(a.amount for a in allocations)
    what = "payments" if kind is _INVOICE else "allocations to invoices"
    if customer_id != before.customer_id:
        check.fail(
            "customerRef.id",
            f"{kind.title} {before.number} has {what} from customer {before.customer_id}; it cannot move to "
            "another customer",
        )
    first = min(a.t for a in allocations)
    if t // DAY > first // DAY:
        check.fail(
            "issueDate", f"{kind.title} {before.number} has {what} dated {check.books.day_iso(first // DAY)}"
        )
    if total < allocated:
        check.fail(
            "totalAmount",
            f"{_money(total):.2f} is less than the {_money(allocated):.2f} of {what} against "
            f"{kind.title.lower()} {before.number}",
        )


def _invoice(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    record_id: str | None = None,
) -> dict[str, Any]:
    check = Check(bk, written, T, "Invoice")
    document = _sales_document(check, record, T, record_id, _INVOICE)
    t = document.t if document is not None else None
    due = check.moment(record.get("dueDate"), "dueDate", required=False, up_to_today=False)
    if t is not None and due is not None and due // DAY < t // DAY:
        check.fail("dueDate", "is before the issue date")
    check.done()
    assert document is not None
    if due is None:
        due = (document.t // DAY + _customer_terms(bk, document.customer["id"])) * DAY
    return {
        "id": record_id or written_id(bk, K_INVOICE, key),
        "invoiceNumber": document.number,
        "customerRef": document.customer,
        "salesOrderRefs": [],
        "issueDate": bk.date(document.t),
        "dueDate": bk.date(due),
        "currency": CURRENCY,
        "currencyRate": 1,
        "lineItems": document.lines,
        **document.amounts(),
        "status": "Submitted",
        "note": document.note,
    }


def _credit_note(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    record_id: str | None = None,
) -> dict[str, Any]:
    check = Check(bk, written, T, "CreditNote")
    document = _sales_document(check, record, T, record_id, _CREDIT_NOTE)
    check.done()
    assert document is not None
    return {
        "id": record_id or written_id(bk, K_CREDIT_NOTE, key),
        "creditNoteNumber": document.number,
        "customerRef": document.customer,
        **document.amounts(),
        "issueDate": bk.date(document.t),
        "currency": CURRENCY,
        "currencyRate": 1,
        "lineItems": document.lines,
        "note": document.note,
    }


def _delete_invoice(bk: AccountingBooks, written: Written, record_id: str, T: int) -> None:
    """An invoice with payments stays, as Xero and QuickBooks keep one: its payments would pay nothing."""
    invoice = written.invoices[record_id]
    allocations = invoice.allocated(T)
    if allocations:
        check = Check(bk, written, T, "Invoice")
        payments = ", ".join(sorted({a.payment_id for a in allocations}))
        check.fail(
            "paymentAllocations",
            f"Invoice {invoice.number} has payments allocated ({payments}): delete them first, or credit it",
        )
        check.done()


def _deleted_freely(bk: AccountingBooks, written: Written, record_id: str, T: int) -> None:
    """Nothing written depends on the record: it can go (a journal entry)."""


def _customer_terms(bk: AccountingBooks, customer_id: str) -> int:
    """The days a customer is given to pay: the books' terms for theirs, 30 for one written here."""
    if customer_id.split("-")[2] == _WRITTEN_DAY:
        return 30
    return bk.contact_terms(int(customer_id.split("-")[3], 16), False)


def _invoice_line(check: Check, line: Any, item: str, document: str = "invoice") -> dict[str, Any] | None:
    bk = check.books
    if not isinstance(line, dict):
        check.fail(item, "must be an object")
        return None
    before = len(check.errors)
    description = check.text(line.get("description"), f"{item}.description")
    unit = check.pence(line.get("unitAmount"), f"{item}.unitAmount")
    if unit is not None and unit < 0:
        check.fail(f"{item}.unitAmount", "must not be negative")
    quantity = line.get("quantity", 1)
    try:
        if isinstance(quantity, bool) or not isinstance(quantity, int | float | str):
            raise InvalidOperation
        qty = Decimal(str(quantity))
        if not qty.is_finite() or qty <= 0:
            raise InvalidOperation
    except InvalidOperation:
        check.fail(f"{item}.quantity", "must be a number more than 0")
        qty = Decimal(1)
    a = check.account(line.get("accountRef"), f"{item}.accountRef")
    if a is not None and (bk.is_bank[a] or a in _CONTROL_ACCOUNTS):
        check.fail(
            f"{item}.accountRef.id",
            f"{bk.chart[a][2]} takes no {document} lines: post them to an "
            f"{'income' if document == 'invoice' else 'expense'} or other account that is neither a bank "
            "nor a control account",
        )
    tax_i = check.tax_rate(line.get("taxRateRef"), f"{item}.taxRateRef")
    item_ref = check.item(line.get("itemRef"), f"{item}.itemRef")
    tracking = check.tracking(line.get("trackingCategoryRefs"), f"{item}.trackingCategoryRefs")
    discount = check.pence(line.get("discountAmount"), f"{item}.discountAmount", required=False)
    percentage = line.get("discountPercentage")
    given_tax = check.pence(line.get("taxAmount"), f"{item}.taxAmount", required=False)
    given_sub = check.pence(line.get("subTotal"), f"{item}.subTotal", required=False)
    given_total = check.pence(line.get("totalAmount"), f"{item}.totalAmount", required=False)
    if len(check.errors) > before or unit is None or a is None:
        return None
    gross = int((Decimal(unit) * qty).to_integral_value(ROUND_HALF_UP))
    if discount is None and percentage:
        try:
            discount = int((Decimal(gross) * Decimal(str(percentage)) / 100).to_integral_value(ROUND_HALF_UP))
        except InvalidOperation:
            check.fail(f"{item}.discountPercentage", "must be a number")
            return None
    discount = discount or 0
    if not 0 <= discount <= gross:
        check.fail(f"{item}.discountAmount", "must be between 0.00 and the line's amount before discount")
        return None
    sub = gross - discount
    tax = tax_of(sub, tax_i) if given_tax is None else given_tax
    if given_tax is not None and given_tax < 0:
        check.fail(f"{item}.taxAmount", "must not be negative")
    if given_sub is not None and given_sub != sub:
        check.fail(
            f"{item}.subTotal",
            f"{_money(given_sub):.2f} is not quantity x unit amount less discount ({_money(sub):.2f})",
        )
    if given_total is not None and given_total != sub + tax:
        check.fail(
            f"{item}.totalAmount",
            f"{_money(given_total):.2f} is not the line's subTotal plus tax ({_money(sub + tax):.2f})",
        )
    if len(check.errors) > before:
        return None
    categories = [bk.tracking_refs[i] for i in tracking]
    shaped: dict[str, Any] = {}
    if description is not None:
        shaped["description"] = description
    shaped.update(
        {
            "unitAmount": _money(unit),
            "quantity": int(qty) if qty == qty.to_integral_value() else float(qty),
            "discountAmount": _money(discount),
            "subTotal": _money(sub),
            "taxAmount": _money(tax),
            "totalAmount": _money(sub + tax),
            "discountPercentage": float(percentage) if percentage and not line.get("discountAmount") else 0,
            "accountRef": bk.account_refs[a],
            "taxRateRef": bk.tax_refs[tax_i],
        }
    )
    if item_ref is not None:
        shaped["itemRef"] = item_ref
    shaped["trackingCategoryRefs"] = categories
    shaped["tracking"] = {
        "categoryRefs": categories,
        "isBilledTo": "NotApplicable",
        "isRebilledTo": "NotApplicable",
    }
    shaped["isDirectIncome"] = False
    return shaped


def _payment(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int
) -> dict[str, Any]:
    """A payment's lines each link to what they settle, as Codat's `Payment` describes: invoices (links of
    negative amounts), credit notes used to pay them (positive: a line of 0 moving no money), or the
    customer's account (one `PaymentOnAccount` link, alone on its line: money held unallocated)."""
    check = Check(bk, written, T, "Payment")
    customer = check.customer(record.get("customerRef"), "customerRef")
    if record.get("paymentMethodRef") is not None:
        check.fail("paymentMethodRef.id", "The Sandbox has no payment methods")
    t = check.moment(record.get("date"), "date")
    check.currency(record.get("currency"), "currency")
    check.currency_rate(record.get("currencyRate"), "currencyRate")
    total = check.pence(record.get("totalAmount"), "totalAmount")
    if total is not None and total < 0:
        check.fail("totalAmount", "must not be negative: the Sandbox takes no refunds")
        total = None
    bank = None
    if record.get("accountRef") is not None:
        bank = _bank(check, record.get("accountRef"), "accountRef")
    elif total:
        check.fail(
            "accountRef.id",
            "The Sandbox records a payment into one of its bank accounts: accountRef is required",
        )
    note = check.text(record.get("note"), "note")
    reference = check.text(record.get("reference"), "reference")
    raw_lines = record.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        check.fail("lines", "A payment needs at least one line, linking it to what it pays")
        raw_lines = []
    paid: list[tuple[int, list[Record]]] = []  # each line's amount and links
    taken: dict[str, int] = {}  # by invoice or credit note id
    lines_total = 0
    for n, line in enumerate(raw_lines):
        item = f"lines.{n}"
        if not isinstance(line, dict):
            check.fail(item, "must be an object")
            continue
        amount = check.pence(line.get("amount"), f"{item}.amount")
        if amount is not None and amount < 0:
            check.fail(f"{item}.amount", "must not be negative: the Sandbox takes no refunds")
            amount = None
        links = line.get("links")
        if not isinstance(links, list) or not links:
            check.fail(f"{item}.links", "A payment line needs at least one link to what it pays")
            continue
        shaped_links = _payment_links(check, written, links, item, customer, t, taken)
        if amount is None or shaped_links is None:
            continue
        linked = -sum(_pence(link["amount"]) for link in shaped_links)
        if linked != amount:
            check.fail(
                f"{item}.amount",
                f"{_money(amount):.2f} is not what its links take ({_money(linked):.2f}): a line's amount "
                "and its links' must sum to 0",
            )
            continue
        lines_total += amount
        paid.append((amount, shaped_links))
    if total is not None and len(paid) == len(raw_lines) and paid and lines_total != total:
        check.fail(
            "totalAmount", f"{_money(total):.2f} is not the sum of the lines ({_money(lines_total):.2f})"
        )
    for document_id, amount in taken.items():
        document = written.invoices.get(document_id) or written.credit_notes[document_id]
        left = document.due(T)
        if amount > left:
            what = "is owed" if document_id in written.invoices else "has credit left of"
            title = "Invoice" if document_id in written.invoices else "Credit note"
            check.fail(
                "lines",
                f"{title} {document.number} {what} {_money(left):.2f}; "
                f"the payment takes {_money(amount):.2f}",
            )
    check.done()
    assert customer is not None and t is not None and total is not None
    when = bk.date(t)
    numbers = [(written.invoices.get(i) or written.credit_notes[i]).number for i in taken]
    shaped: dict[str, Any] = {"id": written_id(bk, K_PAYMENT, key), "customerRef": customer}
    if bank is not None:
        shaped["accountRef"] = bk.account_refs[bank]
    shaped.update(
        {
            "totalAmount": _money(total),
            "currency": CURRENCY,
            "currencyRate": 1,
            "date": when,
            "note": note or (f"Payment for {', '.join(numbers)}" if numbers else "Payment on account"),
            "lines": [payment_line(_money(amount), links, when) for amount, links in paid],
            "reference": reference or "",
        }
    )
    return shaped


def _payment_links(
    check: Check,
    written: Written,
    links: list[Any],
    item: str,
    customer: dict[str, str] | None,
    t: int | None,
    taken: dict[str, int],
) -> list[Record] | None:
    """A payment line's links, shaped; what they take off invoices and credit notes is added to `taken`.
    None when one failed."""
    shaped: list[Record] = []
    for m, link in enumerate(links):
        link_item = f"{item}.links.{m}"
        if not isinstance(link, dict):
            check.fail(link_item, "must be an object")
            continue
        kind = link.get("type")
        check.currency_rate(link.get("currencyRate"), f"{link_item}.currencyRate")
        amount = check.pence(link.get("amount"), f"{link_item}.amount")
        if kind == "PaymentOnAccount":
            if len(links) > 1:
                check.fail(f"{link_item}.type", "A PaymentOnAccount link must be its line's only link")
                continue
            if customer is not None and link.get("id") not in (None, customer["id"]):
                check.fail(f"{link_item}.id", f"must be the payment's customer ({customer['id']})")
                continue
            if amount is not None and amount >= 0:
                check.fail(f"{link_item}.amount", "must be negative: what the line puts on the account")
                continue
            if amount is not None and customer is not None:
                shaped.append(payment_link(kind, customer["id"], _money(-amount), 1))
            continue
        if kind not in ("Invoice", "CreditNote"):
            check.fail(
                f"{link_item}.type",
                f"The Sandbox allocates payments to invoices, credit notes or the customer's account "
                f"(PaymentOnAccount), not {kind!r}",
            )
            continue
        document = _linked_document(check, written, link, link_item, customer, t)
        sign = LINK_SIGNS[kind]
        if amount is not None and amount * sign <= 0:
            sense = (
                "negative: a payment takes it off the invoice" if sign < 0 else "positive: the credit used"
            )
            check.fail(f"{link_item}.amount", f"must be {sense}")
            continue
        if document is None or amount is None:
            continue
        taken[document.id] = taken.get(document.id, 0) + amount * sign
        shaped.append(payment_link(kind, document.id, _money(amount * sign), 1))
    return shaped if len(shaped) == len(links) else None


def _linked_document(
    check: Check,
    written: Written,
    link: dict[str, Any],
    item: str,
    customer: dict[str, str] | None,
    t: int | None,
) -> WrittenDocument | None:
    """The written invoice or credit note a payment link names, in the books and the payment's customer's."""
    kind = _INVOICE if link["type"] == "Invoice" else _CREDIT_NOTE
    document_id = link.get("id")
    latest = kind.table(written).get(document_id) if isinstance(document_id, str) else None
    document = None if latest is None else latest.live(check.T)
    if document is None:
        if isinstance(document_id, str) and document_id.startswith(f"{check.books.c8}-{kind.kind}-"):
            check.fail(
                f"{item}.id",
                f"{kind.title} {document_id} was not created through the API: the Sandbox takes "
                "payments against those only (its own are paid on their own schedule)",
            )
        else:
            check.fail(f"{item}.id", f"No {kind.title.lower()} has id {document_id}")
        return None
    if customer is not None and document.customer_id != customer["id"]:
        check.fail(
            f"{item}.id", f"{kind.title} {document.number} is for another customer ({document.customer_id})"
        )
        return None
    if t is not None and t // DAY < document.t // DAY:
        check.fail(f"{item}.id", f"The payment is dated before {kind.one} {document.number} was issued")
        return None
    return document


@dataclass(frozen=True)
class ContactKind:
    """What differs between the contacts written to the Sandbox: customers and suppliers."""

    data_type: str
    validator: str
    name_field: str
    kind: str  # of the books' ids
    supplier: bool
    table_name: str  # `Written`'s table of versions

    def table(self, written: Written) -> dict[str, WrittenRecord]:
        table: dict[str, WrittenRecord] = getattr(written, self.table_name)
        return table


_CUSTOMER = ContactKind("customers", "Customer", "customerName", K_CUSTOMER, False, "customers")
_SUPPLIER = ContactKind("suppliers", "Supplier", "supplierName", K_SUPPLIER, True, "suppliers")


def _contact(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    record_id: str | None,
    kind: ContactKind,
) -> dict[str, Any]:
    """A customer or supplier (`record_id`: a new version of that one): names are unique among each."""
    check = Check(bk, written, T, kind.validator)
    name = check.text(record.get(kind.name_field), kind.name_field)
    if name is None or not name.strip():
        check.fail(kind.name_field, "is required")
    else:
        name = name.strip()
        taken = _contact_named(bk, written, name, T, kind)
        if taken is not None and taken != record_id:
            check.fail(kind.name_field, f"A {kind.validator.lower()} named {name!r} already exists ({taken})")
    status = record.get("status") or "Active"
    if status not in ("Active", "Archived"):
        check.fail("status", "must be Active or Archived")
    check.currency(record.get("defaultCurrency"), "defaultCurrency")
    shaped: dict[str, Any] = {"id": record_id or written_id(bk, kind.kind, key), kind.name_field: name}
    for field in ("contactName", "emailAddress", "phone", "registrationNumber", "taxNumber"):
        value = check.text(record.get(field), field)
        if value is not None:
            shaped[field] = value
    addresses = record.get("addresses")
    if addresses is not None:
        shaped["addresses"] = _addresses(check, addresses)
    check.done()
    shaped.update({"status": status, "defaultCurrency": CURRENCY})
    return shaped


def _customer(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    record_id: str | None = None,
) -> dict[str, Any]:
    return _contact(bk, written, record, key, T, record_id, _CUSTOMER)


def _supplier(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    record_id: str | None = None,
) -> dict[str, Any]:
    return _contact(bk, written, record, key, T, record_id, _SUPPLIER)


def _addresses(check: Check, addresses: Any) -> list[dict[str, Any]]:
    if not isinstance(addresses, list):
        check.fail("addresses", "must be a list")
        return []
    shaped = []
    for n, address in enumerate(addresses):
        if not isinstance(address, dict):
            check.fail(f"addresses.{n}", "must be an object")
            continue
        kind = address.get("type") or "Billing"
        if kind not in ("Billing", "Delivery", "Unknown"):
            check.fail(f"addresses.{n}.type", "must be Billing, Delivery or Unknown")
        one: dict[str, Any] = {"type": kind}
        for field in ("line1", "line2", "city", "region", "country", "postalCode"):
            value = check.text(address.get(field), f"addresses.{n}.{field}")
            if value is not None:
                one[field] = value
        shaped.append(one)
    return shaped


def _contact_named(bk: AccountingBooks, written: Written, name: str, T: int, kind: ContactKind) -> str | None:
    """The id of a customer or supplier (`kind`) in the books at T with this name (case aside), or None."""
    wanted = name.casefold()
    for contact in written.in_books(kind.table(written), T):
        if contact.record[kind.name_field].casefold() == wanted:
            return contact.id
    # A few dozen contacts at scale 1; a write is rare enough to look at each.
    supplier = kind.supplier
    count = bk.n_suppliers(max(T, 0) // DAY) if supplier else bk.n_customers(max(T, 0) // DAY)
    named = bk.supplier_name if supplier else bk.customer_name
    for k in range(count):
        if bk.contact_life(k, supplier)[0] <= T and named(k).casefold() == wanted:
            return bk.contact_id(k, supplier)
    return None


# -------------------------------------------------------------------------------- the chart and the bank
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


def _section(type_: str, fqc: str) -> str:
    """The statement section (`books.ACCOUNTS`' last column) of an account of Codat type `type_` filed under
    `fqc`: non-current assets are fixed, non-current liabilities long term, `Income.Other` other income,
    cost of sales and `Expense.Other` (finance costs and the like) apart from operating expenses."""
    parts = fqc.split(".")[1:]
    if type_ == "Asset":
        return "fixed_assets" if {"NonCurrent", "Fixed", "FixedAsset"} & set(parts) else "current_assets"
    if type_ == "Liability":
        return "long_term_liabilities" if {"NonCurrent", "LongTerm"} & set(parts) else "current_liabilities"
    if type_ == "Equity":
        return "equity"
    if type_ == "Income":
        return "other_income" if parts[:1] == ["Other"] else "income"
    if "CostOfSales" in parts:
        return "cost_of_sales"
    return "other_expenses" if parts[:1] == ["Other"] else "expenses"


def _bank_account_row(record: dict[str, Any]) -> tuple[str, str, str, str, str, str]:
    """A written bank account's row in the chart: an asset (`Debit`: money the business holds), or a
    liability (`Credit`: a loan or credit card, money it owes)."""
    if record["accountType"] == "Credit":
        return (
            "",
            record["nominalCode"],
            record["accountName"],
            "Liability",
            "Liability.Current.Bank",
            "current_liabilities",
        )
    return ("", record["nominalCode"], record["accountName"], "Asset", "Asset.Current.Bank", "bank")


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
    raw_lines = record.get("lineItems")
    if not isinstance(raw_lines, list) or not raw_lines:
        check.fail("lineItems", "needs at least one line")
        raw_lines = []
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
    raw_lines = record.get("transactions")
    if not isinstance(raw_lines, list) or not raw_lines:
        check.fail("transactions", "needs at least one line")
        raw_lines = []
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


# ------------------------------------------------------------------------------------------------- payables
# Bills, bill credit notes, bill payments and purchase orders: the supplier's side of the books, posted as
# the generated payables are (`AccountingBooks.bill_entries`): a bill credits Accounts Payable against the
# supplier and debits its lines' accounts and VAT; a bill credit note is a bill reversed (its credit held
# against the supplier until a bill payment uses it); a bill payment debits Accounts Payable and credits the
# bank account it was paid from (a bank transaction), or, for a line using a credit note, moves nothing but
# the credit; a purchase order posts nothing until it is billed.
K_PURCHASE_ORDER = "2b00"


class WrittenBill(WrittenDocument):
    """A version of a written bill or bill credit note: its `allocations` are what bill payments paid off the
    bill, or used of the credit note's credit (`due`: what is left). A supplier's document: `supplier_id`, and
    no customer."""

    __slots__ = ("supplier_id",)

    def __init__(self, w: int, t: int, record: dict[str, Any], number: str) -> None:
        Version.__init__(self, w, t, record)
        self.number = number
        self.supplier_id = record["supplierRef"]["id"]
        self.total = _pence(record["totalAmount"])
        self.allocations = []


def _keep_bill(
    written: Written, table: dict[str, WrittenBill], w: int, record: dict[str, Any], number: str
) -> WrittenBill:
    bill = written._keep(
        table, WrittenBill(w, min(_when(written.books, record["issueDate"]), w), record, number)
    )
    if bill.previous is not None:
        bill.allocations = bill.previous.allocations
    return bill


def _add_bill(written: Written, w: int, record: dict[str, Any], key: str) -> None:
    bk = written.books
    bill = _keep_bill(written, written.bills, w, record, record["reference"])
    contact = record_ref(bill.supplier_id, "suppliers")
    posting: list[tuple] = [
        (written.account_index[line["accountRef"]["id"]], _pence(line["subTotal"]), None)
        for line in record["lineItems"]
    ]
    tax = _pence(record["taxAmount"])
    if tax:
        posting.append((A_VAT, tax, None))
    posting.append((A_AP, -bill.total, contact))
    entry_id = written_id(bk, JE_KIND[K_BILL], key)
    desc = f"Bill {bill.number}"
    written._post(
        WrittenEntry(w, None, entry_id, bill.t, None, J_PURCHASES, desc, posting, bill.id, "bills"), key
    )


def _add_bill_credit_note(written: Written, w: int, record: dict[str, Any], key: str) -> None:
    bk = written.books
    note = _keep_bill(written, written.bill_credit_notes, w, record, record["billCreditNoteNumber"])
    contact = record_ref(note.supplier_id, "suppliers")
    posting: list[tuple] = [
        (written.account_index[line["accountRef"]["id"]], -_pence(line["subTotal"]), None)
        for line in record["lineItems"]
    ]
    tax = _pence(record["totalTaxAmount"])
    if tax:
        posting.append((A_VAT, -tax, None))
    posting.append((A_AP, note.total, contact))
    entry_id = written_id(bk, JE_KIND[K_BILL_CREDIT_NOTE], key)
    desc = f"Credit note {note.number}"
    entry = WrittenEntry(
        w, None, entry_id, note.t, None, J_PURCHASES, desc, posting, note.id, "billCreditNotes"
    )
    written._post(entry, key)


def _add_bill_payment(written: Written, w: int, record: dict[str, Any], key: str) -> None:
    """A bill payment's allocations to the bills and credit notes it links, and its posting: what it paid out
    of the bank into Accounts Payable (with its bank transaction), and each credit note's credit moved onto
    the bill it pays (Accounts Payable on both sides, as the generated allocations post it)."""
    bk = written.books
    payment = written._keep(
        written.bill_payments, WrittenRecord(w, min(_when(bk, record["date"]), w), record)
    )
    total = _pence(record["totalAmount"])
    bank = written.account_index[record["accountRef"]["id"]] if total else None
    note, reference = record.get("note") or "", record.get("reference") or ""
    contact = record_ref(record["supplierRef"]["id"], "suppliers")
    posting: list[tuple] = [(A_AP, total, contact), (bank, -total, None)] if bank is not None else []
    for line in record["lines"]:
        moved = _pence(line["amount"])
        for link in line["links"]:
            amount = _pence(link["amount"])
            documents = written.bills if link["type"] == "Bill" else written.bill_credit_notes
            document = documents.get(link["id"])
            if document is None:  # on account: the supplier's, in Accounts Payable only
                continue
            # A line using a credit note moves no money: its allocations are of a payment of 0, as the
            # generated credit notes' are.
            paid = None if link["type"] == "CreditNote" or not moved else bank
            written._allocate(
                document,
                Allocation(
                    w, payment.t, abs(amount), payment.id, 0 if paid is None else total, paid, note, reference
                ),
            )
            if link["type"] == "CreditNote":
                posting += [(A_AP, amount, contact), (A_AP, -amount, contact)]
    entry_id = written_id(bk, JE_KIND[K_BILL_PAYMENT], key)
    txn, cleared = ("Debit", w + DAY) if bank is not None else (None, None)
    entry = WrittenEntry(
        w,
        None,
        entry_id,
        payment.t,
        None,
        J_CASH if bank is not None else J_PURCHASES,
        note,
        posting,
        payment.id,
        "billPayments",
        txn,
        cleared,
    )
    written.entries.append(entry)
    if bank is not None:
        txn_id = written_id(bk, BT_KIND[K_BILL_PAYMENT], key)
        written.moves.append((w, txn_id, bank, -total, note, "Debit", w + DAY))


def _add_purchase_order(written: Written, w: int, record: dict[str, Any], key: str) -> None:
    order = WrittenRecord(w, min(_when(written.books, record["issueDate"]), w), record)
    written._keep(written.purchase_orders, order)


def _supplier_ref(check: Check, ref: Any, item: str) -> dict[str, str] | None:
    """`{id, supplierName}` of a supplier in the books at T (generated or written) that is not archived."""
    supplier_id = check.ref_id(ref, item)
    if supplier_id is None:
        return None
    bk, T = check.books, check.T
    latest = check.written.suppliers.get(supplier_id)
    written = None if latest is None else latest.live(T)
    if written is not None:
        name = written.record["supplierName"]
        if written.record.get("status") == "Archived":
            check.fail(f"{item}.id", f"Supplier {name} ({supplier_id}) is archived")
            return None
        return {"id": supplier_id, "supplierName": name}
    prefix, suffix = f"{bk.c8}-{K_SUPPLIER}-0000-", f"-0000{bk.c8b}"
    k = None
    if supplier_id.startswith(prefix) and supplier_id.endswith(suffix):
        try:
            k = int(supplier_id[len(prefix) : -len(suffix)], 16)
        except ValueError:
            k = None
    if k is None or bk.contact_id(k, True) != supplier_id or bk.contact_life(k, True)[0] > T:
        check.fail(f"{item}.id", f"No supplier has id {supplier_id}")
        return None
    archived = bk.contact_life(k, True)[2]
    if archived is not None and archived <= T:
        check.fail(f"{item}.id", f"Supplier {bk.supplier_name(k)} ({supplier_id}) is archived")
        return None
    return bk.supplier_ref(k)


def _supplier_lines(
    check: Check, record: dict[str, Any], document: str, tax_key: str, *, numbered: bool = True
) -> tuple[list[dict[str, Any]], int, int]:
    """The checked lines of a bill, bill credit note or purchase order in the books' bill line shape, with
    their sub total and tax (pence); the totals the client gave are checked against them."""
    raw_lines = record.get("lineItems")
    if not isinstance(raw_lines, list) or not raw_lines:
        check.fail("lineItems", f"A {document} needs at least one line")
        raw_lines = []
    lines = []
    sub_total = tax_total = 0
    for n, line in enumerate(raw_lines):
        # A purchase order's line may leave out the account it will post to when billed.
        unposted = not numbered and isinstance(line, dict) and line.get("accountRef") is None
        if unposted:
            line = {**line, "accountRef": {"id": check.books.account_ids[AC["cogs"]]}}
        shaped = _invoice_line(check, line, f"lineItems.{n}", document)
        if shaped is None:
            continue
        del shaped["isDirectIncome"]
        if unposted:
            del shaped["accountRef"]
        sub_total += _pence(shaped["subTotal"])
        tax_total += _pence(shaped["taxAmount"])
        if numbered:
            lines.append({"lineNumber": str(n + 1), **shaped, "isDirectCost": False})
        else:
            del shaped["tracking"]
            lines.append(shaped)
    total = sub_total + tax_total
    if len(lines) == len(raw_lines) and lines:
        for name, expected in (("subTotal", sub_total), (tax_key, tax_total), ("totalAmount", total)):
            given = check.pence(record.get(name), name, required=False)
            if given is not None and given != expected:
                check.fail(name, f"{_money(given):.2f} does not match the lines ({_money(expected):.2f})")
        if total <= 0:
            check.fail("totalAmount", f"A {document} must be for more than 0.00")
    return lines, sub_total, tax_total


def _number(check: Check, value: Any, item: str, taken: Iterable[str], default: str, what: str) -> str:
    number = check.text(value, item)
    if number is None or not number.strip():
        return default
    if number in taken:
        check.fail(item, f"{what} numbered {number} already exists")
    return number


def _status(check: Check, value: Any, allowed: tuple[str, ...], what: str) -> str:
    if value is None:
        return allowed[0]
    if value not in allowed:
        check.fail("status", f"The Sandbox keeps {what} as {', '.join(allowed)}, not {value}")
        return allowed[0]
    return str(value)


def _bill(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    current: WrittenBill | None = None,
) -> dict[str, Any]:
    """A bill created, or (`current`: its version now) updated: the whole bill again, as Codat's updates
    are."""
    check = Check(bk, written, T, "Bill")
    supplier = _supplier_ref(check, record.get("supplierRef"), "supplierRef")
    t = check.moment(record.get("issueDate"), "issueDate")
    due = check.moment(record.get("dueDate"), "dueDate", required=False, up_to_today=False)
    if t is not None and due is not None and due // DAY < t // DAY:
        check.fail("dueDate", "is before the issue date")
    check.currency(record.get("currency"), "currency")
    check.currency_rate(record.get("currencyRate"), "currencyRate")
    _status(check, record.get("status"), ("Open",), "bills (posted to the ledger)")
    reference = check.text(record.get("reference"), "reference") or (
        f"BILL-API-{len(written.bills) + 1:04d}" if current is None else current.number
    )
    note = check.text(record.get("note"), "note")
    orders = _purchase_order_refs(check, written, record.get("purchaseOrderRefs"), supplier)
    lines, sub_total, tax_total = _supplier_lines(check, record, "bill", "taxAmount")
    _revision(check, current, supplier, sub_total + tax_total, "bill")
    check.done()
    assert supplier is not None and t is not None
    if due is None:
        due = (t // DAY + 30) * DAY
    return {
        "id": written_id(bk, K_BILL, key) if current is None else current.id,
        "reference": reference,
        "supplierRef": supplier,
        "purchaseOrderRefs": orders,
        "issueDate": bk.date(t),
        "dueDate": bk.date(due),
        "currency": CURRENCY,
        "currencyRate": 1,
        "lineItems": lines,
        "withholdingTax": [],
        "status": "Open",
        "subTotal": _money(sub_total),
        "taxAmount": _money(tax_total),
        "totalAmount": _money(sub_total + tax_total),
        "note": note or "",
    }


def _purchase_order_refs(
    check: Check, written: Written, refs: Any, supplier: dict[str, str] | None
) -> list[dict[str, str]]:
    """A bill's `purchaseOrderRefs`: purchase orders written to the books, to the bill's supplier."""
    if refs is None:
        return []
    if not isinstance(refs, list):
        check.fail("purchaseOrderRefs", "must be a list")
        return []
    out = []
    for n, ref in enumerate(refs):
        order_id = check.ref_id(ref, f"purchaseOrderRefs.{n}")
        if order_id is None:
            continue
        latest = written.purchase_orders.get(order_id)
        order = None if latest is None else latest.live(check.T)
        if order is None:
            check.fail(f"purchaseOrderRefs.{n}.id", f"No purchase order has id {order_id}")
        elif supplier is not None and order.record["supplierRef"]["id"] != supplier["id"]:
            check.fail(f"purchaseOrderRefs.{n}.id", f"Purchase order {order_id} is to another supplier")
        else:
            out.append({"id": order_id, "purchaseOrderNumber": order.record["purchaseOrderNumber"]})
    return out


def _bill_credit_note(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    current: WrittenBill | None = None,
) -> dict[str, Any]:
    """A bill credit note created, or (`current`: its version now) updated."""
    check = Check(bk, written, T, "BillCreditNote")
    supplier = _supplier_ref(check, record.get("supplierRef"), "supplierRef")
    t = check.moment(record.get("issueDate"), "issueDate")
    check.currency(record.get("currency"), "currency")
    check.currency_rate(record.get("currencyRate"), "currencyRate")
    _status(check, record.get("status"), ("Submitted",), "bill credit notes (posted to the ledger)")
    taken = (note.number for note in written.bill_credit_notes.values() if note is not current)
    default = f"PC-API-{len(written.bill_credit_notes) + 1:04d}" if current is None else current.number
    number = _number(
        check,
        record.get("billCreditNoteNumber"),
        "billCreditNoteNumber",
        taken,
        default,
        "A bill credit note",
    )
    note = check.text(record.get("note"), "note")
    lines, sub_total, tax_total = _supplier_lines(check, record, "bill credit note", "totalTaxAmount")
    total = sub_total + tax_total
    used = 0 if current is None else current.total - current.due(T)
    remaining = check.pence(record.get("remainingCredit"), "remainingCredit", required=False)
    if lines and remaining is not None and remaining != total - used:
        check.fail(
            "remainingCredit",
            f"{_money(remaining):.2f} is not the credit note's total less what bill payments have used of it "
            f"({_money(total - used):.2f}): a bill payment allocates its credit to a bill",
        )
    _revision(check, current, supplier, total, "bill credit note")
    check.done()
    assert supplier is not None and t is not None
    return {
        "id": written_id(bk, K_BILL_CREDIT_NOTE, key) if current is None else current.id,
        "billCreditNoteNumber": number,
        "supplierRef": supplier,
        "withholdingTax": [],
        "totalAmount": _money(total),
        "totalDiscount": _money(sum(_pence(line["discountAmount"]) for line in lines)),
        "subTotal": _money(sub_total),
        "totalTaxAmount": _money(tax_total),
        "discountPercentage": 0,
        "issueDate": bk.date(t),
        "currency": CURRENCY,
        "currencyRate": 1,
        "lineItems": lines,
        "note": note or "",
    }


def _purchase_order(
    bk: AccountingBooks,
    written: Written,
    record: dict[str, Any],
    key: str,
    T: int,
    current: WrittenRecord | None = None,
) -> dict[str, Any]:
    """A purchase order created (Open or Draft), or (`current`: its version now) updated: also Closed (fully
    billed or received) or Void."""
    check = Check(bk, written, T, "PurchaseOrder")
    supplier = _supplier_ref(check, record.get("supplierRef"), "supplierRef")
    t = T if record.get("issueDate") is None else check.moment(record.get("issueDate"), "issueDate")
    dates = {
        name: check.moment(record.get(name), name, required=False, up_to_today=False)
        for name in ("expectedDeliveryDate", "paymentDueDate")
    }
    for name, when in dates.items():
        if t is not None and when is not None and when // DAY < t // DAY:
            check.fail(name, "is before the issue date")
    check.currency(record.get("currency"), "currency")
    check.currency_rate(record.get("currencyRate"), "currencyRate")
    statuses = ("Open", "Draft") if current is None else ("Open", "Draft", "Closed", "Void")
    status = _status(check, record.get("status"), statuses, "purchase orders")
    taken = (o.record["purchaseOrderNumber"] for o in written.purchase_orders.values() if o is not current)
    default = (
        f"PO-API-{len(written.purchase_orders) + 1:04d}"
        if current is None
        else current.record["purchaseOrderNumber"]
    )
    number = _number(
        check, record.get("purchaseOrderNumber"), "purchaseOrderNumber", taken, default, "A purchase order"
    )
    note = check.text(record.get("note"), "note")
    lines, sub_total, tax_total = _supplier_lines(
        check, record, "purchase order", "totalTaxAmount", numbered=False
    )
    check.done()
    assert supplier is not None and t is not None
    shaped: dict[str, Any] = {
        "id": written_id(bk, K_PURCHASE_ORDER, key) if current is None else current.id,
        "purchaseOrderNumber": number,
        "issueDate": bk.date(t),
    }
    for name, when in dates.items():
        if when is not None:
            shaped[name] = bk.date(when)
    shaped.update(
        {
            "note": note or "",
            "supplierRef": supplier,
            "status": status,
            "currency": CURRENCY,
            "currencyRate": 1,
            "lineItems": lines,
            "totalDiscount": _money(sum(_pence(line["discountAmount"]) for line in lines)),
            "subTotal": _money(sub_total),
            "totalTaxAmount": _money(tax_total),
            "totalAmount": _money(sub_total + tax_total),
        }
    )
    return shaped


def _revision(
    check: Check, current: WrittenBill | None, supplier: dict[str, str] | None, total: int, what: str
) -> None:
    """What an update of a bill or bill credit note must keep: no less than bill payments have already taken
    off it, and the supplier they were to."""
    if current is None or check.errors:
        return
    used = current.total - current.due(check.T)
    if total < used:
        check.fail(
            "totalAmount",
            f"{_money(total):.2f} is less than bill payments have already taken off the {what} "
            f"({_money(used):.2f}): delete them first",
        )
    if used and supplier is not None and supplier["id"] != current.supplier_id:
        check.fail(
            "supplierRef.id",
            f"The {what} has bill payments allocated to it from its supplier ({current.supplier_id}): "
            "delete them before moving it to another",
        )


def _bill_update(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int, record_id: str
) -> dict[str, Any]:
    return _bill(bk, written, record, key, T, written.bills[record_id])


def _bill_credit_note_update(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int, record_id: str
) -> dict[str, Any]:
    return _bill_credit_note(bk, written, record, key, T, written.bill_credit_notes[record_id])


def _purchase_order_update(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int, record_id: str
) -> dict[str, Any]:
    return _purchase_order(bk, written, record, key, T, written.purchase_orders[record_id])


def _bill_delete(bk: AccountingBooks, written: Written, record_id: str, T: int) -> None:
    """A bill goes with its posting, unless bill payments are allocated to it (as on Xero and QuickBooks,
    they are deleted first)."""
    bill = written.bills[record_id]
    if bill.allocated(T):
        check = Check(bk, written, T, "Bill")
        payments = ", ".join(sorted({a.payment_id for a in bill.allocated(T)}))
        check.fail(
            "id", f"Bill {bill.number} has bill payments allocated to it ({payments}): delete them first"
        )
        check.done()


def _bill_payment_delete(bk: AccountingBooks, written: Written, record_id: str, T: int) -> None:
    """A bill payment can always go: the bills it paid are owed again, the credit it used is back on its
    credit notes, and the bank reverses what it paid out."""


def _bill_payment(
    bk: AccountingBooks, written: Written, record: dict[str, Any], key: str, T: int
) -> dict[str, Any]:
    """A bill payment: lines paying written bills (links of type `Bill`, negative), using written credit
    notes to pay them (`CreditNote` links, positive; such a line moves `amount` 0), or paid on account to the
    supplier (one `PaymentOnAccount` link). Each line's amount and its links sum to zero, as Codat's model
    has it."""
    check = Check(bk, written, T, "BillPayment")
    supplier = _supplier_ref(check, record.get("supplierRef"), "supplierRef")
    if record.get("paymentMethodRef") is not None:
        check.fail("paymentMethodRef.id", "The Sandbox has no payment methods")
    t = check.moment(record.get("date"), "date")
    check.currency(record.get("currency"), "currency")
    check.currency_rate(record.get("currencyRate"), "currencyRate")
    total = check.pence(record.get("totalAmount"), "totalAmount")
    if total is not None and total < 0:
        check.fail(
            "totalAmount", "The Sandbox takes payments to suppliers, not refunds: it must not be negative"
        )
        total = None
    note = check.text(record.get("note"), "note")
    reference = check.text(record.get("reference"), "reference")
    raw_lines = record.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        check.fail(
            "lines", "A bill payment needs at least one line, linking it to bills or paying on account"
        )
        raw_lines = []
    shaped_lines: list[tuple[int, list[Record]]] = []
    taken: dict[str, int] = {}  # what the payment takes off each bill, and off each credit note's credit
    for n, line in enumerate(raw_lines):
        shaped = _bill_payment_line(check, written, line, f"lines.{n}", supplier, t, taken)
        if shaped is not None:
            shaped_lines.append(shaped)
    lines_total = sum(amount for amount, _ in shaped_lines)
    if total is not None and len(shaped_lines) == len(raw_lines) and shaped_lines and lines_total != total:
        check.fail(
            "totalAmount", f"{_money(total):.2f} is not the sum of the lines ({_money(lines_total):.2f})"
        )
    bank = None
    if record.get("accountRef") is not None:
        bank = _bank(check, record.get("accountRef"), "accountRef")
    elif total:
        check.fail(
            "accountRef.id", "The Sandbox pays bills from one of its bank accounts: accountRef is required"
        )
    for document_id, amount in taken.items():
        document = written.bills.get(document_id) or written.bill_credit_notes[document_id]
        left = document.due(T)
        if amount > left:
            what = "is owed" if document_id in written.bills else "has credit left of"
            kind = "Bill" if document_id in written.bills else "Credit note"
            check.fail(
                "lines",
                f"{kind} {document.number} {what} {_money(left):.2f}; the payment takes {_money(amount):.2f}",
            )
    check.done()
    assert supplier is not None and t is not None and total is not None
    when = bk.date(t)
    numbers = ", ".join(written.bills[d].number for d in taken if d in written.bills) or "on account"
    shaped_record: dict[str, Any] = {"id": written_id(bk, K_BILL_PAYMENT, key), "supplierRef": supplier}
    if total and bank is not None:
        shaped_record["accountRef"] = bk.account_refs[bank]
    shaped_record.update(
        {
            "totalAmount": _money(total),
            "currency": CURRENCY,
            "currencyRate": 1,
            "date": when,
            "note": note or f"Payment of {numbers}",
            "lines": [payment_line(_money(amount), links, when) for amount, links in shaped_lines],
            "reference": reference or "",
        }
    )
    return shaped_record


def _bill_payment_line(
    check: Check,
    written: Written,
    line: Any,
    item: str,
    supplier: dict[str, str] | None,
    t: int | None,
    taken: dict[str, int],
) -> tuple[int, list[Record]] | None:
    """One checked line of a bill payment: (the money it moves, its links in Codat's signs)."""
    if not isinstance(line, dict):
        check.fail(item, "must be an object")
        return None
    amount = check.pence(line.get("amount"), f"{item}.amount")
    if amount is not None and amount < 0:
        check.fail(f"{item}.amount", "must not be negative: the Sandbox takes no refunds")
        amount = None
    links = line.get("links")
    if links is None or links == []:  # no links: the money stays on the supplier's account
        return _on_account(check, [{"type": "PaymentOnAccount"}], item, supplier, amount)
    if not isinstance(links, list):
        check.fail(f"{item}.links", "must be a list")
        return None
    if any(isinstance(link, dict) and link.get("type") == "PaymentOnAccount" for link in links):
        return _on_account(check, links, item, supplier, amount)
    linked = 0
    shaped: list[Record] = []
    for m, link in enumerate(links):
        link_item = f"{item}.links.{m}"
        document = _linked_bill(check, written, link, link_item, supplier, t)
        link_amount = check.pence(
            link.get("amount") if isinstance(link, dict) else None, f"{link_item}.amount"
        )
        if document is None or link_amount is None:
            continue
        is_bill = document.id in written.bills
        if (link_amount >= 0) if is_bill else (link_amount <= 0):
            check.fail(
                f"{link_item}.amount",
                "must be negative: a payment takes what it pays off the bill"
                if is_bill
                else "must be positive: the credit the line uses from the credit note",
            )
            continue
        linked += link_amount
        taken[document.id] = taken.get(document.id, 0) + abs(link_amount)
        shaped.append(
            payment_link("Bill" if is_bill else "CreditNote", document.id, _money(abs(link_amount)), 1)
        )
    if amount is None or len(shaped) != len(links):
        return None
    if amount + linked != 0:
        check.fail(
            f"{item}.amount",
            f"{_money(amount):.2f} is not what its links take off the bills, less the credit notes' "
            f"credit used ({_money(-linked):.2f})",
        )
        return None
    return amount, shaped


def _on_account(
    check: Check, links: list[Any], item: str, supplier: dict[str, str] | None, amount: int | None
) -> tuple[int, list[Record]] | None:
    """A line paid on account: to the supplier, allocated to no bill (Codat: one link of type
    `PaymentOnAccount`, its id the supplier's, its amount 0 or the line's, negative; or no links)."""
    if len(links) != 1:
        check.fail(
            f"{item}.links", "A payment on account has one link, of type PaymentOnAccount, and no other"
        )
        return None
    link = links[0]
    link_id = link.get("id")
    if link_id is not None and supplier is not None and link_id != supplier["id"]:
        check.fail(f"{item}.links.0.id", "A payment on account is to the payment's supplier: its id or none")
    link_amount = check.pence(link.get("amount"), f"{item}.links.0.amount", required=False)
    if amount is not None and amount <= 0:
        check.fail(f"{item}.amount", "A payment on account must be for more than 0.00")
        return None
    if amount is not None and link_amount not in (None, 0, -amount):
        check.fail(f"{item}.links.0.amount", "must be 0 or the line's amount, negative")
    if amount is None or supplier is None:
        return None
    return amount, [payment_link("PaymentOnAccount", supplier["id"], _money(amount), 1)]


def _linked_bill(
    check: Check, written: Written, link: Any, item: str, supplier: dict[str, str] | None, t: int | None
) -> WrittenBill | None:
    """The written bill or bill credit note a bill payment's link names, to the payment's supplier."""
    if not isinstance(link, dict):
        check.fail(item, "must be an object")
        return None
    kind = link.get("type")
    if kind not in ("Bill", "CreditNote"):
        check.fail(
            f"{item}.type",
            f"The Sandbox allocates bill payments to bills, credit notes or on account, not {kind!r}",
        )
        return None
    check.currency_rate(link.get("currencyRate"), f"{item}.currencyRate")
    documents = written.bills if kind == "Bill" else written.bill_credit_notes
    what, generated = ("bill", K_BILL) if kind == "Bill" else ("bill credit note", K_BILL_CREDIT_NOTE)
    document_id = link.get("id")
    latest = documents.get(document_id) if isinstance(document_id, str) else None
    document = None if latest is None else latest.live(check.T)
    if document is None:
        if isinstance(document_id, str) and document_id.startswith(f"{check.books.c8}-{generated}-"):
            check.fail(
                f"{item}.id",
                f"The {what} {document_id} was not created through the API: the Sandbox takes bill payments "
                "against those only (its own bills are paid on their own schedule)",
            )
        else:
            check.fail(f"{item}.id", f"No {what} has id {document_id}")
        return None
    if supplier is not None and document.supplier_id != supplier["id"]:
        check.fail(
            f"{item}.id", f"The {what} {document.number} is from another supplier ({document.supplier_id})"
        )
        return None
    if t is not None and t // DAY < document.t // DAY:
        check.fail(f"{item}.id", f"The payment is dated before the {what} {document.number} was issued")
        return None
    return document


# ------------------------------------------------------------------------------------------------- the table
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
