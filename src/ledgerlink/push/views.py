"""How push operations look in the API: Codat's PushOperation, and the Create*Response of a push."""

from __future__ import annotations

from typing import Any

from ledgerlink.kit.clock import iso
from ledgerlink.push.models import PushOperation


def push_operation_view(operation: PushOperation) -> dict[str, Any]:
    view: dict[str, Any] = {
        "changes": (
            [
                {
                    "type": "Created",
                    "recordRef": {"id": operation.created_record_id, "dataType": operation.data_type},
                    "attachmentId": None,
                }
            ]
            if operation.created_record_id is not None
            else None
        ),
        "dataType": operation.data_type,
        "companyId": str(operation.company_id),
        "pushOperationKey": str(operation.id),
        "dataConnectionKey": str(operation.connection_id),
        "requestedOnUtc": iso(operation.requested_at),
        "completedOnUtc": iso(operation.completed_at),
        "timeoutInMinutes": operation.timeout_in_minutes,
        "status": operation.status,
        "errorMessage": operation.error_message,
        "validation": operation.validation or {"errors": [], "warnings": []},
        "statusCode": operation.status_code,
    }
    if view["completedOnUtc"] is None:
        del view["completedOnUtc"]
    return view


def create_response_view(operation: PushOperation) -> dict[str, Any]:
    """`CreateJournalEntryResponse` and its kind: the operation, and the record (as written, once it is;
    as sent, while it waits)."""
    record = operation.created_record if operation.created_record is not None else operation.record
    return {"data": record, **push_operation_view(operation)}
