"""Prometheus figures: requests (per route template), pulls and webhook deliveries as this process sees
them, and, read from the database when scraped, what is waiting across the whole install.

`GET /metrics` on every API process; `ledgerlink worker --metrics-port N` serves a worker's own. Counters
are per process (Prometheus sums them across targets); the `_waiting` gauges are the install's and the same
from every target.

`ledgerlink serve`'s worker process counts in prometheus_client's multiprocess files (its environment has
`PROMETHEUS_MULTIPROC_DIR`), which the API process's `/metrics` adds to its own in-memory figures, one family
per name. The API keeps in-memory values: a multiprocess value writes a memory-mapped file at every
increment, several times the cost per request. Neither process has a gauge of its own (a gauge across
processes needs a rule to combine them): the `_waiting` ones are read at the scrape.
"""

from __future__ import annotations

import functools
import hmac
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import Scope

from ledgerlink.kit.errors import Unauthorized

REQUESTS = Counter("ledgerlink_http_requests", "API requests answered", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "ledgerlink_http_request_duration_seconds",
    "Time to answer an API request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PULLS = Counter(
    "ledgerlink_pulls_finished", "Pull operations that reached a final status", ["data_type", "status"]
)
PULL_SECONDS = Histogram(
    "ledgerlink_pull_duration_seconds",
    "From a pull being queued to its final status",
    ["data_type"],
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600),
)
PULL_RECORDS = Counter(
    "ledgerlink_pull_records_modified", "Records created, changed or deleted by pulls", ["data_type"]
)
DELIVERY_ATTEMPTS = Counter("ledgerlink_webhook_attempts", "Webhook delivery attempts", ["outcome"])
DELIVERY_SECONDS = Histogram(
    "ledgerlink_webhook_attempt_duration_seconds",
    "Time a receiver took to answer an attempt",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)


def observe_request(scope: Scope, status: int, seconds: float) -> None:
    route = scope.get("route")
    # The route's template, so ids do not make a series each; unmatched paths share one.
    template = getattr(route, "path", None) or "unmatched"
    counted, timed = _request_series(scope.get("method", ""), template, status)
    counted.inc()
    timed.observe(seconds)


@functools.lru_cache(maxsize=4096)
def _request_series(method: str, template: str, status: int) -> tuple[Any, Any]:
    """A request's counter and histogram series, found once: `labels()` looks them up under a lock, a
    cost on every request. Bounded as the series are (methods x route templates x statuses)."""
    return REQUESTS.labels(method, template, str(status)), REQUEST_SECONDS.labels(method, template)


def observe_pull(data_type: str, status: str, seconds: float | None, modified: int = 0) -> None:
    PULLS.labels(data_type, status).inc()
    if seconds is not None:
        PULL_SECONDS.labels(data_type).observe(seconds)
    if modified:
        PULL_RECORDS.labels(data_type).inc(modified)


def observe_delivery(succeeded: bool, seconds: float) -> None:
    DELIVERY_ATTEMPTS.labels("succeeded" if succeeded else "failed").inc()
    DELIVERY_SECONDS.observe(seconds)


# Each reads a partial index's rows only (in-flight pulls, pending deliveries, unfinished jobs).
_WAITING_PULLS = text(
    "SELECT status, count(*) FROM pull_operations WHERE status IN "
    "('Initial', 'Queued', 'Fetching', 'MapQueued', 'Mapping', 'ProcessingQueued', 'Processing', "
    "'ValidationQueued', 'Validating') GROUP BY status"
)
_WAITING_DELIVERIES = text("SELECT count(*) FROM webhook_deliveries WHERE status = 'Pending'")
_WAITING_JOBS = text(
    "SELECT queue_name, status, count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
    "GROUP BY queue_name, status"
)


def require_token(header: str | None, token: str | None) -> None:
    """With `LEDGERLINK_METRICS_TOKEN` set, a scrape must carry it (`Authorization: Bearer <token>`): a
    scrape reads the database and renders every series, which strangers should not be able to set off."""
    if not token:
        return
    scheme, _, given = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Unauthorized("A metrics token is required: Authorization: Bearer <LEDGERLINK_METRICS_TOKEN>.")


async def exposition(engine: AsyncEngine, worker_files: Path | None = None) -> tuple[bytes, str]:
    """The text Prometheus scrapes: this process's figures, those of the worker process writing
    `worker_files` (`ledgerlink serve`'s), and the install-wide gauges read now."""
    async with engine.connect() as connection:
        pulls = (await connection.execute(_WAITING_PULLS)).all()
        deliveries = await connection.scalar(_WAITING_DELIVERIES)
        jobs = (await connection.execute(_WAITING_JOBS)).all()
    waiting = [
        GaugeMetricFamily(
            "ledgerlink_pulls_waiting", "Pull operations in flight across the install", labels=["status"]
        ),
        GaugeMetricFamily(
            "ledgerlink_webhook_deliveries_waiting", "Webhook deliveries pending across the install"
        ),
        GaugeMetricFamily(
            "ledgerlink_jobs_waiting",
            "Jobs waiting or running across the install",
            labels=["queue", "status"],
        ),
    ]
    for status, count in pulls:
        waiting[0].add_metric([status], count)
    waiting[1].add_metric([], deliveries or 0)
    for queue, status, count in jobs:
        waiting[2].add_metric([queue, status], count)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures(_process_figures(worker_files), waiting))
    return generate_latest(registry), CONTENT_TYPE_LATEST


def _process_figures(worker_files: Path | None) -> list[Metric]:
    """This process's families, with the worker process's added sample by sample (counters and histogram
    buckets sum across processes). A process started with `PROMETHEUS_MULTIPROC_DIR` itself counts in the
    files too: they alone are its figures then."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        return list(MultiProcessCollector(None).collect())
    own = list(REGISTRY.collect())
    if worker_files is None:
        return own
    return _summed(own, MultiProcessCollector(None, path=str(worker_files)).collect())


def _summed(*sources: Iterable[Metric]) -> list[Metric]:
    families: dict[str, Metric] = {}
    values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], Sample]] = {}
    for source in sources:
        for metric in source:
            family = families.setdefault(metric.name, Metric(metric.name, metric.documentation, metric.type))
            samples = values.setdefault(family.name, {})
            for sample in metric.samples:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                known = samples.get(key)
                if known is None or sample.name.endswith("_created"):  # (a start time: the first kept)
                    samples.setdefault(key, sample)
                else:
                    samples[key] = known._replace(value=known.value + sample.value)
    for name, family in families.items():
        family.samples = list(values[name].values())
    return list(families.values())


class _Figures(Collector):
    """Families gathered already, for `generate_latest`."""

    def __init__(self, *families: Sequence[Metric]) -> None:
        self._families = [family for group in families for family in group]

    def collect(self) -> Iterable[Metric]:
        return self._families
