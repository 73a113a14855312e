"""Property-based conformance run: Codat's official Platform spec against the real `ledgerlink serve` process.

Schemathesis generates requests (spec examples, coverage probes and Hypothesis fuzzing, valid and
invalid inputs) for every operation ledgerlink implements, sends them to the running server with a
valid API key, and checks that:

* no request yields a 5xx (`not_a_server_error`);
* every response whose status the spec documents matches that response's schema
  (`response_schema_conformance`) and media type (`content_type_conformance`).

`status_code_conformance` is deliberately not applied: Codat's spec leaves 400 out of many operations
that take a body or a query (e.g. `replace-company`, `update-company`, `create-connection`,
`set-cors-settings`, `update-profile`), yet answering an invalid body with a 400 `ErrorMessage` is
exactly what the real Codat API (and ledgerlink) does. Requiring only documented status codes would
force ledgerlink to answer bad input with some other documented code, which would be wrong.

Random path ids mostly produce 404s, so a share of the generated cases have their ids replaced
(in hooks, so the choice is part of Hypothesis' data and replays deterministically) by real
resources created for this module: a company, a sandbox connection, the sandbox integration key.
The push operations (history, one operation, options) get a company of their own whose Accounting
Sandbox is Linked and was written to once. Deleting and unlinking operations get throwaway resources instead
(and `delete-api-key` a freshly created key, never the seeded one the other tests authenticate with), so the
shared ones survive. Keys made by `create-api-key` are deleted at once (a client may hold only 10), and so are
webhook consumers made by `create-webhook-consumer`, whose URL, when the server would accept it, is rewritten
to a closed port on loopback so that no delivery leaves the machine; the client-wide profile, sync and CORS
settings the run rewrites are put back when the module ends.

Each operation gets the spec's examples, schemathesis' coverage cases and `MAX_EXAMPLES` (30)
fuzzed cases, with a fixed seed (override with LEDGERLINK_SCHEMATHESIS_SEED to explore).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.support.platform_spec import IMPLEMENTED_OPERATIONS, PUSH_OPERATIONS, load_spec
from tests.support.server import RunningServer

MAX_EXAMPLES = int(os.environ.get("LEDGERLINK_SCHEMATHESIS_MAX_EXAMPLES", "30"))
SEED = int(os.environ.get("LEDGERLINK_SCHEMATHESIS_SEED", "20240301"))
SANDBOX_PLATFORM_KEY = "mqjo"

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

# Placeholders the hooks below put into generated cases; `_resolve` swaps them for real ids just
# before the request. They are never sent as they are.
REAL_COMPANY = "ledgerlink-real-company"
REAL_CONNECTION = "ledgerlink-real-connection"
THROWAWAY_COMPANY = "ledgerlink-throwaway-company"
THROWAWAY_CONNECTION = "ledgerlink-throwaway-connection"
THROWAWAY_LINKED_CONNECTION = "ledgerlink-throwaway-linked-connection"
THROWAWAY_API_KEY = "ledgerlink-throwaway-api-key"
THROWAWAY_WEBHOOK = "ledgerlink-throwaway-webhook"
PUSH_COMPANY = "ledgerlink-push-company"
PUSH_CONNECTION = "ledgerlink-push-connection"
PUSH_OPERATION = "ledgerlink-push-operation"
# Where every consumer the run creates sends: a closed port on loopback, so no delivery leaves the machine.
LOOPBACK_RECEIVER = "http://127.0.0.1:9/schemathesis"

# Operations whose success destroys (or, for unlink, retires) the resource: they only ever get
# throwaway ones, in a throwaway company (a company may hold only one Linked accounting connection).
DESTRUCTIVE = {"delete-company", "delete-connection", "unlink-connection"}


schema = schemathesis.openapi.from_dict(
    load_spec(),
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                # Authentication is sent explicitly on every call; random `Authorization`
                # values would only test the 401 path over and over.
                "with-security-parameters": False,
                "database": "none",
            },
            "phases": {"stateful": {"enabled": False}},
        }
    ),
).include(operation_id=IMPLEMENTED_OPERATIONS)


def _operation_id(context: schemathesis.HookContext) -> str:
    assert context.operation is not None
    return str(context.operation.definition.raw.get("operationId", ""))


@schema.hook
def flatmap_path_parameters(context: schemathesis.HookContext, path_parameters: dict[str, Any]) -> Any:
    if not path_parameters:
        return st.just(path_parameters)
    operation_id = _operation_id(context)
    options = [path_parameters]
    if operation_id in PUSH_OPERATIONS:
        real = dict(path_parameters, companyId=PUSH_COMPANY)
        if "connectionId" in path_parameters:
            real["connectionId"] = PUSH_CONNECTION
        if "pushOperationKey" in path_parameters:
            real["pushOperationKey"] = PUSH_OPERATION
        options.append(real)
        if "dataType" in path_parameters:
            options.append(dict(real, dataType="journalEntries"))
    elif "companyId" in path_parameters:
        if operation_id not in DESTRUCTIVE:
            real = dict(path_parameters, companyId=REAL_COMPANY)
            if "connectionId" in path_parameters:
                real["connectionId"] = REAL_CONNECTION
        else:
            real = dict(path_parameters, companyId=THROWAWAY_COMPANY)
            if "connectionId" in path_parameters:
                # Only a Linked connection can be unlinked.
                linked = operation_id == "unlink-connection"
                real["connectionId"] = THROWAWAY_LINKED_CONNECTION if linked else THROWAWAY_CONNECTION
        options.append(real)
    if "apiKeyId" in path_parameters:
        # Never the server's seeded key (the other tests authenticate with it): a fresh one.
        options.append(dict(path_parameters, apiKeyId=THROWAWAY_API_KEY))
    if "platformKey" in path_parameters:
        options.append(dict(path_parameters, platformKey=SANDBOX_PLATFORM_KEY))
    if "webhookId" in path_parameters:
        options.append(dict(path_parameters, webhookId=THROWAWAY_WEBHOOK))
    return st.sampled_from(options)


# Bodies the server accepts, offered next to the generated ones: random values rarely hit the one
# platform key or status that exists, and so would rarely reach the 200 paths.
VALID_BODIES: dict[str, Any] = {
    "create-connection": {"platformKey": SANDBOX_PLATFORM_KEY},
    "unlink-connection": {"status": "Unlinked"},
    "set-company-syncSettings": {
        "companyId": "8a210b68-6988-11ed-a1eb-0242ac120002",
        "settings": [
            {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 0},
        ],
        "overridesDefaults": True,
    },
    "create-webhook-consumer": {"url": LOOPBACK_RECEIVER, "eventTypes": ["company.created"]},
}


@schema.hook
def flatmap_body(context: schemathesis.HookContext, body: Any) -> Any:
    operation_id = _operation_id(context)
    if operation_id == "create-webhook-consumer":
        body = _loopback(body)
    valid = VALID_BODIES.get(operation_id)
    return st.just(body) if valid is None else st.sampled_from([body, valid])


def _loopback(body: Any) -> Any:
    """A consumer the server would accept sends to loopback instead of wherever the generator chose."""
    url = body.get("url") if isinstance(body, dict) else None
    if isinstance(url, str) and url[:8].lower().startswith(("http://", "https://")):
        return {**body, "url": LOOPBACK_RECEIVER}
    return body


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    """One client for the module: building one per case (its TLS context) costs more than the case."""
    with server.client() as client:
        yield client


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    """Schemathesis' transport is requests: keep its connection alive across cases."""
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def real_resources(client: httpx.Client) -> Iterator[dict[str, Any]]:
    """A company and connection for the run, and the client-wide settings put back afterwards."""
    settings = ("/profile", "/profile/syncSettings", "/corsSettings")
    snapshot = {path: client.get(path).json() for path in settings}
    keys_before = {key["id"] for key in client.get("/apiKeys").json()["results"]}
    consumers_before = {consumer["id"] for consumer in client.get("/webhooks").json()["results"]}
    company = client.post("/companies", json={"name": "Schemathesis Co"})
    assert company.status_code == 200, company.text
    company_id = company.json()["id"]
    connection = client.post(
        f"/companies/{company_id}/connections", json={"platformKey": SANDBOX_PLATFORM_KEY}
    )
    assert connection.status_code == 200, connection.text
    throwaway_companies: list[str] = []
    push_company = client.post("/companies", json={"name": "Schemathesis Pushes Co"}).json()["id"]
    push_connection = client.post(
        f"/companies/{push_company}/connections", json={"platformKey": SANDBOX_PLATFORM_KEY}
    ).json()["id"]
    linked = client.put(f"/companies/{push_company}/connections/{push_connection}/authorization", json={})
    assert linked.status_code == 200, linked.text
    pushed = client.post(
        f"/companies/{push_company}/connections/{push_connection}/push/suppliers",
        json={"supplierName": "Schemathesis Supplies", "status": "Active"},
    )
    assert pushed.status_code == 200, pushed.text
    yield {
        "companyId": company_id,
        "connectionId": connection.json()["id"],
        "throwaway": throwaway_companies,
        "push": {
            PUSH_COMPANY: push_company,
            PUSH_CONNECTION: push_connection,
            PUSH_OPERATION: pushed.json()["pushOperationKey"],
        },
    }

    # Put back what the run changed for everyone sharing this server.
    restored = [
        client.put("/profile", json=snapshot["/profile"]),
        client.post(
            "/profile/syncSettings",
            json={
                "settings": snapshot["/profile/syncSettings"]["settings"],
                "overridesDefaults": snapshot["/profile/syncSettings"]["overridesDefaults"],
            },
        ),
        client.post("/corsSettings", json=snapshot["/corsSettings"]),
    ]
    for key in client.get("/apiKeys").json()["results"]:
        if key["id"] not in keys_before:
            client.delete(f"/apiKeys/{key['id']}")
    for consumer in client.get("/webhooks").json()["results"]:
        if consumer["id"] not in consumers_before:
            client.delete(f"/webhooks/{consumer['id']}")
    for created in [company_id, push_company, *throwaway_companies]:
        client.delete(f"/companies/{created}")  # 404 for those the run deleted itself
    for response in restored:
        assert response.is_success, f"restoring {response.request.url.path}: {response.text}"


def _resolve(case: schemathesis.Case, client: httpx.Client, real: dict[str, Any]) -> None:
    """Swap the hooks' placeholders for real ids, creating throwaway resources where asked."""
    params = case.path_parameters
    if not params:
        return
    for name, value in params.items():
        if isinstance(value, str) and value in real["push"]:
            params[name] = real["push"][value]
    if params.get("companyId") == REAL_COMPANY:
        params["companyId"] = real["companyId"]
    if params.get("connectionId") == REAL_CONNECTION:
        params["connectionId"] = real["connectionId"]
    if params.get("companyId") == THROWAWAY_COMPANY:
        created = client.post("/companies", json={"name": "Schemathesis throwaway"})
        assert created.status_code == 200, created.text
        params["companyId"] = created.json()["id"]
        real["throwaway"].append(params["companyId"])
    if params.get("connectionId") in (THROWAWAY_CONNECTION, THROWAWAY_LINKED_CONNECTION):
        linked = params["connectionId"] == THROWAWAY_LINKED_CONNECTION
        created = client.post(
            f"/companies/{params['companyId']}/connections", json={"platformKey": SANDBOX_PLATFORM_KEY}
        )
        assert created.status_code == 200, created.text
        params["connectionId"] = created.json()["id"]
        if linked:
            url = f"/companies/{params['companyId']}/connections/{params['connectionId']}/authorization"
            authorized = client.put(url, json={})
            assert authorized.status_code == 200, authorized.text
            assert authorized.json()["status"] == "Linked", authorized.text
    if params.get("webhookId") == THROWAWAY_WEBHOOK:
        created = client.post("/webhooks", json={"url": LOOPBACK_RECEIVER, "disabled": True})
        assert created.status_code == 201, created.text
        params["webhookId"] = created.json()["id"]
    if params.get("apiKeyId") == THROWAWAY_API_KEY:
        created = client.post("/apiKeys", json={"name": "schemathesis throwaway"})
        assert created.status_code == 201, created.text
        params["apiKeyId"] = created.json()["id"]


@schema.parametrize()
@hypothesis.settings(
    deadline=None,  # latency is not under test; a slow CI machine must not turn into failures
    # Generation works off big, deeply nested Codat schemas: size and filtering warnings say
    # nothing about the server. (All fixtures used are module- or session-scoped.)
    suppress_health_check=[
        hypothesis.HealthCheck.too_slow,
        hypothesis.HealthCheck.filter_too_much,
        hypothesis.HealthCheck.data_too_large,
        hypothesis.HealthCheck.large_base_example,
    ],
)
def test_conforms_to_codat_spec(
    case: schemathesis.Case,
    server: RunningServer,
    client: httpx.Client,
    session: requests.Session,
    real_resources: dict[str, Any],
) -> None:
    _resolve(case, client, real_resources)
    auth = {"Authorization": server.auth_header}
    response = case.call(base_url=server.base_url, session=session, headers=auth)
    try:
        case.validate_response(response, checks=CHECKS, headers=auth)
    finally:
        operation_id = case.operation.definition.raw.get("operationId")
        if operation_id == "create-api-key" and response.status_code == 201:
            # Keys are capped at 10 per client: give the slot back at once.
            client.delete(f"/apiKeys/{response.json()['id']}")
        if operation_id == "create-webhook-consumer" and response.status_code == 201:
            # Consumers are capped at 50, and one left behind would get every later test's events.
            client.delete(f"/webhooks/{response.json()['id']}")
