"""Pulls through a running server: link a Sandbox company, wait until its pulls are final, read every page
of a data type."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import Connection, text

IN_FLIGHT = {
    "Initial",
    "Queued",
    "Fetching",
    "MapQueued",
    "Mapping",
    "ProcessingQueued",
    "Processing",
    "ValidationQueued",
    "Validating",
}


def wait_for_pulls(
    api: httpx.Client, company_id: str, *, at_least: int = 1, timeout: float = 90
) -> list[dict]:
    """Poll the pull history until every pull is final; returns them all."""
    deadline = time.monotonic() + timeout
    while True:
        pulls = api.get(f"/companies/{company_id}/data/history", params={"pageSize": 500}).json()["results"]
        if len(pulls) >= at_least and not any(p["status"] in IN_FLIGHT for p in pulls):
            return pulls
        if time.monotonic() > deadline:
            raise AssertionError(f"pulls still in flight: {[(p['dataType'], p['status']) for p in pulls]}")
        time.sleep(0.25)


def link_sandbox(
    api: httpx.Client, name: str, credentials: dict | None = None, key: str = "mqjo"
) -> tuple[str, str]:
    company = api.post("/companies", json={"name": name}).json()
    return company["id"], link_platform(api, company["id"], key, credentials)


def link_platform(api: httpx.Client, company_id: str, key: str, credentials: dict | None = None) -> str:
    """Another connection of a company, linked: its id."""
    connection = api.post(f"/companies/{company_id}/connections", json={"platformKey": key}).json()
    linked = api.put(
        f"/companies/{company_id}/connections/{connection['id']}/authorization", json=credentials or {}
    )
    assert linked.status_code == 200 and linked.json()["status"] == "Linked", linked.text
    return connection["id"]


def read_all(api: httpx.Client, path: str, **params: str) -> list[dict]:
    records, page = [], 1
    while True:
        body = api.get(path, params={"page": page, "pageSize": 2000, **params})
        assert body.status_code == 200, body.text
        payload = body.json()
        records += payload["results"]
        if "next" not in payload["_links"]:
            return records
        page += 1


@contextmanager
def platform_records_held(db: Connection, connection_id: str) -> Iterator[None]:
    """Until the block ends, a pull of the connection's Accounting Sandbox stays in flight: it reads the
    records written to the platform under this lock (`connections.platform_store`), held here by `db`'s
    transaction, which the block commits at its end."""
    db.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"platform-records:{connection_id}"},
    )
    try:
        yield
    finally:
        db.commit()
