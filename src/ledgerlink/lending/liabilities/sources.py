"""Where loans are looked for, read from the record store: the books' loan accounts and the journal entries
posting to them, the bank's lines (classified), a commerce platform's transactions. Each reads the
connections a report pinned (`Report.pulls`) and streams its records, never holding a whole statement.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.connections.models import Connection
from ledgerlink.lending.bank_categories import BankClassification, classify
from ledgerlink.lending.bank_lines import BANKING, BankLine, bank_accounts, bank_lines
from ledgerlink.lending.categories import service as categories
from ledgerlink.lending.liabilities import detection, loan_words
from ledgerlink.lending.liabilities.detection import FoundLoan, LedgerEntry, LedgerLine, LoanAccount, Movement

JOURNAL_ENTRIES = "journalEntries"
JOURNAL_ENTRY = "journalEntry"  # (Codat's `itemRef.type` for one, as its example writes it)
BANKING_ACCOUNTS = "banking-accounts"
BANKING_TRANSACTIONS = "banking-transactions"
COMMERCE_TRANSACTIONS = "commerce-transactions"
# The taxonomy's categories (lending/categories/taxonomy.py) that hold loans (a revolving facility among
# them: iwoca's, say; not credit cards, finance leases or directors' loans), and interest on them.
LOAN_CATEGORIES = (
    ("Liability", "Current", "Debt", "LoansPayable"),
    ("Liability", "Current", "Debt", "LineOfCredit"),
    ("Liability", "NonCurrent", "LongTermDebt", "LoansPayable"),
)
INTEREST_CATEGORY = ("Expense", "NonOperating", "Interest")
# A categorization this sure that a line is something else keeps it out of every loan.
SURE = 0.75
_YIELD = 2_000

# Journal entries with a line on one of the loan accounts, each parsed once (`OFFSET 0` keeps PostgreSQL from
# casting at every use, as the aged reports do).
_LOAN_ENTRIES = text(
    """
    SELECT e.record_id, e.doc
      FROM (SELECT r.record_id, r.data::jsonb AS doc
              FROM records r
             WHERE r.connection_id = :connection_id AND r.data_type = :data_type AND NOT r.is_deleted
            OFFSET 0) e
     WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(e.doc -> 'journalLines', '[]'::jsonb)) l
                    WHERE l -> 'accountRef' ->> 'id' = ANY(:accounts))
     ORDER BY e.record_id
    """
)
_RECORDS = text(
    """
    SELECT r.record_id, r.data
      FROM records r
     WHERE r.connection_id = :connection_id AND r.data_type = :data_type AND NOT r.is_deleted
     ORDER BY r.record_date NULLS FIRST, r.record_id
    """
)


def pinned(pulls: Iterable[dict[str, Any]], data_type: str) -> list[uuid.UUID]:
    """The connections whose pull of `data_type` a report pinned, in a stable order."""
    return sorted(
        {uuid.UUID(pull["connectionId"]) for pull in pulls if pull["dataType"] == data_type}, key=str
    )


def money(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def day(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


async def _stream(
    session: AsyncSession, statement: Any, params: dict[str, Any]
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    rows = await session.stream(statement.execution_options(yield_per=_YIELD), params)
    async for record_id, data in rows:
        yield record_id, data


# ------------------------------------------------------------------------------------------ the books
def _under(path: tuple[str, ...], category: tuple[str, ...]) -> bool:
    return path[: len(category)] == category


async def ledger_loans(session: AsyncSession, connection_ids: list[uuid.UUID]) -> list[FoundLoan]:
    """Per accounting connection, every account categorized as a loan that something posts to."""
    found: list[FoundLoan] = []
    for connection_id in connection_ids:
        connection = await session.get(Connection, connection_id)
        if connection is None:
            continue
        accounts = await categories.connection_accounts(session, connection)
        interest = {a.account_id for a in accounts if _under(a.path, INTEREST_CATEGORY)}
        loans = {
            a.account_id: LoanAccount(
                connection_id=str(connection_id),
                account_id=a.account_id,
                name=a.name or a.account_id,
                currency=str(a.record.get("currency") or ""),
                category=".".join(a.path),
                confidence=1.0 if a.status == "Confirmed" else (a.levels[-1].confidence or 0) / 100,
                reason=a.reason,
            )
            for a in accounts
            if any(_under(a.path, category) for category in LOAN_CATEGORIES)
        }
        if not loans:
            continue
        entries: dict[str, list[LedgerEntry]] = {account_id: [] for account_id in loans}
        params = {"connection_id": connection_id, "data_type": JOURNAL_ENTRIES, "accounts": sorted(loans)}
        async for record_id, doc in _stream(session, _LOAN_ENTRIES, params):
            entry = _ledger_entry(record_id, doc, interest)
            if entry is None:
                continue
            for account_id in {line.account_id for line in entry.lines} & loans.keys():
                entries[account_id].append(entry)
        for account_id, account in sorted(loans.items()):
            lender = _lender_named(connection, account, entries[account_id])
            loan = detection.ledger_loan(
                account, entries[account_id], item_type="journalEntry", lender=lender
            )
            if loan is not None:
                found.append(loan)
    return found


def _ledger_entry(record_id: str, doc: dict[str, Any], interest: set[str]) -> LedgerEntry | None:
    posted = day(doc.get("postedOn"))
    if posted is None:
        return None
    lines = []
    for line in doc.get("journalLines") or ():
        account_id = str((line.get("accountRef") or {}).get("id") or "")
        lines.append(LedgerLine(account_id, money(line.get("netAmount")), account_id in interest))
    return LedgerEntry(
        str(doc.get("id") or record_id), posted, str(doc.get("description") or ""), tuple(lines)
    )


def _lender_named(connection: Connection, account: LoanAccount, entries: list[LedgerEntry]) -> str | None:
    """The first lender named in the loan's entries (drawdowns first, oldest first) or its account's name:
    a counterparty the bank categorization finds in a text it takes for a loan's line (each read as its
    bank line would be: a drawdown money in, a repayment money out), or in one saying a loan word."""
    said = sorted(
        ((not _credits(entry, account.account_id), entry.date, entry.description) for entry in entries),
    )
    texts = [(text_, Decimal(-1 if repaid else 1)) for repaid, _, text_ in said]
    for text_, direction in [*texts, (account.name, Decimal(1))]:
        category, counterparty = _classified(connection.id, connection.integration_key, text_, direction)
        if category is None and loan_words.loan_word_in(text_) is None:
            continue
        found = detection.lender_name(counterparty, text_)
        if found is not None:
            return found
    return None


def _credits(entry: LedgerEntry, account_id: str) -> bool:
    return sum((line.amount for line in entry.lines if line.account_id == account_id), Decimal(0)) < 0


def _is_loan(levels: tuple[str, ...]) -> bool:
    return any(_under(levels, category) for category in LOAN_CATEGORIES)


def _classified(
    connection_id: uuid.UUID, platform_key: str, text: str, amount: Decimal
) -> tuple[str | None, str | None]:
    """What the bank categorization makes of a text that is not a bank line: the loan category it places
    it in (None for any other) and the counterparty it names."""
    line = BankLine(BANKING, connection_id, platform_key, "", "", date.min, amount, "", text, None, None, {})
    found = classify(line)
    return (".".join(found.levels) if _is_loan(found.levels) else None), found.counterparty


def _explained(found: BankClassification) -> str | None:
    """The category of a line the categorization is sure is not a loan's (nor interest on one)."""
    if found.confidence < SURE or _is_loan(found.levels) or _under(found.levels, INTEREST_CATEGORY):
        return None
    return ".".join(found.levels)


# ------------------------------------------------------------------------------------------ the bank
async def bank_loans(
    session: AsyncSession, company_id: uuid.UUID, connection_ids: list[uuid.UUID]
) -> list[FoundLoan]:
    """Loans in the lines of the company's banks (its Banking connections the report pinned), each line
    classified by the bank categorization."""
    wanted = set(connection_ids)
    names = {
        account.account_id: account.name
        for account in await bank_accounts(session, company_id, source=BANKING)
        if account.connection_id in wanted
    }
    finder = detection.MovementLoans()
    async for line in bank_lines(session, company_id, source=BANKING):
        if line.connection_id not in wanted:
            continue
        found = classify(line)
        finder.add(
            Movement(
                connection_id=str(line.connection_id),
                account_id=line.account_id,
                item_id=line.transaction_id,
                item_type=BANKING_TRANSACTIONS,
                date=line.date,
                amount=line.amount,
                currency=line.currency,
                description=line.description,
                counterparty=found.counterparty or line.merchant_name,
                loan_category=".".join(found.levels) if _is_loan(found.levels) else None,
                explained=_explained(found),
            )
        )
    return finder.loans(account_type=BANKING_ACCOUNTS, account_names=names)


# ------------------------------------------------------------------------------------------ commerce
async def commerce_loans(session: AsyncSession, connection_ids: list[uuid.UUID]) -> list[FoundLoan]:
    """A commerce platform's own lending (an advance paid out, repaid from sales), named in its
    transactions' `subType`; its repayments follow sales, so only named loans are found, not shapes."""
    finder = detection.MovementLoans(by_shape=False)
    for connection_id in connection_ids:
        params = {"connection_id": connection_id, "data_type": COMMERCE_TRANSACTIONS}
        async for record_id, data in _stream(session, _RECORDS, params):
            created = day(data.get("createdDate"))
            if created is None:
                continue
            amount = money(data.get("totalAmount"))
            description = str(data.get("subType") or data.get("type") or "")
            category, counterparty = _classified(connection_id, "", description, amount)
            finder.add(
                Movement(
                    connection_id=str(connection_id),
                    account_id="",
                    item_id=str(data.get("id") or record_id),
                    item_type=COMMERCE_TRANSACTIONS,
                    date=created,
                    amount=amount,
                    currency=str(data.get("currency") or ""),
                    description=description,
                    counterparty=counterparty,
                    loan_category=category,
                )
            )
    return finder.loans(account_type=COMMERCE_TRANSACTIONS)
