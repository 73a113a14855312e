"""The API while Sandbox pulls run in the same `ledgerlink serve` process: `/healthz` and an ordinary page,
p50 and p99 latency, with no pull (the in-run baseline) and during a maximum-volume pull of each Sandbox.

    python bench/pull_isolation.py [--seconds 10] [--connections 2] [--scale 100] [--src DIR]

One PostgreSQL (embedded unless LEDGERLINK_DATABASE_URL is set), a database of its own per phase, and per
phase a fresh `ledgerlink serve` (API and its job worker, default settings but no rate limit). Phases:
`baseline` (nothing running), then the Accounting (`mqjo`), Banking (`qhnd`) and Commerce (`aiwb`)
Sandboxes: a company is linked with `{"scale": --scale}` (default 100, `LEDGERLINK_SANDBOX_MAX_SCALE`'s
default: the most a client may ask for), which queues its first-link pulls, four of which the worker runs at
once; measuring starts when one of them is fetching. `wrk` (Debian package `wrk`), a C load generator, then
drives `GET /healthz` and `GET /companies?pageSize=10` (an authenticated page from the database) for
`--seconds` each, over `--connections` keep-alive connections (closed loop: each sends its next request when
its last is answered), with a 60 s request time-out so that a frozen server shows as latency rather than as
lost requests. Printed per phase: requests/s, p50 and p99 of both, and the pulls in flight at the start and
end of the measurement. The server is killed (SIGKILL) after each phase.

`--src DIR`: run the server from another checkout's `src` (put first on PYTHONPATH), to compare with the
code before a change under the same load generator and database.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

from ledgerlink.database import ensure_database  # noqa: E402

API_KEY = "pull-isolation-bench-key"
SANDBOXES = {"mqjo": "Accounting", "qhnd": "Banking", "aiwb": "Commerce"}
IN_FLIGHT = {"Queued", "Fetching", "Mapping", "Validating", "Processing"}
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database_url: str, data_dir: Path, src: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERLINK_")}
    env.update(
        LEDGERLINK_DATABASE_URL=database_url,
        LEDGERLINK_API_KEY=API_KEY,
        LEDGERLINK_SECRET_KEY=Fernet.generate_key().decode(),
        LEDGERLINK_RATE_LIMIT_PER_MINUTE="0",
        LEDGERLINK_LOG_LEVEL="WARNING",
    )
    if src:
        env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "ledgerlink", "serve", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ledgerlink serve exited:\n{(data_dir / 'server.log').read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("ledgerlink serve did not become healthy")


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict[str, float]:
    """One wrk run: requests/s, p50 and p99 in ms, and the count of non-2xx answers and errors."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "60s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for percent in ("50", "99"):
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        result[f"p{percent}"] = float(value) * _UNITS[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", out)
    result["bad"] = float(bad.group(1)) if bad else 0.0
    result["timeouts"] = float(errors.group(1)) if errors else 0.0
    return result


def in_flight(api: httpx.Client, company_id: str) -> int:
    pulls = api.get(f"/companies/{company_id}/data/history", params={"pageSize": 500}, timeout=120).json()
    return sum(1 for p in pulls["results"] if p["status"] in IN_FLIGHT)


def link(api: httpx.Client, key: str, scale: int) -> str:
    company = api.post("/companies", json={"name": f"{SANDBOXES[key]} at scale {scale}"}).json()
    connection = api.post(f"/companies/{company['id']}/connections", json={"platformKey": key}).json()
    linked = api.put(
        f"/companies/{company['id']}/connections/{connection['id']}/authorization", json={"scale": scale}
    )
    linked.raise_for_status()
    deadline = time.monotonic() + 120
    while True:  # measure once a pull is really generating records
        pulls = api.get(f"/companies/{company['id']}/data/history", params={"pageSize": 500}, timeout=120)
        if any(p["status"] == "Fetching" for p in pulls.json()["results"]) or time.monotonic() > deadline:
            return company["id"]
        time.sleep(0.1)


def phase(
    name: str, admin_url: str, args: argparse.Namespace, work_dir: Path
) -> dict[str, object]:
    database = f"pull_isolation_{uuid.uuid4().hex[:8]}"
    ensure_database(admin_url, database)
    url = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    data_dir = work_dir / database
    data_dir.mkdir()
    process, base = start_server(url, data_dir, args.src)
    auth = {"Authorization": "Basic " + base64.b64encode(API_KEY.encode()).decode()}
    try:
        with httpx.Client(base_url=base, headers=auth, timeout=120) as api:
            api.post("/companies", json={"name": "Page Ltd"}).raise_for_status()
            company_id = link(api, name, args.scale) if name in SANDBOXES else None
            before = in_flight(api, company_id) if company_id else 0
            health = wrk(f"{base}/healthz", args.seconds, args.connections, {})
            page = wrk(f"{base}/companies?page=1&pageSize=10", args.seconds, args.connections, auth)
            after = in_flight(api, company_id) if company_id else 0
        return {"phase": name, "healthz": health, "page": page, "pulls": f"{before} -> {after}"}
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--src", default=None, help="run the server from this checkout's src directory")
    parser.add_argument("--phases", default="baseline,mqjo,qhnd,aiwb")
    args = parser.parse_args()
    rows = []
    with common.database() as admin_url, tempfile.TemporaryDirectory(prefix="ledgerlink-isolation-") as work:
        for name in args.phases.split(","):
            rows.append(phase(name, admin_url, args, Path(work)))
            print(f"  {name} done", file=sys.stderr, flush=True)
    print(f"\nserver from {args.src or 'this checkout'}; scale {args.scale}; wrk -t1 -c{args.connections} "
          f"-d{args.seconds}s per route\n")
    print(f"{'phase':<26}{'healthz req/s':>14}{'p50 ms':>9}{'p99 ms':>9}   {'page req/s':>11}{'p50 ms':>9}"
          f"{'p99 ms':>9}   pulls in flight")
    base = rows[0]
    for row in rows:
        h, p = row["healthz"], row["page"]
        label = "no pull" if row["phase"] == "baseline" else f"{SANDBOXES[row['phase']]} pull"
        print(f"{label:<26}{h['rps']:>14.0f}{h['p50']:>9.1f}{h['p99']:>9.1f}   "
              f"{p['rps']:>11.0f}{p['p50']:>9.1f}{p['p99']:>9.1f}   {row['pulls']}")
        for route, figures in (("healthz", h), ("page", p)):
            if figures["bad"] or figures["timeouts"]:
                print(f"   {route}: {figures['bad']:.0f} non-2xx, {figures['timeouts']:.0f} timeouts")
    if base["phase"] == "baseline":
        worst = max((r for r in rows[1:]), key=lambda r: r["healthz"]["p99"], default=None)
        if worst:
            print(f"\nworst healthz p99 during a pull: {worst['healthz']['p99']:.1f} ms "
                  f"(baseline {base['healthz']['p99']:.1f} ms)")


if __name__ == "__main__":
    main()
