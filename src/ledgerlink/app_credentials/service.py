"""Platforms' app credentials: which a client's companies are linked and synced with, saved in the Portal.

An app credential is ledgerlink's registration with a platform, made by the operator in the platform's
developer dashboard: an OAuth2 app's client id and secret (Xero, QuickBooks Online), Plaid's API keys. A
connector declares what it needs (`Connector.app_credential_fields`); it is given them per call, because one
connector instance serves every client.

The rule, applied here and nowhere else: a client's own app credentials, saved in the Portal, win over the
installation's from the environment, as a whole (a Portal client id is never paired with an environment
secret: they would belong to different apps); without either, the platform is not configured:
`enabled: false` (`integrations.service`) and not offered in Link. Removing a client's own brings back the
environment's, if it sets them.

Cheap to resolve: one indexed query per platform (per OAuth start, refresh, widget or pull), one Fernet
decryption of the saved row. Whether a platform is configured at all (an integration's `enabled`, what Link
lists) needs no decryption: `integrations.service` joins the saved rows in SQL. Nothing is cached in a
process, so a change in the Portal applies to the next request and job of every process at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import structlog
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.app_credentials.models import SavedAppCredentials
from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry
from ledgerlink.connectors.authorization import PORTAL, AppCredentialField, AppCredentials
from ledgerlink.connectors.base import Connector
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import NotFound
from ledgerlink.kit.secrets import SecretBox

log = structlog.get_logger("ledgerlink.app_credentials")

# Client ids and Plaid's environment; secrets may be longer (some platforms issue long signed ones).
MAX_DETAIL_LENGTH = 255
MAX_SECRET_LENGTH = 1024


class AppCredentialsInvalid(Exception):
    """What the operator typed cannot be saved: a message per field name (nothing was changed)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def credentialed() -> list[Connector]:
    """Every registered platform that needs app credentials, by name."""
    found = [c for c in registry.CONNECTORS.values() if c.app_credential_fields]
    return sorted(found, key=lambda c: (c.info.name.lower(), c.info.key))


def credentialed_connector(key: str) -> Connector:
    connector = registry.get(key)
    if connector is None or not connector.app_credential_fields:
        raise NotFound(f"No integration that takes app credentials was found with key {key}")
    return connector


# --- resolving -------------------------------------------------------------------------------------


def _opened(secrets: SecretBox, connector: Connector, saved: SavedAppCredentials) -> AppCredentials:
    sealed = secrets.open(saved.sealed_secrets)
    given = {**saved.details, **(sealed if isinstance(sealed, dict) else {})}
    names = [f.name for f in connector.app_credential_fields]
    return AppCredentials({name: str(given[name]) for name in names if given.get(name)}, PORTAL)


def _resolved(
    secrets: SecretBox, connector: Connector, saved: SavedAppCredentials | None
) -> AppCredentials | None:
    if not connector.app_credential_fields:
        return None
    if saved is not None:
        return _opened(secrets, connector, saved)
    return connector.environment_app_credentials()


async def resolve(
    session: AsyncSession, secrets: SecretBox, client_id: uuid.UUID, connector: Connector
) -> AppCredentials | None:
    """The client's app credentials for the platform: its own if saved, else the environment's, else None."""
    if not connector.app_credential_fields:
        return None
    saved = await session.scalar(
        select(SavedAppCredentials).where(
            SavedAppCredentials.client_id == client_id,
            SavedAppCredentials.integration_key == connector.info.key,
        )
    )
    return _resolved(secrets, connector, saved)


async def for_connection(
    session: AsyncSession, secrets: SecretBox, connection: Connection
) -> AppCredentials | None:
    """`resolve` for the client that owns the connection's company (one query)."""
    connector = registry.get(connection.integration_key)
    if connector is None or not connector.app_credential_fields:
        return None
    saved = await session.scalar(
        select(SavedAppCredentials)
        .join(Company, Company.client_id == SavedAppCredentials.client_id)
        .where(Company.id == connection.company_id, SavedAppCredentials.integration_key == connector.info.key)
    )
    return _resolved(secrets, connector, saved)


# --- the Portal ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldView:
    name: str
    label: str
    secret: bool
    choices: tuple[str, ...]
    hint: str | None
    # The saved value of a field that is not secret (or its default); a secret's is never read back.
    value: str
    # For a secret: whether one is saved.
    saved: bool


@dataclass(frozen=True)
class AppCredentialsView:
    """A platform's app credentials as the Portal shows them: which apply, and the form's fields."""

    connector: Connector
    fields: list[FieldView]
    # PORTAL, ENVIRONMENT, or None (not configured).
    source: str | None
    saved: SavedAppCredentials | None
    # The environment's values that are not secret (its client id), to say whose app is in use.
    environment_details: dict[str, str]


def not_secret(connector: Connector, values: Mapping[str, str]) -> dict[str, str]:
    """The values of the platform's fields that are not secret: what may be shown again."""
    fields = connector.app_credential_fields
    return {f.name: values[f.name].strip() for f in fields if not f.secret and values.get(f.name)}


async def describe(session: AsyncSession, client_id: uuid.UUID, connector: Connector) -> AppCredentialsView:
    """What the Portal page shows; secrets are not opened (a saved row holds every secret field)."""
    saved = await session.get(SavedAppCredentials, (client_id, connector.info.key), populate_existing=True)
    environment = connector.environment_app_credentials()
    details = saved.details if saved is not None else {}
    fields = [
        FieldView(
            name=f.name,
            label=f.label,
            secret=f.secret,
            choices=f.choices,
            hint=f.hint,
            value="" if f.secret else str(details.get(f.name) or f.default or ""),
            saved=saved is not None,
        )
        for f in connector.app_credential_fields
    ]
    source = PORTAL if saved is not None else (environment.source if environment is not None else None)
    shown = not_secret(connector, environment.values) if environment is not None else {}
    return AppCredentialsView(connector, fields, source, saved, shown)


async def sources(session: AsyncSession, client_id: uuid.UUID) -> dict[str, str | None]:
    """Per credentialed platform, where the client's app credentials come from (None: not configured)."""
    saved = set(
        await session.scalars(
            select(SavedAppCredentials.integration_key).where(SavedAppCredentials.client_id == client_id)
        )
    )
    found: dict[str, str | None] = {}
    for connector in credentialed():
        environment = connector.environment_app_credentials()
        key = connector.info.key
        found[key] = PORTAL if key in saved else (environment.source if environment is not None else None)
    return found


def _problem(field: AppCredentialField, value: str, platform: str) -> str | None:
    name = field.label[:1].lower() + field.label[1:]
    if not value:
        return f"Enter the {name}."
    if field.choices:
        return None if value in field.choices else f"Choose one of: {', '.join(field.choices)}."
    limit = MAX_SECRET_LENGTH if field.secret else MAX_DETAIL_LENGTH
    if len(value) > limit:
        return f"The {name} is too long: at most {limit} characters."
    # Platforms issue these as printable ASCII without spaces; anything else is a copying slip.
    if not all("!" <= character <= "~" for character in value):
        return (
            f"The {name} can only hold letters, digits and symbols, without spaces: "
            f"copy it again from {platform}'s developer dashboard."
        )
    return None


async def save(
    session: AsyncSession,
    secrets: SecretBox,
    client_id: uuid.UUID,
    connector: Connector,
    given: Mapping[str, str],
) -> None:
    """Set or replace the client's app credentials for the platform. A secret left blank keeps the saved
    one; every field is checked first (`AppCredentialsInvalid`), so a refusal changes nothing."""
    key = connector.info.key
    saved = await session.get(SavedAppCredentials, (client_id, key), with_for_update=True)
    kept = secrets.open(saved.sealed_secrets) if saved is not None else {}
    details: dict[str, str] = {}
    hidden: dict[str, str] = {}
    problems: dict[str, str] = {}
    for field in connector.app_credential_fields:
        value = given.get(field.name, "").strip()
        if field.secret and not value and kept.get(field.name):
            hidden[field.name] = kept[field.name]
            continue
        problem = _problem(field, value, connector.info.name)
        if problem is not None:
            problems[field.name] = problem
        elif field.secret:
            hidden[field.name] = value
        else:
            details[field.name] = value
    if problems:
        raise AppCredentialsInvalid(problems)
    values = {"details": details, "sealed_secrets": secrets.seal(hidden), "updated_at": utcnow()}
    await session.execute(
        insert(SavedAppCredentials)
        .values(client_id=client_id, integration_key=key, **values)
        .on_conflict_do_update(
            index_elements=[SavedAppCredentials.client_id, SavedAppCredentials.integration_key], set_=values
        )
    )
    if saved is not None:
        # The upsert bypassed the loaded row: the session must read it again, not keep the old values.
        session.expire(saved)
    log.info("app credentials saved", client_id=str(client_id), platform=key, replaced=saved is not None)


async def remove(session: AsyncSession, client_id: uuid.UUID, connector: Connector) -> None:
    """Forget the client's own app credentials for the platform (the environment's apply again, if any)."""
    removed = await session.execute(
        delete(SavedAppCredentials)
        .where(
            SavedAppCredentials.client_id == client_id,
            SavedAppCredentials.integration_key == connector.info.key,
        )
        .returning(SavedAppCredentials.integration_key)
    )
    if removed.first() is None:
        raise NotFound(f"No app credentials of this client's own are saved for {connector.info.name}.")
    log.info("app credentials removed", client_id=str(client_id), platform=connector.info.key)
