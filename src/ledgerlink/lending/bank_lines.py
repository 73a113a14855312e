"""A company's bank accounts and bank transactions, from both places they are recorded: its banks (Banking
connections' `banking-accounts` and `banking-transactions`) and its books (the accounting platform's
`bankAccounts` and `bankTransactions`), in one shape (`BankAccountRef`, `BankLine`).

Every lending analysis of the bank (the categorized bank statement, data integrity, loans found in the bank)
reads through here, so they agree on what a bank line is:

- the source is the data type: a connection that pulled `banking-transactions` is a bank, one that pulled
  `bankTransactions` is books; every such connection of the company is read, in connection id order;
- a line is dated by the day the bank posted it (`postedDate`) or the books say it cleared
  (`clearedOnDate`), the date as the record gives it (no time zone conversion); a bank's pending line (no
  `postedDate` yet) is not on the statement and is not a line here;
- the amount is signed as Codat's records sign it: money into the account positive;
- a books line carries no currency of its own: it takes its bank account's;
- deleted records are not lines (a deleted bank line never happened; a deleted books line was undone).

Lines are streamed in (connection, account, date, id) order through a server-side cursor, `BATCH` rows at
a time, so a million lines cost the memory of one batch. PostgreSQL sorts them (a bank's account and the
books' dates live only in the JSON, so no index gives this order); each record's JSON is parsed once, behind
an `OFFSET 0` fence, for the sort keys.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import orjson
from sqlalchemy import Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

Source = Literal["Banking", "Accounting"]
BANKING: Source = "Banking"
ACCOUNTING: Source = "Accounting"
SOURCES: tuple[Source, ...] = (BANKING, ACCOUNTING)

# Rows fetched from the server-side cursor at a time.
BATCH = 2000


@dataclass(frozen=True)
class _Kind:
    """Where one source's accounts and transactions are stored, and which properties carry what."""

    accounts: str
    transactions: str
    dated_by: str


_KINDS: dict[Source, _Kind] = {
    BANKING: _Kind("banking-accounts", "banking-transactions", "postedDate"),
    ACCOUNTING: _Kind("bankAccounts", "bankTransactions", "clearedOnDate"),
}


@dataclass(frozen=True)
class BankAccountRef:
    """A bank account as its bank or the books describe it."""

    source: Source
    connection_id: uuid.UUID
    platform_key: str
    account_id: str
    name: str
    currency: str
    account_number: str | None  # IBAN, sort code and number, or the masked number: as the record has it
    balance: Decimal | None
    record: dict[str, Any]


@dataclass(frozen=True)
class BankLine:
    """One movement of money on a bank account: a line of a bank statement, or the books' record of one."""

    source: Source
    connection_id: uuid.UUID
    platform_key: str
    account_id: str
    transaction_id: str
    date: date
    amount: Decimal  # money into the account positive
    currency: str
    description: str
    merchant_name: str | None
    platform_category: str | None  # the platform's own category name (a bank's `transactionCategoryRef`)
    record: dict[str, Any]


def _sources(source: Source | None) -> tuple[Source, ...]:
    if source is None:
        return SOURCES
    if source not in _KINDS:
        raise ValueError(f"unknown bank data source {source!r}: one of {', '.join(SOURCES)}")
    return (source,)


def _decimal(value: Any) -> Decimal | None:
    kind = type(value)
    if kind is not float and kind is not int and kind is not str:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _deleted(record: Mapping[str, Any]) -> bool:
    metadata = record.get("metadata")
    return isinstance(metadata, dict) and metadata.get("isDeleted") is True


# The company's records of one data type, with the connection's platform. `:account` NULL reads every
# account. The account and date are read once per record (the fence) and sort the lines.
_RECORDS = text(
    """
    SELECT r.connection_id, r.platform_key, r.record_id, r.data
    FROM (
        SELECT r.connection_id, c.integration_key AS platform_key, r.record_id, r.data::text AS data,
               r.data::jsonb AS j
        FROM connections c
        JOIN records r ON r.connection_id = c.id
        WHERE c.company_id = :company AND r.data_type = :data_type AND NOT r.is_deleted
        OFFSET 0
    ) AS r
    WHERE (CAST(:account AS text) IS NULL OR r.j ->> 'accountId' = :account)
    ORDER BY r.connection_id, r.j ->> 'accountId' COLLATE "C", left(r.j ->> :dated_by, 10) COLLATE "C",
             r.record_id COLLATE "C"
    """
).bindparams(bindparam("company", type_=Uuid))


async def _rows(
    session: AsyncSession,
    company_id: uuid.UUID,
    data_type: str,
    *,
    dated_by: str = "id",
    account_id: str | None = None,
) -> AsyncIterator[tuple[uuid.UUID, str, dict[str, Any]]]:
    """The records, streamed: `(connection id, platform key, record)`, deleted ones left out. Rows come
    `BATCH` at a time from the cursor, and each batch is handed over whole (one switch between the driver
    and this code per batch, not per row)."""
    params = {"company": company_id, "data_type": data_type, "account": account_id, "dated_by": dated_by}
    result = await session.stream(_RECORDS, params, execution_options={"yield_per": BATCH})
    async for rows in result.partitions(BATCH):
        for connection_id, platform_key, _record_id, data in rows:
            record = orjson.loads(data)
            if isinstance(record, dict) and not _deleted(record):
                yield connection_id, platform_key, record


def _account_number(source: Source, record: Mapping[str, Any]) -> str | None:
    if source == BANKING:
        ids = record.get("identifiers")
        if not isinstance(ids, dict):
            return None
        return _text(ids.get("iban")) or _text(ids.get("number")) or _text(ids.get("maskedAccountNumber"))
    sort_code, number = _text(record.get("sortCode")), _text(record.get("accountNumber"))
    if sort_code and number:
        return f"{sort_code} {number}"
    return _text(record.get("iBan")) or number


def _account(
    source: Source, connection_id: uuid.UUID, platform_key: str, record: dict[str, Any]
) -> BankAccountRef | None:
    account_id = _text(record.get("id"))
    if account_id is None:
        return None
    if source == BANKING:
        name = _text(record.get("name")) or _text(record.get("informalName"))
        balance = record.get("balance")
        current = _decimal(balance.get("current")) if isinstance(balance, dict) else None
    else:
        name = _text(record.get("accountName"))
        current = _decimal(record.get("balance"))
    return BankAccountRef(
        source=source,
        connection_id=connection_id,
        platform_key=platform_key,
        account_id=account_id,
        name=name or account_id,
        currency=_text(record.get("currency")) or "",
        account_number=_account_number(source, record),
        balance=current,
        record=record,
    )


async def bank_accounts(
    session: AsyncSession, company_id: uuid.UUID, *, source: Source | None = None
) -> list[BankAccountRef]:
    """The company's bank accounts at its banks and in its books, in (source, connection, account id)
    order."""
    accounts = []
    for each in _sources(source):
        async for connection_id, platform_key, record in _rows(session, company_id, _KINDS[each].accounts):
            account = _account(each, connection_id, platform_key, record)
            if account is not None:
                accounts.append(account)
    return accounts


def _line(
    source: Source,
    dated_by: str,
    connection_id: uuid.UUID,
    platform_key: str,
    record: dict[str, Any],
    currencies: Mapping[tuple[uuid.UUID, str], str],
) -> BankLine | None:
    """The record as a line, or None when it lacks what makes one (an id, an account, a date, an amount).
    Runs once per line of a million: plain lookups, no helper but where a value needs checking."""
    get = record.get
    transaction_id, account_id = get("id"), get("accountId")
    if type(transaction_id) is not str or type(account_id) is not str or not transaction_id or not account_id:
        return None
    day, amount = _day(get(dated_by)), _decimal(get("amount"))
    if day is None or amount is None:
        return None
    category = get("transactionCategoryRef")
    return BankLine(
        source=source,
        connection_id=connection_id,
        platform_key=platform_key,
        account_id=account_id,
        transaction_id=transaction_id,
        date=day,
        amount=amount,
        currency=_text(get("currency")) or currencies.get((connection_id, account_id), ""),
        description=_text(get("description")) or "",
        merchant_name=_text(get("merchantName")),
        platform_category=_text(category.get("name")) if type(category) is dict else None,
        record=record,
    )


async def bank_lines(
    session: AsyncSession,
    company_id: uuid.UUID,
    *,
    source: Source | None = None,
    account_id: str | None = None,
) -> AsyncIterator[BankLine]:
    """The company's bank lines (banks' first, then the books'), in (connection, account, date, id)
    order, streamed; `account_id` keeps one account's."""
    for each in _sources(source):
        kind = _KINDS[each]
        currencies = {
            (a.connection_id, a.account_id): a.currency
            for a in await bank_accounts(session, company_id, source=each)
        }
        rows = _rows(session, company_id, kind.transactions, dated_by=kind.dated_by, account_id=account_id)
        async for connection_id, platform_key, record in rows:
            line = _line(each, kind.dated_by, connection_id, platform_key, record, currencies)
            if line is not None:
                yield line
