"""The rules for connections: create, list, link on the customer's behalf, unlink and delete."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import owned
from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.connections import queries
from ledgerlink.connections.lookup import connection_of
from ledgerlink.connections.models import Connection
from ledgerlink.connections.status import ConnectionStatus, can_transition, emit_connection_event, transition
from ledgerlink.connectors import registry
from ledgerlink.connectors.base import AuthorizationRejected, Connector
from ledgerlink.integrations import service as integrations
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.pagination import PageParams
from ledgerlink.kit.secrets import SecretBox
from ledgerlink.kit.urls import PublicUrls
from ledgerlink.records import store
from ledgerlink.records.registry import SourceType
from ledgerlink.sync import service as sync  # upward: a connection Linked queues its first pulls
from ledgerlink.sync.models import PullTrigger  # upward: the trigger of those pulls


def platform_key_from_body(body: Any) -> str:
    """`{"platformKey": "mqjo"}`, or the legacy body: the bare JSON string `"mqjo"`."""
    key = body.get("platformKey") if isinstance(body, dict) else body
    if not isinstance(key, str) or not key.strip():
        raise BadRequest('platformKey is required: send {"platformKey": "<integration key>"}.')
    return key.strip()


async def get(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    connection_id: str,
    *,
    for_update: bool = False,
) -> tuple[Company, Connection]:
    company = await companies.get(session, principal, company_id, for_update=for_update)
    return company, connection_of(company, connection_id)


async def list_connections(
    session: AsyncSession, principal: Principal, company_id: str, params: PageParams
) -> tuple[list[Connection], int]:
    return await owned.page(
        session, principal, company_id, Connection, params, queries.CONNECTION_TARGET, queries.DEFAULT_ORDER
    )


async def create(
    session: AsyncSession, principal: Principal, company_id: str, platform_key: str, urls: PublicUrls
) -> Connection:
    company = await companies.get(session, principal, company_id, for_update=True)
    connector = registry.get(platform_key)
    if connector is None:
        raise NotFound(f"No integration was found with key {platform_key}")
    row = await integrations.get(session, principal.client_id, platform_key)
    if not row.enabled:
        why = (
            ""
            if not row.switched_on or row.configured
            else ": set up its app credentials in the Portal first"
        )
        raise BadRequest(f"The integration {platform_key} is not enabled for your client{why}.")
    return await create_for(session, company, connector, urls)


async def create_for(
    session: AsyncSession, company: Company, connector: Connector, urls: PublicUrls
) -> Connection:
    """A new PendingAuth connection of the (locked) company to the connector's platform."""
    check_single_accounting(company, connector, exclude=None)
    connection = Connection(
        id=uuid.uuid4(),
        company_id=company.id,
        integration_key=connector.info.key,
        status=ConnectionStatus.PENDING_AUTH.value,
        created_at=utcnow(),
        data_connection_errors=[],
    )
    session.add(connection)
    company.connections.append(connection)
    await session.flush()
    emit_connection_event(session, company, connection, "connection.created", urls)
    return connection


async def delete(
    session: AsyncSession, principal: Principal, company_id: str, connection_id: str, urls: PublicUrls
) -> None:
    company, connection = await get(session, principal, company_id, connection_id, for_update=True)
    emit_connection_event(session, company, connection, "connection.deleted", urls)
    await store.purge(session, [connection.id])
    company.connections.remove(connection)
    await session.delete(connection)


async def unlink(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    connection_id: str,
    body: Any,
    urls: PublicUrls,
) -> Connection:
    status = body.get("status") if isinstance(body, dict) else None
    if status != ConnectionStatus.UNLINKED.value:
        raise BadRequest('The only change a connection takes is {"status": "Unlinked"}.')
    company, connection = await get(session, principal, company_id, connection_id, for_update=True)
    unlink_connection(session, company, connection, urls)
    return connection


def unlink_connection(
    session: AsyncSession, company: Company, connection: Connection, urls: PublicUrls
) -> None:
    """Unlink a Linked connection (the API's unlink, and a business revoking it in Link): its data is kept,
    no more pulls run, `connection.disconnected` is written."""
    if not can_transition(connection.status, ConnectionStatus.UNLINKED):
        raise BadRequest(f"Only a Linked connection can be unlinked; this one is {connection.status}.")
    transition(session, company, connection, ConnectionStatus.UNLINKED, urls)


async def authorize(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    connection_id: str,
    body: Any,
    secrets: SecretBox,
    urls: PublicUrls,
    *,
    max_scale: int,
) -> Connection:
    """`PUT .../authorization`: the client hands over the business's credentials, and the connection links.

    A Sandbox's `scale` above `max_scale` (the operator's `LEDGERLINK_SANDBOX_MAX_SCALE`) is refused: its
    pulls' work grows with it, and they share the API's event loop."""
    if not isinstance(body, dict):
        raise BadRequest("The authorization body must be a JSON object.")
    company, connection = await get(session, principal, company_id, connection_id, for_update=True)
    connector = registry.get(connection.integration_key)
    if connector is None:
        raise BadRequest(f"The integration {connection.integration_key} is no longer available.")
    try:
        credentials = connector.check_credentials(body)
        await connector.verify_credentials(credentials)
    except AuthorizationRejected as rejected:
        raise BadRequest(str(rejected)) from None
    scale = credentials.get("scale", 1)
    if connector.info.is_sandbox and isinstance(scale, int) and scale > max_scale:
        raise BadRequest(f"scale must be a whole number from 1 to {max_scale:,} on this installation.")
    check_single_accounting(company, connector, exclude=connection.id)
    await link(session, company, connection, secrets.seal(credentials), urls)
    return connection


async def link(
    session: AsyncSession,
    company: Company,
    connection: Connection,
    sealed_authorization: bytes,
    urls: PublicUrls,
) -> None:
    """The connection now opens the platform: store its sealed credentials, make it Linked (if it was not),
    and queue its fetch-on-first-link data types."""
    connection.sealed_authorization = sealed_authorization
    if connection.status == ConnectionStatus.LINKED.value:
        return
    transition(session, company, connection, ConnectionStatus.LINKED, urls)
    await session.flush()
    await sync.queue_first_link(session, company, connection, PullTrigger.FIRST_LINK)


def check_single_accounting(company: Company, connector: Connector, exclude: uuid.UUID | None) -> None:
    """A company may have one linked accounting connection at a time (banking and commerce: any number)."""
    if connector.info.source_type is not SourceType.ACCOUNTING:
        return
    for other in company.connections:
        if other.id == exclude or other.status != ConnectionStatus.LINKED.value:
            continue
        other_connector = registry.get(other.integration_key)
        if other_connector and other_connector.info.source_type is SourceType.ACCOUNTING:
            raise BadRequest(
                f"Company {company.id} already has a linked accounting connection ({other.id}); "
                "unlink it before linking another."
            )
