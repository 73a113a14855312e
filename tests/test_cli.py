"""The `ledgerlink` command: a start that cannot go on says why in one line; no deprecation warnings; the
clients (tenants) an operator creates, lists, disables and enables, each scoped to its own data through the
API, Link, Sync Flow, the Portal and webhooks."""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.commerce_harness import start_url
from tests.conftest import (
    free_port,
    postgres_home,
    process_environment,
    separate_database,
    start_server,
    stop_server,
)
from tests.test_sync import link_sandbox, wait_for_pulls
from tests.test_webhooks import add_consumer
from tests.webhook_receiver import Receiver

FERNET_KEY = "dGhpcyBpcyBhIHRlc3Qga2V5IG9mIDMyIGJ5dGVzISE="  # 32 bytes, url-safe base64


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`ledgerlink ARGS` with warnings shown (`PYTHONWARNINGS=default`), as an operator would run it."""
    environment = {**process_environment(), "PYTHONWARNINGS": "default", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ledgerlink", *args], env=environment, capture_output=True, text=True,
        timeout=timeout,
    )


def refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The one line a refused command prints: `error: ...` on stderr naming the problem, exit status 1."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and all(word in lines[0] for word in words), lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert "listening" not in result.stdout + result.stderr
    assert result.returncode == 1
    return lines[0]


def closed_port() -> int:
    """A port nothing listens on."""
    return free_port()


# --- one line, no traceback ------------------------------------------------------------------------


def test_a_port_in_use_is_one_line_before_anything_starts(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), "--data-dir", str(tmp_path / "data"))
    refused(result, f"127.0.0.1:{port}", "address already in use")
    # Nothing started: no embedded PostgreSQL was made.
    assert not (tmp_path / "data" / "postgres").exists()


def test_a_data_directory_that_cannot_be_made_or_written(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    refused(run("serve", "--data-dir", str(a_file)), str(a_file), "not a directory")
    refused(run("migrate", "--data-dir", str(a_file / "data")), str(a_file / "data"), "Not a directory")


def test_an_unreachable_database_is_named_with_its_host_and_port() -> None:
    port = closed_port()
    env = {"LEDGERLINK_DATABASE_URL": f"postgresql://ledgerlink:secret@127.0.0.1:{port}/ledgerlink"}
    for command in (["migrate"], ["clients", "list"], ["serve", "--port", str(free_port())]):
        line = refused(run(*command, env=env), f"127.0.0.1:{port}", "Connection refused")
        assert "secret" not in line  # the URL's password is not repeated
    refused(run("migrate", env={"LEDGERLINK_DATABASE_URL": "not a url"}), "LEDGERLINK_DATABASE_URL")
    refused(
        run("worker", env={**env, "LEDGERLINK_SECRET_KEY": FERNET_KEY}), f"127.0.0.1:{port}", "Connection refused"
    )


def test_a_secret_key_that_is_not_a_fernet_key_or_cannot_be_read(tmp_path: Path) -> None:
    not_fernet = {"LEDGERLINK_SECRET_KEY": "not-a-fernet-key"}
    refused(run("serve", "--data-dir", str(tmp_path), env=not_fernet), "LEDGERLINK_SECRET_KEY", "not a Fernet key")
    worker_env = {**not_fernet, "LEDGERLINK_DATABASE_URL": "postgresql://127.0.0.1/x"}
    refused(run("worker", env=worker_env), "LEDGERLINK_SECRET_KEY", "not a Fernet key")

    (tmp_path / "secret.key").write_text("garbage")
    refused(run("serve", "--data-dir", str(tmp_path)), str(tmp_path / "secret.key"), "not a Fernet key")
    (tmp_path / "secret.key").unlink()
    (tmp_path / "secret.key").mkdir()  # (the tests run as root, which reads any file: unreadable this way)
    refused(run("serve", "--data-dir", str(tmp_path)), "cannot read the secret key", "Is a directory")


def test_an_invalid_setting_names_the_variable() -> None:
    refused(run("serve", env={"LEDGERLINK_PORT": "eighty"}), "LEDGERLINK_PORT", "'eighty'")
    refused(run("worker", env={"LEDGERLINK_LOG_FORMAT": "xml"}), "LEDGERLINK_LOG_FORMAT", "'xml'")
    refused(
        run("migrate", env={"LEDGERLINK_WEBHOOK_RETRY_SCHEDULE": "soon"}), "LEDGERLINK_WEBHOOK_RETRY_SCHEDULE"
    )


def test_help_shows_every_option_s_default() -> None:
    for command, options in {
        "serve": ("--host", "--port", "--data-dir", "--no-worker"),
        "worker": ("--concurrency", "--data-dir", "--metrics-port"),
        "migrate": ("--data-dir",),
    }.items():
        result = run(command, "--help", env={"COLUMNS": "200"})
        assert result.returncode == 0 and not result.stderr, result.stderr
        for option in options:
            line = next(line for line in result.stdout.splitlines() if option in line)
            assert "[default: " in line, line


# --- clients through the CLI, and their scoping through the real server ----------------------------


def created_key(result: subprocess.CompletedProcess[str]) -> str:
    """The key `clients create` printed, after checking its header is a line of its own within 80 columns."""
    assert result.returncode == 0, result.stderr
    key = re.search(r"API key: (\S+)", result.stdout).group(1)
    header = f"Authorization: Basic {base64.b64encode(key.encode()).decode()}"
    assert header in result.stdout.splitlines() and len(header) <= 80
    return key


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


def test_clients_create_list_disable_enable_through_the_cli(postgres: str) -> None:
    env = {"LEDGERLINK_DATABASE_URL": separate_database(postgres, "cli_clients")}
    first = run("clients", "create", "Acme Lending", env=env)
    created_key(first)
    created_key(run("clients", "create", "Bravo Bank", env=env))
    refused(run("clients", "create", "acme lending", env=env), "already a client named")

    listed = run("clients", "list", env=env)
    assert listed.returncode == 0 and "Warning" not in listed.stderr, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "STATUS", "KEYS", "CREATED"]
    assert [row.split("  ")[1].strip() for row in rows] == ["Acme Lending", "Bravo Bank"]
    assert all(" Active " in row and re.search(r"\s1\s+\d{4}-\d\d-\d\d \d\d:\d\d$", row) for row in rows)
    acme_id = rows[0].split()[0]

    assert run("clients", "disable", "ACME LENDING", env=env).stdout.strip().endswith("is disabled.")
    assert " Disabled " in run("clients", "list", env=env).stdout.splitlines()[1]
    assert run("clients", "enable", acme_id, env=env).stdout.strip().endswith("is active.")
    assert " Active " in run("clients", "list", env=env).stdout.splitlines()[1]
    refused(run("clients", "disable", "Nobody", env=env), "no client has the id or name 'Nobody'")


def test_the_worker_starts_and_stops_without_warnings(postgres: str) -> None:
    env = {
        **process_environment(),
        "PYTHONWARNINGS": "default",
        "LEDGERLINK_DATABASE_URL": separate_database(postgres, "cli_worker"),
        "LEDGERLINK_SECRET_KEY": FERNET_KEY,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "ledgerlink", "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    assert worker.stderr is not None
    output = []
    while time.monotonic() < deadline:
        line = worker.stderr.readline()
        output.append(line)
        if "worker running" in line or not line:
            break
    worker.send_signal(signal.SIGTERM)
    rest, errors = worker.communicate(timeout=30)
    output.append(errors)
    assert worker.returncode == 0, "".join(output)
    assert "Warning" not in "".join(output), "".join(output)


class Portal:
    """A Portal session over plain HTTP: the sign-in form's token, then the session cookie."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def sign_in(self, key: str) -> httpx.Response:
        form = self.http.get("/portal/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        return self.http.post("/portal/login", data={"api_key": key, "csrf": csrf})

    def page(self, path: str) -> httpx.Response:
        return self.http.get(path)


def test_two_clients_see_only_their_own_and_a_disabled_one_is_refused_everywhere(postgres: str) -> None:
    url = separate_database(postgres, "cli_tenants")
    env = {"LEDGERLINK_DATABASE_URL": url}
    key_a = created_key(run("clients", "create", "Alpha Lending", env=env))
    key_b = created_key(run("clients", "create", "Beta Bank", env=env))
    server = start_server(
        postgres_home(), database_url=url, api_key=None, extra_env={"PYTHONWARNINGS": "default"}
    )
    try:
        with httpx.Client(base_url=server.base_url, headers=basic(key_a), timeout=30) as a, \
                httpx.Client(base_url=server.base_url, headers=basic(key_b), timeout=30) as b, \
                Receiver().start() as receiver_a, Receiver().start() as receiver_b:
            add_consumer(a, receiver_a)
            add_consumer(b, receiver_b)
            company_a, _ = link_sandbox(a, "Alpha's Borrower")
            company_b, connection_b = link_sandbox(b, "Beta's Borrower")
            wait_for_pulls(b, company_b, at_least=5)

            # The API: companies, connections, data, each client's own only.
            assert [c["name"] for c in a.get("/companies").json()["results"]] == ["Alpha's Borrower"]
            assert [c["name"] for c in b.get("/companies").json()["results"]] == ["Beta's Borrower"]
            assert a.get(f"/companies/{company_b}").status_code == 404
            assert a.get(f"/companies/{company_b}/connections").status_code == 404
            assert a.get(f"/companies/{company_b}/connections/{connection_b}").status_code == 404
            assert b.get(f"/companies/{company_b}/data/invoices").json()["totalResults"] > 0
            assert a.get(f"/companies/{company_b}/data/invoices").status_code == 404
            assert a.get(f"/companies/{company_b}/data/invoices", params={"query": "id!=x"}).status_code == 404
            consumers_a = a.get("/webhooks").json()["results"]
            assert [c["url"] for c in consumers_a] == [receiver_a.url]

            # Link: each company's pages carry its own client's name.
            link_b = httpx.get(f"{server.base_url}/link/company/{company_b}", timeout=30, follow_redirects=True)
            assert "Beta Bank" in link_b.text and "Alpha Lending" not in link_b.text

            # Sync Flow: the merchant is its client's; A's start URL opened with B's client id finds nothing.
            flow_url = start_url(a, "Alpha's Merchant")
            client_b_id = re.search(r"/sync-flow/([^/]+)/", start_url(b, "Beta's Merchant")).group(1)
            swapped = re.sub(r"/sync-flow/[^/]+/", f"/sync-flow/{client_b_id}/", flow_url)
            assert httpx.get(swapped, timeout=30).status_code == 401
            assert httpx.get(flow_url, timeout=30).status_code == 303
            names_b = {c["name"] for c in b.get("/companies").json()["results"]}
            assert names_b == {"Beta's Borrower", "Beta's Merchant"}

            # The Portal: signed in as A, its name in the header and nothing of B's.
            portal_a = Portal(server.base_url)
            assert portal_a.sign_in(key_a).status_code == 303
            companies = portal_a.page("/portal/companies").text
            assert 'class="client-name">Alpha Lending<' in companies
            assert "Alpha&#39;s Borrower" in companies and "Beta" not in companies
            assert portal_a.page(f"/portal/companies/{company_b}").status_code == 404

            # Webhooks: each consumer got its own client's events only.
            receiver_b.wait_for(lambda r: len(r.events()) >= 3, what="B's events")
            receiver_a.wait_for(lambda r: len(r.events()) >= 3, what="A's events")
            time.sleep(0.5)
            assert company_a in str(receiver_a.events()) and company_b not in str(receiver_a.events())
            assert company_b in str(receiver_b.events()) and company_a not in str(receiver_b.events())

            # B disabled: its key is refused everywhere; A is untouched.
            portal_b = Portal(server.base_url)
            assert portal_b.sign_in(key_b).status_code == 303
            flow_url_b = start_url(b, "Beta's Other Merchant")
            assert run("clients", "disable", "Beta Bank", env=env).returncode == 0
            refusal = b.get("/companies")
            assert refusal.status_code == 401 and refusal.json()["statusCode"] == 401
            fast = b.get(f"/companies/{company_b}/data/invoices")
            assert fast.status_code == 401 and fast.json()["error"] == "Unauthorized"
            assert b.get(f"/companies/{company_b}/data/invoices", params={"query": "id!=x"}).status_code == 401
            assert httpx.get(f"{server.base_url}/link/company/{company_b}", timeout=30).status_code == 401
            assert httpx.get(flow_url_b, timeout=30).status_code == 401
            assert portal_b.page("/portal/companies").status_code == 303  # its session has ended
            assert Portal(server.base_url).sign_in(key_b).status_code == 401
            assert len(a.get("/companies").json()["results"]) == 2
            assert Portal(server.base_url).sign_in(key_a).status_code == 303

            # Enabled again, B's key works as before.
            assert run("clients", "enable", "Beta Bank", env=env).returncode == 0
            assert b.get(f"/companies/{company_b}/data/invoices").status_code == 200
            assert Portal(server.base_url).sign_in(key_b).status_code == 303
    finally:
        assert stop_server(server) == 0
    assert "Warning" not in server.log(), server.log()
