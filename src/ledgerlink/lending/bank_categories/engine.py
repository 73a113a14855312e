"""`classify(line)`: the category of a bank line, weighed from what its description names, which way the
money moved and what the platform itself called it.

How a line is read:

1. a provider that paid someone else (`PAYPAL *ADOBE`, `SQ *COFFEE SHOP`, `... VIA GOCARDLESS`) is noted as
   the payment provider and taken off, so the rest is read as the payee;
2. the description is cleaned (`normalise.clean`, the bank's merchant name put first) and every rule of
   `rules` is looked for in it at once: one compiled expression for the rules naming a party, one per
   direction for the kinds of movement; rules for the other direction of money do not apply;
3. the strongest rule wins (ties: the earlier table); a refund word turns a supplier's rule around (money
   back from a supplier goes to the supplier's category; money back to a customer reduces revenue);
4. the platform's own category (`transactionCategoryRef`) confirms a rule that agrees with it (raising the
   confidence), and decides when it is stronger than any rule that matched;
5. with nothing else, the direction decides: money in is revenue, money out an operating expense, at low
   confidence.

Classifying is a pure function of the line's description, merchant name, direction and platform category,
so answers are cached on those: a bank statement repeats its counterparties, and a million lines take
seconds (measured in `bench/bank_categorization_accuracy.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ledgerlink.lending.bank_categories import normalise, rules
from ledgerlink.lending.bank_categories.rules import ANY, IN, OUT, Rule
from ledgerlink.lending.categories import taxonomy
from ledgerlink.lending.categories.taxonomy import Category, Path

if TYPE_CHECKING:
    from ledgerlink.lending.bank_lines import BankLine

# The categories a bank line is placed in: the Lending API's taxonomy, the same as the categorized accounts'.
CATEGORIES: tuple[Category, ...] = taxonomy.TAXONOMY

# With no rule and no platform category: how sure a guess from the direction alone is.
DIRECTION_CONFIDENCE = 0.3
# A refund read against a supplier's rule is a little less sure than the rule itself.
REFUND_DISCOUNT = 0.9
# Money in from a business the company buys from, with no refund word: most likely money back.
UNMARKED_REFUND_DISCOUNT = 0.7
CACHE_SIZE = 1 << 16
# A rule this sure (tax, loans, own accounts) is not turned into a customer refund by a refund word.
STRONG = 0.85


@dataclass(frozen=True)
class BankClassification:
    """What a bank line is: its category path (Codat's `transactionCategory.levels`), how sure (0-1), why,
    who the counterparty is, and the provider the money came through."""

    levels: tuple[str, ...]
    confidence: float
    reason: str
    counterparty: str | None
    payment_provider: str | None


# ----------------------------------------------------------------------------------------- the rule table
@dataclass(frozen=True)
class _Found:
    """A rule whose pattern the description has, and where."""

    rule: Rule
    start: int
    end: int


def _rules() -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
    """Every table of `rules` as `Rule`s: those naming a party (strongest kinds first: the order breaks
    ties), and those reading the kind of movement."""
    parties: list[Rule] = []
    for pattern, direction, path, confidence, reason, who in rules.AUTHORITIES:
        parties.append(Rule(pattern, direction, path, confidence, reason, who))
    for lender, pattern, path, confidence in rules.LENDERS:
        parties.append(Rule(pattern, IN, path, confidence, f"money lent by {lender}", lender))
        parties.append(Rule(pattern, OUT, path, confidence, f"a repayment to {lender}", lender))
    for pattern, direction, path, confidence, reason in rules.PAYROLL:
        parties.append(Rule(pattern, direction, path, confidence, reason))
    for provider, pattern, money_in, money_out in rules.PROVIDERS:
        parties.append(Rule(pattern, IN, money_in, 0.9, f"a payout from {provider}", provider, provider))
        parties.append(Rule(pattern, OUT, money_out, 0.7, f"charged by {provider}", provider, provider))
    for name, pattern, path, what in rules.MERCHANTS:
        parties.append(Rule(pattern, OUT, path, 0.8, f"names {name}, {what}", name))
    kinds = tuple(
        Rule(pattern, direction, path, confidence, reason)
        for pattern, direction, path, confidence, reason in rules.KINDS
    )
    return tuple(parties), kinds


PARTY_RULES, KIND_RULES = _rules()
RULES: tuple[Rule, ...] = PARTY_RULES + KIND_RULES


@dataclass(frozen=True)
class _Matcher:
    """One expression with a named group per distinct pattern of some rules (in table order, so at any
    position the earlier table's reading is tried first), and each group's rules."""

    pattern: re.Pattern[str]
    groups: dict[str, tuple[Rule, ...]]

    @classmethod
    def of(cls, table: tuple[Rule, ...]) -> _Matcher:
        by_pattern: dict[str, list[Rule]] = {}
        for rule in table:
            by_pattern.setdefault(rule.pattern, []).append(rule)
        alternatives = [rf"(?P<g{i}>\b(?:{pattern})(?!\w))" for i, pattern in enumerate(by_pattern)]
        groups = {f"g{i}": tuple(members) for i, members in enumerate(by_pattern.values())}
        return cls(re.compile("|".join(alternatives)), groups)

    def find(self, words: str) -> list[_Found]:
        found: list[_Found] = []
        for match in self.pattern.finditer(words):
            assert match.lastgroup is not None
            found.extend(_Found(rule, match.start(), match.end()) for rule in self.groups[match.lastgroup])
        return found


# Parties are looked for whichever way the money moved (money in from a supplier reads as a refund); kinds
# of movement only in their own direction, so that a reading for money in (`bounce back loan`) does not take
# the words a reading for money out needs (`loan repayment`).
_PARTIES = _Matcher.of(PARTY_RULES)
_KINDS = {d: _Matcher.of(tuple(r for r in KIND_RULES if r.direction in (d, ANY))) for d in (IN, OUT)}
_WRAPPERS = re.compile("|".join(f"(?P<w{i}>{pattern})" for i, (_, pattern) in enumerate(rules.WRAPPERS)))
_WRAPPED_BY = {f"w{i}": provider for i, (provider, _) in enumerate(rules.WRAPPERS)}
# Every wrapper's pattern has one of these: a description without any is not searched.
_WRAPPER_SIGNS = ("*", "gc re", "gocardless re", "via gocardless")
_REFUND = re.compile(rf"\b(?:{rules.REFUND})\b")
# A refund word on money out, with nothing surer said: money back to a customer.
_CUSTOMER_REFUND = Rule(rules.REFUND, OUT, rules.RETURNS, 0.75, "a refund paid to a customer")
_PLATFORM = tuple(sorted(rules.PLATFORM_CATEGORIES, key=lambda row: -len(row[0])))
_WORDS = re.compile(r"[^a-z0-9&]+")


def _path(dotted: str) -> Path:
    return tuple(dotted.split("."))


def _check() -> None:
    """Every category a rule names is in the taxonomy: a typo fails at import, not in a report."""
    named = [r.category for r in (*RULES, _CUSTOMER_REFUND)] + [row[1] for row in rules.PLATFORM_CATEGORIES]
    for dotted in (*named, rules.REVENUE, rules.OPERATING):
        assert taxonomy.is_category(_path(dotted)), f"{dotted} is not a Lending category"


_check()


# ------------------------------------------------------------------------------------------- classifying
def _matches(words: str, direction: str) -> list[_Found]:
    return _PARTIES.find(words) + _KINDS[direction].find(words)


def _platform(category: str | None) -> tuple[str, float, str] | None:
    """The platform's category as (path, confidence, its words), when it is one `rules` knows."""
    if not category:
        return None
    key = _WORDS.sub(" ", category.casefold()).strip()
    for prefix, path, confidence in _PLATFORM:
        if key == prefix or key.startswith(prefix + " "):
            return path, confidence, category
    return None


def _agrees(a: str, b: str) -> bool:
    """Two categories agree when they share their first two levels (or one is the other's top level)."""
    pa, pb = _path(a), _path(b)
    depth = min(2, len(pa), len(pb))
    return pa[:depth] == pb[:depth]


def _unwrap(text: str) -> tuple[str, str | None]:
    """The description without a provider that paid someone else, and that provider."""
    if not any(sign in text for sign in _WRAPPER_SIGNS):
        return text, None
    match = _WRAPPERS.search(text)
    if match is None or match.lastgroup is None:
        return text, None
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    return (rest, _WRAPPED_BY[match.lastgroup]) if rest else (text, None)


def _counterparty_of(words: str, found: list[_Found]) -> str | None:
    """The name the description gives, once the words the rules matched (the rail, the kind of payment) are
    taken off its ends."""
    return normalise.counterparty(words, ((f.start, f.end) for f in found))


def _combine(rule_confidence: float, platform_confidence: float) -> float:
    """Two signals that agree: more sure than either (the platform counts half as an independent view)."""
    return min(0.99, rule_confidence + (1 - rule_confidence) * platform_confidence * 0.5)


@lru_cache(maxsize=CACHE_SIZE)
def _decide(words: str, direction: str, wrapped_by: str | None, platform: str | None) -> BankClassification:
    found = _matches(words, direction)
    refund = _REFUND.search(words) is not None
    provider = wrapped_by or next((f.rule.provider for f in found if f.rule.provider), None)
    known = _platform(platform)

    chosen: Rule | None = None
    confidence = 0.0
    reason = ""
    applicable = [f.rule for f in found if f.rule.direction in (direction, ANY)]
    supplier = [f.rule for f in found if f.rule.direction == OUT and f.rule.counterparty]
    if refund and direction == IN and supplier:
        chosen = max(supplier, key=lambda r: r.confidence)
        confidence = chosen.confidence * REFUND_DISCOUNT
        reason = f"money back (a refund): {chosen.reason}"
    elif (
        refund and direction == OUT and not any(r.confidence >= STRONG and not r.provider for r in applicable)
    ):
        chosen = _CUSTOMER_REFUND
        confidence, reason = chosen.confidence, chosen.reason
    elif applicable:
        chosen = max(applicable, key=lambda r: r.confidence)  # the first of equals: the earlier table
        confidence, reason = chosen.confidence, chosen.reason
    elif direction == IN and supplier:
        chosen = max(supplier, key=lambda r: r.confidence)
        confidence = chosen.confidence * UNMARKED_REFUND_DISCOUNT
        reason = f"money in from a supplier, most likely money back: {chosen.reason}"

    if chosen is not None:
        category = chosen.category
        if known is not None:
            if _agrees(category, known[0]):
                confidence = _combine(confidence, known[1])
                reason += f"; the platform's category ({known[2]}) agrees"
            elif known[1] > confidence:
                category, confidence = known[0], known[1]
                reason = f"the platform's category ({known[2]}), over a weaker rule ({reason})"
        counterparty = chosen.counterparty or _counterparty_of(words, found)
        return BankClassification(_path(category), round(confidence, 4), reason, counterparty, provider)
    if known is not None:
        return BankClassification(
            _path(known[0]),
            known[1],
            f"the platform's category ({known[2]})",
            _counterparty_of(words, found),
            provider,
        )
    fallback = rules.REVENUE if direction == IN else rules.OPERATING
    what = "money in" if direction == IN else "money out"
    return BankClassification(
        _path(fallback),
        DIRECTION_CONFIDENCE,
        f"{what} that no rule recognised",
        _counterparty_of(words, found),
        provider,
    )


@lru_cache(maxsize=CACHE_SIZE)
def _read(description: str, merchant: str | None) -> tuple[str, str | None]:
    """The words to classify on (the merchant's name first, when the bank gave one) and the provider a
    wrapped description names."""
    text, wrapped_by = _unwrap(description.casefold())
    words = normalise.clean(text)
    if merchant:
        merchant_words = normalise.clean(merchant)
        if merchant_words and merchant_words not in words:
            words = f"{merchant_words} {words}".strip()
    return words, wrapped_by


def _platform_category(line: BankLine) -> str | None:
    """The platform's category: its id where that is a code (Plaid's `INCOME_WAGES`), else its name."""
    ref = line.record.get("transactionCategoryRef") if isinstance(line.record, dict) else None
    if isinstance(ref, dict):
        code = ref.get("id")
        if isinstance(code, str) and code.isupper() and "_" in code:
            return code
    return line.platform_category


def classify(line: BankLine) -> BankClassification:
    """The category of one bank line (pure: the same line always gets the same answer)."""
    words, wrapped_by = _read(line.description, line.merchant_name)
    direction = IN if line.amount > 0 else OUT
    return _decide(words, direction, wrapped_by, _platform_category(line))
