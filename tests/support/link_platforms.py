"""Platforms of a test operator's own, loaded by a test server through LEDGERLINK_CONNECTOR_MODULES:
an OAuth2 accounting platform (the local Authlib server of `support/oauth_server.py`), a bank feed that takes
credentials typed into Link, and an OAuth platform nobody configured."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

from ledgerlink.connectors.authorization import OAuthProvider
from ledgerlink.connectors.base import (
    AuthorizationRejected,
    Batch,
    Branding,
    Connector,
    ConnectorInfo,
    CredentialField,
    FetchRequest,
)
from ledgerlink.records.registry import SourceType

OAUTH_BASE = os.environ.get("LEDGERLINK_TEST_OAUTH_URL", "http://127.0.0.1:9")
BANK_FEED_KEY = "open-sesame"


class TestBooksOnline(Connector):
    info = ConnectorInfo(
        key="tbol",
        name="Test Books Online",
        source_type=SourceType.ACCOUNTING,
        branding=Branding(mark="TB", background="#0b5394"),
        data_types=("company",),
        accepts_credentials=False,
    )
    # The client id and secret come from the Portal or LEDGERLINK_OAUTH_TBOL_CLIENT_ID / _CLIENT_SECRET, as
    # for any platform.
    oauth = OAuthProvider(
        key="tbol",
        authorize_url=f"{OAUTH_BASE}/authorize",
        token_url=f"{OAUTH_BASE}/token",
        scopes=("accounting", "offline_access"),
    )

    async def fetch(self, request: FetchRequest) -> AsyncIterator[Batch]:
        assert request.credentials["oauth"]["access_token"]
        yield Batch(records=[{"companyName": "Test Books Ltd", "baseCurrency": "GBP"}])


class TestBankFeed(Connector):
    info = ConnectorInfo(
        key="tbfd",
        name="Test Bank Feed",
        source_type=SourceType.BANKING,
        branding=Branding(mark="TF", background="#7c2d12"),
        data_types=(),
        credential_fields=(
            CredentialField("username", "Username"),
            CredentialField("apiKey", "API key", secret=True, hint="From Settings, then Developers"),
        ),
    )

    def check_credentials(self, credentials: dict[str, Any]) -> dict[str, Any]:
        if credentials.get("apiKey") != BANK_FEED_KEY:
            raise AuthorizationRejected("The bank did not accept that API key.")
        return credentials


class UnconfiguredBooks(Connector):
    info = ConnectorInfo(
        key="tunc",
        name="Unconfigured Books",
        source_type=SourceType.ACCOUNTING,
        branding=Branding(mark="UB", background="#374151"),
        data_types=("company",),
        accepts_credentials=False,
    )
    oauth = OAuthProvider(
        key="tunc", authorize_url=f"{OAUTH_BASE}/authorize", token_url=f"{OAUTH_BASE}/token"
    )


def connectors() -> list[Connector]:
    return [TestBooksOnline(), TestBankFeed(), UnconfiguredBooks()]
