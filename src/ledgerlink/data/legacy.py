"""Older shapes Codat's older SDKs still read: a bank account as the 2023 Accounting API's
`BankStatementAccount` (`GET /companies/{companyId}/data/bankAccounts/{accountId}`)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.data import reads
from ledgerlink.records.models import Record

# The fields `BankStatementAccount` shares with the current `BankAccount`, by their current names.
_SHARED = (
    "id",
    "accountName",
    "nominalCode",
    "sortCode",
    "accountNumber",
    "currency",
    "balance",
    "availableBalance",
    "overdraftLimit",
    "institution",
    "modifiedDate",
    "sourceModifiedDate",
)


async def bank_statement_account(
    session: AsyncSession, src: reads.ReadSource, account_id: str
) -> dict[str, Any]:
    """The stored bank account in the older shape: `iban` (now `iBan`), and `fromDate`/`toDate`, the span of
    the account's bank transactions read from the same connection (absent when it has none)."""
    account = orjson.loads(await reads.one(session, src, account_id))
    view = {name: account[name] for name in _SHARED if name in account}
    if "iBan" in account:
        view["iban"] = account["iBan"]
    cleared = Record.data["clearedOnDate"].astext
    first, last = (
        await session.execute(
            select(func.min(cleared), func.max(cleared)).where(
                Record.connection_id == src.connection_id,
                Record.data_type == "bankTransactions",
                Record.is_deleted.is_(False),
                Record.data["accountId"].astext == account_id,
            )
        )
    ).one()
    if first is not None:
        view["fromDate"], view["toDate"] = first, last
    return view
