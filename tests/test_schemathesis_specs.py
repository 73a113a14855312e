"""Schemathesis over every operation of Codat's full specs: no request yields a 5xx.

`test_schemathesis.py` checks the Platform operations ledgerlink implements against their response schemas.
This module covers the rest: every operation of the Platform, Accounting, Banking, Commerce, Lending and
Sync for Commerce (current and v1) specs, the ones ledgerlink does not implement included. An operation
whose method and path an earlier spec (or `test_schemathesis.py`) already covers is fuzzed once, not
once per spec that repeats it (Lending repeats most of Accounting, Banking and Commerce).

Checks, on every response:

* no 5xx (`not_a_server_error`);
* a 4xx is Codat's `ErrorMessage` (a JSON object whose `statusCode` is the response's status), which is
  what an operation ledgerlink does not implement must answer too (404 or 405, never a 5xx).

So that the fuzz reaches deep code rather than stopping at a 404, a share of the cases have their path
ids replaced by real ones (in a hook for fuzzed cases, so replays are deterministic; for the specs' examples
and coverage cases, every path id but the one a coverage case is about): a company with a Linked Accounting
(`mqjo`), Banking (`qhnd`) and Commerce (`aiwb`) Sandbox whose pulls are done, the connection the path's
data belongs to (`banking-…` and `commerce-…` paths get the Banking and Commerce ones), and record ids read
from the list one level up (`…/data/invoices/{invoiceId}` gets the first invoice's id). Filters, orders
and statement periods the server accepts, and push bodies it accepts, are offered next to the generated
ones. Lists, single records, statements, pushes and Lending's reports so run with fuzzed `query=`,
`orderBy`, `page`, `pageSize`, dates, `periodLength`, `periodsToCompare`; the run fails if they stopped
reaching real data (`MUST_REACH`, checked when the module's server stops). Operations that delete, unlink
or rewrite a company or a connection get throwaway ones.

The module runs its own `ledgerlink serve` on a database of its own: Sync for Commerce's client-wide texts
and visible accounts and Platform's client settings that the fuzz rewrites stay out of the other tests'
way, and the server's log is checked for unexpected errors at the end.

Deterministic: a fixed seed (LEDGERLINK_SCHEMATHESIS_SEED), the specs' examples, coverage cases for reads,
and a few fuzzed cases per operation (LEDGERLINK_SCHEMATHESIS_SPECS_EXAMPLES, twice as many for reads).
`.ci/run` runs it a second time, thoroughly:
`LEDGERLINK_SCHEMATHESIS_SPECS_EXAMPLES=12 python -m pytest tests/test_schemathesis_specs.py`.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import hypothesis
import pytest
import requests
import schemathesis
import yaml
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import TestPhase

from ledgerlink.records import registry
from tests.support import specs
from tests.support.platform_spec import IMPLEMENTED_OPERATIONS, load_spec
from tests.support.pulls import link_sandbox, wait_for_pulls
from tests.support.server import RunningServer, own_server

SPEC_FILES = (
    "Codat-Platform.yaml",
    "Codat-Accounting-2023-04.yaml",
    "Codat-Banking.yaml",
    "Codat-Commerce.yaml",
    "Codat-Lending.yaml",
    "Codat-Spend-Insights.yaml",
    "Codat-Sync-Commerce.yaml",
    "Codat-Sync-Commerce-v1.yaml",
)
EXAMPLES = int(os.environ.get("LEDGERLINK_SCHEMATHESIS_SPECS_EXAMPLES", "3"))
# The read API takes the most inputs (query=, orderBy, page, pageSize, dates): reads get more cases.
READ_EXAMPLES = 2 * EXAMPLES
SEED = int(os.environ.get("LEDGERLINK_SCHEMATHESIS_SEED", "20240301"))
# Status codes answered per operation, for the summary the module prints at its end.
ANSWERS: dict[str, Counter[int]] = defaultdict(Counter)
API_KEY = "full-specs-" + uuid.uuid4().hex

# What the path-parameter hook puts where a real id goes; `Ids.resolve` swaps it before the request.
REAL = "ledgerlink-real-id"
ACCOUNTING, BANKING, COMMERCE = "mqjo", "qhnd", "aiwb"
# Path parameters that are not record ids, and the real value each gets.
FIXED_PARAMETERS = {"commerceKey": COMMERCE, "accountingKey": ACCOUNTING, "dataType": "invoices"}


def _template(method: str, path: str) -> tuple[str, str]:
    """An operation's method and path, parameter names aside (specs name the same segment differently)."""
    return method.upper(), re.sub(r"\{[^}]+\}", "{}", path)


def _load(name: str) -> dict[str, Any]:
    """A spec as JSON would hold it: YAML reads unquoted dates in examples as dates, JSON Schema has none."""
    with (specs.CODAT / name).open(encoding="utf-8") as file:
        loaded = yaml.load(file, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    spec = json.loads(json.dumps(loaded, default=lambda value: value.isoformat()))
    _merge_nested_types(spec)
    return spec


def _merge_nested_types(node: Any, names: bool = False) -> None:
    """Spec bug: a few schemas say `type: {type: string, enum: [...]}` (e.g. Accounting's
    `Item.itemType`), a schema where the type name belongs, which JSON Schema rejects and schemathesis
    refuses to generate from. The nested schema is what was meant: it is merged into its parent.
    (`names` marks a `properties` map, whose keys are property names, one of which may be `type`.)"""
    if isinstance(node, list):
        for item in node:
            _merge_nested_types(item)
    elif isinstance(node, dict):
        if not names and isinstance(node.get("type"), dict):
            node.update(node.pop("type"))
        for key, value in node.items():
            if key not in ("example", "examples"):
                _merge_nested_types(value, names=key == "properties" and not names)


def _schemas() -> list[tuple[str, Any]]:
    """Per spec, a schema of the reads and one of the writes no earlier spec (nor the Platform run) covers.

    Reads get coverage cases (every boundary and wrong type of every parameter: `page=2147483648`,
    `pageSize=0`, ...) and more fuzzed ones; writes, whose Codat bodies are large, get the specs' examples
    and fuzzed cases only (coverage cases of every field of every body would take minutes)."""
    covered = {_template(operation.method, operation.path) for operation in _implemented()}
    schemas = []
    for name in SPEC_FILES:
        spec = _load(name)
        fresh = {
            _template(method, path)
            for path, item in spec["paths"].items()
            for method in item
            if method in {"get", "put", "post", "delete", "patch"}
        } - covered
        covered |= fresh
        for reads in (True, False):
            wanted = {(method, path) for method, path in fresh if (method == "GET") == reads}
            if not wanted:
                continue
            loaded = schemathesis.openapi.from_dict(spec, config=_config(reads))
            chosen = loaded.include(
                lambda ctx, wanted=wanted: _template(ctx.operation.method, ctx.operation.path) in wanted
            )
            schemas.append((name + (" reads" if reads else " writes"), chosen))
    return schemas


def _implemented() -> Iterator[Any]:
    platform = schemathesis.openapi.from_dict(load_spec()).include(operation_id=IMPLEMENTED_OPERATIONS)
    for result in platform.get_all_operations():
        yield result.ok()


def _config(reads: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": "all",
                "max-examples": READ_EXAMPLES if reads else EXAMPLES,
                "with-security-parameters": False,
                "database": "none",
            },
            "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": reads}},
        }
    )


def _destroys(method: str, path: str) -> bool:
    """Deleting, unlinking or rewriting a company or a connection: such operations get throwaway ones."""
    return method.upper() in {"DELETE", "PUT", "PATCH"} and path.endswith(("{companyId}", "{connectionId}"))


def _flatmap_path_parameters(context: schemathesis.HookContext, path_parameters: dict[str, Any]) -> Any:
    if not path_parameters:
        return st.just(path_parameters)
    return st.sampled_from([dict.fromkeys(path_parameters, REAL), path_parameters])


# Query values the server accepts, offered next to the generated ones (which it mostly refuses with a
# 400): filters and orders over fields every data type has, and statement periods in range, so that
# fuzzed pages, page sizes and dates run through the query compiler and the statements with them.
QUERIES = (
    "modifiedDate>2020-01-01",
    "id!=ledgerlink&&modifiedDate<2100-01-01T00:00:00Z",
    "{id=ledgerlink||modifiedDate>=2000-01-01}",
)
ORDERS = ("modifiedDate", "-modifiedDate", "id")


def _flatmap_query(context: schemathesis.HookContext, query: Any) -> Any:
    assert context.operation is not None
    names = {parameter.name for parameter in context.operation.query}
    accepted: dict[str, Any] = {}
    if "periodLength" in names:
        accepted |= {"periodLength": st.integers(1, 12), "periodsToCompare": st.integers(1, 24)}
    if "query" in names:
        accepted["query"] = st.sampled_from(QUERIES)
    if "orderBy" in names:
        accepted["orderBy"] = st.sampled_from(ORDERS)
    if not accepted or not isinstance(query, dict):
        return st.just(query)
    return st.one_of(st.just(query), st.fixed_dictionaries(accepted).map(lambda fixed: {**query, **fixed}))


# Bodies ledgerlink's push accepts at the door (the registry's create models), offered next to the generated
# ones with the generated body's other fields added (the create models let unknown fields through to the
# platform), so that pushes run on the Accounting Sandbox with fuzz-shaped records. `REAL_ACCOUNT` and
# `REAL_CUSTOMER` become the Sandbox's first account and customer before the request.
REAL_ACCOUNT, REAL_CUSTOMER = "ledgerlink-real-account", "ledgerlink-real-customer"
PUSH_BODIES: dict[str, dict[str, Any]] = {
    "suppliers": {"supplierName": "Fuzz Supplies", "status": "Active"},
    "journalEntries": {
        "postedOn": "2024-06-20",
        "journalLines": [
            {"netAmount": 12.5, "accountRef": {"id": REAL_ACCOUNT}},
            {"netAmount": -12.5, "accountRef": {"id": REAL_ACCOUNT}},
        ],
    },
    "invoices": {
        "customerRef": {"id": REAL_CUSTOMER},
        "issueDate": "2024-06-20",
        "lineItems": [{"unitAmount": 40, "quantity": 2, "accountRef": {"id": REAL_ACCOUNT}}],
    },
    "payments": {
        "customerRef": {"id": REAL_CUSTOMER},
        "totalAmount": 80,
        "date": "2024-06-21",
        "lines": [{"amount": 80, "links": [{"type": "Invoice", "id": "ledgerlink-fuzz", "amount": -80}]}],
    },
}


def _flatmap_body(context: schemathesis.HookContext, body: Any) -> Any:
    assert context.operation is not None
    method, path = context.operation.method.upper(), context.operation.path
    kind = path.rsplit("/", 1)[-1]
    if method != "POST" or "/push/" not in path or kind not in PUSH_BODIES:
        return st.just(body)
    create_model = registry.create_model(kind)
    assert create_model is not None, kind
    known = {field.alias or name for name, field in create_model.schema.model_fields.items()}
    other = {key: value for key, value in body.items() if key not in known} if isinstance(body, dict) else {}
    return st.sampled_from([body, {**other, **PUSH_BODIES[kind]}])


class Ids:
    """Real ids for the placeholders the hook put in a case's path, read from the server as needed."""

    def __init__(self, client: httpx.Client, company_id: str, connections: dict[str, str]) -> None:
        self.client = client
        self.company_id = company_id
        self.connections = connections
        self.throwaway: list[str] = []
        self._records: dict[str, str | None] = {}

    def resolve(self, case: schemathesis.Case) -> None:
        if isinstance(case.body, dict) and "/push/" in case.operation.path:
            case.body = self._real_refs(case.body)
        params = case.path_parameters
        if not params:
            return
        phase = case.meta.phase if case.meta is not None else None
        if phase is not None and phase.name != TestPhase.FUZZING:
            # The hook shapes fuzzed cases only: the specs' examples and coverage cases carry the specs'
            # example ids. Those get real ones too, except the path parameter a coverage case is about.
            about = phase.data.parameter if phase.data.parameter_location == ParameterLocation.PATH else None
            params.update({name: REAL for name in params if name != about})
        if REAL not in params.values():
            return
        path = case.operation.path
        destroys = _destroys(case.operation.method, path)
        for name in re.findall(r"\{([^}]+)\}", path):
            if params.get(name) == REAL:
                params[name] = self._real(name, path, params, destroys)

    def _real(self, name: str, path: str, params: dict[str, Any], destroys: bool) -> str:
        lowered = path.lower()
        platform = BANKING if "banking" in lowered else COMMERCE if "commerce" in lowered else ACCOUNTING
        if name == "companyId":
            return self._throwaway_company() if destroys else self.company_id
        if name == "connectionId":
            return self._throwaway_connection(params["companyId"]) if destroys else self.connections[platform]
        if name == "platformKey":
            return platform
        if name in FIXED_PARAMETERS:
            return FIXED_PARAMETERS[name]
        prefix = path.split("{" + name + "}")[0].rstrip("/")
        return self._record(prefix.format(**params), prefix.rsplit("/", 1)[-1]) or str(uuid.uuid4())

    def _real_refs(self, body: Any) -> Any:
        if isinstance(body, dict):
            return {key: self._real_refs(value) for key, value in body.items()}
        if isinstance(body, list):
            return [self._real_refs(item) for item in body]
        if body in (REAL_ACCOUNT, REAL_CUSTOMER):
            kind = "accounts" if body == REAL_ACCOUNT else "customers"
            return self._record(f"/companies/{self.company_id}/data/{kind}", kind) or body
        return body

    def _record(self, listing: str, kind: str) -> str | None:
        """The first id the list one level up answers (or, for a push or assess path, the company's list)."""
        for candidate in (listing, f"/companies/{self.company_id}/data/{kind}"):
            if candidate not in self._records:
                answer = self.client.get(candidate, params={"pageSize": 1})
                results = answer.json().get("results") if answer.status_code == 200 else None
                first = results[0] if isinstance(results, list) and results else {}
                self._records[candidate] = first.get("id") if isinstance(first, dict) else None
            if self._records[candidate]:
                return self._records[candidate]
        return None

    def _throwaway_company(self) -> str:
        created = self.client.post("/companies", json={"name": "Full specs throwaway"})
        assert created.status_code == 200, created.text
        self.throwaway.append(created.json()["id"])
        return created.json()["id"]

    def _throwaway_connection(self, company_id: str) -> str:
        if company_id in (self.company_id, REAL):
            company_id = self._throwaway_company()
        created = self.client.post(f"/companies/{company_id}/connections", json={"platformKey": ACCOUNTING})
        return created.json().get("id", str(uuid.uuid4()))


# Operations that must have answered 200 at least once: proof that the real ids and accepted query values
# took the fuzz through the read API's lists, single records and statements of all three Sandboxes (if
# the substitution broke, every case would stop at a 404 and the run would prove little).
MUST_REACH = (
    "GET /companies/{companyId}/data/invoices",
    "GET /companies/{companyId}/data/invoices/{invoiceId}",
    "GET /companies/{companyId}/data/financials/balanceSheet",
    "GET /companies/{companyId}/connections/{connectionId}/data/bankAccounts/{accountId}/bankTransactions",
    "GET /companies/{companyId}/connections/{connectionId}/data/banking-transactions",
    "GET /companies/{companyId}/connections/{connectionId}/data/commerce-orders",
    "GET /companies/{companyId}/connections/{connectionId}/data/commerce-orders/{orderId}",
    "GET /companies/{companyId}/reports/agedDebtor",
    "GET /companies/{companyId}/reports/agedCreditor",
    "GET /companies/{companyId}/reports/enhancedInvoices",
)


@pytest.fixture(scope="module")
def served(postgres: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with own_server(
        postgres,
        tmp_path_factory.mktemp("full-specs"),
        "full_specs",
        api_key=API_KEY,
    ) as running:
        yield running
    reached = sorted(op for op, statuses in ANSWERS.items() if any(200 <= s < 300 for s in statuses))
    print(
        f"\n{sum(map(sum, map(Counter.values, ANSWERS.values())))} requests over {len(ANSWERS)} operations,"
        f" {len(reached)} answered 2xx at least once"
    )
    for op, statuses in sorted(ANSWERS.items()):
        print(op, dict(statuses))
    log = running.log()
    assert "Traceback" not in log and "unhandled error" not in log, log[-5000:]
    # Every operation of `MUST_REACH` the run fuzzed answered 200 at least once.
    unreached = [op for op in MUST_REACH if op in ANSWERS and ANSWERS[op][200] == 0]
    assert not unreached, {op: dict(ANSWERS[op]) for op in unreached}


@pytest.fixture(scope="module")
def ids(served: RunningServer) -> Iterator[Ids]:
    with served.client() as client:
        company_id, accounting = link_sandbox(client, "Full Specs Co")
        connections = {ACCOUNTING: accounting}
        for key in (BANKING, COMMERCE):
            created = client.post(f"/companies/{company_id}/connections", json={"platformKey": key}).json()
            linked = client.put(f"/companies/{company_id}/connections/{created['id']}/authorization", json={})
            assert linked.status_code == 200 and linked.json()["status"] == "Linked", linked.text
            connections[key] = created["id"]
        wait_for_pulls(client, company_id, at_least=20)
        yield Ids(client, company_id, connections)


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def _codat_error(response: requests.Response) -> None:
    """A 4xx reaches the client in Codat's ErrorMessage, whatever the operation (implemented or not)."""
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict) and body.get("statusCode") == response.status_code, response.text
        assert isinstance(body.get("error"), str), response.text


def _fuzz(schema: Any) -> Callable[..., None]:
    schema.hook("flatmap_path_parameters")(_flatmap_path_parameters)
    schema.hook("flatmap_query")(_flatmap_query)
    schema.hook("flatmap_body")(_flatmap_body)

    @schema.parametrize()
    @hypothesis.settings(
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def test(case: schemathesis.Case, served: RunningServer, ids: Ids, session: requests.Session) -> None:
        ids.resolve(case)
        auth = {"Authorization": served.auth_header}
        response = case.call(base_url=served.base_url, session=session, headers=auth)
        case.validate_response(response, checks=[not_a_server_error], headers=auth)
        ANSWERS[f"{case.operation.method.upper()} {case.operation.path}"][response.status_code] += 1
        _codat_error(response)

    return test


def _test_name(name: str) -> str:
    """`Codat-Lending.yaml reads` → `test_no_server_error_codat_lending_reads`."""
    return "test_no_server_error_" + re.sub(r"\W", "_", name.replace(".yaml", "").lower())


for _name, _schema in _schemas():
    globals()[_test_name(_name)] = _fuzz(_schema)
