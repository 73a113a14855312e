"""Codat's `ExcelStatus`."""

from __future__ import annotations

from typing import Any

from ledgerlink.kit.clock import iso
from ledgerlink.lending.excel.models import ExcelWorkbook


def excel_status(workbook: ExcelWorkbook) -> dict[str, Any]:
    """`success` is false only once a generation has failed (`errorMessage` says why); `fileSize` is the
    workbook's once made."""
    status: dict[str, Any] = {
        "lastGenerated": iso(workbook.started_at or workbook.queued_at),
        "inProgress": workbook.in_progress,
        "queued": iso(workbook.queued_at),
        "success": workbook.error_message is None,
        "lastInvocationId": str(workbook.id),
        "reportType": workbook.report_type,
        "fileSize": workbook.file_size,
    }
    if workbook.error_message is not None:
        status["errorMessage"] = workbook.error_message
    return status
