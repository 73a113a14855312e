"""Codat's response schemas from its specs (`vendor/specs/codat/`), as validators of ledgerlink's answers and
records: `response_validator(spec, path)` checks what `GET path` answers (a list's items, or the whole)."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from functools import cache
from typing import Any

from tests.support import specs


# The specs are big (4 MB of YAML): only the components a validator needs are parsed.
@cache
def _spec_text(name: str) -> str:
    return (specs.CODAT / name).read_text()


@cache
def _blocks(name: str, section: str) -> dict[str, str]:
    """The YAML text of each entry of `components.<section>` of a spec, by name."""
    lines = _spec_text(name).splitlines(keepends=True)
    blocks: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines[lines.index(f"  {section}:\n") + 1 :]:
        if line.strip() and not line.startswith("   "):
            break  # the next section of `components`
        if line.startswith("    ") and line[4] != " " and line.rstrip().endswith(":"):
            current = blocks.setdefault(line.strip()[:-1].strip("'\""), [])
        else:
            current.append(line)
    return {key: "".join(text) for key, text in blocks.items()}


@cache
def _component(spec: str, section: str, key: str) -> dict:
    import yaml

    text = textwrap.dedent(_blocks(spec, section)[key])
    return _nullable(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def _ref_target(ref: str) -> tuple[str, str]:
    parts = ref.split("/")
    assert parts[:2] == ["#", "components"], ref
    return parts[2], parts[3]


def _nullable(node: Any, keywords: bool = True) -> Any:
    """OpenAPI's `nullable: true` as JSON Schema (`type: [t, "null"]`), and the YAML made JSON."""
    if isinstance(node, dict):
        out = {
            k: _nullable(v, k not in ("properties", "definitions", "schemas", "$defs") or not keywords)
            for k, v in node.items()
        }
        if keywords:
            if isinstance(out.get("type"), dict):  # a slip in the spec (`type: {type: string, enum: [...]}`)
                out.update(out.pop("type"))
            if out.get("nullable") is True and isinstance(out.get("type"), str):
                out["type"] = [out["type"], "null"]
            out.pop("nullable", None) if isinstance(out.get("nullable"), bool) else None
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    if isinstance(node, date):  # YAML reads unquoted dates in examples as dates
        return node.isoformat()
    return node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(spec: str, node: dict) -> dict:
    """A schema with its `$ref`s (`#/components/<section>/<name>/...`) followed."""
    while "$ref" in node:
        parts = node["$ref"].split("/")
        target: Any = _component(spec, *_ref_target(node["$ref"]))
        for part in parts[4:]:
            part = part.replace("~1", "/").replace("~0", "~")
            target = target[int(part)] if isinstance(target, list) else target[part]
        node = target
    return node


def _path_item(spec: str, path: str) -> dict:
    """The path item of `path` in a spec, parsed from its own block of the YAML."""
    import yaml

    lines = _spec_text(spec).splitlines(keepends=True)
    start = lines.index(f"  '{path}':\n")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].strip() and not lines[i].startswith("   ")),
        len(lines),
    )
    block = textwrap.dedent("".join(lines[start + 1 : end]))
    return _nullable(yaml.load(block, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def response_validator(spec: str, path: str, results: bool = True) -> Any:
    """A validator for the 200 response of `GET path` in Codat's `spec` (for a list: one element of its
    `results`), the response followed where the spec names it in `components.responses`."""
    answer = _path_item(spec, path)["get"]["responses"]["200"]
    if "$ref" in answer:  # (Codat's responses live in `components.responses`, or inline)
        answer = _component(spec, *_ref_target(answer["$ref"]))
    schema = _resolve(spec, answer["content"]["application/json"]["schema"])
    if results:
        parts = [schema, *(_resolve(spec, part) for part in schema.get("allOf", []))]
        schema = next(p["properties"]["results"] for p in parts if "results" in p.get("properties", {}))[
            "items"
        ]
    return _validator(spec, schema)


def component_validator(spec: str, name: str) -> Any:
    """A validator for one of the `components.schemas` of Codat's `spec` (`PushOption`, say)."""
    return _validator(spec, _component(spec, "schemas", name))


def _validator(spec: str, schema: dict) -> Any:
    """A JSON Schema validator of `schema`, with every component it refers to (and theirs) beside it."""
    import jsonschema_rs

    components: dict[str, dict[str, dict]] = defaultdict(dict)
    todo = [_ref_target(ref) for ref in _refs(schema)]
    while todo:
        section, key = todo.pop()
        if key not in components[section]:
            components[section][key] = _component(spec, section, key)
            todo.extend(_ref_target(ref) for ref in _refs(components[section][key]))
    return jsonschema_rs.validator_for({**schema, "components": dict(components)})
