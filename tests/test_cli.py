"""The `ledgerlink` command: a start that cannot go on says why in one line; no deprecation warnings; the
clients (tenants) an operator creates, lists, disables and enables, each scoped to its own data through the
API, Link, Sync Flow, the Portal and webhooks."""

from __future__ import annotations

import base64
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from ledgerlink.cli import app
from ledgerlink.db import sqlalchemy_url
from tests.support.commerce import start_url
from tests.support.pulls import link_sandbox, wait_for_pulls
from tests.support.server import (
    free_port,
    postgres_home,
    process_environment,
    separate_database,
    start_server,
    stop_server,
)
from tests.support.waits import wait_for_idle_queue, wait_for_periodic_run, wait_until
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import add_consumer, deliveries

FERNET_KEY = "dGhpcyBpcyBhIHRlc3Qga2V5IG9mIDMyIGJ5dGVzISE="  # 32 bytes, url-safe base64


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`ledgerlink ARGS` with warnings shown (`PYTHONWARNINGS=default`), as an operator would run it."""
    environment = {**process_environment(), "PYTHONWARNINGS": "default", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ledgerlink", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
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


# --- one line, no traceback ------------------------------------------------------------------------


def test_a_command_that_cannot_go_on_says_why_in_one_line(postgres: str, tmp_path: Path) -> None:
    """Each bad condition, run at once (they are independent): the line names the problem, nothing started."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    garbage_key, unreadable_key = tmp_path / "garbage-key", tmp_path / "unreadable-key"
    garbage_key.mkdir()
    (garbage_key / "secret.key").write_text("garbage")
    (unreadable_key / "secret.key").mkdir(parents=True)  # (tests run as root, who reads any file)
    closed = free_port()
    unreachable = {"LEDGERLINK_DATABASE_URL": f"postgresql://ledgerlink:hunter2@127.0.0.1:{closed}/x"}
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        cases = {
            # command and environment: the words the line must have
            ("serve", "--port", str(port), "--data-dir", str(tmp_path / "data")): (
                {},
                [f"127.0.0.1:{port}", "address already in use"],
            ),
            ("serve", "--data-dir", str(a_file)): ({}, [str(a_file), "not a directory"]),
            ("migrate", "--data-dir", str(a_file / "data")): ({}, [str(a_file / "data"), "Not a directory"]),
            ("clients", "list"): (unreachable, [f"database at 127.0.0.1:{closed}", "Connection refused"]),
            ("worker",): (
                {**unreachable, "LEDGERLINK_SECRET_KEY": FERNET_KEY},
                [f"database at 127.0.0.1:{closed}", "Connection refused"],
            ),
            ("migrate",): (
                {"LEDGERLINK_DATABASE_URL": "not a url"},
                ["LEDGERLINK_DATABASE_URL", "not a database"],
            ),
            ("serve", "--data-dir", str(tmp_path / "data2")): (
                {"LEDGERLINK_SECRET_KEY": "not-a-fernet-key"},
                ["LEDGERLINK_SECRET_KEY", "not a Fernet key"],
            ),
            ("serve", "--data-dir", str(garbage_key)): ({}, [f"{garbage_key}/secret.key", "not a Fernet"]),
            ("serve", "--data-dir", str(unreadable_key)): ({}, ["cannot read the secret key", "a directory"]),
            ("serve", "--data-dir", str(tmp_path / "data3")): (
                {"LEDGERLINK_PORT": "eighty"},
                ["LEDGERLINK_PORT", "'eighty'"],
            ),
            ("migrate", "--data-dir", str(tmp_path / "data4")): (
                {"LEDGERLINK_WEBHOOK_RETRY_SCHEDULE": "soon"},
                ["LEDGERLINK_WEBHOOK_RETRY_SCHEDULE", "'soon'"],
            ),
            ("serve", "--data-dir", str(tmp_path / "data5")): (
                {"LEDGERLINK_FILES_STORE": "s3"},
                ["LEDGERLINK_FILES_S3_BUCKET", "required when LEDGERLINK_FILES_STORE is s3"],
            ),
            ("serve", "--data-dir", str(tmp_path / "data6")): (
                {"LEDGERLINK_FILES_SCANNER": "nowhere.scanning:ClamAV"},
                [
                    "LEDGERLINK_FILES_SCANNER",
                    "cannot load nowhere.scanning:ClamAV",
                    "No module named 'nowhere'",
                ],
            ),
            ("clients", "disable", "Nobody"): (
                {"LEDGERLINK_DATABASE_URL": separate_database(postgres, "cli_nobody")},
                ["no client has the id or name 'Nobody'"],
            ),
        }
        with ThreadPoolExecutor(4) as pool:
            outcomes = pool.map(lambda args: run(*args, env=cases[args][0]), cases)
            results = dict(zip(cases, outcomes, strict=True))
    for args, (_, words) in cases.items():
        line = refused(results[args], *words)
        assert "hunter2" not in line  # a database URL's password is not repeated
    assert not (tmp_path / "data" / "postgres").exists()  # the port was found taken before anything started


def test_help_shows_every_option_s_default() -> None:
    runner = CliRunner()
    for command, options in {
        "serve": ("--host", "--port", "--data-dir", "--no-worker"),
        "worker": ("--concurrency", "--data-dir", "--metrics-port"),
        "migrate": ("--data-dir",),
        "clients list": ("--data-dir",),
    }.items():
        result = runner.invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        for option in options:
            line = next(line for line in result.output.splitlines() if option in line)
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


def listed(env: dict[str, str]) -> list[list[str]]:
    """`ledgerlink clients list`, its rows split into columns (the header checked)."""
    result = run("clients", "list", env=env)
    assert result.returncode == 0 and not result.stderr, result.stderr
    header, *rows = result.stdout.splitlines()
    assert re.split(r"\s{2,}", header) == ["ID", "NAME", "STATUS", "KEYS", "CREATED"]
    return [re.split(r"\s{2,}", row) for row in rows]


def test_the_worker_starts_and_stops_without_warnings(postgres: str) -> None:
    env = {
        **process_environment(),
        "PYTHONWARNINGS": "default",
        "LEDGERLINK_DATABASE_URL": separate_database(postgres, "cli_worker"),
        "LEDGERLINK_SECRET_KEY": FERNET_KEY,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "ledgerlink", "worker"], env=env, stderr=subprocess.PIPE, text=True
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
    _, errors = worker.communicate(timeout=30)
    output.append(errors)
    assert worker.returncode == 0, "".join(output)
    assert "DeprecationWarning" not in "".join(output), "".join(output)


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


def overdue_delivery(database_url: str, consumer_id: str) -> None:
    """One of the consumer's sent deliveries made pending again and due a minute ago, as if its wake-up job
    was lost: the maintenance wakes a run for it within seconds, unless something holds it back."""
    engine = create_engine(sqlalchemy_url(database_url))
    try:
        with engine.begin() as connection:
            changed = connection.execute(
                text(
                    "UPDATE webhook_deliveries"
                    " SET status = 'Pending', next_attempt_at = now() - interval '1 minute'"
                    " WHERE id = (SELECT id FROM webhook_deliveries WHERE consumer_id = :consumer"
                    " AND status <> 'Pending' LIMIT 1)"
                ),
                {"consumer": consumer_id},
            )
            assert changed.rowcount == 1
    finally:
        engine.dispose()


def test_two_clients_see_only_their_own_and_a_disabled_one_is_refused_everywhere(postgres: str) -> None:
    url = separate_database(postgres, "cli_tenants")
    env = {"LEDGERLINK_DATABASE_URL": url}
    with ThreadPoolExecutor(2) as pool:
        key_a, key_b = pool.map(
            lambda name: created_key(run("clients", "create", name, env=env)), ["Alpha Lending", "Beta Bank"]
        )
    refused(run("clients", "create", "beta bank", env=env), "already a client named 'beta bank'")
    rows = sorted(listed(env), key=lambda row: row[1])
    assert [row[1:4] for row in rows] == [["Alpha Lending", "Active", "1"], ["Beta Bank", "Active", "1"]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[4]) for row in rows)
    beta_id = rows[1][0]
    server = start_server(
        postgres_home(), database_url=url, api_key=None, extra_env={"PYTHONWARNINGS": "default"}
    )
    try:
        with (
            httpx.Client(base_url=server.base_url, headers=basic(key_a), timeout=30) as a,
            httpx.Client(base_url=server.base_url, headers=basic(key_b), timeout=30) as b,
            Receiver().start() as receiver_a,
            Receiver().start() as receiver_b,
        ):
            consumer_a = add_consumer(a, receiver_a)
            consumer_b = add_consumer(b, receiver_b)
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
            filtered = {"query": "id!=x"}  # (a filtered page takes the ordinary path, not the fast one)
            assert a.get(f"/companies/{company_b}/data/invoices", params=filtered).status_code == 404
            assert (
                a.post(f"/companies/{company_b}/connections", json={"platformKey": "mqjo"}).status_code == 404
            )
            consumers_a = a.get("/webhooks").json()["results"]
            assert [c["url"] for c in consumers_a] == [receiver_a.url]
            assert a.get(f"/webhooks/{consumer_b}").status_code == 404
            assert a.delete(f"/webhooks/{consumer_b}").status_code == 404

            # Link: each company's pages carry its own client's name.
            link_b = httpx.get(f"{server.base_url}/link/company/{company_b}", follow_redirects=True)
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
            # Deliveries are written with their events: once all are made, nothing else is on its way.
            for api, consumer in ((a, consumer_a), (b, consumer_b)):
                wait_until(
                    lambda api=api, consumer=consumer: all(
                        d["status"] == "Succeeded" for d in deliveries(api, consumer)
                    ),
                    what="every delivery made",
                )
            assert company_a in str(receiver_a.events()) and company_b not in str(receiver_a.events())
            assert company_b in str(receiver_b.events()) and company_a not in str(receiver_b.events())

            # B disabled: its key is refused everywhere; A is untouched.
            portal_b = Portal(server.base_url)
            assert portal_b.sign_in(key_b).status_code == 303
            flow_url_b = start_url(b, "Beta's Other Merchant")
            disabled = run("clients", "disable", "BETA BANK", env=env)
            assert disabled.stdout == f"Client 'Beta Bank' ({beta_id}) is disabled.\n", disabled.stderr
            statuses = {row[1]: row[2] for row in listed(env)}
            assert statuses == {"Alpha Lending": "Active", "Beta Bank": "Disabled"}
            refusal = b.get("/companies")
            assert refusal.status_code == 401 and refusal.json()["statusCode"] == 401
            fast = b.get(f"/companies/{company_b}/data/invoices")
            assert fast.status_code == 401 and fast.json()["error"] == "Unauthorized"
            assert b.get(f"/companies/{company_b}/data/invoices", params=filtered).status_code == 401
            assert httpx.get(f"{server.base_url}/link/company/{company_b}", timeout=30).status_code == 401
            assert httpx.get(flow_url_b, timeout=30).status_code == 401
            assert portal_b.page("/portal/companies").status_code == 303  # its session has ended
            assert Portal(server.base_url).sign_in(key_b).status_code == 401
            assert len(a.get("/companies").json()["results"]) == 2
            assert Portal(server.base_url).sign_in(key_a).status_code == 303
            # Its webhook deliveries wait: one overdue (maintenance, every second here, would wake it) is
            # not sent while B is disabled.
            sent_to_b = len(receiver_b.messages)
            overdue_delivery(url, consumer_b)
            wait_for_periodic_run(url, "webhooks-maintenance", after=time.time())
            wait_for_idle_queue(url, "webhooks")
            assert len(receiver_b.messages) == sent_to_b

            # Enabled again, B's key works as before.
            assert run("clients", "enable", beta_id, env=env).stdout.endswith("is active.\n")
            receiver_b.wait_for(lambda r: len(r.messages) == sent_to_b + 1, what="the delivery that waited")
            assert b.get(f"/companies/{company_b}/data/invoices").status_code == 200
            assert Portal(server.base_url).sign_in(key_b).status_code == 303
    finally:
        assert stop_server(server) == 0
    # (Deprecations: a psycopg ResourceWarning about a connection left open shows now and then under load.)
    assert "DeprecationWarning" not in server.log(), server.log()
