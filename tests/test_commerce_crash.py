"""A commerce sync whose worker is SIGKILLed halfway through posting is carried on by another worker, and
every day is written to the books exactly once: one push operation, one record on the platform, one journal
entry read back per day the shop traded."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from ledgerlink.db import sqlalchemy_url
from tests.support.commerce import (
    NOT_SCHEDULED,
    choose_everything,
    company_named,
    iso,
    link_both_on_behalf,
    midnight,
    start_url,
    wait_for_configuration_options,
)
from tests.support.pulls import read_all, wait_for_pulls
from tests.support.server import process_environment, separate_database, start_server, stop_server

DAYS = 90


def start_worker(directory: Path, url: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "worker.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "ledgerlink", "worker", "--data-dir", str(directory)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=process_environment() | env | {"LEDGERLINK_DATABASE_URL": url},
        )


def test_a_sync_killed_halfway_posts_each_day_once(postgres: str, tmp_path: Path) -> None:
    url = separate_database(postgres, "commerce_killed")
    shared = {"LEDGERLINK_SECRET_KEY": Fernet.generate_key().decode()}
    server = start_server(
        tmp_path / "api", database_url=url, api_key="crash-key", extra_env=shared, extra_args=["--no-worker"]
    )
    doomed = start_worker(tmp_path / "w1", url, shared)
    survivor = None
    engine = create_engine(sqlalchemy_url(url))
    try:
        with server.client() as api, engine.connect() as db:
            name = f"crash-{uuid.uuid4().hex[:8]}"
            start_url(api, name)
            company = company_named(api, name)
            link_both_on_behalf(api, company["id"])
            config = wait_for_configuration_options(api, company["id"])
            start = midnight(DAYS + 5)
            chosen = api.post(
                f"/config/companies/{company['id']}/sync/commerce",
                json=choose_everything(config, start=NOT_SCHEDULED),
            )
            assert chosen.status_code == 200, chosen.text
            requested = api.post(
                f"/meta/companies/{company['id']}/sync/commerce/historic",
                json={"dateRange": {"start": iso(start), "finish": iso(start + timedelta(days=DAYS))}},
            )
            assert requested.status_code == 200, requested.text
            sync_id = requested.json()["commerceSyncId"]

            def posted() -> int:
                count = db.execute(
                    text("SELECT count(*) FROM commerce_postings WHERE sync_id = :s"), {"s": sync_id}
                ).scalar_one()
                db.commit()
                return count

            deadline = time.monotonic() + 120
            while posted() < 3:
                assert time.monotonic() < deadline, "the sync never started posting"
                time.sleep(0.02)
            doomed.send_signal(signal.SIGKILL)
            doomed.wait()
            at_kill = posted()
            assert at_kill < DAYS, "the worker was killed after the sync had posted every day"

            survivor = start_worker(tmp_path / "w2", url, shared)
            deadline = time.monotonic() + 120
            while True:
                status = api.get(f"/companies/{company['id']}/sync/commerce/syncs/{sync_id}/status").json()
                if status["syncStatusCode"] not in (1000, 1010):
                    break
                assert time.monotonic() < deadline, status
                time.sleep(0.5)
            assert status["syncStatusCode"] == 2000 and status["dataPushed"] is True, status
            assert posted() == DAYS
            # A day the shop sold, refunded and paid fees on nothing is posted with nothing to write (about
            # one day in 900 of the Commerce Sandbox has no orders: one company in ten over these 90 days).
            trading = db.execute(
                text(
                    "SELECT count(*) FROM commerce_postings"
                    " WHERE sync_id = :s AND push_operation_key IS NOT NULL"
                ),
                {"s": sync_id},
            ).scalar_one()
            assert trading >= DAYS - 3, trading

            pushes = db.execute(
                text(
                    "SELECT idempotency_key, status FROM push_operations"
                    " WHERE company_id = :c AND data_type = 'journalEntries'"
                ),
                {"c": company["id"]},
            ).all()
            written = db.execute(
                text(
                    "SELECT count(*), count(DISTINCT idempotency_key)"
                    " FROM platform_records r JOIN connections c ON c.id = r.connection_id"
                    " WHERE c.company_id = :c AND r.data_type = 'journalEntries'"
                ),
                {"c": company["id"]},
            ).one()
            db.commit()
            assert len(pushes) == len({key for key, _ in pushes}) == trading
            assert {status for _, status in pushes} == {"Success"}
            assert tuple(written) == (trading, trading)

            wait_for_pulls(api, company["id"])
            entries = read_all(
                api,
                f"/companies/{company['id']}/data/journalEntries",
                query="description~Commerce Sandbox sales",
            )
            assert len(entries) == len({e["postedOn"] for e in entries}) == trading
    finally:
        engine.dispose()
        for worker in (doomed, survivor):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=20)
        stop_server(server)
