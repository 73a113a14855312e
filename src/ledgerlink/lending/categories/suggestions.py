"""A suggested category for one account, with a confidence per level and the rules that led to it.

Pure: from the account record as the read API returns it, its platform and its company's country. Every
rule that matches is evidence for a place in the taxonomy, weighted by how far that kind of rule is trusted
(`rules.WEIGHTS`). The path is chosen level by level, taking at each level the child with the most evidence
behind it, as long as some evidence goes deeper; a level's confidence is the combined trust of the evidence
that agrees with it, scaled by the share of the evidence at that depth that agrees, and never above the
confidence of the level above. The reason lists the rules that agree with the chosen path, so an analyst
sees why; rules that pointed elsewhere are named too.

The account's own `type` (Codat's top level, from the platform's classification) is taken as settled when
it is one of the five top levels: evidence under another top level is set aside, not weighed against it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ledgerlink.lending.categories import platforms, rules
from ledgerlink.lending.categories.taxonomy import TOP_LEVELS, Path, is_category, parse


@dataclass(frozen=True)
class CategoryLevel:
    """One level of a category: its name and how sure the suggestion is of it (a percentage, as Codat
    writes `confidence`; None for a confirmed category, which has no confidence)."""

    name: str
    confidence: float | None


@dataclass(frozen=True)
class Suggestion:
    levels: tuple[CategoryLevel, ...]
    reason: str

    @property
    def path(self) -> Path:
        return tuple(level.name for level in self.levels)


@dataclass(frozen=True)
class Evidence:
    """A rule that matched: the kind of rule (a key of `rules.WEIGHTS`), where it points, what it saw."""

    kind: str
    path: Path
    weight: float
    rule: str


NO_SUGGESTION = "No rule matched: neither the account's type, classification, code nor name."


def _normalize(text: str) -> str:
    """Lowercase, accents removed, `&` as `and`, everything but letters and digits a single space."""
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


# ------------------------------------------------------------------------------------------ the rules
def _type_evidence(account: Mapping[str, Any]) -> list[Evidence]:
    kind = account.get("type")
    if kind in TOP_LEVELS:
        return [Evidence("type", (kind,), rules.WEIGHTS["type"], f"type {kind!r}")]
    return []


def _platform_evidence(account: Mapping[str, Any], platform_key: str) -> list[Evidence]:
    weight = rules.WEIGHTS["platform type"]
    return [
        Evidence("platform type", path, weight, rule)
        for rule, path in platforms.platform_types(platform_key, account)
    ]


def _classification_evidence(account: Mapping[str, Any]) -> list[Evidence]:
    """Codat's `fullyQualifiedCategory` read word by word: the deepest word the tables know wins."""
    category = account.get("fullyQualifiedCategory")
    if not isinstance(category, str) or "." not in category:
        return []
    words = [re.sub(r"[^a-z]", "", part.lower()) for part in category.split(".")]
    top = category.split(".")[0].strip()
    top = {"Assets": "Asset", "Liabilities": "Liability", "Expenses": "Expense", "Revenue": "Income"}.get(
        top, top
    )
    table = rules.CLASSIFICATION_WORDS.get(top)
    if table is None:
        return []
    best: Path | None = None
    for word in words[1:]:
        dotted = table.get(word)
        if dotted is not None:
            path = parse(dotted)
            # A later word refines an earlier one; a word that names something shallower does not undo it.
            if best is None or len(path) >= len(best) or path[: len(best)] != best[: len(path)]:
                best = path
    if best is None:
        return []
    return [
        Evidence(
            "classification", best, rules.WEIGHTS["classification"], f"fullyQualifiedCategory {category!r}"
        )
    ]


def _code_number(code: str) -> tuple[int, int] | None:
    """A nominal code as (digits, number): `0031` → (4, 31), `1-1100` → (5, 11100); None if not a code."""
    compact = code.strip().replace("-", "")
    if not compact.isdigit() or not 3 <= len(compact) <= 5:
        return None
    return len(compact), int(compact)


def _code_evidence(account: Mapping[str, Any], platform_key: str, country: str | None) -> list[Evidence]:
    code = account.get("nominalCode")
    if not isinstance(code, str):
        return []
    parsed = _code_number(code)
    if parsed is None:
        return []
    digits, number = parsed
    dashed = "-" in code
    found = []
    for chart in rules.CHARTS:
        if chart.digits != digits or (chart is rules.MYOB) != dashed:
            continue
        on_platform = platform_key in chart.platforms
        if not on_platform and chart.countries and (country is None or country not in chart.countries):
            continue
        matching = [r for r in chart.ranges if r.low <= number <= r.high]
        if not matching:
            continue
        narrowest = min(matching, key=lambda r: (r.high - r.low, -len(r.path)))
        kind = "nominal code (platform chart)" if on_platform else "nominal code"
        span = f"{narrowest.low:0{digits}d}" + (
            f"–{narrowest.high:0{digits}d}" if narrowest.high != narrowest.low else ""
        )
        found.append(
            Evidence(
                kind,
                narrowest.path,
                rules.WEIGHTS[kind],
                f"nominal code {code!r} in {span} of the {chart.name}",
            )
        )
    return found


@cache
def _keyword_matcher(language: str) -> tuple[re.Pattern[str], dict[str, tuple[Path, ...]]]:
    """One regular expression per language matching any of its keywords as whole words (longest first,
    so `bank charges` wins over `bank`), and each keyword's places."""
    places: dict[str, tuple[Path, ...]] = {}
    for words, paths in rules.KEYWORDS[language]:
        for word in words:
            places.setdefault(_normalize(word), tuple(parse(p) for p in paths))
    alternatives = "|".join(re.escape(word) for word in sorted(places, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])({alternatives})s?(?![a-z0-9])"), places


# Where a name's qualifier starts: "Accumulated Depreciation - Vehicles", "Travel: International",
# "Accounts Payable (A/P)". The words before it name the thing; the words after only qualify it.
_QUALIFIER = re.compile(r"\s[-\u2013\u2014]\s|:|\(|,")


def _emphasis(segment: int, start: int, length: int) -> float:
    """How much a word counts for where it stands: in the name's head, the later the more (up to a tenth
    more: a noun phrase's head comes last, "Unapplied Cash Payment Income" is income); in a qualifier less."""
    if segment > 0:
        return 0.9
    return 1 + 0.1 * start / max(length, 1)


def _keyword_evidence(account: Mapping[str, Any], country: str | None, top: str | None) -> list[Evidence]:
    name = account.get("name")
    if not isinstance(name, str) or not name.strip():
        return []
    segments = [_normalize(part) for part in _QUALIFIER.split(name)]
    languages = ("en", *rules.COUNTRY_LANGUAGES.get(country or "", ()))
    if country is None:
        languages = tuple(rules.KEYWORDS)
    found = []
    seen: set[tuple[str, Path]] = set()
    for language in languages:
        pattern, places = _keyword_matcher(language)
        for segment, text in enumerate(segments):
            for match in pattern.finditer(text):
                word = match.group(1)
                candidates = places[word]
                if top is not None:
                    candidates = tuple(p for p in candidates if p[0] == top)
                # Without a settled top level, a word that fits several splits its weight between them.
                weight = rules.WEIGHTS["name keyword"] * _emphasis(segment, match.start(), len(text))
                share = weight / max(len(candidates), 1)
                for path in candidates:
                    # The same word in two languages' tables counts once; different words for a place add up.
                    if (word, path) not in seen:
                        seen.add((word, path))
                        found.append(
                            Evidence("name keyword", path, share, f"name keyword {word!r} ({language})")
                        )
    return found


# ------------------------------------------------------------------------------------- the weighing
def evidence(account: Mapping[str, Any], *, platform_key: str, country: str | None) -> list[Evidence]:
    """Every rule the account matches, with the place it points at."""
    found = _type_evidence(account)
    top = found[0].path[0] if found else None
    platform = _platform_evidence(account, platform_key)
    # Where the connector wrote the classification from the platform's own type, its words say the same
    # thing again: counted once, as the platform's type.
    found += platform or _classification_evidence(account)
    found += _code_evidence(account, platform_key, country)
    found += _keyword_evidence(account, country, top)
    return _contra(e for e in found if is_category(e.path))


def _contra(found: Iterable[Evidence]) -> list[Evidence]:
    """A name that says the account offsets others (accumulated depreciation) outweighs where the platform,
    the code or the asset's own name files it: those then count only for the parent both share."""
    found = list(found)
    named = {e.path for e in found if e.kind == "name keyword"}
    for contra, offsets in rules.CONTRA.items():
        if parse(contra) not in named:
            continue
        for n, e in enumerate(found):
            for offset in map(parse, offsets):
                if e.path[: len(offset)] == offset:
                    shared = offset[:-1]
                    found[n] = Evidence(
                        e.kind, shared, e.weight, f"{e.rule} (filed with the assets it offsets)"
                    )
    return found


def _combined(weights: list[float]) -> float:
    """Independent evidence combined: the chance that not all of it is wrong."""
    doubt = 1.0
    for weight in weights:
        doubt *= 1 - weight
    return 1 - doubt


def weigh(found: list[Evidence]) -> Suggestion:
    if not found:
        return Suggestion((), NO_SUGGESTION)
    top_level = [e for e in found if e.kind == "type"]
    if top_level:
        settled = top_level[0].path[0]
        considered = [e for e in found if e.path[0] == settled]
    else:
        considered = found
    chosen: list[str] = []
    levels: list[CategoryLevel] = []
    for depth in range(5):
        reaching = [e for e in considered if len(e.path) > depth and list(e.path[:depth]) == chosen]
        if not reaching:
            break
        support: dict[str, float] = {}
        for e in reaching:
            support[e.path[depth]] = support.get(e.path[depth], 0.0) + e.weight
        # Ties go to the name first seen: the more trusted rules are listed first.
        name = max(support, key=lambda n: support[n])
        agreeing = [e.weight for e in reaching if e.path[depth] == name]
        share = support[name] / sum(support.values())
        confidence = round(100 * _combined(agreeing) * share, 2)
        # A level is no surer than the level it sits under.
        if levels and levels[-1].confidence is not None:
            confidence = min(confidence, levels[-1].confidence)
        chosen.append(name)
        levels.append(CategoryLevel(name, confidence))
    path = tuple(chosen)
    agreed = [e.rule for e in found if e.path[: len(path)] == path[: len(e.path)] and e in considered]
    disagreed = [e.rule for e in found if e.rule not in agreed]
    reason = "; ".join(dict.fromkeys(agreed))
    if disagreed:
        reason += ". Outweighed: " + "; ".join(dict.fromkeys(disagreed))
    return Suggestion(tuple(levels), reason)


def suggest(account: Mapping[str, Any], *, platform_key: str, country: str | None) -> Suggestion:
    """The suggested category of an account record (as the read API returns it), with its reason.

    `platform_key`: the connection's integration key (its platform's own types are read where the
    connector keeps them); `country`: the company's country, ISO 3166 alpha-2 (`GB`), or None if unknown
    (nominal code ranges tied to a country are then not tried, and keywords of every language are).
    """
    return weigh(evidence(account, platform_key=platform_key, country=country))
