"""List pages of the read API answer on their one-statement path exactly as on the ordinary path.

`data.endpoints` serves a list page with one statement on the read pool (key, source and page at once)
and falls back to the ordinary path (session, `authenticate`, `reads.source`, `reads.page`) for anything
else. Each request below is sent twice to an in-process app on the test server's database: as it is, and
with the one-statement path switched off; status, body (correlation ids aside) and content type must be
the same.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from ledgerlink.app import create_app
from ledgerlink.config import Settings
from ledgerlink.data import reads
from ledgerlink.kit.front_door import FrontDoor
from tests.support.pulls import link_sandbox, wait_for_pulls
from tests.support.server import RunningServer


@pytest.fixture(scope="module")
def linked(server: RunningServer) -> tuple[str, str, str]:
    with server.client() as api:
        company_id, connection_id = link_sandbox(api, "Fast Path Ltd")
        wait_for_pulls(api, company_id, at_least=10)
        accounts = api.get(f"/companies/{company_id}/connections/{connection_id}/data/bankAccounts").json()
    return company_id, connection_id, accounts["results"][0]["id"]


def cases(company_id: str, connection_id: str, account_id: str, good: str) -> list[tuple[str, object, dict]]:
    bad = {"Authorization": "Basic bm9wZQ=="}
    ok = {"Authorization": good}
    entries = f"/companies/{company_id}/data/journalEntries"
    nested = (
        f"/companies/{company_id}/connections/{connection_id}/data/bankAccounts/{account_id}/bankTransactions"
    )
    return [
        (entries, {}, ok),
        (entries, {"page": "2", "pageSize": "7"}, ok),
        (entries, {"page": "100000"}, ok),
        (entries, {"query": "postedOn>2024-01-01", "page": "2", "pageSize": "5"}, ok),
        (entries, {"orderBy": "-postedOn", "pageSize": "5"}, ok),
        (entries, {"orderBy": "postedOn", "pageSize": "5", "page": "3"}, ok),
        (entries, {"query": "malformed!!"}, ok),
        (entries, {"query": "nope=1"}, ok),
        (entries, {"orderBy": "nope"}, ok),
        (entries, {"pageSize": "0"}, ok),
        (entries, {"pageSize": "0"}, bad),
        (entries, {}, bad),
        (entries, {}, {}),
        (entries, [("page", "1"), ("page", "2"), ("pageSize", "3"), ("other", "x")], ok),
        (f"/companies/{uuid.uuid4()}/data/journalEntries", {}, ok),
        ("/companies/not-an-id/data/journalEntries", {}, ok),
        (f"/companies/{company_id}/data/purchaseOrders", {}, ok),
        (f"/companies/{company_id}/connections/{connection_id}/data/bankAccounts", {"pageSize": "2"}, ok),
        (nested, {}, ok),
        (nested, {"pageSize": "3", "page": "2", "orderBy": "-date"}, ok),
        (nested, {"query": "amount>0"}, ok),
        (
            f"/companies/{company_id}/connections/{uuid.uuid4()}/data/bankAccounts/{account_id}/bankTransactions",
            {},
            ok,
        ),
        (f"/companies/{company_id}/connections/{connection_id}/data/banking-accounts", {}, ok),
    ]


@pytest.mark.anyio
async def test_the_one_statement_path_answers_as_the_ordinary_one(
    linked, server: RunningServer, postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(Settings(data_dir=tmp_path, worker_concurrency=0), postgres)
    fast_page = reads.fast_page
    served: list[bool] = []

    async def counted(*args: object, **kwargs: object) -> object:
        found = await fast_page(*args, **kwargs)
        served.append(found is not None and found.source is not None)
        return found

    async def refused(*args: object, **kwargs: object) -> None:
        raise ValueError("the ordinary path")

    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            for path, params, headers in cases(*linked, server.auth_header):
                served.clear()
                monkeypatch.setattr(reads, "fast_page", counted)
                fast = await client.get(path, params=params, headers=headers)
                # Every page answered 200 came from the one statement.
                assert fast.status_code != 200 or served == [True], (path, params)
                monkeypatch.setattr(reads, "fast_page", refused)
                ordinary = await client.get(path, params=params, headers=headers)
                assert fast.status_code == ordinary.status_code, (path, params)
                assert fast.headers["content-type"] == ordinary.headers["content-type"] == "application/json"
                if fast.status_code == 200:
                    assert fast.content == ordinary.content, (path, params)
                else:
                    mine, theirs = fast.json(), ordinary.json()
                    mine.pop("correlationId"), theirs.pop("correlationId")
                    assert mine == theirs, (path, params)
    finally:
        await app.state.engine.dispose()


def test_a_deleted_key_reads_no_page(linked, api, server: RunningServer) -> None:
    company_id, _, _ = linked
    created = api.post("/apiKeys", json={"name": "short-lived reader"}).json()
    path = f"{server.base_url}/companies/{company_id}/data/journalEntries"
    assert httpx.get(path, auth=(created["apiKey"], "")).status_code == 200
    assert api.delete(f"/apiKeys/{created['id']}").status_code == 204
    assert httpx.get(path, auth=(created["apiKey"], "")).status_code == 401


@pytest.mark.anyio
async def test_a_new_filter_asked_at_once_by_many_is_counted_once(
    linked, server: RunningServer, postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    company_id, _, _ = linked
    app = create_app(Settings(data_dir=tmp_path, worker_concurrency=0, rate_limit_per_minute=0), postgres)
    read_one = reads.read_one
    counts = 0

    async def slow_count(engine: object, sql: str, params: dict) -> object:
        nonlocal counts
        if sql.lstrip().upper().startswith("SELECT COUNT(*)"):
            counts += 1
            await asyncio.sleep(0.3)  # a count that takes a while, as over a large result
        return await read_one(engine, sql, params)

    monkeypatch.setattr(reads, "read_one", slow_count)
    # A filter no one has asked before (the count is kept per filter).
    params = {"query": f"description!={uuid.uuid4().hex}", "pageSize": "3"}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": server.auth_header},
        ) as client:
            answers = await asyncio.gather(
                *(
                    client.get(f"/companies/{company_id}/data/journalEntries", params=params)
                    for _ in range(20)
                )
            )
    finally:
        await app.state.engine.dispose()
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.json()["totalResults"] for answer in answers}) == 1
    assert answers[0].json()["totalResults"] > 0
    assert counts == 1


@pytest.mark.anyio
async def test_a_failed_count_reaches_every_waiter_and_the_next_ask_counts_again() -> None:
    counts = reads.MatchCounts(8)
    calls = 0

    async def failing() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        raise RuntimeError("the database went away")

    async def working() -> int:
        nonlocal calls
        calls += 1
        return 7

    results = await asyncio.gather(
        *(counts.count_once("k", failing) for _ in range(5)), return_exceptions=True
    )
    assert calls == 1 and all(isinstance(result, RuntimeError) for result in results)
    assert await counts.count_once("k", working) == 7 and calls == 2
    assert await counts.count_once("k", working) == 7 and calls == 2  # kept


@pytest.mark.anyio
async def test_the_front_door_answers_as_the_middleware_stack(
    linked, server: RunningServer, postgres: str, tmp_path: Path
) -> None:
    """A plain list page is answered by the front door (kit/front_door.py); the same request with an
    `Origin` no client allows goes the whole way through the stack, whose CORS layer adds nothing for it.
    Status, body (correlation ids aside) and the response's headers, in order, must be the same."""
    app = create_app(Settings(data_dir=tmp_path, worker_concurrency=0), postgres)
    varying = {"date", "x-correlation-id", "x-rate-limit-remaining", "x-rate-limit-reset"}
    door = app.middleware_stack
    assert isinstance(door, FrontDoor)
    inner, through_stack = door.app, []

    async def counted(scope: Scope, receive: Receive, send: Send) -> None:
        through_stack.append(scope["path"])
        await inner(scope, receive, send)

    door.app = counted
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            for path, params, headers in cases(*linked, server.auth_header):
                through_stack.clear()
                front = await client.get(path, params=params, headers=headers)
                assert through_stack == [], (path, params)
                stack = await client.get(path, params=params, headers={**headers, "Origin": "https://x.test"})
                assert len(through_stack) == 1, (path, params)
                assert front.status_code == stack.status_code, (path, params)
                assert [name for name, _ in front.headers.items()] == [n for n, _ in stack.headers.items()]
                assert {k: v for k, v in front.headers.items() if k not in varying} == {
                    k: v for k, v in stack.headers.items() if k not in varying
                }, (path, params)
                if front.status_code == 200:
                    assert front.content == stack.content, (path, params)
                else:
                    mine, theirs = front.json(), stack.json()
                    assert mine.pop("correlationId") == front.headers["x-correlation-id"]
                    theirs.pop("correlationId")
                    assert mine == theirs, (path, params)
    finally:
        await app.state.engine.dispose()
