"""The connector registry: every platform ledgerlink offers, by platform key."""

from __future__ import annotations

from ledgerlink.connectors.base import Connector
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.connectors.sandbox.banking import BankingSandbox
from ledgerlink.connectors.sandbox.commerce import CommerceSandbox

CONNECTORS: dict[str, Connector] = {
    connector.info.key: connector for connector in (AccountingSandbox(), BankingSandbox(), CommerceSandbox())
}


def get(key: str) -> Connector | None:
    return CONNECTORS.get(key)
