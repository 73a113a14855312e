"""A declared connector's field rules, compiled once into functions from a platform record to Codat's shape.

A rule is one of:
- `"path.to.value"`: the value at that dotted path of the platform's record (list positions are numbers);
- `{from: path, cents: true}`: the same, as an amount in minor units turned into a number (1234 → 12.34);
  `default: x` when the value is missing;
- `{value: x}`: a constant (say, a currency the API never states);
- `{object: {field: rule, ...}}`: an object built from the same record (refs such as `customerRef`);
- `{each: path, fields: {field: rule, ...}}`: a list, one object per item of the list at `path`.
A rule that finds nothing leaves its field out, as Codat omits what a platform does not provide.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

Record = Mapping[str, Any]
Rule = Callable[[Any], Any]
_MISSING = object()


class RuleInvalid(Exception):
    """A field rule the declaration language does not have."""


def value_at(record: Any, path: str) -> Any:
    """The value at a dotted path, or `_MISSING`; an empty path is the record itself."""
    current = record
    for part in path.split(".") if path else ():
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def compile_fields(fields: Mapping[str, Any], where: str = "fields") -> Callable[[Any], dict[str, Any]]:
    rules = [(name, compile_rule(rule, f"{where}.{name}")) for name, rule in fields.items()]

    def build(record: Any) -> dict[str, Any]:
        built: dict[str, Any] = {}
        for name, rule in rules:
            value = rule(record)
            if value is not _MISSING and value is not None:
                built[name] = value
        return built

    return build


def compile_rule(rule: Any, where: str) -> Rule:
    if isinstance(rule, str):
        return lambda record: value_at(record, rule)
    if not isinstance(rule, Mapping):
        raise RuleInvalid(f"{where}: a rule is a source path or one of from/value/object/each, not {rule!r}")
    kinds = {"from", "value", "object", "each"} & set(rule)
    if len(kinds) != 1:
        raise RuleInvalid(f"{where}: a rule has exactly one of from, value, object or each")
    kind = kinds.pop()
    allowed = {
        "from": {"from", "cents", "default"},
        "value": {"value"},
        "object": {"object"},
        "each": {"each", "fields"},
    }
    unknown = set(rule) - allowed[kind]
    if unknown:
        raise RuleInvalid(f"{where}: {', '.join(sorted(unknown))} cannot go with {kind}")
    if kind == "value":
        constant = rule["value"]
        return lambda record: constant
    if kind == "object":
        if not isinstance(rule["object"], Mapping):
            raise RuleInvalid(f"{where}.object: a map of fields to rules")
        build = compile_fields(rule["object"], f"{where}.object")
        return lambda record: build(record) or _MISSING
    if kind == "each":
        if not isinstance(rule.get("fields"), Mapping):
            raise RuleInvalid(f"{where}: each needs fields, a map of fields to rules")
        path, item = str(rule["each"]), compile_fields(rule["fields"], f"{where}.fields")

        def each(record: Any) -> Any:
            items = value_at(record, path)
            if not isinstance(items, list):
                return _MISSING
            return [item(entry) for entry in items]

        return each
    path, cents, default = str(rule["from"]), bool(rule.get("cents", False)), rule.get("default", _MISSING)

    def take(record: Any) -> Any:
        value = value_at(record, path)
        if value is _MISSING or value is None:
            return default
        if cents:
            return minor_units(value, where)
        return value

    return take


class ValueInvalid(Exception):
    """A platform value a rule cannot convert (the pull fails with this message)."""


def minor_units(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueInvalid(f"{where}: {value!r} is not an amount in minor units")
    try:
        return float(Decimal(str(value)) / 100)
    except ArithmeticError:
        raise ValueInvalid(f"{where}: {value!r} is not an amount in minor units") from None
