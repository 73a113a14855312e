"""A page against the query behind it: `ledgerlink serve` and two floors under wrk, one run, same data.

    python bench/read_page_wrk.py [--records 52000] [--seconds 10] [--threads 2] [--connections 32,64]
                                  [--rounds 3]

Needs wrk, a C load generator (Debian/Ubuntu: `sudo apt-get install wrk`; it is /usr/bin/wrk there), which
spends far less CPU per request than a Python client on the same cores would.

One PostgreSQL (embedded unless LEDGERLINK_DATABASE_URL is set) with one Accounting Sandbox (`mqjo`)
connection whose journal entries (about `--records`) are pulled through the real pull code. Then three
servers, each a single process on its own port, all started first and driven one at a time (the others
idle), round after round:

1. `ledgerlink serve` (the CLI as deployed: its job worker in a child process, default logging), requested with the
   API key in an `Authorization` header;
2. a minimal Starlette route (bench/read_page_floor.py, `sql`) running the statement ledgerlink's list-page
   fast path runs for the same page, with the same parameters, on a psycopg pool like ledgerlink's read
   pool, no authentication, answering the same bytes;
3. a bare Starlette route (bench/read_page_floor.py, `bare`) answering the plain page's bytes.

Two pages: `plain`, GET /companies/{id}/data/journalEntries?page=3&pageSize=100, and `filtered`, the same
with `query=postedOn>` a year ago and `orderBy=-postedOn`. In each of `--rounds` rounds every (server,
page) is driven by wrk for `--seconds` at each of `--connections` after a 2 s warm-up, so a busy spell of
the machine falls on the servers alike rather than on one of them. Printed: per pass, then the medians over
the rounds of requests/s, p50, p99, the CPU wrk and the server (its process, and PostgreSQL's) used, in
cores, and the errors (socket errors and non-2xx answers) summed; then the ratios issue 18's targets name,
of the medians and of each round. Last (unless `--pull-scale 0`), the plain page of `ledgerlink serve` once
more while its job worker runs a new Accounting Sandbox company's first pulls (`{"scale": --pull-scale}`,
measured from when one is fetching, as bench/pull_isolation.py does), against its quiet median.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import pickle
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
import pull_isolation
import read_api
from read_api_topology import cpu_seconds, postgres_processes

from ledgerlink.db import create_engine
from ledgerlink.kit.auth import key_hashes

DATA_TYPE = "journalEntries"
PAGES: dict[str, dict[str, Any]] = {
    "plain": {"page": 3, "pageSize": 100},
    # The last year's entries (the Sandbox's history ends today: a third to a half of them), newest first.
    "filtered": {
        "page": 3,
        "pageSize": 100,
        "query": f"postedOn>{(date.today() - timedelta(days=365)).isoformat()}",
        "orderBy": "-postedOn",
    },
}
FLOOR = Path(__file__).resolve().parent / "read_page_floor.py"


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        sys.exit(
            "wrk is not installed: `sudo apt-get install wrk` (Debian/Ubuntu), or build it from "
            "https://github.com/wg/wrk, and put it on PATH"
        )
    return found


def parse_wrk(output: str) -> dict[str, float]:
    """Requests/s, p50 and p99 (ms) and errors from wrk's `--latency` report."""

    def milliseconds(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        assert match, output
        return float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    assert rps, output
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(rps[1]),
        "p50": milliseconds("50"),
        "p99": milliseconds("99"),
        "errors": errors + (int(non_2xx[1]) if non_2xx else 0),
    }


def run_wrk(
    url: str,
    headers: dict[str, str],
    connections: int,
    threads: int,
    seconds: float,
    server_pids: list[int],
    postgres: Any,
) -> dict[str, float]:
    """One wrk pass; with the CPU (in cores, over the pass) wrk, the server and PostgreSQL used."""
    command = [
        wrk_binary(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before, postgres_before = cpu_seconds(server_pids), cpu_seconds(postgres())
    started = time.perf_counter()
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = parse_wrk(output)
    figures["wrk_cpu"] = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / elapsed
    figures["server_cpu"] = (cpu_seconds(server_pids) - server_before) / elapsed
    figures["postgres_cpu"] = (cpu_seconds(postgres()) - postgres_before) / elapsed
    return figures


def wait_ready(url: str, headers: dict[str, str]) -> httpx.Response:
    with httpx.Client(headers=headers, timeout=60) as client:
        for _ in range(600):
            try:
                response = client.get(url)
                if response.status_code == 200:
                    return response
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 in 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def page_statements(url: str, key: str, company_id: uuid.UUID) -> dict[str, tuple[str, dict[str, Any]]]:
    """The statement and parameters ledgerlink's list-page fast path runs for each page (data.reads)."""
    from ledgerlink.data import reads
    from ledgerlink.kit.pagination import parse_page_params
    from ledgerlink.records import registry

    data_type = registry.get(DATA_TYPE)
    assert data_type is not None
    engine = create_engine(url)
    statements = {}
    for name, query in PAGES.items():
        params = parse_page_params(
            str(query["page"]), str(query["pageSize"]), query.get("query"), query.get("orderBy")
        )
        shape = reads.FAST_PAGES.get(
            reads.PageShape(data_type, params.query, params.order_by, (), engine.dialect)
        )
        values = {
            "ll_hashes": key_hashes("Basic " + base64.b64encode(key.encode()).decode()),
            "ll_company": company_id,
            "ll_limit": params.page_size,
            "ll_offset": params.offset,
            # As `reads.fast_page` binds a company-scoped type's source.
            "ll_integrations": reads._platform_keys(data_type.source_type),
        }
        statements[name] = (shape.page.sql, shape.page.params(values))
    await engine.dispose()
    return statements


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def report(runs: dict[tuple[str, str, int], list[dict[str, float]]], connections: list[int]) -> None:
    """Each (server, page, connections): the median over the rounds of each figure; then the ratios of the
    medians, and each round's own ratio (the servers of a round ran one after the other, seconds apart)."""
    print(
        f"\n{'server':<20} {'page':<9} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
        f" {'wrk CPU':>7} {'server':>6} {'pg':>5}   (medians of {len(next(iter(runs.values())))} rounds)"
    )
    results = {key: {name: median([r[name] for r in rounds]) for name in rounds[0]} for key, rounds in runs.items()}
    for (server, page, conns), f in results.items():
        errors = sum(r["errors"] for r in runs[(server, page, conns)])
        print(
            f"{server:<20} {page:<9} {conns:>5} {f['rps']:8.0f} {f['p50']:8.1f} {f['p99']:8.1f}"
            f" {errors:6.0f} {f['wrk_cpu']:7.2f} {f['server_cpu']:6.2f} {f['postgres_cpu']:5.2f}"
        )
    low, high = connections[0], connections[-1]
    print()
    for page in PAGES:
        ours, floor = results[(SERVE, page, low)], results[(SQL_FLOOR, page, low)]
        each = [
            f"{a['rps'] / b['rps']:.2f}"
            for a, b in zip(runs[(SERVE, page, low)], runs[(SQL_FLOOR, page, low)], strict=True)
        ]
        print(
            f"{page:<9} at {low} connections: ledgerlink req/s / minimal SQL route's = "
            f"{ours['rps'] / floor['rps']:.2f} (target >= 0.7; rounds: {', '.join(each)}); "
            f"p50 ratio = {ours['p50'] / floor['p50']:.2f} (target <= 1.5)"
        )
    for page in PAGES:
        ours = results[(SERVE, page, high)]
        errors = sum(r["errors"] for r in runs[(SERVE, page, high)])
        print(
            f"{page:<9} at {high} connections: ledgerlink p99/p50 = {ours['p99'] / ours['p50']:.2f} "
            f"(target <= 4), errors {errors:.0f} (target 0)"
        )


SERVE, SQL_FLOOR, BARE = "ledgerlink serve", "minimal SQL route", "bare route"


def main(
    records: int, seconds: float, threads: int, connections: list[int], rounds: int, pull_scale: int
) -> None:
    wrk_binary()
    key = "bench-" + uuid.uuid4().hex
    auth = {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}
    runs: dict[tuple[str, str, int], list[dict[str, float]]] = {}
    with (
        common.database() as url,
        tempfile.TemporaryDirectory(prefix="ledgerlink-wrk-") as directory,
        contextlib.ExitStack() as servers,
    ):
        company_id = asyncio.run(read_api.load(url, [records], key))[records]
        postgres = postgres_processes(url)
        path = f"/companies/{company_id}/data/{DATA_TYPE}"

        # 1. ledgerlink serve, as deployed.
        port = read_api.free_port()
        log = servers.enter_context(open(Path(directory) / "serve.log", "wb"))  # noqa: SIM115
        env = {
            **os.environ,
            "LEDGERLINK_DATABASE_URL": url,
            "LEDGERLINK_PORT": str(port),
            "LEDGERLINK_DATA_DIR": directory,
            # The rate limit counts every request as deployed, but no pass may reach it: one client at
            # ~1,700 pages a second would pass the default 60,000 a minute and be answered 429.
            "LEDGERLINK_RATE_LIMIT_PER_MINUTE": str(10**9),
        }
        serve = subprocess.Popen([sys.executable, "-m", "ledgerlink", "serve"], env=env, stdout=log, stderr=log)
        servers.callback(stop, serve)
        targets: dict[tuple[str, str], tuple[str, dict[str, str], int]] = {}
        bodies = {}
        for page, query in PAGES.items():
            target = f"http://127.0.0.1:{port}{path}?{urlencode(query)}"
            response = wait_ready(target, auth)
            bodies[page] = response.content
            targets[(SERVE, page)] = (target, auth, serve.pid)
            print(
                f"{page} page: {len(response.content):,} bytes, totalResults "
                f"{response.json()['totalResults']:,}",
                flush=True,
            )

        # 2 and 3: the floors, given the statements and the bytes ledgerlink answered, each on its own port.
        statements = asyncio.run(page_statements(url, key, company_id))
        floor: dict[str, Any] = {"url": url, "bare": bodies["plain"], "pages": {}}
        for page, (sql, params) in statements.items():
            head = b'{"results":['
            tail = bodies[page][bodies[page].rindex(b'],"') :]  # the paging fields hold no array
            floor["pages"][page] = (sql, params, head, tail)
        floor_file = Path(directory) / "floor.pickle"
        floor_file.write_bytes(pickle.dumps(floor))
        for kind, server, pages in (("sql", SQL_FLOOR, list(PAGES)), ("bare", BARE, ["plain"])):
            floor_port = read_api.free_port()
            env = {
                **os.environ,
                "BENCH_FLOOR": kind,
                "BENCH_FLOOR_FILE": str(floor_file),
                "BENCH_PORT": str(floor_port),
            }
            process = subprocess.Popen([sys.executable, str(FLOOR)], env=env)
            servers.callback(stop, process)
            for page in pages:
                target = f"http://127.0.0.1:{floor_port}/{'bare' if kind == 'bare' else page}"
                body = wait_ready(target, {}).content
                # The same SQL: the same bytes as ledgerlink's (records, and the envelope around them).
                assert body == bodies[page], f"{server} answers other bytes for the {page} page"
                targets[(server, page)] = (target, {}, process.pid)
        time.sleep(3)  # the worker's start-up jobs (statistics the pull deferred) out of the way

        # Rounds: each server in turn, so that whatever else the machine does falls on all of them alike.
        for round_number in range(1, rounds + 1):
            for (server, page), (target, headers, pid) in targets.items():
                run_wrk(target, headers, connections[0], threads, 2, [pid], postgres)  # warm-up
                for conns in connections:
                    figures = run_wrk(target, headers, conns, threads, seconds, [pid], postgres)
                    runs.setdefault((server, page, conns), []).append(figures)
                    print(
                        f"round {round_number} {server:<20} {page:<9} {conns:>3} connections: "
                        f"{figures['rps']:7.0f} req/s  p50 {figures['p50']:6.1f} ms  p99 {figures['p99']:6.1f} ms"
                        f"  errors {figures['errors']:.0f}",
                        flush=True,
                    )
        print(f"(ledgerlink serve logged {(Path(directory) / 'serve.log').stat().st_size:,} bytes)")
        if pull_scale:
            # The plain page once more, while `ledgerlink serve`'s job worker runs a new company's first pulls.
            target, headers, pid = targets[(SERVE, "plain")]
            base = target.split("/companies/")[0]
            with httpx.Client(base_url=base, headers=auth, timeout=60) as api:
                busy = pull_isolation.link(api, "mqjo", pull_scale)
                started = pull_isolation.in_flight(api, busy)
                figures = run_wrk(target, headers, connections[0], threads, seconds, [pid], postgres)
                ended = pull_isolation.in_flight(api, busy)
            during = (started, ended, figures)
    report(runs, connections)
    if pull_scale:
        started, ended, figures = during
        quiet = median([r["rps"] for r in runs[(SERVE, "plain", connections[0])]])
        quiet_p50 = median([r["p50"] for r in runs[(SERVE, "plain", connections[0])]])
        print(
            f"\nplain at {connections[0]} connections during an Accounting Sandbox's first pulls (scale "
            f"{pull_scale}; pulls in flight {started} -> {ended}): {figures['rps']:.0f} req/s "
            f"({figures['rps'] / quiet:.2f} of the quiet median), p50 {figures['p50']:.1f} ms ({quiet_p50:.1f} "
            f"quiet), p99 {figures['p99']:.1f} ms, errors {figures['errors']:.0f}; CPU: server process "
            f"{figures['server_cpu']:.2f}, PostgreSQL {figures['postgres_cpu']:.2f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=52_000, help="journal entries to pull (about)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", default="32,64", help="comma-separated; the first is the main pass")
    parser.add_argument("--rounds", type=int, default=3, help="passes over every server; medians reported")
    parser.add_argument(
        "--pull-scale", type=int, default=100, help="then the page during a Sandbox's first pulls (0: not)"
    )
    arguments = parser.parse_args()
    main(
        arguments.records,
        arguments.seconds,
        arguments.threads,
        [int(n) for n in arguments.connections.split(",")],
        arguments.rounds,
        arguments.pull_scale,
    )
