"""Extract Codat's description of every operation ledgerlink serves into `ledgerlink/apidocs/codat.json`.

Run from anywhere: `python scripts/extract_openapi.py`. It reads Codat's specs from `vendor/specs/codat/`
(or `--specs DIR`), lists ledgerlink's own routes (the application as `ledgerlink serve` builds it), and
writes one JSON file that `ledgerlink.apidocs.openapi` merges into the generated `/openapi.json`. The
server never reads `vendor/`: a clone installs the package only, so what it needs is package data.

What is taken, per operation (method and path, path parameters compared by position):
- the first spec in `SPEC_ORDER` that has the operation wins. The Platform API comes first (companies,
  connections, settings, webhooks), then Sync for Commerce; for the read API the order is
  `scripts/extract_schemas.py`'s (Lending first), so the documented records are the ones ledgerlink stores;
- its tags, summary, description, operationId (suffixed with the spec's short name where a spec earlier in
  the order has the same one for another path), parameters (its path item's too; a path parameter Codat
  names differently is renamed to ledgerlink's), request body and responses, with their examples;
- every component they reference, transitively. Two specs may define a component under one name
  differently (`PagingInfo` in Platform and Lending); the first spec keeps the name and the others' copy
  is prefixed with the spec's short name (`Lending.PagingInfo`: Codat's names have no dots), and so is
  every component that refers to a prefixed one. A `$ref` into a spec's own `paths` is replaced by a copy
  of its target (the merged document's paths are ledgerlink's);
- the specs' `x-` extensions go (Speakeasy's SDK generator hints), and so does `servers` (ledgerlink is
  served from wherever it runs);
- `securitySchemes.auth_header` of the Platform spec (its description naming ledgerlink's keys), and the
  top-level tags (with descriptions) used.

Where ledgerlink documents a difference (`docs/api-compatibility.md`), `DIFFERENCES` applies it to the
extracted operation: a note on the description, and responses added or replaced; every operation gets
Codat's 400. `OWN_FIXES` (with `extract_schemas.FIXES`) repairs mistakes in the specs first.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

from extract_schemas import FIXES, load_spec, resolve_pointer  # noqa: E402 (found through sys.path above)

DEFAULT_SPECS = REPO / "vendor" / "specs" / "codat"
OUTPUT = REPO / "src" / "ledgerlink" / "apidocs" / "codat.json"
COMPATIBILITY = "docs/api-compatibility.md"

# Spec file → the prefix its conflicting components get. Order is priority.
SPEC_ORDER: dict[str, str] = {
    "Codat-Platform.yaml": "Platform",
    "Codat-Sync-Commerce.yaml": "SyncForCommerce",
    "Codat-Lending.yaml": "Lending",
    "Codat-Accounting-2023-04.yaml": "Accounting",
    "Codat-Banking.yaml": "Banking",
    "Codat-Commerce.yaml": "Commerce",
    "Codat-Common-2024-03.yaml": "Common",
    "Codat-Sync-Commerce-v1.yaml": "SyncForCommerceV1",
    "Codat-Bank-Feeds.yaml": "BankFeeds",
}
SECURITY_SPEC = "Codat-Platform.yaml"
SECURITY_SCHEME = "auth_header"
OPERATION_FIELDS = ("tags", "summary", "description", "operationId", "parameters", "requestBody", "responses")
METHODS = ("get", "put", "post", "delete", "patch")

# Mistakes in the specs repaired before extraction, beside extract_schemas.FIXES:
# (spec, pointer, repair, why).
OWN_FIXES: tuple[tuple[str, str, Any, str], ...] = (
    (
        "Codat-Accounting-2023-04.yaml",
        "#/components/schemas/PaymentMethods/allOf/0/properties/results/items",
        lambda node: {"$ref": "#/components/schemas/PaymentMethod"},
        "the list of payment methods gives `results` the Bill schema; its get answers `PaymentMethod`",
    ),
)

NO_CONTENT = {"description": "No Content"}


def _error_response(description: str) -> dict[str, Any]:
    """A refusal in Codat's error body, under ledgerlink's own description."""
    schema = {"$ref": "#/components/schemas/ErrorMessage"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


BAD_REQUEST = "#/components/responses/Bad-Request"  # the Platform spec's, which every document gets
# Codat's description of the scheme sends readers to Codat's Portal for a key; ledgerlink's keys are its own.
KEY_DESCRIPTION = (
    'The word "Basic" followed by a space and your API key, base64 encoded (`Basic <base64 of the key>`). '
    "`ledgerlink serve` prints the first key and its header when it creates the database; more are made in "
    "the Portal or with `POST /apiKeys`."
)
# ledgerlink's documented differences (docs/api-compatibility.md): "METHOD path" → note, responses to set.
# The aged debtors' and creditors' difference, but for the documents they read.
AGED_REPORT = (
    "The documents issued before `reportDate`, as they stood on it (payments and credit dated on or after "
    "it undone), aged by issue date. `numberOfPeriods` 1 to 120 and `periodLengthDays` 1 to 3,650 (400 "
    "otherwise); 409 until the company's {documents} have been pulled."
)
COMMERCE_METRICS = (
    "From the connection's commerce orders, by Codat's published formulas. `reportDate` as `yyyy-MM-dd` or "
    "`dd-MM-yyyy`; `periodLength` 1 to 366 and `numberOfPeriods` 1 to 120 (400 otherwise); periods are whole "
    "units ending with the one holding `reportDate`, oldest first; 409 until the connection's orders have "
    "been pulled."
)
DIFFERENCES: dict[str, tuple[str, dict[str, Any]]] = {
    "GET /apiKeys": (
        "Keys are listed masked (`****…abcd`): ledgerlink stores only a hash of each key.",
        {},
    ),
    "POST /apiKeys": ("The new key is in this answer only; later lists show it masked.", {}),
    "DELETE /apiKeys/{}": (
        (
            "Answers 204 with no body (Codat's spec maps 204 to its error schema; HTTP forbids a body on "
            "204). The last API key cannot be deleted (403): the client would lock itself out."
        ),
        {"204": NO_CONTENT},
    ),
    "POST /companies": (
        "ledgerlink also accepts `platformType` in the body; it is returned as `platform`.",
        {},
    ),
    **{
        f"GET /data/companies/{{}}/connections/{{}}/assess/commerceMetrics/{report}": (COMMERCE_METRICS, {})
        for report in ("revenue", "orders", "refunds", "customerRetention", "lifetimeValue")
    },
    "GET /companies/{}/reports/agedDebtor": (AGED_REPORT.format(documents="invoices"), {}),
    "GET /companies/{}/reports/agedCreditor": (AGED_REPORT.format(documents="bills"), {}),
    "GET /companies/{}/reports/enhancedInvoices": (
        (
            "Each bank transaction reference also carries `matchScore` (0 to 1) and `matchReasons` (the "
            "evidence: amount, dates, the description naming the invoice, the account paid into)."
        ),
        {},
    ),
    "POST /profile/syncSettings": (
        "`syncSchedule: 1` (hourly) is allowed: a self-hosted install has no plans.",
        {},
    ),
    "POST /companies/{}/syncSettings": (
        (
            "`clientId` and `companyId` in the body are not consulted: the API key decides the client and "
            "the path the company."
        ),
        {},
    ),
    "POST /companies/{}/data/queue/{}": (
        (
            "Without `connectionId`, the company's first Linked connection whose platform provides the type "
            "is refreshed; with none Linked the answer is 400."
        ),
        {},
    ),
    "PATCH /companies/{}/connections/{}": (
        "Unlinking a connection that is not `Linked` answers 400 with Codat's error body.",
        {},
    ),
    "POST /companies/{}/connections/{}/files": (
        (
            "Accepts PDF, CSV, XLSX, PNG and JPEG files, told by their content as well as their name, each "
            "up to `LEDGERLINK_FILES_MAX_BYTES` (10 MB); a larger one is a 413, another type a 415, and one "
            "refused file refuses the request (nothing is stored). Every file part is taken, whatever its "
            "field's name, and the official Python SDK's upload form too."
        ),
        {
            "413": _error_response("A file, or the request, is larger than the limit."),
            "415": _error_response(
                "A file is not of an accepted type, or the body is not multipart/form-data."
            ),
        },
    ),
    "POST /data/companies/{}/assess/excel": (
        (
            "One generation per company and report type at a time: while one is in progress, a request "
            "answers its status instead of queuing another. `reportType` is read in any case; "
            "`enhancedCashFlow` is the company's latest Complete categorized bank statement (without one, "
            "the generation fails saying to generate one)."
        ),
        {},
    ),
    "GET /data/companies/{}/assess/excel": (
        "A report type never requested for the company is a 404.",
        {},
    ),
    "GET /data/companies/{}/assess/excel/download": (
        (
            "The latest workbook generated successfully (an earlier one while a newer is in progress), as "
            "`application/octet-stream` named `<report> - <company> - <UTC time>.xlsx`; none is a 404."
        ),
        {},
    ),
    "GET /companies/{}/reports/creditModel/{}/excel": (
        (
            "Made from the stored report on each download (the same figures as its `financialSummary`); "
            "`latest` is the last one generated; a report not `Complete` is a 400 saying why. `maxAge` is "
            "not read."
        ),
        {},
    ),
    "GET /companies/{}/reports/categorizedBankStatement/{}/accounts": (
        (
            "Bank accounts of the company's banking connections and of its books (`sourceRef.sourceType` "
            "`Banking` or `Accounting`), each with its transactions' count and totals in the report "
            "(`transactionCount`, `moneyIn`, `moneyOut`, ledgerlink's). A report not `Complete` is a 400 "
            "saying why; `latest` is the last one generated; `maxAge` is not read."
        ),
        {},
    ),
    "GET /companies/{}/reports/categorizedBankStatement/{}/transactions": (
        (
            "Every bank transaction of the report in (connection, account, date, id) order; `confidence` "
            "is 0-100, the aggregate on each level; `transactionCategory` also carries `status` "
            "(`Suggested`, or `Confirmed` by an analyst) and `reason`; `isRecurring` is null. `query` and "
            "`orderBy` take Codat's property names and `transactionCategory.category` (the dotted path). A "
            "report not `Complete` is a 400 saying why."
        ),
        {},
    ),
    "GET /companies/{}/reports/categorizedBankStatement/{}/excel": (
        (
            "Made from the stored report on each download: its accounts and every categorized transaction, "
            "`application/octet-stream` named `Categorized bank statement - <company> - <UTC time>.xlsx`; a "
            "report not `Complete` is a 400 saying why."
        ),
        {},
    ),
    "GET /companies/{}/reports/enhancedCashFlow/transactions": (
        (
            "Read from the company's latest `Complete` categorized bank statement report; a company without "
            "one gets one generated at once from what has been pulled (kept as a report), or a 409 saying "
            "why none can be made. `orderBy` is a 400."
        ),
        {"409": _error_response("The company has no bank transactions pulled to categorize.")},
    ),
    "GET /companies/{}/files/download": (
        (
            "One file is answered as itself, several as a zip (`application/octet-stream` either way, as the "
            "SDK expects); none (on that `date`, a UTC day) is a 404."
        ),
        {},
    ),
}


def normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def path_names(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


def component_key(ref: str) -> tuple[str, str] | None:
    """`#/components/schemas/Item/definitions/x` → ("schemas", "Item")."""
    parts = ref.split("/")
    if len(parts) >= 4 and parts[:2] == ["#", "components"]:
        return parts[2], parts[3].replace("~1", "/").replace("~0", "~")
    return None


def refs_in(node: Any) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.append(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def strip_extensions(node: Any) -> Any:
    """Drop `x-` keys, but never inside examples, defaults or enums (those are data)."""
    if isinstance(node, list):
        return [strip_extensions(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key.startswith("x-"):
            continue
        if key in ("example", "default", "enum", "const") or (key == "examples" and isinstance(value, list)):
            result[key] = copy.deepcopy(value)
        elif key == "examples" and isinstance(value, dict):
            result[key] = {
                name: example if "$ref" in example else {k: copy.deepcopy(v) for k, v in example.items()}
                for name, example in value.items()
            }
        elif key == "properties" and isinstance(value, dict):
            result[key] = {name: strip_extensions(sub) for name, sub in value.items()}
        else:
            result[key] = strip_extensions(value)
    return result


def closure(spec: dict[str, Any], roots: list[Any]) -> set[tuple[str, str]]:
    needed: set[tuple[str, str]] = set()
    pending = [ref for root in roots for ref in refs_in(root)]
    while pending:
        key = component_key(pending.pop())
        if key is None or key in needed:
            continue
        needed.add(key)
        pending.extend(refs_in(spec["components"][key[0]][key[1]]))
    return needed


def final_names(
    specs: dict[str, dict[str, Any]], needs: dict[str, set[tuple[str, str]]]
) -> dict[str, dict[tuple[str, str], str]]:
    """Per spec, each needed component's name in the merged document (see the module's docstring)."""
    users: dict[tuple[str, str], list[str]] = {}
    for name in SPEC_ORDER:
        for key in needs.get(name, ()):
            users.setdefault(key, []).append(name)

    def body(name: str, key: tuple[str, str]) -> Any:
        return specs[name]["components"][key[0]][key[1]]

    conflicted = {
        key for key, names in users.items() if any(body(n, key) != body(names[0], key) for n in names[1:])
    }
    changed = True
    while changed:  # a component referring to a renamed one is renamed too
        changed = False
        for name, keys in needs.items():
            for key in keys - conflicted:
                if any(component_key(ref) in conflicted for ref in refs_in(body(name, key))):
                    conflicted.add(key)
                    changed = True
    names: dict[str, dict[tuple[str, str], str]] = {}
    for spec_name, keys in needs.items():
        names[spec_name] = {
            key: key[1]
            if key not in conflicted or users[key][0] == spec_name
            else f"{SPEC_ORDER[spec_name]}.{key[1]}"
            for key in keys
        }
    return names


def rename_refs(node: Any, names: dict[tuple[str, str], str]) -> Any:
    if isinstance(node, list):
        return [rename_refs(item, names) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and (target := component_key(value)):
            parts = value.split("/")
            parts[3] = names[target].replace("~", "~0").replace("/", "~1")
            result[key] = "/".join(parts)
        else:
            result[key] = rename_refs(value, names)
    return result


def rename_path_parameters(
    spec: dict[str, Any], parameters: list[Any], codat_path: str, our_path: str
) -> list[Any]:
    """Codat's parameters, with a path parameter Codat names differently inlined under ledgerlink's name."""
    renames = {
        old: new for old, new in zip(path_names(codat_path), path_names(our_path), strict=True) if old != new
    }
    result = []
    for parameter in parameters:
        resolved = resolve_pointer(spec, parameter["$ref"]) if "$ref" in parameter else parameter
        if resolved.get("in") == "path" and resolved.get("name") in renames:
            result.append({**copy.deepcopy(resolved), "name": renames[resolved["name"]]})
        else:
            result.append(parameter)
    return result


def ledgerlink_operations() -> dict[str, str]:
    """Each operation ledgerlink documents, as "METHOD normalised-path", and its path."""
    from fastapi.openapi.utils import get_openapi

    from ledgerlink.app import create_app
    from ledgerlink.config import Settings

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir)), "postgresql+psycopg://ledgerlink@localhost/none")
        paths = get_openapi(title=app.title, version=app.version, routes=app.routes)["paths"]
    return {f"{method.upper()} {normalise(path)}": path for path, item in paths.items() for method in item}


def find_operation(specs: dict[str, dict[str, Any]], key: str) -> tuple[str, str, dict[str, Any]] | None:
    """(spec, Codat's path, the operation with its path item's parameters) of the first spec that has it."""
    method, path = key.split(" ", 1)
    for name in SPEC_ORDER:
        for spec_path, item in specs[name].get("paths", {}).items():
            operation = item.get(method.lower())
            if operation is not None and normalise(spec_path) == path:
                spec = specs[name]
                own = operation.get("parameters", [])
                named = {parameter_id(spec, parameter) for parameter in own}
                shared = [p for p in item.get("parameters", []) if parameter_id(spec, p) not in named]
                return name, spec_path, {**operation, "parameters": [*shared, *own]}
    return None


def parameter_id(spec: dict[str, Any], parameter: dict[str, Any]) -> tuple[str, str]:
    resolved = resolve_pointer(spec, parameter["$ref"]) if "$ref" in parameter else parameter
    return resolved["in"], resolved["name"]


def build(specs: dict[str, dict[str, Any]], ours: dict[str, str]) -> dict[str, Any]:
    chosen: dict[str, tuple[str, dict[str, Any]]] = {}
    for key, our_path in sorted(ours.items()):
        found = find_operation(specs, key)
        if found is None:
            continue
        spec_name, codat_path, operation = found
        spec = specs[spec_name]
        taken = {field: copy.deepcopy(operation[field]) for field in OPERATION_FIELDS if field in operation}
        taken["parameters"] = rename_path_parameters(spec, taken.get("parameters", []), codat_path, our_path)
        chosen[key] = spec_name, strip_extensions(taken)
    needs: dict[str, set[tuple[str, str]]] = {}
    for spec_name, operation in chosen.values():
        needs.setdefault(spec_name, set()).update(closure(specs[spec_name], [operation]))
    names = final_names(specs, needs)

    components: dict[str, dict[str, Any]] = {}
    for spec_name, keys in needs.items():
        for key in sorted(keys):
            body = strip_extensions(specs[spec_name]["components"][key[0]][key[1]])
            kind = components.setdefault(key[0], {})
            name = names[spec_name][key]
            renamed = rename_refs(body, names[spec_name])
            if kind.setdefault(name, renamed) != renamed:
                raise SystemExit(f"{spec_name}: two different components would be named {key[0]}/{name}")
    operations = {}
    operation_ids: set[str] = set()
    priority = list(SPEC_ORDER)
    for key, (spec_name, operation) in sorted(
        chosen.items(), key=lambda kv: (priority.index(kv[1][0]), kv[0])
    ):
        if operation.get("operationId") in operation_ids:  # two specs' operations on one of ours' paths
            operation["operationId"] += f"-{SPEC_ORDER[spec_name].lower()}"
        operation_ids.add(operation.get("operationId", ""))
        operation = rename_refs(operation, names[spec_name])
        if key in DIFFERENCES:
            note, responses = DIFFERENCES[key]
            text = operation.get("description", "").rstrip()
            operation["description"] = f"{text}\n\n**ledgerlink:** {note} (`{COMPATIBILITY}`)".lstrip()
            operation["responses"].update(copy.deepcopy(responses))
        # docs/api-compatibility.md: a request ledgerlink refuses is a 400 in Codat's error body, on every
        # operation, including those whose spec lists no 400.
        operation["responses"].setdefault("400", {"$ref": BAD_REQUEST})
        operation["x-codat-spec"] = spec_name
        operations[key] = operation

    stale = sorted(set(DIFFERENCES) - set(operations))
    if stale:
        raise SystemExit(
            f"DIFFERENCES names operations that neither ledgerlink nor Codat's specs have: {stale}"
        )
    if "Bad-Request" not in components.get("responses", {}):
        raise SystemExit(f"{BAD_REQUEST} is not among the extracted components")
    used_tags = {tag for operation in operations.values() for tag in operation.get("tags", [])}
    tags: list[dict[str, Any]] = []
    for name in SPEC_ORDER:
        for tag in specs[name].get("tags", []):
            if tag["name"] in used_tags and all(tag["name"] != seen["name"] for seen in tags):
                tags.append(strip_extensions(tag))
    scheme = strip_extensions(specs[SECURITY_SPEC]["components"]["securitySchemes"][SECURITY_SCHEME])
    scheme["description"] = KEY_DESCRIPTION
    return {
        "securitySchemes": {SECURITY_SCHEME: scheme},
        "tags": tags,
        "operations": dict(sorted(operations.items())),
        "components": {kind: dict(sorted(items.items())) for kind, items in sorted(components.items())},
    }


def inline_path_refs(spec: dict[str, Any], node: Any) -> Any:
    """Codat's specs point into their own paths (`#/paths/~1companies.../requestBody/...`) for a few schemas;
    in the merged document those paths may be ledgerlink's or absent, so the target is copied in."""
    if isinstance(node, list):
        return [inline_path_refs(spec, item) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/paths/"):
        target = copy.deepcopy(resolve_pointer(spec, unquote(ref)))
        rest = {key: value for key, value in node.items() if key != "$ref"}
        return inline_path_refs(spec, {**target, **rest})
    return {key: inline_path_refs(spec, value) for key, value in node.items()}


def load_specs(folder: Path) -> dict[str, dict[str, Any]]:
    specs = {name: load_spec(folder / name) for name in SPEC_ORDER}
    for name, pointer, repair, _why in (*FIXES, *OWN_FIXES):
        parent_pointer, _, last = pointer.rpartition("/")
        parent = resolve_pointer(specs[name], parent_pointer)
        parent[last] = repair(parent[last])
    for name, spec in specs.items():
        specs[name] = {**spec, "components": inline_path_refs(spec, spec.get("components", {}))}
        specs[name]["paths"] = inline_path_refs(spec, spec.get("paths", {}))
    return specs


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--specs", type=Path, default=DEFAULT_SPECS, help="folder holding Codat's spec files")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="the file to write")
    args = parser.parse_args(argv)
    ours = ledgerlink_operations()
    document = build(load_specs(args.specs), ours)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(document), encoding="utf-8")
    for key in ours:
        spec = document["operations"].get(key, {}).get("x-codat-spec", "(ledgerlink's own)")
        print(f"{key:90} {spec}")


if __name__ == "__main__":
    main()
