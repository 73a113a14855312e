"""OAuth2 machinery against a real authorization server (Authlib's server side, rotating refresh tokens).

Code flow with state and PKCE, refresh before expiry with rotation, concurrent refreshes (one reaches the
server), and a revoked grant turning the connection Deauthorized until a re-link.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from ledgerlink.config import Settings
from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry
from ledgerlink.connectors.authorization import OAuthClientCredentials, OAuthProvider
from ledgerlink.connectors.base import AuthorizationLost, Branding, Connector, ConnectorInfo
from ledgerlink.database import migrate
from ledgerlink.jobs import Runtime
from ledgerlink.oauth import flow, tokens
from ledgerlink.oauth.models import PendingAuthorization
from ledgerlink.records.registry import SourceType
from tests.support import connectors as harness
from tests.support.connectors import runtime_on
from tests.support.oauth_server import OAuthTestServer
from tests.support.server import separate_database

pytestmark = pytest.mark.anyio

PLATFORM = "oauthtest"
PUBLIC_URL = "http://ledgerlink.test"
CALLBACK = f"{PUBLIC_URL}{flow.CALLBACK_PATH}"
CLIENT_ID = "ledgerlink-tests"
CLIENT_SECRET = "s3cret-" + uuid.uuid4().hex
KEY = Fernet.generate_key()


@pytest.fixture(scope="module")
def database_url(postgres: str) -> str:
    url = separate_database(postgres, "oauth_tests")
    migrate(url)
    return url


@pytest.fixture(scope="module")
def auth_server() -> Iterator[OAuthTestServer]:
    server = OAuthTestServer(CLIENT_ID, CLIENT_SECRET, CALLBACK).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def oauth_connector(auth_server: OAuthTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A platform authorized through the local server, registered like any connector."""

    class OAuthTestConnector(Connector):
        info = ConnectorInfo(
            key=PLATFORM,
            name="OAuth Test",
            source_type=SourceType.BANKING,
            branding=Branding(mark="OT", background="#123456"),
            data_types=(),
            accepts_credentials=False,
        )
        oauth = OAuthProvider(
            key=PLATFORM,
            authorize_url=auth_server.authorize_url,
            token_url=auth_server.token_url,
            scopes=("accounting", "offline_access"),
            client=OAuthClientCredentials(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
        )

    monkeypatch.setitem(registry.CONNECTORS, PLATFORM, OAuthTestConnector())
    auth_server.token_requests.clear()
    auth_server.refresh_tokens_presented.clear()
    auth_server.refresh_delay = 0.0


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    async with runtime_on(database_url, KEY, PUBLIC_URL) as run:
        yield run


async def pending_connection(run: Runtime) -> uuid.UUID:
    return (await harness.pending_connection(run, PLATFORM, "OAuth Co"))[1]


async def consent(start: flow.AuthorizationStart) -> dict[str, str]:
    """The business follows the authorization URL and consents; the platform redirects to the callback."""
    async with httpx.AsyncClient() as client:
        response = await client.get(start.url)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def linked_connection(run: Runtime) -> uuid.UUID:
    connection_id = await pending_connection(run)
    callback = await consent(await flow.start(run, connection_id))
    await flow.complete(run, callback["state"], callback["code"])
    return connection_id


async def load(run: Runtime, connection_id: uuid.UUID) -> Connection:
    async with run.sessionmaker() as session:
        connection = await session.get(Connection, connection_id)
        assert connection is not None
        return connection


async def expire_access_token(run: Runtime, connection_id: uuid.UUID) -> tokens.OAuthTokens:
    """Make the stored access token one that expired ten seconds ago (the refresh token stays valid)."""
    async with run.sessionmaker() as session, session.begin():
        connection = await session.get(Connection, connection_id)
        current = tokens.stored_tokens(run.secrets, connection)
        assert current is not None
        expired = tokens.OAuthTokens(
            access_token=current.access_token,
            refresh_token=current.refresh_token,
            expires_at=int(time.time()) - 10,
            token_type=current.token_type,
            scope=current.scope,
        )
        connection.sealed_authorization = expired.sealed(run.secrets)
    return expired


async def test_code_flow_links_with_state_and_pkce(runtime: Runtime, auth_server: OAuthTestServer) -> None:
    connection_id = await pending_connection(runtime)
    start = await flow.start(runtime, connection_id)
    query = parse_qs(urlsplit(start.url).query)
    assert query["state"] == [start.state]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [CALLBACK]
    assert "code_verifier" not in query

    callback = await consent(start)
    assert callback["state"] == start.state
    connection = await flow.complete(runtime, callback["state"], callback["code"])
    assert connection.id == connection_id

    stored = await load(runtime, connection_id)
    assert stored.status == "Linked"
    issued = auth_server.tokens[-1]
    assert auth_server.token_requests["authorization_code"] == 1
    # Sealed at rest: neither token appears in the column, and it opens to what the server issued.
    assert issued.access_token.encode() not in stored.sealed_authorization
    assert issued.refresh_token.encode() not in stored.sealed_authorization
    opened = tokens.stored_tokens(runtime.secrets, stored)
    assert (opened.access_token, opened.refresh_token) == (issued.access_token, issued.refresh_token)
    assert opened.expires_at and opened.expires_at > time.time() + 3000
    assert await tokens.access_token(runtime, connection_id) == issued.access_token
    assert auth_server.token_requests["refresh_token"] == 0
    # The state is kept only as a hash.
    async with runtime.sessionmaker() as session:
        rows = (
            await session.execute(
                text("SELECT * FROM oauth_authorizations WHERE connection_id = :id"), {"id": connection_id}
            )
        ).all()
    assert len(rows) == 1 and start.state not in repr(rows)

    # Single use: the same callback again is refused before the platform is asked.
    with pytest.raises(flow.AuthorizationStateInvalid, match="already been used"):
        await flow.complete(runtime, callback["state"], callback["code"])
    with pytest.raises(flow.AuthorizationStateInvalid, match="unknown"):
        await flow.complete(runtime, "not-a-state", callback["code"])
    assert auth_server.token_requests["authorization_code"] == 1


async def test_expired_state_is_refused(runtime: Runtime, auth_server: OAuthTestServer) -> None:
    connection_id = await pending_connection(runtime)
    start = await flow.start(runtime, connection_id)
    callback = await consent(start)
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE oauth_authorizations SET expires_at = now() - interval '1 second' "
                "WHERE connection_id = :id"
            ),
            {"id": connection_id},
        )
    with pytest.raises(flow.AuthorizationStateInvalid, match="expired"):
        await flow.complete(runtime, callback["state"], callback["code"])
    assert (await load(runtime, connection_id)).status == "PendingAuth"
    assert auth_server.token_requests["authorization_code"] == 0


async def test_a_disabled_client_s_consent_is_not_completed(
    runtime: Runtime, auth_server: OAuthTestServer
) -> None:
    """`ledgerlink clients disable` while the business is at the consent page: no tokens are fetched or
    stored, and the connection stays pending."""
    connection_id = await pending_connection(runtime)
    callback = await consent(await flow.start(runtime, connection_id))
    disabling = (
        "UPDATE clients SET disabled_at = {} WHERE id = (SELECT co.client_id FROM companies co"
        " JOIN connections c ON c.company_id = co.id WHERE c.id = :id)"
    )
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(text(disabling.format("now()")), {"id": connection_id})
    try:
        with pytest.raises(flow.AuthorizationFailed, match="no longer valid"):
            await flow.complete(runtime, callback["state"], callback["code"])
    finally:
        async with runtime.sessionmaker() as session, session.begin():
            await session.execute(text(disabling.format("NULL")), {"id": connection_id})
    assert (await load(runtime, connection_id)).status == "PendingAuth"
    assert auth_server.token_requests["authorization_code"] == 0


async def test_server_checks_the_pkce_verifier(runtime: Runtime, auth_server: OAuthTestServer) -> None:
    connection_id = await pending_connection(runtime)
    start = await flow.start(runtime, connection_id)
    callback = await consent(start)
    # Swap the stored verifier for another well-formed one: the code no longer matches its challenge.
    async with runtime.sessionmaker() as session, session.begin():
        pending = await session.scalar(
            select(PendingAuthorization).where(PendingAuthorization.connection_id == connection_id)
        )
        pending.sealed_verifier = runtime.secrets.seal("x" * 64)
    with pytest.raises(flow.AuthorizationFailed, match="invalid_grant"):
        await flow.complete(runtime, callback["state"], callback["code"])
    assert auth_server.token_requests["authorization_code"] == 1
    stored = await load(runtime, connection_id)
    assert stored.status == "PendingAuth" and stored.sealed_authorization is None


async def test_refresh_before_expiry_rotates_the_refresh_token(
    runtime: Runtime, auth_server: OAuthTestServer
) -> None:
    connection_id = await linked_connection(runtime)
    first = await expire_access_token(runtime, connection_id)

    new_access = await tokens.access_token(runtime, connection_id)
    assert new_access != first.access_token
    assert auth_server.token_requests["refresh_token"] == 1
    second = tokens.stored_tokens(runtime.secrets, await load(runtime, connection_id))
    assert second.access_token == new_access
    assert second.refresh_token not in (None, first.refresh_token)  # rotated, and saved
    assert second.expires_at > time.time() + 3000
    # Still fresh: no second request.
    assert await tokens.access_token(runtime, connection_id) == new_access
    assert auth_server.token_requests["refresh_token"] == 1

    await expire_access_token(runtime, connection_id)
    third_access = await tokens.access_token(runtime, connection_id)
    third = tokens.stored_tokens(runtime.secrets, await load(runtime, connection_id))
    assert third_access not in (first.access_token, new_access)
    # Each refresh token was presented once, the rotated one after the first; the old is never sent again.
    assert auth_server.refresh_tokens_presented == [first.refresh_token, second.refresh_token]
    assert third.refresh_token not in (first.refresh_token, second.refresh_token)
    # The server really rotates: the first refresh token is dead.
    async with httpx.AsyncClient() as client:
        reuse = await client.post(
            auth_server.token_url,
            data={"grant_type": "refresh_token", "refresh_token": first.refresh_token},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"


async def test_concurrent_refreshes_reach_the_server_once(
    runtime: Runtime, database_url: str, auth_server: OAuthTestServer
) -> None:
    connection_id = await linked_connection(runtime)
    await expire_access_token(runtime, connection_id)
    auth_server.refresh_delay = 0.3
    # Two runtimes (two connection pools, as two worker processes would have): the database lock serialises.
    async with runtime_on(database_url, KEY, PUBLIC_URL) as other:
        results = await asyncio.gather(
            *(tokens.access_token(runtime if i % 2 else other, connection_id) for i in range(10))
        )
    assert auth_server.token_requests["refresh_token"] == 1
    assert len(set(results)) == 1
    stored = tokens.stored_tokens(runtime.secrets, await load(runtime, connection_id))
    assert stored.access_token == results[0]
    assert (await load(runtime, connection_id)).status == "Linked"


async def test_revoked_grant_deauthorizes_until_relinked(
    runtime: Runtime, auth_server: OAuthTestServer
) -> None:
    connection_id = await linked_connection(runtime)
    await expire_access_token(runtime, connection_id)
    auth_server.revoke_grant()

    with pytest.raises(AuthorizationLost, match="invalid_grant"):
        await tokens.access_token(runtime, connection_id)
    assert auth_server.token_requests["refresh_token"] == 1
    connection = await load(runtime, connection_id)
    assert connection.status == "Deauthorized"
    [error] = connection.data_connection_errors
    assert (
        error["status"] == "Active" and error["statusCode"] == "401" and error["erroredOnUtc"].endswith("Z")
    )
    assert "invalid_grant" in error["errorMessage"]
    # A Deauthorized connection is not refreshed again.
    with pytest.raises(AuthorizationLost):
        await tokens.access_token(runtime, connection_id)
    assert auth_server.token_requests["refresh_token"] == 1

    # The business links again: same connection, Linked, its error resolved, fresh tokens usable.
    callback = await consent(await flow.start(runtime, connection_id))
    relinked = await flow.complete(runtime, callback["state"], callback["code"])
    assert relinked.id == connection_id
    connection = await load(runtime, connection_id)
    assert connection.status == "Linked"
    assert [e["status"] for e in connection.data_connection_errors] == ["Resolved"]
    assert await tokens.access_token(runtime, connection_id) == auth_server.tokens[-1].access_token
    async with runtime.sessionmaker() as session:
        events = (
            (
                await session.execute(
                    text("SELECT event_type FROM events WHERE company_id = :id ORDER BY generated_at, id"),
                    {"id": connection.company_id},
                )
            )
            .scalars()
            .all()
        )
    assert events[-2:] == ["connection.disconnected", "connection.reconnected"]


async def test_callback_endpoint(runtime: Runtime, database_url: str, tmp_path) -> None:
    from ledgerlink.app import create_app

    settings = Settings(
        public_url=PUBLIC_URL, secret_key=KEY.decode(), data_dir=tmp_path, worker_concurrency=0
    )
    app = create_app(settings, database_url)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            connection_id = await pending_connection(runtime)
            callback = await consent(await flow.start(runtime, connection_id))
            ok = await client.get(flow.CALLBACK_PATH, params=callback)
            # Linked, then on to Link's confirmation page for the connection.
            assert ok.status_code == 303, ok.text
            assert ok.headers["location"].endswith(f"/connections/{connection_id}/complete?statusCode=200")
            assert (await load(runtime, connection_id)).status == "Linked"
            again = await client.get(flow.CALLBACK_PATH, params=callback)
            assert again.status_code == 400 and "already been used" in again.text
            assert again.headers["content-type"].startswith("text/html")

            # Declined consent: the platform sends error=access_denied; the connection stays PendingAuth and
            # the business is told nothing was connected (this client has no redirect URL to send it to).
            declined_id = await pending_connection(runtime)
            start = await flow.start(runtime, declined_id)
            declined = await consent(flow.AuthorizationStart(url=start.url + "&deny=1", state=start.state))
            assert declined["error"] == "access_denied" and declined["state"] == start.state
            refused = await client.get(flow.CALLBACK_PATH, params=declined)
            assert refused.status_code == 200 and "Connection cancelled" in refused.text
            assert (await load(runtime, declined_id)).status == "PendingAuth"

            # A code the platform will not exchange: the business sees why and can retry; the client hears of
            # it as connection.failed.
            failing_id = await pending_connection(runtime)
            tampered = {**(await consent(await flow.start(runtime, failing_id))), "code": "not-the-code"}
            failed = await client.get(flow.CALLBACK_PATH, params=tampered)
            assert failed.status_code == 200 and "We couldn't connect" in failed.text
            assert f"/connections/{failing_id}/authorize" in failed.text
            assert (await load(runtime, failing_id)).status == "PendingAuth"
            async with runtime.sessionmaker() as session:
                failures = await session.scalar(
                    text(
                        "SELECT count(*) FROM events WHERE event_type = 'connection.failed' "
                        "AND payload -> 'connection' ->> 'id' = :id"
                    ),
                    {"id": str(failing_id)},
                )
            assert failures == 1
            with pytest.raises(flow.AuthorizationStateInvalid, match="already been used"):
                await flow.abandon(runtime, start.state)
    finally:
        await app.state.engine.dispose()
