"""Finding one of a company's connections from the id in a request path."""

from __future__ import annotations

from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.kit.errors import NotFound
from ledgerlink.kit.ids import parse_id


def connection_not_found(connection_id: str) -> NotFound:
    return NotFound(f"Data connection {connection_id} not found")


def connection_of(company: Company, connection_id: str) -> Connection:
    """The company's connection with this id (its connections are loaded); 404 for any other id."""
    wanted = parse_id(connection_id, connection_not_found(connection_id))
    connection = next((c for c in company.connections if c.id == wanted), None)
    if connection is None:
        raise connection_not_found(connection_id)
    return connection
