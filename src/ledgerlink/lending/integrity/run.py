"""A company's matching run: its books' bank accounts and lines matched against its banks' (matching.py), and
the outcome stored for the data integrity endpoints to read (`integrity_runs`, `integrity_records`).

A run reads each source's lines once through `lending.bank_lines` (which streams them account by account):
the bank's lines of paired accounts are held until their books partner's lines have come, as the few fields
matching and the stored rows need (never the records), so the memory a run costs grows with the paired bank
lines, not with the company's records. Rows are COPYed a batch at a time, and replace the last run's in the
same transaction, so a reader sees one run or the other, never half of one.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import orjson
import psycopg
from sqlalchemy import Uuid, bindparam, delete, text
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

_WRITE_BATCH = 5000


@dataclass(frozen=True)
class Outcome:
    status: str
    message: str


@dataclass(frozen=True, slots=True)
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

    def stored(self, match: _Row | None) -> tuple[Any, ...]:
        """The row as `_Writer` writes it, with its match."""
        matches = [match.as_match()] if match is not None else []
        return (
            self.data_type,
            self.connection_id,
            self.record_id,
            self.account_id,
            self.day,
            self.amount,
            self.currency,
            self.description,
            match is not None,
            orjson.dumps(matches).decode(),
        )


@functools.lru_cache(maxsize=8192)
def _midnight(day: date) -> datetime:
    """A day as the moment stored, one object per day: a run holds up to millions of lines, few days."""
    return datetime.combine(day, time(), tzinfo=UTC)


def _row(line: BankLine, amounts: dict[Decimal, Decimal]) -> _Row:
    """The line as held and stored; `amounts` shares one `Decimal` per amount among the run's lines."""
    return _Row(
        data_type=BANK_LINES if line.source == BANKING else BOOKS_LINES,
        connection_id=line.connection_id,
        record_id=line.transaction_id,
        account_id=line.account_id,
        day=_midnight(line.date),
        amount=amounts.setdefault(line.amount, line.amount),
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


def _account_row(account: BankAccountRef, partner: BankAccountRef | None) -> tuple[Any, ...]:
    return (
        BANK_ACCOUNTS if account.source == BANKING else BOOKS_ACCOUNTS,
        account.connection_id,
        account.account_id,
        account.account_id,
        None,
        account.balance,
        account.currency or UNKNOWN_CURRENCY,
        account.name,
        partner is not None,
        orjson.dumps([_account_match(partner)] if partner is not None else []).decode(),
    )


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


def _entries(rows: Sequence[_Row]) -> list[matching.Line]:
    return [
        matching.Line(_cents(row.amount), row.day.toordinal(), i, row.description)
        for i, row in enumerate(rows)
    ]


async def _matched(books: list[_Row], bank: list[_Row]) -> Iterator[tuple[Any, ...]]:
    """One account pair's lines, matched, as stored rows. Matching is CPU work of seconds for a large account:
    it runs in a thread, so the worker's event loop keeps its heartbeat and its other jobs going."""
    pairs = await asyncio.to_thread(matching.match_lines, _entries(books), _entries(bank))
    return _with_matches(books, bank, pairs)


def _with_matches(
    books: list[_Row], bank: list[_Row], pairs: list[tuple[int, int]]
) -> Iterator[tuple[Any, ...]]:
    books_match = {b: bank[k] for b, k in pairs}
    bank_match = {k: books[b] for b, k in pairs}
    for i, row in enumerate(books):
        yield row.stored(books_match.get(i))
    for i, row in enumerate(bank):
        yield row.stored(bank_match.get(i))


_COLUMNS = (
    "company_id, data_type, connection_id, record_id, account_id, date, amount, currency, description, "
    "matched, matches"
)


class _Writer:
    """Stored rows, COPYed into `integrity_records` a batch at a time (between the reads' fetches)."""

    def __init__(self, session: AsyncSession, company_id: uuid.UUID) -> None:
        self.session = session
        self.company_id = company_id
        self.batch: list[tuple[Any, ...]] = []

    async def add(self, rows: Iterable[tuple[Any, ...]]) -> None:
        for row in rows:  # built as they are written: a pair's million rows are never all held
            self.batch.append(row)
            if len(self.batch) >= _WRITE_BATCH:
                await self.flush()

    async def flush(self) -> None:
        if not self.batch:
            return
        connection = await self.session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        assert isinstance(driver, psycopg.AsyncConnection), "COPY needs psycopg's async driver"
        async with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY integrity_records ({_COLUMNS}) FROM STDIN") as copy,
        ):
            for row in self.batch:
                await copy.write_row((self.company_id, *row))
        self.batch = []


async def _match_lines(
    session: AsyncSession,
    company_id: uuid.UUID,
    partner: dict[tuple[str, uuid.UUID, str], BankAccountRef],
    out: _Writer,
) -> None:
    """Every line of both sources, read once each: the bank's lines of paired accounts are held (as `_Row`s)
    until the books' lines of their partner have been read (the books' come account by account), matched,
    and written; every other line is written unmatched as it comes."""
    held: dict[tuple[str, uuid.UUID, str], list[_Row]] = {}
    amounts: dict[Decimal, Decimal] = {}
    async for line in bank_lines(session, company_id, source=BANKING):
        key = (line.source, line.connection_id, line.account_id)
        if key in partner:
            held.setdefault(key, []).append(_row(line, amounts))
        else:
            await out.add([_row(line, amounts).stored(None)])

    async def account_done(key: tuple[str, uuid.UUID, str] | None, books: list[_Row]) -> None:
        if key is not None and key in partner:
            await out.add(await _matched(books, held.pop(_account_key(partner[key]), [])))

    current: tuple[str, uuid.UUID, str] | None = None
    books: list[_Row] = []
    async for line in bank_lines(session, company_id, source=ACCOUNTING):
        key = (line.source, line.connection_id, line.account_id)
        if key != current:
            await account_done(current, books)
            current, books = key, []
        if key in partner:
            books.append(_row(line, amounts))
        else:
            await out.add([_row(line, amounts).stored(None)])
    await account_done(current, books)
    for rows in held.values():  # paired bank accounts whose books partner has no lines
        await out.add(row.stored(None) for row in rows)


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
        out = _Writer(session, company_id)
        await out.add(_account_row(a, partner.get(_account_key(a))) for a in accounts)
        await _match_lines(session, company_id, partner, out)
        await out.flush()
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
    SELECT DISTINCT p.company_id
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
    LIMIT 500
    """
)


async def schedule_due(session: AsyncSession, task_name: str) -> int:
    """Defer a matching run for every company whose books or bank were pulled since its last run."""
    due = (await session.scalars(_DUE, {"types": _TYPES, "task": task_name})).all()
    for company_id in due:
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
