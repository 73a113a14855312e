"""Faults survived: the database restarting in the middle of a sync. The server's processes reconnect, the
interrupted pulls are retried, and afterwards every pull operation is final and record counts are exact."""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from ledgerlink.connectors.base import FetchRequest
from ledgerlink.connectors.sandbox.banking import BankingSandbox
from ledgerlink.database import EmbeddedPostgres
from ledgerlink.db import sqlalchemy_url
from tests.support.pulls import link_sandbox, wait_for_pulls
from tests.support.server import postgres_home, start_server, stop_server

# Banking Sandbox volume: enough transactions (~200,000) for their pull to be under way when the database
# restarts, few enough to keep the test short.
SCALE = 60


async def _count(request: FetchRequest) -> int:
    return sum([len(batch.records) async for batch in BankingSandbox().fetch(request)])


def test_a_sync_survives_the_database_restarting(tmp_path: Path) -> None:
    home = postgres_home()
    database = EmbeddedPostgres(home)
    url = database.start()
    server = start_server(
        tmp_path / "server",
        database_url=url,
        api_key="restart-key",
        extra_env={"LEDGERLINK_SECRET_KEY": Fernet.generate_key().decode()},
    )
    engine = create_engine(sqlalchemy_url(url))
    try:
        with server.client() as api:
            company_id, connection_id = link_sandbox(api, "Failover Ltd", {"scale": SCALE}, key="qhnd")
            deadline = time.monotonic() + 60
            while True:
                pulls = api.get(f"/companies/{company_id}/data/history", params={"pageSize": 100}).json()[
                    "results"
                ]
                big = next(p for p in pulls if p["dataType"] == "banking-transactions")
                if big["status"] in ("Fetching", "Mapping", "Validating", "Processing"):
                    break
                assert big["status"] == "Queued", f"the pull finished before the restart: {big}"
                assert time.monotonic() < deadline
                time.sleep(0.05)
            database.restart()
            # The API answers again once it has reconnected (its pool checks connections before use).
            deadline = time.monotonic() + 30
            while api.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "the API did not reconnect"
                time.sleep(0.2)
            pulls = wait_for_pulls(api, company_id, at_least=4, timeout=120)
        assert server.process.poll() is None, server.log()
        assert {p["status"] for p in pulls} <= {"Complete", "NotSupported"}, pulls
        big = next(p for p in pulls if p["dataType"] == "banking-transactions")
        with engine.connect() as db:
            row = db.execute(
                text(
                    "SELECT p.as_of, p.attempts, c.linked_at FROM pull_operations p JOIN connections c "
                    "ON c.id = p.connection_id WHERE p.id = :id"
                ),
                {"id": big["id"]},
            ).one()
            stored = db.execute(
                text(
                    "SELECT count(*), count(DISTINCT record_id) FROM records "
                    "WHERE connection_id = :c AND data_type = 'banking-transactions'"
                ),
                {"c": connection_id},
            ).one()
        expected = asyncio.run(
            _count(
                FetchRequest(
                    data_type="banking-transactions",
                    company_id=uuid.UUID(company_id),
                    connection_id=uuid.UUID(connection_id),
                    credentials={"scale": SCALE, "speed": 1},
                    linked_at=row.linked_at,
                    as_of=row.as_of,
                )
            )
        )
        assert row.attempts >= 2  # the restart cut the pull, which ran again
        assert stored[0] == stored[1] == expected  # nothing lost, nothing duplicated
    finally:
        engine.dispose()
        stop_server(server)
        database.stop()
        shutil.rmtree(home, ignore_errors=True)


def test_an_api_process_killed_mid_request_leaves_nothing_half_done(postgres: str, tmp_path: Path) -> None:
    """Links requested of an API process that is SIGKILLed while answering them: each one either happened
    whole (Linked, with its first-link pulls, which a worker then completes) or not at all (PendingAuth,
    no pulls). The other API process and the worker carry on."""
    import concurrent.futures
    import signal
    import subprocess
    import sys

    import httpx

    from tests.support.server import process_environment, separate_database

    url = separate_database(postgres, "api_killed")
    shared = {"LEDGERLINK_SECRET_KEY": Fernet.generate_key().decode()}
    doomed = start_server(
        tmp_path / "a", database_url=url, api_key="kill-key", extra_env=shared, extra_args=["--no-worker"]
    )
    survivor = start_server(
        tmp_path / "b", database_url=url, api_key="kill-key", extra_env=shared, extra_args=["--no-worker"]
    )
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "ledgerlink", "worker", "--data-dir", str(tmp_path / "w")],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=process_environment() | shared | {"LEDGERLINK_DATABASE_URL": url},
        )
    try:
        with survivor.client() as api:
            pending = []
            for n in range(12):
                company = api.post("/companies", json={"name": f"Killed Mid-Request {n}"}).json()
                connection = api.post(
                    f"/companies/{company['id']}/connections", json={"platformKey": "qhnd"}
                ).json()
                pending.append((company["id"], connection["id"]))

        def authorize(ids: tuple[str, str]) -> int | None:
            try:
                with doomed.client() as api:
                    return api.put(
                        f"/companies/{ids[0]}/connections/{ids[1]}/authorization", json={}
                    ).status_code
            except httpx.HTTPError:
                return None  # the process died under this request

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = [pool.submit(authorize, ids) for ids in pending]
            while sum(answer.done() for answer in answers) < 4:
                time.sleep(0.01)
            doomed.process.send_signal(signal.SIGKILL)
            doomed.process.wait()
            outcomes = [answer.result() for answer in answers]
        assert None in outcomes, "the process was killed after every request had been answered"

        with survivor.client() as api:
            linked = 0
            for (company_id, connection_id), outcome in zip(pending, outcomes, strict=True):
                status = api.get(f"/companies/{company_id}/connections/{connection_id}").json()["status"]
                history = api.get(f"/companies/{company_id}/data/history").json()["results"]
                if outcome == 200:
                    assert status == "Linked"
                if status == "Linked":
                    linked += 1
                    pulls = wait_for_pulls(api, company_id, at_least=4, timeout=60)
                    assert {p["status"] for p in pulls} == {"Complete"}, pulls
                else:
                    assert status == "PendingAuth" and history == [], (status, history)
            assert linked >= 4
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        stop_server(survivor)
        if doomed.process.poll() is None:
            stop_server(doomed)
