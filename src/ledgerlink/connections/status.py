"""The connection status machine: `PendingAuth → Linked → Unlinked | Deauthorized → Linked`.

Every change of status goes through `transition`, which checks it is allowed and writes the event that
reports it into the same transaction.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.connections.views import connection_view
from ledgerlink.events.service import emit_for_company
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.kit.errors import BadRequest
from ledgerlink.kit.urls import PublicUrls


class ConnectionStatus(StrEnum):
    PENDING_AUTH = "PendingAuth"
    LINKED = "Linked"
    UNLINKED = "Unlinked"
    DEAUTHORIZED = "Deauthorized"


# (from, to) → the webhook event that reports it.
TRANSITIONS: dict[tuple[ConnectionStatus, ConnectionStatus], str] = {
    (ConnectionStatus.PENDING_AUTH, ConnectionStatus.LINKED): "connection.connected",
    (ConnectionStatus.LINKED, ConnectionStatus.UNLINKED): "connection.disconnected",
    (ConnectionStatus.LINKED, ConnectionStatus.DEAUTHORIZED): "connection.disconnected",
    (ConnectionStatus.UNLINKED, ConnectionStatus.LINKED): "connection.reconnected",
    (ConnectionStatus.DEAUTHORIZED, ConnectionStatus.LINKED): "connection.reconnected",
}


def can_transition(current: str, target: ConnectionStatus) -> bool:
    return (ConnectionStatus(current), target) in TRANSITIONS


def transition(
    session: AsyncSession,
    company: Company,
    connection: Connection,
    target: ConnectionStatus,
    urls: PublicUrls,
) -> None:
    current = ConnectionStatus(connection.status)
    event_type = TRANSITIONS.get((current, target))
    if event_type is None:
        raise BadRequest(f"A connection cannot move from {current} to {target}.")
    connection.status = target.value
    if target is ConnectionStatus.LINKED:
        connection.linked_at = utcnow()
        _resolve_errors(connection)
    emit_connection_event(session, company, connection, event_type, urls)


def emit_connection_event(
    session: AsyncSession, company: Company, connection: Connection, event_type: str, urls: PublicUrls
) -> None:
    payload: dict[str, Any] = {
        "referenceCompany": reference_company(company, urls),
        "connection": connection_view(connection, urls),
    }
    emit_for_company(session, company, event_type, payload)


def reference_company(company: Company, urls: PublicUrls) -> dict[str, Any]:
    reference: dict[str, Any] = {
        "id": str(company.id),
        "name": company.name,
        "links": {"portal": f"{urls.base}/portal/companies/{company.id}"},
        "tags": company.tags or {},
    }
    if company.description is not None:
        reference["description"] = company.description
    return reference


def _resolve_errors(connection: Connection) -> None:
    now = iso(utcnow(), timespec="auto")
    connection.data_connection_errors = [
        {**error, "status": "Resolved", "resolvedOnUtc": now} if error.get("status") == "Active" else error
        for error in connection.data_connection_errors or []
    ]
