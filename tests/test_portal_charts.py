"""The Portal's charts as drawn on the server: the SVG parsed back, checked as a reader sees it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree

from ledgerlink.portal import charts
from ledgerlink.portal.charts import Duration

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def parsed(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))


def pull(data_type: str, minutes: int, seconds: float) -> Duration:
    return Duration(data_type, T0 + timedelta(minutes=minutes), seconds)


def test_durations_are_one_line_per_data_type_in_time_order_with_a_legend_and_axes() -> None:
    # Interleaved pulls of three types: joined in one line, invoices' 40 s would read as a trend between
    # two unrelated pulls of other types.
    pulls = [
        pull("invoices", 0, 40.0),
        pull("accounts", 5, 2.0),
        pull("invoices", 60, 30.0),
        pull("bills", 61, 12.5),
        pull("accounts", 120, 3.0),
        pull("invoices", 30, 35.0),
    ]
    svg = parsed(charts.sync_durations(pulls))

    series = svg.findall(f"{SVG}g[@class='series']")
    assert [g.get("data-type") for g in series] == ["accounts", "bills", "invoices"]
    dots = {g.get("data-type"): g.findall(f"{SVG}circle") for g in series}
    assert {key: len(found) for key, found in dots.items()} == {"accounts": 2, "bills": 1, "invoices": 3}
    # Each line joins its own type's pulls, left to right in the order they completed.
    invoices = next(g for g in series if g.get("data-type") == "invoices")
    points = [
        tuple(map(float, xy.split(","))) for xy in invoices.find(f"{SVG}polyline").get("points").split()
    ]
    assert [x for x, _ in points] == sorted(x for x, _ in points)
    # Slower is higher (smaller y): 40 s, then 35 s, then 30 s.
    assert [y for _, y in points] == sorted(y for _, y in points)
    assert dots["invoices"][0].find(f"{SVG}title").text.startswith("invoices: 40 s, completed")
    # A type pulled once is a dot, not a line.
    assert next(g for g in series if g.get("data-type") == "bills").find(f"{SVG}polyline") is None

    legend = [g.find(f"{SVG}text").text for g in svg.findall(f"{SVG}g[@class='legend-entry']")]
    assert legend == ["accounts", "bills", "invoices"]
    strokes = {g.find(f"{SVG}line").get("stroke") for g in svg.findall(f"{SVG}g[@class='legend-entry']")}
    assert len(strokes) == 3

    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Duration (seconds)" in texts and "Completed (UTC)" in texts
    # The seconds axis: round steps up to the longest pull, with its unit.
    assert [t for t in texts if t.endswith(" s")] == ["0 s", "10 s", "20 s", "30 s", "40 s"]
    assert "2026-03-01 09:00" in texts and "2026-03-01 11:00" in texts
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Sync durations per data type"
    assert svg.find(f"{SVG}desc").text == (
        "6 pulls of 3 data types finished between 2026-03-01 09:00 and 2026-03-01 11:00 UTC; "
        "the longest, invoices, took 40 s."
    )


def test_the_seconds_axis_has_round_steps() -> None:
    assert charts._seconds_axis(2.3) == (1.0, 3)
    assert charts._seconds_axis(0.8) == (0.2, 4)
    assert charts._seconds_axis(40.0) == (10.0, 4)
    assert charts._seconds_axis(0.0) == (1.0, 1)


def test_many_data_types_keep_lines_that_look_different() -> None:
    pulls = [pull(f"type{n:02d}", n, 1.0 + n) for n in range(24)]
    series = charts.duration_series(pulls)
    assert len({(line.colour, line.dash) for line in series}) == 24


def test_no_finished_pull_says_so() -> None:
    svg = parsed(charts.sync_durations([]))
    assert svg.find(f"{SVG}desc").text == "No pull has finished yet."
    assert svg.findall(f"{SVG}g[@class='series']") == []


def test_records_per_type_are_bars_largest_first() -> None:
    svg = parsed(charts.records_per_type([charts.Bar("bills", 3), charts.Bar("invoices", 1349)]))
    labels = [g.find(f"{SVG}text").text for g in svg.findall(f"{SVG}g")]
    assert labels == ["invoices", "bills"]
    assert svg.find(f"{SVG}desc").text == (
        "1,352 records across 2 data types; the most are invoices (1,349)."
    )


def test_aged_amounts_are_bars_in_the_report_s_order_sized_to_their_amounts_a_net_credit_marked() -> None:
    labels = ("1–30 days", "31–60 days", "Over 60 days")
    amounts = (Decimal("100.00"), Decimal("-25.50"), Decimal("50"))
    svg = parsed(charts.aged_amounts(labels, amounts, "GBP", "aged", "Aged debtors by period (GBP)"))

    assert svg.get("role") == "img" and svg.find(f"{SVG}title").text == "Aged debtors by period (GBP)"
    description = svg.find(f"{SVG}desc").text
    assert description.startswith("124.50 GBP outstanding in all across 3 periods")
    bars = svg.findall(f".//{SVG}rect")
    assert [bar.get("class") for bar in bars] == ["bar", "bar negative", "bar"]
    widths = [float(bar.get("width")) for bar in bars]
    assert widths[0] == 2 * widths[2] and abs(widths[1] - widths[0] * 0.255) < 0.1
    assert [t.text for t in svg.findall(f".//{SVG}text[@class='amount']")] == ["100.00", "-25.50", "50.00"]


def test_figures_per_period_are_grouped_columns_from_a_zero_axis_with_a_legend() -> None:
    labels = ("Jan 2026", "Feb 2026", "Mar 2026")
    series = [
        charts.PeriodSeries("Existing", (Decimal(10), Decimal(0), Decimal(30))),
        charts.PeriodSeries("New", (Decimal(5), Decimal(-20), Decimal(15))),
    ]
    svg = parsed(charts.period_chart("c", "Customers", labels, series, unit="", axis_title="Customers"))

    groups = svg.findall(f"{SVG}g[@class='series']")
    assert [g.get("data-series") for g in groups] == ["Existing", "New"]
    columns = {g.get("data-series"): g.findall(f"{SVG}rect") for g in groups}
    assert [r.find(f"{SVG}title").text for r in columns["New"]] == [
        "New, Jan 2026: 5",
        "New, Feb 2026: -20",
        "New, Mar 2026: 15",
    ]
    # Heights are to scale from the zero line; a negative figure hangs below it and is marked.
    heights = [float(r.get("height")) for r in columns["Existing"]]
    assert heights[1] == 0 and abs(heights[2] - 3 * heights[0]) < 0.2
    assert columns["New"][1].get("class") == "column negative"
    zero = next(
        line
        for line in svg.findall(f"{SVG}line")
        if line.get("class") == "axis" and line.get("y1") == line.get("y2")
    )
    assert float(columns["New"][1].get("y")) == float(zero.get("y1"))
    assert float(columns["Existing"][2].get("y")) + heights[2] == float(zero.get("y1"))
    # Columns of a period sit side by side, left to right in period order.
    xs = [float(r.get("x")) for r in columns["Existing"]]
    assert xs == sorted(xs) and float(columns["New"][0].get("x")) > xs[0]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"Jan 2026", "Feb 2026", "Mar 2026", "Customers", "Existing", "New"} <= set(texts)
    # Round steps up the side, covering the lowest and highest figure.
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert ticks == ["-20", "0", "20", "40"]
    assert svg.find(f"{SVG}desc").text == (
        "3 periods from Jan 2026 to Mar 2026. Existing: 10 in Jan 2026, 30 in Mar 2026; highest 30 in "
        "Mar 2026. New: 5 in Jan 2026, 15 in Mar 2026; highest 15 in Mar 2026."
    )


def test_a_rate_per_period_is_a_line_broken_where_a_period_has_no_value() -> None:
    labels = tuple(f"2026-0{n}-01" for n in range(1, 6))
    rate = charts.PeriodSeries(
        "Matched", (Decimal("50"), Decimal("75.5"), None, Decimal("100"), Decimal("90"))
    )
    svg = parsed(charts.period_chart("m", "Match rate", labels, [rate], unit="%", axis_title="%", lines=True))

    (group,) = svg.findall(f"{SVG}g[@class='series']")
    assert [c.find(f"{SVG}title").text for c in group.findall(f"{SVG}circle")] == [
        "Matched, 2026-01-01: 50.00%",
        "Matched, 2026-02-01: 75.50%",
        "Matched, 2026-04-01: 100.00%",
        "Matched, 2026-05-01: 90.00%",
    ]
    # Two runs: the line does not bridge the month without a value.
    assert [len(p.get("points").split()) for p in group.findall(f"{SVG}polyline")] == [2, 2]
    assert svg.findall(f"{SVG}g[@class='legend-entry']") == []
    assert "100%" in [t.text for t in svg.iter(f"{SVG}text")]
    assert "highest 100.00% in 2026-04-01" in svg.find(f"{SVG}desc").text


def test_long_series_names_take_fewer_legend_columns() -> None:
    labels = ("Jan 2026", "Feb 2026")
    names = ("Business Current Account", "Business Savings Account", "Euro Business Account")
    series = [charts.PeriodSeries(name, (Decimal(1), Decimal(2))) for name in names]
    svg = parsed(charts.period_chart("l", "Rates", labels, series, unit="%", axis_title="%", lines=True))

    swatches = [float(g.find(f"{SVG}rect").get("x")) for g in svg.findall(f"{SVG}g[@class='legend-entry']")]
    # Two columns of at least the longest name's width: the third entry starts a second row.
    assert swatches[0] == swatches[2] and swatches[1] - swatches[0] >= 28 + 7 * len(names[0])
