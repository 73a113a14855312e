"""The workbook writer: typed cells with real number formats, frozen headers, valid unique sheet names, a
cover, and rows streamed from an async iterator."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import openpyxl
import pytest

from ledgerlink.lending import workbooks
from ledgerlink.lending.workbooks import Column, Cover, Kind, Sheet

pytestmark = pytest.mark.anyio

COVER = Cover(
    "Test report",
    "Acme [UK] Ltd",
    "6a3a5b0e-0000-4000-8000-000000000001",
    datetime(2026, 12, 6, 11, 0, tzinfo=UTC),
    pulls=[("invoices", "conn", "pull-1", datetime(2026, 12, 6, 10, 0, tzinfo=UTC))],
    notes=[("Months covered", "2024-01-01 to 2026-12-01")],
)


async def streamed(count: int) -> AsyncIterator[tuple[object, ...]]:
    for n in range(count):
        yield (f"row {n}", n * 1.5)


async def test_cells_keep_their_kinds_formats_and_the_header_stays_frozen() -> None:
    columns = [
        Column("Name"),
        Column("Amount", Kind.MONEY),
        Column("Share", Kind.PERCENT),
        Column("On", Kind.DATE),
        Column("Count", Kind.INTEGER),
    ]
    rows = [
        ('=HYPERLINK("x")', 1234.5, 0.25, "2025-03-31T00:00:00Z", 7),
        ("no date", -10, None, "not a date", None),
        ("date value", 0, 1, date(2024, 2, 29), 3),
    ]
    sheets = [Sheet("Profit/Loss: 2025?", columns, rows), Sheet("profit loss  2025", [Column("x")], [])]
    with await workbooks.write(COVER, sheets) as content:
        book = openpyxl.load_workbook(io.BytesIO(content.read()))
    assert book.sheetnames == ["Cover", "Profit Loss 2025", "profit loss 2025 (2)"]
    sheet = book["Profit Loss 2025"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["Name", "Amount", "Share", "On", "Count"]
    name, amount, share, on, count = sheet[2]
    # Text is never a formula.
    assert name.data_type == "s" and name.value == '=HYPERLINK("x")'
    assert amount.value == 1234.5 and amount.number_format == "#,##0.00;[Red]-#,##0.00"
    assert share.value == 0.25 and share.number_format == "0.00%"
    assert on.is_date and on.value == datetime(2025, 3, 31) and on.number_format == "yyyy-mm-dd"
    assert count.value == 7 and count.number_format == "#,##0"
    # A date that is not one stays visible as text; an empty value is an empty cell.
    assert sheet["D3"].value == "not a date" and sheet["C3"].value is None
    assert sheet["D4"].value == datetime(2024, 2, 29)
    assert sheet.column_dimensions["B"].width >= 16
    cover = book["Cover"]
    values = [[c.value for c in row] for row in cover.iter_rows()]
    assert ["Company", "Acme [UK] Ltd", None, None] in values
    assert ["invoices", "conn", "pull-1", datetime(2026, 12, 6, 10, 0)] in values
    assert ["Months covered", "2024-01-01 to 2026-12-01", None, None] in values


async def test_rows_stream_from_an_async_iterator() -> None:
    sheet = Sheet("Many", [Column("Name"), Column("Value", Kind.NUMBER)], streamed(30_000))
    with await workbooks.write(COVER, [sheet]) as content:
        book = openpyxl.load_workbook(io.BytesIO(content.read()), read_only=True)
    rows = list(book["Many"].iter_rows(values_only=True))
    assert len(rows) == 30_001 and rows[-1] == ("row 29999", 29999 * 1.5)


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    assert workbooks.sheet_name("x" * 40, taken) == "x" * 31
    assert workbooks.sheet_name("X" * 40, taken) == "X" * 27 + " (2)"
    assert workbooks.sheet_name("'[]'", taken) == "Sheet"


async def test_a_table_longer_than_a_sheet_goes_on_in_another(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbooks, "MAX_ROWS", 4)  # a header and three rows a sheet
    sheet = Sheet("Invoices", [Column("Name"), Column("Value", Kind.NUMBER)], streamed(7))
    with await workbooks.write(COVER, [sheet]) as content:
        book = openpyxl.load_workbook(io.BytesIO(content.read()))
    assert book.sheetnames == ["Cover", "Invoices", "Invoices (2)", "Invoices (3)"]
    rows = [row for name in book.sheetnames[1:] for row in book[name].iter_rows(min_row=2, values_only=True)]
    assert rows == [(f"row {n}", n * 1.5) for n in range(7)]
    for name, last in (("Invoices", 4), ("Invoices (2)", 4), ("Invoices (3)", 2)):
        assert book[name].freeze_panes == "A2" and book[name]["A1"].value == "Name"
        assert book[name].auto_filter.ref == f"A1:B{last}"
