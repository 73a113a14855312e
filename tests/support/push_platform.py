"""A platform that takes creates, updates and deletes, for the push layer's own tests: a small HTTP fake
(`LedgerPlatform`, served on a thread of the test process) and its connector (`TestLedger`), which a test
server loads through LEDGERLINK_CONNECTOR_MODULES=tests.support.push_platform with
LEDGERLINK_TEST_LEDGER_URL pointing at the fake.

The fake keeps its records in memory (each write stamps its `sourceModifiedDate`), takes an
`Idempotency-Key` header on every write (a second write with the same key answers the first and writes
nothing, as Xero does), and can hold a write (`hold`) either before it writes the record or after it wrote
it and before it answers, until the test lets it go (`release`): the two windows in which a worker may die
mid-push.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

from ledgerlink.connectors.base import (
    Batch,
    Branding,
    Connector,
    ConnectorInfo,
    CredentialField,
    FetchRequest,
    PlatformFailed,
    PushRejected,
    PushRequest,
    RecordNotFound,
)
from ledgerlink.records.registry import Operation, SourceType
from tests.support.server import free_port
from tests.support.threaded import ThreadedServer

URL_VARIABLE = "LEDGERLINK_TEST_LEDGER_URL"
KEY = "tldg"
# What `PUT .../authorization` links it with (any API key will do).
CREDENTIALS = {"apiKey": "test-ledger-key"}

Moment = Literal["before-write", "after-write"]


@dataclass
class LedgerPlatform:
    """The fake platform's state: records by type and id, and what each idempotency key answered."""

    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    # Every write the platform made, as (method, data type, record id).
    writes: list[tuple[str, str, str | None]] = field(default_factory=list)
    hold_at: Moment | None = None
    # Let go of a write held before it was written without writing it (its client is gone).
    dropped: bool = False
    held: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hold(self, at: Moment) -> None:
        """Hold the next write at `at` until `release` (`held` is set once one is waiting)."""
        self.held.clear()
        self.released.clear()
        self.hold_at = at

    def release(self, *, drop: bool = False) -> None:
        """Let the held write go on; with `drop`, one held before writing ends without writing."""
        self.dropped = drop
        self.hold_at = None
        self.released.set()

    def _pause(self, at: Moment) -> bool:
        """Wait here if the write is held at `at`; whether it is to be dropped."""
        if self.hold_at != at:
            return False
        self.held.set()
        self.released.wait(timeout=120)
        return self.dropped

    def write(
        self, method: str, data_type: str, record_id: str | None, body: dict[str, Any], key: str | None
    ) -> tuple[int, dict[str, Any]]:
        if key is not None and key in self.answers:
            return self.answers[key]
        if self._pause("before-write"):
            return 503, {"message": "The request was dropped."}
        with self.lock:
            kept = self.records.setdefault(data_type, {})
            if method != "POST" and record_id not in kept:
                answer: tuple[int, dict[str, Any]] = (404, {"message": f"No {data_type} {record_id}."})
            elif method == "POST" and not body.get("reference", "ok"):
                answer = (422, {"message": "A reference cannot be empty.", "field": "reference"})
            else:
                record_id = record_id if method != "POST" else uuid.uuid4().hex
                self.writes.append((method, data_type, record_id))
                if method == "DELETE":
                    answer = (200, kept.pop(str(record_id)))
                else:
                    modified = datetime.now(UTC).isoformat(timespec="microseconds")
                    kept[str(record_id)] = {**body, "id": record_id, "sourceModifiedDate": modified}
                    answer = (200, kept[str(record_id)])
            if key is not None:
                self.answers[key] = answer
        self._pause("after-write")
        return answer

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/{data_type}")
        def read(data_type: str) -> JSONResponse:
            with self.lock:
                return JSONResponse(list(self.records.get(data_type, {}).values()))

        @app.api_route("/{data_type}", methods=["POST"])
        @app.api_route("/{data_type}/{record_id}", methods=["PUT", "DELETE"])
        async def write(
            request: Request,
            data_type: str,
            record_id: str | None = None,
            idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
        ) -> JSONResponse:
            body = await request.json() if request.method != "DELETE" else {}
            # Held writes wait on a thread, so the fake goes on answering reads meanwhile.
            import anyio.to_thread

            status, answer = await anyio.to_thread.run_sync(
                self.write, request.method, data_type, record_id, body, idempotency_key
            )
            return JSONResponse(answer, status_code=status)

        return app

    def serve(self) -> tuple[ThreadedServer, str]:
        port = free_port()
        return ThreadedServer(self.app(), port, "test-ledger").start(), f"http://127.0.0.1:{port}"


class TestLedger(Connector):
    """Writes invoices (create, update, delete), journal entries (create, delete) and bank transactions
    (create) to the fake; reads them back from it."""

    info = ConnectorInfo(
        key=KEY,
        name="Test Ledger",
        source_type=SourceType.ACCOUNTING,
        branding=Branding(mark="TL", background="#1f3a5f"),
        data_types=("invoices", "journalEntries", "bankTransactions"),
        writable_data_types=("invoices", "journalEntries", "bankTransactions"),
        updatable_data_types=("invoices",),
        deletable_data_types=("invoices", "journalEntries"),
        credential_fields=(CredentialField("apiKey", "API key", secret=True),),
    )

    def _url(self, *parts: str) -> str:
        return "/".join((os.environ[URL_VARIABLE], *parts))

    async def fetch(self, request: FetchRequest) -> AsyncIterator[Batch]:
        async with httpx.AsyncClient() as http:
            answer = await http.get(self._url(request.data_type))
        answer.raise_for_status()
        yield Batch(records=answer.json(), complete=True)

    async def push(self, request: PushRequest) -> dict[str, Any]:
        method = {Operation.CREATE: "POST", Operation.UPDATE: "PUT", Operation.DELETE: "DELETE"}
        path = [request.data_type] if request.record_id is None else [request.data_type, request.record_id]
        body = request.record
        if request.account_id is not None:
            body = {**body, "accountId": request.account_id}
        async with httpx.AsyncClient(timeout=180) as http:
            answer = await http.request(
                method[request.operation],
                self._url(*path),
                json=body if request.operation is not Operation.DELETE else None,
                headers={"Idempotency-Key": request.idempotency_key},
            )
        if answer.status_code == 404:
            raise RecordNotFound(answer.json()["message"])
        if answer.status_code == 422:
            refused = answer.json()
            item = {"itemId": refused["field"], "message": refused["message"], "validatorName": "TestLedger"}
            raise PushRejected(refused["message"], [item])
        if answer.status_code != 200:
            raise PlatformFailed(f"Test Ledger answered {answer.status_code}.")
        written: dict[str, Any] = answer.json()
        return written


def connectors() -> list[Connector]:
    return [TestLedger()]
