"""uvicorn's HTTP protocol with a deadline for a request's headers.

uvicorn bounds the wait between requests on a kept-alive connection (`timeout_keep_alive`) but not the
headers themselves: a client sending a header line every few seconds held its connection (and a slot of the
server's) for as long as it liked. The application cannot help, since it is called once the headers are
complete, so the deadline is kept here: from a connection's opening, and from the first byte of each
further request on it, the headers must be complete within `LEDGERLINK_HEADER_TIMEOUT_SECONDS`, or the
client is answered 408 and the connection closed.
"""

from __future__ import annotations

import asyncio
import uuid

import orjson
import structlog
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ledgerlink.kit.errors import error_body

log = structlog.get_logger("ledgerlink.http")


class HeaderDeadlineProtocol(HttpToolsProtocol):
    header_timeout_seconds = 15.0
    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_deadline is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._header_deadline = self.loop.call_later(self.header_timeout_seconds, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing():
            return
        seconds = f"{self.header_timeout_seconds:g}"
        log.info("request headers too slow; connection closed", client=self.client and self.client[0])
        body = orjson.dumps(
            error_body(
                408,
                f"The request's headers did not arrive within {seconds} seconds.",
                correlation=uuid.uuid4().hex,
                can_be_retried="True",
            )
        )
        self.transport.write(
            b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        self.transport.close()


def with_header_timeout(seconds: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class to give uvicorn (`http=`), with this deadline."""
    return type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout_seconds": seconds})
