"""An integration's `enabled` (`integrations.service`): switched on by the client AND configured (its app
credentials resolve, from the Portal or the environment), in a row, in the `query=` filter, and as what a
connection may be made to; removing app credentials disables it again with the switch kept."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.app_credentials import service as app_credentials
from ledgerlink.connections import service as connections
from ledgerlink.connectors import registry
from ledgerlink.connectors.authorization import OAuthClientCredentials
from ledgerlink.connectors.xero.connector import XeroConnector, XeroUrls
from ledgerlink.integrations import service
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import BadRequest
from ledgerlink.kit.pagination import PageParams
from ledgerlink.kit.secrets import SecretBox
from ledgerlink.kit.urls import PublicUrls
from tests.support.rows import company_with

pytestmark = pytest.mark.anyio

SECRETS = SecretBox(Fernet.generate_key())
SANDBOX, XERO, PLAID = "mqjo", "gbol", "suuo"
XERO_APP = {"client_id": "own-app", "client_secret": "own-secret"}


async def keys_where(session: AsyncSession, principal: Principal, query: str) -> set[str]:
    rows, total = await service.list_integrations(
        session, principal.client_id, PageParams(1, 100, query, None)
    )
    assert total == len(rows)
    return {row.Integration.key for row in rows}


async def enabled(session: AsyncSession, principal: Principal, key: str) -> bool:
    return bool((await service.get(session, principal.client_id, key)).enabled)


async def test_an_unconfigured_platform_is_not_enabled_until_its_app_credentials_are_saved(
    session: AsyncSession, principal: Principal
) -> None:
    # The suite sets no platform's app credentials in the environment: only the sandboxes are usable.
    assert await keys_where(session, principal, "enabled=true") == {"mqjo", "qhnd", "aiwb"}
    assert {XERO, PLAID, "qhyg", "ndsk"} <= await keys_where(session, principal, "enabled=false")
    row = await service.get(session, principal.client_id, XERO)
    assert row.switched_on and not row.configured and not row.enabled
    assert await service.enabled_keys(session, principal.client_id) == {"mqjo", "qhnd", "aiwb"}

    await app_credentials.save(session, SECRETS, principal.client_id, registry.CONNECTORS[XERO], XERO_APP)
    assert await enabled(session, principal, XERO)
    assert XERO in await keys_where(session, principal, "enabled=true&&sourceType=Accounting")
    assert XERO not in await keys_where(session, principal, "enabled=false")

    # Switched off, it is not enabled though configured; switched on again, it is.
    await service.set_enabled(session, principal.client_id, XERO, False)
    row = await service.get(session, principal.client_id, XERO)
    assert row.configured and not row.switched_on and not row.enabled
    assert XERO in await keys_where(session, principal, "enabled=false")
    await service.set_enabled(session, principal.client_id, XERO, True)
    assert await enabled(session, principal, XERO)

    # Its app credentials removed, it is disabled again; the client's switch is kept for when they return.
    await app_credentials.remove(session, principal.client_id, registry.CONNECTORS[XERO])
    row = await service.get(session, principal.client_id, XERO)
    assert row.switched_on and not row.enabled


async def test_a_switched_off_sandbox_is_not_enabled_and_takes_no_new_connection(
    session: AsyncSession, principal: Principal
) -> None:
    company, _ = await company_with(session, principal.client_id)
    await service.set_enabled(session, principal.client_id, SANDBOX, False)
    assert not await enabled(session, principal, SANDBOX)
    assert SANDBOX in await keys_where(session, principal, "enabled=false")
    with pytest.raises(BadRequest, match=r"is not enabled for your client\.$"):
        await connections.create(session, principal, str(company.id), SANDBOX, PublicUrls("http://l.test"))
    with pytest.raises(BadRequest, match="set up its app credentials in the Portal first"):
        await connections.create(session, principal, str(company.id), XERO, PublicUrls("http://l.test"))


async def test_the_environments_app_credentials_enable_a_platform_for_every_client(
    session: AsyncSession, principal: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = XeroUrls("http://x/authorize", "http://x/token", "http://x", "http://x/api")
    environment = OAuthClientCredentials(client_id="env-app", client_secret=SecretStr("env-secret"))
    monkeypatch.setitem(registry.CONNECTORS, XERO, XeroConnector(urls, client=environment))
    assert await enabled(session, principal, XERO)
    assert XERO in await keys_where(session, principal, "enabled=true")
