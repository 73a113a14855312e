"""A company's matching run: its books' bank accounts and lines matched against its banks' (matching.py), and
the outcome stored for the data integrity endpoints to read (`integrity_runs`, `integrity_records`).

A run reads through `lending.bank_lines`, one account pair at a time: an account's lines are held in memory
only while it is matched, as the few fields matching and the stored rows need (never the records), so the
memory a run costs is that of the company's largest account. The rows it writes replace the last run's in
the same transaction, so a reader sees one run or the other, never half of one.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Uuid, bindparam, delete, insert, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink import jobs
from ledgerlink.companies.models import Company
from ledgerlink.db import transaction_lock
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.lending.bank_lines import (
    ACCOUNTING,
    BANKING,
    BankAccountRef,
    BankLine,
    Source,
    bank_accounts,
    bank_lines,
)
from ledgerlink.lending.integrity import matching
from ledgerlink.lending.integrity.models import IntegrityRecord, IntegrityRun
from ledgerlink.sync.models import IN_FLIGHT_SQL

# The data types each side's accounts and lines are stored as (`bank_lines` reads these).
BANK_ACCOUNTS, BANK_LINES = "banking-accounts", "banking-transactions"
BOOKS_ACCOUNTS, BOOKS_LINES = "bankAccounts", "bankTransactions"
COMPLETE, ERROR, DOES_NOT_EXIST = "Complete", "Error", "DoesNotExist"
# ISO 4217's code for no currency, which Codat gives a record whose source names none.
UNKNOWN_CURRENCY = "XXX"

_INSERT_BATCH = 5000


@dataclass(frozen=True)
class Outcome:
    status: str
    message: str


@dataclass(frozen=True)
class _Row:
    """A line as stored: what the details show of it, and of it as another row's match."""

    data_type: str
    connection_id: uuid.UUID
    record_id: str
    account_id: str
    day: datetime
    amount: Decimal
    currency: str
    description: str

    def as_match(self) -> dict[str, Any]:
        return {
            "id": self.record_id,
            "type": self.data_type,
            "connectionId": str(self.connection_id),
            "date": iso(self.day),
            "description": self.description,
            "amount": str(self.amount),
            "currency": self.currency,
        }

    def stored(self, match: _Row | None) -> dict[str, Any]:
        return {
            "data_type": self.data_type,
            "connection_id": self.connection_id,
            "record_id": self.record_id,
            "account_id": self.account_id,
            "date": self.day,
            "amount": self.amount,
            "currency": self.currency,
            "description": self.description,
            "matched": match is not None,
            "matches": [match.as_match()] if match is not None else [],
        }


def _row(line: BankLine) -> _Row:
    return _Row(
        data_type=BANK_LINES if line.source == BANKING else BOOKS_LINES,
        connection_id=line.connection_id,
        record_id=line.transaction_id,
        account_id=line.account_id,
        day=datetime.combine(line.date, time(), tzinfo=UTC),
        amount=line.amount,
        currency=line.currency or UNKNOWN_CURRENCY,
        description=line.description,
    )


def _account_key(account: BankAccountRef) -> tuple[str, uuid.UUID, str]:
    return (account.source, account.connection_id, account.account_id)


def _account_match(account: BankAccountRef) -> dict[str, Any]:
    return {
        "id": account.account_id,
        "type": BANK_ACCOUNTS if account.source == BANKING else BOOKS_ACCOUNTS,
        "connectionId": str(account.connection_id),
        "description": account.name,
        "amount": str(account.balance) if account.balance is not None else None,
        "currency": account.currency or UNKNOWN_CURRENCY,
    }


def _account_row(account: BankAccountRef, partner: BankAccountRef | None) -> dict[str, Any]:
    return {
        "data_type": BANK_ACCOUNTS if account.source == BANKING else BOOKS_ACCOUNTS,
        "connection_id": account.connection_id,
        "record_id": account.account_id,
        "account_id": account.account_id,
        "date": None,
        "amount": account.balance,
        "currency": account.currency or UNKNOWN_CURRENCY,
        "description": account.name,
        "matched": partner is not None,
        "matches": [_account_match(partner)] if partner is not None else [],
    }


async def _account_lines(
    session: AsyncSession, company_id: uuid.UUID, account: BankAccountRef
) -> AsyncIterator[BankLine]:
    async for line in bank_lines(session, company_id, source=account.source, account_id=account.account_id):
        if line.connection_id == account.connection_id:
            yield line


async def _amounts(
    session: AsyncSession, company_id: uuid.UUID, source: Source
) -> dict[tuple[str, uuid.UUID, str], Counter[int]]:
    """The amounts (in cents, with repeats) of each of the source's accounts' lines, in one read."""
    amounts: dict[tuple[str, uuid.UUID, str], Counter[int]] = {}
    async for line in bank_lines(session, company_id, source=source):
        amounts.setdefault((line.source, line.connection_id, line.account_id), Counter())[
            _cents(line.amount)
        ] += 1
    return amounts


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


async def _pairs(
    session: AsyncSession,
    company_id: uuid.UUID,
    books: Sequence[BankAccountRef],
    bank: Sequence[BankAccountRef],
) -> list[tuple[BankAccountRef, BankAccountRef]]:
    """The account pairs (matching.pair_accounts); the lines' amounts are read only when some account has
    no counterpart whose number agrees with its own."""
    by_number = {
        _account_key(one)
        for one in books
        for other in bank
        if one.account_number
        and other.account_number
        and matching.numbers_agree(one.account_number, other.account_number)
    }
    amounts: dict[tuple[str, uuid.UUID, str], Counter[int]] = {}
    if len(by_number) < min(len(books), len(bank)):
        amounts = await _amounts(session, company_id, ACCOUNTING) | await _amounts(
            session, company_id, BANKING
        )
    by_key = {_account_key(a): a for a in (*books, *bank)}

    def facts(account: BankAccountRef) -> matching.Account:
        key = _account_key(account)
        return matching.Account(
            key, account.name, account.currency, account.account_number, amounts.get(key, Counter())
        )

    found = matching.pair_accounts([facts(a) for a in books], [facts(a) for a in bank])
    return [(by_key[pair.books], by_key[pair.bank]) for pair in found]  # type: ignore[index]


async def _matched_rows(
    session: AsyncSession, company_id: uuid.UUID, books: BankAccountRef, bank: BankAccountRef
) -> list[dict[str, Any]]:
    """Both accounts' lines, matched, as rows."""
    books_rows = [_row(line) async for line in _account_lines(session, company_id, books)]
    bank_rows = [_row(line) async for line in _account_lines(session, company_id, bank)]
    pairs = matching.match_lines(_entries(books_rows), _entries(bank_rows))
    books_match: dict[int, _Row] = {b: bank_rows[k] for b, k in pairs}
    bank_match: dict[int, _Row] = {k: books_rows[b] for b, k in pairs}
    return [row.stored(books_match.get(i)) for i, row in enumerate(books_rows)] + [
        row.stored(bank_match.get(i)) for i, row in enumerate(bank_rows)
    ]


def _entries(rows: Sequence[_Row]) -> list[matching.Line]:
    return [
        matching.Line(_cents(row.amount), row.day.toordinal(), i, row.description)
        for i, row in enumerate(rows)
    ]


async def _write(session: AsyncSession, company_id: uuid.UUID, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append({"company_id": company_id, **row})
        if len(batch) >= _INSERT_BATCH:
            await session.execute(insert(IntegrityRecord), batch)
            batch = []
    if batch:
        await session.execute(insert(IntegrityRecord), batch)


async def _write_unpaired(
    session: AsyncSession, company_id: uuid.UUID, source: Source, paired: set[tuple[str, uuid.UUID, str]]
) -> None:
    """The source's lines outside every account pair, unmatched: an account without a partner, or a line
    whose account the source does not list."""
    batch: list[dict[str, Any]] = []
    async for line in bank_lines(session, company_id, source=source):
        if (line.source, line.connection_id, line.account_id) not in paired:
            batch.append(_row(line).stored(None))
            if len(batch) >= _INSERT_BATCH:
                await _write(session, company_id, batch)
                batch = []
    await _write(session, company_id, batch)


def _missing_side(books: Sequence[BankAccountRef], bank: Sequence[BankAccountRef]) -> str | None:
    if not bank and not books:
        return "The company has no bank accounts from a banking connection nor from its books."
    if not bank:
        return "The company has no bank accounts from a banking connection (banking-accounts) to match with."
    if not books:
        return "The company's books have no bank accounts (bankAccounts) to match with."
    return None


async def match_company(
    session: AsyncSession, company_id: uuid.UUID, pulls_until: datetime | None
) -> Outcome:
    """Match the company's books against its banks and store the outcome, replacing the last run's, in the
    caller's transaction (runs of one company take turns)."""
    await transaction_lock(session, f"integrity:{company_id}")
    await session.execute(delete(IntegrityRecord).where(IntegrityRecord.company_id == company_id))
    accounts = await bank_accounts(session, company_id)
    books = [a for a in accounts if a.source == ACCOUNTING]
    bank = [a for a in accounts if a.source == BANKING]
    missing = _missing_side(books, bank)
    if missing is not None:
        outcome = Outcome(DOES_NOT_EXIST, missing)
    else:
        pairs = await _pairs(session, company_id, books, bank)
        partner = {_account_key(one): other for one, other in pairs} | {
            _account_key(other): one for one, other in pairs
        }
        await _write(session, company_id, (_account_row(a, partner.get(_account_key(a))) for a in accounts))
        for one, other in pairs:
            await _write(session, company_id, await _matched_rows(session, company_id, one, other))
        for source in (BANKING, ACCOUNTING):
            await _write_unpaired(session, company_id, source, set(partner))
        unpaired = len(accounts) - 2 * len(pairs)
        outcome = Outcome(
            COMPLETE,
            f"{len(pairs)} of the books' bank accounts matched to a bank account"
            + (f"; {unpaired} account(s) without a match, their lines unmatched." if unpaired else "."),
        )
    await _store_run(session, company_id, outcome, pulls_until)
    return outcome


async def _store_run(
    session: AsyncSession, company_id: uuid.UUID, outcome: Outcome, pulls_until: datetime | None
) -> None:
    values = {
        "status": outcome.status,
        "status_message": outcome.message,
        "last_matched": utcnow(),
        "pulls_until": pulls_until,
    }
    statement = pg_insert(IntegrityRun).values(company_id=company_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["company_id"], set_=values))


# ------------------------------------------------------------------------------------------------ schedule
_TYPES = [BANK_ACCOUNTS, BANK_LINES, BOOKS_ACCOUNTS, BOOKS_LINES]

# Companies with a pull of a type matching reads completed since their last run took pulls into account,
# and none of those types in flight (a run waits for the syncs to settle), nor a run of theirs going on.
_DUE = text(
    f"""
    SELECT p.company_id, max(p.completed) AS pulls_until
    FROM pull_operations AS p
    LEFT JOIN integrity_runs AS r ON r.company_id = p.company_id
    WHERE p.status = 'Complete' AND p.data_type = ANY(CAST(:types AS text[]))
      AND p.completed > coalesce(r.pulls_until, '-infinity')
      AND NOT EXISTS (
          SELECT 1 FROM pull_operations AS q
          WHERE q.company_id = p.company_id AND q.data_type = ANY(CAST(:types AS text[]))
            AND q.status IN ({IN_FLIGHT_SQL}))
      AND NOT EXISTS (
          SELECT 1 FROM procrastinate_jobs AS j
          WHERE j.task_name = :task AND j.status IN ('todo', 'doing')
            AND j.args ->> 'company_id' = CAST(p.company_id AS text))
    GROUP BY p.company_id
    LIMIT 500
    """
)


async def schedule_due(session: AsyncSession, task_name: str) -> int:
    """Defer a matching run for every company whose books or bank were pulled since its last run."""
    due = (await session.execute(_DUE, {"types": _TYPES, "task": task_name})).all()
    for company_id, _pulls_until in due:
        await jobs.defer_unless_queued(
            session,
            task_name,
            {"company_id": str(company_id)},
            queue=jobs.REPORTS_QUEUE,
            queueing_lock=f"integrity:{company_id}",
        )
    return len(due)


_PULLS_UNTIL = text(
    "SELECT max(completed) FROM pull_operations WHERE company_id = :company AND status = 'Complete' "
    "AND data_type = ANY(CAST(:types AS text[]))"
).bindparams(bindparam("company", type_=Uuid))


async def run_company(runtime: jobs.Runtime, company_id: uuid.UUID) -> Outcome | None:
    """One run (the job): match and store in one transaction; a failure stores `Error` with its reason and
    is raised for the job's retries. None when the company is gone."""
    async with runtime.sessionmaker() as session:
        if await session.get(Company, company_id) is None:
            return None
        pulls_until = await session.scalar(_PULLS_UNTIL, {"company": company_id, "types": _TYPES})
    try:
        async with runtime.sessionmaker() as session, session.begin():
            return await match_company(session, company_id, pulls_until)
    except Exception:
        async with runtime.sessionmaker() as session, session.begin():
            if await session.get(Company, company_id) is not None:
                message = "Matching failed unexpectedly; it is retried, and runs again after the next sync."
                await _store_run(session, company_id, Outcome(ERROR, message), pulls_until)
        raise
