"""What every connector declares about itself, and how it is authorized."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ledgerlink.connectors.authorization import (
    OAUTH_APP_FIELDS,
    AppCredentialField,
    AppCredentials,
    OAuthProvider,
)
from ledgerlink.records.registry import Operation, SourceType

# Integration and source ids are derived from the platform key, so they are the same on every install.
_ID_NAMESPACE = uuid.UUID("7d1f6c2e-3c55-4c1b-9a0e-5b3f0f2f8a11")


@dataclass(frozen=True)
class Branding:
    """How an integration is drawn: its colours and a short mark for its logo."""

    mark: str
    background: str
    foreground: str = "#ffffff"


@dataclass(frozen=True)
class CredentialField:
    """One thing a business types into Link to authorize a platform that takes credentials."""

    name: str
    label: str
    # Shown as a password field, and never echoed back into the form.
    secret: bool = False
    hint: str | None = None


@dataclass(frozen=True)
class Widget:
    """A platform's own authorization widget, run in the business's browser on a Link page (Plaid Link): the
    platform's script opens it with what `Connector.start_widget` returned, and on success hands back a
    one-time token that `Connector.complete_widget` exchanges for what to store."""

    # The platform's script (its origin is allowed on that one Link page, for scripts and frames).
    script_url: str
    # Which of our adapters in `kit/static/link-widget.js` drives the script (`"plaid"`: `Plaid.create`).
    kind: str
    # Origins the widget talks to from the browser besides its script's (the platform's API).
    connect_origins: tuple[str, ...] = ()


class AuthorizationRejected(Exception):
    """The credentials given to `PUT .../authorization` do not open the platform."""


@dataclass(frozen=True)
class ConnectorInfo:
    key: str
    name: str
    source_type: SourceType
    branding: Branding
    data_types: tuple[str, ...]
    is_beta: bool = False
    is_offline_connector: bool = False
    data_provided_by: str | None = None
    # Whether `PUT .../authorization` can link it (credentials); OAuth platforms link through Link.
    accepts_credentials: bool = True
    # What a push can do on the platform, per operation: the types it creates (`POST .../push/{dataType}`),
    # updates (`PUT .../push/{dataType}/{id}`) and deletes (`DELETE .../push/{dataType}/{id}`); each a
    # subset of what Codat's API has for the type (the registry's `DataType.writes`).
    writable_data_types: tuple[str, ...] = field(default=())
    updatable_data_types: tuple[str, ...] = field(default=())
    deletable_data_types: tuple[str, ...] = field(default=())
    # What Link asks the business for, when the platform is authorized with credentials rather than OAuth2
    # (empty: only `PUT .../authorization` links it, or, for a sandbox, its own approve page).
    credential_fields: tuple[CredentialField, ...] = ()
    # Dummy books for trying ledgerlink out (Link hides these for `link.showSandboxIntegrations=false`).
    is_sandbox: bool = False

    def writes(self, operation: Operation, data_type: str) -> bool:
        """Whether a push of `operation` on `data_type` reaches the platform."""
        return data_type in self.data_types_written(operation)

    def data_types_written(self, operation: Operation) -> tuple[str, ...]:
        if operation is Operation.CREATE:
            return self.writable_data_types
        if operation is Operation.UPDATE:
            return self.updatable_data_types
        return self.deletable_data_types

    @property
    def integration_id(self) -> uuid.UUID:
        return uuid.uuid5(_ID_NAMESPACE, f"integration:{self.key}")

    @property
    def source_id(self) -> uuid.UUID:
        return uuid.uuid5(_ID_NAMESPACE, f"source:{self.key}")


@dataclass(frozen=True)
class PlatformRecord:
    """A record a platform holds because it was written to it (kept in a `PlatformStore`)."""

    data_type: str
    record_id: str
    # The push that wrote it (`PushRequest.idempotency_key`): a retried push finds its record by it.
    idempotency_key: str | None
    # When it was written (UTC, real time).
    written_at: datetime
    # The record as the platform holds it, in Codat's shape (as this version left it: an update adds a
    # version under the same `record_id`, a delete a last one with `deleted`).
    data: dict[str, Any]
    deleted: bool = False


class PlatformStore(Protocol):
    """State a platform keeps for one connection, for platforms that have nowhere else to keep it (the
    sandboxes, whose books are otherwise recomputed from the company id). The runtime provides it over its own
    table, so a connector still knows nothing of the database; each call is its own committed transaction."""

    async def add(
        self,
        data_type: str,
        record_id: str,
        data: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        deleted: bool = False,
    ) -> PlatformRecord:
        """Keep a version of a record written now: the first creates it, a later one under the same
        `record_id` updates it, one with `deleted` deletes it. With an `idempotency_key` already used on the
        connection, nothing is added and the version kept under that key is returned."""
        ...

    async def get_by_idempotency_key(self, idempotency_key: str) -> PlatformRecord | None: ...

    async def records(self, data_type: str | None = None) -> list[PlatformRecord]:
        """The connection's records' versions (of one type, or all), in the order they were written. A
        version being added while this runs is either listed or written after this call returns."""
        ...


class AccessTokens(Protocol):
    """A valid OAuth access token for the pull's connection, refreshed (under the connection's lock) when it
    is about to expire, or at once with `renew=True` (the platform refused the one it was given). Raises
    `AuthorizationLost` when the grant is gone."""

    async def __call__(self, *, renew: bool = False) -> str: ...


@dataclass(frozen=True)
class FetchRequest:
    """What a pull asks a connector for: one data type, for one connection, as of one moment."""

    data_type: str
    company_id: uuid.UUID
    connection_id: uuid.UUID
    # What `check_credentials` (or the OAuth flow) stored for the connection, decrypted.
    credentials: dict[str, Any]
    # When the connection was linked; a platform's books exist before it (history to sync).
    linked_at: datetime
    # The pull's moment: records are returned as they stand at this time.
    as_of: datetime
    # `as_of` of the last successful pull of this type: only what changed after it is wanted.
    # None asks for everything.
    since: datetime | None = None
    # What the last successful pull of this type left in `Batch.checkpoint` (a platform's sync cursor), or
    # None: a failed pull leaves the one before it.
    checkpoint: str | None = None
    # From the sync settings: the earliest source date wanted (`syncFromUtc` / `syncFromWindow`).
    sync_from: datetime | None = None
    # From the sync settings, for financial statements: how many months of reports.
    months_to_sync: int = 24
    # Set by the runner for OAuth connectors: the way to a fresh access token (tokens rotate during a pull,
    # so `credentials` holds only what was stored when the pull started).
    access_token: AccessTokens | None = field(default=None, repr=False, compare=False)
    # The client's app credentials for the platform (connectors that declare `app_credential_fields`; None
    # when neither the Portal nor the environment sets them).
    app_credentials: AppCredentials | None = field(default=None, repr=False, compare=False)
    # Set by the runner: what was written to the platform through ledgerlink, for platforms that keep their
    # state in ledgerlink (the Accounting Sandbox); None outside a pull (benchmarks, tests: nothing written).
    store: PlatformStore | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class PushRequest:
    """What a push asks a connector to do on one connection: create a record (in Codat's create shape), update
    one (`record_id`, with the whole record in the same shape: Codat's updates are not partial) or delete one
    (`record_id`, `record` empty)."""

    data_type: str
    company_id: uuid.UUID
    connection_id: uuid.UUID
    # What `check_credentials` (or the OAuth flow) stored for the connection, decrypted.
    credentials: dict[str, Any]
    linked_at: datetime
    # The record to create, as the client sent it (already checked against Codat's create model).
    record: dict[str, Any]
    # The push operation's key: a platform that takes an idempotency key is given this one, so a push retried
    # after a crash does not create the record twice.
    idempotency_key: str
    access_token: AccessTokens | None = field(default=None, repr=False, compare=False)
    store: PlatformStore | None = field(default=None, repr=False, compare=False)
    operation: Operation = Operation.CREATE
    # Update and delete: the id of the record (as the read API gives it).
    record_id: str | None = None
    # Bank transactions: the bank account of the path (`.../push/bankAccounts/{accountId}/bankTransactions`).
    account_id: str | None = None


@dataclass
class Batch:
    """A page of a pull: standardized records (Codat's shapes), and ids deleted at the source."""

    records: list[dict[str, Any]] = field(default_factory=list)
    deleted_ids: list[str] = field(default_factory=list)
    # Where the next pull of this type starts (the last batch's non-None value wins); kept only if the pull
    # completes, and handed back as `FetchRequest.checkpoint`.
    checkpoint: str | None = None
    # The pull's batches hold every record the platform now has of the type, whatever `since` was (a list
    # the platform only gives whole, or a cursor started afresh): stored records it did not see are deleted.
    complete: bool = False


class DataTypeNotSupported(Exception):
    """The platform has no such data type, the exception's message (the pull ends `NotSupported`)."""


class AuthorizationLost(Exception):
    """The platform no longer accepts the connection's credentials (the connection turns `Deauthorized`)."""

    @property
    def reason(self) -> str:
        """Why, as the pull or push that met it tells the client."""
        return str(self) or "The platform no longer accepts the connection."


class PlatformFailed(Exception):
    """The platform's answers cannot be used: malformed payloads, or errors that outlasted the retries
    (the pull ends `FetchError` with this message; stored data is untouched)."""


class PushRejected(Exception):
    """The platform refuses to create the record (the push ends `Failed`, with these validation errors).

    `errors` are Codat's validation items: `{"itemId": <the field>, "message": ..., "validatorName": ...}`.
    """

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or [{"itemId": "", "message": message, "validatorName": "Platform"}]


class RecordNotFound(Exception):
    """The record a push updates or deletes is not on the platform (the push ends `Failed`, status 404)."""


class RateLimitExceeded(Exception):
    """The platform's rate limit leaves no room to finish the pull now (the pull ends `RateLimitError`)."""


class Connector:
    """A platform ledgerlink can reach. Subclasses set `info` and implement what the platform offers."""

    # Class attributes as a rule; a connector may set them per instance (its URLs come from settings, a
    # declared connector's info from its file), so they are not ClassVars.
    info: ConnectorInfo
    # Set by platforms the business authorizes through OAuth2 (its `accepts_credentials` is then False).
    oauth: OAuthProvider | None = None
    # Set by platforms the business authorizes in their own widget on a Link page (Plaid Link).
    widget: Widget | None = None

    @property
    def app_credential_fields(self) -> tuple[AppCredentialField, ...]:
        """What the operator registers with the platform for ledgerlink to use it, per client in the Portal
        or for every client in the environment (OAuth platforms: the app's client id and secret); empty:
        nothing."""
        return OAUTH_APP_FIELDS if self.oauth is not None else ()

    def environment_app_credentials(self) -> AppCredentials | None:
        """The installation's app credentials for the platform, every client's unless it set its own in the
        Portal (OAuth: `LEDGERLINK_OAUTH_<KEY>_*`); None when the environment does not set them."""
        if self.oauth is None:
            return None
        return self.oauth.environment_credentials()

    def environment_variables(self) -> tuple[str, ...]:
        """The environment variables that give the platform's app credentials to every client: what the
        Portal tells an operator to set when no client's own are saved (OAuth: `LEDGERLINK_OAUTH_<KEY>_*`)."""
        if self.oauth is None:
            return ()
        prefix = f"LEDGERLINK_OAUTH_{self.oauth.key.upper()}_"
        return (f"{prefix}CLIENT_ID", f"{prefix}CLIENT_SECRET")

    def is_configured(self, app: AppCredentials | None) -> bool:
        """Whether the operator has given what the platform needs, `app` being the client's resolved app
        credentials (None: neither the Portal nor the environment sets them)."""
        return app is not None or not self.app_credential_fields

    def can_link(self) -> bool:
        """Whether Link has a way to take a business through the platform's authorization: its OAuth consent,
        its widget, or credentials the business types (the Sandbox's approve page)."""
        if self.widget is not None or self.oauth is not None:
            return True
        info = self.info
        return info.accepts_credentials and (info.is_sandbox or bool(info.credential_fields))

    def is_usable(self, app: AppCredentials | None) -> bool:
        """Whether a business can connect the platform now, `app` being the client's resolved app credentials:
        the rule behind an integration's `enabled` (with the client's switch) and what Link offers."""
        return self.is_configured(app) and self.can_link()

    def fetch(self, request: FetchRequest) -> AsyncIterator[Batch]:
        """Pages of standardized records for `request.data_type`; connectors know nothing of the database."""
        raise DataTypeNotSupported(request.data_type)

    async def push(self, request: PushRequest) -> dict[str, Any]:
        """Do `request.operation` on the platform (for a type `info.writes(operation, type)`) and return the
        record as the platform now holds it, in Codat's read shape with its id (after a delete, as it was
        last). Raise `PushRejected` when the platform refuses it, `RecordNotFound` when the record to update
        or delete is not there, `AuthorizationLost` or `PlatformFailed` as for a pull. Called again with the
        same `idempotency_key` (a retry after a crash), return what the first call did rather than doing it
        twice."""
        raise DataTypeNotSupported(request.data_type)

    async def after_authorization(
        self, access_token: str, callback: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """OAuth connectors: what to keep (sealed) beside the tokens once the business has consented, such as
        which of the grant's organisations this connection reads. `callback` holds the callback's query
        parameters other than `code` and `state` (QuickBooks sends the company's `realmId` there). Raise
        `AuthorizationRejected` when the grant is of no use (the link fails, the connection stays as it
        was)."""
        return {}

    async def start_widget(
        self,
        *,
        company_id: uuid.UUID,
        connection_id: uuid.UUID,
        client_name: str,
        app: AppCredentials | None = None,
    ) -> dict[str, Any]:
        """Widget connectors: what the platform's script is opened with (Plaid's `link_token`), asked with the
        client's `app` credentials. Raise `AuthorizationRejected` when the platform refuses to start one."""
        raise AuthorizationRejected(f"{self.info.name} has no widget.")

    async def complete_widget(self, token: str, app: AppCredentials | None = None) -> dict[str, Any]:
        """Widget connectors: exchange the widget's one-time token (with the client's `app` credentials)
        for what to store (sealed) for later pulls. Raise `AuthorizationRejected` when the platform refuses
        it (the connection stays as it was)."""
        raise AuthorizationRejected(f"{self.info.name} has no widget.")

    async def verify_credentials(self, credentials: dict[str, Any]) -> None:
        """Ask the platform whether checked credentials open it, before the connection links; raise
        `AuthorizationRejected` if they do not (the default asks nothing)."""

    def check_credentials(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """Validate the body of `PUT .../authorization`; return what to store (sealed) for later pulls."""
        if not self.info.accepts_credentials:
            raise AuthorizationRejected(
                f"{self.info.name} is authorized by the business through Link, not with credentials."
            )
        return credentials
