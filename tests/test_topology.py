"""The production topology on one machine: 2 API processes (`serve --no-worker`) and 3 job workers
(`ledgerlink worker`) over one PostgreSQL started separately. Pulls queued through one API process are run
by the workers and read through the other; scheduled refreshes fire once however many workers run."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from ledgerlink.db import sqlalchemy_url
from tests.support.pulls import IN_FLIGHT, link_sandbox, wait_for_pulls
from tests.support.server import (
    RunningServer,
    process_environment,
    separate_database,
    start_server,
    stop_server,
)
from tests.support.waits import wait_for_periodic_run

API_KEY = "topology-key"


@pytest.fixture(scope="module")
def topology(
    postgres: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[list[RunningServer], list[subprocess.Popen[bytes]], str]]:
    url = separate_database(postgres, "topology")
    # Every process of an install shares the secret key (it seals the connections' credentials).
    shared = {"LEDGERLINK_SECRET_KEY": Fernet.generate_key().decode()}
    apis = [
        start_server(
            tmp_path_factory.mktemp(f"api{n}"),
            database_url=url,
            api_key=API_KEY,
            extra_env=shared,
            extra_args=["--no-worker"],
        )
        for n in range(2)
    ]
    workers = []
    logs = tmp_path_factory.mktemp("workers")
    for n in range(3):
        env = process_environment() | shared | {"LEDGERLINK_DATABASE_URL": url}
        with (logs / f"worker{n}.log").open("wb") as log:
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "ledgerlink",
                        "worker",
                        "--concurrency",
                        "2",
                        "--data-dir",
                        str(logs / str(n)),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                )
            )
    try:
        yield apis, workers, url
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for api in apis:
            stop_server(api)
        for n in range(3):
            assert workers[n].returncode == 0, (logs / f"worker{n}.log").read_text()


def test_workers_run_what_the_api_processes_queue(topology) -> None:
    (first, second), workers, url = topology
    with first.client() as api:
        companies = [link_sandbox(api, f"Topology {n} Ltd", key="qhnd") for n in range(4)]
    with second.client() as api:
        for company_id, _ in companies:
            pulls = wait_for_pulls(api, company_id, at_least=4, timeout=90)
            assert {p["status"] for p in pulls} == {"Complete"}, pulls
            assert (
                api.get(f"/companies/{company_id}/dataStatus").json()["banking-accounts"]["currentStatus"]
                == "Complete"
            )
    engine = create_engine(sqlalchemy_url(url))
    with engine.connect() as db:
        # The API processes run no worker; the worker processes shared the pulls.
        names = db.execute(
            text(
                "SELECT DISTINCT w.id FROM procrastinate_jobs j JOIN procrastinate_workers w "
                "ON w.id = j.worker_id WHERE j.task_name = 'sync:pull'"
            )
        ).all()
        live = db.scalar(text("SELECT count(*) FROM procrastinate_workers"))
    engine.dispose()
    assert all(process.poll() is None for process in workers)
    # Each `ledgerlink worker` runs two procrastinate workers (pulls, webhooks); the API processes none.
    assert live == 6
    assert len(names) >= 2, "one worker ran every pull"


def test_a_scheduled_refresh_fires_once_whatever_the_number_of_workers(topology) -> None:
    (first, _), _, url = topology
    with first.client() as api:
        company_id, connection_id = link_sandbox(api, "Scheduled Topology Ltd", key="qhnd")
        wait_for_pulls(api, company_id, at_least=4)
        setting = {
            "dataType": "banking-transactions",
            "fetchOnFirstLink": True,
            "syncSchedule": 1,
            "syncOrder": 0,
        }
        assert (
            api.post(
                f"/companies/{company_id}/syncSettings",
                json={"companyId": company_id, "overridesDefaults": True, "settings": [setting]},
            ).status_code
            == 204
        )
        engine = create_engine(sqlalchemy_url(url))
        with engine.connect() as db:
            db.execute(
                text(
                    "UPDATE pull_operations SET requested = requested - interval '2 hours' "
                    "WHERE connection_id = :c AND data_type = 'banking-transactions'"
                ),
                {"c": connection_id},
            )
            db.commit()
        engine.dispose()
        deadline = time.monotonic() + 30
        while True:
            runs = api.get(
                f"/companies/{company_id}/data/history",
                params={"query": "dataType=banking-transactions", "pageSize": 50},
            ).json()["results"]
            if len(runs) >= 2 and not any(r["status"] in IN_FLIGHT for r in runs):
                break
            assert time.monotonic() < deadline, runs
            time.sleep(0.5)
        # Several maintenance ticks later (one a second, on three workers), still exactly one refresh.
        wait_for_periodic_run(url, "maintenance", after=time.time() + 2)
        runs = api.get(
            f"/companies/{company_id}/data/history",
            params={"query": "dataType=banking-transactions", "pageSize": 50},
        ).json()["results"]
        assert len(runs) == 2, runs
