"""The Excel report types this server generates, by Codat's `reportType`, and those Codat lists that it does
not (answered with a clear error rather than an empty workbook)."""

from __future__ import annotations

from ledgerlink.kit.errors import BadRequest
from ledgerlink.lending.excel import audit, cash_flow, financials, invoices
from ledgerlink.lending.excel.kinds import ExcelReportType

REPORT_TYPES: dict[str, ExcelReportType] = {
    kind.name: kind
    for kind in (
        audit.AUDIT,
        financials.ENHANCED_FINANCIALS,
        invoices.ENHANCED_INVOICES,
        cash_flow.ENHANCED_CASH_FLOW,
    )
}
# Codat's other report types (the spec's `excelReportTypes`), with why they are not generated here (none now:
# kept for a type Codat adds).
NOT_OFFERED: dict[str, str] = {}


def report_type(name: str | None) -> ExcelReportType:
    """The type a `reportType` parameter names (in any case, as Codat's API takes enum values); Codat's 400
    for a missing, unknown or unavailable one."""
    if name is None or not name.strip():
        raise BadRequest(f"The reportType query parameter is required: one of {_spelled()}.")
    wanted = name.strip().lower()
    for known in (*REPORT_TYPES, *NOT_OFFERED):
        if known.lower() == wanted:
            if known in NOT_OFFERED:
                raise BadRequest(NOT_OFFERED[known])
            return REPORT_TYPES[known]
    raise BadRequest(f"'{name[:50]}' is not a valid reportType: use one of {_spelled()}.")


def _spelled() -> str:
    return ", ".join(sorted((*REPORT_TYPES, *NOT_OFFERED)))
