"""Sync settings resolved in layers (defaults, the client's profile, a company's own) and one-off sync."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.clients.service import get_client
from ledgerlink.integrations.models import Integration, IntegrationSetting
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.records.registry import DATA_TYPES
from ledgerlink.settings.models import SyncSettings
from ledgerlink.settings.schemas import OneTimeSync, SyncSettingBody

DEFAULT_SYNC_SCHEDULE_HOURS = 24
DEFAULT_MONTHS_TO_SYNC = 24


def default_settings() -> dict[str, dict[str, Any]]:
    settings: dict[str, dict[str, Any]] = {}
    for order, data_type in enumerate(DATA_TYPES):
        setting: dict[str, Any] = {
            "dataType": data_type.key,
            "fetchOnFirstLink": data_type.fetch_on_first_link,
            "syncSchedule": DEFAULT_SYNC_SCHEDULE_HOURS,
            "syncOrder": order,
            "isLocked": False,
        }
        if data_type.is_statement:
            setting["monthsToSync"] = DEFAULT_MONTHS_TO_SYNC
        settings[data_type.key] = setting
    return settings


def _layer(base: dict[str, dict[str, Any]], stored: SyncSettings | None) -> dict[str, dict[str, Any]]:
    if stored is None:
        return base
    return {**base, **{setting["dataType"]: setting for setting in stored.settings}}


async def _stored(
    session: AsyncSession, client_id: uuid.UUID, company_id: uuid.UUID | None
) -> SyncSettings | None:
    statement = select(SyncSettings).where(SyncSettings.client_id == client_id)
    statement = statement.where(
        SyncSettings.company_id.is_(None) if company_id is None else SyncSettings.company_id == company_id
    )
    return await session.scalar(statement)


async def profile_settings(session: AsyncSession, client_id: uuid.UUID) -> tuple[list[dict[str, Any]], bool]:
    stored = await _stored(session, client_id, None)
    return list(_layer(default_settings(), stored).values()), stored.overrides_defaults if stored else False


async def company_settings(
    session: AsyncSession, client_id: uuid.UUID, company_id: uuid.UUID
) -> tuple[list[dict[str, Any]], bool]:
    """The settings a company's syncs follow: its own where it overrides the defaults, else the profile's."""
    profile = _layer(default_settings(), await _stored(session, client_id, None))
    own = await _stored(session, client_id, company_id)
    if own is None or not own.overrides_defaults:
        return list(profile.values()), False
    return list(_layer(profile, own).values()), True


async def schedules(
    session: AsyncSession, companies: list[tuple[uuid.UUID, uuid.UUID]]
) -> dict[uuid.UUID, dict[str, int]]:
    """Each company's `syncSchedule` hours by data type, for many (client, company) pairs in two queries:
    the same layering as `company_settings` (defaults, the profile, the company's own if it overrides)."""
    client_ids = {client_id for client_id, _ in companies}
    company_ids = [company_id for _, company_id in companies]
    stored = (
        await session.scalars(
            select(SyncSettings).where(
                SyncSettings.client_id.in_(client_ids),
                SyncSettings.company_id.is_(None) | SyncSettings.company_id.in_(company_ids),
            )
        )
    ).all()
    profiles = {row.client_id: row for row in stored if row.company_id is None}
    own = {row.company_id: row for row in stored if row.company_id is not None}
    defaults = default_settings()
    layered: dict[uuid.UUID, dict[str, dict[str, Any]]] = {
        client_id: _layer(defaults, profiles.get(client_id)) for client_id in client_ids
    }
    found: dict[uuid.UUID, dict[str, int]] = {}
    for client_id, company_id in companies:
        effective = layered[client_id]
        mine = own.get(company_id)
        if mine is not None and mine.overrides_defaults:
            effective = _layer(effective, mine)
        found[company_id] = {key: int(setting.get("syncSchedule") or 0) for key, setting in effective.items()}
    return found


async def save(
    session: AsyncSession,
    client_id: uuid.UUID,
    company_id: uuid.UUID | None,
    settings: list[SyncSettingBody],
    overrides_defaults: bool,
) -> None:
    keys = [setting.data_type for setting in settings]
    if len(keys) != len(set(keys)):
        raise BadRequest("Each data type may appear only once in settings.")
    stored = [setting.as_setting() for setting in settings]
    existing = await _stored(session, client_id, company_id)
    if existing is None:
        session.add(
            SyncSettings(
                id=uuid.uuid4(),
                client_id=client_id,
                company_id=company_id,
                settings=stored,
                overrides_defaults=overrides_defaults,
            )
        )
    else:
        existing.settings = stored
        existing.overrides_defaults = overrides_defaults


# --- one-off sync (the legacy /settings endpoints) -------------------------------------------------


def _flag(enabled: bool) -> str:
    return (OneTimeSync.ENABLED if enabled else OneTimeSync.DISABLED).value


async def client_one_time_sync(session: AsyncSession, client_id: uuid.UUID) -> dict[str, str]:
    client = await get_client(session, client_id)
    return {"clientId": str(client.id), "oneTimeSync": _flag(client.one_time_sync)}


async def set_client_one_time_sync(
    session: AsyncSession, client_id: uuid.UUID, value: OneTimeSync | None
) -> dict[str, str]:
    if value is None:
        raise BadRequest("oneTimeSync must be Enabled or Disabled.")
    client = await get_client(session, client_id, for_update=True)
    client.one_time_sync = value is OneTimeSync.ENABLED
    return {"clientId": str(client.id), "oneTimeSync": _flag(client.one_time_sync)}


async def _integration(session: AsyncSession, integration_id: str) -> Integration:
    try:
        wanted = uuid.UUID(integration_id)
    except ValueError:
        wanted = None
    integration = (
        await session.scalar(select(Integration).where(Integration.integration_id == wanted))
        if wanted
        else None
    )
    if integration is None:
        raise NotFound(f"No integration was found with ID {integration_id}")
    return integration


async def is_one_time_sync(session: AsyncSession, client_id: uuid.UUID, integration_key: str) -> bool:
    """Whether a connection to this integration disconnects after its first reads (integration's setting, then
    the client's)."""
    override = await session.scalar(
        select(IntegrationSetting.one_time_sync).where(
            IntegrationSetting.client_id == client_id, IntegrationSetting.integration_key == integration_key
        )
    )
    if override is not None:
        return override
    return (await get_client(session, client_id)).one_time_sync


async def integration_one_time_sync(
    session: AsyncSession, client_id: uuid.UUID, integration_id: str
) -> dict[str, str]:
    integration = await _integration(session, integration_id)
    enabled = await is_one_time_sync(session, client_id, integration.key)
    return {
        "clientId": str(client_id),
        "integrationId": str(integration.integration_id),
        "oneTimeSync": _flag(enabled),
    }


async def set_integration_one_time_sync(
    session: AsyncSession, client_id: uuid.UUID, integration_id: str, value: OneTimeSync | None
) -> dict[str, str]:
    integration = await _integration(session, integration_id)
    flag = None if value is None else value is OneTimeSync.ENABLED
    statement = insert(IntegrationSetting).values(
        client_id=client_id, integration_key=integration.key, enabled=True, one_time_sync=flag
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[IntegrationSetting.client_id, IntegrationSetting.integration_key],
            set_={"one_time_sync": flag},
        )
    )
    return await integration_one_time_sync(session, client_id, integration_id)
