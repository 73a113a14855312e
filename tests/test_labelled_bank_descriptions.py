"""The labelled bank descriptions are well formed: every row's category is the Lending taxonomy's, its
direction and source are known, no description is labelled twice, and there are enough of each kind to
measure on. (How accurate the rules are is measured, not asserted: see
`bench/bank_categorization_accuracy.py`.)"""

from __future__ import annotations

from collections import Counter

from ledgerlink.lending.bank_categories import CATEGORIES
from tests.support import labelled_bank_descriptions
from tests.support.labelled_bank_descriptions import SOURCES, held_out, load

PATHS = {category.path for category in CATEGORIES}


def test_rows_are_well_formed() -> None:
    rows = load()
    assert len(rows) >= 300
    for row in rows:
        assert row.description.strip() == row.description and row.description, row
        assert (row.level_1,) in PATHS and (row.level_1, row.level_2) in PATHS, row
        assert row.source in SOURCES, row
    counts = Counter(row.description.casefold() for row in rows)
    assert [d for d, n in counts.items() if n > 1] == []


def test_every_source_and_direction_is_there() -> None:
    rows = load()
    by_source = Counter(row.source for row in rows)
    assert all(by_source[source] >= 20 for source in SOURCES), by_source
    assert {row.money_in for row in rows} == {True, False}
    assert {row.level_1 for row in rows} == {"Asset", "Liability", "Equity", "Income", "Expense"}
    assert sum(row.payment_provider is not None for row in rows) >= 40


def test_the_held_out_third_is_fixed_by_the_description() -> None:
    rows = load()
    first = [row for row in rows if row.batch == 1]
    share = sum(row.held_out for row in first) / len(first)
    assert 0.25 < share < 0.42
    assert {row.part for row in rows} == {"dev", "held out", "unseen"}
    assert held_out("DD HMRC VAT 123456789") == held_out("DD HMRC VAT 123456789")


def test_a_row_becomes_a_bank_line_with_its_direction_and_platform_category() -> None:
    rows = {row.description: row for row in load()}
    plaid = rows["Starbucks"].line(3)
    assert plaid.amount < 0 and plaid.platform_key == labelled_bank_descriptions.PLATFORM_KEYS["plaid"]
    assert plaid.record["transactionCategoryRef"] == {
        "id": "FOOD_AND_DRINK_COFFEE",
        "name": "FOOD_AND_DRINK_COFFEE",
    }
    assert rows["Interest paid"].line().amount > 0
