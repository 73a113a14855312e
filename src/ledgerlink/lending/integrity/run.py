"""A company's matching run: its books' bank accounts and lines matched against its banks' (matching.py), and
the outcome stored for the data integrity endpoints to read (`integrity_runs`, `integrity_records`).

The accounts are read through `lending.bank_lines` (a few records). The lines, up to millions, never pass
through Python whole: PostgreSQL extracts the fields matching needs into a temporary table (`lines.py`, with
`bank_lines`' rules), sorts each account pair's lines by amount and date, and streams them through a
server-side cursor; they are matched one amount at a time, and only the pairs found (two line numbers each)
come back, COPYed; every line's stored row, with its match, is then built by one `INSERT ... SELECT`. So a
run's memory is one amount's lines and a batch of pairs, whatever the company's size. The rows replace the
last run's in the same transaction, so a reader sees one run or the other, never half of one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
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
from ledgerlink.kit.clock import utcnow
from ledgerlink.lending.bank_lines import ACCOUNTING, BANKING, BankAccountRef, bank_accounts
from ledgerlink.lending.integrity import lines, matching
from ledgerlink.lending.integrity.models import IntegrityRecord, IntegrityRun
from ledgerlink.sync.models import IN_FLIGHT_SQL

# The data types each side's accounts and lines are stored as (`bank_lines` reads these).
BANK_ACCOUNTS, BANK_LINES = "banking-accounts", "banking-transactions"
BOOKS_ACCOUNTS, BOOKS_LINES = "bankAccounts", "bankTransactions"
COMPLETE, ERROR, DOES_NOT_EXIST = "Complete", "Error", "DoesNotExist"
# ISO 4217's code for no currency, which Codat gives a record whose source names none.
UNKNOWN_CURRENCY = "XXX"

_COLUMNS = (
    "company_id, data_type, connection_id, record_id, account_id, date, amount, currency, description, "
    "matched, matches"
)


@dataclass(frozen=True)
class Outcome:
    status: str
    message: str


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


# Each account's amounts in cents, with their repeats (the lines read from `integrity_lines`).
_AMOUNTS = text(
    "SELECT data_type, connection_id, account_id, cents, count(*) FROM integrity_lines "
    "GROUP BY data_type, connection_id, account_id, cents"
)


async def _amounts(session: AsyncSession) -> dict[tuple[str, uuid.UUID, str], Counter[int]]:
    """The amounts (in cents, with repeats) of each account's lines, both sources, in one read."""
    amounts: dict[tuple[str, uuid.UUID, str], Counter[int]] = {}
    for data_type, connection_id, account_id, cents, count in await session.execute(_AMOUNTS):
        source = BANKING if data_type == BANK_LINES else ACCOUNTING
        amounts.setdefault((source, connection_id, account_id), Counter())[int(cents)] = count
    return amounts


async def _pairs(
    session: AsyncSession,
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
        amounts = await _amounts(session)
    by_key = {_account_key(a): a for a in (*books, *bank)}

    def facts(account: BankAccountRef) -> matching.Account:
        key = _account_key(account)
        return matching.Account(
            key, account.name, account.currency, account.account_number, amounts.get(key, Counter())
        )

    found = matching.pair_accounts([facts(a) for a in books], [facts(a) for a in bank])
    return [(by_key[pair.books], by_key[pair.bank]) for pair in found]  # type: ignore[index]


# The paired accounts' lines, pair by pair and amount by amount (each amount's books lines first), each side
# of an amount in `bank_lines`' order by date (the order matching breaks its ties by).
_PAIRED_LINES = """
    SELECT a.pair, l.cents, l.data_type = %(books)s, l.day - DATE '0001-01-01' + 1, l.description, l.n
    FROM integrity_lines AS l
    JOIN unnest(%(connections)s::uuid[], %(accounts)s::text[], %(data_types)s::text[], %(pairs)s::int[])
         AS a (connection_id, account_id, data_type, pair)
      ON a.connection_id = l.connection_id AND a.account_id = l.account_id AND a.data_type = l.data_type
    ORDER BY a.pair, l.cents, l.data_type = %(books)s DESC, l.day, l.date_key, l.sort_id
"""

# Rows fetched from the cursor at a time, and pairs COPYed at a time.
_BATCH = 5000
# An amount with more lines than this is matched in a thread, so the worker's event loop keeps its
# heartbeat and its other jobs going while a million equal amounts are matched.
_LARGE_AMOUNT = 20_000


async def _driver(session: AsyncSession) -> psycopg.AsyncConnection:
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert isinstance(driver, psycopg.AsyncConnection), "the run needs psycopg's async driver"
    return driver


async def _copy(session: AsyncSession, table: str, columns: str, rows: Sequence[tuple[Any, ...]]) -> None:
    async with (
        (await _driver(session)).cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            await copy.write_row(row)


async def _match_amount(books: list[matching.Line], bank: list[matching.Line]) -> list[tuple[int, int]]:
    if len(books) + len(bank) > _LARGE_AMOUNT:
        return await asyncio.to_thread(matching.match_amount, books, bank)
    return matching.match_amount(books, bank)


async def _match_pairs(session: AsyncSession, pairs: Sequence[tuple[BankAccountRef, BankAccountRef]]) -> None:
    """Match the paired accounts' lines and store the pairs found (`integrity_pairs`: the two lines' `n`).
    PostgreSQL sorts the lines; they are read through a server-side cursor and matched one amount at a time
    (`matching.match_amount`), so the memory a run takes is one amount's lines and one batch of pairs."""
    await session.execute(
        text("CREATE TEMPORARY TABLE integrity_pairs (books bigint, bank bigint) ON COMMIT DROP")
    )
    accounts = [(account, number) for number, pair in enumerate(pairs) for account in pair]
    params = {
        "books": BOOKS_LINES,
        "connections": [account.connection_id for account, _ in accounts],
        "accounts": [account.account_id for account, _ in accounts],
        "data_types": [BANK_LINES if account.source == BANKING else BOOKS_LINES for account, _ in accounts],
        "pairs": [number for _, number in accounts],
    }
    found: list[tuple[int, int]] = []
    books: list[matching.Line] = []
    bank: list[matching.Line] = []
    books_ns: list[int] = []
    bank_ns: list[int] = []
    current: tuple[int, Decimal] | None = None

    async def amount_done() -> None:
        for b, k in await _match_amount(books, bank):
            found.append((books_ns[b], bank_ns[k]))
        if len(found) >= _BATCH:
            await _copy(session, "integrity_pairs", "books, bank", found)
            found.clear()

    async with (await _driver(session)).cursor(name="integrity_paired_lines") as cursor:
        await cursor.execute(_PAIRED_LINES, params)
        while rows := await cursor.fetchmany(_BATCH):
            for pair, cents, is_books, day, description, n in rows:
                if (pair, cents) != current:
                    if current is not None:
                        await amount_done()
                    current = (pair, cents)
                    books, bank, books_ns, bank_ns = [], [], [], []
                if is_books:
                    books.append(matching.Line(0, day, len(books), description))
                    books_ns.append(n)
                else:
                    bank.append(matching.Line(0, day, len(bank), description))
                    bank_ns.append(n)
    if current is not None:
        await amount_done()
    await _copy(session, "integrity_pairs", "books, bank", found)
    await session.execute(text("ANALYZE integrity_pairs"))


# Every line's stored row, with the line it was matched to (Codat's `dataIntegrityMatch`) built from its row.
_STORE_LINES = text(
    """
    INSERT INTO integrity_records
        (company_id, data_type, connection_id, record_id, account_id, date, amount, currency, description,
         matched, matches)
    SELECT :company, l.data_type, l.connection_id, l.record_id, l.account_id,
           l.day::timestamp AT TIME ZONE 'UTC', l.amount, l.currency, l.description, o.n IS NOT NULL,
           CASE WHEN o.n IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
               'id', o.record_id, 'type', o.data_type, 'connectionId', o.connection_id::text,
               'date', to_char(o.day, 'YYYY-MM-DD') || 'T00:00:00.000Z', 'description', o.description,
               'amount', o.amount::text, 'currency', o.currency)) END
    FROM integrity_lines AS l
    LEFT JOIN (SELECT books AS n, bank AS other FROM integrity_pairs
               UNION ALL SELECT bank, books FROM integrity_pairs) AS m ON m.n = l.n
    LEFT JOIN integrity_lines AS o ON o.n = m.other
    ORDER BY l.data_type, l.connection_id, l.record_id COLLATE "C"
    """
).bindparams(bindparam("company", type_=Uuid))


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
        await lines.extract(
            session,
            company_id,
            [(BANK_LINES, "postedDate", bank), (BOOKS_LINES, "clearedOnDate", books)],
        )
        pairs = await _pairs(session, books, bank)
        partner = {_account_key(one): other for one, other in pairs} | {
            _account_key(other): one for one, other in pairs
        }
        account_rows = [(company_id, *_account_row(a, partner.get(_account_key(a)))) for a in accounts]
        await _copy(session, "integrity_records", _COLUMNS, account_rows)
        await _match_pairs(session, pairs)
        await session.execute(_STORE_LINES, {"company": company_id})
        await lines.drop(session)
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
