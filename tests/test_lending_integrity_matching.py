"""Data integrity's matching, pure (`ledgerlink.lending.integrity.matching`): lines one to one by amount,
date window and description; accounts by number, else by name and amounts."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

from ledgerlink.lending.integrity.matching import (
    WINDOW_DAYS,
    Account,
    Line,
    match_lines,
    numbers_agree,
    pair_accounts,
)

DAY = date(2024, 3, 1).toordinal()


def line(key: int, pounds: str, day: int, description: str = "") -> Line:
    return Line(round(float(pounds) * 100), DAY + day, key, description)


def test_a_timing_difference_inside_the_window_matches_and_outside_does_not() -> None:
    books = [line(1, "-120.50", 0, "Card payment Staples"), line(2, "-99", 0, "Adobe")]
    bank = [line(11, "-120.50", 3, "STAPLES 1234"), line(12, "-99", WINDOW_DAYS + 1, "Adobe")]
    assert match_lines(books, bank) == [(1, 11)]


def test_amounts_must_agree_to_the_cent() -> None:
    # A mistyped amount leaves both sides unmatched.
    assert match_lines([line(1, "-1500.00", 0, "Rent")], [line(11, "-1050.00", 0, "Rent")]) == []
    assert match_lines([line(1, "10.01", 0)], [line(11, "10.00", 0)]) == []


def test_a_duplicated_bank_line_keeps_one_match() -> None:
    books = [line(1, "-45", 2, "Utilities direct debit")]
    bank = [line(11, "-45", 2, "Utilities DD"), line(12, "-45", 2, "Utilities DD")]
    assert match_lines(books, bank) == [(1, 11)]


def test_equal_amounts_on_one_day_go_to_the_payee_the_description_names() -> None:
    books = [line(1, "-2000", 0, "Salary Jane Smith"), line(2, "-2000", 0, "Salary Tom Jones")]
    bank = [
        line(11, "-2000", 1, "BACS JONES T SALARY"),
        line(12, "-2000", 1, "BACS SMITH J SALARY"),
    ]
    assert sorted(match_lines(books, bank)) == [(1, 12), (2, 11)]


def test_a_monthly_payment_matches_its_own_month_even_with_a_month_missing() -> None:
    books = [line(m, "-1500", 30 * m, "Office rent") for m in range(6) if m != 3]
    bank = [line(10 + m, "-1500", 30 * m + 2, "RENT LANDLORD LTD") for m in range(6)]
    assert sorted(match_lines(books, bank)) == [(m, 10 + m) for m in range(6) if m != 3]


def test_matching_is_one_to_one_deterministic_and_independent_of_input_order() -> None:
    rng = random.Random(7)
    books = [line(i, str(rng.choice([10, 20, 30])), rng.randrange(60), f"p{i % 5}") for i in range(300)]
    bank = [line(1000 + i, str(rng.choice([10, 20, 30])), rng.randrange(60), f"p{i % 7}") for i in range(300)]
    pairs = match_lines(books, bank)
    assert len({b for b, _ in pairs}) == len({k for _, k in pairs}) == len(pairs)
    by_key = {x.key: x for x in books + bank}
    for b, k in pairs:
        assert by_key[b].cents == by_key[k].cents and abs(by_key[b].day - by_key[k].day) <= WINDOW_DAYS
    shuffled_books, shuffled_bank = books[:], bank[:]
    rng.shuffle(shuffled_books)
    rng.shuffle(shuffled_bank)
    assert sorted(match_lines(shuffled_books, shuffled_bank)) == sorted(pairs)


def test_account_numbers_agree_across_spellings() -> None:
    assert numbers_agree("20-67-06 30616281", "GB61BARC20670630616281")
    assert numbers_agree("****6281", "30616281")
    assert numbers_agree("30616281", "30 61 62 81")
    assert not numbers_agree("30616281", "56612409")
    assert not numbers_agree("81", "30616281")  # too short to say


def account(key: str, name: str, number: str | None, *amounts: int, currency: str = "GBP") -> Account:
    return Account(key, name, currency, number, Counter(amounts))


def test_accounts_pair_by_number_whatever_their_names() -> None:
    books = [account("b1", "Current", "20-67-06 30616281"), account("b2", "Savings", "20-67-06 31760219")]
    bank = [account("k1", "Business Savings", "GB61BARC20670631760219"), account("k2", "Current", "99999999")]
    pairs = pair_accounts(books, bank)
    # Different numbers are different accounts, even with the same name.
    assert [(p.books, p.bank) for p in pairs] == [("b2", "k1")]
    assert pairs[0].reason == "account numbers agree"


def test_without_numbers_accounts_pair_by_currency_name_and_amounts() -> None:
    books = [
        account("b1", "Business Current Account", None, 1, 2, 3, 4),
        account("b2", "Euro account", None, 5, 6, currency="EUR"),
    ]
    bank = [
        account("k1", "Current Account", "12345678", 1, 2, 3, 9),
        account("k2", "Euro", None, 5, 6, currency="GBP"),  # another currency: never a pair
        account("k3", "Savings", None, 7),
    ]
    assert [(p.books, p.bank) for p in pair_accounts(books, bank)] == [("b1", "k1")]


def test_disagreeing_numbers_pair_only_when_the_lines_vouch_for_it() -> None:
    # The books hold a stale number; the statement the ledger records says which account it is.
    books = [account("b1", "Business Current Account", "20-67-06 30616281", 1, 2, 3, 4, 5)]
    bank = [
        account("k1", "Business Current Account", "GB66LLSB41317660330300", 9),
        account("k2", "Current", "GB10LLSB42196888408465", 1, 2, 3, 4),
    ]
    (pair,) = pair_accounts(books, bank)
    assert (pair.books, pair.bank) == ("b1", "k2") and "100% of amounts in common" in pair.reason
