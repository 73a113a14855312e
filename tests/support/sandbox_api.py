"""An Accounting Sandbox's books read back through the server's read API, in the shape the Sandbox's own
tests check (`sandbox_books.check_coherence`): every data type of `documents.DATA_TYPES` by id, statements by
month (``YYYY-MM``), the company info under "_"; and under "deleted", by data type, the ids of the records
read back flagged deleted (`metadata.isDeleted`), which are no longer part of the books."""

from __future__ import annotations

from itertools import groupby
from typing import Any

import httpx

from ledgerlink.connectors.sandbox import documents
from ledgerlink.records import registry
from tests.support.pulls import read_all

# The read API gives at most this many monthly periods at once (`data.statements.MAX_PERIODS`): the books'
# last two years, which is every month a write in these tests posts to.
STATEMENT_MONTHS = 24


def read_books(api: httpx.Client, company_id: str, connection_id: str) -> dict[str, dict[str, Any]]:
    company = f"/companies/{company_id}/data"
    connection = f"/companies/{company_id}/connections/{connection_id}/data"
    snap: dict[str, dict[str, Any]] = {}
    for data_type in documents.LIST_TYPES:
        declared = registry.BY_KEY[data_type]
        base = company if declared.scope == registry.Scope.COMPANY else connection
        if data_type == "bankTransactions":
            # Per account, in the order of their running balances.
            records = [
                txn
                for account_id in snap["bankAccounts"]
                for txn in in_running_order(
                    read_all(api, f"{base}/bankAccounts/{account_id}/bankTransactions")
                )
            ]
        else:
            records = read_all(api, f"{base}/{declared.path}")
        by_id = {record["id"]: record for record in records}
        assert len(by_id) == len(records), f"duplicate ids in {data_type}"
        # A record the platform deleted stays readable, flagged, in the types with Codat's deletion flag.
        snap[data_type] = {i: r for i, r in by_id.items() if not (r.get("metadata") or {}).get("isDeleted")}
        deleted = {i for i in by_id if i not in snap[data_type]}
        if deleted:
            snap.setdefault("deleted", {})[data_type] = deleted
    info = api.get(f"{company}/info")
    assert info.status_code == 200, info.text
    snap["company"] = {"_": info.json()}
    for data_type in documents.STATEMENT_TYPES:
        answer = api.get(
            f"{company}/{registry.BY_KEY[data_type].path}",
            params={"periodLength": 1, "periodsToCompare": STATEMENT_MONTHS},
        )
        assert answer.status_code == 200, answer.text
        snap[data_type] = {
            (report.get("date") or report["fromDate"])[:7]: report for report in answer.json()["reports"]
        }
    return snap


def in_running_order(transactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One account's transactions in the order their running balances were written: each one's balance is
    the one before plus its amount. The read API orders them by id; here they go by the day they cleared,
    and within a day in an order whose balances chain from the day before's last (the account's first day
    from any of its transactions). Lines that leave the balance where it was (a payout and its reversal)
    make several orders chain; any of them is the books' as far as balances tell, so the search backtracks
    rather than take the first candidate. A day that chains in no order is returned as read, for the
    coherence check to report."""
    ordered: list[dict[str, Any]] = []
    by_day = sorted(transactions, key=lambda txn: txn["clearedOnDate"])
    for _day, group in groupby(by_day, key=lambda txn: txn["clearedOnDate"]):
        same = list(group)
        starts = [_pence(ordered[-1]["balance"])] if ordered else sorted({_opening(txn) for txn in same})
        ordered += next(filter(None, (_chain(same, start) for start in starts)), same)
    return ordered


def _chain(day: list[dict[str, Any]], start: int) -> list[dict[str, Any]] | None:
    """`day`'s transactions in an order whose running balances chain from `start`, or None if none does."""
    used = [False] * len(day)
    path: list[dict[str, Any]] = []

    def extend(balance: int) -> bool:
        if len(path) == len(day):
            return True
        tried: set[int] = set()
        for i, txn in enumerate(day):
            amount = _pence(txn["amount"])
            if used[i] or _opening(txn) != balance or amount in tried:
                continue
            tried.add(amount)  # lines alike in amount lead to the same balances: one of them is enough
            used[i] = True
            path.append(txn)
            if extend(balance + amount):
                return True
            used[i] = False
            path.pop()
        return False

    return path if extend(start) else None


def _pence(value: float) -> int:
    return round(value * 100)


def _opening(txn: dict[str, Any]) -> int:
    """The balance before the transaction."""
    return _pence(txn["balance"]) - _pence(txn["amount"])
