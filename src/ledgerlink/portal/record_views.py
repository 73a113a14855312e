"""What the record browser shows of the records the read API returns: a page of a list type as a table, a
single record (company info) as its fields, and a statement as lines by period. Pure functions of the JSON
the API would answer with; `portal.insights` reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from ledgerlink.kit.query import JsonProperty
from ledgerlink.portal.formats import Cell, CellKind, cell, currency_of, moment, money, words

# Properties worth a column, in order of preference; the first few a type's records have are shown.
SUMMARY_PROPERTIES = (
    "name",
    "invoiceNumber",
    "reference",
    "accountName",
    "customerName",
    "supplierName",
    "description",
    "issueDate",
    "date",
    "postedDate",
    "postedOn",
    "createdDate",
    "status",
    "type",
    "totalAmount",
    "amountDue",
    "amount",
    "balance",
    "currentBalance",
)
SUMMARY_COLUMNS = 4
# A statement period's own dates, shown as its heading rather than as a line.
PERIOD_DATES = ("fromDate", "toDate", "date")


def pretty_json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


@dataclass(frozen=True)
class RecordRow:
    record_id: str
    cells: list[Cell]
    json: str


@dataclass(frozen=True)
class RecordPage:
    """A page of a list type: the columns (in words) and, per record, its cells and its whole JSON."""

    columns: list[str]
    rows: list[RecordRow]
    total: int
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total


@dataclass(frozen=True)
class SingleRecord:
    """A type that is one record (company info): its scalar fields, in words, and its whole JSON."""

    fields: list[tuple[str, Cell]]
    json: str


@dataclass(frozen=True)
class StatementLine:
    label: str
    depth: int
    cells: list[Cell]
    # A part of the statement (`Assets`) or a figure computed from parts (`Net profit`), not an account.
    total: bool


@dataclass(frozen=True)
class StatementView:
    """A statement as the API assembles it: one column per period, most recent first, a row per line."""

    currency: str | None
    basis: str | None
    periods: list[str]
    lines: list[StatementLine]
    json: str


def summary_columns(records: list[dict[str, Any]]) -> list[str]:
    scalar = (str, int, float, bool)
    present = [
        name for name in SUMMARY_PROPERTIES if any(isinstance(record.get(name), scalar) for record in records)
    ]
    return present[:SUMMARY_COLUMNS]


def record_page(
    records: list[dict[str, Any]],
    id_field: str,
    properties: dict[str, JsonProperty],
    parent_currency: dict[str, str],
    parent_field: str | None,
    total: int,
    page: int,
    page_size: int,
) -> RecordPage:
    """`parent_currency`: the currency of each parent record (a bank account's, by id), for records that say
    theirs only through the parent named by `parent_field`."""
    columns = summary_columns(records)
    rows = []
    for record in records:
        currency = currency_of(record)
        if currency is None and parent_field is not None:
            currency = parent_currency.get(str(record.get(parent_field, "")))
        rows.append(
            RecordRow(
                str(record.get(id_field, "")),
                [cell(name, record.get(name), properties.get(name), currency) for name in columns],
                pretty_json(record),
            )
        )
    return RecordPage([words(name) for name in columns], rows, total, page, page_size)


def single_record(record: dict[str, Any], properties: dict[str, JsonProperty]) -> SingleRecord:
    currency = currency_of(record)
    fields = [
        (words(name), cell(name, value, properties.get(name), currency))
        for name, value in record.items()
        if isinstance(value, str | int | float | bool) and value != ""
    ]
    return SingleRecord(fields, pretty_json(record))


def _period(report: dict[str, Any]) -> str:
    if "fromDate" in report and "toDate" in report:
        return f"{moment(str(report['fromDate'])).text} to {moment(str(report['toDate'])).text}"
    if "date" in report:
        return f"At {moment(str(report['date'])).text}"
    return "Period"


def _amounts(values: list[Any], currency: str | None) -> list[Cell]:
    return [
        Cell(money(value, currency), CellKind.MONEY)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else Cell("")
        for value in values
    ]


def _key(line: dict[str, Any]) -> Any:
    return line.get("accountId") or line.get("name")


def _lines(found: list[dict[str, Any] | None], depth: int, currency: str | None) -> list[StatementLine]:
    """A line across the periods (absent from some, as an account opened later is) and its sub-lines,
    matched by account id or name as the API sums them."""
    first = next(line for line in found if line is not None)
    values = [line.get("value") if line else None for line in found]
    has_items = any(line and line.get("items") for line in found)
    rows = [StatementLine(str(first.get("name") or ""), depth, _amounts(values, currency), has_items)]
    order: list[Any] = []
    by_period: list[dict[Any, dict[str, Any]]] = []
    for line in found:
        items = {_key(item): item for item in (line or {}).get("items") or [] if isinstance(item, dict)}
        by_period.append(items)
        order.extend(key for key in items if key not in order)
    for key in order:
        rows.extend(_lines([items.get(key) for items in by_period], depth + 1, currency))
    return rows


def statement_view(statement: dict[str, Any]) -> StatementView:
    reports: list[dict[str, Any]] = statement.get("reports") or []
    currency = currency_of(statement)
    lines: list[StatementLine] = []
    names = [name for report in reports for name in report if name not in PERIOD_DATES]
    for name in dict.fromkeys(names):
        found = [report.get(name) for report in reports]
        if any(isinstance(value, dict) for value in found):
            parts = [value if isinstance(value, dict) else None for value in found]
            lines.extend(_lines(parts, 0, currency))
        elif any(isinstance(value, int | float) for value in found):
            lines.append(StatementLine(words(name), 0, _amounts(found, currency), True))
    return StatementView(
        currency, statement.get("reportBasis"), [_period(r) for r in reports], lines, pretty_json(statement)
    )
