"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that keeps every request it gets and
verifies its Standard Webhooks signature with the `standardwebhooks` package."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from standardwebhooks import Webhook

from tests.support.server import free_port


@dataclass
class Message:
    """One request as it arrived."""

    body: bytes
    headers: dict[str, str]
    received_at: float

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body: bytes = b"ok"


class Receiver:
    """Start it (now or later: its port is fixed up front, so a consumer can point at it while it is down);
    `answer` decides each response from the message and how many times its `webhook-id` was seen."""

    def __init__(
        self, answer: Callable[[Message, int], Answer] | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.host = host
        self.port = free_port()
        self.url = f"http://{host}:{self.port}/hooks"
        self.secret: str | None = None
        self.answer = answer or (lambda message, seen: Answer())
        self.messages: list[Message] = []
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Self:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                message = Message(body, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
                with receiver._lock:
                    receiver.messages.append(message)
                    seen = receiver._seen[message.webhook_id] = receiver._seen.get(message.webhook_id, 0) + 1
                answer = receiver.answer(message, seen)
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting (a timeout under test)

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer((receiver.host, self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.1,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def verified(self) -> list[tuple[str, dict[str, Any]]]:
        """(webhook-id, event) of every request so far, each signature checked with the consumer's secret."""
        assert self.secret, "set the consumer's secret before verifying"
        webhook = Webhook(self.secret)
        with self._lock:
            messages = list(self.messages)
        return [(message.webhook_id, webhook.verify(message.body, message.headers)) for message in messages]

    def events(self) -> dict[str, dict[str, Any]]:
        """Verified events, one per `webhook-id` (a retry of a message the receiver already had is
        dropped)."""
        return dict(self.verified())

    def wait_for(self, predicate: Callable[[Receiver], bool], timeout: float = 30, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                has = [e["eventType"] for e in self.events().values()] if self.secret else len(self.messages)
                raise AssertionError(f"timed out waiting for {what or 'the receiver'}; it has {has}")
            time.sleep(0.05)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
