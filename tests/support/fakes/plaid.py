"""A stateful fake of Plaid: its API (the endpoints the connector uses) and a stand-in for Plaid Link (the
`link-initialize.js` script and the consent pages it frames).

It keeps link tokens, public tokens, items with their access tokens, accounts and transactions, and each
item's change log, from which `/transactions/sync` answers by cursor (added / modified / removed since the
cursor, paged by `count`, and `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION` when the item changes between
pages of one pass). Seed data is the spec's own examples: the accounts of `/accounts/balance/get`, the
transactions of `/transactions/sync`, the institutions of `/institutions/get_by_id` and `/item/get`.
Tests script failures: an item's error (`ITEM_LOGIN_REQUIRED`), 429s with or without `Retry-After`, 5xx.

Every API request and response is validated with openapi-core against Plaid's official spec
(`plaid-2020-09-14.yml`, loaded once per test session); a violation is kept in `violations` (tests assert
there is none) and answered with a 500, so it cannot pass unnoticed.
"""

from __future__ import annotations

import base64
import copy
import html
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from tests.support import specs
from tests.support.fakes.common import describe_violation
from tests.support.threaded import ThreadedServer

SPECS = specs.PLAID
SPEC_FILE = "plaid-2020-09-14.yml"
API_HOST = "https://production.plaid.com"
SCRIPT_PATH = "/link/v2/stable/link-initialize.js"
LINK_TOKEN_SECONDS = 4 * 3600


# ------------------------------------------------------------------------------------------------ specs
@cache
def spec_document() -> dict[str, Any]:
    """Plaid's spec, parsed once per test session (3 MB of YAML)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((SPECS / SPEC_FILE).read_text(), Loader=loader)


@cache
def validator() -> Any:
    """openapi-core's app of the spec; checked by openapi-spec-validator first, and loaded without that
    check should a later edition of the spec fail it (validating exchanges against it is what matters)."""
    from openapi_core import Config, OpenAPI
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    document = spec_document()
    try:
        return OpenAPI.from_dict(document)
    except OpenAPIValidationError:
        return OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))


def spec_example(path: str) -> dict[str, Any]:
    """The example of the 200 response of `POST path` in Plaid's spec."""
    content = spec_document()["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]
    return copy.deepcopy(content["examples"]["example-1"]["value"])


def seed() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(accounts, transactions, institutions) as the spec's examples give them."""
    accounts = spec_example("/accounts/balance/get")["accounts"]
    synced = spec_example("/transactions/sync")
    transactions = synced["added"] + synced["modified"]
    institutions = [spec_example("/institutions/get_by_id")["institution"]]
    item = spec_example("/item/get")["item"]
    template = copy.deepcopy(institutions[0])
    template.update(institution_id=item["institution_id"], name=item["institution_name"])
    institutions.append(template)
    return accounts, transactions, institutions


# ------------------------------------------------------------------------------------------------ state
@dataclass
class Event:
    seq: int
    kind: str  # "added", "modified" or "removed"
    transaction_id: str
    # The transaction as it stood after this event (None for a removal).
    snapshot: dict[str, Any] | None


@dataclass
class Item:
    item_id: str
    access_token: str
    institution_id: str
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    # An item error Plaid reports on every product call (`ITEM_LOGIN_REQUIRED`), or None.
    error: str | None = None
    # The item's last event when a page with `has_more` was answered, by the cursor it handed out.
    paginating: dict[str, int] = field(default_factory=dict)

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    def state_at(self, transaction_id: str, seq: int) -> dict[str, Any] | None:
        state = None
        for event in self.events:
            if event.seq > seq:
                break
            if event.transaction_id == transaction_id:
                state = event.snapshot
        return state

    def transactions(self) -> dict[str, dict[str, Any]]:
        current: dict[str, dict[str, Any]] = {}
        for event in self.events:
            if event.snapshot is None:
                current.pop(event.transaction_id, None)
            else:
                current[event.transaction_id] = event.snapshot
        return current


@dataclass
class LinkToken:
    token: str
    body: dict[str, Any]
    expires: float


class PlaidFake:
    """`start()`/`stop()`; `base_url` (the API) and `script_url` (Plaid Link) for the connector."""

    def __init__(self, client_id: str, secret: str) -> None:
        self.client_id = client_id
        self.secret = secret
        self.lock = threading.Lock()
        self.link_tokens: dict[str, LinkToken] = {}
        self.public_tokens: dict[str, str] = {}
        self.items: dict[str, Item] = {}
        self.cursors: dict[str, tuple[str, int]] = {}
        self.seq = 0
        self.seed_accounts, self.seed_transactions, institutions = seed()
        self.institutions = {i["institution_id"]: i for i in institutions}
        self.violations: list[str] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        # Scripted refusals of the next API calls: 429s (the Retry-After to send, or None) and 5xx statuses.
        self.rate_limits: list[float | None] = []
        self.failures: list[int] = []
        # Whether `/item/get` names the institution (older items do not: the connector asks
        # `/institutions/get_by_id`).
        self.item_names_institution = True
        # Called after each `/transactions/sync` page is answered (tests change the item mid-pass).
        self.after_sync_page: Callable[[Item], None] | None = None
        self._hook: Callable[[], None] | None = None
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.script_url = self.base_url + SCRIPT_PATH
        self._served: ThreadedServer | None = None

    # ----------------------------------------------------------------------------------------- control
    def start(self) -> PlaidFake:
        validator()  # loaded before the first request, outside its timeout
        self._served = ThreadedServer(Starlette(routes=self.routes()), self.port, "the fake Plaid").start()
        return self

    def stop(self) -> None:
        if self._served is not None:
            self._served.stop()

    def reset(self) -> None:
        with self.lock:
            self.rate_limits.clear()
            self.failures.clear()
            self.after_sync_page = None
            self.item_names_institution = True

    def item(self, access_token: str | None = None) -> Item:
        """The item of an access token (the latest item without one)."""
        if access_token is None:
            return list(self.items.values())[-1]
        return next(i for i in self.items.values() if i.access_token == access_token)

    def create_item(self, institution_id: str | None = None) -> Item:
        """A business linking its bank: a new item with the seed accounts and transactions."""
        with self.lock:
            item = Item(
                item_id=_plaid_id(),
                access_token=f"access-sandbox-{uuid.uuid4()}",
                institution_id=institution_id or next(iter(self.institutions)),
            )
            item.accounts = {a["account_id"]: copy.deepcopy(a) for a in self.seed_accounts}
            self.items[item.item_id] = item
            for transaction in self.seed_transactions:
                self._record(item, "added", copy.deepcopy(transaction))
        return item

    def add_transaction(self, item: Item, **fields: Any) -> dict[str, Any]:
        """A new transaction on the item, made from the first seed transaction with `fields` changed."""
        transaction = {**copy.deepcopy(self.seed_transactions[0]), "transaction_id": _plaid_id(), **fields}
        with self.lock:
            self._record(item, "added", transaction)
        return transaction

    def modify_transaction(self, item: Item, transaction_id: str, **fields: Any) -> dict[str, Any]:
        with self.lock:
            transaction = {**copy.deepcopy(item.transactions()[transaction_id]), **fields}
            self._record(item, "modified", transaction)
        return transaction

    def remove_transaction(self, item: Item, transaction_id: str) -> None:
        with self.lock:
            self._record(item, "removed", {"transaction_id": transaction_id})

    def post_pending(self, item: Item, transaction_id: str) -> dict[str, Any]:
        """A pending transaction clears, as Plaid shows it: the pending one is removed and a posted one,
        naming it in `pending_transaction_id`, is added."""
        pending = item.transactions()[transaction_id]
        self.remove_transaction(item, transaction_id)
        return self.add_transaction(
            item,
            **{
                **pending,
                "transaction_id": _plaid_id(),
                "pending": False,
                "pending_transaction_id": transaction_id,
            },
        )

    def _record(self, item: Item, kind: str, transaction: dict[str, Any]) -> None:
        self.seq += 1
        snapshot = None if kind == "removed" else transaction
        item.events.append(Event(self.seq, kind, transaction["transaction_id"], snapshot))

    # ----------------------------------------------------------------------------------------- routes
    def routes(self) -> list[Route]:
        api = {
            "/link/token/create": self._link_token_create,
            "/item/public_token/exchange": self._public_token_exchange,
            "/item/get": self._item_get,
            "/institutions/get_by_id": self._institution_get,
            "/accounts/get": self._accounts_get,
            "/accounts/balance/get": self._accounts_get,
            "/transactions/sync": self._transactions_sync,
        }
        return [
            *(Route(path, self._api(path, handler), methods=["POST"]) for path, handler in api.items()),
            Route(SCRIPT_PATH, self._script, methods=["GET"]),
            Route("/link/consent", self._consent, methods=["GET", "POST"]),
        ]

    def _api(self, path: str, handler: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]) -> Any:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            with self.lock:
                self.requests.append((path, body))
                status, answer = self._answer(request, body, handler)
                hook, self._hook = self._hook, None
            if hook is not None:
                # The item changes after this page was made, before the connector asks for the next one.
                hook()
            response = self._validated(request, path, raw, status, answer)
            if status == 429 and isinstance(answer.get("_retry_after"), str):
                response.headers["Retry-After"] = answer["_retry_after"]
            return response

        return endpoint

    def _answer(
        self, request: Request, body: dict[str, Any], handler: Callable[[dict[str, Any]], tuple[int, dict]]
    ) -> tuple[int, dict[str, Any]]:
        """Plaid's checks before any endpoint answers: the client's keys, then scripted refusals."""
        client_id = request.headers.get("plaid-client-id") or body.get("client_id")
        secret = request.headers.get("plaid-secret") or body.get("secret")
        if client_id != self.client_id or secret != self.secret:
            return _error(400, "INVALID_INPUT", "INVALID_API_KEYS", "invalid client_id or secret provided")
        if self.rate_limits:
            wait = self.rate_limits.pop(0)
            status, error = _error(
                429, "RATE_LIMIT_EXCEEDED", "TRANSACTIONS_SYNC_LIMIT", "rate limit exceeded for this item"
            )
            if wait is not None:
                error["_retry_after"] = str(int(wait))
            return status, error
        if self.failures:
            return _error(self.failures.pop(0), "API_ERROR", "INTERNAL_SERVER_ERROR", "an unexpected error")
        return handler(body)

    def _item_of(self, body: dict[str, Any]) -> tuple[Item | None, tuple[int, dict[str, Any]] | None]:
        token = body.get("access_token")
        item = next((i for i in self.items.values() if i.access_token == token), None)
        if item is None:
            return None, _error(
                400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN", "provided access token is invalid"
            )
        if item.error:
            return None, _error(
                400, "ITEM_ERROR", item.error, "the login details of this item have changed", display=True
            )
        return item, None

    def _link_token_create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        token = f"link-sandbox-{uuid.uuid4()}"
        expires = time.time() + LINK_TOKEN_SECONDS
        self.link_tokens[token] = LinkToken(token, body, expires)
        return 200, {"link_token": token, "expiration": _iso(expires), "request_id": _request_id()}

    def _public_token_exchange(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item_id = self.public_tokens.pop(body.get("public_token") or "", None)
        if item_id is None:
            return _error(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN", "provided public token is invalid")
        item = self.items[item_id]
        return 200, {"access_token": item.access_token, "item_id": item.item_id, "request_id": _request_id()}

    def _item_view(self, item: Item) -> dict[str, Any]:
        view = spec_example("/item/get")["item"]
        view.update(item_id=item.item_id, institution_id=item.institution_id, error=None)
        if self.item_names_institution:
            view["institution_name"] = self.institutions[item.institution_id]["name"]
        else:
            view.pop("institution_name", None)
        return view

    def _item_get(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item, refused = self._item_of(body)
        if refused:
            return refused
        assert item is not None
        return 200, {"item": self._item_view(item), "request_id": _request_id()}

    def _institution_get(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        institution = self.institutions.get(body.get("institution_id") or "")
        if institution is None:
            return _error(400, "INVALID_INPUT", "INVALID_INSTITUTION", "invalid institution_id provided")
        return 200, {"institution": copy.deepcopy(institution), "request_id": _request_id()}

    def _accounts_get(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item, refused = self._item_of(body)
        if refused:
            return refused
        assert item is not None
        accounts = [copy.deepcopy(a) for a in item.accounts.values()]
        return 200, {"accounts": accounts, "item": self._item_view(item), "request_id": _request_id()}

    def _transactions_sync(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item, refused = self._item_of(body)
        if refused:
            return refused
        assert item is not None
        cursor = body.get("cursor") or ""
        start = 0
        if cursor:
            if cursor not in self.cursors or self.cursors[cursor][0] != item.item_id:
                return _error(400, "INVALID_INPUT", "INVALID_FIELD", "cursor is not valid for this item")
            start = self.cursors[cursor][1]
            began = item.paginating.get(cursor)
            if began is not None and began != item.last_seq:
                return _error(
                    400,
                    "TRANSACTIONS_ERROR",
                    "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
                    "underlying transaction data changed since last page was fetched",
                )
        count = int(body.get("count") or 100)
        touched: dict[str, Event] = {}
        end = start
        for event in item.events:
            if event.seq <= start:
                continue
            if event.transaction_id not in touched and len(touched) >= count:
                break
            touched[event.transaction_id] = event
            end = event.seq
        added, modified, removed = [], [], []
        for transaction_id, last in touched.items():
            before = item.state_at(transaction_id, start)
            if last.snapshot is not None:
                (modified if before is not None else added).append(copy.deepcopy(last.snapshot))
            elif before is not None:
                removed.append({"transaction_id": transaction_id, "account_id": before["account_id"]})
        next_cursor = self._cursor(item, end)
        has_more = end < item.last_seq
        if has_more:
            item.paginating[next_cursor] = item.last_seq
        seen = {t["account_id"] for t in added + modified}
        answer = {
            "accounts": [copy.deepcopy(a) for a in item.accounts.values() if a["account_id"] in seen],
            "added": added,
            "modified": modified,
            "removed": removed,
            "next_cursor": next_cursor,
            "has_more": has_more,
            "request_id": _request_id(),
            "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
        }
        if self.after_sync_page is not None:
            change, self.after_sync_page = self.after_sync_page, None
            self._hook = lambda: change(item)
        return 200, answer

    def _cursor(self, item: Item, seq: int) -> str:
        cursor = base64.b64encode(f"{item.item_id}:{seq}:{secrets.token_hex(4)}".encode()).decode()
        self.cursors[cursor] = (item.item_id, seq)
        return cursor

    # ------------------------------------------------------------------------------------ validation
    def _validated(
        self, request: Request, path: str, raw: bytes, status: int, body: dict[str, Any]
    ) -> Response:
        """The response, after checking the request and the response against Plaid's spec."""
        from openapi_core.exceptions import OpenAPIError
        from openapi_core.testing import MockRequest, MockResponse

        body = {k: v for k, v in body.items() if not k.startswith("_")}
        headers = {k.lower(): v for k, v in request.headers.items()}
        mock_request = MockRequest(
            API_HOST, "post", path, headers=headers, data=raw, content_type="application/json"
        )
        content = json.dumps(body).encode()
        problems = []
        try:
            validator().validate_request(mock_request)
        except OpenAPIError as error:
            problems.append(f"request {path}: {describe_violation(error)}")
        try:
            validator().validate_response(
                mock_request, MockResponse(content, status_code=status, content_type="application/json")
            )
        except OpenAPIError as error:
            problems.append(f"response {path} {status}: {describe_violation(error)}")
        if problems:
            self.violations.extend(problems)
            status, body = _error(500, "API_ERROR", "INTERNAL_SERVER_ERROR", "; ".join(problems)[:900])
            content = json.dumps(body).encode()
        return Response(content, status_code=status, media_type="application/json")

    # ----------------------------------------------------------------------------------- Plaid Link
    async def _script(self, request: Request) -> Response:
        return Response(LINK_SCRIPT, media_type="text/javascript")

    async def _consent(self, request: Request) -> Response:
        """Plaid Link's pages in the frame: choose a bank and continue (or exit); the result is posted to
        the page that opened Link."""
        if request.method == "GET":
            token = request.query_params.get("token", "")
            if not self._link_token_valid(token):
                return _result_page({"type": "exit", "error": _link_error("INVALID_LINK_TOKEN")})
            options = "".join(
                f'<label><input type="radio" name="institution_id" value="{html.escape(i)}"'
                f"{' checked' if n == 0 else ''}> {html.escape(inst['name'])}</label>"
                for n, (i, inst) in enumerate(self.institutions.items())
            )
            return HTMLResponse(
                "<!doctype html><html lang=en><title>Plaid Link</title><body>"
                "<form method=post action=/link/consent>"
                f'<input type=hidden name=token value="{html.escape(token)}">'
                f"<fieldset><legend>Select your bank</legend>{options}</fieldset>"
                "<button name=action value=continue>Continue</button>"
                "<button name=action value=exit>Exit</button>"
                "</form></body></html>"
            )
        form = await request.form()
        token = str(form.get("token", ""))
        if not self._link_token_valid(token):
            return _result_page({"type": "exit", "error": _link_error("INVALID_LINK_TOKEN")})
        if form.get("action") != "continue":
            return _result_page({"type": "exit", "error": None})
        institution_id = str(form.get("institution_id") or next(iter(self.institutions)))
        public_token = self.complete_link(token, institution_id)
        institution = self.institutions[institution_id]
        return _result_page(
            {
                "type": "success",
                "public_token": public_token,
                "metadata": {"institution": {"institution_id": institution_id, "name": institution["name"]}},
            }
        )

    def _link_token_valid(self, token: str) -> bool:
        link = self.link_tokens.get(token)
        return link is not None and link.expires > time.time()

    def complete_link(self, link_token: str, institution_id: str | None = None) -> str:
        """What the business's success in Plaid Link does at Plaid: an item, and a one-time public token."""
        item = self.create_item(institution_id)
        public_token = f"public-sandbox-{uuid.uuid4()}"
        with self.lock:
            self.public_tokens[public_token] = item.item_id
        return public_token


# The stand-in for Plaid's `link-initialize.js`: `Plaid.create({token, onSuccess, onExit})` returns a handler
# whose `open()` frames this fake's consent page and relays its result, as Plaid Link does.
LINK_SCRIPT = """
(function () {
  var origin = new URL(document.currentScript.src).origin;
  window.Plaid = {
    create: function (options) {
      var frame = null;
      function close() {
        window.removeEventListener("message", listen);
        if (frame) frame.remove();
        frame = null;
      }
      function listen(event) {
        if (event.origin !== origin || !frame || event.source !== frame.contentWindow) return;
        var message = event.data || {};
        if (message.type === "success") {
          close();
          options.onSuccess(message.public_token, message.metadata || {});
        } else if (message.type === "exit") {
          close();
          if (options.onExit) options.onExit(message.error || null, {});
        }
      }
      return {
        open: function () {
          if (frame) return;
          frame = document.createElement("iframe");
          frame.id = "plaid-link-iframe";
          frame.title = "Plaid Link";
          frame.src = origin + "/link/consent?token=" + encodeURIComponent(options.token);
          window.addEventListener("message", listen);
          document.body.appendChild(frame);
        },
        exit: function () { close(); if (options.onExit) options.onExit(null, {}); },
        destroy: close,
      };
    },
  };
})();
"""


def _result_page(message: dict[str, Any]) -> HTMLResponse:
    data = html.escape(json.dumps(message))
    return HTMLResponse(
        "<!doctype html><html lang=en><title>Plaid Link</title><body>"
        f'<div id=result data-message="{data}">Done</div>'
        "<script>parent.postMessage(JSON.parse(document.getElementById('result').dataset.message), '*');"
        "</script></body></html>"
    )


def result_of(page: str) -> dict[str, Any]:
    """The message a consent result page posts to the page that opened Plaid Link."""
    start = page.index('data-message="') + len('data-message="')
    return json.loads(html.unescape(page[start : page.index('"', start)]))


def _link_error(code: str) -> dict[str, Any]:
    return {
        "error_type": "INVALID_INPUT",
        "error_code": code,
        "error_message": code.lower(),
        "display_message": None,
    }


def _error(
    status: int, error_type: str, code: str, message: str, *, display: bool = False
) -> tuple[int, dict[str, Any]]:
    return status, {
        "error_type": error_type,
        "error_code": code,
        "error_message": message,
        "display_message": message if display else None,
        "request_id": _request_id(),
        "status": status,
        "documentation_url": f"https://plaid.com/docs/errors/#{code.lower()}",
        "suggested_action": None,
    }


def _plaid_id() -> str:
    return secrets.token_urlsafe(27)[:37]


def _request_id() -> str:
    return secrets.token_urlsafe(11)[:15]


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).date().isoformat()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
