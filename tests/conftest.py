"""Test fixtures: one embedded PostgreSQL and one real `ledgerlink serve` process for the whole run."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from ledgerlink.database import EmbeddedPostgres

API_KEY = "test-" + uuid.uuid4().hex

# In CI the property tests run the same examples every time, so a landing never hangs on a fresh draw;
# locally they explore new ones on every run.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    base_url: str
    api_key: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def auth_header(self) -> str:
        return "Basic " + base64.b64encode(self.api_key.encode()).decode()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers={"Authorization": self.auth_header}, timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    data_dir: Path,
    *,
    database_url: str | None,
    api_key: str | None,
    extra_env: dict[str, str] | None = None,
    extra_args: list[str] | None = None,
) -> RunningServer:
    port = free_port()
    env = process_environment()
    if database_url:
        env["LEDGERLINK_DATABASE_URL"] = database_url
    if api_key:
        env["LEDGERLINK_API_KEY"] = api_key
    env.update(extra_env or {})
    log_path = data_dir / "server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ledgerlink",
                "serve",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
                *(extra_args or []),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    server = RunningServer(f"http://127.0.0.1:{port}", api_key or "", database_url or "", process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ledgerlink serve exited early:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"ledgerlink serve did not become healthy:\n{server.log()}")


def process_environment() -> dict[str, str]:
    """The environment of a ledgerlink process a test starts: none of this shell's LEDGERLINK_ settings,
    maintenance every second with a short stall timeout, so recovery is observable within a test, no
    practical per-address rate limit, and outbound requests allowed to loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERLINK_")}
    env.update(
        LEDGERLINK_MAINTENANCE_CRON="* * * * * *",
        LEDGERLINK_WORKER_HEARTBEAT_SECONDS="1",
        LEDGERLINK_WORKER_STALLED_SECONDS="4",
        # Every test's requests come from 127.0.0.1: the per-address limit is tested in test_protection.py.
        LEDGERLINK_PUBLIC_RATE_LIMIT_PER_MINUTE="1000000",
        # The tests' receivers and fake platforms listen on loopback, which the outbound policy refuses
        # unless the operator opens it (kit/outbound.py).
        LEDGERLINK_OUTBOUND_ALLOW="127.0.0.0/8,::1",
    )
    return env


def stop_server(server: RunningServer) -> int:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.process.returncode


def postgres_home() -> Path:
    """A directory for an embedded PostgreSQL, outside pytest's temp tree: pytest resets that tree to mode
    700 whenever a session starts, which would lock out the unprivileged user PostgreSQL runs as."""
    return Path(tempfile.mkdtemp(prefix="ledgerlink-test-"))


def separate_database(postgres_url: str, name: str) -> str:
    """A database of its own on the test server (for a test that runs its own ledgerlink processes)."""
    from sqlalchemy.engine import make_url

    from ledgerlink.database import ensure_database

    ensure_database(postgres_url, name)
    return make_url(postgres_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A PostgreSQL server for the whole run (the same embedded server the product uses)."""
    home = postgres_home()
    embedded = EmbeddedPostgres(home)
    url = embedded.start()
    yield url
    embedded.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def server(postgres: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("server"), database_url=postgres, api_key=API_KEY)
    yield running
    stop_server(running)


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture
def sdk(server: RunningServer):
    """The official `codat-platform` SDK, pointed at the running server."""
    from codat_platform import CodatPlatform
    from codat_platform.models import shared

    return CodatPlatform(security=shared.Security(auth_header=server.auth_header), server_url=server.base_url)


@pytest.fixture
def db(server: RunningServer) -> Iterator[object]:
    """A plain SQL connection to the server's database, for checking what is (and is not) stored."""
    from sqlalchemy import create_engine

    from ledgerlink.db import sqlalchemy_url

    engine = create_engine(sqlalchemy_url(server.database_url))
    with engine.connect() as connection:
        yield connection
    engine.dispose()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# Browser tests: Playwright driving Debian's Chromium (`apt-get install chromium`; .ci/run installs it).
CHROMIUM = os.environ.get("LEDGERLINK_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots of every page a browser test visits, kept after the run.
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"


# Per module, not per session: Playwright's sync API keeps an event loop running in the main thread while
# it is open, which the async (anyio) tests of other modules could not run beside.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is needed for the browser tests: apt-get install chromium (looked for {CHROMIUM})"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


class Screenshots:
    """Numbered full-page screenshots of one test, under test-output/screenshots/<test>/."""

    def __init__(self, page: object, directory: Path) -> None:
        self.page = page
        self.directory = directory
        self.count = 0

    def __call__(self, name: str) -> Path:
        self.count += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture
def shoot(page: object, request: pytest.FixtureRequest) -> Screenshots:
    """`shoot("review")` saves a screenshot of the page as it is now."""
    return Screenshots(page, SCREENSHOTS / request.node.name.replace("/", "_"))


@pytest.fixture(scope="session")
def axe() -> object:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def accessible(page: object, axe: object):
    """`accessible()` runs axe-core on the page as it is now and fails on any WCAG A/AA violation."""

    def check() -> None:
        results = axe.run(
            page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
        )  # type: ignore[attr-defined]
        violations = results.response["violations"]
        assert not violations, "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
        )

    return check


@pytest.fixture(scope="module")
def site() -> Iterator[object]:
    """The client's own site (tests/link_harness.py), where Link sends the business back."""
    from tests.link_harness import ClientSite

    client_site = ClientSite()
    yield client_site
    client_site.httpd.shutdown()
