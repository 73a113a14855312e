"""The OpenAPI document at `/openapi.json`: FastAPI's, with Codat's own description of Codat's operations.

FastAPI generates the document from ledgerlink's routes, but it cannot know what the answers look like:
the read API returns stored JSON without a model, and Codat's models are far richer than the request
schemas the endpoints declare. `codat.json` (made by `scripts/extract_openapi.py` from Codat's specs, with
ledgerlink's documented differences applied) holds, for every operation Codat's specs have, Codat's tags,
descriptions, parameters, request body, responses and examples, and the components they use; they replace
the generated ones. Operations only ledgerlink has keep their generated description, with Codat's error
responses in place of FastAPI's 422 (ledgerlink answers a bad request 400, in Codat's error body).
Every operation is under Codat's `Authorization` API key scheme, which gives Swagger UI its Authorize button.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

SECURITY_SCHEME = "auth_header"
# Codat's error responses an operation of ledgerlink's own gets (they are in codat.json's components).
OWN_ERRORS = {"400": "Bad-Request", "401": "Unauthorized"}
PREFIX = "#/components/schemas/"
PARAMETER = re.compile(r"\{[^}]+\}")
PARAMETER_NAME = re.compile(r"\{([^}]+)\}")


@cache
def codat() -> dict[str, Any]:
    return json.loads(
        resources.files("ledgerlink.apidocs").joinpath("codat.json").read_text(encoding="utf-8")
    )


def operation_key(method: str, path: str) -> str:
    """`GET /companies/{}`: how codat.json names an operation, whatever the path parameters are called."""
    return f"{method.upper()} {PARAMETER.sub('{}', path)}"


def _parameter_id(parameter: dict[str, Any], components: dict[str, Any]) -> tuple[str, str]:
    if "$ref" in parameter:
        parameter = components["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
    return parameter["in"], parameter["name"]


def _codat_operation(generated: dict[str, Any], described: dict[str, Any], components: dict[str, Any]) -> Any:
    """Codat's operation; a parameter ledgerlink takes that Codat's spec doesn't list is kept too."""
    operation = copy.deepcopy(described)
    known = {_parameter_id(parameter, components) for parameter in operation.get("parameters", [])}
    extra = [p for p in generated.get("parameters", []) if (p["in"], p["name"]) not in known]
    operation["parameters"] = [*operation.get("parameters", []), *extra]
    return operation


def _declare_path_parameters(path: str, operation: dict[str, Any], components: dict[str, Any]) -> None:
    """Every `{name}` of the path as a parameter: the read API's routes take theirs from the request."""
    declared = {_parameter_id(parameter, components) for parameter in operation.get("parameters", [])}
    missing = [name for name in PARAMETER_NAME.findall(path) if ("path", name) not in declared]
    operation["parameters"] = [
        *({"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in missing),
        *operation.get("parameters", []),
    ]


def _own_operation(generated: dict[str, Any]) -> dict[str, Any]:
    operation = dict(generated)
    responses = {code: answer for code, answer in generated.get("responses", {}).items() if code != "422"}
    for code, name in OWN_ERRORS.items():
        responses.setdefault(code, {"$ref": f"#/components/responses/{name}"})
    operation["responses"] = responses
    return operation


def _schema_refs(node: Any) -> set[str]:
    text = json.dumps(node)
    return set(re.findall(r'"#/components/schemas/([^"/]+)"', text))


def _rename(node: Any, names: dict[str, str]) -> Any:
    if not names:
        return node
    text = json.dumps(node)
    for old, new in names.items():
        text = text.replace(f'"{PREFIX}{old}"', f'"{PREFIX}{new}"')
    return json.loads(text)


def build(app: FastAPI) -> dict[str, Any]:
    generated = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    described = codat()
    components = copy.deepcopy(described["components"])
    paths: dict[str, dict[str, Any]] = {}
    own: list[dict[str, Any]] = []
    for path, item in generated["paths"].items():
        for method, operation in item.items():
            found = described["operations"].get(operation_key(method, path))
            if found is None:
                operation = _own_operation(operation)
                own.append(operation)
            else:
                operation = _codat_operation(operation, found, components)
            _declare_path_parameters(path, operation, components)
            paths.setdefault(path, {})[method] = operation

    # The generated schemas that operations of ledgerlink's own still use; renamed if Codat's has the name.
    schemas = generated.get("components", {}).get("schemas", {})
    used: set[str] = set()
    pending = set().union(*(_schema_refs(operation) for operation in own))
    while pending:
        name = pending.pop()
        if name not in used:
            used.add(name)
            pending |= _schema_refs(schemas[name]) - used
    codat_schemas = components.setdefault("schemas", {})
    names = {name: f"ledgerlink.{name}" for name in used if name in codat_schemas}
    for name in sorted(used):
        codat_schemas[names.get(name, name)] = _rename(schemas[name], names)
    for operation in own:
        operation.update(_rename(operation, names))

    tags = [*described["tags"]]
    for item in paths.values():
        for operation in item.values():
            for tag in operation.get("tags", []):
                if all(tag != known["name"] for known in tags):
                    tags.append({"name": tag})
    components["securitySchemes"] = described["securitySchemes"]
    return {
        "openapi": generated["openapi"],
        "info": generated["info"],
        "security": [{SECURITY_SCHEME: []}],
        "tags": tags,
        "paths": paths,
        "components": components,
    }
