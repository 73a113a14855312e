"""What `query=` and `orderBy` may name on connections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, String, case, cast

from ledgerlink.connections.models import Connection
from ledgerlink.connectors.base import ConnectorInfo
from ledgerlink.connectors.registry import CONNECTORS
from ledgerlink.kit.query import Field, Kind, QueryTarget, columns_target

STATUSES = ("PendingAuth", "Linked", "Unlinked", "Deauthorized")
SOURCE_TYPES = ("Accounting", "Banking", "BankFeed", "Commerce", "Expense", "Other", "Unknown")


def _from_registry(
    value_of: Callable[[ConnectorInfo], str], default: str | None = None
) -> ColumnElement[Any]:
    """A property the connector registry holds, looked up in SQL from the connection's platform key."""
    return case(
        *[(Connection.integration_key == key, value_of(c.info)) for key, c in CONNECTORS.items()],
        else_=default,
    )


CONNECTION_TARGET: QueryTarget = columns_target(
    "DataConnection",
    {
        "id": Field(Kind.TEXT, lambda: cast(Connection.id, String)),
        "status": Field(Kind.ENUM, lambda: Connection.status, STATUSES),
        "integrationKey": Field(Kind.TEXT, lambda: Connection.integration_key),
        "platformName": Field(Kind.TEXT, lambda: _from_registry(lambda info: info.name)),
        "sourceType": Field(
            Kind.ENUM, lambda: _from_registry(lambda info: info.source_type.value, "Unknown"), SOURCE_TYPES
        ),
        "integrationId": Field(Kind.TEXT, lambda: _from_registry(lambda info: str(info.integration_id))),
        "sourceId": Field(Kind.TEXT, lambda: _from_registry(lambda info: str(info.source_id))),
        "created": Field(Kind.DATETIME, lambda: Connection.created_at),
        "lastSync": Field(Kind.DATETIME, lambda: Connection.last_sync),
    },
)

DEFAULT_ORDER = (Connection.created_at.asc(), Connection.id.asc())
