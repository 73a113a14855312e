"""A plain-Python reading of Codat's `query=` language, to check the SQL compiler in `kit/query.py` against.

It evaluates the parser's AST over one decoded JSON document (a dict; numbers as `int` or `Decimal`, never
`float`) without touching SQL, so it shares nothing with the compiler but the AST and `parse_datetime`
(shared on purpose: what counts as a date is one decision, not two). The semantics are those of the
module docstring of `ledgerlink.kit.query`:

- a property is found by its dotted path, case-insensitively; an unknown path is an invalid query;
- a missing or null property, or a JSON value of the wrong type for the property's kind (a string where
  a number is declared, a number where text is declared, ...), never satisfies `=`, `~`, `>`, `<`, `>=`,
  `<=` and always satisfies `!=`;
- `~` is a case-insensitive substring test, on text and enum properties only;
- `>`, `<`, `>=`, `<=` apply to numbers and datetimes only, so booleans take `=` and `!=` only;
- an enum query value is first canonicalised to the member it matches case-insensitively (if any), then
  compared case-sensitively with the stored string;
- numbers compare as `Decimal`; datetimes are `YYYY-MM-DD` or ISO-8601, no zone meaning UTC.

A query that the compiler must reject (unknown property, operator not valid for the kind, a value that
does not parse for the kind) raises `InvalidQuery`, whatever the record: `check` walks the whole tree
first, so short-circuiting `&&`/`||` cannot hide an invalid term.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerlink.kit.query import And, Comparison, JsonProperty, Kind, Node, Op, Or, parse_datetime

_ORDERING = {Op.GT, Op.LT, Op.GE, Op.LE}
_MISSING = object()


class InvalidQuery(Exception):
    """The query is one the compiler must answer with 400 Bad Request."""


def evaluate(node: Node, record: dict[str, Any], kinds: dict[str, JsonProperty]) -> bool:
    """Whether `record` satisfies the query `node`, for properties typed by `kinds` (dotted path → kind)."""
    check(node, kinds)
    return _evaluate(node, record, kinds)


def check(node: Node, kinds: dict[str, JsonProperty]) -> None:
    if isinstance(node, (And, Or)):
        for term in node.terms:
            check(term, kinds)
        return
    key, prop = _resolve(node.path, kinds)
    if node.op in _ORDERING and prop.kind not in (Kind.NUMBER, Kind.DATETIME):
        raise InvalidQuery(f"{node.op.value} on {prop.kind.value} {key}")
    if node.op is Op.CONTAINS and prop.kind not in (Kind.TEXT, Kind.ENUM):
        raise InvalidQuery(f"~ on {prop.kind.value} {key}")
    _query_value(prop, node.value)


def _evaluate(node: Node, record: dict[str, Any], kinds: dict[str, JsonProperty]) -> bool:
    if isinstance(node, And):
        return all(_evaluate(term, record, kinds) for term in node.terms)
    if isinstance(node, Or):
        return any(_evaluate(term, record, kinds) for term in node.terms)
    assert isinstance(node, Comparison)
    key, prop = _resolve(node.path, kinds)
    stored = _stored_value(record, key, prop)
    wanted = _query_value(prop, node.value)
    if stored is _MISSING:
        return node.op is Op.NE
    if node.op is Op.EQ:
        return stored == wanted
    if node.op is Op.NE:
        return stored != wanted
    if node.op is Op.CONTAINS:
        return wanted.lower() in stored.lower()
    if node.op is Op.GT:
        return stored > wanted
    if node.op is Op.LT:
        return stored < wanted
    if node.op is Op.GE:
        return stored >= wanted
    assert node.op is Op.LE
    return stored <= wanted


def _resolve(path: tuple[str, ...], kinds: dict[str, JsonProperty]) -> tuple[str, JsonProperty]:
    dotted = ".".join(path).lower()
    for key, prop in kinds.items():
        if key.lower() == dotted:
            return key, prop
    raise InvalidQuery(f"unknown property {'.'.join(path)}")


def _stored_value(record: dict[str, Any], key: str, prop: JsonProperty) -> Any:
    """The stored value as a Python value of the property's kind, or `_MISSING`."""
    value: Any = record
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    if prop.kind in (Kind.TEXT, Kind.ENUM):
        return value if isinstance(value, str) else _MISSING
    if prop.kind is Kind.BOOLEAN:
        return value if isinstance(value, bool) else _MISSING
    if prop.kind is Kind.NUMBER:
        # bool is an int subclass in Python, but `true` is not a JSON number.
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            return _MISSING
        return Decimal(value)
    assert prop.kind is Kind.DATETIME
    if not isinstance(value, str):
        return _MISSING
    try:
        return parse_datetime(value)
    except ValueError:
        return _MISSING


def _query_value(prop: JsonProperty, raw: str) -> Any:
    if prop.kind is Kind.TEXT:
        return raw
    if prop.kind is Kind.ENUM:
        for member in prop.enum_values:
            if member.lower() == raw.lower():
                return member
        return raw
    if prop.kind is Kind.BOOLEAN:
        if raw.lower() not in ("true", "false"):
            raise InvalidQuery(f"{raw!r} is not a boolean")
        return raw.lower() == "true"
    if prop.kind is Kind.NUMBER:
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise InvalidQuery(f"{raw!r} is not a number") from None
        if not number.is_finite():
            raise InvalidQuery(f"{raw!r} is not a finite number")
        return number
    assert prop.kind is Kind.DATETIME
    try:
        parsed: datetime = parse_datetime(raw)
    except ValueError:
        raise InvalidQuery(f"{raw!r} is not a datetime") from None
    return parsed
