"""A real `ledgerlink serve` process for a test: started, waited for until healthy, stopped; the environment
every such process gets; and the databases of their own that tests give them on the suite's PostgreSQL."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


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
        # The suite shares its machine with other work, which a niced worker process would wait for: the
        # tests' time bounds are for the pulls' own work (test_worker_process.py checks the niceness).
        LEDGERLINK_WORKER_NICENESS="0",
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


@contextmanager
def own_server(
    postgres: str,
    directory: Path,
    database: str,
    *,
    api_key: str,
    env: dict[str, str] | None = None,
    args: list[str] | None = None,
) -> Iterator[RunningServer]:
    """A server of a test's (or a module's) own, on a database of its own named `database`, for settings the
    suite's shared server does not have; stopped when the block ends, however it ends."""
    running = start_server(
        directory,
        database_url=separate_database(postgres, database),
        api_key=api_key,
        extra_env=env,
        extra_args=args,
    )
    try:
        yield running
    finally:
        stop_server(running)
