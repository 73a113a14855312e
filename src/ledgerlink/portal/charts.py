"""The Portal's charts: server-rendered inline SVG with a title and a description (a table says the same)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 640
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 210
VALUE_WIDTH = 70


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True)
class Duration:
    data_type: str
    completed: datetime
    seconds: float


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:,.1f}"


def _svg(chart_id: str, title: str, description: str, height: int, body: list[str]) -> Markup:
    # role="img" with aria-labelledby: screen readers announce the title and description, not every shape.
    name = escape(chart_id)
    head = (
        f'<svg class="chart" id="{name}" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{name}-title {name}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{name}-title">{escape(title)}</title>'
        f'<desc id="{name}-desc">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def records_per_type(bars: list[Bar], chart_id: str = "records-chart") -> Markup:
    """Horizontal bars: how many records of each data type the company has."""
    bars = sorted(bars, key=lambda bar: (-bar.value, bar.label))
    largest = max((bar.value for bar in bars), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = max(len(bars), 1) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    body = []
    for index, bar in enumerate(bars):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        width = max(bar.value / largest * span, 1 if bar.value else 0)
        middle = y + BAR_HEIGHT / 2 + 4
        body.append(
            f"<g><title>{escape(bar.label)}: {bar.value:,} records</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{middle:.1f}" text-anchor="end">{escape(bar.label)}</text>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
            'rx="3"></rect>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{middle:.1f}">{bar.value:,}</text></g>'
        )
    total = sum(bar.value for bar in bars)
    if bars:
        most = bars[0]
        description = (
            f"{total:,} records across {len(bars)} data types; the most are {most.label} ({most.value:,})."
        )
    else:
        description = "No records have been synced yet."
    return _svg(chart_id, "Records per data type", description, height, body)


# Series colours: each has at least 4.5:1 contrast on white; with three dash styles, 24 series look different.
PALETTE = ("#0072B2", "#C2410C", "#047857", "#7B3294", "#8A5A00", "#BE185D", "#4B5563", "#0E7490")
DASHES = ("", "6 3", "2 3")
LEGEND_COLUMNS = 3
# About how wide a legend's character is at the charts' 12px, for fitting names to the legend's columns.
LEGEND_CHARACTER = 7
LEGEND_ROW = 20
Y_TICKS = 4


@dataclass(frozen=True)
class Series:
    """One data type's finished pulls, oldest first: the line the durations chart draws for it."""

    data_type: str
    points: tuple[Duration, ...]
    colour: str
    dash: str


def duration_series(durations: list[Duration]) -> list[Series]:
    """The pulls grouped by data type (a pull of one type says nothing about the next pull of another),
    each in time order, in the order of the types' names, each with its own colour and dash."""
    by_type: dict[str, list[Duration]] = {}
    for duration in durations:
        by_type.setdefault(duration.data_type, []).append(duration)
    return [
        Series(
            data_type,
            tuple(sorted(by_type[data_type], key=lambda d: d.completed)),
            *_style(index),
        )
        for index, data_type in enumerate(sorted(by_type, key=str.lower))
    ]


def _seconds_axis(longest: float) -> tuple[float, int]:
    """The step between the seconds axis's ticks and how many steps reach at or above the longest pull."""
    if longest <= 0:
        return 1.0, 1
    step, _, last = _nice_axis(0.0, longest)
    return step, last


def _nice_axis(low: float, high: float) -> tuple[float, int, int]:
    """A round step (1, 2 or 5 times a power of ten, about `Y_TICKS` of them over the span) and the first
    and last tick as multiples of it, covering `low` to `high` (zero always on the axis)."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 0:
        return 1.0, 0, 1
    rough = (high - low) / Y_TICKS
    power = 10.0 ** math.floor(math.log10(rough))
    step = next(n * power for n in (1, 2, 5, 10) if n * power >= rough)
    return step, math.floor(low / step + 1e-9), max(math.ceil(high / step - 1e-9), 1 if high > 0 else 0)


def _style(index: int) -> tuple[str, str]:
    """The colour and dash of the series at `index`: 24 that look different."""
    return PALETTE[index % len(PALETTE)], DASHES[(index // len(PALETTE)) % len(DASHES)]


def _stroke(series: Series) -> str:
    dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
    return f'stroke="{series.colour}"{dash}'


def _moment(moment: datetime, precise: bool = False) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S" if precise else "%Y-%m-%d %H:%M")


def sync_durations(durations: list[Duration], chart_id: str = "durations-chart") -> Markup:
    """How long each data type's pulls took, over time: one line per data type (its pulls joined in the
    order they completed), seconds up, completion time across, and a legend naming each line."""
    series = duration_series(durations)
    left, right, top, plot_height = 64, 16, 12, 180
    plot_width = WIDTH - left - right
    baseline = top + plot_height
    legend_top = baseline + 56
    legend_rows = math.ceil(len(series) / LEGEND_COLUMNS)
    height = legend_top + legend_rows * LEGEND_ROW + 4
    body = [
        f'<line class="axis" x1="{left}" y1="{baseline}" x2="{left + plot_width}" y2="{baseline}"></line>',
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{baseline}"></line>',
        f'<text class="axis-title" x="14" y="{top + plot_height / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_height / 2:.0f})">Duration (seconds)</text>',
        f'<text class="axis-title" x="{left + plot_width / 2:.0f}" y="{baseline + 40}" '
        'text-anchor="middle">Completed (UTC)</text>',
    ]
    if not series:
        return _svg(chart_id, "Sync durations per data type", "No pull has finished yet.", height, body)
    points = [point for line in series for point in line.points]
    step, steps = _seconds_axis(max(point.seconds for point in points))
    ceiling = step * steps
    start = min(point.completed for point in points)
    end = max(point.completed for point in points)
    spread = (end - start).total_seconds()
    for tick in range(steps + 1):
        value = round(step * tick, 6)
        y = baseline - plot_height * tick / steps
        body.append(
            f'<line class="gridline" x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}"></line>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g} s</text>'
        )
    # Pulls within the same hour (a first sync) are told apart by their seconds.
    precise = spread < 3600
    body.append(f'<text x="{left}" y="{baseline + 18}">{escape(_moment(start, precise))}</text>')
    if spread:
        body.append(
            f'<text x="{left + plot_width}" y="{baseline + 18}" text-anchor="end">'
            f"{escape(_moment(end, precise))}</text>"
        )

    def place(point: Duration) -> tuple[float, float]:
        offset = (point.completed - start).total_seconds() / spread if spread else 0.5
        return left + offset * plot_width, baseline - point.seconds / ceiling * plot_height

    for line in series:
        placed = [place(point) for point in line.points]
        shapes = [
            f'<g class="series" data-type="{escape(line.data_type)}"><title>{escape(line.data_type)}</title>'
        ]
        if len(placed) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in placed)
            shapes.append(f'<polyline class="line" points="{path}" {_stroke(line)}></polyline>')
        for point, (x, y) in zip(line.points, placed, strict=True):
            shapes.append(
                f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{line.colour}">'
                f"<title>{escape(line.data_type)}: {_number(point.seconds)} s, completed "
                f"{point.completed:%Y-%m-%d %H:%M:%S} UTC</title></circle>"
            )
        body.append("".join(shapes) + "</g>")
    column_width = plot_width / LEGEND_COLUMNS
    for index, line in enumerate(series):
        x = left + (index % LEGEND_COLUMNS) * column_width
        y = legend_top + (index // LEGEND_COLUMNS) * LEGEND_ROW
        body.append(
            f'<g class="legend-entry"><line x1="{x:.1f}" y1="{y - 4}" x2="{x + 22:.1f}" y2="{y - 4}" '
            f'stroke-width="3" {_stroke(line)}></line>'
            f'<text x="{x + 28:.1f}" y="{y}">{escape(line.data_type)}</text></g>'
        )
    slowest = max(points, key=lambda point: point.seconds)
    description = (
        f"{len(points)} pulls of {len(series)} data types finished between {_moment(start)} and "
        f"{_moment(end)} UTC; the longest, {slowest.data_type}, took {_number(slowest.seconds)} s."
    )
    return _svg(chart_id, "Sync durations per data type", description, height, body)


def aged_amounts(
    labels: Sequence[str], amounts: Sequence[Decimal], currency: str | None, chart_id: str, title: str
) -> Markup:
    """Horizontal bars in the aged report's order (newest period first): what is outstanding from each
    period, to the cent. A net credit (credit notes exceeding documents) is drawn as long as its size, and
    its bar is marked `negative`."""
    largest = max((abs(amount) for amount in amounts), default=Decimal(0)) or Decimal(1)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 40
    height = max(len(amounts), 1) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    unit = f" {currency}" if currency else ""
    body = []
    for index, (label, amount) in enumerate(zip(labels, amounts, strict=True)):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        width = float(abs(amount) / largest) * span
        width = max(width, 1.0 if amount else 0.0)
        middle = y + BAR_HEIGHT / 2 + 4
        kind = "bar negative" if amount < 0 else "bar"
        body.append(
            f"<g><title>{escape(label)}: {amount:,.2f}{escape(unit)}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{middle:.1f}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="{kind}" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
            'rx="3"></rect>'
            f'<text class="amount" x="{LABEL_WIDTH + width + 6:.1f}" y="{middle:.1f}">'
            f"{amount:,.2f}</text></g>"
        )
    total = sum(amounts, Decimal(0))
    description = (
        f"{total:,.2f}{unit} outstanding in all across {len(amounts)} periods by issue date; "
        + "; ".join(f"{label}: {amount:,.2f}" for label, amount in zip(labels, amounts, strict=True))
        + "."
    )
    return _svg(chart_id, title, description, height, body)


# ------------------------------------------------------------------------------------- figures per period
@dataclass(frozen=True)
class PeriodSeries:
    """One figure's values per period, oldest first; None where the period has no value (not zero: an
    account with no transactions in a month has no match rate, and its line breaks there)."""

    name: str
    values: tuple[Decimal | None, ...]


def _tick(value: float, unit: str) -> str:
    shown = f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:,.2g}"
    return f"{shown}%" if unit == "%" else shown


def _figure(value: Decimal, unit: str) -> str:
    if unit == "%":
        return f"{value:,.2f}%"
    if unit == "":
        return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    return f"{value:,.2f} {unit}"


def period_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[PeriodSeries],
    *,
    unit: str,
    axis_title: str,
    lines: bool = False,
) -> Markup:
    """Figures per period: grouped columns (`lines=False`: amounts and counts, each period's own) or one line
    per series (rates and running figures, read as a trend). `unit` is a currency code, `%` or empty (a
    count). Period labels across (thinned to fit), round steps up the side with zero on the axis; each
    column or point names its figure in its `<title>`; a legend names the series when there are several."""
    left, right, top, plot_height = 72, 16, 12, 180
    plot_width = WIDTH - left - right
    baseline_y = top + plot_height
    legend_top = baseline_y + 56
    # As many legend columns as the longest name leaves room for (a swatch and the name each).
    longest = max((len(line.name) for line in series), default=0)
    columns = max(1, min(LEGEND_COLUMNS, int(plot_width // (28 + LEGEND_CHARACTER * longest + 12))))
    legend_rows = math.ceil(len(series) / columns) if len(series) > 1 else 0
    height = legend_top + legend_rows * LEGEND_ROW + 4 - (0 if legend_rows else 20)
    known = [float(v) for s in series for v in s.values if v is not None]
    step, first, last = _nice_axis(min(known, default=0.0), max(known, default=0.0))
    low, high = first * step, last * step

    def y_of(value: float) -> float:
        return baseline_y - (value - low) / (high - low) * plot_height

    body = [
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{baseline_y}"></line>',
        f'<text class="axis-title" x="14" y="{top + plot_height / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_height / 2:.0f})">{escape(axis_title)}</text>',
    ]
    for tick in range(first, last + 1):
        y = y_of(tick * step)
        body.append(
            f'<line class="{"axis" if tick == 0 else "gridline"}" x1="{left}" y1="{y:.1f}" '
            f'x2="{left + plot_width}" y2="{y:.1f}"></line>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_tick(tick * step, unit))}</text>"
        )
    count = max(len(labels), 1)
    slot = plot_width / count
    every = math.ceil(count / 8)
    for n, label in enumerate(labels):
        if n % every == 0:
            body.append(
                f'<text x="{left + slot * (n + 0.5):.1f}" y="{baseline_y + 18}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    zero_y = y_of(0.0)
    width = slot * 0.7 / max(len(series), 1)
    for index, line in enumerate(series):
        colour, dash = _style(index)
        shapes = [f'<g class="series" data-series="{escape(line.name)}"><title>{escape(line.name)}</title>']
        placed: list[list[tuple[float, float]]] = [[]]
        for n, value in enumerate(line.values):
            if value is None:
                placed.append([])
                continue
            named = f"{escape(line.name)}, {escape(labels[n])}: {escape(_figure(value, unit))}"
            y = y_of(float(value))
            if lines:
                x = left + slot * (n + 0.5)
                placed[-1].append((x, y))
                shapes.append(
                    f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                    f"<title>{named}</title></circle>"
                )
            else:
                x = left + slot * (n + 0.15) + width * index
                shapes.append(
                    f'<rect class="column{" negative" if value < 0 else ""}" x="{x:.1f}" '
                    f'y="{min(y, zero_y):.1f}" width="{width:.1f}" height="{abs(zero_y - y):.1f}" '
                    f'fill="{colour}"><title>{named}</title></rect>'
                )
        for run in placed:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                dashed = f' stroke-dasharray="{dash}"' if dash else ""
                shapes.append(
                    f'<polyline class="line" points="{points}" stroke="{colour}"{dashed}></polyline>'
                )
        body.append("".join(shapes) + "</g>")
        if legend_rows:
            x = left + (index % columns) * plot_width / columns
            y = legend_top + (index // columns) * LEGEND_ROW
            body.append(
                f'<g class="legend-entry"><rect x="{x:.1f}" y="{y - 10}" width="22" height="10" '
                f'fill="{colour}"></rect><text x="{x + 28:.1f}" y="{y}">{escape(line.name)}</text></g>'
            )
    return _svg(chart_id, title, _period_description(labels, series, unit), height, body)


def _period_description(labels: Sequence[str], series: Sequence[PeriodSeries], unit: str) -> str:
    """The chart in words: each series' first and last value and its highest, over which periods."""
    if not labels:
        return "No periods."
    told = [f"{len(labels)} periods from {labels[0]} to {labels[-1]}."]
    for line in series:
        shown = [(label, v) for label, v in zip(labels, line.values, strict=True) if v is not None]
        if not shown:
            told.append(f"{line.name}: no values.")
            continue
        peak = max(shown, key=lambda pair: pair[1])
        told.append(
            f"{line.name}: {_figure(shown[0][1], unit)} in {shown[0][0]}, {_figure(shown[-1][1], unit)} in "
            f"{shown[-1][0]}; highest {_figure(peak[1], unit)} in {peak[0]}."
        )
    return " ".join(told)
