"""What `query=`, `tags=` and `orderBy` may name on companies, and how each reads in SQL."""

from __future__ import annotations

from sqlalchemy import String, cast, select

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.kit.query import Field, Kind, QueryTarget, any_row, columns_target, tags_target

CONNECTION_STATUSES = ("PendingAuth", "Linked", "Unlinked", "Deauthorized")


def _connection_field(kind: Kind, column: object, enum_values: tuple[str, ...] = ()) -> Field:
    return Field(
        kind,
        lambda: column,  # type: ignore[return-value]
        enum_values,
        any_element=any_row(
            lambda condition: select(Connection.id).where(Connection.company_id == Company.id, condition)
        ),
    )


COMPANY_TARGET: QueryTarget = columns_target(
    "Company",
    {
        "id": Field(Kind.TEXT, lambda: cast(Company.id, String)),
        "name": Field(Kind.TEXT, lambda: Company.name),
        "description": Field(Kind.TEXT, lambda: Company.description),
        "created": Field(Kind.DATETIME, lambda: Company.created_at),
        "lastSync": Field(Kind.DATETIME, lambda: Company.last_sync),
        "platform": Field(Kind.TEXT, lambda: Company.platform_type),
        "dataConnections.status": _connection_field(Kind.ENUM, Connection.status, CONNECTION_STATUSES),
        "dataConnections.integrationKey": _connection_field(Kind.TEXT, Connection.integration_key),
        "dataConnections.id": _connection_field(Kind.TEXT, cast(Connection.id, String)),
    },
)

TAGS_TARGET: QueryTarget = tags_target(lambda: Company.tags)

DEFAULT_ORDER = (Company.created_at.asc(), Company.id.asc())
