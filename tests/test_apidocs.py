"""`/openapi.json` carries Codat's description of its operations; `/docs`, `/redoc` and `/` work offline."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import httpx
from openapi_spec_validator import validate

from ledgerlink.kit import pages
from tests.support.server import RunningServer

REPO = Path(__file__).resolve().parents[1]
METHODS = ("get", "put", "post", "delete", "patch")
# ReDoc 2.5.3 always shows "API docs by Redocly" with its logo from Redocly's CDN; the docs' CSP (img-src
# 'self' data:) stops that request before it leaves the browser, which the console reports. Nothing else.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def schema_of(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """The object a `$ref` (any JSON pointer into the document) names, followed until it is not one."""
    while "$ref" in node:
        pointer = node["$ref"]
        node = document
        for part in pointer.split("/")[1:]:
            key = part.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def properties_of(document: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """Property names of a schema, through `$ref`s and `allOf` parts."""
    schema = schema_of(document, schema)
    names = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        names |= properties_of(document, part)
    return names


def test_the_document_is_valid_openapi_and_describes_codats_answers(server: RunningServer) -> None:
    response = httpx.get(f"{server.base_url}/openapi.json", timeout=30)  # no key needed to read the docs
    assert response.status_code == 200
    document = response.json()
    validate(document)  # OpenAPI 3.1, every $ref resolvable
    assert document["openapi"].startswith("3.1")
    assert "servers" not in document  # Swagger UI sends requests to wherever ledgerlink is served from

    scheme = document["components"]["securitySchemes"]["auth_header"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    assert document["security"] == [{"auth_header": []}]

    company = schema_of(document, document["paths"]["/companies/{companyId}"]["get"]["responses"]["200"])
    company_schema = company["content"]["application/json"]["schema"]
    assert company_schema == {"$ref": "#/components/schemas/Company"}
    properties = properties_of(document, company_schema)
    assert {"id", "name", "description", "redirect", "created", "dataConnections", "tags"} <= properties

    create = document["paths"]["/companies"]["post"]
    assert create["operationId"] == "create-company" and create["tags"] == ["Companies"]
    assert create["requestBody"]["content"]["application/json"][
        "examples"
    ]  # Codat's examples prefill Try it out
    assert "platformType" in create["description"]  # ledgerlink's documented difference
    assert schema_of(document, create["responses"]["401"])["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorMessage"
    }

    invoices = document["paths"]["/companies/{companyId}/data/invoices"]["get"]
    page = invoices["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"results", "totalResults", "pageNumber", "pageSize", "_links"} <= properties_of(document, page)
    invoice = schema_of(document, schema_of(document, page)["allOf"][0])["properties"]["results"]["items"]
    assert {"id", "invoiceNumber", "customerRef", "lineItems", "status"} <= properties_of(document, invoice)
    assert (
        invoices["x-codat-spec"] == "Codat-Lending.yaml"
    )  # the models ledgerlink stores (extract_schemas.py)
    assert [p["name"] for p in (schema_of(document, p) for p in invoices["parameters"])][:1] == ["companyId"]

    # Codat's spec maps the 204 of DELETE /apiKeys/{apiKeyId} to its error body; ledgerlink sends no body.
    assert document["paths"]["/apiKeys/{apiKeyId}"]["delete"]["responses"]["204"] == {
        "description": "No Content"
    }

    every = operations(document)
    assert len(every) > 140
    codat = [operation for _, _, operation in every if "x-codat-spec" in operation]
    assert len(codat) >= 130
    for method, path, operation in every:
        assert operation.get("tags"), f"{method} {path} has no tag"
        assert "422" not in operation["responses"], f"{method} {path}: ledgerlink answers 400, never 422"
        assert "400" in operation["responses"], f"{method} {path}: any request may be refused with a 400"
        declared = {
            schema_of(document, p)["name"]
            for p in operation.get("parameters", [])
            if schema_of(document, p)["in"] == "path"
        }
        assert declared == set(re.findall(r"\{([^}]+)\}", path)), f"{method} {path}"
    # ledgerlink's own operations keep their generated description, with Codat's error answers.
    receipts = document["paths"]["/companies/{companyId}/connections/{connectionId}/data/itemReceipts"]["get"]
    receipt = receipts["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["results"]
    assert {"id", "supplierRef", "receivedDate", "lineItems"} <= set(receipt["items"]["properties"])
    replay = document["paths"]["/webhooks/{webhookId}/deliveries/{deliveryId}/replay"]["post"]
    assert "x-codat-spec" not in replay and replay["responses"]["400"] == {
        "$ref": "#/components/responses/Bad-Request"
    }


def test_the_committed_extract_is_the_extractors_output(tmp_path: Path) -> None:
    """`scripts/extract_openapi.py` reproduces `ledgerlink/apidocs/codat.json` (re-run it when a route
    or a spec changes)."""
    script = REPO / "scripts" / "extract_openapi.py"
    sys.path.insert(0, str(script.parent))
    loaded = importlib.util.spec_from_file_location("extract_openapi", script)
    assert loaded and loaded.loader
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    out = tmp_path / "codat.json"
    module.main(["--out", str(out)])
    committed = REPO / "src" / "ledgerlink" / "apidocs" / "codat.json"
    assert out.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")


def test_the_start_page_leads_to_the_portal_the_docs_and_the_health_check(server: RunningServer) -> None:
    response = httpx.get(f"{server.base_url}/", timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == pages.SECURITY_HEADERS["Content-Security-Policy"]
    links = re.findall(r'href="([^"]+)"', response.text)
    for path in ("/portal", "/docs", "/redoc", "/openapi.json", "/healthz"):
        assert f"{server.base_url}{path}" in links
        assert httpx.get(f"{server.base_url}{path}", timeout=30, follow_redirects=True).status_code == 200
    # `ledgerlink serve` printed the same addresses when it started.
    assert f"{server.base_url}/docs" in server.log()


def test_docs_pages_have_their_own_policy_and_self_hosted_assets(server: RunningServer) -> None:
    for path in ("/docs", "/redoc"):
        response = httpx.get(f"{server.base_url}{path}", timeout=30)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
        sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
        assert sources and all(source.startswith("/") for source in sources), sources
        for source in sources:
            assert httpx.get(f"{server.base_url}{source}", timeout=30).status_code == 200, source


def offline(page: Any, server: RunningServer) -> tuple[list[str], list[str]]:
    """Abort every request that is not to the server (as on an install without internet); record both."""
    leaving: list[str] = []
    console: list[str] = []

    def route(intercepted: Any) -> None:
        if intercepted.request.url.startswith(server.base_url + "/"):
            intercepted.continue_()
        else:
            leaving.append(intercepted.request.url)
            intercepted.abort()

    page.route("**/*", route)
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: console.append(str(error)))
    return leaving, console


def load_offline(page: Any, server: RunningServer, api: httpx.Client, path: str, operation: str) -> Any:
    """Open a docs page offline: every operation of the document is rendered (an `operation` element each)."""
    leaving, console = offline(page, server)
    expected = len(operations(api.get("/openapi.json").json()))
    page.goto(f"{server.base_url}{path}")
    page.wait_for_selector(operation, timeout=60_000)
    assert page.locator(operation).count() == expected
    return leaving, console


def test_swagger_ui_offline_authorize_and_try_out_create_company(page, server, api) -> None:
    leaving, console = load_offline(page, server, api, "/docs", ".opblock")
    assert page.locator(".errors-wrapper").count() == 0  # Swagger UI lists schema errors there

    page.click("button.authorize")
    page.locator(".auth-container input#api_key_value").fill(server.auth_header)
    page.click(".auth-container button.authorize")
    page.click(".auth-container button.btn-done")

    block = page.locator("#operations-Companies-create-company")
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    name = "Docs quick start"
    block.locator("textarea.body-param__text").fill(json.dumps({"name": name}))
    block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table .response .response-col_status")
    status.wait_for()
    assert status.inner_text().strip() == "200"
    created = json.loads(
        block.locator(".live-responses-table .response-col_description pre").first.inner_text()
    )
    assert api.get(f"/companies/{created['id']}").json()["name"] == name

    assert leaving == [] and console == [], (leaving, console)


def test_redoc_offline_lists_every_operation(page, server, api) -> None:
    leaving, console = load_offline(page, server, api, "/redoc", "[data-section-id^='operation/']")
    assert leaving == []
    assert [text for text in console if REDOC_LOGO not in text] == [], console


def test_the_start_page_is_accessible(page, accessible, server) -> None:
    page.goto(f"{server.base_url}/")
    page.get_by_role("link", name="API docs (Swagger UI)").wait_for()
    accessible()
