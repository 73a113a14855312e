"""uvicorn's HTTP protocol with a deadline for a request's headers.

uvicorn bounds the wait between requests on a kept-alive connection (`timeout_keep_alive`) but not the
headers themselves: a client sending a header line every few seconds held its connection (and a slot of the
server's) for as long as it liked. The application cannot help, since it is called once the headers are
complete, so the deadline is kept here: from a connection's opening, and from the first byte of each
further request on it, the headers must be complete within `LEDGERLINK_HEADER_TIMEOUT_SECONDS`, or the
client is answered 408 and the connection closed.

Nor does uvicorn's httptools protocol bound the headers' size (a 13 MB header was read in full, its value
grown by concatenation one chunk at a time): headers larger than `MAX_HEADER_BYTES` are answered 431 and
the connection closed.
"""

from __future__ import annotations

import asyncio
import uuid

import orjson
import structlog
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ledgerlink.kit.errors import error_body

log = structlog.get_logger("ledgerlink.http")

# Request line and headers; what a client sends before they are complete is counted a read at a time, so a
# connection holds at most this and one read (256 KiB) of them.
MAX_HEADER_BYTES = 65_536


class HeaderDeadlineProtocol(HttpToolsProtocol):
    header_timeout_seconds = 15.0
    _header_deadline: asyncio.TimerHandle | None = None
    _header_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_deadline is None or self.transport.is_closing():
            return  # not within a request's headers (or refused already)
        self._header_bytes += len(data)
        if self._header_bytes > MAX_HEADER_BYTES:
            self._disarm()
            log.info("request headers too large; connection closed", client=self.client and self.client[0])
            self._refuse(431, "Request Header Fields Too Large", f"are larger than {MAX_HEADER_BYTES} bytes")

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
        self._header_bytes = 0
        self._header_deadline = self.loop.call_later(self.header_timeout_seconds, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing():
            return
        log.info("request headers too slow; connection closed", client=self.client and self.client[0])
        seconds = f"{self.header_timeout_seconds:g}"
        self._refuse(408, "Request Timeout", f"did not arrive within {seconds} seconds", retry="True")

    def _refuse(self, status: int, reason: str, what: str, retry: str = "False") -> None:
        """Answer in Codat's error body, then close: the request's headers were never read in full."""
        body = orjson.dumps(
            error_body(
                status, f"The request's headers {what}.", correlation=uuid.uuid4().hex, can_be_retried=retry
            )
        )
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\nconnection: close\r\n"
            b"content-length: %d\r\n\r\n%s" % (status, reason.encode(), len(body), body)
        )
        self.transport.close()


def with_header_timeout(seconds: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class to give uvicorn (`http=`), with this deadline."""
    return type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout_seconds": seconds})
