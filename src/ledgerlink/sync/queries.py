"""What `query=` and `orderBy` may name on pull operations (`GET .../data/history`)."""

from __future__ import annotations

from sqlalchemy import String, cast

from ledgerlink.kit.query import Field, Kind, QueryTarget, columns_target
from ledgerlink.sync.models import PullOperation, PullStatus

PULL_OPERATION_TARGET: QueryTarget = columns_target(
    # Codat calls it a dataset in its messages: "Could not resolve property isCompleted on Dataset".
    "Dataset",
    {
        "id": Field(Kind.TEXT, lambda: cast(PullOperation.id, String)),
        "connectionId": Field(Kind.TEXT, lambda: cast(PullOperation.connection_id, String)),
        "dataType": Field(Kind.TEXT, lambda: PullOperation.data_type),
        "status": Field(Kind.ENUM, lambda: PullOperation.status, tuple(s.value for s in PullStatus)),
        "statusDescription": Field(Kind.TEXT, lambda: PullOperation.status_description),
        "errorMessage": Field(Kind.TEXT, lambda: PullOperation.error_message),
        "requested": Field(Kind.DATETIME, lambda: PullOperation.requested),
        "completed": Field(Kind.DATETIME, lambda: PullOperation.completed),
        "progress": Field(Kind.NUMBER, lambda: PullOperation.progress),
    },
)

DEFAULT_ORDER = (PullOperation.requested.desc(), PullOperation.id.desc())
