"""Protection and observability: per-client rate limits with Codat's 429 and X-Rate-Limit-* headers (one
bucket however the key is spelled; per address without a key), slow headers and bodies refused without
holding anyone else up, and Prometheus figures at /metrics (behind a token when one is set)."""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.pulls import link_sandbox, wait_for_pulls
from tests.support.server import RunningServer, own_server
from tests.support.waits import wait_until

LIMIT = 8
PUBLIC_LIMIT = 30
METRICS_TOKEN = "scrape-" + "7" * 20


@pytest.fixture(scope="module")
def limited(postgres: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with own_server(
        postgres,
        tmp_path_factory.mktemp("limited"),
        "protection",
        api_key="limited-key",
        env={
            "LEDGERLINK_RATE_LIMIT_PER_MINUTE": str(LIMIT),
            "LEDGERLINK_PUBLIC_RATE_LIMIT_PER_MINUTE": str(PUBLIC_LIMIT),
            "LEDGERLINK_BODY_TIMEOUT_SECONDS": "1",
            "LEDGERLINK_HEADER_TIMEOUT_SECONDS": "1.5",
            "LEDGERLINK_METRICS_TOKEN": METRICS_TOKEN,
        },
    ) as running:
        yield running


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
        assert [int(a.headers["x-rate-limit-remaining"]) for a in answers[:LIMIT]] == list(
            range(LIMIT - 1, -1, -1)
        )
        refused = answers[-1]
        assert refused.headers["x-rate-limit-limit"] == str(LIMIT)
        assert refused.headers["x-rate-limit-remaining"] == "0"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", refused.headers["x-rate-limit-reset"])
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        body = refused.json()
        assert body["statusCode"] == 429 and body["canBeRetried"] == "True" and "Rate limit" in body["error"]
        assert body["correlationId"] == refused.headers["x-correlation-id"]
    # Health checks are not counted, nor are the client's requests counted against anyone else.
    assert httpx.get(f"{limited.base_url}/healthz").status_code == 200
    metrics = httpx.get(f"{limited.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert metrics.status_code == 200 and "ledgerlink_http_requests_total" in metrics.text


def spellings(key: str) -> list[str]:
    """Every way of writing the key that authentication accepts."""
    encoded = base64.b64encode(key.encode()).decode()
    return [
        f"Basic {encoded}",
        f"basic {encoded}",
        f"BASIC   {encoded}",
        f"Basic {key}",
        *(f"Basic {base64.b64encode((key + ':' * n).encode()).decode()}" for n in range(1, 6)),
    ]


def test_every_spelling_of_a_key_counts_against_its_client(limited: RunningServer) -> None:
    def get(header: str) -> httpx.Response:
        return httpx.get(f"{limited.base_url}/companies", headers={"Authorization": header})

    for spelling in spellings(limited.api_key):  # each one authenticates (or the window is already spent)
        assert get(spelling).status_code in (200, 429), spelling
    for _ in range(2):  # a second round if the window turned meanwhile
        used = [get(limited.auth_header) for _ in range(LIMIT + 1)]
        if used[-1].status_code != 429:
            continue
        reset = used[-1].headers["x-rate-limit-reset"]
        answers = [get(spelling) for spelling in spellings(limited.api_key) * 3]
        if any(a.headers.get("x-rate-limit-reset") != reset for a in answers):
            continue
        assert [a.status_code for a in answers] == [429] * len(answers)
        assert {a.headers["x-rate-limit-limit"] for a in answers} == {str(LIMIT)}
        return
    pytest.fail("the window turned twice")


def test_requests_without_a_client_are_limited_per_address(limited: RunningServer) -> None:
    sync_flow = f"/sync-flow/{uuid.UUID(int=0)}/shopify/xero/start"
    routes = ["/portal", "/link/oauth/callback", sync_flow, "/link/no-such-page", "/companies"]

    def get(path: str, address: str, **headers: str) -> httpx.Response:
        # uvicorn takes the address from X-Forwarded-For when the peer is a trusted proxy (127.0.0.1 here).
        return httpx.get(f"{limited.base_url}{path}", headers={"X-Forwarded-For": address, **headers})

    for attempt in range(2):  # a second round if the window turned meanwhile
        address = f"203.0.113.{attempt + 1}"
        answers = [get(routes[n % len(routes)], address) for n in range(PUBLIC_LIMIT)]
        assert 429 not in [a.status_code for a in answers]
        refused = [
            get("/portal", address),
            get("/link/oauth/callback?code=x&state=y", address),
            get(sync_flow, address),
            get("/companies", address),
            get("/companies", address, Authorization="Basic bm90LWEta2V5"),  # a bad key
            get("/metrics", address, Authorization=f"Bearer {METRICS_TOKEN}"),
        ]
        reset = answers[0].headers["x-rate-limit-reset"]
        if any(a.headers.get("x-rate-limit-reset") != reset for a in refused):
            continue
        assert [a.status_code for a in refused] == [429] * len(refused)
        assert refused[0].headers["x-rate-limit-limit"] == str(PUBLIC_LIMIT)
        assert get("/portal", "198.51.100.7").status_code != 429  # another address is not held up
        return
    pytest.fail("the window turned twice")


def test_metrics_need_the_token_when_one_is_set(limited: RunningServer) -> None:
    url = f"{limited.base_url}/metrics"
    address = {"X-Forwarded-For": "192.0.2.40"}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {METRICS_TOKEN}"}):
        refused = httpx.get(url, headers={**address, **headers})
        assert refused.status_code == 401 and refused.json()["statusCode"] == 401
        assert "ledgerlink_" not in refused.text
    scraped = httpx.get(url, headers={**address, "Authorization": f"bearer  {METRICS_TOKEN}"})
    assert scraped.status_code == 200 and "ledgerlink_http_requests_total" in scraped.text


def test_slow_headers_are_cut_off(limited: RunningServer) -> None:
    address = urlsplit(limited.base_url)
    closed_after: dict[str, float] = {}
    answers: dict[str, bytes] = {}

    def connect(name: str, trickle: bool) -> None:
        with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
            started = time.monotonic()
            if trickle:  # a header line every half second, for ever
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                sock.settimeout(0.5)
                answer = b""
                for n in range(40):
                    try:
                        sock.sendall(b"X-Slow-%d: y\r\n" % n)
                        chunk = sock.recv(4096)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    answer += chunk
                    if not chunk:
                        break
            else:  # opens a connection and says nothing
                answer = sock.recv(4096)
                while chunk := sock.recv(4096):
                    answer += chunk
            closed_after[name] = time.monotonic() - started
            answers[name] = answer

    threads = [
        threading.Thread(target=connect, args=(name, name == "trickle")) for name in ("trickle", "silent")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    assert 1.4 < closed_after["trickle"] < 4 and 1.4 < closed_after["silent"] < 4, closed_after
    assert answers["trickle"].startswith(b"HTTP/1.1 408"), answers["trickle"][:100]
    assert b"did not arrive within 1.5 seconds" in answers["silent"]
    # A request that sends its headers in time is answered as ever.
    assert httpx.get(f"{limited.base_url}/healthz").status_code == 200


def test_oversized_headers_are_refused(limited: RunningServer) -> None:
    address = urlsplit(limited.base_url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
        with contextlib.suppress(OSError):  # the server may close before all is sent
            for _ in range(64):
                sock.sendall(b"a" * 16_384)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]
    assert b"larger than 65536 bytes" in answer
    # Large but allowed headers (a big cookie) are read as ever.
    big = httpx.get(f"{limited.base_url}/healthz", headers={"Cookie": "c=" + "x" * 40_000})
    assert big.status_code == 200


def test_a_slow_body_is_refused_and_holds_no_one_up(limited: RunningServer) -> None:
    address = urlsplit(limited.base_url)
    answers: list[bytes] = []
    stalled: list[socket.socket] = []

    def trickle() -> None:
        with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
            sock.sendall(
                b"POST /companies HTTP/1.1\r\nHost: x\r\nAuthorization: Basic x\r\n"
                b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":'
            )
            stalled.append(sock)
            answer = b""
            while chunk := sock.recv(4096):  # the server closes the connection after a 408
                answer += chunk
            answers.append(answer)

    slow = [threading.Thread(target=trickle) for _ in range(20)]
    for thread in slow:
        thread.start()
    wait_until(lambda: len(stalled) == 20, what="twenty uploads stalled halfway")
    started = time.monotonic()
    assert httpx.get(f"{limited.base_url}/healthz", timeout=5).status_code == 200
    assert time.monotonic() - started < 0.5  # twenty stalled uploads hold up nothing
    for thread in slow:
        thread.join(timeout=10)
    assert len(answers) == 20 and all(answer.startswith(b"HTTP/1.1 408") for answer in answers), answers[:1]
    assert b"did not arrive within 1 seconds" in answers[0]


def test_metrics_count_requests_pulls_and_what_waits(api: httpx.Client, server: RunningServer) -> None:
    company_id, connection_id = link_sandbox(api, "Metrics Ltd", key="qhnd")
    wait_for_pulls(api, company_id, at_least=4)
    # A list page, answered in front of the router (kit.routing.HotRoutes), counts under its template too.
    assert api.get(f"/companies/{company_id}/connections/{connection_id}/data/banking-accounts").is_success
    text = httpx.get(f"{server.base_url}/metrics").text
    assert re.search(
        r'ledgerlink_http_requests_total\{method="POST",route="/companies",status="200"\} \d+', text
    )
    assert re.search(
        r'ledgerlink_http_requests_total\{method="GET",route="/companies/\{companyId\}/data/history",status="200"\}',
        text,
    )
    assert re.search(
        r'ledgerlink_http_requests_total\{method="GET",route="/companies/\{companyId\}/connections/'
        r'\{connectionId\}/data/banking-accounts",status="200"\} \d+',
        text,
    )
    assert re.search(
        r'ledgerlink_pulls_finished_total\{data_type="banking-transactions",status="Complete"\} \d+', text
    )
    assert re.search(r'ledgerlink_pull_duration_seconds_count\{data_type="banking-accounts"\} \d+', text)
    assert "ledgerlink_webhook_deliveries_waiting " in text
    assert "# TYPE ledgerlink_pulls_waiting gauge" in text
