"""Connectors' declared data types against the data-type registry: a connector naming a type the registry does
not know, or declaring a write the registry says cannot be made, is refused when it is registered (built-in
ones as `connectors.registry` is imported, an operator's when a process starts), with a message naming it.

Pure: no server, no database.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ledgerlink.connectors import registry
from ledgerlink.connectors.base import Branding, ConnectorInfo
from ledgerlink.connectors.registry import ConnectorDeclarationInvalid, check_data_types
from ledgerlink.connectors.sandbox import writes
from ledgerlink.records import registry as data_types
from ledgerlink.records.registry import Operation, SourceType


def info(data_types: tuple[str, ...], writable: tuple[str, ...] = ()) -> ConnectorInfo:
    return ConnectorInfo(
        key="tdec",
        name="Test Declarations",
        source_type=SourceType.ACCOUNTING,
        branding=Branding(mark="TD", background="#000000"),
        data_types=data_types,
        writable_data_types=writable,
    )


def test_every_built_in_connector_declares_registry_types() -> None:
    # Importing the registry checked them; this names what it holds so a connector left out is noticed.
    assert set(registry.CONNECTORS) == {"mqjo", "qhnd", "aiwb", "gbol", "suuo", "qhyg", "ndsk"}
    for connector in registry.CONNECTORS.values():
        check_data_types(connector.info, "ledgerlink")
    # The Sandbox writes what its table of writers holds, each a type the registry has a create model for.
    assert registry.CONNECTORS["mqjo"].info.writable_data_types == tuple(writes.WRITERS)
    assert all(data_types.create_model(key) is not None for key in writes.WRITERS)


def test_a_type_the_registry_does_not_know_is_refused() -> None:
    with pytest.raises(ConnectorDeclarationInvalid) as refused:
        check_data_types(info(("invoices", "invoice", "banking-acounts")), "partner.module")
    message = str(refused.value)
    assert message.startswith("partner.module: Test Declarations (tdec) declares data types the registry")
    assert "invoice, banking-acounts" in message and "docs/data-types.md" in message


@pytest.mark.parametrize(
    ("reads", "writes_", "says"),
    [
        # Codat's API writes no company info, statements or account transactions.
        (("company",), ("company",), "which Codat.s API has no such write for"),
        (("accountTransactions",), ("accountTransactions",), "which Codat.s API has no such write for"),
        (("invoices",), ("notAType",), "which Codat.s API has no such write for"),
        # A push is followed by a pull of its type.
        (("company",), ("invoices",), "but not that it reads it"),
    ],
)
def test_a_write_the_registry_does_not_allow_is_refused(
    reads: tuple[str, ...], writes_: tuple[str, ...], says: str
) -> None:
    with pytest.raises(ConnectorDeclarationInvalid, match=says) as refused:
        check_data_types(info(reads, writes_), "partner.module")
    assert writes_[0] in str(refused.value)


def test_a_write_the_registry_allows_passes() -> None:
    # Bills: Codat creates them, so a connector may declare it does.
    bills = data_types.get("bills")
    assert bills is not None and bills.writes is not None and Operation.CREATE in bills.writes.operations
    check_data_types(info(("bills", "invoices"), ("bills", "invoices")), "partner.module")


def test_an_operator_module_with_a_bad_declaration_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "misdeclared_platform.py").write_text(
        textwrap.dedent(
            """
            from ledgerlink.connectors.base import Branding, Connector, ConnectorInfo
            from ledgerlink.records.registry import SourceType


            class Misdeclared(Connector):
                info = ConnectorInfo(
                    key="tmis",
                    name="Misdeclared Books",
                    source_type=SourceType.ACCOUNTING,
                    branding=Branding(mark="MB", background="#000000"),
                    data_types=("company", "balanceSheet"),
                    writable_data_types=("balanceSheet",),
                )


            def connectors():
                return [Misdeclared()]
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    before = dict(registry.CONNECTORS)
    with pytest.raises(ConnectorDeclarationInvalid) as refused:
        registry.load_operator_connectors("misdeclared_platform", "")
    assert str(refused.value) == (
        "misdeclared_platform: Misdeclared Books (tmis) declares that it can create balanceSheet, which "
        "Codat's API has no such write for (the registry's `writes`)."
    )
    assert before == registry.CONNECTORS
