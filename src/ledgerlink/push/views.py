"""How push operations look in the API: Codat's PushOperation (`PushOperationSummary`, a delete's answer), and
the Create*Response/Update*Response of a create or update."""

from __future__ import annotations

from typing import Any

from ledgerlink.kit.clock import iso
from ledgerlink.push.models import PushOperation
from ledgerlink.records.registry import Operation

# Codat's `pushChangeType` of the record an operation wrote.
CHANGES = {Operation.CREATE: "Created", Operation.UPDATE: "Modified", Operation.DELETE: "Deleted"}


def push_operation_view(operation: PushOperation) -> dict[str, Any]:
    view: dict[str, Any] = {
        "changes": (
            [
                {
                    "type": CHANGES[Operation(operation.operation)],
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
    """`CreateJournalEntryResponse`, `UpdateInvoiceResponse` and their kind: the operation, and the record
    (as written, once it is; as sent, while it waits)."""
    record = operation.created_record if operation.created_record is not None else operation.record
    return {"data": record, **push_operation_view(operation)}
