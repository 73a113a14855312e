"""Growth: how the sync rate, a page's latency and a filtered page's latency change as `records` grows
from 10^4 to 10^7 rows.

    python bench/growth.py [--steps 10000,100000,1000000,10000000] [--requests 200]

One PostgreSQL (embedded unless LEDGERLINK_DATABASE_URL is set). Each step links one more Banking Sandbox
company and pulls its transactions through the real pull code until the table holds the step's total.
After each step (statistics refreshed, as the maintenance job does) the real application answers, in this
process through httpx's ASGI transport, `--requests` sequential requests for a 100-record page and for a
filtered page (`amount` is not indexed: the filter reads the company's records) of the *first* company, whose
own size never changes, and of the step's new company. Prints a table, and writes an SVG plot of the first
company's latencies to docs/benchmarks-growth.svg.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

from ledgerlink.app import create_app
from ledgerlink.clients.service import add_api_key, ensure_default_client
from ledgerlink.config import Settings
from ledgerlink.connectors.base import FetchRequest
from ledgerlink.connectors.sandbox.banking import BankingSandbox
from ledgerlink.kit.clock import utcnow
from ledgerlink.records.store import refresh_statistics

DATA_TYPE = "banking-transactions"
FILTER = "amount>500"
PLOT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks-growth.svg"


async def per_scale(company_id: uuid.UUID) -> float:
    now = utcnow()
    request = FetchRequest(
        data_type=DATA_TYPE,
        company_id=company_id,
        connection_id=uuid.uuid4(),
        credentials={"scale": 10},
        linked_at=now,
        as_of=now,
    )
    return sum([len(b.records) async for b in BankingSandbox().fetch(request)]) / 10


async def timed(client: httpx.AsyncClient, path: str, params: dict, requests: int) -> float:
    """p50 latency in ms of sequential requests (after a few to warm up)."""
    for _ in range(5):
        assert (await client.get(path, params=params)).status_code == 200
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        response = await client.get(path, params=params)
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text[:200]
    return statistics.median(latencies) * 1000


def plot(rows: list[dict]) -> str:
    """A small log-x SVG: page and filtered-page p50 of the first company against stored records."""
    import math

    width, height, left, bottom = 560, 300, 60, 40
    xs = [math.log10(row["stored"]) for row in rows]
    top = max(max(row["page_first"], row["filtered_first"]) for row in rows) * 1.2
    lo, hi = min(xs), max(xs)

    def point(x: float, y: float) -> tuple[float, float]:
        return (
            left + (x - lo) / ((hi - lo) or 1) * (width - left - 20),
            height - bottom - y / top * (height - bottom - 20),
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
        "<title>Page latency as records grow</title>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#555"/>',
        f'<line x1="{left}" y1="10" x2="{left}" y2="{height - bottom}" stroke="#555"/>',
        f'<text x="{left}" y="{height - 8}">stored records (log scale)</text>',
        f'<text x="4" y="16">p50 ms (max {top:.1f})</text>',
    ]
    for key, colour, label in (
        ("page_first", "#1d4ed8", "100-record page"),
        ("filtered_first", "#b45309", f"query={FILTER}"),
    ):
        points = [point(x, row[key]) for x, row in zip(xs, rows, strict=True)]
        parts.append(
            '<polyline fill="none" stroke-width="2" stroke="%s" points="%s"/>'
            % (colour, " ".join(f"{px:.1f},{py:.1f}" for px, py in points))
        )
        for (px, py), row in zip(points, rows, strict=True):
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
            parts.append(f'<text x="{px + 4:.1f}" y="{py - 5:.1f}" fill="{colour}">{row[key]:.1f}</text>')
        parts.append(
            f'<text x="{width - 170}" y="{24 if key == "page_first" else 40}" fill="{colour}">{label}</text>'
        )
    for x, row in zip(xs, rows, strict=True):
        px, _ = point(x, 0)
        parts.append(f'<text x="{px - 12:.1f}" y="{height - bottom + 14}">10^{round(x)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


async def main(steps: list[int], requests: int) -> None:
    key = "growth-" + uuid.uuid4().hex
    with common.database() as url:
        engine = common.new_engine(url)
        run = common.runtime(engine, common.new_key())
        async with run.sessionmaker() as session, session.begin():
            client = await ensure_default_client(session)
            await add_api_key(session, client.id, key, name="benchmark")
        app = create_app(Settings(worker_concurrency=0, rate_limit_per_minute=0, data_dir=Path("/tmp")), url)
        headers = {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}
        rows, stored, first = [], 0, None
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", headers=headers, timeout=600
            ) as http:
                for target in steps:
                    wanted = target - stored
                    company_id, connection_id = await common.linked_sandbox(
                        run, f"Growth {target}", {}, "qhnd"
                    )
                    scale = max(1, round(wanted / await per_scale(company_id)))
                    await common.set_credentials(run, connection_id, {"scale": scale})
                    started = time.perf_counter()
                    await common.pull(run, company_id, connection_id, DATA_TYPE)
                    seconds = time.perf_counter() - started
                    async with engine.connect() as db, db.begin():
                        await refresh_statistics(db)
                        from sqlalchemy import text

                        added = await db.scalar(
                            text("SELECT count(*) FROM records WHERE connection_id = :c"),
                            {"c": connection_id},
                        )
                        stored = await db.scalar(text("SELECT count(*) FROM records"))
                    if first is None:
                        first = (company_id, connection_id)
                    figures = {"target": target, "stored": stored, "added": added, "rate": added / seconds}
                    for label, (company, connection) in (
                        ("first", first),
                        ("new", (company_id, connection_id)),
                    ):
                        path = f"/companies/{company}/connections/{connection}/data/{DATA_TYPE}"
                        figures[f"page_{label}"] = await timed(http, path, {"pageSize": 100}, requests)
                        figures[f"filtered_{label}"] = await timed(
                            http, path, {"pageSize": 100, "query": FILTER}, requests
                        )
                    rows.append(figures)
                    print(
                        f"{stored:>12,} stored (+{added:,} at {figures['rate']:,.0f}/s)  first company: page "
                        f"{figures['page_first']:6.1f} ms, filtered {figures['filtered_first']:6.1f} ms;  new company: "
                        f"page {figures['page_new']:6.1f} ms, filtered {figures['filtered_new']:7.1f} ms",
                        flush=True,
                    )
        await engine.dispose()
    base = next((row for row in rows if row["target"] == 100_000), rows[0])
    last = rows[-1]
    print()
    print(
        f"at {last['stored']:,} against {base['stored']:,}: page {last['page_first'] / base['page_first']:.2f}x, "
        f"filtered {last['filtered_first'] / base['filtered_first']:.2f}x (target <= 2x)"
    )
    PLOT.write_text(plot(rows))
    print(f"plot written to {PLOT}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="10000,100000,1000000,10000000")
    parser.add_argument("--requests", type=int, default=200)
    arguments = parser.parse_args()
    asyncio.run(main([int(step) for step in arguments.steps.split(",")], arguments.requests))
