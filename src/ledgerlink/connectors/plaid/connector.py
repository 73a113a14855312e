"""The Plaid connector (`suuo`): linking a bank through Plaid Link, and pulls of an item's accounts,
balances, transactions and transaction categories into Codat's banking data types.

Linking. Plaid Link is not OAuth2: `start_widget` creates a `link_token` (`/link/token/create`, for the
transactions product, as much history as Plaid keeps), the business's browser runs Plaid Link with it (the
`widget`: Plaid's script, on a Link page), and Link's `onSuccess` hands a one-time `public_token` back,
which `complete_widget` exchanges (`/item/public_token/exchange`) for the item's `access_token`. The token,
the item id and the item's institution (`/item/get`, `/institutions/get_by_id` when the item does not name
it) are sealed as the connection's authorization (`{"plaid": {...}}`); the token is never logged.

Pulls. Accounts come from `/accounts/get`, balances from `/accounts/balance/get` (read live from the bank,
one record per account per day), transactions from `/transactions/sync`. That endpoint is cursor based: a
pull starts at the cursor the last successful pull of the type left (`FetchRequest.checkpoint`) and leaves
the final `next_cursor` as its own (`Batch.checkpoint`), so each pull reads only what was added, modified or
removed since (removed → `Batch.deleted_ids`). Pages are gathered before anything is handed on, as Plaid
asks, so a `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION` restarts the pass from its first cursor without
handing a record on twice. Transaction categories are the personal finance categories of the item's
transactions, read through a cursor of their own.

Keys. Every call to Plaid is made with the client's app credentials (`app_credential_fields`: client id,
secret, and the environment the secret belongs to), resolved by `app_credentials.service` and handed in:
`start_widget` and `complete_widget` take them, `fetch` reads `FetchRequest.app_credentials`. A client's
own, saved in the Portal, win over the installation's `LEDGERLINK_PLAID_*`.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

import httpx

from ledgerlink.config import Settings, get_settings
from ledgerlink.connectors.authorization import ENVIRONMENT, AppCredentialField, AppCredentials
from ledgerlink.connectors.base import (
    AuthorizationLost,
    AuthorizationRejected,
    Batch,
    Branding,
    Connector,
    ConnectorInfo,
    DataTypeNotSupported,
    FetchRequest,
    PlatformFailed,
    RateLimitExceeded,
    Widget,
)
from ledgerlink.connectors.plaid import mapping
from ledgerlink.connectors.plaid.client import PlaidClient, PlaidRefused
from ledgerlink.connectors.retries import Sleep
from ledgerlink.records.registry import SourceType

KEY = "suuo"
DATA_TYPES = (
    "banking-accounts",
    "banking-accountBalances",
    "banking-transactions",
    "banking-transactionCategories",
)
ENVIRONMENTS = {"sandbox": "https://sandbox.plaid.com", "production": "https://production.plaid.com"}
# Plaid's largest `/transactions/sync` page.
PAGE_SIZE = 500
BATCH_SIZE = 1000
# The most history Plaid Link can be asked for (the default is 90 days).
DAYS_REQUESTED = 730
# Plaid Link shows the client's name, and only up to 30 characters of it.
CLIENT_NAME_LENGTH = 30
MAX_SYNC_RESTARTS = 3
MUTATED = "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"


@dataclass(frozen=True)
class PlaidConfig:
    """The installation's Plaid settings: its keys (every client's unless it saved its own in the Portal),
    where Plaid is (tests point it at a fake), and what Plaid Link is opened with."""

    client_id: str | None
    secret: str | None
    # One address for every environment (`LEDGERLINK_PLAID_BASE_URL`: a fake); None: Plaid's own for each.
    api_url: str | None
    link_script_url: str
    country_codes: tuple[str, ...]
    # The environment the installation's secret belongs to, and the one the Portal's form starts with.
    environment: str = "production"

    @classmethod
    def from_settings(cls, settings: Settings) -> PlaidConfig:
        return cls(
            client_id=settings.plaid_client_id or None,
            secret=settings.plaid_secret or None,
            api_url=settings.plaid_base_url or None,
            link_script_url=settings.plaid_link_script_url,
            country_codes=tuple(
                code.strip().upper() for code in settings.plaid_country_codes.split(",") if code.strip()
            ),
            environment=settings.plaid_environment,
        )

    def url_for(self, environment: str) -> str:
        return self.api_url or ENVIRONMENTS[environment]


@dataclass(frozen=True)
class SyncPass:
    """One `/transactions/sync` pass from a cursor: the latest version of each transaction added or modified,
    the ids removed, the item's accounts' currencies, and the cursor to start the next pass at."""

    changed: dict[str, mapping.Record]
    removed: set[str]
    currencies: dict[str, str]
    cursor: str


class PlaidConnector(Connector):
    info = ConnectorInfo(
        key=KEY,
        name="Plaid",
        source_type=SourceType.BANKING,
        branding=Branding(mark="P", background="#111111"),
        data_types=DATA_TYPES,
        data_provided_by="Plaid",
        accepts_credentials=False,
    )

    def __init__(
        self,
        config: PlaidConfig | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        page_size: int = PAGE_SIZE,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config or PlaidConfig.from_settings(get_settings())
        # Per instance rather than per class: the script's URL comes from settings (tests use a fake's). The
        # API's origin is each environment's, as clients' keys may belong to either.
        urls = [self.config.api_url] if self.config.api_url else list(ENVIRONMENTS.values())
        self.widget = Widget(
            script_url=self.config.link_script_url,
            kind="plaid",
            connect_origins=tuple(dict.fromkeys(_origin(url) for url in urls)),
        )
        self.sleep = sleep
        self.page_size = page_size
        self.transport = transport

    @property
    def app_credential_fields(self) -> tuple[AppCredentialField, ...]:
        return (
            AppCredentialField("client_id", "Client ID"),
            AppCredentialField(
                "secret", "Secret", secret=True, hint="The secret of the environment chosen below."
            ),
            AppCredentialField(
                "environment",
                "Environment",
                choices=tuple(ENVIRONMENTS),
                default=self.config.environment,
                hint="The Plaid environment the secret belongs to.",
            ),
        )

    def environment_variables(self) -> tuple[str, ...]:
        return ("LEDGERLINK_PLAID_CLIENT_ID", "LEDGERLINK_PLAID_SECRET", "LEDGERLINK_PLAID_ENVIRONMENT")

    def environment_app_credentials(self) -> AppCredentials | None:
        if not (self.config.client_id and self.config.secret):
            return None
        values = {
            "client_id": self.config.client_id,
            "secret": self.config.secret,
            "environment": self.config.environment,
        }
        return AppCredentials(values, ENVIRONMENT)

    def client(self, app: AppCredentials | None) -> PlaidClient:
        """Plaid, called with the client's keys (`app`, resolved by the caller)."""
        if app is None or not app.get("client_id") or not app.get("secret"):
            raise PlatformFailed(
                "Plaid is not configured: save the client's Plaid keys in the Portal (Integrations), or set "
                "LEDGERLINK_PLAID_CLIENT_ID and LEDGERLINK_PLAID_SECRET."
            )
        environment = app.get("environment") or self.config.environment
        if environment not in ENVIRONMENTS:
            raise PlatformFailed(f"Plaid has no environment {environment!r}.")
        return PlaidClient(
            self.config.url_for(environment),
            app["client_id"],
            app["secret"],
            sleep=self.sleep,
            transport=self.transport,
        )

    # ------------------------------------------------------------------------------------------- linking
    async def start_widget(
        self,
        *,
        company_id: uuid.UUID,
        connection_id: uuid.UUID,
        client_name: str,
        app: AppCredentials | None = None,
    ) -> dict[str, Any]:
        body = {
            "client_name": (client_name or "ledgerlink")[:CLIENT_NAME_LENGTH],
            "language": "en",
            "country_codes": list(self.config.country_codes),
            # Plaid's id for the end user: the company (stable across re-links, and no personal data).
            "user": {"client_user_id": str(company_id)},
            "products": ["transactions"],
            "transactions": {"days_requested": DAYS_REQUESTED},
        }
        try:
            async with self.client(app) as plaid:
                answer = await plaid.post("/link/token/create", body)
        except (PlaidRefused, PlatformFailed, RateLimitExceeded, AuthorizationLost) as error:
            raise AuthorizationRejected(f"Plaid Link could not be started: {error}") from None
        token = answer.get("link_token")
        if not isinstance(token, str) or not token:
            raise AuthorizationRejected("Plaid Link could not be started: Plaid gave no link token.")
        return {"token": token}

    async def complete_widget(self, token: str, app: AppCredentials | None = None) -> dict[str, Any]:
        if not token:
            raise AuthorizationRejected("Plaid Link gave no public token.")
        try:
            async with self.client(app) as plaid:
                exchanged = await plaid.post("/item/public_token/exchange", {"public_token": token})
                access_token = exchanged.get("access_token")
                if not isinstance(access_token, str) or not access_token:
                    raise AuthorizationRejected("Plaid gave no access token for the public token.")
                item = (await plaid.post("/item/get", {"access_token": access_token})).get("item") or {}
                institution = await self._institution(plaid, item)
        except (PlaidRefused, PlatformFailed, RateLimitExceeded, AuthorizationLost) as error:
            raise AuthorizationRejected(f"Plaid did not accept the bank link: {error}") from None
        return {
            "plaid": {
                "accessToken": access_token,
                "itemId": exchanged.get("item_id") or item.get("item_id"),
                "institution": institution,
            }
        }

    async def _institution(self, plaid: PlaidClient, item: mapping.Record) -> dict[str, str | None]:
        institution_id = item.get("institution_id")
        name = item.get("institution_name")
        if institution_id and not name:
            found = await plaid.post(
                "/institutions/get_by_id",
                {"institution_id": institution_id, "country_codes": list(self.config.country_codes)},
            )
            name = (found.get("institution") or {}).get("name")
        return {"id": institution_id, "name": name}

    # --------------------------------------------------------------------------------------------- pulls
    async def fetch(self, request: FetchRequest) -> AsyncIterator[Batch]:
        if request.data_type not in DATA_TYPES:
            raise DataTypeNotSupported(request.data_type)
        stored = request.credentials.get("plaid") or {}
        access_token = stored.get("accessToken")
        if not access_token:
            raise AuthorizationLost(
                "The connection has no Plaid item; the business must link its bank again."
            )
        try:
            async with self.client(request.app_credentials) as plaid:
                async for batch in self._pull(plaid, request, stored, access_token):
                    yield batch
        except PlaidRefused as refused:
            raise PlatformFailed(str(refused)) from None

    async def _pull(
        self, plaid: PlaidClient, request: FetchRequest, stored: dict[str, Any], access_token: str
    ) -> AsyncIterator[Batch]:
        if request.data_type == "banking-accounts":
            answer = await plaid.post("/accounts/get", {"access_token": access_token})
            institution = stored.get("institution") or {}
            # Plaid lists an item's accounts whole: one not listed any more (or of an item replaced by a
            # re-link) is gone.
            yield Batch(
                records=[mapping.account(a, institution) for a in answer.get("accounts") or []], complete=True
            )
        elif request.data_type == "banking-accountBalances":
            answer = await plaid.post("/accounts/balance/get", {"access_token": access_token})
            day = request.as_of.astimezone(UTC).date()
            yield Batch(records=[mapping.account_balance(a, day) for a in answer.get("accounts") or []])
        else:
            async for batch in self._synced(plaid, request, access_token, stored.get("itemId")):
                yield batch

    async def _synced(
        self, plaid: PlaidClient, request: FetchRequest, access_token: str, item_id: str | None
    ) -> AsyncIterator[Batch]:
        cursor = _cursor(request.checkpoint, item_id)
        synced = await self._sync(plaid, access_token, cursor)
        checkpoint = json.dumps({"itemId": item_id, "cursor": synced.cursor})
        # A pass from no cursor gives the item's whole history: after a re-link brought a new item, what
        # the old one had and the new one does not is deleted rather than kept beside it.
        batch = Batch(complete=cursor is None)
        if request.data_type == "banking-transactions":
            sync_from = request.sync_from.date().isoformat() if request.sync_from else None
            for raw in synced.changed.values():
                if sync_from and (raw.get("date") or "") < sync_from:
                    continue
                batch.records.append(mapping.transaction(raw, synced.currencies))
                if len(batch.records) >= BATCH_SIZE:
                    yield batch
                    batch = Batch(complete=cursor is None)
            batch.deleted_ids.extend(sorted(synced.removed))
        else:
            seen: dict[str, mapping.Record] = {}
            for raw in synced.changed.values():
                for category in mapping.categories(raw):
                    seen[category["id"]] = category
            batch.records.extend(seen[key] for key in sorted(seen))
        # The last batch carries the cursor, even when nothing changed.
        batch.checkpoint = checkpoint
        yield batch

    async def _sync(self, plaid: PlaidClient, access_token: str, cursor: str | None) -> SyncPass:
        """A whole `/transactions/sync` pass from `cursor` (see the module's docstring)."""
        for attempt in range(MAX_SYNC_RESTARTS + 1):
            changed: dict[str, mapping.Record] = {}
            removed: set[str] = set()
            currencies: dict[str, str] = {}
            current = cursor
            try:
                while True:
                    body: dict[str, Any] = {"access_token": access_token, "count": self.page_size}
                    if current:
                        body["cursor"] = current
                    page = await plaid.post("/transactions/sync", body)
                    for account in page.get("accounts") or []:
                        code = mapping.currency(account.get("balances") or {})
                        if code:
                            currencies[account["account_id"]] = code
                    for raw in [*(page.get("added") or []), *(page.get("modified") or [])]:
                        changed[raw["transaction_id"]] = raw
                        removed.discard(raw["transaction_id"])
                    for gone in page.get("removed") or []:
                        changed.pop(gone["transaction_id"], None)
                        removed.add(gone["transaction_id"])
                    current = page.get("next_cursor") or current
                    if not page.get("has_more"):
                        return SyncPass(changed, removed, currencies, current or "")
            except PlaidRefused as refused:
                if refused.code == MUTATED and attempt < MAX_SYNC_RESTARTS:
                    continue
                raise PlatformFailed(str(refused)) from None
        raise PlatformFailed("Plaid's transactions kept changing while they were read.")


def _cursor(checkpoint: str | None, item_id: str | None) -> str | None:
    """The cursor the last successful pull left, if it was for this item (a re-link may bring a new one)."""
    if not checkpoint:
        return None
    try:
        kept = json.loads(checkpoint)
    except ValueError:
        return None
    if not isinstance(kept, dict) or kept.get("itemId") != item_id:
        return None
    cursor = kept.get("cursor")
    return cursor if isinstance(cursor, str) and cursor else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
