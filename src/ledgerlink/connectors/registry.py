"""The connector registry: every platform ledgerlink offers, by platform key.

The built-in connectors are always there; an operator adds their own, loaded by each process on start:
`LEDGERLINK_CONNECTOR_MODULES` (modules whose `connectors()` returns Connector instances) and
`LEDGERLINK_DECLARED_CONNECTORS` (YAML files declaring a REST API, `connectors/declared/`).

Every connector's declared data types are checked against the data-type registry: a built-in connector that
names a type the registry does not know, or declares a write the registry says cannot be made, stops the
import of this module; an operator's stops the start (`ConnectorDeclarationInvalid`, one `error: ...` line).
"""

from __future__ import annotations

import importlib

from ledgerlink.connectors.base import Connector, ConnectorInfo
from ledgerlink.connectors.plaid.connector import PlaidConnector
from ledgerlink.connectors.quickbooks.connector import QuickBooksConnector, QuickBooksSandboxConnector
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.connectors.sandbox.banking import BankingSandbox
from ledgerlink.connectors.sandbox.commerce import CommerceSandbox
from ledgerlink.connectors.xero.connector import XeroConnector
from ledgerlink.records import registry as data_types
from ledgerlink.records.registry import Operation

CONNECTORS: dict[str, Connector] = {
    connector.info.key: connector
    for connector in (AccountingSandbox(), BankingSandbox(), CommerceSandbox(), XeroConnector())
}
CONNECTORS[PlaidConnector.info.key] = PlaidConnector()
CONNECTORS.update({c.info.key: c for c in (QuickBooksConnector(), QuickBooksSandboxConnector())})


class ConnectorModuleInvalid(Exception):
    """A module named in LEDGERLINK_CONNECTOR_MODULES cannot be used."""


class ConnectorDeclarationInvalid(ConnectorModuleInvalid):
    """A connector's declared data types disagree with the data-type registry (`records/registry.py`)."""


def check_data_types(info: ConnectorInfo, origin: str) -> None:
    """Raise `ConnectorDeclarationInvalid` unless every type the connector reads is in the registry, and every
    write it declares (create, update, delete) is one Codat's API has for a type it reads."""
    where = f"{origin}: {info.name} ({info.key})"
    unknown = [key for key in info.data_types if data_types.get(key) is None]
    if unknown:
        raise ConnectorDeclarationInvalid(
            f"{where} declares data types the registry does not have: {', '.join(unknown)} "
            "(the data types are listed in docs/data-types.md)."
        )
    for operation in Operation:
        for key in info.data_types_written(operation):
            data_type = data_types.get(key)
            writes = data_type.writes if data_type is not None else None
            if writes is None or operation not in writes.operations:
                raise ConnectorDeclarationInvalid(
                    f"{where} declares that it can {operation.value.lower()} {key}, which Codat's API has no "
                    "such write for (the registry's `writes`)."
                )
    for key in (*info.writable_data_types, *info.updatable_data_types, *info.deletable_data_types):
        if key not in info.data_types:
            raise ConnectorDeclarationInvalid(
                f"{where} declares that it writes {key} but not that it reads it: a push is followed by a "
                "pull of its type, so a written type must be in data_types too."
            )


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
    check_data_types(connector.info, origin)
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


def _check_built_ins() -> None:
    for connector in CONNECTORS.values():
        check_data_types(connector.info, "ledgerlink")


_check_built_ins()
