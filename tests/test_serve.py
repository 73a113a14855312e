"""`ledgerlink serve` on its embedded default, and `ledgerlink migrate`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
from sqlalchemy import create_engine, inspect

from ledgerlink.db import sqlalchemy_url
from tests.support.server import postgres_home, separate_database, start_server, stop_server


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(pgdata) in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


def test_serve_on_the_embedded_default_prints_a_key_once_and_stops_postgres() -> None:
    data_dir = postgres_home() / "data"
    first = start_server(data_dir, database_url=None, api_key=None)
    try:
        match = re.search(r"API key:\s+(\S+)", first.log())
        assert match, first.log()
        key = match.group(1)
        first.api_key = key
        with first.client() as client:
            created = client.post("/companies", json={"name": "Embedded"})
            assert created.status_code == 200
        assert postgres_processes((data_dir / "postgres").resolve())
        assert (data_dir / "secret.key").exists() and oct((data_dir / "secret.key").stat().st_mode)[
            -3:
        ] == "600"
    finally:
        assert stop_server(first) == 0
    assert not postgres_processes((data_dir / "postgres").resolve())

    # A second start keeps the data and the key, and prints no new key.
    second = start_server(data_dir, database_url=None, api_key=None)
    try:
        assert "API key:" not in second.log()
        second.api_key = key
        with second.client() as client:
            names = [c["name"] for c in client.get("/companies").json()["results"]]
            assert names == ["Embedded"]
    finally:
        stop_server(second)


def test_migrate_creates_the_schema(postgres: str) -> None:
    url = separate_database(postgres, "migrate_check")
    env = {**os.environ, "LEDGERLINK_DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "ledgerlink", "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    engine = create_engine(sqlalchemy_url(url))
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {
        "companies",
        "connections",
        "api_keys",
        "clients",
        "integrations",
        "events",
        "alembic_version",
    } <= tables


def test_public_url_is_the_base_of_handed_out_urls(postgres: str, tmp_path: Path) -> None:
    running = start_server(
        tmp_path,
        database_url=postgres,
        api_key="public-url-key",
        extra_env={"LEDGERLINK_PUBLIC_URL": "https://ledgerlink.example.com/"},
    )
    try:
        with running.client() as client:
            company = client.post("/companies", json={"name": "Public"}).json()
        assert company["redirect"] == f"https://ledgerlink.example.com/link/company/{company['id']}"
        assert httpx.get(f"{running.base_url}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{running.base_url}/readyz").status_code == 200
    finally:
        stop_server(running)


def test_a_postgres_orphaned_by_a_killed_serve_is_adopted_and_then_stopped() -> None:
    """SIGKILL leaves the embedded PostgreSQL running with the dead process still listed as holding it; the
    next start adopts it (data intact) and its SIGTERM stops it: no postgres of that data dir remains."""
    data_dir = postgres_home() / "data"
    pgdata = (data_dir / "postgres").resolve()
    first = start_server(data_dir, database_url=None, api_key="orphan-key")
    try:
        with first.client() as client:
            assert client.post("/companies", json={"name": "Before the crash"}).status_code == 200
    finally:
        first.process.kill()
        first.process.wait()
    orphans = postgres_processes(pgdata)
    assert orphans and (pgdata / "postmaster.pid").exists()
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])

    second = start_server(data_dir, database_url=None, api_key="orphan-key")
    try:
        assert postmaster in {p.pid for p in postgres_processes(pgdata)}  # adopted, not a second server
        with second.client() as client:
            names = [c["name"] for c in client.get("/companies").json()["results"]]
        assert names == ["Before the crash"]
    finally:
        assert stop_server(second) == 0
    assert not postgres_processes(pgdata), second.log()
    assert not (pgdata / "postmaster.pid").exists()
