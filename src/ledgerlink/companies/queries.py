"""What `query=`, `tags=` and `orderBy` may name on companies, and how each reads in SQL."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, String, cast, select

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.query import Field, Kind, QueryTarget, any_row, columns_target, tags_target

CONNECTION_STATUSES = ("PendingAuth", "Linked", "Unlinked", "Deauthorized")


def _connection_field(
    kind: Kind, column: SQLColumnExpression[Any], enum_values: tuple[str, ...] = ()
) -> Field:
    return Field(
        kind,
        lambda: column,
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


def client_scope(client_id: uuid.UUID | ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    """The client scope, stated once: a client reaches its own companies (and, through them, their
    connections and records), never another client's. Every statement that finds companies for a client
    starts from `readable_companies`, or filters by this where companies are joined into a larger one (the
    read API's source, the Sync Flow's merchant lookup by a client id, the fast path's key CTE)."""
    return Company.client_id == client_id


def readable_companies(principal: Principal) -> Select[Company]:
    """The companies the caller may read or change (Polar's readable statement)."""
    return select(Company).where(client_scope(principal.client_id))
