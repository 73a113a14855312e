"""Codat's data integrity answers, read from the latest matching run (run.py): its status, summaries of what
matched (per currency, narrowed by `query=`) and the accounts or lines one by one.

The data type in the URL picks the side read and the side it was matched against: `banking-accounts` and
`banking-transactions` are the banks' (matched against the books' `bankAccounts` and `bankTransactions`);
`bankAccounts` and `accountTransactions` the books' (Codat's books-side types; the books' side of a bank
account is its `bankTransactions`, so that is the `type` of those records).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, overload

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry as connectors
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import iso
from ledgerlink.kit.errors import NotFound
from ledgerlink.kit.pagination import PageParams, fetch_query_page
from ledgerlink.kit.query import compile_query
from ledgerlink.lending.integrity import queries, run
from ledgerlink.lending.integrity.models import IntegrityRecord, IntegrityRun
from ledgerlink.records.registry import SourceType


class DataType(enum.StrEnum):
    """The spec's `dataIntegrityDataType`."""

    BANKING_ACCOUNTS = "banking-accounts"
    BANKING_TRANSACTIONS = "banking-transactions"
    BANK_ACCOUNTS = "bankAccounts"
    ACCOUNT_TRANSACTIONS = "accountTransactions"


@dataclass(frozen=True)
class Side:
    """The stored rows a URL's data type reads, and the data type they were matched against."""

    stored: str
    target: str
    transactions: bool


SIDES = {
    DataType.BANKING_ACCOUNTS: Side(run.BANK_ACCOUNTS, run.BOOKS_ACCOUNTS, False),
    DataType.BANKING_TRANSACTIONS: Side(run.BANK_LINES, run.BOOKS_LINES, True),
    DataType.BANK_ACCOUNTS: Side(run.BOOKS_ACCOUNTS, run.BANK_ACCOUNTS, False),
    DataType.ACCOUNT_TRANSACTIONS: Side(run.BOOKS_LINES, run.BANK_LINES, True),
}


async def _company_run(
    session: AsyncSession, principal: Principal, company_id: str
) -> tuple[Company, IntegrityRun | None]:
    company = await companies.get(session, principal, company_id)
    return company, await session.get(IntegrityRun, company.id)


async def _no_run_message(session: AsyncSession, company: Company) -> str:
    """Why there are no results yet: a side is not linked, or its data has not been matched yet."""
    keys = await session.scalars(
        select(Connection.integration_key).where(
            Connection.company_id == company.id, Connection.status == "Linked"
        )
    )
    kinds = {connector.info.source_type for key in keys if (connector := connectors.CONNECTORS.get(key))}
    if SourceType.BANKING not in kinds:
        return (
            "The company has no linked banking connection: data integrity matches its books against its bank."
        )
    if SourceType.ACCOUNTING not in kinds:
        return "The company has no linked accounting connection: data integrity matches its books and bank."
    return (
        "Not matched yet: matching runs once the books' and the bank's accounts and transactions are pulled."
    )


def _scope(company: Company, side: Side) -> ColumnElement[bool]:
    return and_(IntegrityRecord.company_id == company.id, IntegrityRecord.data_type == side.stored)


async def status(session: AsyncSession, principal: Principal, company_id: str, data_type: DataType) -> dict:
    """Codat's `DataIntegrityStatuses`: one item per currency of the side's lines (one for accounts)."""
    company, last = await _company_run(session, principal, company_id)
    side = SIDES[data_type]
    if last is None:
        info = {"currentStatus": run.DOES_NOT_EXIST, "statusMessage": await _no_run_message(session, company)}
        return {"metadata": [{"type": side.target, "statusInfo": info}]}
    info = {
        "lastMatched": iso(last.last_matched),
        "currentStatus": last.status,
        "statusMessage": last.status_message,
    }
    source_ids = await _connection_ids(session, company, side.stored)
    target_ids = await _connection_ids(session, company, side.target)
    connection_ids = {"source": source_ids, "target": target_ids}
    base = {"type": side.target, "statusInfo": info, "connectionIds": connection_ids}
    if not side.transactions:
        return {"metadata": [base]}
    target_range = await _date_range(session, company, side.target)
    rows = (
        await session.execute(
            select(
                IntegrityRecord.currency,
                func.min(IntegrityRecord.amount),
                func.max(IntegrityRecord.amount),
                func.min(IntegrityRecord.date),
                func.max(IntegrityRecord.date),
            )
            .where(_scope(company, side))
            .group_by(IntegrityRecord.currency)
            .order_by(IntegrityRecord.currency)
        )
    ).all()
    if not rows:
        return {"metadata": [base]}
    return {
        "metadata": [
            base
            | {
                "amounts": {"min": _number(low), "max": _number(high), "currency": currency},
                "dates": _dates((first, last_date), target_range),
            }
            for currency, low, high, first, last_date in rows
        ]
    }


Span = tuple[datetime | None, datetime | None]


def _dates(source: Span, target: Span) -> dict[str, str | None]:
    """The side's first and last dates, and the span both sides have lines in."""
    first, last = source
    dates: dict[str, str | None] = {"minDate": iso(first), "maxDate": iso(last)}
    target_first, target_last = target
    if first and last and target_first and target_last:
        overlap_first, overlap_last = max(first, target_first), min(last, target_last)
        if overlap_first <= overlap_last:
            dates |= {"minOverlappingDate": iso(overlap_first), "maxOverlappingDate": iso(overlap_last)}
    return dates


async def _connection_ids(session: AsyncSession, company: Company, data_type: str) -> list[str]:
    ids = await session.scalars(
        select(IntegrityRecord.connection_id)
        .where(IntegrityRecord.company_id == company.id, IntegrityRecord.data_type == data_type)
        .distinct()
        .order_by(IntegrityRecord.connection_id)
    )
    return [str(one) for one in ids]


async def _date_range(session: AsyncSession, company: Company, data_type: str) -> Span:
    row = (
        await session.execute(
            select(func.min(IntegrityRecord.date), func.max(IntegrityRecord.date)).where(
                IntegrityRecord.company_id == company.id, IntegrityRecord.data_type == data_type
            )
        )
    ).one()
    return row[0], row[1]


async def _results_run(session: AsyncSession, principal: Principal, company_id: str) -> Company:
    """The company, when a run has results to read (404 saying why there are none otherwise)."""
    company, last = await _company_run(session, principal, company_id)
    if last is None:
        raise NotFound(
            f"No data integrity results for company {company_id}. {await _no_run_message(session, company)}"
        )
    if last.status == run.DOES_NOT_EXIST:
        raise NotFound(f"No data integrity results for company {company_id}. {last.status_message}")
    return company


@overload
def _number(value: Decimal) -> float: ...
@overload
def _number(value: Decimal | None) -> float | None: ...
def _number(value: Decimal | None) -> float | None:
    """A decimal as JSON carries it (money is stored exactly; JSON numbers are doubles)."""
    return None if value is None else float(value)


def _percentage(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.01")) if whole else Decimal(0)


async def summaries(
    session: AsyncSession, principal: Principal, company_id: str, data_type: DataType, query: str | None
) -> dict:
    """Codat's `DataIntegritySummaries`: per currency, how much (by absolute amount and by count) of the
    side's records `query` selects have a match."""
    company = await _results_run(session, principal, company_id)
    side = SIDES[data_type]
    statement = (
        select(
            IntegrityRecord.currency,
            func.count().filter(IntegrityRecord.matched),
            func.count(),
            func.coalesce(func.sum(func.abs(IntegrityRecord.amount)).filter(IntegrityRecord.matched), 0),
            func.coalesce(func.sum(func.abs(IntegrityRecord.amount)), 0),
        )
        .where(_scope(company, side))
        .group_by(IntegrityRecord.currency)
        .order_by(IntegrityRecord.currency)
    )
    condition = compile_query(query, queries.RECORD_TARGET)
    if condition is not None:
        statement = statement.where(condition)
    found = []
    for currency, matched_count, count, matched_amount, amount in (await session.execute(statement)).all():
        total_count, matched_n = Decimal(count), Decimal(matched_count)
        found.append(
            {
                "type": side.target,
                "byAmount": {
                    "matchPercentage": _number(_percentage(matched_amount, amount)),
                    "unmatched": _number(amount - matched_amount),
                    "matched": _number(matched_amount),
                    "total": _number(amount),
                    "currency": currency,
                },
                "byCount": {
                    "matchPercentage": _number(_percentage(matched_n, total_count)),
                    "unmatched": count - matched_count,
                    "matched": matched_count,
                    "total": count,
                },
            }
        )
    return {"summaries": found}


async def details(
    session: AsyncSession, principal: Principal, company_id: str, data_type: DataType, params: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """A page of the side's records with their matches, narrowed by `query=` and ordered by `orderBy`."""
    company = await _results_run(session, principal, company_id)
    side = SIDES[data_type]
    records, total = await fetch_query_page(
        session,
        select(IntegrityRecord).where(_scope(company, side)),
        params,
        queries.RECORD_TARGET,
        default_order=queries.DEFAULT_ORDER,
    )
    return [_detail(record) for record in records], total


def _detail(record: IntegrityRecord) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "id": record.record_id,
        "type": record.data_type,
        "connectionId": str(record.connection_id),
        "description": record.description,
        "currency": record.currency,
        "matches": record.matches,
    }
    if record.date is not None:
        detail["date"] = iso(record.date)
    if record.amount is not None:
        detail["amount"] = _number(record.amount)
    return detail
