"""`ledgerlink serve` runs its job worker in a child process of its own, niced: pulls run there (and are
counted in the API's /metrics), SIGUSR1 reaches it, a child that dies is started again and pulls go on, and
no worker outlives a serve killed with SIGKILL."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import httpx

from tests.support.processes import alive, worker_of
from tests.support.pulls import link_sandbox, wait_for_pulls
from tests.support.server import RunningServer, own_server


def _pulls_counted(server: RunningServer) -> int:
    """Pulls finished, as the API's /metrics has them; every family in it once."""
    exposition = httpx.get(f"{server.base_url}/metrics").text
    families = re.findall(r"^# TYPE (\S+)", exposition, re.M)
    assert len(families) == len(set(families)), exposition
    counted = re.findall(r"^ledgerlink_pulls_finished_total\{[^}]*\} (\S+)$", exposition, re.M)
    return int(sum(float(value) for value in counted))


def _wait_logged(server: RunningServer, text: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while text not in server.log():
        assert time.monotonic() < deadline, f"{text!r} not logged:\n{server.log()[-3000:]}"
        time.sleep(0.1)


def test_pulls_run_in_a_niced_child_that_is_restarted_and_dies_with_serve(
    postgres: str, tmp_path: Path
) -> None:
    niced = {"LEDGERLINK_WORKER_NICENESS": "10"}
    with own_server(postgres, tmp_path / "serve", "worker_process", api_key="child-key", env=niced) as server:
        worker = worker_of(server)
        assert (
            os.getpriority(os.PRIO_PROCESS, worker)
            >= os.getpriority(os.PRIO_PROCESS, server.process.pid) + 10
        )
        with server.client() as api:
            company_id, _ = link_sandbox(api, "Child Ltd", key="qhnd")
            assert {p["status"] for p in wait_for_pulls(api, company_id, at_least=4)} == {"Complete"}
            assert "job worker process started" in server.log()
            assert _pulls_counted(server) == 4  # the child's figures, in the API's /metrics
            # SIGUSR1 to serve: the child logs its tasks too (its workers' task has this name, the API none).
            server.process.send_signal(signal.SIGUSR1)
            _wait_logged(server, "name=ledgerlink-worker")

            os.kill(worker, signal.SIGKILL)
            again = worker_of(server, other_than=worker)
            assert "job worker process exited; starting it again" in server.log()
            company_id, _ = link_sandbox(api, "After The Crash Ltd", key="qhnd")
            assert {p["status"] for p in wait_for_pulls(api, company_id, at_least=4)} == {"Complete"}
            assert _pulls_counted(server) == 8  # the dead child's counts are kept: counters never go back

        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        deadline = time.monotonic() + 10
        while alive(again):
            assert time.monotonic() < deadline, f"the worker outlived its serve:\n{server.log()[-3000:]}"
            time.sleep(0.1)
        assert "the ledgerlink serve process is gone" in server.log()
