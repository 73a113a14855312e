"""Finding every rule a cleaned description names, fast: hundreds of patterns tried only where they can match.

One expression of hundreds of alternatives, searched along a description, tries every alternative at every
position: about a millisecond a description, which a statement of new counterparties pays on each. Here the
patterns are grouped by the characters they can start with (read off each pattern's parse: a literal, a
class, the first of a group's alternatives, past anything optional), and a description is walked word by
word (cleaned words are separated by single spaces): at each word start, only the expression of the patterns
that can start with its first character is tried. The answer is the one expression's: at each word start the
first pattern in table order that matches, then on from the end of that match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# (first characters, or None for any; whether the part can match nothing)
_First = tuple[frozenset[str] | None, bool]
_ZERO_WIDTH = frozenset({sre.AT, sre.ASSERT, sre.ASSERT_NOT})


def _first_of_sequence(items: Any) -> _First:
    found: set[str] = set()
    for op, av in items:
        chars, nullable = _first_of_item(op, av)
        if chars is None:
            return None, False
        found |= chars
        if not nullable:
            return frozenset(found), False
    return frozenset(found), True


def _first_of_item(op: Any, av: Any) -> _First:
    if op is sre.LITERAL:
        return frozenset({chr(av)}), False
    if op is sre.IN:
        members: set[str] = set()
        for kind, value in av:
            if kind is sre.LITERAL:
                members.add(chr(value))
            elif kind is sre.RANGE:
                members.update(chr(c) for c in range(value[0], value[1] + 1))
            else:  # a negated class, a category (\w, \d): anything
                return None, False
        return frozenset(members), False
    if op is sre.SUBPATTERN:
        return _first_of_sequence(av[-1])
    if op is sre.BRANCH:
        found: set[str] = set()
        nullable = False
        for branch in av[1]:
            chars, empty = _first_of_sequence(branch)
            if chars is None:
                return None, False
            found |= chars
            nullable = nullable or empty
        return frozenset(found), nullable
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, _high, item = av
        chars, empty = _first_of_sequence(item)
        return chars, low == 0 or empty
    if op in _ZERO_WIDTH:
        return frozenset(), True
    return None, False


def first_characters(pattern: str) -> frozenset[str] | None:
    """The characters a match of `pattern` can start with; None when it could start with any (or match
    nothing at all)."""
    chars, nullable = _first_of_sequence(sre_parse.parse(pattern))
    return None if chars is None or nullable else chars


@dataclass(frozen=True)
class Matcher(Generic[T]):
    """Patterns, each with what it stands for, found along cleaned descriptions."""

    by_first: dict[str, re.Pattern[str]]  # a word's first character → the patterns that can start with it
    anywhere: re.Pattern[str] | None  # for a first character no pattern's set names
    meaning: dict[str, T]  # group name → what the pattern stands for

    @classmethod
    def of(cls, patterns: Sequence[tuple[str, T]]) -> Matcher[T]:
        named = [(f"g{i}", pattern, first_characters(pattern)) for i, (pattern, _) in enumerate(patterns)]
        meaning = {f"g{i}": value for i, (_, value) in enumerate(patterns)}

        def compiled(chosen: list[tuple[str, str]]) -> re.Pattern[str] | None:
            if not chosen:
                return None
            return re.compile("|".join(rf"(?P<{name}>(?:{pattern})(?!\w))" for name, pattern in chosen))

        letters = sorted({c for _, _, first in named if first is not None for c in first})
        by_first = {
            c: compiled([(name, p) for name, p, first in named if first is None or c in first])
            for c in letters
        }
        anywhere = compiled([(name, p) for name, p, first in named if first is None])
        return cls({c: p for c, p in by_first.items() if p is not None}, anywhere, meaning)

    def find(self, words: str) -> list[tuple[T, int, int]]:
        """What the patterns found, with where: `(meaning, start, end)`, left to right."""
        found = []
        position, end = 0, len(words)
        while position < end:
            expression = self.by_first.get(words[position], self.anywhere)
            match = expression.match(words, position) if expression is not None else None
            if match is not None and match.end() > position:
                assert match.lastgroup is not None
                found.append((self.meaning[match.lastgroup], position, match.end()))
                position = match.end()
                if position < end and words[position - 1] != " ":
                    position = words.find(" ", position) + 1 or end
            else:
                position = words.find(" ", position) + 1 or end
        return found
