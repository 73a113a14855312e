"""What a start, a slow read and a failed statement leave behind: `LEDGERLINK_API_KEY` is seeded once (a key
deleted through the API stays deleted), a read over `LEDGERLINK_READ_STATEMENT_TIMEOUT_SECONDS` is answered
503 while writes are not bounded, and logs never carry a failed statement's values."""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine, text

from ledgerlink.db import sqlalchemy_url
from tests.support.server import RunningServer, own_server, start_server, stop_server

READ_TIMEOUT = 0.5


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


@pytest.fixture(scope="module")
def bounded(postgres: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with own_server(
        postgres,
        tmp_path_factory.mktemp("bounded"),
        "bounded",
        api_key="bounded-key",
        env={"LEDGERLINK_READ_STATEMENT_TIMEOUT_SECONDS": str(READ_TIMEOUT)},
    ) as running:
        yield running


@pytest.fixture
def sql(bounded: RunningServer) -> Iterator[object]:
    engine = create_engine(sqlalchemy_url(bounded.database_url))
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def test_a_read_over_the_statement_timeout_is_503_and_writes_are_not_bounded(
    bounded: RunningServer, sql
) -> None:
    with bounded.client() as api:
        company = api.post("/companies", json={"name": "Locked Ltd"}).json()["id"]
        # A transaction holding the companies table: every read of it waits, as behind a long scan.
        sql.execute(text("LOCK TABLE companies IN ACCESS EXCLUSIVE MODE"))
        written: list[httpx.Response] = []
        writer = threading.Thread(
            target=lambda: written.append(api.post("/companies", json={"name": "Patient"}))
        )
        writer.start()
        started = time.monotonic()
        slow = [
            api.get("/companies"),  # the ordinary path (a session)
            api.get(f"/companies/{company}"),
            api.get(f"/companies/{company}/data/invoices"),  # the read API's list page (the read pool)
            api.get(f"/companies/{company}/data/invoices", params={"query": "amountDue>0"}),
        ]
        elapsed = time.monotonic() - started
        assert [r.status_code for r in slow] == [503] * len(slow), [r.text for r in slow]
        for answer in slow:
            body = answer.json()
            assert body["statusCode"] == 503 and body["canBeRetried"] == "True"
            assert f"within {READ_TIMEOUT:g} seconds" in body["error"]
        assert elapsed < 4 * (READ_TIMEOUT + 0.5)
        assert writer.is_alive()  # the write waits for the lock, past the read timeout
        sql.rollback()
        writer.join(timeout=10)
        assert written[0].status_code == 200
        # Nothing is left broken: the same reads answer at once now (409: the company has no data yet).
        assert api.get("/companies").status_code == 200
        filtered = api.get(f"/companies/{company}/data/invoices", params={"query": "amountDue>0"})
        assert filtered.status_code == 409
    assert "read timed out" in bounded.log()


def test_a_failed_statement_s_values_are_not_logged(bounded: RunningServer, sql) -> None:
    secret = "sealed-" + uuid.uuid4().hex
    sql.execute(
        text("ALTER TABLE companies ADD CONSTRAINT ck_companies_not_sealed CHECK (name NOT LIKE 'sealed-%')")
    )
    sql.commit()
    try:
        with bounded.client() as api:
            failed = api.post("/companies", json={"name": secret, "description": secret})
        assert failed.status_code == 500 and secret not in failed.text
        correlation = failed.json()["correlationId"]
        log = bounded.log()
        assert correlation in log and "ck_companies_not_sealed" in log and "CheckViolation" in log
        assert "INSERT INTO companies" in log  # the statement is named, its values are not
        assert secret not in log
    finally:
        sql.execute(text("ALTER TABLE companies DROP CONSTRAINT ck_companies_not_sealed"))
        sql.commit()


def test_standard_library_logs_redact_database_errors(
    postgres: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """procrastinate's job failures (and uvicorn's errors) go through the standard library's logging."""
    from ledgerlink.logging import configure

    configure()
    secret = "sealed-" + uuid.uuid4().hex
    with psycopg.connect(postgres, autocommit=True) as connection:
        try:
            connection.execute("SELECT %s::uuid", [secret])
        except psycopg.Error:
            logging.getLogger("procrastinate.worker").error("Job failed", exc_info=True)
    logged = capsys.readouterr().err
    assert "InvalidTextRepresentation" in logged and "SQLSTATE 22P02" in logged
    assert secret not in logged


def test_the_configured_key_is_seeded_once_and_stays_deleted(bounded: RunningServer, tmp_path: Path) -> None:
    with bounded.client() as api:  # the server's first start seeded its key
        keys = api.get("/apiKeys").json()["results"]
        assert [k["name"] for k in keys] == ["LEDGERLINK_API_KEY"]
        replacement = api.post("/apiKeys", json={"name": "replacement"}).json()["apiKey"]
        assert api.delete(f"/apiKeys/{keys[0]['id']}").status_code == 204
    seeded, bounded.api_key = bounded.api_key, replacement  # for the tests that follow

    # Another start with the same LEDGERLINK_API_KEY (as after a restart) does not bring it back.
    again = start_server(
        tmp_path, database_url=bounded.database_url, api_key=seeded, extra_args=["--no-worker"]
    )
    try:
        assert httpx.get(f"{again.base_url}/companies", headers=basic(seeded)).status_code == 401
        listed = httpx.get(f"{again.base_url}/apiKeys", headers=basic(replacement)).json()["results"]
        assert [k["name"] for k in listed] == ["replacement"]
    finally:
        stop_server(again)
