"""The embedded Link (Chromium against the real server): a client's page on another origin, with a strict
Content-Security-Policy and a nonce, loads `/link/sdk.js` and opens Link for a company with its access token.
Inline, a Sandbox connection is heard as `onConnection` and the end as `onFinish` (the client's redirect
is not followed in the frame); as a modal, leaving Link is `onClose` (in the frame, and by the modal's own
button); a token of another company is `onError`. A page of an origin the client does not allow cannot
frame Link and hears nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.support.link import ask_only_for
from tests.support.server import RunningServer, free_port
from tests.support.threaded import ThreadedServer

NONCE = "n0nce-for-the-test"
EVENTS = ("onConnection", "onFinish", "onClose", "onError")


def client_page(ledgerlink: str):
    """The client's own page: its strict policy allows scripts by nonce only, frames and forms to ledgerlink;
    every callback is recorded in `window.heard`."""

    async def page(request: Request) -> HTMLResponse:
        callbacks = ", ".join(f"{name}: hear({name!r})" for name in EVENTS)
        html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lendco: apply</title>
<script src="{ledgerlink}/link/sdk.js" nonce="{NONCE}"></script></head>
<body><main><h1>Apply for a loan</h1>
<button type="button" id="open">Connect your software</button>
<div id="link"></div><ol id="heard" aria-label="Heard"></ol></main>
<script nonce="{NONCE}">
  window.heard = [];
  var query = new URLSearchParams(location.search);
  function hear(name) {{
    return function (argument) {{
      window.heard.push({{ event: name, argument: argument === undefined ? null : argument }});
      var item = document.createElement("li");
      item.textContent = name;
      document.getElementById("heard").appendChild(item);
    }};
  }}
  document.getElementById("open").addEventListener("click", function () {{
    window.link = ledgerlinkLink.open({{
      companyId: query.get("company"), accessToken: query.get("token"),
      target: query.get("mode") === "inline" ? "#link" : undefined, {callbacks}
    }});
  }});
</script></body></html>"""
        policy = (
            f"default-src 'none'; script-src 'nonce-{NONCE}'; frame-src {ledgerlink}; "
            f"form-action {ledgerlink}; base-uri 'none'"
        )
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})

    return Starlette(routes=[Route("/", page)])


@dataclass
class ClientPages:
    allowed: str
    other: str


@pytest.fixture(scope="module")
def client_pages(server: RunningServer) -> Iterator[ClientPages]:
    """The client's page on an origin its CORS settings allow, and the same page on one they do not."""
    app = client_page(server.base_url)
    allowed = ThreadedServer(app, free_port(), "client-page").start()
    other = ThreadedServer(app, free_port(), "other-page").start()
    pages = ClientPages(
        f"http://127.0.0.1:{allowed.server.config.port}", f"http://127.0.0.1:{other.server.config.port}"
    )
    with server.client() as api:
        before = api.get("/corsSettings").json()
        changed = api.post("/corsSettings", json={"allowedOrigins": [pages.allowed]})
        assert changed.status_code == 200, changed.text
        try:
            yield pages
        finally:
            api.post("/corsSettings", json=before)
            allowed.stop()
            other.stop()


def heard(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("window.heard")


def wait_to_hear(page: Any, event: str, count: int = 1) -> list[dict[str, Any]]:
    # The list the page shows (a locator: the page's policy forbids the eval a predicate would need).
    page.get_by_role("list", name="Heard").get_by_text(event, exact=True).nth(count - 1).wait_for()
    return [h["argument"] for h in heard(page) if h["event"] == event]


def open_link(page: Any, origin: str, company: dict, token: str, mode: str) -> Any:
    page.goto(f"{origin}/?company={company['id']}&token={token}&mode={mode}")
    page.get_by_role("button", name="Connect your software").click()
    return page.frame_locator("iframe[name^=ledgerlink-link]")


def token_of(api, company: dict) -> str:
    answer = api.get(f"/companies/{company['id']}/accessToken")
    assert answer.status_code == 200, answer.text
    return answer.json()["accessToken"]


def test_inline_link_on_the_clients_page_reports_the_connection_and_the_finish(
    api, server, page, shoot, accessible, client_pages
) -> None:
    company = api.post("/companies", json={"name": "Embedded Emporium"}).json()
    ask_only_for(api, company["id"], "accounting")
    frame = open_link(page, client_pages.allowed, company, token_of(api, company), "inline")

    frame.get_by_role("heading", name="Connect your accounting software").wait_for()
    shoot("embedded-choose")
    accessible()
    frame.locator("a[data-key=mqjo]").click()
    frame.get_by_role("button", name="Connect").click()
    frame.get_by_role("button", name="Approve").click()
    frame.get_by_role("heading", name="You're connected").wait_for()
    (connection,) = wait_to_hear(page, "onConnection")
    linked = api.get(f"/companies/{company['id']}/connections").json()["results"]
    assert connection["connectionId"] == linked[0]["id"] and linked[0]["status"] == "Linked"
    assert connection["platform"] == "mqjo" and connection["sourceType"] == "Accounting"
    shoot("embedded-connected")
    # A message from anything but Link's frame (the client's page itself, in Link's shape) is not heard.
    page.evaluate("window.postMessage({source: 'ledgerlink', event: 'onFinish', payload: {}}, '*')")

    # The end is not the client's redirect inside the frame: onFinish, and the client's page decides.
    frame.get_by_role("link", name=re.compile("^Finish")).click()
    frame.get_by_role("heading", name="You're all set").wait_for()
    assert wait_to_hear(page, "onFinish") == [None]
    assert [h["event"] for h in heard(page)] == ["onConnection", "onFinish"]
    shoot("embedded-finished")

    # The end page itself, opened on its own (the visit's cookie), passes the accessibility checks.
    page.goto(f"{server.base_url}/link/company/{company['id']}/embedded/finish")
    assert page.get_by_role("heading", name="You're all set").is_visible()
    accessible()


def test_modal_link_reports_closing_and_a_wrong_token_as_an_error(
    api, page, shoot, accessible, client_pages
) -> None:
    company = api.post("/companies", json={"name": "Modal Merchants"}).json()
    frame = open_link(page, client_pages.allowed, company, token_of(api, company), "modal")
    dialog = page.get_by_role("dialog", name="Connect your software")
    frame.get_by_role("heading", name="Connect your accounting software").wait_for()
    close = dialog.get_by_role("button", name="Close")
    assert close.evaluate("b => b === document.activeElement")  # focus moves into the modal
    shoot("modal")
    accessible()

    # Leaving from inside Link (after its exit confirmation) is onClose.
    frame.locator("a[data-key=mqjo]").click()
    frame.get_by_role("link", name="Cancel").click()
    frame.get_by_role("button", name=re.compile("^Exit")).click()
    frame.get_by_role("heading", name="Connection cancelled").wait_for()
    assert wait_to_hear(page, "onClose") == [None]
    # So is the modal's own button; the modal goes and focus returns to what opened it.
    close.click()
    assert wait_to_hear(page, "onClose", 2) == [None, None]
    assert dialog.count() == 0
    assert page.get_by_role("button", name="Connect your software").evaluate(
        "b => b === document.activeElement"
    )

    # A token of another company: an error page, heard as onError with Codat's argument.
    other = api.post("/companies", json={"name": "Someone Else"}).json()
    frame = open_link(page, client_pages.allowed, company, token_of(api, other), "modal")
    frame.get_by_role("heading", name="This link is not valid").wait_for()
    (error,) = wait_to_hear(page, "onError")
    assert error["errorCode"] == 401 and "access token" in error["message"] and error["correlationId"]
    assert error["userRecoverable"] is False
    shoot("modal-error")
    assert api.get(f"/companies/{company['id']}/connections").json()["results"] == []
    page.evaluate("window.link.close()")

    # A company that does not exist (a mistyped id) is heard too, not a silent frame.
    frame = open_link(page, client_pages.allowed, {"id": "not-a-company"}, token_of(api, company), "modal")
    frame.get_by_role("heading", name="This link is not valid").wait_for()
    assert wait_to_hear(page, "onError")[-1]["errorCode"] == 404


def test_a_page_the_client_does_not_allow_cannot_frame_link_nor_hear_it(api, page, client_pages) -> None:
    company = api.post("/companies", json={"name": "Framed Elsewhere"}).json()
    answers = []
    page.on("response", lambda response: answers.append(response) if "/link/" in response.url else None)
    open_link(page, client_pages.other, company, token_of(api, company), "inline")
    page.wait_for_timeout(1000)
    (entry,) = [a for a in answers if "/link/embed/company/" in a.url]
    assert entry.status == 403
    assert "frame-ancestors 'none'" in entry.headers["content-security-policy"]
    framed = [f for f in page.frames if f.name.startswith("ledgerlink-link")]
    assert framed and not framed[0].url.startswith("http")  # the browser refused to show it
    assert heard(page) == []
