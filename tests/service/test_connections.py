"""Connections' rules (`connections.service`): the status machine and the event each move writes, what
linking queues, what an authorization body may be, and one Linked accounting connection per company."""

from __future__ import annotations

import re

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.connections import service
from ledgerlink.events.models import Event
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import BadRequest
from ledgerlink.kit.secrets import SecretBox
from ledgerlink.kit.urls import PublicUrls
from ledgerlink.sync.models import PullOperation
from tests.support.rows import company_with

pytestmark = pytest.mark.anyio

URLS = PublicUrls("http://ledgerlink.test")
SECRETS = SecretBox(Fernet.generate_key())
ACCOUNTING, BANKING = "mqjo", "qhnd"


async def authorize(
    session: AsyncSession,
    principal: Principal,
    company_id: object,
    connection_id: object,
    body: object = None,
) -> None:
    await service.authorize(
        session,
        principal,
        str(company_id),
        str(connection_id),
        {} if body is None else body,
        SECRETS,
        URLS,
        max_scale=10,
    )


async def events_of(session: AsyncSession, company_id: object) -> list[str]:
    await session.flush()
    rows = await session.scalars(
        select(Event.event_type).where(Event.company_id == company_id).order_by(Event.generated_at, Event.id)
    )
    return list(rows)


async def test_linking_unlinking_and_relinking_each_write_their_event(
    session: AsyncSession, principal: Principal
) -> None:
    company, (connection,) = await company_with(session, principal.client_id, (ACCOUNTING, "PendingAuth"))
    await authorize(session, principal, company.id, connection.id)
    assert connection.status == "Linked" and connection.linked_at is not None
    assert SECRETS.open(connection.sealed_authorization) == {"scale": 1, "speed": 1}  # the Sandbox's defaults
    first_link = await session.scalars(
        select(PullOperation).where(PullOperation.connection_id == connection.id)
    )
    assert {p.trigger for p in first_link} == {"firstLink"}

    with pytest.raises(
        BadRequest, match=re.escape('The only change a connection takes is {"status": "Unlinked"}')
    ):
        await service.unlink(
            session, principal, str(company.id), str(connection.id), {"status": "Linked"}, URLS
        )
    await service.unlink(
        session, principal, str(company.id), str(connection.id), {"status": "Unlinked"}, URLS
    )
    assert connection.status == "Unlinked"
    with pytest.raises(BadRequest, match="Only a Linked connection can be unlinked; this one is Unlinked"):
        await service.unlink(
            session, principal, str(company.id), str(connection.id), {"status": "Unlinked"}, URLS
        )
    await authorize(session, principal, company.id, connection.id)
    assert connection.status == "Linked"
    assert await events_of(session, company.id) == [
        "connection.connected",
        "connection.disconnected",
        "connection.reconnected",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("text", "The authorization body must be a JSON object."),
        ([1, 2], "The authorization body must be a JSON object."),
        ({"scale": 11}, "scale must be a whole number from 1 to 10 on this installation."),
    ],
)
async def test_a_bad_authorization_links_nothing(
    session: AsyncSession, principal: Principal, body: object, message: str
) -> None:
    company, (connection,) = await company_with(session, principal.client_id, (ACCOUNTING, "PendingAuth"))
    with pytest.raises(BadRequest) as refused:
        await authorize(session, principal, company.id, connection.id, body)
    assert refused.value.message == message
    assert connection.status == "PendingAuth" and await events_of(session, company.id) == []


async def test_one_linked_accounting_connection_per_company(
    session: AsyncSession, principal: Principal
) -> None:
    company, (books, other_books, bank) = await company_with(
        session,
        principal.client_id,
        (ACCOUNTING, "Linked"),
        (ACCOUNTING, "PendingAuth"),
        (BANKING, "PendingAuth"),
    )
    await authorize(session, principal, company.id, bank.id)  # banking: as many as wanted
    with pytest.raises(BadRequest) as refused:
        await authorize(session, principal, company.id, other_books.id)
    assert refused.value.message == (
        f"Company {company.id} already has a linked accounting connection ({books.id}); "
        "unlink it before linking another."
    )
    assert other_books.status == "PendingAuth"
    await service.unlink(session, principal, str(company.id), str(books.id), {"status": "Unlinked"}, URLS)
    await authorize(session, principal, company.id, other_books.id)
    assert (books.status, other_books.status, bank.status) == ("Unlinked", "Linked", "Linked")
