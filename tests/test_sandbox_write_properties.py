"""Any sequence of writes leaves the Accounting Sandbox's books coherent: a property-based test through the
real server, its worker and PostgreSQL.

Hypothesis draws a sequence of steps against a newly linked Accounting Sandbox. Each step is a **move** from
`MOVES`, one row per (data type, operation, whether the Sandbox should take it): the strategy of its write,
drawn from the model of the books as they stand at that step (`Books`: the accounts, customers, suppliers, tax
rates, the invoices and bills written so far with what each still owes and the payments they have, the records
written earlier and not deleted), and what the Sandbox must answer. Receivables and payables have the same
moves (`Side`: create, pay, update, delete a document, delete a payment; overpay, delete one paid). A move is
pushed through `POST`, `PUT` or `DELETE .../push/{dataType}[/{id}]` and waited on until its operation ends: a
move meant to be valid must end `Success` with its change (`Created`, `Modified`, `Deleted`; anything else
fails the example), one meant to be invalid must be refused (400 at the door, or `Failed` naming the field)
and change nothing. A move is drawn only while the Sandbox declares its operation on its type, so the rows of
updates and deletes join as the Sandbox takes them. A `pull` step pulls every data type in between (later
pulls are then incremental over written records).

Once the steps are done every data type is pulled, and the books are read back through the read API
(`tests/support/sandbox_api.py`) and checked with every invariant the Sandbox's own tests check
(`tests/support/sandbox_books.py`: double entry, account balances = the ledger, bank balances = opening +
transactions = the ledger, `amountDue` = total - allocations with the status it implies, every document posted
by a journal entry, the statements adding up month by month and the balance sheet balancing), plus what the
writes promise: each written record reads back as its last write sent it (an update re-posts: the ledger's
checks see only its last version), a deleted one is gone or flagged deleted, an invoice owes its total less
what the written payments took (a bill payment reduces its bill's `amountDue`), and the Sandbox holds exactly
the records its accepted writes created (a refused one created none).

Adding a type or an operation is adding a row to `MOVES` (a write strategy, the model's update, the read-back
check in `READ_BACK`). Moves pick what they refer to by position (see `pick`), so that the same draws replay
the same sequence on another company's books, which is what lets Hypothesis shrink a failure.

Profiles (`LEDGERLINK_WRITE_PROPERTIES`): unset or `ci`, 5 examples of at most 15 steps, derandomized so CI
runs the same sequences every time (40 s on this 2-core machine); `deep`, 40 examples of up to 25
steps, new ones every run (a failure prints the `@reproduce_failure` blob to replay it); `once`, one example,
not shrunk (to see a failure fast). A failing sequence is shrunk to a minimal one, printed step by step
(Hypothesis' "Draw n" lines); each attempt is a real run, so shrinking takes minutes (Hypothesis stops after
five, the test's timeout leaves it that time).
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.kit.clock import utcnow
from ledgerlink.records.registry import Operation
from tests.support.pulls import link_sandbox, read_all, wait_for_pulls
from tests.support.push_operations import wait_for_push
from tests.support.sandbox_api import read_books
from tests.support.sandbox_books import cents, check_coherence
from tests.support.server import RunningServer

CREATE, UPDATE, DELETE = Operation.CREATE, Operation.UPDATE, Operation.DELETE
SANDBOX = AccountingSandbox.info
_QUIET = list(HealthCheck)  # each example is seconds of real pushes and pulls: no health check applies
PROFILES: dict[str, tuple[settings, int]] = {
    "ci": (settings(max_examples=5, derandomize=True, deadline=None, suppress_health_check=_QUIET), 15),
    "deep": (settings(max_examples=40, deadline=None, suppress_health_check=_QUIET, print_blob=True), 25),
    "once": (
        settings(max_examples=1, deadline=None, suppress_health_check=_QUIET, phases=[Phase.generate]),
        12,
    ),
}
PROFILE, MAX_STEPS = PROFILES[os.environ.get("LEDGERLINK_WRITE_PROPERTIES", "ci")]
# Time enough to shrink a failure (Hypothesis gives up shrinking after five minutes) and report it.
TIMEOUT = 15 * 60 + PROFILE.max_examples * 60

# Text a client might send: letters, digits, punctuation, spaces and any other printable character (no
# control characters, which JSON carries but no platform keeps).
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=24)
NAME_TEXT = st.text(string.ascii_letters + string.digits + " &'-.", min_size=1, max_size=20)


# ------------------------------------------------------------------------------------------- the model
@dataclass
class Document:
    """An invoice or bill written in this sequence, what it still owes (pence), and the payments that took
    the rest (their ids and dates)."""

    data_type: str
    id: str
    contact_id: str
    issued: date
    total: int
    due: int
    payments: dict[str, date] = field(default_factory=dict)

    @property
    def allocated(self) -> int:
        return self.total - self.due


@dataclass
class Written:
    """A record a write created, and what its last write sent (or that it was deleted)."""

    data_type: str
    id: str
    sent: dict[str, Any]
    deleted: bool = False


@dataclass(frozen=True)
class Write:
    """What a step pushes: the record's id (an update or delete) and the body (a delete's is empty)."""

    record_id: str | None
    body: dict[str, Any]


@dataclass
class Books:
    """One company's Linked Accounting Sandbox, and the model of its books the moves draw from."""

    api: httpx.Client
    company_id: str
    connection_id: str
    today: date
    accounts: list[dict[str, Any]]  # active, by nominal code
    bank_accounts: list[str]
    customers: list[str]  # CUSTOMERS active ones
    suppliers: list[str]  # SUPPLIERS active ones
    tax_rates: list[str]
    tax_percentages: dict[str, int]
    journals: list[str]
    supplier_names: list[str]  # SUPPLIERS of the generated ones, and those written
    documents: dict[str, Document] = field(default_factory=dict)
    written: dict[str, Written] = field(default_factory=dict)
    serial: int = 0
    pushed: bool = False  # whether any step pushed to the books

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def path(self, data_type: str) -> str:
        return f"/companies/{self.company_id}/connections/{self.connection_id}/push/{data_type}"

    @property
    def earliest(self) -> date:
        """The first day a write is dated (the statements read back show its month)."""
        return self.today - timedelta(days=HISTORY_DAYS)

    def ledger_accounts(self) -> list[str]:
        """Accounts a journal line may post to: any but Retained Earnings (from profit and loss)."""
        return [a["id"] for a in self.accounts if a["name"] != "Retained Earnings"]

    def income_accounts(self) -> list[str]:
        return [a["id"] for a in self.accounts if a["type"] == "Income"]

    def expense_accounts(self) -> list[str]:
        return [a["id"] for a in self.accounts if a["type"] == "Expense"]

    def of(self, side: Side) -> list[Document]:
        return [document for document in self.documents.values() if document.data_type == side.documents]

    def owing(self, side: Side) -> list[Document]:
        return [document for document in self.of(side) if document.due > 0]

    def live(self, data_type: str) -> list[Written]:
        """The records of `data_type` written in this sequence and not deleted, in the order written."""
        return [w for w in self.written.values() if w.data_type == data_type and not w.deleted]

    def zero_rate(self) -> str:
        return next(t for t in self.tax_rates if self.tax_percentages[t] == 0)


# Linked companies no step pushed to (an example that ended before its first push: while shrinking, most
# attempts end by running out of draws), for the next examples: linking is most of an example's time.
UNTOUCHED: list[Books] = []


def fresh_books(api: httpx.Client) -> Books:
    if UNTOUCHED:
        books = UNTOUCHED.pop()
        return replace(books, supplier_names=books.supplier_names[:SUPPLIERS], serial=0)
    return link_books(api)


def link_books(api: httpx.Client) -> Books:
    company_id, connection_id = link_sandbox(api, "Property Books Ltd")
    wait_for_pulls(api, company_id, at_least=10)
    data = f"/companies/{company_id}/data"
    connection_data = f"/companies/{company_id}/connections/{connection_id}/data"
    accounts = [a for a in read_all(api, f"{data}/accounts") if a["status"] == "Active"]
    tax_rates = {t["id"]: t["effectiveTaxRate"] for t in read_all(api, f"{data}/taxRates")}
    customers = [c["id"] for c in read_all(api, f"{data}/customers") if c["status"] == "Active"]
    suppliers = read_all(api, f"{data}/suppliers")
    active_suppliers = [s["id"] for s in suppliers if s["status"] == "Active"]
    assert len(customers) >= CUSTOMERS and len(active_suppliers) >= SUPPLIERS
    books = Books(
        api,
        company_id,
        connection_id,
        utcnow().date(),
        sorted(accounts, key=lambda a: a["nominalCode"]),
        sorted(a["id"] for a in read_all(api, f"{connection_data}/bankAccounts")),
        customers[:CUSTOMERS],
        active_suppliers[:SUPPLIERS],
        sorted(tax_rates),
        tax_rates,
        sorted(j["id"] for j in read_all(api, f"{data}/journals")),
        [s["supplierName"] for s in suppliers[:SUPPLIERS]],
    )
    months = api.get(f"{data}/financials/balanceSheet", params={"periodLength": 1, "periodsToCompare": 24})
    assert min(report["date"] for report in months.json()["reports"]) < books.earliest.isoformat()
    return books


# ------------------------------------------------------------------------------------------ strategies
# Every company's books differ (their catalogues are drawn from the company id), and a replayed example links
# a new company: so that the same draws make the same sequence, a move picks what it refers to by position
# in lists as long in every company's books (the chart, tax rates, journals and bank accounts are the same
# everywhere; CUSTOMERS and SUPPLIERS of theirs), and the dates it writes lie in the last HISTORY_DAYS, which
# every company's books cover (they start 24 to 36 months before linking).
CUSTOMERS, SUPPLIERS, HISTORY_DAYS = 12, 8, 400


def pick(items: list[Any]) -> st.SearchStrategy[Any]:
    """One of `items` by its position, shrinking towards the first."""
    return st.integers(0, len(items) - 1).map(items.__getitem__)


def money(pence: int) -> float:
    return pence / 100


def day(books: Books, since: date | None = None) -> st.SearchStrategy[date]:
    """A day from `since` (the books' earliest) to today, shrinking towards today."""
    first = since or books.earliest
    return st.integers(0, (books.today - first).days).map(lambda back: books.today - timedelta(days=back))


@st.composite
def journal_entry(draw: st.DrawFn, books: Books, *, unbalanced: bool = False) -> dict[str, Any]:
    n = draw(st.integers(2, 4))
    accounts = draw(st.lists(pick(books.ledger_accounts()), min_size=n, max_size=n))
    amounts = draw(st.lists(st.integers(-500_000, 500_000), min_size=n - 1, max_size=n - 1))
    off = draw(st.integers(-10_000, 10_000).filter(bool)) if unbalanced else 0
    amounts.append(off - sum(amounts))
    if not any(amounts):
        amounts[0], amounts[-1] = 100, amounts[-1] - 100
    body: dict[str, Any] = {
        "postedOn": draw(day(books)).isoformat(),
        "description": draw(TEXT),
        "journalLines": [
            {"netAmount": money(pence), "accountRef": {"id": account}, "description": draw(TEXT)}
            for account, pence in zip(accounts, amounts, strict=True)
        ],
    }
    if draw(st.booleans()):
        body["journalRef"] = {"id": draw(pick(books.journals))}
    return body


@dataclass(frozen=True)
class Side:
    """Receivables or payables: a document type and its payments', what they call their contact and the
    document's number, and what a document's lines post to."""

    documents: str
    payments: str
    contact: str
    number: str
    link: str
    contacts: Callable[[Books], list[str]]
    accounts: Callable[[Books], list[str]]


SALES = Side(
    "invoices",
    "payments",
    "customerRef",
    "invoiceNumber",
    "Invoice",
    lambda books: books.customers,
    Books.income_accounts,
)
PURCHASES = Side(
    "bills",
    "billPayments",
    "supplierRef",
    "reference",
    "Bill",
    lambda books: books.suppliers,
    Books.expense_accounts,
)
SIDES = {side.documents: side for side in (SALES, PURCHASES)} | {
    side.payments: side for side in (SALES, PURCHASES)
}


@st.composite
def document_line(draw: st.DrawFn, books: Books, side: Side) -> dict[str, Any]:
    return {
        "description": draw(TEXT),
        "unitAmount": money(draw(st.integers(1, 250_000))),
        "quantity": draw(st.integers(1, 5)),
        "accountRef": {"id": draw(pick(side.accounts(books)))},
        "taxRateRef": {"id": draw(pick(books.tax_rates))},
    }


@st.composite
def document(draw: st.DrawFn, books: Books, side: Side) -> dict[str, Any]:
    return {
        side.number: f"PROP-{books.next_serial():04d}",
        side.contact: {"id": draw(pick(side.contacts(books)))},
        "issueDate": draw(day(books)).isoformat(),
        "currency": "GBP",
        "note": draw(TEXT),
        "lineItems": draw(st.lists(document_line(books, side), min_size=1, max_size=3)),
    }


@st.composite
def payment(draw: st.DrawFn, books: Books, side: Side, *, overpaid: bool = False) -> dict[str, Any]:
    """A payment of one contact's written documents (each no more than it owes; with `overpaid`, one paid a
    little more than it owes), in one line linking them all or a line per document."""
    contact = draw(pick(list(dict.fromkeys(document.contact_id for document in books.owing(side)))))
    owing = [document for document in books.owing(side) if document.contact_id == contact]
    paid = draw(st.lists(pick(owing), min_size=1, max_size=min(3, len(owing)), unique_by=lambda d: d.id))
    amounts = [draw(st.integers(1, document.due)) for document in paid]
    if overpaid:
        amounts[0] = paid[0].due + draw(st.integers(1, 10_000))
    links = [
        {"type": side.link, "id": document.id, "amount": -money(amount)}
        for document, amount in zip(paid, amounts, strict=True)
    ]
    if draw(st.booleans()):
        lines = [{"amount": money(sum(amounts)), "links": links}]
    else:
        lines = [{"amount": -link["amount"], "links": [link]} for link in links]
    return {
        side.contact: {"id": contact},
        "accountRef": {"id": draw(pick(books.bank_accounts))},
        "totalAmount": money(sum(amounts)),
        "date": draw(day(books, since=max(document.issued for document in paid))).isoformat(),
        "reference": draw(TEXT),
        "lines": lines,
    }


@st.composite
def payment_before_its_invoice(draw: st.DrawFn, books: Books) -> dict[str, Any]:
    paid = draw(pick([i for i in books.owing(SALES) if i.issued > books.earliest]))
    amount = draw(st.integers(1, paid.due))
    early = paid.issued - timedelta(days=draw(st.integers(1, (paid.issued - books.earliest).days)))
    link = {"type": "Invoice", "id": paid.id, "amount": -money(amount)}
    return {
        "customerRef": {"id": paid.contact_id},
        "accountRef": {"id": draw(pick(books.bank_accounts))},
        "totalAmount": money(amount),
        "date": early.isoformat(),
        "lines": [{"amount": money(amount), "links": [link]}],
    }


@st.composite
def transfer(draw: st.DrawFn, books: Books, *, to_itself: bool = False) -> dict[str, Any]:
    """Money moved from one of the books' bank accounts to the other (with `to_itself`, to the same one)."""
    source = draw(st.integers(0, len(books.bank_accounts) - 1))
    target = source if to_itself else (source + 1) % len(books.bank_accounts)
    amount = money(draw(st.integers(1, 500_000)))
    return {
        "description": draw(TEXT),
        "date": draw(day(books)).isoformat(),
        "from": {"accountRef": {"id": books.bank_accounts[source]}, "currency": "GBP", "amount": amount},
        "to": {"accountRef": {"id": books.bank_accounts[target]}, "currency": "GBP", "amount": amount},
    }


@st.composite
def supplier(draw: st.DrawFn, books: Books) -> dict[str, Any]:
    body: dict[str, Any] = {
        "supplierName": f"{draw(NAME_TEXT).strip() or 'Supplies'} {books.next_serial()}",
        "status": draw(st.sampled_from(["Active", "Archived"])),
    }
    if draw(st.booleans()):
        body["emailAddress"] = f"ap{books.serial}@supplies.example"
        body["phone"] = f"+44 20 7946 {books.serial:04d}"
        body["addresses"] = [{"type": "Billing", "line1": draw(TEXT), "city": draw(TEXT)}]
    return body


@st.composite
def supplier_named_again(draw: st.DrawFn, books: Books) -> dict[str, Any]:
    """A supplier with the name of one the books have (in another case): names are unique."""
    name = draw(pick(books.supplier_names))
    return {"supplierName": draw(st.sampled_from([name, name.upper(), name.lower(), f"  {name} "]))}


def creating(
    body: Callable[[Books], st.SearchStrategy[dict[str, Any]]],
) -> Callable[[Books], st.SearchStrategy[Write]]:
    """A create's step: its body."""
    return lambda books: body(books).map(lambda drawn: Write(None, drawn))


@st.composite
def document_update(draw: st.DrawFn, books: Books, side: Side) -> Write:
    """A written document, whole again (Codat's updates are): with payments, still theirs to cover (the same
    contact, issued no later than the first, for no less than they took), its number kept or a new one."""
    target = draw(pick(books.of(side)))
    body = draw(document(books, side))
    if target.payments:
        body[side.contact] = {"id": target.contact_id}
        body["issueDate"] = min(body["issueDate"], min(target.payments.values()).isoformat())
        short = target.allocated - document_total(books, body)
        if short > 0:
            body["lineItems"].append(
                {
                    "description": "Balance",
                    "unitAmount": money(short),
                    "quantity": 1,
                    "accountRef": {"id": side.accounts(books)[0]},
                    "taxRateRef": {"id": books.zero_rate()},
                }
            )
    if draw(st.booleans()):
        body[side.number] = books.written[target.id].sent[side.number]
    return Write(target.id, body)


@st.composite
def supplier_update(draw: st.DrawFn, books: Books) -> Write:
    target = draw(pick(books.live("suppliers")))
    body = draw(supplier(books))
    if draw(st.booleans()):
        body["supplierName"] = target.sent["supplierName"]
    return Write(target.id, body)


def deleting(records: Callable[[Books], list[str]]) -> Callable[[Books], st.SearchStrategy[Write]]:
    """A delete of one of `records` (ids)."""
    return lambda books: pick(records(books)).map(lambda record_id: Write(record_id, {}))


def unpaid(side: Side) -> Callable[[Books], list[str]]:
    return lambda books: [d.id for d in books.of(side) if not d.payments]


def paid(side: Side) -> Callable[[Books], list[str]]:
    return lambda books: [d.id for d in books.of(side) if d.payments]


def payments_of(side: Side) -> Callable[[Books], list[str]]:
    return lambda books: [w.id for w in books.live(side.payments)]


def written_journal_entries(books: Books) -> list[str]:
    return [w.id for w in books.live("journalEntries")]


# ------------------------------------------------------------------------------- what the model learns
def supplier_written(books: Books, sent: dict[str, Any], record_id: str) -> None:
    books.supplier_names.append(sent["supplierName"].strip())


def document_total(books: Books, sent: dict[str, Any]) -> int:
    """What an invoice or bill comes to (pence): each line's quantity x unit amount plus VAT at its rate,
    rounded half up to the penny (UK VAT is worked out line by line)."""
    total = 0
    for line in sent["lineItems"]:
        sub = cents(line["unitAmount"]) * line["quantity"]
        rate = Decimal(str(books.tax_percentages[line["taxRateRef"]["id"]]))
        total += sub + int((sub * rate / 100).to_integral_value(ROUND_HALF_UP))
    return total


def document_written(books: Books, sent: dict[str, Any], record_id: str) -> None:
    side = PURCHASES if "supplierRef" in sent else SALES
    total = document_total(books, sent)
    books.documents[record_id] = Document(
        side.documents,
        record_id,
        sent[side.contact]["id"],
        date.fromisoformat(sent["issueDate"]),
        total,
        total,
    )


def document_updated(books: Books, sent: dict[str, Any], record_id: str) -> None:
    """The payments stay allocated; the document owes its new total less what they took."""
    document = books.documents[record_id]
    document.contact_id = sent[SIDES[document.data_type].contact]["id"]
    document.issued = date.fromisoformat(sent["issueDate"])
    allocated = document.allocated
    document.total = document_total(books, sent)
    document.due = document.total - allocated


def document_deleted(books: Books, sent: dict[str, Any], record_id: str) -> None:
    del books.documents[record_id]


def supplier_updated(books: Books, sent: dict[str, Any], record_id: str) -> None:
    before = books.written[record_id].sent["supplierName"].strip()
    books.supplier_names[books.supplier_names.index(before)] = sent["supplierName"].strip()


def payment_written(books: Books, sent: dict[str, Any], record_id: str) -> None:
    for line in sent["lines"]:
        for link in line["links"]:
            document = books.documents[link["id"]]
            document.due += cents(link["amount"])
            document.payments[record_id] = date.fromisoformat(sent["date"])


def payment_deleted(books: Books, sent: dict[str, Any], record_id: str) -> None:
    """What the payment took is owed again."""
    for line in books.written[record_id].sent["lines"]:
        for link in line["links"]:
            document = books.documents[link["id"]]
            document.due -= cents(link["amount"])
            document.payments.pop(record_id, None)


def nothing_more(books: Books, sent: dict[str, Any], record_id: str) -> None:
    """The record itself is all the model keeps of this write."""


# ------------------------------------------------------------------------------------------- the moves
@dataclass(frozen=True)
class Move:
    """One kind of step: a write of `data_type` by `operation`, drawn from the books as they stand (`write`).
    `refused` says how the Sandbox refuses a move meant to be invalid: the status, and the field its
    validation errors name (None for none); a move it must take has none, and `written` then updates the
    model (before the record's own: it sees what the record was). A move is drawn only while the Sandbox
    declares its operation on its type (`ConnectorInfo.writes`) and it `applies` to the books."""

    name: str
    data_type: str
    operation: Operation
    write: Callable[[Books], st.SearchStrategy[Write]]
    applies: Callable[[Books], bool] = lambda books: True
    written: Callable[[Books, dict[str, Any], str], None] = nothing_more
    refused: tuple[int, str | None] | None = None


PULL, TAKEN, REFUSED = "pull every data type", "a write the Sandbox takes", "a write it refuses"
STEP_KINDS = (TAKEN, TAKEN, TAKEN, REFUSED, PULL)
MOVES: tuple[Move, ...] = (
    Move("create a supplier", "suppliers", CREATE, creating(supplier), written=supplier_written),
    Move("create a journal entry", "journalEntries", CREATE, creating(journal_entry)),
    Move(
        "update a supplier",
        "suppliers",
        UPDATE,
        supplier_update,
        applies=lambda books: bool(books.live("suppliers")),
        written=supplier_updated,
    ),
    Move(
        "delete a journal entry",
        "journalEntries",
        DELETE,
        deleting(written_journal_entries),
        applies=lambda books: bool(written_journal_entries(books)),
    ),
    Move("create a transfer", "transfers", CREATE, creating(transfer)),
    Move(
        "create a transfer to the account it comes from",
        "transfers",
        CREATE,
        creating(lambda books: transfer(books, to_itself=True)),
        refused=(400, "to.accountRef.id"),
    ),
    Move(
        "create a supplier with a name taken",
        "suppliers",
        CREATE,
        creating(supplier_named_again),
        refused=(400, "supplierName"),
    ),
    Move(
        "create an unbalanced journal entry",
        "journalEntries",
        CREATE,
        creating(lambda books: journal_entry(books, unbalanced=True)),
        refused=(400, "journalLines"),
    ),
    Move(
        "delete a journal entry nobody wrote",
        "journalEntries",
        DELETE,
        lambda books: st.uuids().map(lambda missing: Write(str(missing), {})),
        refused=(404, None),
    ),
    Move(
        "pay an invoice before it was issued",
        "payments",
        CREATE,
        creating(payment_before_its_invoice),
        applies=lambda books: any(i.issued > books.earliest for i in books.owing(SALES)),
        refused=(400, "lines.0.links.0.id"),
    ),
    # Receivables and payables alike: documents created, paid, updated and deleted, payments deleted.
    *(
        move
        for side, one, delete_paid in (
            (SALES, "an invoice", "paymentAllocations"),
            (PURCHASES, "a bill", "id"),
        )
        for move in (
            Move(
                f"create {one}",
                side.documents,
                CREATE,
                creating(lambda books, side=side: document(books, side)),
                written=document_written,
            ),
            Move(
                f"pay {side.documents}",
                side.payments,
                CREATE,
                creating(lambda books, side=side: payment(books, side)),
                applies=lambda books, side=side: bool(books.owing(side)),
                written=payment_written,
            ),
            Move(
                f"update {one}",
                side.documents,
                UPDATE,
                lambda books, side=side: document_update(books, side),
                applies=lambda books, side=side: bool(books.of(side)),
                written=document_updated,
            ),
            Move(
                f"delete {one}",
                side.documents,
                DELETE,
                deleting(unpaid(side)),
                applies=lambda books, side=side: bool(unpaid(side)(books)),
                written=document_deleted,
            ),
            Move(
                f"delete a payment of {side.documents}",
                side.payments,
                DELETE,
                deleting(payments_of(side)),
                applies=lambda books, side=side: bool(payments_of(side)(books)),
                written=payment_deleted,
            ),
            Move(
                f"pay {one} more than it owes",
                side.payments,
                CREATE,
                creating(lambda books, side=side: payment(books, side, overpaid=True)),
                applies=lambda books, side=side: bool(books.owing(side)),
                refused=(400, "lines"),
            ),
            Move(
                f"delete {one} with payments",
                side.documents,
                DELETE,
                deleting(paid(side)),
                applies=lambda books, side=side: bool(paid(side)(books)),
                refused=(400, delete_paid),
            ),
        )
    ),
)
CHANGES = {CREATE: "Created", UPDATE: "Modified", DELETE: "Deleted"}


def push(books: Books, move: Move, write: Write) -> None:
    """Push one move's write and wait for its operation to end as the move expects. A move meant to be invalid
    may be refused at the door (400, checked against Codat's create model) or by the Sandbox when the push
    runs (`Failed`); either way its validation errors name the field."""
    path = books.path(move.data_type) + (f"/{write.record_id}" if write.record_id else "")
    books.pushed = True
    if move.operation is DELETE:
        answer = books.api.delete(path)
    else:
        method = books.api.post if move.operation is CREATE else books.api.put
        answer = method(path, params={"allowSyncOnPushComplete": "false"}, json=write.body)
    if move.refused is not None and answer.status_code == 400:
        assert move.refused[1] in refused_fields(answer.json()), (move.name, answer.text)
        return
    assert answer.status_code == 200, (move.name, answer.text)
    done = wait_for_push(books.api, books.company_id, answer.json()["pushOperationKey"])
    if move.refused is not None:
        status, item = move.refused
        assert done["status"] == "Failed" and done["statusCode"] == status, (move.name, done)
        assert item is None or item in refused_fields(done), (move.name, done)
        assert not done.get("changes"), done
        return
    assert done["status"] == "Success" and done["statusCode"] == 200, (move.name, done)
    (change,) = done["changes"]
    assert change["type"] == CHANGES[move.operation] and change["recordRef"]["dataType"] == move.data_type, (
        done
    )
    record_id = change["recordRef"]["id"]
    assert write.record_id in (None, record_id), done
    move.written(books, write.body, record_id)
    if move.operation is CREATE:
        books.written[record_id] = Written(move.data_type, record_id, write.body)
    elif move.operation is UPDATE:
        books.written[record_id].sent = write.body
    else:
        books.written[record_id].deleted = True


def refused_fields(answer: dict[str, Any]) -> set[str]:
    """The fields named by an answer's validation errors (an error body or a push operation)."""
    return {error["itemId"] for error in (answer.get("validation") or {}).get("errors", [])}


def pull_everything(books: Books) -> None:
    before = len(wait_for_pulls(books.api, books.company_id))
    queued = books.api.post(f"/companies/{books.company_id}/data/all")
    assert queued.status_code == 204, queued.text
    wait_for_pulls(books.api, books.company_id, at_least=before + 1)


# ------------------------------------------------------------------------------------- reading back
def read_back_supplier(books: Books, written: Written, snap: dict[str, dict[str, Any]]) -> None:
    record, sent = snap["suppliers"][written.id], written.sent
    assert record["supplierName"] == sent["supplierName"].strip()
    assert record["status"] == sent.get("status", "Active")
    for name in ("emailAddress", "phone"):
        assert record.get(name) == sent.get(name)
    for got, address in zip(record.get("addresses", []), sent.get("addresses", []), strict=True):
        assert {k: got.get(k) for k in address} == address


def read_back_journal_entry(books: Books, written: Written, snap: dict[str, dict[str, Any]]) -> None:
    record, sent = snap["journalEntries"][written.id], written.sent
    assert record["postedOn"][:10] == sent["postedOn"] and record.get("description") == sent["description"]
    assert [
        (line["accountRef"]["id"], cents(line["netAmount"]), line.get("description"))
        for line in record["journalLines"]
    ] == [
        (line["accountRef"]["id"], cents(line["netAmount"]), line["description"])
        for line in sent["journalLines"]
    ]
    if "journalRef" in sent:
        assert record["journalRef"]["id"] == sent["journalRef"]["id"]


def read_back_document(books: Books, written: Written, snap: dict[str, dict[str, Any]]) -> None:
    record, sent = snap[written.data_type][written.id], written.sent
    side, model = SIDES[written.data_type], books.documents[written.id]
    assert record[side.number] == sent[side.number] and record[side.contact]["id"] == sent[side.contact]["id"]
    assert record["issueDate"][:10] == sent["issueDate"] and record["note"] == sent["note"]
    assert [
        (
            line["accountRef"]["id"],
            line["taxRateRef"]["id"],
            cents(line["unitAmount"]),
            line["quantity"],
            cents(line["subTotal"]),
            line.get("description"),
        )
        for line in record["lineItems"]
    ] == [
        (
            line["accountRef"]["id"],
            line["taxRateRef"]["id"],
            cents(line["unitAmount"]),
            line["quantity"],
            cents(line["unitAmount"]) * line["quantity"],
            line["description"],
        )
        for line in sent["lineItems"]
    ]
    # What it owes is its total less what the written payments took; `check_coherence` holds the status and
    # allocations to it.
    assert cents(record["totalAmount"]) == model.total and cents(record["amountDue"]) == model.due
    assert {a["payment"]["id"] for a in record["paymentAllocations"]} == set(model.payments)


def read_back_payment(books: Books, written: Written, snap: dict[str, dict[str, Any]]) -> None:
    record, sent = snap[written.data_type][written.id], written.sent
    contact = SIDES[written.data_type].contact
    assert cents(record["totalAmount"]) == cents(sent["totalAmount"])
    assert record[contact]["id"] == sent[contact]["id"]
    assert record["accountRef"]["id"] == sent["accountRef"]["id"]
    assert record["date"][:10] == sent["date"] and record["reference"] == sent["reference"]
    assert [
        (cents(line["amount"]), [(link["id"], cents(link["amount"])) for link in line["links"]])
        for line in record["lines"]
    ] == [
        (cents(line["amount"]), [(link["id"], cents(link["amount"])) for link in line["links"]])
        for line in sent["lines"]
    ]


def read_back_transfer(books: Books, written: Written, snap: dict[str, dict[str, Any]]) -> None:
    record, sent = snap["transfers"][written.id], written.sent
    assert record["date"][:10] == sent["date"]
    if sent["description"]:  # (without one, the Sandbox says where the money went)
        assert record["description"] == sent["description"]
    for side in ("from", "to"):
        assert record[side]["accountRef"]["id"] == sent[side]["accountRef"]["id"]
        assert cents(record[side]["amount"]) == cents(sent[side]["amount"])


READ_BACK: dict[str, Callable[[Books, Written, dict[str, dict[str, Any]]], None]] = {
    "suppliers": read_back_supplier,
    "journalEntries": read_back_journal_entry,
    "invoices": read_back_document,
    "payments": read_back_payment,
    "bills": read_back_document,
    "billPayments": read_back_payment,
    "transfers": read_back_transfer,
}


def written_ids(snap: dict[str, dict[str, Any]], data_type: str) -> set[str]:
    """The ids of the records of `data_type` that writes created (`writes.written_id`: the day part of the id
    is ffff, which no generated record has; a journal entry a written invoice or payment posted names it in
    its `recordRef`, and is not counted)."""
    return {
        record_id
        for record_id, record in snap[data_type].items()
        if record_id.split("-")[2] == "ffff" and "recordRef" not in record
    }


def check_books(books: Books) -> None:
    snap = read_books(books.api, books.company_id, books.connection_id)
    check_coherence(snap)
    for data_type in READ_BACK:
        assert written_ids(snap, data_type) == {w.id for w in books.live(data_type)}, data_type
    for written in books.written.values():
        if written.deleted:  # gone, or read back flagged deleted
            assert written.id not in snap[written.data_type], written
        else:
            READ_BACK[written.data_type](books, written, snap)


# ---------------------------------------------------------------------------------------------- the test
@pytest.fixture(scope="module")
def server_api(server: RunningServer) -> httpx.Client:
    with server.client() as api:
        yield api


@pytest.mark.timeout(TIMEOUT)
@PROFILE
@given(data=st.data())
def test_any_sequence_of_writes_keeps_the_books_coherent(
    server_api: httpx.Client, data: st.DataObject
) -> None:
    books = fresh_books(server_api)
    try:
        run_steps(books, data)
    finally:
        if not books.pushed:
            UNTOUCHED.append(books)
    pull_everything(books)
    check_books(books)


def run_steps(books: Books, data: st.DataObject) -> None:
    # Before each step after the first, whether there is another (nine times in ten): a step is then a span
    # of draws of its own, which the shrinker deletes whole (a drawn count of steps it could only lower,
    # cutting the last ones).
    for n in range(MAX_STEPS):
        if n and not data.draw(st.integers(0, 9), label="another step"):
            break
        # Three steps in five write what the Sandbox must take, one what it must refuse, one pulls.
        kind = data.draw(st.sampled_from(STEP_KINDS), label=f"step {n + 1}")
        if kind == PULL:
            event(PULL)
            pull_everything(books)
            continue
        moves = [
            m
            for m in MOVES
            if (m.refused is not None) == (kind == REFUSED)
            and SANDBOX.writes(m.operation, m.data_type)
            and m.applies(books)
        ]
        move = data.draw(st.sampled_from(moves), label=f"step {n + 1}")
        event(move.name)
        write = data.draw(move.write(books), label=f"step {n + 1}: {move.name}")
        push(books, move, write)
