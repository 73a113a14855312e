"""What the browser tests of Link share: the client's own site, where Link sends the business back, and a
server of a test's own whose client's redirect URL lands there."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from ledgerlink.oauth.flow import CALLBACK_PATH
from tests.support.oauth_server import OAuthTestServer
from tests.support.server import RunningServer, own_server

LANDING_TEMPLATE = (
    "/landed?company={companyId}&connection={connectionId}&status={statusCode}&platform={platform}"
    "&name={platformName}&type={sourceType}&error={errorMessage}&ref={ref}&missing={notGiven}"
)


LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
    b'<rect width="120" height="40" fill="#7b2cbf"/>'
    b'<text x="10" y="26" fill="#fff" font-family="sans-serif">Lendco</text></svg>'
)


class ClientSite:
    """The client's own site, where Link sends the business back."""

    def __init__(self) -> None:
        visits: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                visits.append(self.path)
                logo = self.path == "/logo.svg"
                body = (
                    LOGO if logo else b"<!doctype html><title>Back at the lender</title><h1>Welcome back</h1>"
                )
                self.send_response(200)
                self.send_header("content-type", "image/svg+xml" if logo else "text/html")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.visits = visits
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def landing(self) -> dict[str, str]:
        landings = [
            path for path in self.visits if path.startswith("/landed")
        ]  # not the browser's /favicon.ico
        assert landings, "the browser never reached the client's site"
        return {k: v[0] for k, v in parse_qs(urlsplit(landings[-1]).query, keep_blank_values=True).items()}


@contextmanager
def own_linking_server(
    postgres: str,
    directory: Path,
    database: str,
    api_key: str,
    site: ClientSite,
    env: dict[str, str],
    *,
    oauth: tuple[OAuthTestServer, str] | None = None,
) -> Iterator[RunningServer]:
    """A server on a database of its own, with `env`, whose client's `redirectUrl` lands on `site`; with
    `oauth` (a platform's authorization server and ledgerlink's client id there), the platform sends the
    business back to this server's callback. Stopped when the block ends."""
    with own_server(postgres, directory, database, api_key=api_key, env=env) as running:
        with running.client() as api:
            profile = api.get("/profile").json()
            changed = api.put("/profile", json={**profile, "redirectUrl": site.base + LANDING_TEMPLATE})
            assert changed.status_code == 200, changed.text
        if oauth is not None:
            platform, client_id = oauth
            platform.clients[client_id].redirect_uris[:] = [running.base_url + CALLBACK_PATH]
        yield running


def ask_only_for(api: httpx.Client, company_id: str, source_type: str) -> None:
    """The company's own Link settings ask for one source type (`banking`): a visit of one connection, as
    Link was before it walked accounting, banking and commerce in turn."""
    answer = api.put(f"/companies/{company_id}/linkSettings", json={"sourceTypes": {source_type: {}}})
    assert answer.status_code == 200, answer.text


@contextmanager
def lender_profile(server: RunningServer, site: ClientSite, **changes: object) -> Iterator[None]:
    """The shared server's client as the lender "Lendco" (its logo and a redirect URL landing on `site`),
    with `changes` to its profile, for the block; the profile is put back after."""
    with server.client() as api:
        profile = api.get("/profile").json()
        changed = api.put(
            "/profile",
            json={
                **profile,
                "name": "Lendco",
                "logoUrl": site.base + "/logo.svg",
                "redirectUrl": site.base + LANDING_TEMPLATE,
                **changes,
            },
        )
        assert changed.status_code == 200, changed.text
        try:
            yield
        finally:
            api.put("/profile", json=profile)
