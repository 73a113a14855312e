"""Excel workbooks from sheets of typed rows: what every Lending workbook (the `assess/excel` reports, the
credit model's) is written with.

XlsxWriter in `constant_memory` mode writes each row to disk as it comes, so a sheet of a million rows costs
the memory of one row: a sheet's rows may be any iterable, read once, in order. A column's kind gives its
cells a real Excel number format (money with two decimals, percentages, dates as dates), so an analyst's
formulas work on them; every sheet has its header row frozen and its columns sized for their kind.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, BinaryIO, cast

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ledgerlink.kit.clock import iso
from ledgerlink.kit.query import parse_datetime

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's own limits: a sheet name's length and the characters it may not hold, rows per sheet (a longer
# table goes on in another sheet).
MAX_SHEET_NAME = 31
_FORBIDDEN_IN_SHEET_NAME = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
MAX_ROWS = 1_048_576
MAX_TEXT = 32_767
# Where a workbook is assembled before it is stored: memory up to this size, then a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024
YIELD_EVERY = 5_000


class Kind(StrEnum):
    """What a column holds, which decides its cells' number format and its width."""

    TEXT = "text"
    MONEY = "money"
    NUMBER = "number"
    INTEGER = "integer"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"


_NUMBER_FORMATS = {
    Kind.MONEY: "#,##0.00;[Red]-#,##0.00",
    Kind.NUMBER: "#,##0.00##",
    Kind.INTEGER: "#,##0",
    Kind.PERCENT: "0.00%",
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm:ss",
}
_WIDTHS = {
    Kind.TEXT: 24,
    Kind.MONEY: 16,
    Kind.NUMBER: 14,
    Kind.INTEGER: 10,
    Kind.PERCENT: 10,
    Kind.DATE: 12,
    Kind.DATETIME: 20,
}


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    # Characters; by default the kind's width, or the header's length when longer.
    width: float | None = None

    def shown_width(self) -> float:
        return self.width or max(_WIDTHS[self.kind], min(len(self.header) + 2, 60))


@dataclass(frozen=True)
class Typed:
    """A cell whose kind is not its column's: a table whose rows are measures of different kinds (money,
    ratios, percentages) side by side in columns per period."""

    value: Any
    kind: Kind


@dataclass(frozen=True)
class Sheet:
    """One table: a header row of its columns, then its rows (each a sequence of values in column order;
    None is an empty cell), read once: a list, or an async iterator streaming them from the database. Dates
    may be `date`/`datetime` values or ISO-8601 text."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]] | AsyncIterable[Sequence[Any]]


@dataclass(frozen=True)
class Cover:
    """The first sheet: whose books, when the workbook was made, and from which pulls (so a figure can be
    traced to the data it was computed from)."""

    title: str
    company_name: str
    company_id: str
    generated: datetime
    # (data type, connection id, pull operation id, when the pull completed), one per data type read.
    pulls: Sequence[tuple[str, str, str | None, datetime | None]] = ()
    # Further lines (label, value) a report wants under the title: its periods, what it left out.
    notes: Sequence[tuple[str, str]] = field(default_factory=tuple)


def report_pulls(pulls: Sequence[dict[str, Any]]) -> list[tuple[str, str, str | None, datetime | None]]:
    """A stored report's `sourceDatasets` as the cover lists them."""
    return [
        (
            pull["dataType"],
            pull["connectionId"],
            pull["datasetId"],
            parse_datetime(pull["completed"]) if pull.get("completed") else None,
        )
        for pull in pulls
    ]


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid sheet name, unique in the workbook (Excel compares them case-insensitively)."""
    cleaned = " ".join(name.translate(_FORBIDDEN_IN_SHEET_NAME).split()).strip("' ")
    base = cleaned[:MAX_SHEET_NAME].rstrip() or "Sheet"
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: MAX_SHEET_NAME - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


async def write(cover: Cover, sheets: Iterable[Sheet]) -> BinaryIO:
    """The workbook, rewound, in a spooled temporary file the caller closes."""
    target = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  # handed to the caller
    try:
        # A figure that is not a number shows as an Excel error (NaN #NUM!, infinity #DIV/0!), not a failure.
        options = {"constant_memory": True, "remove_timezone": True, "nan_inf_to_errors": True}
        workbook = xlsxwriter.Workbook(target, options)
        formats = _formats(workbook)
        taken: set[str] = set()
        _write_cover(workbook.add_worksheet(sheet_name("Cover", taken)), cover, formats)
        for sheet in sheets:
            await _write_sheet(workbook, sheet, formats, taken)
        # Zipping the sheets' temporary files is the long part of a large workbook: off the event loop.
        await asyncio.to_thread(workbook.close)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return cast(BinaryIO, target)  # (a spooled file is one; typeshed types it as IO[bytes])


def _formats(workbook: xlsxwriter.Workbook) -> dict[str, Format]:
    formats = {
        str(kind): workbook.add_format({"num_format": pattern}) for kind, pattern in _NUMBER_FORMATS.items()
    }
    formats["header"] = workbook.add_format(
        {"bold": True, "bottom": 1, "bg_color": "#DDE4EE", "text_wrap": True}
    )
    formats["title"] = workbook.add_format({"bold": True, "font_size": 14})
    formats["label"] = workbook.add_format({"bold": True})
    return formats


def _write_cover(worksheet: Worksheet, cover: Cover, formats: dict[str, Format]) -> None:
    worksheet.set_column(0, 0, 28)
    worksheet.set_column(1, 3, 40)
    worksheet.write_string(0, 0, cover.title, formats["title"])
    lines: list[tuple[str, str | datetime]] = [
        ("Company", cover.company_name),
        ("Company ID", cover.company_id),
        ("Generated (UTC)", cover.generated),
        *cover.notes,
    ]
    row = 2
    for label, value in lines:
        worksheet.write_string(row, 0, label, formats["label"])
        if isinstance(value, datetime):
            worksheet.write_datetime(row, 1, value, formats[Kind.DATETIME])
        else:
            worksheet.write_string(row, 1, _text(value))
        row += 1
    row += 1
    for column, header in enumerate(("Data type", "Connection ID", "Pull operation ID", "Pulled (UTC)")):
        worksheet.write_string(row, column, header, formats["header"])
    for data_type, connection_id, pull_id, completed in cover.pulls:
        row += 1
        worksheet.write_string(row, 0, data_type)
        worksheet.write_string(row, 1, connection_id)
        worksheet.write_string(row, 2, pull_id or "")
        if completed is not None:
            worksheet.write_datetime(row, 3, completed, formats[Kind.DATETIME])


async def _write_sheet(
    workbook: xlsxwriter.Workbook, sheet: Sheet, formats: dict[str, Format], taken: set[str]
) -> None:
    """The sheet's rows under its header; past Excel's last row, on in a sheet of the same name and
    columns (`Invoices (2)`), as many as it takes. Each gets a filter on its header row."""
    worksheet = _started(workbook.add_worksheet(sheet_name(sheet.name, taken)), sheet, formats)
    kinds = [column.kind for column in sheet.columns]
    last = len(kinds) - 1
    row = 0
    async for values in _rows(sheet.rows):
        if row == MAX_ROWS - 1:
            worksheet.autofilter(0, 0, row, last)
            worksheet = _started(workbook.add_worksheet(sheet_name(sheet.name, taken)), sheet, formats)
            row = 0
        row += 1
        for index, (kind, value) in enumerate(zip(kinds, values, strict=False)):
            _write_cell(worksheet, row, index, kind, value, formats)
    worksheet.autofilter(0, 0, row, last)


def _started(worksheet: Worksheet, sheet: Sheet, formats: dict[str, Format]) -> Worksheet:
    # In constant memory, widths and the frozen row are set before any row is written.
    for index, column in enumerate(sheet.columns):
        worksheet.set_column(index, index, column.shown_width())
    worksheet.freeze_panes(1, 0)
    for index, column in enumerate(sheet.columns):
        worksheet.write_string(0, index, column.header, formats["header"])
    return worksheet


async def _rows(rows: Iterable[Sequence[Any]] | AsyncIterable[Sequence[Any]]) -> AsyncIterator[Sequence[Any]]:
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield row
        return
    for count, row in enumerate(rows, 1):
        yield row
        if count % YIELD_EVERY == 0:  # a long list must not hold the worker's loop (heartbeats) for long
            await asyncio.sleep(0)


def _write_cell(
    worksheet: Worksheet, row: int, column: int, kind: Kind, value: Any, formats: dict[str, Format]
) -> None:
    if isinstance(value, Typed):
        kind, value = value.kind, value.value
    if value is None or value == "":
        return
    if kind is Kind.TEXT:
        worksheet.write_string(row, column, _text(value))
    elif kind in (Kind.DATE, Kind.DATETIME):
        moment = _moment(value)
        if moment is None:
            worksheet.write_string(row, column, _text(value))
        else:
            worksheet.write_datetime(row, column, moment, formats[kind])
    elif isinstance(value, bool) or not isinstance(value, int | float):
        worksheet.write_string(row, column, _text(value))
    else:
        worksheet.write_number(row, column, value, formats[kind])


def _moment(value: Any) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    text = iso(value) if isinstance(value, datetime) else str(value)
    return text[:MAX_TEXT]
