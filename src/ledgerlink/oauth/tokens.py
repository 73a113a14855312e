"""A connection's OAuth tokens: where they are kept, and a valid access token on demand.

Storage. The tokens live sealed in `connections.sealed_authorization` as
`{"oauth": {"access_token", "refresh_token", "expires_at", "token_type", "scope"}}` (beside whatever the
connector asked to keep with them, `Connector.after_authorization`, such as Xero's tenant) rather than in a table
of their own: the pull runner already opens that column into `FetchRequest.credentials`, so an OAuth
connector reaches its tokens the way a credentials connector reaches its keys; a connection has exactly
one authorization at a time, so one sealed value is the whole truth (a re-link replaces it in one write,
with nothing to keep in step); and nothing needs to query tokens by expiry, because they are refreshed
when used, not on a schedule.

Refresh. `access_token()` returns the stored token while it has more than `margin` seconds to live.
Otherwise it takes a transaction-scoped advisory lock keyed by the connection (concurrent callers in any
process queue on it), re-reads the tokens (whoever held the lock before may have refreshed already), calls
the token endpoint, and commits the new tokens, the rotated refresh token among them, before returning
the new access token. A platform that rotates refresh tokens therefore never sees one used twice: every
later caller reads the rotated one. An advisory lock rather than `SELECT ... FOR UPDATE` on the
connection because the lock is held across an HTTP call, and a row lock would also stall the pull
runner's `FOR KEY SHARE` and every status change of the connection meanwhile.

Lock order: the advisory lock first, then the company row (only to change the connection's status);
`flow.complete` takes them in the same order. Call `access_token()` outside any transaction that holds
the company's row lock.

Lost grants. `invalid_grant` from the token endpoint (or a 401 without an OAuth error code) means the
business revoked ledgerlink's access or the grant expired: the connection turns `Deauthorized` with an
Active `dataConnectionErrors` entry (the shape the pull runner writes), and `AuthorizationLost` is
raised. `invalid_client` is not a lost grant: the platform rejects the operator's client credentials,
which fixing the app credentials (Portal or environment) repairs for every connection at once, so it
raises `TokenRefreshFailed` and leaves the connection alone, as do network errors, 5xx responses and app
credentials that are no longer set.

App credentials. A refresh authenticates with the client id and secret that apply to the connection's
client when it happens (`app_credentials.service.for_connection`, read in the refresh's transaction), so
credentials replaced in the Portal are used by the next refresh in any process.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.app_credentials import service as app_credentials
from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.connections.status import ConnectionStatus, transition
from ledgerlink.connectors.base import AppCredentials, AuthorizationLost
from ledgerlink.db import transaction_lock
from ledgerlink.jobs import Runtime
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.kit.secrets import SecretBox
from ledgerlink.kit.urls import PublicUrls
from ledgerlink.oauth.provider import OAuthNotConfigured, OAuthProvider, provider_for

try:  # Authlib's httpx client runs on `httpx2` when that is installed, else on `httpx`: catch what it raises.
    import httpx2 as http  # type: ignore[import-not-found]
except ImportError:
    import httpx as http

log = structlog.get_logger("ledgerlink.oauth")

# Refresh when the access token has less than this to live.
REFRESH_MARGIN_SECONDS = 60
TOKEN_ENDPOINT_TIMEOUT = 15.0
# OAuth error codes that mean the grant itself is gone (revoked, expired, or a refresh token reused).
REVOKED_GRANT_ERRORS = frozenset({"invalid_grant"})


class TokenRefreshFailed(Exception):
    """The token endpoint could not be used (network, 5xx, or ledgerlink's client was rejected)."""


@dataclass(frozen=True)
class OAuthTokens:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    # Seconds since the epoch; None: the platform did not say (taken as not expiring).
    expires_at: int | None
    token_type: str = "Bearer"
    scope: str | None = None

    @classmethod
    def from_response(cls, token: dict[str, Any], previous_refresh_token: str | None = None) -> OAuthTokens:
        """From a token endpoint response (Authlib's `OAuth2Token`); a platform that does not rotate
        refresh tokens omits it on refresh, and the previous one stays valid."""
        expires_at = token.get("expires_at")
        if expires_at is None and token.get("expires_in") is not None:
            expires_at = int(time.time()) + int(token["expires_in"])
        return cls(
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token") or previous_refresh_token,
            expires_at=int(expires_at) if expires_at is not None else None,
            token_type=token.get("token_type") or "Bearer",
            scope=token.get("scope"),
        )

    def expires_within(self, seconds: float) -> bool:
        return self.expires_at is not None and self.expires_at - time.time() <= seconds

    def sealed(self, secrets: SecretBox, beside: dict[str, Any] | None = None) -> bytes:
        """The tokens sealed for `connections.sealed_authorization`, with the connector's `beside` keys."""
        return secrets.seal(
            {
                **(beside or {}),
                "oauth": {
                    "access_token": self.access_token,
                    "refresh_token": self.refresh_token,
                    "expires_at": self.expires_at,
                    "token_type": self.token_type,
                    "scope": self.scope,
                },
            }
        )


def stored_tokens(secrets: SecretBox, connection: Connection) -> OAuthTokens | None:
    if connection.sealed_authorization is None:
        return None
    stored = secrets.open(connection.sealed_authorization)
    oauth = stored.get("oauth") if isinstance(stored, dict) else None
    if not isinstance(oauth, dict) or not oauth.get("access_token"):
        return None
    return OAuthTokens(**oauth)


def stored_beside(secrets: SecretBox, connection: Connection) -> dict[str, Any]:
    """What the connector keeps beside the tokens (everything of the sealed authorization but `oauth`)."""
    if connection.sealed_authorization is None:
        return {}
    stored = secrets.open(connection.sealed_authorization)
    return {k: v for k, v in stored.items() if k != "oauth"} if isinstance(stored, dict) else {}


def oauth_client(provider: OAuthProvider, app: AppCredentials | None) -> AsyncOAuth2Client:
    """Authlib's httpx client for the provider, authenticating with the client's resolved `app` credentials
    (the caller closes it: `async with`); `OAuthNotConfigured` when there are none."""
    client_id, client_secret = provider.client_credentials(app)
    return AsyncOAuth2Client(
        client_id=client_id,
        client_secret=client_secret,
        scope=provider.scope,
        token_endpoint_auth_method=provider.token_endpoint_auth_method,
        code_challenge_method="S256",
        timeout=TOKEN_ENDPOINT_TIMEOUT,
    )


async def lock_authorization(session: AsyncSession, connection_id: uuid.UUID) -> None:
    """Serialise everything that reads-then-writes the connection's tokens (until the transaction ends)."""
    await transaction_lock(session, f"oauth:{connection_id}")


async def access_token(
    runtime: Runtime,
    connection_id: uuid.UUID,
    *,
    margin: float = REFRESH_MARGIN_SECONDS,
    refused: str | None = None,
) -> str:
    """A valid access token for a Linked OAuth connection, refreshed first if it expires within `margin`,
    or if it is `refused` (an access token the platform turned down before its time; if another caller has
    replaced it meanwhile, that newer token is returned without a refresh).

    Raises `AuthorizationLost` when the connection has no usable grant (and turns it `Deauthorized` when
    the platform says so), `TokenRefreshFailed` when the platform cannot be asked just now.
    """
    async with runtime.sessionmaker() as session:
        connection = await session.get(Connection, connection_id)
        tokens = _usable_tokens(runtime.secrets, connection, connection_id)
        if not _needs_refresh(tokens, margin, refused):
            return tokens.access_token

    lost: str | None = None
    async with runtime.sessionmaker() as session, session.begin():
        await lock_authorization(session, connection_id)
        connection = await session.get(Connection, connection_id, populate_existing=True)
        tokens = _usable_tokens(runtime.secrets, connection, connection_id)
        if not _needs_refresh(tokens, margin, refused):
            return tokens.access_token  # another caller refreshed while this one waited
        assert connection is not None
        if tokens.refresh_token is None:
            lost = "The access token expired and the platform gave no refresh token; the business must link again."
        else:
            app = await app_credentials.for_connection(session, runtime.secrets, connection)
            try:
                tokens = await _refresh(provider_for(connection.integration_key), app, tokens.refresh_token)
            except _GrantRevoked as revoked:
                lost = str(revoked)
        if lost is not None:
            await deauthorize(session, runtime.urls, connection, lost)
        else:
            # Committed when this block ends, before the new access token is handed to anyone.
            beside = stored_beside(runtime.secrets, connection)
            connection.sealed_authorization = tokens.sealed(runtime.secrets, beside)
    if lost is not None:
        log.warning("oauth grant lost", connection_id=str(connection_id), reason=lost)
        raise AuthorizationLost(lost)
    log.info("oauth token refreshed", connection_id=str(connection_id), expires_at=tokens.expires_at)
    return tokens.access_token


def _needs_refresh(tokens: OAuthTokens, margin: float, refused: str | None) -> bool:
    return tokens.expires_within(margin) or (refused is not None and tokens.access_token == refused)


def _usable_tokens(
    secrets: SecretBox, connection: Connection | None, connection_id: uuid.UUID
) -> OAuthTokens:
    if connection is None:
        raise AuthorizationLost(f"The connection {connection_id} no longer exists.")
    if connection.status != ConnectionStatus.LINKED.value:
        raise AuthorizationLost(
            f"The connection is {connection.status}; only a Linked connection has tokens."
        )
    tokens = stored_tokens(secrets, connection)
    if tokens is None:
        raise AuthorizationLost(
            "The connection holds no OAuth tokens; the business must link it through Link."
        )
    return tokens


class _GrantRevoked(Exception):
    """The token endpoint said the grant is gone (`invalid_grant`, or a bare 401)."""


async def _refresh(provider: OAuthProvider, app: AppCredentials | None, refresh_token: str) -> OAuthTokens:
    try:
        async with oauth_client(provider, app) as client:
            token = await client.refresh_token(provider.token_url, refresh_token=refresh_token)
    except OAuthError as error:
        if error.error in REVOKED_GRANT_ERRORS:
            raise _GrantRevoked(_describe(error)) from None
        raise TokenRefreshFailed(f"The token endpoint refused the refresh: {_describe(error)}") from None
    except http.HTTPStatusError as error:
        if error.response.status_code == 401:
            raise _GrantRevoked("The platform refused the refresh token (HTTP 401).") from None
        raise TokenRefreshFailed(f"The token endpoint answered HTTP {error.response.status_code}.") from None
    except (http.HTTPError, ValueError) as error:
        raise TokenRefreshFailed(f"The token endpoint could not be reached: {type(error).__name__}") from None
    except OAuthNotConfigured as missing:
        raise TokenRefreshFailed(str(missing)) from None
    return OAuthTokens.from_response(dict(token), previous_refresh_token=refresh_token)


def _describe(error: OAuthError) -> str:
    return f"{error.error}: {error.description}" if error.description else str(error.error)


async def deauthorize(
    session: AsyncSession, urls: PublicUrls, connection: Connection, description: str
) -> None:
    """The platform no longer honours the grant: an Active `dataConnectionErrors` entry and `Deauthorized`
    (if the connection is Linked; otherwise there is nothing to change). Takes the company's row lock."""
    company = await session.scalar(
        select(Company).where(Company.id == connection.company_id).with_for_update()
    )
    await session.refresh(connection)
    if company is None or connection.status != ConnectionStatus.LINKED.value:
        return
    connection.data_connection_errors = [
        *(connection.data_connection_errors or []),
        {
            "statusCode": "401",
            "statusText": "Unauthorized",
            "errorMessage": description,
            "erroredOnUtc": iso(utcnow(), timespec="auto"),
            "status": "Active",
        },
    ]
    transition(session, company, connection, ConnectionStatus.DEAUTHORIZED, urls)
