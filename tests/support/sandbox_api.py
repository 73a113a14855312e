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
    and within a day in the order their balances chain (the account's first begins with a balance no other
    of its day ends with)."""
    ordered: list[dict[str, Any]] = []
    by_day = sorted(transactions, key=lambda txn: txn["clearedOnDate"])
    for _day, group in groupby(by_day, key=lambda txn: txn["clearedOnDate"]):
        same = list(group)
        while same:
            if ordered:
                follows = [txn for txn in same if _opening(txn) == _pence(ordered[-1]["balance"])]
            else:
                ends = {_pence(txn["balance"]) for txn in same}
                follows = [txn for txn in same if _opening(txn) not in ends]
            chosen = (follows or same)[0]
            same.remove(chosen)
            ordered.append(chosen)
    return ordered


def _pence(value: float) -> int:
    return round(value * 100)


def _opening(txn: dict[str, Any]) -> int:
    """The balance before the transaction."""
    return _pence(txn["balance"]) - _pence(txn["amount"])
