"""What `query=` and `orderBy` may name on reports (`GET /companies/{companyId}/reports`)."""

from __future__ import annotations

from sqlalchemy import String, cast

from ledgerlink.kit.query import Field, Kind, QueryTarget, columns_target
from ledgerlink.lending.reports.models import Report, ReportStatus

REPORT_TARGET: QueryTarget = columns_target(
    "Report",
    {
        "id": Field(Kind.TEXT, lambda: cast(Report.id, String)),
        "status": Field(Kind.ENUM, lambda: Report.status, tuple(s.value for s in ReportStatus)),
        "type": Field(Kind.TEXT, lambda: Report.type),
        "requestedDate": Field(Kind.DATETIME, lambda: Report.requested_at),
        "updatedDate": Field(Kind.DATETIME, lambda: Report.updated_at),
        "errorMessage": Field(Kind.TEXT, lambda: Report.error_message),
    },
)

DEFAULT_ORDER = (Report.requested_at.desc(), Report.id.desc())
