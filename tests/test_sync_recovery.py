"""A worker killed mid-pull: the pull is retried by another process and completes with exact counts."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from ledgerlink.connectors.base import FetchRequest
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.db import sqlalchemy_url
from tests.support.pulls import link_sandbox, wait_for_pulls
from tests.support.server import separate_database, start_server, stop_server

SCALE = 120


async def _expected_count(request: FetchRequest) -> int:
    count = 0
    async for batch in AccountingSandbox().fetch(request):
        count += len(batch.records)
    return count


def test_a_pull_survives_its_worker_being_killed(postgres: str, tmp_path: Path) -> None:
    url = separate_database(postgres, "recovery")
    # Every process of an install shares the secret key (it seals the connections' credentials).
    shared = {"LEDGERLINK_SECRET_KEY": Fernet.generate_key().decode()}
    shared["LEDGERLINK_SANDBOX_MAX_SCALE"] = str(SCALE)  # above the default cap of 100
    first = start_server(tmp_path / "a", database_url=url, api_key="recovery-key", extra_env=shared)
    engine = create_engine(sqlalchemy_url(url))
    try:
        with first.client() as api:
            company_id, connection_id = link_sandbox(api, "Crash Test Ltd", {"scale": SCALE})
            # Wait until the big journal entries pull is under way, then kill the whole process.
            deadline = time.monotonic() + 60
            while True:
                pulls = api.get(f"/companies/{company_id}/data/history", params={"pageSize": 100}).json()[
                    "results"
                ]
                journal = next(p for p in pulls if p["dataType"] == "journalEntries")
                if journal["status"] in ("Fetching", "Mapping", "Validating", "Processing"):
                    break
                assert journal["status"] == "Queued", (
                    f"the pull finished before it could be interrupted: {journal}"
                )
                assert time.monotonic() < deadline
                time.sleep(0.05)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()

        second = start_server(tmp_path / "b", database_url=url, api_key="recovery-key", extra_env=shared)
        try:
            with second.client() as api:
                pulls = wait_for_pulls(api, company_id, at_least=10, timeout=240)
            assert {p["status"] for p in pulls} <= {"Complete", "NotSupported"}, pulls
            journal = next(p for p in pulls if p["dataType"] == "journalEntries")
            assert journal["status"] == "Complete"
        finally:
            stop_server(second)

        with engine.connect() as db:
            row = db.execute(
                text(
                    "SELECT p.as_of, p.attempts, c.linked_at FROM pull_operations p JOIN connections c "
                    "ON c.id = p.connection_id WHERE p.id = :id"
                ),
                {"id": journal["id"]},
            ).one()
            stored = db.execute(
                text(
                    "SELECT count(*), count(DISTINCT record_id) FROM records "
                    "WHERE connection_id = :c AND data_type = 'journalEntries'"
                ),
                {"c": connection_id},
            ).one()
        assert row.attempts >= 2  # it really was run again
        expected = asyncio.run(
            _expected_count(
                FetchRequest(
                    data_type="journalEntries",
                    company_id=uuid.UUID(company_id),
                    connection_id=uuid.UUID(connection_id),
                    credentials={"scale": SCALE, "speed": 1},
                    linked_at=row.linked_at,
                    as_of=row.as_of,
                )
            )
        )
        assert stored[0] == stored[1] == expected  # nothing lost, nothing duplicated
    finally:
        engine.dispose()
        if first.process.poll() is None:
            stop_server(first)
