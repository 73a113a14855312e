"""The connector registry: every platform ledgerlink offers, by platform key.

The built-in connectors are always there; an operator adds their own, loaded by each process on start:
`LEDGERLINK_CONNECTOR_MODULES` (modules whose `connectors()` returns Connector instances) and
`LEDGERLINK_DECLARED_CONNECTORS` (YAML files declaring a REST API, `connectors/declared/`).
"""

from __future__ import annotations

import importlib

from ledgerlink.connectors.base import Connector
from ledgerlink.connectors.plaid.connector import PlaidConnector
from ledgerlink.connectors.quickbooks.connector import QuickBooksConnector, QuickBooksSandboxConnector
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.connectors.sandbox.banking import BankingSandbox
from ledgerlink.connectors.sandbox.commerce import CommerceSandbox
from ledgerlink.connectors.xero.connector import XeroConnector

CONNECTORS: dict[str, Connector] = {
    connector.info.key: connector
    for connector in (AccountingSandbox(), BankingSandbox(), CommerceSandbox(), XeroConnector())
}
CONNECTORS[PlaidConnector.info.key] = PlaidConnector()
CONNECTORS.update({c.info.key: c for c in (QuickBooksConnector(), QuickBooksSandboxConnector())})


class ConnectorModuleInvalid(Exception):
    """A module named in LEDGERLINK_CONNECTOR_MODULES cannot be used."""


def get(key: str) -> Connector | None:
    return CONNECTORS.get(key)


def load_operator_connectors(modules: str, declarations: str) -> None:
    """Both kinds of the operator's connectors (comma-separated module names and YAML paths)."""
    load_modules(modules)
    load_declarations(declarations)


def load_declarations(paths: str) -> None:
    """Add the connectors declared in YAML files (`"/etc/ledgerlink/partner.yaml, ..."`)."""
    from pathlib import Path

    from ledgerlink.connectors.declared.connector import DeclaredConnector
    from ledgerlink.connectors.declared.spec import DeclarationInvalid, load

    for path in filter(None, (part.strip() for part in paths.split(","))):
        try:
            connector = DeclaredConnector(load(Path(path)))
            connector.check_addresses()
        except DeclarationInvalid as invalid:
            raise ConnectorModuleInvalid(str(invalid)) from None
        _register(connector, path)


def _register(connector: Connector, origin: str) -> None:
    existing = CONNECTORS.get(connector.info.key)
    if existing is not None and type(existing) is not type(connector):
        raise ConnectorModuleInvalid(
            f"{origin} declares platform key {connector.info.key}, which {existing.info.name} already has."
        )
    CONNECTORS[connector.info.key] = connector


def load_modules(names: str) -> None:
    """Add the connectors of the operator's modules (`"package.module, other.module"`)."""
    for name in filter(None, (part.strip() for part in names.split(","))):
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            raise ConnectorModuleInvalid(f"Connector module {name} cannot be imported: {error}") from None
        factory = getattr(module, "connectors", None)
        if not callable(factory):
            raise ConnectorModuleInvalid(f"Connector module {name} has no connectors() function.")
        for connector in factory():
            if not isinstance(connector, Connector):
                raise ConnectorModuleInvalid(f"{name}.connectors() returned {connector!r}, not a Connector.")
            _register(connector, name)
