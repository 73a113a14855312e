"""Read API under the production topology: 50 concurrent clients against 2 API processes, against a bare route.

    python bench/read_api_topology.py [--records 1000000] [--processes 2] [--clients 50] [--seconds 8]
                                      [--slice 1] [--client raw,httpx] [--profile py-spy.txt]

One PostgreSQL (embedded unless LEDGERLINK_DATABASE_URL is set) with a Sandbox company's journal entries (about
`--records`, pulled through the real pull code). `--processes` API processes each run what `ledgerlink serve
--no-worker` runs (`create_app` without a job worker, under uvicorn) on a port of its own, plus one route
returning a fixed byte string (bench/read_api.py's server); the clients are spread evenly over them, as a
round-robin load balancer would. `--clients` clients request a 100-record page: plain, with a `query`, with
an `orderBy`, and the bare route serving the plain page's bytes (twice: matched after every API route, as
bench/read_api.py's is, and before them all), taking turns in `--slice`-second slices
until each has had `--seconds` (so load from elsewhere on the machine falls on all of them alike). Printed
per scenario: requests/s, p50 and p99 latency, the ratio to the bare route, and the CPU time the API
processes, PostgreSQL and this load generator spent per request.

The load generator shares the machine with the servers, so two clients are offered: httpx (what a Python
application would use) and `raw`, a minimal HTTP/1.1 keep-alive client on asyncio streams that spends far
less CPU per request. `--profile FILE`: afterwards, the plain page and the bare route run once more, alone,
while py-spy (`pip install py-spy`) samples the first API process; where its time went (by function,
inclusive and own) is written to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import read_api

from ledgerlink.db import sqlalchemy_url

Request = Callable[[int], Awaitable[tuple[int, bytes]]]


class RawConnection:
    """One keep-alive HTTP/1.1 connection: writes a GET, reads the status, headers and body (by
    Content-Length, or chunked), nothing else."""

    def __init__(self, port: int, headers: bytes) -> None:
        self.port = port
        self.headers = headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
        reader, writer = self.reader, self.writer
        assert reader is not None
        writer.write(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + self.headers + b"\r\n")
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        fields = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip()
        if b"content-length" in fields:
            body = await reader.readexactly(int(fields[b"content-length"]))
        elif fields.get(b"transfer-encoding", b"").lower() == b"chunked":
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")  # the blank line after the last chunk (no trailers are sent)
            body = b"".join(parts)
        else:
            raise AssertionError(f"a response without a length: {head!r}")
        if fields.get(b"connection", b"").lower() == b"close":
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class RawClients:
    """`clients` raw connections, client n to the API process n modulo the number of ports."""

    def __init__(self, ports: list[int], clients: int, headers: dict[str, str]) -> None:
        encoded = b"".join(f"{name}: {value}\r\n".encode() for name, value in headers.items())
        self.connections = [RawConnection(ports[n % len(ports)], encoded) for n in range(clients)]

    def request(self, path: str, params: dict) -> Request:
        target = (path + ("?" + urlencode(params) if params else "")).encode()

        async def get(n: int) -> tuple[int, bytes]:
            return await self.connections[n].get(target)

        return get

    async def close(self) -> None:
        for connection in self.connections:
            await connection.close()


class HttpxClients:
    """One httpx client per API process (its pool as large as the clients it serves); client n uses the
    process n modulo their number."""

    def __init__(self, ports: list[int], clients: int, headers: dict[str, str]) -> None:
        per_process = -(-clients // len(ports))
        limits = httpx.Limits(max_connections=per_process, max_keepalive_connections=per_process)
        self.clients = [
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits, timeout=600)
            for port in ports
        ]

    def request(self, path: str, params: dict) -> Request:
        async def get(n: int) -> tuple[int, bytes]:
            response = await self.clients[n % len(self.clients)].get(path, params=params)
            return response.status_code, response.content

        return get

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError):
                continue
    return found


def postgres_processes(url: str) -> Callable[[], list[int]]:
    """The local PostgreSQL's processes (the postmaster and its children, read afresh each time: backends
    come and go), or none when the server is elsewhere."""
    engine = create_sync_engine(sqlalchemy_url(url))
    with engine.connect() as db:
        directory = Path(db.scalar(text("SELECT setting FROM pg_settings WHERE name = 'data_directory'")))
    engine.dispose()
    try:
        postmaster = int((directory / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError):
        return list
    return lambda: [postmaster, *children(postmaster)]


def start_api_processes(url: str, ports: list[int], bare_file: Path, directory: str) -> list[subprocess.Popen[bytes]]:
    """bench/read_api.py's server (the API without a job worker, and the bare route) on each port."""
    servers = []
    for port in ports:
        env = {**os.environ, "BENCH_DATABASE_URL": url, "BENCH_PORT": str(port), "BENCH_BARE_FILE": str(bare_file),
               "BENCH_DATA_DIR": directory}
        servers.append(subprocess.Popen([sys.executable, "-c", read_api.SERVER], env=env))
    return servers


def start_profiler(pid: int, seconds: float, raw: Path) -> subprocess.Popen[bytes]:
    """py-spy (`pip install py-spy`) sampling a running process for `seconds`, into collapsed stacks."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen([py_spy, "record", "--pid", str(pid), "--duration", str(round(seconds)), "--rate", "250",
                             "--nonblocking", "--format", "raw", "-o", str(raw)], stdout=subprocess.DEVNULL)


async def wait_healthy(ports: list[int]) -> None:
    async with httpx.AsyncClient() as client:
        for port in ports:
            for _ in range(300):
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"the API process on port {port} did not start")


def summarise_profile(raw: Path, title: str) -> list[str]:
    """py-spy's collapsed stacks → where the process spent its samples, by function (lines merged)."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        total += samples
        # "name (path:line)" → "name (path)"
        frames = [frame.rsplit(":", 1)[0] + ")" if frame.endswith(")") else frame for frame in stack.split(";")]
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    lines = [f"== {title}: {total} samples of the first API process while busy", "",
             "inclusive (a function and what it calls):"]
    lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(70)]
    lines += ["", "own (the function itself):"]
    lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(40)]
    return [*lines, ""]


async def main(records: int, processes: int, clients: int, seconds: float, slice_seconds: float,
               kinds: list[str], profile: Path | None) -> None:
    key = "bench-" + uuid.uuid4().hex
    with read_api.common.database() as url, tempfile.TemporaryDirectory() as directory:
        company_id = (await read_api.load(url, [records], key))[records]
        postgres_pids = postgres_processes(url)
        bare_file = Path(directory) / "bare.json"
        bare_file.write_bytes(b"{}")
        ports = [read_api.free_port() for _ in range(processes)]
        servers = start_api_processes(url, ports, bare_file, directory)
        results: dict[tuple[str, str], dict] = {}
        try:
            await wait_healthy(ports)
            api_pids = [server.pid for server in servers]

            def cpu_now() -> dict[str, float]:
                return {"api": cpu_seconds(api_pids), "postgres": cpu_seconds(postgres_pids()),
                        "client": time.process_time()}

            headers = {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}
            path = f"/companies/{company_id}/data/{read_api.DATA_TYPE}"
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[0]}", headers=headers) as one:
                total = (await one.get(path, params={"pageSize": 1})).json()["totalResults"]
                bare_file.write_bytes((await one.get(path, params={"pageSize": 100})).content)
            scenarios = {
                "plain": (path, {"pageSize": 100}),
                "query": (path, {"pageSize": 100, "query": "postedOn>2025-01-01&&description~invoice"}),
                "orderBy": (path, {"pageSize": 100, "orderBy": "-postedOn"}),
                "bare route": ("/bench/bare", {}),
                "bare first": ("/bench/bare-first", {}),
            }
            print(f"{total:,} {read_api.DATA_TYPE}; {processes} API processes, {clients} clients", flush=True)
            # Each scenario's first request, alone (for `query`, the one that counts the matches: later pages
            # and repeats reuse the count in that process until the next pull).
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[0]}", headers=headers,
                                         timeout=600) as one:
                for name, (target, params) in scenarios.items():
                    started = time.perf_counter()
                    assert (await one.get(target, params=params)).status_code == 200
                    print(f"first request, {name}: {(time.perf_counter() - started) * 1000:,.1f} ms", flush=True)
            for kind in kinds:
                driver = (RawClients if kind == "raw" else HttpxClients)(ports, clients, headers)
                try:
                    requests = {name: driver.request(*target) for name, target in scenarios.items()}
                    for request in requests.values():  # warm up: connections, prepared statements, counts
                        await read_api.drive_requests(request, 1, clients)
                    measured = {name: {"latencies": [], "elapsed": 0.0, "cpu": collections.Counter()}
                                for name in scenarios}
                    for _ in range(max(1, round(seconds / slice_seconds))):
                        for name, request in requests.items():
                            before = cpu_now()
                            await read_api.drive_requests(request, slice_seconds, clients, measured[name])
                            measured[name]["cpu"].update({part: spent - before[part]
                                                          for part, spent in cpu_now().items()})
                    if profile is not None and kind == kinds[0]:
                        # After the measurements (the profiler costs the process a little): the plain page and
                        # the bare route alone, each for `seconds`, py-spy sampling the first API process.
                        report = []
                        for name in ("plain", "bare route"):
                            raw = profile.with_suffix(f".{name.replace(' ', '-')}.raw")
                            profiler = start_profiler(api_pids[0], seconds, raw)
                            await read_api.drive_requests(requests[name], seconds + 1, clients)
                            await asyncio.to_thread(profiler.wait, 60)
                            report += summarise_profile(raw, f"{name}, {kind} client")
                        profile.write_text("\n".join(report))
                finally:
                    await driver.close()
                for name in scenarios:
                    results[(kind, name)] = {**read_api.figures(measured[name]), "cpu": measured[name]["cpu"],
                                             "count": len(measured[name]["latencies"])}
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
            for server in servers:
                server.wait(timeout=60)

    print()
    print(f"{'client':<6} {'page':<11} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'/ bare':>7} {'/ first':>7}   "
          f"{'API':>5} {'PG':>5} {'client':>6} (CPU ms a request)")
    for kind in kinds:
        bare = results[(kind, "bare route")]["rps"]
        first = results[(kind, "bare first")]["rps"]
        for name in scenarios:
            found = results[(kind, name)]
            per = {part: 1000 * spent / found["count"] for part, spent in found["cpu"].items()}
            print(f"{kind:<6} {name:<11} {found['rps']:7.0f} {found['p50']:7.1f} {found['p99']:7.1f} "
                  f"{found['rps'] / bare:7.2f} {found['rps'] / first:7.2f}   {per['api']:5.2f} "
                  f"{per['postgres']:5.2f} {per['client']:6.2f}")
    print("\ntarget: each page >= 0.5 of the bare route's requests/s; 'bare route' is matched after every "
          "API route, 'bare first' before them")
    if profile is not None:
        print(f"profiles of the first API process (plain page, bare route): {profile}")



if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--slice", type=float, default=1.0, help="seconds per turn of a scenario")
    parser.add_argument("--client", default="raw,httpx", help="load generators, in turn: raw, httpx")
    parser.add_argument("--profile", type=Path, default=None, help="py-spy the first API process into FILE")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.records, arguments.processes, arguments.clients, arguments.seconds, arguments.slice,
                     arguments.client.split(","), arguments.profile))
