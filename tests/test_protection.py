"""Protection and observability: per-client rate limits with Codat's 429 and X-Rate-Limit-* headers, a slow
body refused without holding anyone else up, and Prometheus figures at /metrics."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import RunningServer, separate_database, start_server, stop_server
from tests.test_sync import link_sandbox, wait_for_pulls

LIMIT = 8


@pytest.fixture(scope="module")
def limited(postgres: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path_factory.mktemp("limited"),
        database_url=separate_database(postgres, "protection"),
        api_key="limited-key",
        extra_env={"LEDGERLINK_RATE_LIMIT_PER_MINUTE": str(LIMIT), "LEDGERLINK_BODY_TIMEOUT_SECONDS": "1"},
    )
    yield running
    stop_server(running)


def test_a_client_over_its_limit_gets_codat_s_429(limited: RunningServer) -> None:
    with limited.client() as api:
        # A window a minute: if this test started near its end, begin with a fresh one.
        first = api.get("/companies")
        reset = first.headers["x-rate-limit-reset"]
        if int(first.headers["x-rate-limit-remaining"]) < LIMIT - 1:
            pytest.fail("the window was not fresh")
        answers = [first] + [api.get("/companies") for _ in range(LIMIT)]
        if any(a.headers.get("x-rate-limit-reset") != reset for a in answers):
            answers = [api.get("/companies") for _ in range(LIMIT + 1)]  # the window turned: count again
        assert [a.status_code for a in answers] == [200] * LIMIT + [429]
        assert [int(a.headers["x-rate-limit-remaining"]) for a in answers[:LIMIT]] == list(range(LIMIT - 1, -1, -1))
        refused = answers[-1]
        assert refused.headers["x-rate-limit-limit"] == str(LIMIT)
        assert refused.headers["x-rate-limit-remaining"] == "0"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", refused.headers["x-rate-limit-reset"])
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        body = refused.json()
        assert body["statusCode"] == 429 and body["canBeRetried"] == "True" and "Rate limit" in body["error"]
        assert body["correlationId"] == refused.headers["x-correlation-id"]
    # Health checks and pages are not counted, and nothing was stored by the refused request.
    assert httpx.get(f"{limited.base_url}/healthz").status_code == 200
    assert httpx.get(f"{limited.base_url}/metrics").status_code == 200


def test_a_slow_body_is_refused_and_holds_no_one_up(limited: RunningServer) -> None:
    address = urlsplit(limited.base_url)
    answers: list[bytes] = []

    def trickle() -> None:
        with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
            sock.sendall(
                b"POST /companies HTTP/1.1\r\nHost: x\r\nAuthorization: Basic x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":"
            )
            answer = b""
            while chunk := sock.recv(4096):  # the server closes the connection after a 408
                answer += chunk
            answers.append(answer)

    slow = [threading.Thread(target=trickle) for _ in range(20)]
    for thread in slow:
        thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert httpx.get(f"{limited.base_url}/healthz", timeout=5).status_code == 200
    assert time.monotonic() - started < 0.5  # twenty stalled uploads hold up nothing
    for thread in slow:
        thread.join(timeout=10)
    assert len(answers) == 20 and all(answer.startswith(b"HTTP/1.1 408") for answer in answers), answers[:1]
    assert b"did not arrive within 1 seconds" in answers[0]


def test_metrics_count_requests_pulls_and_what_waits(api: httpx.Client, server: RunningServer) -> None:
    company_id, _ = link_sandbox(api, "Metrics Ltd", key="qhnd")
    wait_for_pulls(api, company_id, at_least=4)
    text = httpx.get(f"{server.base_url}/metrics").text
    assert re.search(r'ledgerlink_http_requests_total\{method="POST",route="/companies",status="200"\} \d+', text)
    assert re.search(
        r'ledgerlink_http_requests_total\{method="GET",route="/companies/\{companyId\}/data/history",status="200"\}', text
    )
    assert re.search(r'ledgerlink_pulls_finished_total\{data_type="banking-transactions",status="Complete"\} \d+', text)
    assert re.search(r'ledgerlink_pull_duration_seconds_count\{data_type="banking-accounts"\} \d+', text)
    assert "ledgerlink_webhook_deliveries_waiting " in text
    assert "# TYPE ledgerlink_pulls_waiting gauge" in text
