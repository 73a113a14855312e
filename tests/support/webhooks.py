"""Webhook consumers through the API: one sending to a test's receiver (which then verifies with its secret),
its deliveries, and a company with tags for consumers to match."""

from __future__ import annotations

import httpx

from tests.support.webhook_receiver import Receiver


def add_consumer(api: httpx.Client, receiver: Receiver, **body: object) -> str:
    """A consumer sending to `receiver`, whose secret the receiver then verifies with."""
    created = api.post("/webhooks", json={"url": receiver.url, **body})
    assert created.status_code == 201, created.text
    consumer_id = created.json()["id"]
    receiver.secret = api.get(f"/webhooks/{consumer_id}/secret").json()["secret"]
    return consumer_id


def deliveries(api: httpx.Client, consumer_id: str, **params: str) -> list[dict]:
    page = api.get(f"/webhooks/{consumer_id}/deliveries", params={"pageSize": 500, **params})
    assert page.status_code == 200, page.text
    return page.json()["results"]


def tagged_company(api: httpx.Client, name: str, tags: dict[str, str]) -> str:
    created = api.post("/companies", json={"name": name, "tags": tags})
    assert created.status_code == 200, created.text
    return created.json()["id"]
