"""The connector registry: every platform ledgerlink offers, by platform key."""

from __future__ import annotations

from ledgerlink.connectors.base import Connector
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox

CONNECTORS: dict[str, Connector] = {connector.info.key: connector for connector in (AccountingSandbox(),)}


def get(key: str) -> Connector | None:
    return CONNECTORS.get(key)
