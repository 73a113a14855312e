"""The authorization code flow, with `state` and PKCE (S256), for one connection.

`start` hands out the platform's authorization URL. Its `state` is 256 random bits, stored server-side
only as a SHA-256 (`oauth_authorizations`), with the PKCE `code_verifier` sealed beside it, an expiry
(`STATE_TTL`) and a used-at mark. `complete` is what the callback calls with the `state` and `code` the
platform sent back: the state must be known, unused and unexpired (it is marked used before the code is
exchanged, so a replayed callback fails even while the first one is in flight); the code is exchanged
with the stored verifier through Authlib's `AsyncOAuth2Client`; the tokens are sealed onto the connection
and the connection is linked through `connections.service.link` (which moves it to Linked, resolves its
Active `dataConnectionErrors` on a re-link, and queues its first-link pulls). Between the exchange and the
link, the connector's `after_authorization` says what to keep beside the tokens (Xero: the tenant). Both
steps authenticate as the app whose credentials apply to the connection's client
(`app_credentials.service.for_connection`: the client's own from the Portal, else the environment's).
"""

from __future__ import annotations

import hashlib
import secrets as random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import structlog
from authlib.integrations.base_client import OAuthError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ledgerlink.app_credentials import service as app_credentials
from ledgerlink.clients.models import Client
from ledgerlink.companies.models import Company
from ledgerlink.connections import service as connections
from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry
from ledgerlink.connectors.authorization import OAuthNotConfigured
from ledgerlink.connectors.base import AuthorizationRejected
from ledgerlink.jobs import Runtime
from ledgerlink.kit.clock import utcnow
from ledgerlink.oauth.models import PendingAuthorization
from ledgerlink.oauth.tokens import OAuthTokens, http, lock_authorization, oauth_client, provider_for

log = structlog.get_logger("ledgerlink.oauth")

# How long the business has to finish consenting at the platform.
STATE_TTL = timedelta(minutes=30)
CALLBACK_PATH = "/link/oauth/callback"


class AuthorizationStateInvalid(Exception):
    """The callback's `state` is unknown, already used or expired: the business must start again."""


class AuthorizationFailed(Exception):
    """The platform did not exchange the code for tokens (denied, tampered or stale)."""

    def __init__(self, message: str, connection_id: uuid.UUID | None = None) -> None:
        super().__init__(message)
        self.connection_id = connection_id


@dataclass(frozen=True)
class AuthorizationStart:
    url: str
    # Returned for tests and logs of the caller's own; never stored in clear.
    state: str


def callback_url(runtime: Runtime) -> str:
    return f"{runtime.urls.base}{CALLBACK_PATH}"


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


async def start(
    runtime: Runtime, connection_id: uuid.UUID, *, redirect_uri: str | None = None
) -> AuthorizationStart:
    """A new authorization URL for the connection (any number may be outstanding; each is single-use)."""
    redirect_uri = redirect_uri or callback_url(runtime)
    async with runtime.sessionmaker() as session, session.begin():
        connection = await session.get(Connection, connection_id)
        if connection is None:
            raise AuthorizationStateInvalid(f"The connection {connection_id} does not exist.")
        provider = provider_for(connection.integration_key)
        app = await app_credentials.for_connection(session, runtime.secrets, connection)
        # Refused before anything is stored: the platform's consent page could not be opened.
        provider.client_credentials(app)
        state = random.token_urlsafe(32)
        # RFC 7636: 43 to 128 characters of [A-Za-z0-9-._~]; 64 random bytes give 86.
        verifier = random.token_urlsafe(64)
        now = utcnow()
        session.add(
            PendingAuthorization(
                state_hash=_hash(state),
                connection_id=connection.id,
                sealed_verifier=runtime.secrets.seal(verifier),
                redirect_uri=redirect_uri,
                created_at=now,
                expires_at=now + STATE_TTL,
            )
        )
    async with oauth_client(provider, app) as client:
        url, _ = client.create_authorization_url(
            provider.authorize_url,
            state=state,
            code_verifier=verifier,
            redirect_uri=redirect_uri,
            **dict(provider.authorize_params),
        )
    log.info("oauth authorization started", connection_id=str(connection_id))
    return AuthorizationStart(url=url, state=state)


async def _consume(session: AsyncSession, state: str) -> PendingAuthorization:
    """The authorization `state` names, marked used; `AuthorizationStateInvalid` if it cannot be."""
    pending = await session.scalar(
        select(PendingAuthorization).where(PendingAuthorization.state_hash == _hash(state)).with_for_update()
    )
    if pending is None:
        raise AuthorizationStateInvalid("This authorization is unknown; start linking again.")
    if pending.used_at is not None:
        raise AuthorizationStateInvalid("This authorization has already been used; start linking again.")
    if pending.expires_at <= utcnow():
        raise AuthorizationStateInvalid("This authorization has expired; start linking again.")
    pending.used_at = utcnow()
    return pending


async def abandon(runtime: Runtime, state: str) -> uuid.UUID:
    """The business declined consent (the callback brought `error=`): the state is spent, the connection
    stays as it was. Returns the connection's id."""
    async with runtime.sessionmaker() as session, session.begin():
        pending = await _consume(session, state)
        return pending.connection_id


async def complete(
    runtime: Runtime, state: str, code: str, callback: Mapping[str, str] | None = None
) -> Connection:
    """The callback: validate `state`, exchange `code` with the PKCE verifier, store the tokens, link.
    `callback` is the callback's other query parameters, handed to the connector's `after_authorization`
    (QuickBooks names the consenting company there, `realmId`)."""
    async with runtime.sessionmaker() as session, session.begin():
        pending = await _consume(session, state)
        connection_id = pending.connection_id
        redirect_uri = pending.redirect_uri
        verifier: str = runtime.secrets.open(pending.sealed_verifier)
        connection = await session.get(Connection, connection_id)
        assert connection is not None  # the row cascades with its connection
        # A client disabled while the business was at the consent page gets no tokens (the state stays
        # unused).
        disabled = select(Client.disabled_at).join(Company, Company.client_id == Client.id)
        if await session.scalar(disabled.where(Company.id == connection.company_id)) is not None:
            raise AuthorizationFailed("This link is no longer valid.", connection_id)
        provider = provider_for(connection.integration_key)
        app = await app_credentials.for_connection(session, runtime.secrets, connection)

    # No database lock is held while the platform is asked.
    try:
        async with oauth_client(provider, app) as client:
            token = await client.fetch_token(
                provider.token_url, code=code, code_verifier=verifier, redirect_uri=redirect_uri
            )
    except OAuthError as error:
        detail = f"{error.error}: {error.description}" if error.description else str(error.error)
        raise AuthorizationFailed(
            f"The platform did not accept the authorization ({detail}).", connection_id
        ) from None
    except (http.HTTPError, ValueError) as error:
        raise AuthorizationFailed(
            f"The platform's token endpoint failed ({type(error).__name__}).", connection_id
        ) from None
    except OAuthNotConfigured:
        # The app credentials were removed while the business was at the consent page.
        raise AuthorizationFailed(
            "This software is no longer set up here, so the connection could not be finished.", connection_id
        ) from None
    tokens = OAuthTokens.from_response(dict(token))
    connector = registry.get(connection.integration_key)
    assert connector is not None  # provider_for found it
    try:
        beside = await connector.after_authorization(tokens.access_token, dict(callback or {}))
    except AuthorizationRejected as rejected:
        raise AuthorizationFailed(str(rejected), connection_id) from None

    async with runtime.sessionmaker() as session, session.begin():
        # Same lock order as a refresh: the connection's authorization lock, then the company's row.
        await lock_authorization(session, connection_id)
        company = await session.scalar(
            select(Company)
            .join(Connection, Connection.company_id == Company.id)
            .where(Connection.id == connection_id)
            .options(selectinload(Company.connections))
            .with_for_update(of=Company)
        )
        if company is None:
            raise AuthorizationFailed("The connection was deleted while it was being authorized.")
        connection = next(c for c in company.connections if c.id == connection_id)
        # The rule `PUT .../authorization` applies: one Linked accounting connection per company.
        connections.check_single_accounting(company, connector, exclude=connection.id)
        await connections.link(
            session, company, connection, tokens.sealed(runtime.secrets, beside), runtime.urls
        )
    log.info("oauth authorization completed", connection_id=str(connection_id))
    return connection
