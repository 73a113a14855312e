"""The versions of records written to the Sandbox, and `Written`: what they add to the books when a pull
replays them (the package's docstring has the rules)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar, Self, TypeVar

from ledgerlink.connectors.base import PlatformRecord
from ledgerlink.connectors.codat_shapes import (
    record_ref,
)
from ledgerlink.connectors.codat_shapes import ref as named_ref
from ledgerlink.connectors.sandbox.books import (
    A_AP,
    A_AR,
    A_SUSPENSE,
    A_VAT,
    BT_KIND,
    CF_OF_SECTION,
    DAY,
    J_CASH,
    J_SALES,
    JE_KIND,
    K_CREDIT_NOTE,
    K_DIRECT_COST,
    K_DIRECT_INCOME,
    K_INVOICE,
    K_MANUAL,
    K_PAYMENT,
    K_TRANSFER,
    PL_SECTIONS,
    AccountingBooks,
    Entry,
    Ledger,
    post_cash,
)

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


class Written:
    """Everything written to one connection's Sandbox, as the books add it to what they generate.

    The platform store's versions are replayed in the order they were written: each is put into the books by
    its type's `Writer.add`, and ends what the record's previous version put there (see `_end`)."""

    # Each type's `Writer.add`, set by the package from its `WRITERS` (the table is built from the families'
    # modules, which build on this one).
    adders: ClassVar[Mapping[str, Callable[[Written, int, dict[str, Any], str], None]]] = {}

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
        add = self.adders.get(data_type)
        if deleted or add is None:
            return
        marks = len(self.entries), len(self.moves), len(self.allocations)
        self._kept = None
        add(self, w, data, key)
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
