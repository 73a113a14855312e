"""Structured logs: JSON lines in production, readable lines on a console.

Database errors are logged without the values they carry: PostgreSQL puts them in its messages (`DETAIL:
Key (key_hash)=(…) already exists`, `invalid input syntax for type uuid: "…"`) and SQLAlchemy appends a
statement's bound parameters, which hold companies' data, sealed secrets and key hashes. A logged
traceback names the error's class, SQLSTATE, constraint, table and column and the statement's SQL instead.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import traceback
from datetime import UTC, datetime
from types import TracebackType

import orjson
import psycopg
import structlog
from sqlalchemy.exc import StatementError

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
# A double-quoted part of PostgreSQL's message: a value, or an identifier the diagnostics name anyway.
_QUOTED = re.compile(r'"(?:[^"]|"")*"')


class _CurrentStderr:
    """Whatever `sys.stderr` is when a line is written, not when logging was configured: loggers are cached
    on first use, and a stream swapped since (a test's captured output, closed after it) must not be
    written to."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def database_error_summary(error: BaseException) -> str | None:
    """What may be logged of a database error (None for any other error)."""
    if isinstance(error, StatementError):
        cause = error.orig if isinstance(error.orig, BaseException) else None
        summary = database_error_summary(cause) if cause is not None else None
        if summary is None:
            return f"(values withheld)\n[SQL: {error.statement}]"
        return f"({type(cause).__module__}.{type(cause).__name__}) {summary}\n[SQL: {error.statement}]"
    if not isinstance(error, psycopg.Error):
        return None
    diag = error.diag
    named = [
        f"{name} {value}"
        for name, value in (
            ("SQLSTATE", error.sqlstate),
            ("constraint", diag.constraint_name),
            ("table", diag.table_name),
            ("column", diag.column_name),
        )
        if value
    ]
    primary = _QUOTED.sub('"…"', diag.message_primary or "")
    return f"{primary} ({', '.join(named)})"


def redact_database_errors(text: str, error: BaseException | None) -> str:
    """`text` (a formatted traceback or a message) with every database error of `error`'s chain shown by
    `database_error_summary` rather than by its own message."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        summary = database_error_summary(error)
        message = str(error)
        if summary is not None and message:
            text = text.replace(message, summary)
        error = error.__cause__ or error.__context__
    return text


def format_exception(exc_info: ExcInfo) -> str:
    return redact_database_errors("".join(traceback.format_exception(*exc_info)).rstrip("\n"), exc_info[1])


class RedactingFormatter(logging.Formatter):
    """For the standard library's loggers (procrastinate's job failures, uvicorn): tracebacks as
    `format_exception` renders them."""

    def formatException(self, ei: ExcInfo) -> str:  # type: ignore[override]
        return format_exception(ei)

    def format(self, record: logging.LogRecord) -> str:
        # Not the traceback another handler may have rendered (and cached on the record) with the values.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached


class AccessLog:
    """The access log: one line per request, as the configured renderer would write it.

    Rendered here rather than through structlog's processors, which cost ~25 µs a line: on a list page,
    whose own CPU is a few tenths of a millisecond, a tenth of it. The line is the one structlog writes
    (tests/test_logging.py compares them), with one difference: a path's control characters are escaped
    (a path is the client's text, and a newline in it must not start a line of its own).
    """

    def __init__(self) -> None:
        self.configure()

    def configure(self, log_format: str = "console", level: str = "INFO") -> None:
        self.enabled = logging.getLevelName(level.upper()) <= logging.INFO
        self.render = self._json if log_format == "json" else self._console

    def __call__(self, method: str, path: str, status: int, duration_ms: float, correlation_id: str) -> None:
        if self.enabled:
            if not path.isprintable():
                path = path.encode("unicode_escape").decode("ascii")
            line = self.render(method, path, status, duration_ms, correlation_id)
            # A request is answered whether or not its line can be written (stderr closed, a full pipe).
            try:
                sys.stderr.write(line)
                sys.stderr.flush()
            except (OSError, ValueError):
                return

    @staticmethod
    def _console(method: str, path: str, status: int, duration_ms: float, correlation_id: str) -> str:
        return (
            f"{_timestamp()} [info     ] request                        correlation_id={correlation_id} "
            f"duration_ms={duration_ms} method={method} path={path} status={status}\n"
        )

    @staticmethod
    def _json(method: str, path: str, status: int, duration_ms: float, correlation_id: str) -> str:
        line = {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "correlation_id": correlation_id,
            "event": "request",
            "level": "info",
            "timestamp": _timestamp(),
        }
        return orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE).decode()


def _timestamp() -> str:
    """Now, as structlog's `TimeStamper(fmt="iso", utc=True)` writes it (`datetime.isoformat`: microseconds
    unless there are none); the date and time to the second are spelt once a second."""
    now = time.time()
    second = int(now)
    micro = round((now - second) * 1_000_000)  # to the nearest microsecond, as `fromtimestamp` rounds
    if micro == 1_000_000:
        second, micro = second + 1, 0
    global _second
    if _second[0] != second:
        _second = (second, datetime.fromtimestamp(second, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{_second[1]}.{micro:06d}Z" if micro else f"{_second[1]}Z"


_second: tuple[int, str] = (-1, "")


access_log = AccessLog()


def configure(log_format: str = "console", level: str = "INFO") -> None:
    access_log.configure(log_format, level)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.ExceptionRenderer(format_exception),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        # structlog types the file as TextIO; its PrintLogger only writes and flushes.
        logger_factory=structlog.PrintLoggerFactory(_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    # The standard library's warnings and errors, as Python would print them without a handler, but with
    # database errors redacted.
    handler = logging.StreamHandler(_CurrentStderr())
    handler.setLevel(logging.WARNING)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h.formatter, RedactingFormatter)]:
        root.removeHandler(old)
    root.addHandler(handler)
