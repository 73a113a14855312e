"""Integrations: written from the connector registry on start, listed with each client's choices.

An integration is `enabled` (Codat: "whether this integration is enabled for your customers to use") when
the client has not switched it off AND a business can connect it now: its app credentials resolve (the
client's own, saved in the Portal, else the installation's from the environment; `app_credentials.service`
holds that rule) and Link has a way through its authorization (`Connector.is_usable`). The switch is the
client's stored choice (on unless turned off); being configured is worked out at every read, so saving or
removing app credentials changes `enabled` at once, in every process, without touching the switch.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, ColumnElement, String, and_, cast, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.app_credentials.models import SavedAppCredentials
from ledgerlink.connectors.base import ConnectorInfo
from ledgerlink.connectors.registry import CONNECTORS
from ledgerlink.integrations.models import Integration, IntegrationSetting
from ledgerlink.kit.errors import NotFound
from ledgerlink.kit.pagination import PageParams, fetch_query_page
from ledgerlink.kit.query import Field, Kind, QueryTarget, columns_target
from ledgerlink.kit.urls import PublicUrls
from ledgerlink.records.registry import Operation

# The client's switch: on unless it turned the integration off.
_SWITCHED_ON = func.coalesce(IntegrationSetting.enabled, cast(True, Boolean))


def _configured() -> ColumnElement[bool]:
    """SQL over `_client_rows`: whether a business can connect the platform with what is set up now. Read
    from the registry and the environment at each call (cheap: a handful of connectors), the client's saved
    app credentials from the joined row (a saved row holds every field: `app_credentials.service.save`)."""
    as_is = [key for key, c in CONNECTORS.items() if c.is_usable(c.environment_app_credentials())]
    with_saved = [key for key, c in CONNECTORS.items() if c.app_credential_fields and c.can_link()]
    saved = SavedAppCredentials.integration_key.is_not(None) & Integration.key.in_(with_saved)
    return or_(Integration.key.in_(as_is), saved)


def _enabled() -> ColumnElement[bool]:
    return and_(_SWITCHED_ON, _configured())


INTEGRATION_TARGET: QueryTarget = columns_target(
    "Integration",
    {
        "key": Field(Kind.TEXT, lambda: Integration.key),
        "name": Field(Kind.TEXT, lambda: Integration.name),
        "sourceType": Field(
            Kind.ENUM,
            lambda: Integration.source_type,
            ("Accounting", "Banking", "BankFeed", "Commerce", "Expense", "Other", "Unknown"),
        ),
        "enabled": Field(Kind.BOOLEAN, _enabled),
        "isBeta": Field(Kind.BOOLEAN, lambda: Integration.is_beta),
        "isOfflineConnector": Field(Kind.BOOLEAN, lambda: Integration.is_offline_connector),
        "integrationId": Field(Kind.TEXT, lambda: cast(Integration.integration_id, String)),
        "sourceId": Field(Kind.TEXT, lambda: cast(Integration.source_id, String)),
        "dataProvidedBy": Field(Kind.TEXT, lambda: Integration.data_provided_by),
    },
)


def datatype_features(info: ConnectorInfo) -> list[dict[str, Any]]:
    def features(data_type: str) -> list[dict[str, str]]:
        supported = [{"featureType": "Get", "featureState": "Release"}]
        for operation, feature in (
            (Operation.CREATE, "Post"),
            (Operation.UPDATE, "Put"),
            (Operation.DELETE, "Delete"),
        ):
            if info.writes(operation, data_type):
                supported.append({"featureType": feature, "featureState": "Release"})
        return supported

    return [
        {"dataType": data_type, "supportedFeatures": features(data_type)} for data_type in info.data_types
    ]


async def sync_registry(session: AsyncSession) -> None:
    """Make the integrations table match the connector registry (run on every start)."""
    for key, connector in CONNECTORS.items():
        info = connector.info
        values = {
            "key": key,
            "integration_id": info.integration_id,
            "source_id": info.source_id,
            "name": info.name,
            "source_type": info.source_type.value,
            "is_beta": info.is_beta,
            "is_offline_connector": info.is_offline_connector,
            "data_provided_by": info.data_provided_by,
            "datatype_features": datatype_features(info),
        }
        statement = insert(Integration).values(**values)
        updates = {name: value for name, value in values.items() if name != "key"}
        await session.execute(statement.on_conflict_do_update(index_elements=[Integration.key], set_=updates))
    await session.execute(delete(Integration).where(Integration.key.not_in(list(CONNECTORS))))


def _client_rows(client_id: uuid.UUID) -> Any:
    """Each integration with, for the client: `enabled`, and its two parts `switched_on` and `configured`."""
    return (
        select(
            Integration,
            _enabled().label("enabled"),
            _SWITCHED_ON.label("switched_on"),
            _configured().label("configured"),
        )
        .outerjoin(
            IntegrationSetting,
            (IntegrationSetting.integration_key == Integration.key)
            & (IntegrationSetting.client_id == client_id),
        )
        .outerjoin(
            SavedAppCredentials,
            (SavedAppCredentials.integration_key == Integration.key)
            & (SavedAppCredentials.client_id == client_id),
        )
    )


async def list_integrations(
    session: AsyncSession, client_id: uuid.UUID, params: PageParams
) -> tuple[list[Any], int]:
    return await fetch_query_page(
        session,
        _client_rows(client_id),
        params,
        INTEGRATION_TARGET,
        default_order=(Integration.name.asc(), Integration.key.asc()),
        scalars=False,
    )


async def enabled_keys(session: AsyncSession, client_id: uuid.UUID) -> set[str]:
    """The keys of the integrations the client's companies can connect now: what Link offers."""
    rows = await session.execute(_client_rows(client_id).where(_enabled()))
    return {row.Integration.key for row in rows}


async def find(session: AsyncSession, client_id: uuid.UUID, key: str) -> Any | None:
    """The integration's row for the client (`_client_rows`), or None for an unknown key."""
    return (await session.execute(_client_rows(client_id).where(Integration.key == key))).first()


async def get(session: AsyncSession, client_id: uuid.UUID, key: str) -> Any:
    row = await find(session, client_id, key)
    if row is None:
        raise NotFound(f"No integration was found with key {key}")
    return row


async def set_enabled(session: AsyncSession, client_id: uuid.UUID, key: str, enabled: bool) -> Any:
    """Switch an integration on or off for the client's companies (Link, new connections). Switched on, it
    is enabled once configured, and stops being so (the switch kept) while its app credentials are gone."""
    await get(session, client_id, key)
    statement = insert(IntegrationSetting).values(client_id=client_id, integration_key=key, enabled=enabled)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[IntegrationSetting.client_id, IntegrationSetting.integration_key],
            set_={"enabled": enabled},
        )
    )
    return await get(session, client_id, key)


def integration_view(integration: Integration, enabled: bool, urls: PublicUrls) -> dict[str, Any]:
    view = {
        "key": integration.key,
        "logoUrl": urls.integration_image(integration.key, "logo"),
        "name": integration.name,
        "enabled": enabled,
        "sourceId": str(integration.source_id),
        "sourceType": integration.source_type,
        "integrationId": str(integration.integration_id),
        "isOfflineConnector": integration.is_offline_connector,
        "isBeta": integration.is_beta,
        "datatypeFeatures": integration.datatype_features,
    }
    if integration.data_provided_by:
        view["dataProvidedBy"] = integration.data_provided_by
    return view


def branding_view(integration: Integration, urls: PublicUrls) -> dict[str, Any]:
    def image(variant: str, alt: str) -> dict[str, Any]:
        return {"image": {"src": urls.integration_image(integration.key, variant), "alt": alt}}

    name = integration.name
    return {
        "logo": {"full": image("logo", f"{name} logo"), "square": image("square", f"{name} icon")},
        "button": {
            "default": image("button", f"Connect {name}"),
            "hover": image("button-hover", f"Connect {name}"),
        },
        "sourceId": str(integration.source_id),
    }
