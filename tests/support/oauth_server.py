"""A real OAuth2 authorization server for the tests, built on Authlib's server side.

Authorization code grant with PKCE required (S256), refresh token grant with rotation (every refresh issues
a new refresh token and revokes the one presented, so a reused one gets `invalid_grant`). It runs on
127.0.0.1 under uvicorn in a thread, auto-approves the consent for one test user, counts token requests,
remembers every refresh token presented, and can revoke the user's grant.

Authlib's `AuthorizationServer` is framework-neutral: this module adapts it to Starlette (an `OAuth2Request`
built from the form and query, `handle_response` returning a Starlette response) and keeps clients, codes
and tokens in memory.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Request, TokenMixin, grants
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.support.threaded import ThreadedServer

USER = "test-user"


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scope: str = "accounting offline_access"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.scope.split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return time.time() - self.issued_at > 300


@dataclass
class Token(TokenMixin):
    client_id: str
    user: str
    access_token: str
    refresh_token: str | None
    scope: str
    expires_in: int
    issued_at: float = field(default_factory=time.time)
    revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> str:
        return self.user

    def get_client(self) -> Client:  # pragma: no cover - not used by these grants
        raise NotImplementedError


class StarletteOAuth2Request(OAuth2Request):
    def __init__(
        self, method: str, uri: str, headers: Any, query: dict[str, str], form: dict[str, str]
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self._args = query
        self._form = form
        self.payload = BasicOAuth2Payload({**query, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class LocalAuthorizationServer(AuthorizationServer):
    def __init__(self, owner: OAuthTestServer) -> None:
        super().__init__(scopes_supported=["accounting", "offline_access"])
        self.owner = owner

    def query_client(self, client_id: str) -> Client | None:
        return self.owner.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.owner.tokens.append(
            Token(
                client_id=request.client.client_id,
                user=request.user,
                access_token=token["access_token"],
                refresh_token=token.get("refresh_token"),
                scope=token.get("scope", ""),
                expires_in=token["expires_in"],
            )
        )

    def create_oauth2_request(self, request: StarletteOAuth2Request) -> StarletteOAuth2Request:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=dict(headers))
        return Response(body or "", status_code=status, headers=dict(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        payload = request.payload
        self.server.owner.codes[code] = AuthorizationCode(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=payload.redirect_uri,
            scope=request.scope or "",
            user=request.user,
            code_challenge=payload.data.get("code_challenge"),
            code_challenge_method=payload.data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        found = self.server.owner.codes.get(code)
        if found and found.client_id == client.client_id and not found.is_expired():
            return found
        return None

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self.server.owner.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> str:
        return authorization_code.user


class RotatingRefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        for token in self.server.owner.tokens:
            if token.refresh_token == refresh_token and not token.revoked:
                return token
        return None

    def authenticate_user(self, refresh_token: Token) -> str:
        return refresh_token.user

    def revoke_old_credential(self, refresh_token: Token) -> None:
        refresh_token.revoked = True


class OAuthTestServer:
    """Start with `start()`, stop with `stop()`; `authorize_url` and `token_url` are what a provider needs."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        access_token_lifetime: int = 3600,
        consent_page: bool = False,
    ):
        # With a consent page the business clicks Allow or Deny, as in a browser; without, consent is given
        # at once (`deny=1` in the query declines).
        self.consent_page = consent_page
        self.clients = {client_id: Client(client_id, client_secret, [redirect_uri])}
        self.codes: dict[str, AuthorizationCode] = {}
        self.tokens: list[Token] = []
        self.access_token_lifetime = access_token_lifetime
        # Requests to the token endpoint, by grant type; refresh tokens presented, in order.
        self.token_requests: Counter[str] = Counter()
        self.refresh_tokens_presented: list[str] = []
        # Seconds a refresh takes (a wider window for concurrent callers to collide in).
        self.refresh_delay = 0.0
        self.server = LocalAuthorizationServer(self)
        self.server.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: "at-" + secrets.token_urlsafe(24),
                refresh_token_generator=lambda **_: "rt-" + secrets.token_urlsafe(24),
                expires_generator=lambda client, grant_type: self.access_token_lifetime,
            ),
        )
        self.server.register_grant(CodeGrant, [CodeChallenge(required=True)])
        self.server.register_grant(RotatingRefreshGrant)
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.authorize_url = f"{self.base_url}/authorize"
        self.token_url = f"{self.base_url}/token"
        self._served: ThreadedServer | None = None

    # The grant of the test user: revoked as a business would in the platform's settings.
    def revoke_grant(self, user: str = USER) -> None:
        for token in self.tokens:
            if token.user == user:
                token.revoked = True

    async def _authorize(self, request: Request) -> Response:
        if self.consent_page and request.method == "GET":
            return HTMLResponse(
                "<!doctype html><html lang=en><title>Test platform: allow access?</title><main>"
                "<h1>Allow ledgerlink to read your books?</h1>"
                f'<form method="post" action="/authorize?{escape(request.url.query)}">'
                '<button name="decision" value="allow">Allow</button> '
                '<button name="decision" value="deny">Deny</button></form></main></html>'
            )
        oauth_request = await self._oauth_request(request)
        if request.method == "POST":
            deny = oauth_request.form.get("decision") != "allow"
        else:
            deny = request.query_params.get("deny") == "1"
        grant = self.server.get_consent_grant(oauth_request, end_user=USER)
        return self.server.create_authorization_response(
            oauth_request, grant_user=None if deny else USER, grant=grant
        )

    async def _token(self, request: Request) -> Response:
        oauth_request = await self._oauth_request(request)
        grant_type = oauth_request.form.get("grant_type", "")
        self.token_requests[grant_type] += 1
        if grant_type == "refresh_token":
            self.refresh_tokens_presented.append(oauth_request.form.get("refresh_token", ""))
            if self.refresh_delay:
                await asyncio.sleep(self.refresh_delay)
        return self.server.create_token_response(oauth_request)

    async def _oauth_request(self, request: Request) -> StarletteOAuth2Request:
        # The token endpoint takes application/x-www-form-urlencoded (parsed here: no multipart library).
        form = dict(parse_qsl((await request.body()).decode())) if request.method == "POST" else {}
        return StarletteOAuth2Request(
            request.method, str(request.url), request.headers, dict(request.query_params), form
        )

    def routes(self) -> list[Route]:
        """The server's endpoints (a platform's fake adds its API to them)."""
        return [
            Route("/authorize", self._authorize, methods=["GET", "POST"]),
            Route("/token", self._token, methods=["POST"]),
        ]

    def start(self) -> OAuthTestServer:
        self._served = ThreadedServer(
            Starlette(routes=self.routes()), self.port, "the OAuth test server"
        ).start()
        return self

    def stop(self) -> None:
        if self._served is not None:
            self._served.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
