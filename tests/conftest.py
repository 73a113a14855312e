"""Test fixtures: one embedded PostgreSQL and one real `ledgerlink serve` process for the whole run."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerlink.database import EmbeddedPostgres
from ledgerlink.kit.auth import Principal
from tests.support import service_tier
from tests.support.server import RunningServer, postgres_home, start_server, stop_server

API_KEY = "test-" + uuid.uuid4().hex

# In CI the property tests run the same examples every time, so a landing never hangs on a fresh draw;
# locally they explore new ones on every run.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


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


@pytest.fixture(scope="session")
def lending(server: RunningServer):
    """The official `codat-lending` SDK, pointed at the running server."""
    from tests.support.receivables import lending_sdk

    return lending_sdk(server)


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


# The service tier (tests/service/): services on the suite's PostgreSQL, a rolled-back transaction per test.
@pytest.fixture(scope="session")
def service_database(postgres: str) -> str:
    return service_tier.migrated_database(postgres)


@pytest.fixture
async def sessionmaker(service_database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions inside the test's one transaction, rolled back when the test ends."""
    async with service_tier.rolled_back(service_database) as made:
        yield made


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as opened:
        yield opened


@pytest.fixture
async def principal(session: AsyncSession) -> Principal:
    """A client of the test's own, as its requests would be authenticated."""
    return await service_tier.new_principal(session)


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
    """The client's own site (tests/support/link.py), where Link sends the business back."""
    from tests.support.link import ClientSite

    client_site = ClientSite()
    yield client_site
    client_site.httpd.shutdown()
