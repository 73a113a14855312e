"""The labelled account set is well formed: every label a category of the taxonomy, no account twice, at least
200 accounts from public charts of three countries, and the Sandbox's and fakes' charts labelled in full.
How often the rules agree with it is measured by `bench/categorization_accuracy.py`, not asserted here."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ledgerlink.connectors.xero.mapping import ACCOUNT_TYPES as XERO_TYPES
from ledgerlink.lending.categories import taxonomy
from tests.support import labelled_accounts
from tests.support.labelled_accounts import LabelledAccount

LABELS = labelled_accounts.load()
PUBLIC = [label for label in LABELS if label.public]


def test_every_label_is_a_category_of_the_taxonomy() -> None:
    unknown = {".".join(label.expected) for label in LABELS if not taxonomy.is_category(label.expected)}
    assert unknown == set()


def test_no_account_is_labelled_twice() -> None:
    keys = Counter(label.key for label in LABELS)
    assert [key for key, count in keys.items() if count > 1] == []
    codes = Counter((label.source, label.code) for label in LABELS if label.code)
    assert [key for key, count in codes.items() if count > 1] == []


def test_at_least_200_public_accounts_with_codes_from_three_countries() -> None:
    assert len(PUBLIC) >= 200
    assert all(label.code and label.name for label in PUBLIC)
    by_country = Counter(label.country for label in PUBLIC)
    assert {"GB", "US", "AU"} <= set(by_country)
    assert min(by_country[country] for country in ("GB", "US", "AU")) >= 30, by_country


def test_each_public_account_says_what_its_chart_says() -> None:
    for label in PUBLIC:
        if label.platform == "xero":
            assert label.platform_type in XERO_TYPES and not label.statement_type, label
        else:
            assert label.platform in labelled_accounts.UNMAPPED_PLATFORMS, label
            assert label.statement_type in labelled_accounts.STATEMENT_TYPES and label.platform_type, label


def test_the_sandbox_and_the_fakes_are_labelled_account_for_account() -> None:
    """`cases` raises on an unlabelled account or a stale label; every source has its accounts."""
    built = labelled_accounts.cases(LABELS)
    assert len(built) == len(LABELS)
    sources = Counter(case.label.source for case in built)
    assert sources["sandbox"] >= 25 and sources["fake-xero"] >= 1 and sources["fake-quickbooks"] >= 10
    for case in built:
        assert case.account["name"] == case.label.name
        assert (case.account.get("nominalCode") or "") == case.label.code


def test_a_changed_chart_is_caught(tmp_path: Path) -> None:
    """A Sandbox account missing from the file, or a label for an account its generator lacks, fails."""
    missing = [label for label in LABELS if label.key != ("sandbox", "1200", "Business Current Account")]
    with pytest.raises(LookupError, match="Business Current Account"):
        labelled_accounts.cases(missing)
    stale = LabelledAccount("sandbox", "GB", "sandbox", "", "", "9990", "Gone", ("Asset",), "")
    with pytest.raises(LookupError, match="Gone"):
        labelled_accounts.cases([*LABELS, stale])
    bad = tmp_path / "bad.csv"
    bad.write_text("# a comment\nsource,country,name\nxero-uk,GB,Sales\n", encoding="utf-8")
    with pytest.raises(ValueError, match="columns"):
        labelled_accounts.load(bad)
