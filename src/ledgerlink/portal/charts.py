"""The Portal's charts: server-rendered inline SVG with a title and a description (a table says the same)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


def sync_durations(durations: list[Duration], chart_id: str = "durations-chart") -> Markup:
    """Each finished pull's duration in seconds, placed by when it completed, joined in time order."""
    height = 240
    left, right, top, bottom = 56, 16, 16, 40
    plot_width, plot_height = WIDTH - left - right, height - top - bottom
    points = sorted(durations, key=lambda d: d.completed)
    baseline = top + plot_height
    body = [
        f'<line class="axis" x1="{left}" y1="{baseline}" x2="{left + plot_width}" y2="{baseline}"></line>',
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_height}"></line>',
        f'<text x="{left - 8}" y="{top + plot_height + 4}" text-anchor="end">0 s</text>',
    ]
    if not points:
        return _svg(chart_id, "Sync durations over time", "No pull has finished yet.", height, body)
    longest = max(point.seconds for point in points) or 1.0
    start, end = points[0].completed, points[-1].completed
    spread = (end - start).total_seconds() or 1.0

    def place(point: Duration) -> tuple[float, float]:
        x = (
            left + ((point.completed - start).total_seconds() / spread) * plot_width
            if len(points) > 1
            else left + plot_width / 2
        )
        y = top + plot_height - point.seconds / longest * plot_height
        return x, y

    placed = [place(point) for point in points]
    body.append(f'<text x="{left - 8}" y="{top + 4}" text-anchor="end">{_number(longest)} s</text>')
    body.append(
        f'<text x="{left}" y="{height - 12}">{escape(start.strftime("%Y-%m-%d %H:%M:%S"))} UTC</text>'
        f'<text x="{left + plot_width}" y="{height - 12}" text-anchor="end">'
        f"{escape(end.strftime('%Y-%m-%d %H:%M:%S'))} UTC</text>"
    )
    if len(placed) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in placed)
        body.append(f'<polyline class="line" points="{path}"></polyline>')
    for point, (x, y) in zip(points, placed, strict=True):
        body.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="4"><title>{escape(point.data_type)}: '
            f"{_number(point.seconds)} s, completed {point.completed:%Y-%m-%d %H:%M:%S} UTC"
            f"</title></circle>"
        )
    slowest = max(points, key=lambda point: point.seconds)
    average = sum(point.seconds for point in points) / len(points)
    description = (
        f"{len(points)} pulls finished between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC; "
        f"on average {_number(average)} s each; the longest, {slowest.data_type}, "
        f"took {_number(slowest.seconds)} s."
    )
    return _svg(chart_id, "Sync durations over time", description, height, body)
