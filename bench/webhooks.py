"""Webhook delivery: deliveries per second to a fast local receiver, and the time from a pull completing to
its `read.completed` arriving.

    python bench/webhooks.py [--events 5000] [--consumers 1,4] [--reads 20]

A receiver runs in a subprocess (uvicorn on 127.0.0.1, verifying every signature with `standardwebhooks`,
answering 200 at once). This process runs the real webhook worker (procrastinate on queue "webhooks", the
same task, settings and HTTP client as `ledgerlink serve`).

1. Throughput, per consumer count: with the worker stopped, `--events` events are written through
   `events.emit` (500 a transaction; each flush fans out to the consumers), then the worker starts and the
   receiver counts arrivals. Printed: deliveries/s from the worker's start, and between the first and
   last arrival.
2. Latency: one consumer of `read.completed`; a Sandbox company's `company` data type is pulled `--reads`
   times through the runner (`sync.runner.run_pull`, as the pull job does), each pull's `read.completed`
   written in its final transaction. Printed: p50/p90/max from the pull's commit to the event's arrival.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Self

import httpx
import procrastinate

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

from ledgerlink.config import Settings  # noqa: E402
from ledgerlink.db import create_engine, create_sessionmaker  # noqa: E402
from ledgerlink.jobs import WEBHOOKS_QUEUE, Runtime  # noqa: E402
from ledgerlink.kit import outbound  # noqa: E402
from ledgerlink.kit.secrets import SecretBox  # noqa: E402
from ledgerlink.kit.urls import PublicUrls  # noqa: E402
from ledgerlink.webhooks.delivery import http_client  # noqa: E402
from ledgerlink.worker import create_job_app  # noqa: E402

RECEIVER = '''
import json, os, time
import uvicorn
from standardwebhooks import Webhook

signers = {}
arrivals = []
invalid = 0


async def app(scope, receive, send):
    global invalid
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    path, method = scope["path"], scope["method"]
    answer = b"{}"
    if method == "POST" and path.startswith("/hooks/"):
        at = time.time()
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        try:
            event = signers[path].verify(body, headers)
        except Exception:
            invalid += 1
        else:
            company = (event["payload"].get("referenceCompany") or {}).get("id")
            arrivals.append([at, headers["webhook-id"], event["eventType"], company])
    elif method == "POST" and path == "/secrets":
        for hook, secret in json.loads(body).items():
            signers[hook] = Webhook(secret)
    elif method == "POST" and path == "/reset":
        arrivals.clear()
    elif path == "/arrivals":
        answer = json.dumps({"arrivals": arrivals, "invalid": invalid}).encode()
    elif path == "/count":
        answer = json.dumps({"count": len(arrivals), "invalid": invalid}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(answer)).encode())]})
    await send({"type": "http.response.body", "body": answer})


uvicorn.run(app, host="127.0.0.1", port=int(os.environ["BENCH_PORT"]), log_level="warning",
            access_log=False, lifespan="off")
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def receiver_process():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", RECEIVER], env={**os.environ, "BENCH_PORT": str(port)})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{base}/count", timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the receiver did not start") from None
            time.sleep(0.1)
    try:
        yield base
    finally:
        process.terminate()
        process.wait()


class Worker:
    """The webhooks worker of `ledgerlink serve`, started and stopped at will (on one job app, opened by
    the caller)."""

    def __init__(self, job_app: procrastinate.App, runtime: Runtime) -> None:
        self.job_app = job_app
        self.runtime = runtime
        self.task: asyncio.Task | None = None

    async def __aenter__(self) -> Self:
        self.task = asyncio.create_task(
            self.job_app.run_worker_async(
                queues=[WEBHOOKS_QUEUE],
                concurrency=self.runtime.settings.webhook_concurrency,
                install_signal_handlers=False,
                additional_context={"runtime": self.runtime},
                fetch_job_polling_interval=1.0,
                delete_jobs="successful",
            )
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def add_consumers(run: Runtime, receiver: str, count: int, event_types: list[str]) -> list[uuid.UUID]:
    from ledgerlink.clients.service import ensure_default_client
    from ledgerlink.kit.auth import Principal
    from ledgerlink.webhooks import service
    from ledgerlink.webhooks.schemas import ConsumerCreate

    made, secrets = [], {}
    async with run.sessionmaker() as session, session.begin():
        client = await ensure_default_client(session)
        principal = Principal(client_id=client.id, api_key_id=uuid.uuid4())
        for _ in range(count):
            hook = f"/hooks/{uuid.uuid4().hex}"
            body = ConsumerCreate.model_validate({"url": f"{receiver}{hook}", "eventTypes": event_types})
            consumer = await service.create(
                session, principal, body, run.secrets, outbound.policy(run.settings.outbound_allow)
            )
            made.append(consumer.id)
            secrets[hook] = run.secrets.open(consumer.sealed_secret)
    async with httpx.AsyncClient() as http:
        (await http.post(f"{receiver}/secrets", json=secrets)).raise_for_status()
    return made


async def remove_consumers(run: Runtime, consumer_ids: list[uuid.UUID]) -> None:
    from ledgerlink.webhooks.models import WebhookConsumer

    async with run.sessionmaker() as session, session.begin():
        for consumer_id in consumer_ids:
            await session.delete(await session.get(WebhookConsumer, consumer_id))


async def write_events(run: Runtime, count: int) -> None:
    from ledgerlink.clients.service import ensure_default_client
    from ledgerlink.events.service import emit

    async with run.sessionmaker() as session:
        client_id = (await ensure_default_client(session)).id
    for start in range(0, count, 500):
        async with run.sessionmaker() as session, session.begin():
            for n in range(start, min(start + 500, count)):
                company_id = uuid.uuid4()
                payload = {"id": str(company_id), "name": f"Bench {n}", "tags": {}, "dataConnections": []}
                emit(session, client_id=client_id, event_type="company.created", payload=payload,
                     company_id=company_id)


async def wait_count(receiver: str, wanted: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while (await http.get(f"{receiver}/count")).json()["count"] < wanted:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {(await http.get(f'{receiver}/count')).json()} of {wanted} arrived")
            await asyncio.sleep(0.05)


async def receiver_call(method: str, url: str) -> dict:
    async with httpx.AsyncClient() as http:
        response = await http.request(method, url)
        response.raise_for_status()
        return response.json()


async def throughput(
    job_app: procrastinate.App, run: Runtime, receiver: str, events: int, consumers: int
) -> None:
    await receiver_call("POST", f"{receiver}/reset")
    consumer_ids = await add_consumers(run, receiver, consumers, ["company.created"])
    wrote = time.perf_counter()
    await write_events(run, events)
    wrote = time.perf_counter() - wrote
    wanted = events * consumers
    async with Worker(job_app, run):
        started = time.time()
        await wait_count(receiver, wanted, timeout=600)
        elapsed = time.time() - started
    body = await receiver_call("GET", f"{receiver}/arrivals")
    times = sorted(arrival[0] for arrival in body["arrivals"])
    ids = {arrival[1] for arrival in body["arrivals"]}
    # Every signature valid, every message there, none twice (nothing failed, so nothing was retried).
    assert body["invalid"] == 0 and len(ids) == len(body["arrivals"]) == wanted, (body["invalid"], len(ids))
    span = times[-1] - times[0]
    print(
        f"  {consumers} consumer(s) x {events:,} events = {wanted:,} deliveries "
        f"(written in {wrote:.1f} s): {wanted / elapsed:,.0f}/s from the worker's start "
        f"({elapsed:.1f} s), {(wanted - 1) / span:,.0f}/s first to last arrival; each signed, once",
        flush=True,
    )
    await remove_consumers(run, consumer_ids)


async def latency(job_app: procrastinate.App, run: Runtime, receiver: str, reads: int) -> None:
    from sqlalchemy import select

    from ledgerlink.sync.models import PullOperation

    await receiver_call("POST", f"{receiver}/reset")
    consumer_ids = await add_consumers(run, receiver, 1, ["read.completed"])
    company_id, connection_id = await common.linked_sandbox(run, "Latency Ltd", {})
    samples = []
    async with Worker(job_app, run):
        await asyncio.sleep(1)  # the worker is listening
        for n in range(reads):
            pull_id = await common.pull(run, company_id, connection_id, "company")
            async with run.sessionmaker() as session:
                completed = await session.scalar(
                    select(PullOperation.completed).where(PullOperation.id == pull_id)
                )
            await wait_count(receiver, n + 1, timeout=30)
            arrival = (await receiver_call("GET", f"{receiver}/arrivals"))["arrivals"][-1]
            assert arrival[2] == "read.completed" and arrival[3] == str(company_id)
            samples.append((arrival[0] - completed.timestamp()) * 1000)
            await asyncio.sleep(0.2)
    samples.sort()
    print(
        f"  pull committed -> read.completed received, {reads} pulls: "
        f"p50 {statistics.median(samples):.0f} ms, "
        f"p90 {samples[int(len(samples) * 0.9) - 1]:.0f} ms, max {samples[-1]:.0f} ms",
        flush=True,
    )
    await remove_consumers(run, consumer_ids)


async def main(args: argparse.Namespace) -> None:
    # The receiver is on loopback, which the outbound policy opens only when the operator says so.
    settings = Settings(outbound_allow="127.0.0.1/32")
    with common.database() as url, receiver_process() as receiver:
        engine = create_engine(url)
        async with http_client(settings) as http:
            run = Runtime(
                engine=engine,
                sessionmaker=create_sessionmaker(engine),
                secrets=SecretBox(common.new_key()),
                urls=PublicUrls("http://bench"),
                settings=settings,
                http=http,
            )
            print(
                f"webhook worker: concurrency {settings.webhook_concurrency}, "
                f"{settings.webhook_consumer_parallelism} requests in flight per consumer",
                flush=True,
            )
            async with create_job_app(url, settings).open_async() as job_app:
                print("Throughput to a fast local receiver:", flush=True)
                for consumers in args.consumers:
                    await throughput(job_app, run, receiver, args.events, consumers)
                print("Latency:", flush=True)
                await latency(job_app, run, receiver, args.reads)
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--consumers", type=lambda v: [int(x) for x in v.split(",")], default=[1, 4])
    parser.add_argument("--reads", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
