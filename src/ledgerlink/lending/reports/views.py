"""How a report looks in the API: Codat's ReportOperation, plus what it read (ledgerlink's own properties,
which Codat's SDKs ignore: docs/api-compatibility.md)."""

from __future__ import annotations

from typing import Any

from ledgerlink.kit.clock import iso
from ledgerlink.lending.reports.models import Report


def report_view(report: Report) -> dict[str, Any]:
    return {
        "id": str(report.id),
        "status": report.status,
        "type": report.type,
        "requestedDate": iso(report.requested_at),
        "updatedDate": iso(report.updated_at),
        "errorMessage": report.error_message,
        "sourceDatasets": report.pulls or [],
        "inputsFingerprint": report.inputs_fingerprint,
    }


def generation_payload(report: Report, reference_company: dict[str, Any]) -> dict[str, Any]:
    """Codat's ReportGenerationPayload: the report's id and the company."""
    return {"id": str(report.id), "referenceCompany": reference_company}
