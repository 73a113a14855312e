"""How ledgerlink is registered with a platform: its app credentials (fields, values) and OAuth provider.

Both the connectors (which declare them) and the OAuth machinery, the app credentials rule and Link (which
use them) import this module; it imports nothing of ledgerlink, so it sits below all of them.

An OAuth connector sets `oauth = OAuthProvider(...)` on its class. The endpoints, scopes and extra parameters
are facts about the platform and live in the code; the client id and secret are the operator's app at the
platform. A client may set its own in the Portal; the installation's, every client's otherwise, come from
the environment: `LEDGERLINK_OAUTH_<KEY>_CLIENT_ID` and `LEDGERLINK_OAUTH_<KEY>_CLIENT_SECRET`, where
`<KEY>` is the provider's key in upper case (a connector may instead pass `client=` explicitly, as the
tests do). `app_credentials.service` resolves which apply to a client; the provider only reports the
environment's. The secret is a `SecretStr`, so neither a `repr` nor a log line shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


@dataclass(frozen=True)
class AppCredentialField:
    """One part of ledgerlink's registration with a platform (an OAuth app's client id, Plaid's secret): what
    the operator copies from the platform's developer dashboard into the Portal or the environment."""

    name: str
    label: str
    # Sealed at rest and never shown again once saved.
    secret: bool = False
    # The values it may take (offered as a list); empty: free text.
    choices: tuple[str, ...] = ()
    # What the Portal's form starts with (of `choices`).
    default: str | None = None
    hint: str | None = None


# What every OAuth2 platform needs: the operator's app at the platform.
OAUTH_APP_FIELDS = (
    AppCredentialField("client_id", "Client ID"),
    AppCredentialField("client_secret", "Client secret", secret=True),
)

PORTAL = "portal"
ENVIRONMENT = "environment"


@dataclass(frozen=True)
class AppCredentials:
    """A platform's app credentials as resolved for one client (`app_credentials.service`): the values of the
    connector's `app_credential_fields`, and where they came from (`PORTAL`: the client's own, set in the
    Portal; `ENVIRONMENT`: the installation's, for every client). Connectors are shared by every client, so
    they are handed these per call rather than keeping them."""

    # Secrets included: the repr leaves the values out, so a log line or a traceback never shows them.
    values: Mapping[str, str] = field(repr=False)
    source: str = ENVIRONMENT

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.values.get(name, default)


class OAuthNotConfigured(Exception):
    """Neither the client (in the Portal) nor the environment gives ledgerlink a client id and secret for
    this platform."""


class OAuthClientCredentials(BaseSettings):
    """ledgerlink's registration with one platform (read from `LEDGERLINK_OAUTH_<KEY>_*`)."""

    model_config = SettingsConfigDict(extra="ignore")

    client_id: str | None = None
    client_secret: SecretStr | None = None


@lru_cache
def _credentials_from_env(key: str) -> OAuthClientCredentials:
    return OAuthClientCredentials(_env_prefix=f"LEDGERLINK_OAUTH_{key.upper()}_")


@dataclass(frozen=True)
class OAuthProvider:
    # The connector's platform key (also names its environment variables).
    key: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...] = ()
    # Extra query parameters of the authorization request (e.g. `prompt=consent`, `access_type=offline`).
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    # How the client authenticates at the token endpoint: `client_secret_basic` or `client_secret_post`.
    token_endpoint_auth_method: str = "client_secret_basic"
    # The installation's credentials given explicitly; None reads them from the environment.
    client: OAuthClientCredentials | None = field(default=None, repr=False, compare=False)

    def environment_credentials(self) -> AppCredentials | None:
        """The installation's client id and secret (`client=`, else `LEDGERLINK_OAUTH_<KEY>_*`), or None."""
        client = self.client or _credentials_from_env(self.key)
        secret = client.client_secret.get_secret_value() if client.client_secret is not None else ""
        if not client.client_id or not secret:
            return None
        return AppCredentials({"client_id": client.client_id, "client_secret": secret}, ENVIRONMENT)

    def client_credentials(self, app: AppCredentials | None) -> tuple[str, str]:
        """(client id, client secret) of the client's resolved `app`, or `OAuthNotConfigured` saying where to
        set them."""
        if app is None or not app.get("client_id") or not app.get("client_secret"):
            prefix = f"LEDGERLINK_OAUTH_{self.key.upper()}_"
            raise OAuthNotConfigured(
                f"OAuth for {self.key} is not configured: set the client's app credentials in the Portal "
                f"(Integrations), or {prefix}CLIENT_ID and {prefix}CLIENT_SECRET."
            )
        return app["client_id"], app["client_secret"]

    @property
    def scope(self) -> str | None:
        return " ".join(self.scopes) or None
