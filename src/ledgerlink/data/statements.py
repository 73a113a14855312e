"""Financial statements: stored as one report per month, assembled into periods on read.

`periodLength` months make a period; `periodsToCompare` periods are returned, most recent first;
`startMonth` is the first month of the most recent period (default: the latest month available, so the
most recent period ends with it). A profit and loss or cash flow period sums its months, line by line;
a balance sheet period is the snapshot at the end of its last month.
"""

from __future__ import annotations

from typing import Any

from ledgerlink.kit.errors import BadRequest
from ledgerlink.kit.query import parse_datetime

MAX_PERIOD_MONTHS = 12
MAX_PERIODS = 24
# Keys of a monthly record that describe the statement, not one period of it.
_ENVELOPE_KEYS = ("id", "currency", "reportBasis", "reportInput")
_DEFAULT_ENVELOPE = {
    "profitAndLoss": {"reportBasis": "Accrual"},
    "cashFlowStatement": {"reportBasis": "Accrual", "reportInput": "Indirect"},
    "balanceSheet": {},
}


def _month_index(month_id: str) -> int:
    year, month = month_id.split("-")[:2]
    return int(year) * 12 + int(month) - 1


def _month_start(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}-01T00:00:00"


def _is_line(value: Any) -> bool:
    return isinstance(value, dict) and ("items" in value or "value" in value)


def _line_key(line: dict[str, Any]) -> Any:
    return line.get("accountId") or line.get("name")


def merge_lines(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two report lines (with their sub-lines) added together, matched by account id or name."""
    merged = {**a, "value": round((a.get("value") or 0) + (b.get("value") or 0), 2)}
    items: dict[Any, dict[str, Any]] = {}
    for line in [*(a.get("items") or []), *(b.get("items") or [])]:
        key = _line_key(line)
        items[key] = merge_lines(items[key], line) if key in items else line
    if "items" in a or "items" in b:
        merged["items"] = list(items.values())
    return merged


def _sum_reports(reports: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for report in reports:
        for key, value in report.items():
            if key in _ENVELOPE_KEYS:
                continue
            if key not in total:
                total[key] = value
            elif _is_line(value) and _is_line(total[key]):
                total[key] = merge_lines(total[key], value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                total[key] = round(total[key] + value, 2)
    if reports:
        total["fromDate"] = reports[0].get("fromDate", total.get("fromDate"))
        total["toDate"] = reports[-1].get("toDate", total.get("toDate"))
    return total


def assemble(
    key: str,
    months: list[dict[str, Any]],
    period_length: int,
    periods_to_compare: int,
    start_month: str | None,
) -> dict[str, Any]:
    if not 1 <= period_length <= MAX_PERIOD_MONTHS:
        raise BadRequest(f"periodLength must be between 1 and {MAX_PERIOD_MONTHS}.")
    if not 1 <= periods_to_compare <= MAX_PERIODS:
        raise BadRequest(f"periodsToCompare must be between 1 and {MAX_PERIODS}.")
    by_month = {_month_index(record["id"]): record for record in months}
    envelope: dict[str, Any] = dict(_DEFAULT_ENVELOPE.get(key, {}))
    if not by_month:
        return {**envelope, "reports": []}
    earliest, latest = min(by_month), max(by_month)
    if start_month:
        try:
            start = parse_datetime(start_month)
        except ValueError:
            raise BadRequest(f"startMonth {start_month!r} is not a date.") from None
        first_of_latest = start.year * 12 + start.month - 1
    else:
        first_of_latest = latest - period_length + 1
    newest = by_month[latest]
    for name in _ENVELOPE_KEYS[1:]:
        if name in newest:
            envelope[name] = newest[name]
    reports = []
    for period in range(periods_to_compare):
        first = first_of_latest - period * period_length
        last = first + period_length - 1
        in_period = [by_month[m] for m in range(first, last + 1) if m in by_month]
        if not in_period:
            continue
        if key == "balanceSheet":
            if last not in by_month:
                continue
            reports.append({k: v for k, v in by_month[last].items() if k not in _ENVELOPE_KEYS})
        else:
            reports.append(_sum_reports(in_period))
    return {
        **envelope,
        "reports": reports,
        "mostRecentAvailableMonth": _month_start(latest),
        "earliestAvailableMonth": _month_start(earliest),
    }
