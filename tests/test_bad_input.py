"""Bad input is a 400, never a 500, and never costs the client its connection.

Every route of the app (API, Link, Portal, Sync Flow, the OAuth callback, metrics, health, static files),
path parameters included, is sent each kind of bad input over one keep-alive connection to a real
`ledgerlink serve`: NULs (percent-encoded in the path and query, escaped and raw in JSON, in forms), lone
surrogates, a deeply nested `query=`, a huge `page`, long strings, and wrong or garbage keys. No answer may
be a 5xx, and the same connection must answer the next request.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

from ledgerlink.app import create_app
from ledgerlink.clients.auth import require_principal
from ledgerlink.config import Settings
from ledgerlink.data import reads
from ledgerlink.db import create_engine
from ledgerlink.kit.auth import key_hashes
from ledgerlink.kit.pagination import MAX_OFFSET, parse_page_params
from ledgerlink.kit.query import MAX_QUERY_DEPTH, MAX_QUERY_TERMS
from ledgerlink.logging import configure
from ledgerlink.records import registry
from tests.support.portal import http_sign_in
from tests.support.server import (
    RunningServer,
    free_port,
    own_server,
)
from tests.support.threaded import ThreadedServer

API_KEY = "bad-input-" + uuid.uuid4().hex
DEEP = "{" * 400 + "id=1" + "}" * 400


@pytest.fixture(scope="module")
def served(postgres: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with own_server(
        postgres,
        tmp_path_factory.mktemp("bad-input"),
        "bad_input",
        api_key=API_KEY,
        env={
            "LEDGERLINK_RATE_LIMIT_PER_MINUTE": "1000000",
            "LEDGERLINK_PUBLIC_RATE_LIMIT_PER_MINUTE": "1000000",
        },
    ) as running:
        yield running


@dataclass
class Answer:
    status: int
    body: bytes
    closes: bool

    def json(self) -> dict:
        return json.loads(self.body)


class KeepAlive:
    """Raw HTTP/1.1 over one socket: the bytes sent are exactly the test's, and a dropped connection shows."""

    def __init__(self, base_url: str) -> None:
        address = urlsplit(base_url)
        self.address = (address.hostname, address.port)
        self.sock = socket.create_connection(self.address, timeout=30)

    def send(
        self, method: str, target: bytes, headers: dict[bytes, bytes] | None = None, body: bytes = b""
    ) -> Answer:
        lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: test"]
        lines.append(b"Content-Length: %d" % len(body))
        lines += [name + b": " + value for name, value in (headers or {}).items()]
        self.sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        response = http.client.HTTPResponse(self.sock, method=method)
        response.begin()
        return Answer(response.status, response.read(), response.will_close)

    def close(self) -> None:
        self.sock.close()


def auth(key: str) -> dict[bytes, bytes]:
    return {b"Authorization": b"Basic " + base64.b64encode(key.encode())}


# --- the routes --------------------------------------------------------------------------------------


@dataclass
class RouteCase:
    method: str
    path: str
    params: list[str]
    query_names: set[str]
    form_names: set[str] = field(default_factory=set)
    json_names: set[str] = field(default_factory=set)
    needs_key: bool = False

    @property
    def paged(self) -> bool:
        return "page" in self.query_names

    @property
    def filtered(self) -> bool:
        return "query" in self.query_names

    def target(self, values: dict[str, str], query: str = "") -> bytes:
        path = self.path
        for name in self.params:
            path = path.replace("{" + name + "}", values[name])
        return (path + ("?" + query if query else "")).encode()


def _walk(routes: list) -> Iterator:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included routers
            yield from _walk(route.original_router.routes)
        else:
            yield route


def _params(dependant, kind: str) -> list:
    """The route's parameters of one kind (`query_params`, `body_params`), its dependencies' included."""
    found = list(getattr(dependant, kind))
    for dependency in dependant.dependencies:
        found += _params(dependency, kind)
    return found


def _needs_key(dependant) -> bool:
    return dependant.call is require_principal or any(_needs_key(d) for d in dependant.dependencies)


def _case(route: APIRoute, method: str) -> RouteCase:
    query_names = {param.alias for param in _params(route.dependant, "query_params")}
    extra = (route.openapi_extra or {}).get("parameters", [])
    query_names |= {param["name"] for param in extra if param["in"] == "query"}
    body_names: set[str] = set()
    body = _params(route.dependant, "body_params")
    for param in body:
        annotation = param.field_info.annotation
        body_names |= set(getattr(annotation, "model_fields", {})) or {param.alias}
    form = any(type(param.field_info).__name__ == "Form" for param in body)
    return RouteCase(
        method,
        route.path,
        list(route.param_convertors),
        query_names,
        form_names=body_names if form else set(),
        json_names=set() if form else body_names,
        # The read API's list pages check the key themselves (no dependencies: their fast path).
        needs_key=_needs_key(route.dependant) or route.endpoint.__name__ == "list_records",
    )


def every_route(database_url: str, data_dir: Path) -> list[RouteCase]:
    app = create_app(Settings(data_dir=data_dir), database_url)
    cases = []
    for route in _walk(app.routes):
        if isinstance(route, Mount):
            cases.append(RouteCase("GET", route.path + "/{file}", ["file"], set()))
        elif isinstance(route, APIRoute):
            cases += [_case(route, method) for method in sorted(route.methods)]
        elif route.path not in ("/docs/oauth2-redirect",):
            cases += [RouteCase(method, route.path, [], set()) for method in sorted(route.methods or ["GET"])]
    # Signing out ends the Portal session the other routes are sent with: last.
    return sorted(cases, key=lambda case: case.path == "/portal/logout")


# --- the bad inputs ----------------------------------------------------------------------------------

JSON_KEYS = {"name", "description", "platformKey", "url", "tags", "notificationEmails", "status", "api_key"}
FORM_KEYS = {"name", "api_key", "url", "description", "key"}


@dataclass
class Sent:
    target: bytes
    headers: dict[bytes, bytes]
    body: bytes = b""


def _json_body(case: RouteCase, value: str) -> bytes:
    """Every field the route's body takes (and a few common ones) holding `value`, written by `json.dumps`,
    which escapes NULs and surrogates as `\\u0000` and `\\ud800`."""
    document: dict = dict.fromkeys(case.json_names | JSON_KEYS, value)
    document["tags"] = {"region": value}
    document["nested"] = [{"inner": value}]
    return json.dumps(document).encode()


def _form_body(case: RouteCase, csrf: str, value: str) -> bytes:
    fields = dict.fromkeys(case.form_names | FORM_KEYS, value)
    return "&".join(f"{name}={value}" for name in fields).encode() + b"&csrf=" + csrf.encode()


JSON = {b"Content-Type": b"application/json"}
FORM = {b"Content-Type": b"application/x-www-form-urlencoded"}


def _query_all(case: RouteCase, value: str) -> str:
    names = case.query_names | {"query", "orderBy", "page", "pageSize", "tags", "code", "state"}
    return "&".join(f"{name}={value}" for name in sorted(names))


@dataclass
class Fuzz:
    ok: dict[bytes, bytes]  # a valid key and the Portal session
    csrf: str
    real: dict[str, str]  # path values that exist (for GETs)

    def values(self, case: RouteCase, bad: str | None = None) -> dict[str, str]:
        """Path values: the given bad one everywhere; otherwise real ids for reads, made-up ids for the
        rest (so a request that gets through changes nothing the other requests read)."""
        if bad is not None:
            return dict.fromkeys(case.params, bad)
        values = {name: self.real.get(name, str(uuid.uuid4())) for name in case.params}
        if case.method != "GET":
            values.update({name: str(uuid.uuid4()) for name in case.params if name.endswith(("Id", "_id"))})
        return values

    def inputs(self, case: RouteCase) -> dict[str, Sent]:
        plain = case.target(self.values(case))

        def at(query: str) -> bytes:
            return case.target(self.values(case), query)

        long_body = (
            _form_body(case, self.csrf, "z" * 10_000) if case.form_names else _json_body(case, "z" * 10_000)
        )
        with_json = {**self.ok, **JSON}
        with_form = {**self.ok, **FORM}
        kinds = {
            "NUL in the query (%00)": Sent(at(_query_all(case, "a%00b")), self.ok),
            "NUL in query= (%2500)": Sent(at("query=name%3Da%2500b"), self.ok),
            "surrogate in the query": Sent(at(_query_all(case, "%ED%A0%80")), self.ok),
            "NUL in JSON (\\u0000)": Sent(plain, with_json, _json_body(case, "a\x00b")),
            "lone surrogate in JSON (\\ud800)": Sent(plain, with_json, _json_body(case, "a\ud800b")),
            "UTF-8 surrogate in JSON": Sent(plain, with_json, b'{"name": "a\xed\xa0\x80b", "key": "x"}'),
            "raw NUL in JSON": Sent(plain, with_json, b'{"name": "a\x00b"}'),
            "NUL in a form (%00)": Sent(plain, with_form, _form_body(case, self.csrf, "a%00b")),
            "raw NUL in a form": Sent(plain, with_form, _form_body(case, self.csrf, "a\x00b")),
            "deep query, right key": Sent(at("query=" + quote(DEEP)), self.ok),
            "deep query, wrong key": Sent(at("query=" + quote(DEEP)), auth("wrong-" + uuid.uuid4().hex)),
            "huge page": Sent(at("page=1000000000&pageSize=5000"), self.ok),
            "long strings": Sent(
                case.target(self.values(case, "x" * 3000), _query_all(case, "y" * 3000)),
                with_form if case.form_names else with_json,
                long_body,
            ),
            "wrong key": Sent(plain, auth("wrong-" + uuid.uuid4().hex)),
            "garbage key": Sent(plain, {b"Authorization": b"Basic \xff\xfe%00\\u0000" + b"=" * 3000}),
        }
        if case.params:
            kinds["NUL in the path (%00)"] = Sent(case.target(self.values(case, "a%00b")), self.ok)
            kinds["surrogate in the path"] = Sent(case.target(self.values(case, "a%ED%A0%80b")), self.ok)
        return kinds


WRONG_KEYS = {"wrong key", "garbage key", "deep query, wrong key"}


def expected(case: RouteCase, kind: str) -> set[int] | None:
    """The statuses a kind of input may get on a route (None: anything below 500)."""
    if "NUL" in kind or kind.startswith(("lone surrogate", "UTF-8 surrogate")):
        return {400}
    if case.needs_key and kind in WRONG_KEYS:
        return {401}  # before any other check, and before any work
    if case.path.startswith("/companies/{companyId}") and case.paged:
        if kind == "huge page":
            return {400}
        if kind == "deep query, right key" and case.filtered:
            # A data set the company's platform lacks, or never fetched, is said first (404, 409).
            return {400, 404, 409}
    return None


def test_no_route_answers_bad_input_with_a_5xx_or_a_dropped_connection(
    served: RunningServer, tmp_path: Path
) -> None:
    with served.client() as api:  # not linked: a first pull would compete with the requests for the CPU
        company = api.post("/companies", json={"name": "Bad input Ltd"}).json()["id"]
        connection = api.post(f"/companies/{company}/connections", json={"platformKey": "mqjo"}).json()["id"]
    with http_sign_in(served) as (browser, csrf):
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    ok = {**auth(API_KEY), b"Cookie": cookie.encode()}
    real = {
        "companyId": company,
        "company_id": company,
        "connectionId": connection,
        "connection_id": connection,
        "platformKey": "mqjo",
        "key": "mqjo",
        "commerceKey": "aiwb",
        "accountingKey": "mqjo",
        "dataType": "invoices",
        "dataPath": "invoices",
        "variant": "logo",
        "file": "portal.css",
    }
    fuzz = Fuzz(ok, csrf, real)
    cases = every_route(served.database_url, tmp_path)
    assert len(cases) > 200 and any(c.path == "/link/oauth/callback" for c in cases)
    assert sum(case.needs_key for case in cases) > 140

    failures, sent = [], 0
    client = KeepAlive(served.base_url)
    for case in cases:
        for kind, request in fuzz.inputs(case).items():
            try:
                answer = client.send(case.method, request.target, request.headers, request.body)
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"{case.method} {case.path} [{kind}]: the connection failed ({exc!r})")
                client = KeepAlive(served.base_url)
                continue
            sent += 1
            want = expected(case, kind)
            if answer.status >= 500 or (want is not None and answer.status not in want):
                failures.append(f"{case.method} {case.path} [{kind}]: {answer.status} {answer.body[:200]!r}")
            if answer.closes:
                failures.append(f"{case.method} {case.path} [{kind}]: the server closed the connection")
                client = KeepAlive(served.base_url)
    client.close()
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures[:60])
    assert sent > 3000, sent
    assert "Traceback" not in served.log()


def test_refusals_are_codat_s_400_and_store_nothing(served: RunningServer) -> None:
    client = KeepAlive(served.base_url)
    headers = {**auth(API_KEY), **JSON}
    name = f"Nul {uuid.uuid4().hex[:8]}"
    for body in (
        json.dumps({"name": name + "\x00"}).encode(),
        json.dumps({"name": name, "description": "\ud800"}).encode(),
        json.dumps({"name": name, "tags": {"k\x00": "v"}}).encode(),
    ):
        refused = client.send("POST", b"/companies", headers, body)
        assert refused.status == 400, refused.body
        error = refused.json()
        assert error["statusCode"] == 400 and error["service"] == "PublicApi" and error["correlationId"]
        assert "NUL character or an unpaired surrogate" in error["error"] and "body" in error["error"]
    # An escaped backslash before `u0000` is text, and a pair of escaped surrogates is an emoji: both fine.
    text = "a \\u0000 \U0001f600"

    def body_of(name: str, description: str) -> bytes:
        return json.dumps({"name": name, "description": description}).encode()

    made = client.send("POST", b"/companies", headers, body_of(name, text))
    assert made.status == 200, made.body
    assert made.json()["description"] == text
    found = client.send("GET", f"/companies?query=name~{quote(name)}".encode(), auth(API_KEY)).json()
    assert found["totalResults"] == 1

    path = client.send("GET", b"/companies/%00", auth(API_KEY))
    assert path.status == 400 and "path" in path.json()["error"]
    query = client.send("GET", b"/companies?query=name%3D%2500", auth(API_KEY))
    assert query.status == 400 and "query string" in query.json()["error"]
    form = client.send("POST", b"/portal/login", FORM, b"api_key=%00&csrf=x")
    assert form.status == 400 and "body" in form.json()["error"]
    client.close()


def test_query_limits_and_offsets_are_codat_style_400s(served: RunningServer) -> None:
    client = KeepAlive(served.base_url)
    key = auth(API_KEY)
    nested = "{" * (MAX_QUERY_DEPTH + 1) + "name=a" + "}" * (MAX_QUERY_DEPTH + 1)
    deep = client.send("GET", f"/companies?query={quote(nested)}".encode(), key)
    assert deep.status == 400
    message = f"Error parsing query - Query must not nest braces more than {MAX_QUERY_DEPTH} deep."
    assert deep.json()["error"] == message
    allowed = "{" * MAX_QUERY_DEPTH + "name=a" + "}" * MAX_QUERY_DEPTH
    assert client.send("GET", f"/companies?query={quote(allowed)}".encode(), key).status == 200
    many = "||".join(["name=a"] * (MAX_QUERY_TERMS + 1))
    terms = client.send("GET", f"/companies?query={quote(many)}".encode(), key)
    assert terms.status == 400 and f"at most {MAX_QUERY_TERMS} comparisons" in terms.json()["error"]

    last = MAX_OFFSET // 5000 + 1
    assert client.send("GET", f"/companies?page={last}&pageSize=5000".encode(), key).status == 200
    beyond = client.send("GET", f"/companies?page={last + 1}&pageSize=5000".encode(), key)
    assert beyond.status == 400
    assert beyond.json()["error"] == f"page must be at most {last} when pageSize is 5000."
    client.close()


@pytest.mark.anyio
async def test_a_wrong_key_gets_no_list_page_shape_compiled(served: RunningServer) -> None:
    """The read API's fast path compiles a new `query=` only for a known key: a wrong one costs one key
    lookup, no parsing or compiling, and cannot push the shapes in use out of the cache."""
    engine = create_engine(served.database_url)
    invoices = registry.BY_KEY["invoices"]
    params = parse_page_params(None, None, f"amountDue>{uuid.uuid4().int % 10**9}", None)
    shape = reads.PageShape(invoices, params.query, None, (), engine.dialect)
    try:
        wrong = key_hashes("Basic " + base64.b64encode(b"wrong-key").decode())
        assert await reads.fast_page(engine, wrong, invoices, str(uuid.uuid4()), None, params, {}) is None
        assert reads.FAST_PAGES.cached(shape) is None
        right = key_hashes(served.auth_header)
        found = await reads.fast_page(engine, right, invoices, str(uuid.uuid4()), None, params, {})
        assert found is not None and found.source is None  # the key is known; that company is not there
        assert reads.FAST_PAGES.cached(shape) is not None
    finally:
        await engine.dispose()


def test_raw_nul_in_the_request_line_or_headers_is_refused_by_the_http_parser(served: RunningServer) -> None:
    """A raw NUL in the request line or a header is not HTTP: uvicorn's parser refuses it (400) and, as it
    cannot know where the next request starts, closes the connection. The app never sees it."""
    for head in (b"GET /companies/a\x00b HTTP/1.1", b"GET /companies?query=a\x00 HTTP/1.1"):
        with socket.create_connection(_address(served)) as sock:
            sock.sendall(head + b"\r\nHost: test\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 400 ")
    with socket.create_connection(_address(served)) as sock:
        sock.sendall(b"GET /companies HTTP/1.1\r\nHost: test\r\nX-Note: a\x00b\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 400 ")


def _address(served: RunningServer) -> tuple[str, int]:
    parts = urlsplit(served.base_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


@pytest.fixture
def exploding(served: RunningServer, tmp_path: Path) -> Iterator[str]:
    """The app under uvicorn (as `ledgerlink serve` runs it), with routes that fail unexpectedly."""
    configure("json")
    app = create_app(Settings(data_dir=tmp_path, worker_concurrency=0), served.database_url)

    @app.get("/explode")
    async def explode() -> None:
        raise RuntimeError("secret internal detail")

    @app.get("/link/explode")
    async def explode_page() -> None:
        raise RuntimeError("secret internal detail")

    port = free_port()
    # No lifespan: the app's reaches for the main thread's signals, and these routes need no workers.
    served = ThreadedServer(
        app, port, "the exploding app", log_config=None, log_level=None, access_log=False
    ).start(timeout=20)
    yield f"http://127.0.0.1:{port}"
    served.stop(timeout=20)


def test_an_unexpected_error_is_codat_s_500_and_keeps_the_connection(exploding: str, capfd) -> None:
    capfd.readouterr()
    client = KeepAlive(exploding)
    failed = client.send("GET", b"/explode")
    assert failed.status == 500 and not failed.closes
    body = failed.json()
    assert body["statusCode"] == 500 and body["error"] == "An unexpected error occurred."
    assert b"secret internal detail" not in failed.body
    # Logged once, with the correlation id; uvicorn did not see it (it would log it again and close).
    logged = capfd.readouterr().err
    assert logged.count("unhandled error") == 1 and body["correlationId"] in logged
    assert "Exception in ASGI application" not in logged
    page = client.send("GET", b"/link/explode")
    assert page.status == 500 and b"Something went wrong" in page.body and not page.closes
    # The same connection answers the next request.
    assert client.send("GET", b"/healthz").status == 200
    client.close()
