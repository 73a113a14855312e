"""What `query=` and `orderBy` may name on push operations (`GET /companies/{companyId}/push`)."""

from __future__ import annotations

from sqlalchemy import String, cast

from ledgerlink.kit.query import Field, Kind, QueryTarget, columns_target
from ledgerlink.push.models import PushOperation, PushStatus

PUSH_OPERATION_TARGET: QueryTarget = columns_target(
    "PushOperation",
    {
        "pushOperationKey": Field(Kind.TEXT, lambda: cast(PushOperation.id, String)),
        "dataConnectionKey": Field(Kind.TEXT, lambda: cast(PushOperation.connection_id, String)),
        "dataType": Field(Kind.TEXT, lambda: PushOperation.data_type),
        "status": Field(Kind.ENUM, lambda: PushOperation.status, tuple(s.value for s in PushStatus)),
        "statusCode": Field(Kind.NUMBER, lambda: PushOperation.status_code),
        "errorMessage": Field(Kind.TEXT, lambda: PushOperation.error_message),
        "requestedOnUtc": Field(Kind.DATETIME, lambda: PushOperation.requested_at),
        "completedOnUtc": Field(Kind.DATETIME, lambda: PushOperation.completed_at),
        "timeoutInMinutes": Field(Kind.NUMBER, lambda: PushOperation.timeout_in_minutes),
    },
)

DEFAULT_ORDER = (PushOperation.requested_at.desc(), PushOperation.id.desc())
