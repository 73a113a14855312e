"""How a connection looks in the API (Codat's `Connection`)."""

from __future__ import annotations

from typing import Any

from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry
from ledgerlink.kit.clock import iso
from ledgerlink.kit.urls import PublicUrls


def connection_view(connection: Connection, urls: PublicUrls) -> dict[str, Any]:
    connector = registry.get(connection.integration_key)
    view: dict[str, Any] = {
        "id": str(connection.id),
        "integrationId": str(connector.info.integration_id) if connector else "",
        "integrationKey": connection.integration_key,
        "sourceId": str(connector.info.source_id) if connector else "",
        "sourceType": connector.info.source_type.value if connector else "Unknown",
        "platformName": connector.info.name if connector else connection.integration_key,
        "linkUrl": urls.connection_link(connection.company_id, connection.id),
        "status": connection.status,
        "created": iso(connection.created_at),
        "dataConnectionErrors": connection.data_connection_errors or [],
    }
    if connection.last_sync is not None:
        view["lastSync"] = iso(connection.last_sync)
    if connection.connection_info is not None:
        view["connectionInfo"] = connection.connection_info
    return view
