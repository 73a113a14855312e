"""How pull operations and data status look in the API."""

from __future__ import annotations

from typing import Any

from ledgerlink.kit.clock import iso
from ledgerlink.sync.models import PullOperation, PullStatus


def pull_operation_view(pull: PullOperation) -> dict[str, Any]:
    status = PullStatus(pull.status)
    view: dict[str, Any] = {
        "id": str(pull.id),
        "companyId": str(pull.company_id),
        "connectionId": str(pull.connection_id),
        "dataType": pull.data_type,
        "status": status.value,
        "requested": iso(pull.requested),
        "progress": pull.progress,
        "isCompleted": status is PullStatus.COMPLETE,
        "isErrored": status.is_error,
    }
    if pull.status_description:
        view["statusDescription"] = pull.status_description
    if pull.error_message:
        view["errorMessage"] = pull.error_message
    if pull.completed is not None:
        view["completed"] = iso(pull.completed)
    return view
