"""Read API: requests per second for a 100-record page, against a bare route serving the same bytes.

    python bench/read_api.py [--large 1000000] [--small 100000] [--seconds 8] [--clients 16] [--slice 1]

Pulls two Sandbox companies into one PostgreSQL (journal entries: about `--small` and `--large` records),
starts the real server (`create_app`, no job worker) in a subprocess with one extra route that returns a
fixed byte string, and drives both with concurrent HTTP clients from this process. For each company it
prints requests/s and p50/p99 latency (and the latency of the very first request) for the plain page, the
page with a `query`, the page with an `orderBy`, and the bare route serving the plain page's bytes, which
take turns in one-second slices (so load from elsewhere on the machine falls on all of them alike); then the
ratios the targets are about.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

from ledgerlink.clients.service import add_api_key, ensure_default_client  # noqa: E402
from ledgerlink.records.store import refresh_statistics  # noqa: E402

DATA_TYPE = "journalEntries"
SERVER = '''
import os, sys
from pathlib import Path
from fastapi.responses import Response
import uvicorn
from ledgerlink.app import create_app
from ledgerlink.config import Settings
from ledgerlink.logging import configure

configure("json", "WARNING")
settings = Settings(data_dir=Path(os.environ["BENCH_DATA_DIR"]), worker_concurrency=0, log_level="WARNING")
app = create_app(settings, os.environ["BENCH_DATABASE_URL"])
bare_body = Path(os.environ["BENCH_BARE_FILE"])

@app.get("/bench/bare")
async def bare() -> Response:
    return Response(bare_body.read_bytes(), media_type="application/json")

# The same, matched before every other route (the one above is matched after all of them).
@app.get("/bench/bare-first")
async def bare_first() -> Response:
    return Response(bare_body.read_bytes(), media_type="application/json")

app.router.routes.insert(0, app.router.routes.pop())

uvicorn.run(app, host="127.0.0.1", port=int(os.environ["BENCH_PORT"]), log_level="warning", access_log=False)
'''


async def records_per_scale(company_id: uuid.UUID) -> float:
    """Records one unit of scale gives this company (its history length varies by company)."""
    from ledgerlink.connectors.base import FetchRequest
    from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
    from ledgerlink.kit.clock import utcnow

    now = utcnow()
    request = FetchRequest(data_type=DATA_TYPE, company_id=company_id, connection_id=uuid.uuid4(),
                           credentials={"scale": 10}, linked_at=now, as_of=now)
    return sum([len(b.records) async for b in AccountingSandbox().fetch(request)]) / 10


async def load(url: str, sizes: list[int], key: str) -> dict[int, uuid.UUID]:
    engine = common.new_engine(url)
    run = common.runtime(engine, common.new_key())
    companies = {}
    for size in sizes:
        company_id, connection_id = await common.linked_sandbox(run, f"Read benchmark {size}", {})
        # Aim a little high: volume is not exactly linear in scale.
        scale = max(1, round(size * 1.05 / await records_per_scale(company_id)))
        await common.set_credentials(run, connection_id, {"scale": scale})
        started = time.perf_counter()
        await common.pull(run, company_id, connection_id, DATA_TYPE)
        print(f"pulled ~{size:,} {DATA_TYPE} in {time.perf_counter() - started:.0f} s", flush=True)
        companies[size] = company_id
    # What the maintenance job the pulls deferred does (this benchmark runs no job worker).
    async with engine.connect() as db, db.begin():
        await refresh_statistics(db)
    async with run.sessionmaker() as session, session.begin():
        client = await ensure_default_client(session)
        await add_api_key(session, client.id, key, name="benchmark")
    await engine.dispose()
    return companies


async def drive(client: httpx.AsyncClient, path: str, params: dict, seconds: float, clients: int,
                into: dict | None = None) -> dict:
    """`clients` concurrent clients requesting `path` for `seconds`; adds to `into` (latencies, elapsed)."""

    async def get(_: int) -> tuple[int, bytes]:
        response = await client.get(path, params=params)
        return response.status_code, response.content

    return await drive_requests(get, seconds, clients, into)


async def drive_requests(request: Callable[[int], Awaitable[tuple[int, bytes]]], seconds: float, clients: int,
                         into: dict | None = None) -> dict:
    """`clients` concurrent clients, client n calling `request(n)` (which must answer 200) again and again for
    `seconds`; adds to `into` (latencies, elapsed)."""
    into = {"latencies": [], "elapsed": 0.0} if into is None else into
    latencies: list[float] = into["latencies"]
    deadline = time.perf_counter() + seconds

    async def one_client(n: int) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, body = await request(n)
            latencies.append(time.perf_counter() - started)
            assert status == 200, body[:200]

    started = time.perf_counter()
    await asyncio.gather(*(one_client(n) for n in range(clients)))
    into["elapsed"] += time.perf_counter() - started
    return into


def figures(measured: dict) -> dict:
    ordered = sorted(measured["latencies"])
    return {
        "rps": len(ordered) / measured["elapsed"],
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def main(large: int, small: int, seconds: float, clients: int, slice_seconds: float) -> None:
    key = "bench-" + uuid.uuid4().hex
    with common.database() as url, tempfile.TemporaryDirectory() as directory:
        companies = await load(url, [small, large], key)
        bare_file = Path(directory) / "bare.json"
        bare_file.write_bytes(b"{}")
        port = free_port()
        env = {**os.environ, "BENCH_DATABASE_URL": url, "BENCH_PORT": str(port), "BENCH_BARE_FILE": str(bare_file),
               "BENCH_DATA_DIR": directory}
        server = subprocess.Popen([sys.executable, "-c", SERVER], env=env)
        try:
            headers = {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}
            limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits,
                                         timeout=600) as client:
                for _ in range(100):
                    try:
                        await client.get("/healthz")
                        break
                    except httpx.HTTPError:
                        await asyncio.sleep(0.1)
                results: dict[tuple[int, str], dict] = {}
                for size, company_id in companies.items():
                    path = f"/companies/{company_id}/data/{DATA_TYPE}"
                    total = (await client.get(path, params={"pageSize": 1})).json()["totalResults"]
                    page = await client.get(path, params={"pageSize": 100})
                    bare_file.write_bytes(page.content)
                    scenarios = {
                        "plain": (path, {"pageSize": 100}),
                        "query": (path, {"pageSize": 100, "query": "postedOn>2025-01-01&&description~invoice"}),
                        # A needle: a substring in ~0.2% of descriptions, which no index serves.
                        "needle": (path, {"pageSize": 100, "query": "postedOn>2025-01-01&&description~rent"}),
                        "orderBy": (path, {"pageSize": 100, "orderBy": "-postedOn"}),
                        "bare route": ("/bench/bare", {}),
                    }
                    firsts = {}
                    for name, (target, params) in scenarios.items():
                        # The first request: for `query`, the one that counts the matches (later pages and
                        # repeats reuse the count until the next pull).
                        started = time.perf_counter()
                        assert (await client.get(target, params=params)).status_code == 200
                        firsts[name] = (time.perf_counter() - started) * 1000
                        # The needle's every page reads most records: a few clients show its cost without queueing.
                        await drive(client, target, params, 1, 2 if name == "needle" else clients)  # warm up
                    # The other scenarios take turns in slices of `slice_seconds` until each has had `seconds`, so
                    # that other work on the machine weighs on them alike rather than on whichever ran when it
                    # peaked; the needle (seconds a request) runs on its own afterwards.
                    measured = {name: {"latencies": [], "elapsed": 0.0} for name in scenarios}
                    for _ in range(max(1, round(seconds / slice_seconds))):
                        for name, (target, params) in scenarios.items():
                            if name != "needle":
                                await drive(client, target, params, slice_seconds, clients, measured[name])
                    target, params = scenarios["needle"]
                    await drive(client, target, params, seconds, 2, measured["needle"])
                    for name in scenarios:
                        results[(size, name)] = figures_ = figures(measured[name])
                        print(f"{total:>10,} records  {name:<11} {figures_['rps']:8.0f} req/s  "
                              f"p50 {figures_['p50']:7.1f} ms  p99 {figures_['p99']:7.1f} ms  "
                              f"first request {firsts[name]:7.1f} ms", flush=True)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    print()
    for name in ("plain", "query", "orderBy", "needle"):
        ratio = results[(large, name)]["rps"] / results[(large, "bare route")]["rps"]
        growth = results[(large, name)]["p50"] / results[(small, name)]["p50"]
        print(f"{name:<8} at ~{large:,}: {ratio:5.2f} of the bare route (target >= 0.5); "
              f"p50 latency {growth:5.2f}x that at ~{small:,} (target <= 1.5)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--slice", type=float, default=1.0, help="seconds per turn of a scenario")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.large, arguments.small, arguments.seconds, arguments.clients, arguments.slice))
