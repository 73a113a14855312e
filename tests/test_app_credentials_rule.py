"""The rule that resolves a platform's app credentials for a client (`app_credentials.service`): the client's
own, saved in the Portal, win over the environment's, per client; removing them brings the environment's
back; without either the platform is not configured and the OAuth flow refuses to start."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from ledgerlink.app_credentials import service as app_credentials
from ledgerlink.clients.models import Client
from ledgerlink.clients.service import ensure_default_client
from ledgerlink.connectors import registry
from ledgerlink.connectors.authorization import (
    ENVIRONMENT,
    PORTAL,
    OAuthClientCredentials,
    OAuthNotConfigured,
)
from ledgerlink.connectors.plaid.connector import PlaidConfig, PlaidConnector
from ledgerlink.connectors.xero.connector import XeroConnector, XeroUrls
from ledgerlink.database import migrate
from ledgerlink.jobs import Runtime
from ledgerlink.kit.clock import utcnow
from ledgerlink.oauth import flow
from tests.support import connectors as harness
from tests.support.server import separate_database

pytestmark = pytest.mark.anyio

KEY = b"0" * 43 + b"="
PUBLIC_URL = "http://ledgerlink.test"


@pytest.fixture(scope="module")
def database_url(postgres: str) -> str:
    url = separate_database(postgres, "app_credentials_rule")
    migrate(url)
    return url


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    async with harness.runtime_on(database_url, KEY, PUBLIC_URL) as run:
        yield run


async def test_the_clients_own_win_over_the_environment_and_removing_them_brings_it_back(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = OAuthClientCredentials(client_id="env-app", client_secret="env-secret")
    xero = XeroConnector(
        XeroUrls("http://x/authorize", "http://x/token", "http://x", "http://x/api"), client=environment
    )
    monkeypatch.setitem(registry.CONNECTORS, "gbol", xero)
    unset = PlaidConnector(
        PlaidConfig(None, None, "http://plaid.invalid", "http://plaid.invalid/link.js", ("US",))
    )
    monkeypatch.setitem(registry.CONNECTORS, "suuo", unset)
    _, connection_id = await harness.pending_connection(runtime, "gbol", "Rule Co")

    async with runtime.sessionmaker() as session, session.begin():
        mine = await ensure_default_client(session)
        other = Client(id=uuid.uuid4(), name="Another lender", redirect_url="", created_at=utcnow())
        session.add(other)
        await session.flush()
        before = await app_credentials.resolve(session, runtime.secrets, mine.id, xero)
        assert before is not None and before.source == ENVIRONMENT and before["client_id"] == "env-app"
        assert await app_credentials.resolve(session, runtime.secrets, mine.id, unset) is None
        assert not unset.is_usable(None)
        # Something the form did not ask for is ignored; the saved secret is sealed.
        given = {"client_id": "own-app", "client_secret": "own-secret", "extra": "x"}
        await app_credentials.save(session, runtime.secrets, mine.id, xero, given)
        await app_credentials.save(
            session,
            runtime.secrets,
            mine.id,
            unset,
            {"client_id": "p", "secret": "q", "environment": "sandbox"},
        )

    async with runtime.sessionmaker() as session:
        own = await app_credentials.resolve(session, runtime.secrets, mine.id, xero)
        assert own is not None and own.source == PORTAL
        assert dict(own.values) == {"client_id": "own-app", "client_secret": "own-secret"}
        assert "own-secret" not in repr(own)
        # Per client: another client of the same installation still gets the environment's.
        theirs = await app_credentials.resolve(session, runtime.secrets, other.id, xero)
        assert theirs is not None and theirs.source == ENVIRONMENT
        assert (
            await app_credentials.resolve(session, runtime.secrets, mine.id, registry.CONNECTORS["mqjo"])
            is None
        )
        plaid_keys = await app_credentials.resolve(session, runtime.secrets, mine.id, unset)
        assert plaid_keys is not None and plaid_keys["environment"] == "sandbox"
        assert unset.is_usable(plaid_keys)
        assert (await app_credentials.sources(session, mine.id)).items() >= {
            "gbol": PORTAL,
            "suuo": PORTAL,
        }.items()
        assert (await app_credentials.sources(session, other.id))["suuo"] is None

    # The OAuth flow authorizes as the client's own app.
    started = await flow.start(runtime, connection_id)
    assert "client_id=own-app" in started.url

    async with runtime.sessionmaker() as session, session.begin():
        await app_credentials.remove(session, mine.id, xero)
        await app_credentials.remove(session, mine.id, unset)
    async with runtime.sessionmaker() as session:
        back = await app_credentials.resolve(session, runtime.secrets, mine.id, xero)
        assert back is not None and back.source == ENVIRONMENT and back["client_id"] == "env-app"
        assert await app_credentials.resolve(session, runtime.secrets, mine.id, unset) is None
    assert "client_id=env-app" in (await flow.start(runtime, connection_id)).url

    # Neither: the flow refuses before storing anything.
    nothing = OAuthClientCredentials(client_id=None, client_secret=None)
    monkeypatch.setitem(registry.CONNECTORS, "gbol", XeroConnector(xero.urls, client=nothing))
    with pytest.raises(OAuthNotConfigured, match="Portal"):
        await flow.start(runtime, connection_id)
