"""The data type registry against Codat's own specs: read paths, schemas, examples and queryable properties.

Pure: no server, no database. The specs are the reference copies beside the repository.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from sqlalchemy import column
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB

from ledgerlink.kit.errors import BadRequest
from ledgerlink.kit.query import Kind, compile_query
from ledgerlink.records import fields, registry
from ledgerlink.records.registry import BY_KEY, DATA_TYPES, DataType, Scope, Shape, SourceType
from tests.support import specs

SPECS = specs.CODAT
# The specs that define the read API (accounting, banking, commerce data).
READ_SPECS = (
    "Codat-Lending.yaml",
    "Codat-Accounting-2023-04.yaml",
    "Codat-Banking.yaml",
    "Codat-Commerce.yaml",
)
# Codat's read API has these, but no spec file here does (see scripts/extract_schemas.py, SUPPLEMENTS).
NOT_IN_SPECS = {"itemReceipts"}

# The specs are the contract: without them these tests fail rather than skip.
assert SPECS.is_dir(), f"Codat's specs are not at {SPECS}"


class SpecLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """YAML as JSON would read it: dates stay strings, only true/false are booleans."""


_TIMESTAMP, _BOOL = "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"
SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_TIMESTAMP, _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|false|False)$"), list("tTfF"))


@cache
def spec(name: str) -> dict[str, Any]:
    with (SPECS / name).open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=SpecLoader)


def pointer(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def base_path(data_type: DataType) -> str:
    if data_type.scope is Scope.COMPANY:
        return f"/companies/{{companyId}}/data/{data_type.path}"
    return f"/companies/{{companyId}}/connections/{{connectionId}}/data/{data_type.path}"


def reads(path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(spec name, GET operation) for every read spec that has `GET path` (path parameters by position)."""
    wanted = normalise(path)
    for name in READ_SPECS:
        for spec_path, item in spec(name)["paths"].items():
            if normalise(spec_path) == wanted and "get" in item:
                yield name, item["get"]


def json_media(operation: dict[str, Any]) -> dict[str, Any] | None:
    response = (operation.get("responses") or {}).get("200") or {}
    return (response.get("content") or {}).get("application/json")


def by_key(data_type: DataType) -> str:
    return data_type.key


# --- the table ---------------------------------------------------------------------------------------


def test_every_codat_data_type_is_declared_once() -> None:
    keys = [data_type.key for data_type in DATA_TYPES]
    assert len(keys) == len(set(keys)) == 43
    platform = spec("Codat-Platform.yaml")
    enum = pointer(platform, platform["components"]["schemas"]["DataType"]["$ref"])["enum"]
    assert set(keys) == set(enum)
    assert all(BY_KEY[key].key == key and registry.get(key) is BY_KEY[key] for key in keys)
    assert registry.get("notAType") is None


def test_scopes_and_shapes() -> None:
    connection_scoped = {
        "accountTransactions",
        "directCosts",
        "directIncomes",
        "transfers",
        "itemReceipts",
        "bankAccounts",
        "bankTransactions",
    }
    for data_type in DATA_TYPES:
        prefixed = data_type.key.startswith(("banking-", "commerce-"))
        expected = Scope.CONNECTION if prefixed or data_type.key in connection_scoped else Scope.COMPANY
        assert data_type.scope is expected, data_type.key
        if data_type.key.startswith("banking-"):
            assert data_type.source_type is SourceType.BANKING
        elif data_type.key.startswith("commerce-"):
            assert data_type.source_type is SourceType.COMMERCE
        else:
            assert data_type.source_type is SourceType.ACCOUNTING
        if data_type.shape is not Shape.LIST:
            assert not data_type.has_get, data_type.key
    assert {d.key for d in DATA_TYPES if d.shape is Shape.STATEMENT} == {
        "balanceSheet",
        "profitAndLoss",
        "cashFlowStatement",
    }
    assert {d.key for d in DATA_TYPES if d.shape is Shape.SINGLE} == {"company", "commerce-companyInfo"}
    assert BY_KEY["chartOfAccounts"].path == "accounts"
    assert BY_KEY["company"].path == "info"
    assert BY_KEY["balanceSheet"].path == "financials/balanceSheet"
    assert BY_KEY["commerce-companyInfo"].path == "commerce-info"
    assert BY_KEY["bankTransactions"].path == "bankAccounts/{accountId}/bankTransactions"


@pytest.mark.parametrize("data_type", DATA_TYPES, ids=by_key)
def test_read_paths_are_codats(data_type: DataType) -> None:
    listing = base_path(data_type)
    found = [name for name, operation in reads(listing) if json_media(operation)]
    gets = [name for name, operation in reads(listing + "/{id}") if json_media(operation)]
    if data_type.key in NOT_IN_SPECS:
        # Drop the exemption (and the extractor's supplement) once a spec here has the type.
        assert not found and not gets
        return
    assert found, f"GET {listing} is in none of {READ_SPECS}"
    if data_type.shape is Shape.LIST:
        assert bool(gets) == data_type.has_get, f"GET {listing}/{{id}}: in {gets or 'no spec'}"


# --- schemas -----------------------------------------------------------------------------------------


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            elif key not in ("enum", "const", "default", "required"):
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def keywords(node: Any) -> Iterator[str]:
    """Every keyword used in a schema (not property names)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            if key in ("properties", "$defs"):
                for sub in value.values():
                    yield from keywords(sub)
            elif key not in ("enum", "const", "default", "required"):
                yield from keywords(value)
    elif isinstance(node, list):
        for item in node:
            yield from keywords(item)


@pytest.mark.parametrize("data_type", DATA_TYPES, ids=by_key)
def test_schema_is_plain_json_schema(data_type: DataType) -> None:
    schema = fields.record_schema(data_type.key)
    assert registry.record_schema(data_type) is schema
    jsonschema_rs.validator_for(schema)  # raises on an invalid schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert all(ref.startswith("#/$defs/") for ref in refs(schema))
    used = set(keywords(schema))
    assert not used & {"nullable", "example", "examples", "discriminator", "readOnly", "definitions"}
    assert not [key for key in used if key.startswith("x-")]
    response = fields.response_schema(data_type.key)
    assert (response is not None) == data_type.is_statement
    if response is not None:
        jsonschema_rs.validator_for(response)
        assert response["properties"]["reports"]["items"]["properties"] == schema["properties"]


def test_self_referencing_report_lines_resolve() -> None:
    schema = fields.record_schema("profitAndLoss")
    validator = jsonschema_rs.validator_for(schema)
    line = {"name": "Sales", "value": 10, "items": [{"name": "Shop", "value": 10, "items": [{"value": 10}]}]}
    report = {"grossProfit": 1, "netOperatingProfit": 1, "netOtherIncome": 1, "netProfit": 1, "income": line}
    assert validator.is_valid(report)
    report["income"]["items"][0]["items"][0]["value"] = "ten"
    assert not validator.is_valid(report)


@pytest.mark.parametrize("data_type", DATA_TYPES, ids=by_key)
def test_flags_match_the_schema(data_type: DataType) -> None:
    properties = fields.record_schema(data_type.key)["properties"]
    assert data_type.has_modified_dates == ("modifiedDate" in properties)
    assert ("sourceModifiedDate" in properties) == data_type.has_modified_dates
    metadata = properties.get("metadata", {}).get("properties", {})
    assert data_type.has_deletion_flag == ("isDeleted" in metadata)
    if data_type.shape is Shape.LIST:
        assert data_type.id_field in properties


def examples(document: dict[str, Any], media: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for name, example in (media.get("examples") or {}).items():
        if "$ref" in example:
            example = pointer(document, example["$ref"])
        if "value" in example:
            yield name, example["value"]
    if "example" in media:
        yield "example", media["example"]


def spec_examples(data_type: DataType) -> Iterator[tuple[str, Any, bool]]:
    """(label, instance, is the whole statement response) for the examples of a type's read responses.

    Only the endpoints' response examples: the schema components' own `examples` are often fragments
    (a bill payment without its required `date`) or placeholders (`"string"` for an object).
    """
    listing = base_path(data_type)
    for name, operation in reads(listing):
        media = json_media(operation)
        for label, value in examples(spec(name), media or {}):
            if data_type.shape is Shape.LIST:
                for index, record in enumerate(value.get("results") or []):
                    yield f"{name} list {label!r}[{index}]", record, False
            elif data_type.shape is Shape.STATEMENT:
                yield f"{name} response {label!r}", value, True
                for index, report in enumerate(value.get("reports") or []):
                    yield f"{name} report {label!r}[{index}]", report, False
            else:
                yield f"{name} {label!r}", value, False
    if not data_type.has_get:
        return
    for name, operation in reads(listing + "/{id}"):
        media = json_media(operation) or {}
        for label, value in examples(spec(name), media):
            yield f"{name} get {label!r}", value, False


# Types the specs give no example for (itemReceipts, items, paymentMethods, salesOrders, taxRates,
# trackingCategories) have nothing to check here; their schemas are still compiled by the test above.
WITH_EXAMPLES = [data_type for data_type in DATA_TYPES if any(True for _ in spec_examples(data_type))]


def test_most_types_have_spec_examples() -> None:
    assert len(WITH_EXAMPLES) >= 35


@pytest.mark.parametrize("data_type", WITH_EXAMPLES, ids=by_key)
def test_specs_own_examples_validate(data_type: DataType) -> None:
    record = jsonschema_rs.validator_for(fields.record_schema(data_type.key))
    response_schema = fields.response_schema(data_type.key)
    response = jsonschema_rs.validator_for(response_schema) if response_schema else None
    cases = list(spec_examples(data_type))
    failures = []
    for label, instance, whole in cases:
        validator = response if whole else record
        assert validator is not None
        errors = list(validator.iter_errors(instance))
        if errors:
            failures.append(f"{label}: {errors[0].message} at {list(errors[0].instance_path)}")
    assert not failures, "\n".join(failures[:10])


# --- queryable properties ----------------------------------------------------------------------------


def test_invoice_query_properties() -> None:
    properties = registry.query_properties(BY_KEY["invoices"])
    assert properties["amountDue"].kind is Kind.NUMBER
    assert properties["issueDate"].kind is Kind.DATETIME
    assert properties["dueDate"].kind is Kind.DATETIME
    assert properties["modifiedDate"].kind is Kind.DATETIME
    assert properties["status"].kind is Kind.ENUM
    assert "Paid" in properties["status"].enum_values
    assert "PartiallyPaid" in properties["status"].enum_values
    assert None not in properties["status"].enum_values
    assert properties["customerRef.id"].kind is Kind.TEXT
    assert properties["customerRef.companyName"].kind is Kind.TEXT
    assert properties["metadata.isDeleted"].kind is Kind.BOOLEAN
    assert properties["id"].kind is Kind.TEXT
    assert properties["note"].kind is Kind.TEXT
    collections = ("lineItems", "paymentAllocations", "withholdingTax")
    assert not [path for path in properties if path.startswith(collections)]
    # Free-form maps and collections are not queryable.
    assert not [path for path in properties if path.startswith(("supplementalData", "salesOrderRefs"))]


def test_query_properties_of_other_shapes() -> None:
    journal_entries = registry.query_properties(BY_KEY["journalEntries"])
    assert journal_entries["postedOn"].kind is Kind.DATETIME
    assert journal_entries["journalRef.id"].kind is Kind.TEXT
    assert journal_entries["recordRef.dataType"].kind is Kind.ENUM
    accounts = registry.query_properties(BY_KEY["chartOfAccounts"])
    assert set(accounts["type"].enum_values) >= {"Asset", "Expense", "Income", "Liability", "Equity"}
    assert accounts["isBankAccount"].kind is Kind.BOOLEAN
    assert registry.query_properties(BY_KEY["bankTransactions"])["clearedOnDate"].kind is Kind.DATETIME
    balances = registry.query_properties(BY_KEY["banking-accountBalances"])
    assert balances["balance.current"].kind is Kind.NUMBER
    balance_sheet = registry.query_properties(BY_KEY["balanceSheet"])
    assert balance_sheet["assets.value"].kind is Kind.NUMBER
    assert not [path for path in balance_sheet if ".items" in path]
    company = registry.query_properties(BY_KEY["company"])
    assert company["financialYearStartDate"].kind is Kind.DATETIME
    assert "sourceUrls" not in company and "modifiedDate" not in company


@pytest.mark.parametrize("data_type", DATA_TYPES, ids=by_key)
def test_query_properties_are_scalar_paths(data_type: DataType) -> None:
    properties = registry.query_properties(data_type)
    assert properties
    assert registry.query_properties(data_type) == properties
    for path, prop in properties.items():
        assert 1 <= len(path.split(".")) <= fields.MAX_DEPTH
        assert (prop.kind is Kind.ENUM) == bool(prop.enum_values), path
        if path.endswith(("Date", "date")):
            assert prop.kind in (Kind.DATETIME, Kind.ENUM), path
    if data_type.has_modified_dates:
        assert properties["modifiedDate"].kind is Kind.DATETIME
    if data_type.has_deletion_flag:
        assert properties["metadata.isDeleted"].kind is Kind.BOOLEAN


def test_query_target_compiles_against_a_column() -> None:
    data = column("data", JSONB)
    target = registry.query_target(BY_KEY["invoices"], lambda: data)
    assert target.name == "invoices"
    assert target.field(("amountDue",)).kind is Kind.NUMBER
    assert target.field(("CUSTOMERREF", "id")).kind is Kind.TEXT  # matched case-insensitively
    condition = compile_query("status=paid&&amountDue>100&&issueDate>2024-01-01", target)
    sql = str(condition.compile(dialect=postgresql.dialect()))
    assert "data" in sql
    with pytest.raises(BadRequest):
        compile_query("lineItems.description=x", target)


def test_schema_files_are_packaged_data() -> None:
    folder = Path(fields.__file__).parent / "schemas"
    expected = {f"{d.key}.json" for d in DATA_TYPES}
    expected |= {f"{d.key}.response.json" for d in DATA_TYPES if d.is_statement}
    assert {path.name for path in folder.glob("*.json")} == expected
    for path in folder.glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))


def test_committed_schemas_are_the_extractors_output(tmp_path: Path) -> None:
    """`scripts/extract_schemas.py` reproduces the committed files (re-run it after changing the table)."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "extract_schemas.py"
    loaded = importlib.util.spec_from_file_location("extract_schemas", script)
    assert loaded is not None and loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    module.main(["--specs", str(SPECS), "--out", str(tmp_path)])
    committed = Path(fields.__file__).parent / "schemas"
    for path in committed.glob("*.json"):
        fresh = (tmp_path / path.name).read_text(encoding="utf-8")
        assert fresh == path.read_text(encoding="utf-8"), path.name
    assert {path.name for path in tmp_path.glob("*.json")} == {path.name for path in committed.glob("*.json")}


# --- writes ------------------------------------------------------------------------------------------


def push_operations() -> dict[str, frozenset[registry.Operation]]:
    """The writes of Codat-Accounting-2023-04.yaml's `push` paths, by data type: `POST .../push/<path>`
    creates, `PUT` and `DELETE .../push/<path>/{id}` update and delete (attachment uploads left out)."""
    prefix = "/companies/{companyId}/connections/{connectionId}/push/"
    found: dict[str, set[registry.Operation]] = {}
    for path, item in spec("Codat-Accounting-2023-04.yaml")["paths"].items():
        if not path.startswith(prefix) or re.search(r"/attachments?$", path):
            continue
        rest = normalise(path.removeprefix(prefix))
        for data_type in DATA_TYPES:
            if data_type.shape is not Shape.LIST:
                continue
            if rest == normalise(data_type.path):
                methods = {"post": registry.Operation.CREATE}
            elif rest == normalise(f"{data_type.path}/{{id}}"):
                methods = {"put": registry.Operation.UPDATE, "delete": registry.Operation.DELETE}
            else:
                continue
            found.setdefault(data_type.key, set()).update(op for m, op in methods.items() if m in item)
    return {key: frozenset(operations) for key, operations in found.items()}


def test_writes_are_codats_push_paths() -> None:
    declared = {
        data_type.key: data_type.writes.operations for data_type in registry.WRITABLE if data_type.writes
    }
    assert declared == push_operations()
    assert len(declared) == 18 and all(
        registry.Operation.CREATE in operations for operations in declared.values()
    )
    # Every type Codat writes has its write webhooks in Codat's webhook spec, and no other type does.
    webhooks = spec("Webhooks-2024-10.yaml")["webhooks"]
    written = {
        name.removesuffix(".write.successful") for name in webhooks if name.endswith(".write.successful")
    }
    assert written == set(declared)
    assert {name.removesuffix(".write.unsuccessful") for name in webhooks if ".write.un" in name} == written


def test_create_models_name_only_fields_of_codat_s_create_bodies() -> None:
    document = spec("Codat-Accounting-2023-04.yaml")

    def properties(node: dict[str, Any]) -> set[str]:
        while "$ref" in node:
            node = pointer(document, node["$ref"])
        names = set(node.get("properties", {}))
        for part in node.get("allOf", []):
            names |= properties(part)
        return names

    with_models = [
        data_type for data_type in registry.WRITABLE if registry.create_model(data_type.key) is not None
    ]
    # Every type Codat writes has its create model.
    assert with_models == list(registry.WRITABLE)
    for data_type in with_models:
        create_model = registry.create_model(data_type.key)
        assert create_model is not None
        path = f"/companies/{{companyId}}/connections/{{connectionId}}/push/{data_type.path}"
        body = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        named = {field.alias or name for name, field in create_model.schema.model_fields.items()}
        assert named <= properties(body), data_type.key
        # The push option describes the same create: its fields are the model's (the option leaves out the
        # totals a platform works out, and the model's fields it does not offer).
        assert set(create_model.push_option["properties"]) <= named, data_type.key
    assert registry.create_model("company") is None and registry.create_model("bills") is not None
    assert registry.create_model("notAType") is None
