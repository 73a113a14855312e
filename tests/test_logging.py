"""The access log writes the line structlog's configured renderer would, at a fraction of its cost."""

from __future__ import annotations

import json
import re

import pytest
import structlog

from ledgerlink import logging as logs

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


@pytest.fixture(autouse=True)
def restore_logging():
    yield
    logs.configure()


@pytest.mark.parametrize("log_format", ["console", "json"])
def test_an_access_line_is_the_line_structlog_writes(log_format: str, capsys: pytest.CaptureFixture) -> None:
    event = {
        "method": "GET",
        "path": "/companies/3f1c2a9e-0000-4000-8000-000000000001/data/invoices",
        "status": 200,
        "duration_ms": 12.34,
        "correlation_id": "0123456789abcdef0123456789abcdef",
    }
    logs.configure(log_format, "INFO")
    structlog.get_logger("ledgerlink.test").info("request", **event)
    logs.access_log(*event.values())
    theirs, mine = capsys.readouterr().err.splitlines()
    if log_format == "json":
        assert TIMESTAMP.fullmatch(json.loads(mine).pop("timestamp"))
        assert {**json.loads(mine), "timestamp": 0} == {**json.loads(theirs), "timestamp": 0}
    else:
        assert TIMESTAMP.match(mine)
        assert TIMESTAMP.sub("T", mine) == TIMESTAMP.sub("T", theirs)


def test_a_path_cannot_start_a_line_of_its_own(capsys: pytest.CaptureFixture) -> None:
    logs.configure("console", "INFO")
    logs.access_log("GET", "/x\n2026-01-01T00:00:00Z [error    ] forged", 404, 1.0, "c" * 32)
    written = capsys.readouterr().err
    assert written.count("\n") == 1 and "path=/x\\n2026" in written


def test_no_access_line_above_info(capsys: pytest.CaptureFixture) -> None:
    logs.configure("console", "WARNING")
    logs.access_log("GET", "/", 200, 1.0, "c" * 32)
    assert capsys.readouterr().err == ""


def test_an_access_line_that_cannot_be_written_fails_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    class Closed:
        def write(self, text: str) -> int:
            raise OSError(9, "Bad file descriptor")

        def flush(self) -> None:
            raise OSError(9, "Bad file descriptor")

    monkeypatch.setattr("sys.stderr", Closed())
    logs.configure("json", "INFO")
    logs.access_log("GET", "/healthz", 200, 1.0, "c" * 32)


def test_the_timestamp_is_isoformats(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    for moment in (
        1_765_000_000.0,
        1_765_000_000.5,
        1_765_000_000.000001,
        1_765_000_059.999999,
        1_765_000_060.25,
    ):
        monkeypatch.setattr(logs.time, "time", lambda moment=moment: moment)
        expected = datetime.fromtimestamp(moment, tz=UTC).isoformat().replace("+00:00", "Z")
        assert logs._timestamp() == expected
