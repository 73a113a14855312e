"""Each data type's JSON schema, and the scalar properties a `query=` may name on its records.

The schemas in `records/schemas/` are extracted from Codat's OpenAPI specs by `scripts/extract_schemas.py`
(JSON Schema 2020-12, `$ref`s inlined except the self-referencing `#/$defs/...` of statement report lines).
A data type's `<key>.json` describes one stored record: a list element, the single object (company info),
or one monthly report of a statement (`<key>.response.json` is the whole statement response).

Which properties are queryable, and as what:
- only scalars: anything inside an array is skipped (Codat rejects queries into collections), and so are
  free-form maps (`supplementalData.content`, `sourceUrls`);
- nested objects are followed, to paths of at most `MAX_DEPTH` names (`customerRef.id`, `metadata.isDeleted`);
- `enum` → `Kind.ENUM` (its non-null values); `number`/`integer` → `NUMBER`; `boolean` → `BOOLEAN`;
- a `string` is a `DATETIME` when its schema came from Codat's `DateTime` component (the extractor keeps that
  component's title, `"Date time"`; the component itself is a bare `type: string`), when it has
  `format: date-time` or `date`, or when its name ends in `Date`, `date`, `On` or `Utc` (`issueDate`,
  `postedOn`); every other string is `TEXT`;
- a property whose type is ambiguous (several non-null types, or `anyOf`/`oneOf` alternatives) is not
  queryable.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files
from typing import Any

from ledgerlink.kit.query import JsonProperty, Kind

SCHEMAS = files("ledgerlink.records") / "schemas"
MAX_DEPTH = 4
DATETIME_TITLE = "Date time"
DATE_FORMATS = frozenset({"date-time", "date"})
DATE_NAME = re.compile(r"(?:Date|date|On|Utc)$")


@cache
def record_schema(key: str) -> dict[str, Any]:
    """The JSON schema of one stored record of data type `key`."""
    return json.loads((SCHEMAS / f"{key}.json").read_text(encoding="utf-8"))


@cache
def response_schema(key: str) -> dict[str, Any] | None:
    """The whole read response of a statement data type (`None` for every other type)."""
    resource = SCHEMAS / f"{key}.response.json"
    return json.loads(resource.read_text(encoding="utf-8")) if resource.is_file() else None


def _types(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    if declared is None:
        return set()
    return ({declared} if isinstance(declared, str) else set(declared)) - {"null"}


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any] | None:
    """The schema behind a local `$ref` or a nullable `anyOf: [schema, null]`; None when ambiguous."""
    for _ in range(8):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            siblings = {key: value for key, value in schema.items() if key != "$ref"}
            schema = {**defs.get(ref.removeprefix("#/$defs/"), {}), **siblings}
            continue
        alternatives = schema.get("anyOf") or schema.get("oneOf")
        if alternatives is not None:
            non_null = [alt for alt in alternatives if alt.get("type") != "null"]
            if len(non_null) != 1:
                return None
            siblings = {key: value for key, value in schema.items() if key not in ("anyOf", "oneOf")}
            schema = {**non_null[0], **siblings}
            continue
        if "allOf" in schema:
            return None
        return schema
    return None


def _classify(name: str, schema: dict[str, Any]) -> JsonProperty | None:
    types = _types(schema)
    if "enum" in schema:
        values = tuple(str(value) for value in schema["enum"] if value is not None)
        return JsonProperty(Kind.ENUM, values) if values else None
    if len(types) != 1:
        return None
    (kind,) = types
    if kind == "string":
        is_date = (
            schema.get("title") == DATETIME_TITLE
            or schema.get("format") in DATE_FORMATS
            or DATE_NAME.search(name) is not None
        )
        return JsonProperty(Kind.DATETIME if is_date else Kind.TEXT)
    if kind in ("number", "integer"):
        return JsonProperty(Kind.NUMBER)
    if kind == "boolean":
        return JsonProperty(Kind.BOOLEAN)
    return None


def scalar_properties(schema: dict[str, Any]) -> dict[str, JsonProperty]:
    """Every queryable dotted path of a record schema, with its kind (see the module docstring)."""
    defs = schema.get("$defs", {})
    found: dict[str, JsonProperty] = {}

    def visit(node: dict[str, Any], prefix: str, depth: int) -> None:
        for name, raw in (node.get("properties") or {}).items():
            sub = _resolve(raw, defs)
            if sub is None:
                continue
            types = _types(sub)
            path = f"{prefix}{name}"
            if "array" in types:
                continue
            if "object" in types or ("properties" in sub and not types):
                if depth < MAX_DEPTH:
                    visit(sub, f"{path}.", depth + 1)
                continue
            prop = _classify(name, sub)
            if prop is not None:
                found[path] = prop

    visit(_resolve(schema, defs) or {}, "", 1)
    return found


@cache
def _query_properties(key: str) -> dict[str, JsonProperty]:
    return scalar_properties(record_schema(key))


def query_properties(key: str) -> dict[str, JsonProperty]:
    """`scalar_properties` of data type `key`'s record schema, computed once per type (a fresh dict)."""
    return dict(_query_properties(key))
