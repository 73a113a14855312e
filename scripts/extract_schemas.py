"""Extract one JSON schema per data type from Codat's OpenAPI specs into `ledgerlink/records/schemas/`.

Run from anywhere: `python scripts/extract_schemas.py`. It reads the specs from
`vendor/specs/codat/` in the repository (or `--specs DIR`) and rewrites
`src/ledgerlink/records/schemas/<key>.json` for every data type in the registry, plus
`<key>.response.json` for the statements (balance sheet, P&L, cash flow).

Where a schema comes from:
- The read path of each data type is the registry's
  (`/companies/{companyId}[/connections/{connectionId}]/data/<path>`); the first spec in `SPEC_ORDER`
  that has that `GET` with a JSON 200 response wins. `Codat-Lending.yaml` carries Codat's current
  accounting, banking and commerce read models, so it comes first; the 2023 Accounting spec, Banking
  and Commerce fill the types Lending lacks.
- Lists (`shape=list`): the schema of one element of the response's `results`.
- Single objects (company info): the response schema itself.
- Statements: what ledgerlink stores per record is ONE monthly report, the element of the response's
  `reports`; that is `<key>.json`, and the whole response is `<key>.response.json`.
- `COMPONENTS` names the two types whose read endpoint's schema is wrong or outdated (see there), and
  `FIXES` repairs two plain mistakes in the specs.
- `itemReceipts` is in no spec here (only in the `DataType` enums). Its model is transcribed in
  `SUPPLEMENTS` from the `ItemReceipt` schema of Codat's Accounting API 3.0.0 spec (the one Codat's
  generated accounting SDKs were built from; `components.schemas.ItemReceipt`), with its `$ref`s pointing at
  the same components of `Codat-Accounting-2023-04.yaml`.

What the conversion does (OpenAPI 3 to JSON Schema 2020-12):
- every `$ref` is inlined; a self-referencing schema (ReportLine) becomes one `$defs` entry used through
  local `{"$ref": "#/$defs/<name>"}` references, the only `$ref`s left;
- `allOf` parts are merged into one schema where they don't conflict (Codat composes records from parts
  such as `ModifiedDates`);
- `nullable: true` becomes a type union (`["string", "null"]`, `null` added to an `enum`) or, for a
  schema without a `type`, `anyOf: [schema, {"type": "null"}]`;
- OpenAPI-only keywords go: `example`, `examples`, `x-*`, `discriminator`, `readOnly`, `writeOnly`, `xml`,
  `externalDocs`, and the `definitions` blocks that only served as `$ref` targets;
- a schema that came from Codat's `DateTime` component keeps that component's title, `"Date time"`
  (the component is a bare `type: string`), which is how `registry.query_properties` knows it holds a date.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from ledgerlink.records.registry import DATA_TYPES, DataType, Scope, Shape  # noqa: E402

DEFAULT_SPECS = REPO / "vendor" / "specs" / "codat"
OUTPUT = REPO / "src" / "ledgerlink" / "records" / "schemas"

SPEC_ORDER = (
    "Codat-Lending.yaml",
    "Codat-Accounting-2023-04.yaml",
    "Codat-Banking.yaml",
    "Codat-Commerce.yaml",
)

DATETIME_TITLE = "Date time"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

# Keywords that mean nothing (or something else) in JSON Schema.
DROP = {"example", "examples", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "definitions"}
# Keywords whose value maps names to schemas, and keywords whose value is data, not schemas.
SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "dependentSchemas"}
DATA_KEYWORDS = {"enum", "const", "default", "required"}
ANNOTATIONS = {"title", "description", "deprecated"}
TYPE_ORDER = ("object", "array", "string", "number", "integer", "boolean", "null")

# Plain mistakes in the specs, repaired before extraction: (spec, JSON pointer, repair, why).
FIXES: tuple[tuple[str, str, Any, str], ...] = (
    (
        "Codat-Accounting-2023-04.yaml",
        "#/components/schemas/Item/definitions/itemType",
        lambda node: node["type"],
        "the enum schema sits one level too deep, under `type` (not a valid schema)",
    ),
    (
        "Codat-Lending.yaml",
        "#/components/schemas/CommerceDispute/allOf/1/properties/totalAmount",
        lambda node: {"type": "number", **node},
        "`format: decimal` without `type: number` (every other amount has it; the examples are numbers)",
    ),
)

# Record schemas taken from a named component instead of the read endpoint's response:
# - paymentMethods: only the 2023 Accounting spec has the read path, and its list response gives `results`
#   the *Bill* schema (a spec bug; its `GET .../{paymentMethodId}` answers `PaymentMethod`). Lending has the
#   current model as a component without a path.
# - trackingCategories: the 2023 list answers `TrackingCategory` without `metadata` (its get answers the
#   `TrackingCategoryTree`); Lending's current component adds `metadata.isDeleted`.
COMPONENTS: dict[str, tuple[str, str]] = {
    "paymentMethods": ("Codat-Lending.yaml", "#/components/schemas/AccountingPaymentMethod"),
    "trackingCategories": ("Codat-Lending.yaml", "#/components/schemas/AccountingTrackingCategory"),
}

# Data types that no spec in SPEC_ORDER has: the record schema as OpenAPI YAML, resolved against the named
# spec's components. itemReceipts: Codat's Accounting API 3.0.0 `components.schemas.ItemReceipt`, with
# the SupplementalData reference pointed at where the 2023 spec keeps that schema.
SUPPLEMENTS: dict[str, tuple[str, str]] = {
    "itemReceipts": (
        "Codat-Accounting-2023-04.yaml",
        """
title: Item Receipt
description: >-
  An item receipt records the receipt of items into a SMBs inventory. It links to a purchase order and
  acts as an acknowledgement of items received.


  > **Language tip:** Item receipts may also be referred to as **Purchase receipt**, or **PO receiver
  inventory** in various accounting platforms.
type: object
allOf:
  - type: object
    properties:
      id:
        type: string
        description: Identifier for the item receipt, unique for the company in the accounting platform.
      supplierRef:
        $ref: '#/components/schemas/Supplier/definitions/supplierRef'
      purchaseOrderRefs:
        type: array
        nullable: true
        items:
          $ref: '#/components/schemas/PurchaseOrder/definitions/purchaseOrderRef'
      status:
        description: Current status of the item receipt.
        type: string
        enum: [Unknown, Draft, Received, Rejected, Void]
      note:
        type: string
        nullable: true
        description: Any private, company notes about the item receipt, such as payment information.
      reference:
        type: string
        nullable: true
        description: User-friendly reference for the item receipt.
      currency:
        $ref: '#/components/schemas/Transfer/definitions/transferAccount/properties/currency'
      currencyRate:
        $ref: '#/components/schemas/BillPayment/definitions/billPaymentLineLink/properties/currencyRate'
      receivedDate:
        allOf:
          - description: Date the items was received and was recorded in the platform.
          - $ref: '#/components/schemas/DateTime'
      lineItems:
        type: array
        nullable: true
        description: Array of Item Receipt line items.
        items:
          title: Item receipt line item
          type: object
          properties:
            lineNumber:
              type: string
              nullable: true
              description: The item receipt line's number.
            description:
              type: string
              nullable: true
              description: Friendly name of the item or services received.
            unitAmount:
              type: number
              format: decimal
              description: Price of each unit of item or services.
            quantity:
              type: number
              format: decimal
              description: Number of units of item or services received.
            unitOfMeasurement:
              type: string
              nullable: true
              description: The measurement which defines a unit for this item (e.g. 'kilogram', 'litre').
            subTotal:
              type: number
              format: decimal
              nullable: true
              description: Amount of the line, inclusive of discounts but exclusive of tax.
            totalAmount:
              type: number
              format: decimal
              nullable: true
              description: Total amount of the line, including tax.
            accountRef:
              $ref: '#/components/schemas/Account/definitions/accountRef'
              description: Reference to the account to which the line item is linked.
            itemRef:
              $ref: '#/components/schemas/Item/definitions/itemRef'
              description: >-
                Reference to the product, service type, or inventory item to which the line item is linked.
            purchaseOrderLineRef:
              allOf:
                - type: object
                  title: Record line reference
                  description: Links the current record line to the underlying record line that created it.
                  properties:
                    id:
                      type: string
                      description: "'id' of the underlying record."
                    dataType:
                      type: string
                      description: Allowed name of the 'dataType'.
                      enum: [purchaseOrders, bills]
                    lineNumber:
                      type: string
                      description: Line number of the underlying record.
                - description: Reference to the item receipt line this line was generated from.
            tracking:
              title: Tracking
              type: object
              properties:
                recordRefs:
                  type: array
                  nullable: true
                  items:
                    type: object
                    title: Record reference
                    description: Links to the customer or tracking category.
                    properties:
                      id:
                        type: string
                        description: "'id' of the underlying record or data type."
                      dataType:
                        type: string
                        description: Name of underlying data type.
                        enum: [customers, suppliers, trackingCategories]
      subTotal:
        type: number
        format: decimal
        description: Total amount of the item receipt, excluding any taxes.
      totalAmount:
        type: number
        format: decimal
        description: Amount of the item receipt, including tax.
      metadata:
        $ref: '#/components/schemas/Metadata'
      supplementalData:
        $ref: '#/components/schemas/Bill/allOf/0/properties/supplementalData'
  - $ref: '#/components/schemas/ModifiedDates'
""",
    ),
}


# --- loading -----------------------------------------------------------------------------------------


class SpecLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """YAML as JSON would read it: no timestamps, and only true/false are booleans (not yes/no/on/off)."""


SpecLoader.yaml_implicit_resolvers = {
    first: [
        (tag, pattern)
        for tag, pattern in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_spec(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=SpecLoader)


def normalise_path(path: str) -> str:
    """`/a/{accountId}/b` and `/a/{id}/b` are the same endpoint."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def base_path(data_type: DataType) -> str:
    if data_type.scope is Scope.COMPANY:
        return f"/companies/{{companyId}}/data/{data_type.path}"
    return f"/companies/{{companyId}}/connections/{{connectionId}}/data/{data_type.path}"


def json_200(operation: dict[str, Any]) -> dict[str, Any] | None:
    response = (operation.get("responses") or {}).get("200") or {}
    return (response.get("content") or {}).get("application/json")


def find_read(specs: dict[str, dict[str, Any]], path: str) -> tuple[str, dict[str, Any]] | None:
    """The first spec (in SPEC_ORDER) with `GET path` answering JSON, and that media type object."""
    wanted = normalise_path(path)
    for name in SPEC_ORDER:
        for spec_path, item in specs[name].get("paths", {}).items():
            if normalise_path(spec_path) == wanted and "get" in item:
                media = json_200(item["get"])
                if media and "schema" in media:
                    return name, media
    return None


# --- dereferencing -----------------------------------------------------------------------------------


def resolve_pointer(document: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported: {ref}")
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


class Recursive(Exception):
    def __init__(self, ref: str) -> None:
        self.ref = ref


def def_name(ref: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", ref.rsplit("/", 1)[-1])


class Dereferencer:
    """Inlines `$ref`s of one spec; self-referencing schemas go to `$defs`."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.recursive: set[str] = set()

    def run(self, schema: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        while True:
            try:
                inlined = self.inline(schema, ())
                defs = {}
                for ref in self.recursive:
                    defs[def_name(ref)] = self.inline(resolve_pointer(self.spec, ref), (ref,))
                return inlined, defs
            except Recursive as found:
                self.recursive.add(found.ref)

    def inline(self, node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [self.inline(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        result: dict[str, Any] = {}
        target: dict[str, Any] | None = None
        for key, value in node.items():
            if key == "$ref":
                if value in self.recursive:
                    target = {"$ref": f"#/$defs/{def_name(value)}"}
                elif value in stack:
                    raise Recursive(value)
                else:
                    target = copy.deepcopy(self.inline(resolve_pointer(self.spec, value), (*stack, value)))
            elif key in DATA_KEYWORDS:
                result[key] = copy.deepcopy(value)
            elif key in SCHEMA_MAPS and isinstance(value, dict):
                result[key] = {name: self.inline(sub, stack) for name, sub in value.items()}
            elif key in DROP or key.startswith("x-"):
                continue
            else:
                result[key] = self.inline(value, stack)
        if target is None:
            return result
        if "$ref" in target:
            return {**target, **result}
        # OpenAPI 3.1 lets keywords sit beside `$ref`: they refine the referenced schema.
        merged = dict(target)
        for key, value in result.items():
            if key == "title" and merged.get("title") == DATETIME_TITLE:
                continue
            merged[key] = value
        return merged


# --- cleaning: allOf merge and nullable --------------------------------------------------------------


class Conflict(Exception):
    pass


def types_of(schema: dict[str, Any]) -> set[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    return set(kind) if isinstance(kind, list) else {kind}


def merge_parts(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One schema equivalent to `allOf: parts`, or Conflict where a keyword can't be combined."""
    merged: dict[str, Any] = {}
    kinds: set[str] | None = None
    properties: dict[str, Any] = {}
    required: list[str] = []
    descriptions: list[tuple[bool, str]] = []
    for part in parts:
        for key, value in part.items():
            if key == "type":
                part_kinds = types_of(part) or set()
                kinds = part_kinds if kinds is None else kinds & part_kinds
            elif key == "properties":
                for name, sub in value.items():
                    if name in properties:  # defined by two parts: both apply
                        sub = clean({"allOf": [properties[name], sub]})
                    properties[name] = sub
            elif key == "required":
                required.extend(name for name in value if name not in required)
            elif key == "description":
                descriptions.append((set(part) <= ANNOTATIONS, value))
            elif key == "title":
                if value == DATETIME_TITLE or "title" not in merged:
                    merged["title"] = value
            elif key == "enum":
                merged["enum"] = [item for item in merged.get("enum", value) if item in value]
            elif key == "additionalProperties" and value is False:
                merged[key] = False
            elif key in merged and merged[key] != value:
                raise Conflict(key)
            else:
                merged[key] = value
    if kinds is not None:
        if not kinds:
            raise Conflict("type")
        ordered = [kind for kind in TYPE_ORDER if kind in kinds]
        merged["type"] = ordered[0] if len(ordered) == 1 else ordered
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    if descriptions:
        # A part that only annotates (`- description: ...`) describes this use of the schema: it wins.
        annotations = [text for only_annotation, text in descriptions if only_annotation]
        merged["description"] = annotations[-1] if annotations else descriptions[0][1]
    return merged


def make_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if "null" not in kinds:
            schema["type"] = [*kinds, "null"]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    if "enum" in schema:
        if None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    if any(key in schema for key in ("$ref", "anyOf", "oneOf", "allOf", "const", "not")):
        outer = {key: schema.pop(key) for key in list(schema) if key in ANNOTATIONS}
        return {**outer, "anyOf": [schema, {"type": "null"}]}
    return schema  # no type constraint: null is already allowed


def accepts_null(schema: dict[str, Any]) -> bool:
    kinds = types_of(schema)
    return kinds is None or "null" in kinds


def clean(node: Any) -> Any:
    """Post-order: children first, then merge this schema's `allOf` and turn `nullable` into types."""
    if isinstance(node, list):
        return [clean(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in DATA_KEYWORDS:
            result[key] = value
        elif key in SCHEMA_MAPS and isinstance(value, dict):
            result[key] = {name: clean(sub) for name, sub in value.items()}
        else:
            result[key] = clean(value)
    nullable = result.pop("nullable", None)
    if "allOf" in result:
        parts = [part for part in result.pop("allOf") if part]
        own = dict(result)
        try:
            if any(key in part for part in parts for key in ("anyOf", "oneOf", "not", "$ref")):
                raise Conflict("composition")
            result = merge_parts([own, *parts])
            # allOf accepts null only where every typed part does (Codat marks some parts nullable).
            typed = [part for part in [own, *parts] if "type" in part]
            if typed and all(accepts_null(part) for part in typed):
                nullable = True if nullable is None else nullable
        except Conflict:
            result = {**own, "allOf": parts}
    if nullable is True:
        result = make_nullable(result)
    return result


# --- per data type -----------------------------------------------------------------------------------


def with_draft(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    document = {"$schema": DRAFT, **schema}
    used = {name: clean(defs[name]) for name in sorted(defs) if f'"#/$defs/{name}"' in json.dumps(schema)}
    # $defs may reference each other.
    pending = list(used)
    while pending:
        text = json.dumps(used[pending.pop()])
        for name in defs:
            if name not in used and f'"#/$defs/{name}"' in text:
                used[name] = clean(defs[name])
                pending.append(name)
    if used:
        document["$defs"] = dict(sorted(used.items()))
    return document


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def extract(
    data_type: DataType, specs: dict[str, dict[str, Any]]
) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """(source description, record schema, full response schema for statements)."""
    if data_type.key in COMPONENTS:
        name, ref = COMPONENTS[data_type.key]
        inlined, defs = Dereferencer(specs[name]).run({"$ref": ref})
        return f"{name} {ref}", with_draft(clean(inlined), defs), None
    if data_type.key in SUPPLEMENTS:
        name, fragment = SUPPLEMENTS[data_type.key]
        inlined, defs = Dereferencer(specs[name]).run(yaml.load(fragment, Loader=SpecLoader))
        return f"{name} + SUPPLEMENTS", with_draft(clean(inlined), defs), None
    found = find_read(specs, base_path(data_type))
    if found is None:
        raise SystemExit(f"{data_type.key}: GET {base_path(data_type)} is in none of {SPEC_ORDER}")
    name, media = found
    inlined, defs = Dereferencer(specs[name]).run(media["schema"])
    response = clean(inlined)
    source = f"{name} GET {base_path(data_type)}"
    if data_type.shape is Shape.LIST:
        return source, with_draft(record_of(response, "results", data_type), defs), None
    if data_type.shape is Shape.STATEMENT:
        return source, with_draft(record_of(response, "reports", data_type), defs), with_draft(response, defs)
    return source, with_draft(response, defs), None


def record_of(response: dict[str, Any], collection: str, data_type: DataType) -> dict[str, Any]:
    try:
        items = response["properties"][collection]["items"]
    except KeyError:
        raise SystemExit(f"{data_type.key}: the response has no `{collection}` array") from None
    return copy.deepcopy(items)


def write(path: Path, schema: dict[str, Any]) -> None:
    path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--specs", type=Path, default=DEFAULT_SPECS, help="folder holding Codat's spec files")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="folder to write the schemas to")
    args = parser.parse_args(argv)
    specs = {name: load_spec(args.specs / name) for name in SPEC_ORDER}
    for name, pointer, repair, _why in FIXES:
        parent_pointer, _, last = pointer.rpartition("/")
        parent = resolve_pointer(specs[name], parent_pointer)
        parent[last] = repair(parent[last])
    args.out.mkdir(parents=True, exist_ok=True)
    written = set()
    for data_type in DATA_TYPES:
        source, schema, response = extract(data_type, specs)
        leftover = [ref for ref in refs(schema) if not ref.startswith("#/$defs/")]
        if leftover:
            raise SystemExit(f"{data_type.key}: unresolved $ref {leftover[0]}")
        write(args.out / f"{data_type.key}.json", schema)
        written.add(f"{data_type.key}.json")
        if response is not None:
            write(args.out / f"{data_type.key}.response.json", response)
            written.add(f"{data_type.key}.response.json")
        print(f"{data_type.key:32} {source}")
    for stale in args.out.glob("*.json"):
        if stale.name not in written:
            stale.unlink()
            print(f"removed {stale.name}")


if __name__ == "__main__":
    main()
