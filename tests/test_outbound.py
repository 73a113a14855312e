"""Requests the server makes on a client's say-so reach only the addresses the operator allows: the address
classifier and the allow list (plain), the vetting transport against a real loopback receiver, and webhook
consumers through real servers (creation refused for every spelling of an internal address, a delivery
refused once the allowance is gone, a redirect not followed, a short excerpt of the answer kept)."""

from __future__ import annotations

import asyncio
import ipaddress
import uuid
from pathlib import Path

import httpcore
import httpx
import pytest
from alembic import command
from cryptography.fernet import Fernet
from pydantic import ValidationError
from sqlalchemy import create_engine, text
from standardwebhooks import Webhook

from ledgerlink.config import Settings
from ledgerlink.database import alembic_config
from ledgerlink.db import sqlalchemy_url
from ledgerlink.kit import outbound
from ledgerlink.kit.outbound import OutboundPolicy, OutboundRefused, kind_of
from ledgerlink.webhooks.delivery import SendResult, Target, http_client, send
from tests.support.server import separate_database, start_server, stop_server
from tests.support.waits import wait_until
from tests.support.webhook_receiver import Answer, Receiver
from tests.support.webhooks import add_consumer, deliveries, tagged_company

# --- the address classifier and the allow list -----------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.0.9", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("2002:7f00:1::", "a loopback address"),  # 6to4 carrying 127.0.0.1
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("172.31.255.255", "a private address"),
        ("192.168.1.1", "a private address"),
        ("::ffff:192.168.1.1", "a private address"),
        ("64:ff9b::a00:1", "a private address"),  # NAT64 carrying 10.0.0.1
        ("fd00::1", "a unique-local (private) address"),
        ("100.64.0.1", "a shared (carrier-grade NAT) address"),
        ("169.254.169.254", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("169.254.1.1", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("255.255.255.255", "a broadcast address"),
        ("240.0.0.1", "a reserved address"),
        ("192.0.2.1", "a reserved address"),  # documentation range
        ("2001:db8::1", "a reserved address"),
        ("8.8.8.8", None),
        ("172.32.0.1", None),
        ("2606:4700::1111", None),
    ],
)
def test_addresses_are_classified(address: str, kind: str | None) -> None:
    assert kind_of(ipaddress.ip_address(address)) == kind


def test_the_allow_list_opens_networks_and_names() -> None:
    rules = OutboundPolicy.parse(" 10.2.0.0/16, [::1], partner.internal, *.corp.example ")
    assert rules.refusal("10.2.3.4", ipaddress.ip_address("10.2.3.4")) is None
    assert rules.refusal("x", ipaddress.ip_address("::ffff:10.2.0.9")) is None  # mapped: judged as IPv4
    assert "a private address" in rules.refusal("10.3.0.1", ipaddress.ip_address("10.3.0.1"))
    assert rules.refusal("::1", ipaddress.ip_address("::1")) is None
    assert rules.vet("PARTNER.internal.", [ipaddress.ip_address("192.168.9.9")])
    assert rules.vet("api.corp.example", [ipaddress.ip_address("192.168.9.9")])
    with pytest.raises(OutboundRefused, match=r"corp\.example resolves to 192\.168\.9\.9, a private address"):
        rules.vet("corp.example", [ipaddress.ip_address("192.168.9.9")])
    # One refused address among several refuses the name.
    with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1, a loopback address"):
        OutboundPolicy().vet("mixed.example", map(ipaddress.ip_address, ["8.8.8.8", "127.0.0.1"]))
    for bad in ("10.0.0.0/33", "not a host", "a..b", "http://x"):
        with pytest.raises(ValueError):
            OutboundPolicy.parse(bad)
    with pytest.raises(ValidationError, match="neither a network"):
        Settings(outbound_allow="10.0.0.0/8, not a host")
    assert Settings().outbound_allow == ""


def test_metadata_names_are_refused_even_when_they_do_not_resolve() -> None:
    for url in ("http://metadata.google.internal/computeMetadata/v1/", "http://METADATA.goog./x"):
        with pytest.raises(OutboundRefused, match="a cloud metadata host"):
            asyncio.run(OutboundPolicy().check_url(url))
    # Any other name that does not resolve now passes: it is resolved and vetted at every connection.
    asyncio.run(OutboundPolicy().check_url("https://hooks.example.invalid/x"))
    for url in ("http://a..b/", "http://./", f"http://{'a' * 64}.example/"):
        with pytest.raises(OutboundRefused, match="is not a host name that can be looked up"):
            asyncio.run(OutboundPolicy().check_url(url))


class _Recording(httpcore.AsyncNetworkBackend):
    """A network that records where it was asked to connect, and connects nowhere."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def connect_tcp(self, host: str, port: int, **kwargs: object) -> httpcore.AsyncNetworkStream:
        self.hosts.append(host)
        raise httpcore.ConnectError("recorded")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def test_the_backend_connects_to_the_address_it_vetted_not_the_name() -> None:
    inner = _Recording()
    backend = outbound.VettingBackend(outbound.policy("127.0.0.0/8,::1"), inner)
    with pytest.raises(httpcore.ConnectError, match="recorded"):
        asyncio.run(backend.connect_tcp("localhost", 9))
    assert inner.hosts and all(ipaddress.ip_address(host).is_loopback for host in inner.hosts)
    closed = outbound.VettingBackend(outbound.policy(""), inner := _Recording())
    for host in ("localhost", "2130706433", "0x7f000001", "127.1", "::ffff:127.0.0.1"):
        with pytest.raises(OutboundRefused, match="a loopback address"):
            asyncio.run(closed.connect_tcp(host, 9))
    assert inner.hosts == []


def test_a_vetted_client_keeps_the_name_in_the_host_header() -> None:
    receiver = Receiver().start()
    try:

        async def post(rules: OutboundPolicy) -> httpx.Response:
            async with httpx.AsyncClient(transport=outbound.vetted_transport(rules)) as http:
                return await http.post(
                    f"http://localhost:{receiver.port}/hooks", content=b"{}", headers={"webhook-id": "msg_1"}
                )

        assert asyncio.run(post(outbound.policy("127.0.0.0/8,::1"))).status_code == 200
        assert receiver.messages[0].headers["host"] == f"localhost:{receiver.port}"
        with pytest.raises(httpx.ConnectError) as refused:
            asyncio.run(post(outbound.policy("")))
        reason = str(outbound.refusal_in(refused.value))
        assert "localhost resolves to 127.0.0.1, a loopback address" in reason
        assert len(receiver.messages) == 1
    finally:
        receiver.stop()


def test_a_stored_url_httpx_cannot_parse_is_not_sent_to() -> None:
    target = Target(uuid.uuid4(), "http://0177.0.0.1/hooks", (Webhook("whsec_" + "A" * 32),))

    async def attempt() -> SendResult:
        async with http_client(Settings(outbound_allow="127.0.0.0/8")) as http:
            return await send(http, target, "msg_1", b"{}", 1.0)

    outcome = asyncio.run(attempt())
    assert outcome.refused and outcome.status_code is None
    assert outcome.error == "Not sent: Invalid IPv4 address: '0177.0.0.1'"


# --- webhook consumers through real servers ----------------------------------------------------------

# Every spelling of an address of the server's own network, with what the refusal says.
INTERNAL_URLS = {
    "http://169.254.169.254/latest/meta-data/": "a cloud metadata address",
    "http://metadata.google.internal/computeMetadata/v1/": "a cloud metadata host",
    "http://[fd00:ec2::254]/latest": "a cloud metadata address",
    "http://10.0.0.7/hooks": "a private address",
    "https://192.168.1.20/hooks": "a private address",
    "http://172.20.0.1/hooks": "a private address",
    "http://100.64.0.1/hooks": "a shared (carrier-grade NAT) address",
    "http://localhost:5432/": "localhost resolves to 127.0.0.1, a loopback address",
    "http://0.0.0.0:8080/": "an unspecified address",
    "http://2130706433/hooks": "2130706433 resolves to 127.0.0.1, a loopback address",
    "http://0x7f000001/hooks": "resolves to 127.0.0.1, a loopback address",
    "http://127.1/hooks": "127.1 resolves to 127.0.0.1, a loopback address",
    "http://[::1]:8080/hooks": "a loopback address",
    "http://[::ffff:127.0.0.1]/hooks": "resolves to 127.0.0.1, a loopback address",
    "http://[fd00::1]/hooks": "a unique-local (private) address",
    "http://[fe80::1]/hooks": "a link-local address",
    "http://224.0.0.1/hooks": "a multicast address",
    "http://255.255.255.255/hooks": "a broadcast address",
}


def test_consumers_reach_only_what_the_operator_allows(postgres: str, tmp_path: Path) -> None:
    shared = {
        "LEDGERLINK_SECRET_KEY": Fernet.generate_key().decode(),
        "LEDGERLINK_WEBHOOK_RETRY_SCHEDULE": "0,30",
    }
    url = separate_database(postgres, "outbound")
    # 127.0.0.1 only: the receivers there are open, 127.0.0.2 (elsewhere on loopback) is not.
    opened = start_server(
        tmp_path / "opened",
        database_url=url,
        api_key="outbound-key",
        extra_env={**shared, "LEDGERLINK_OUTBOUND_ALLOW": "127.0.0.1/32"},
    )
    chatty = Receiver(answer=lambda message, seen: Answer(body=b"internal secret " * 400)).start()
    elsewhere = Receiver(host="127.0.0.2").start()
    redirecting = Receiver(answer=lambda message, seen: Answer(302, {"location": elsewhere.url})).start()
    try:
        with opened.client() as api:
            chatty_id = add_consumer(api, chatty, eventTypes=["company.created"])
            redirecting_id = add_consumer(api, redirecting, eventTypes=["company.created"])
            refused = api.post("/webhooks", json={"url": elsewhere.url})
            assert refused.status_code == 400, refused.text
            assert "127.0.0.2 is a loopback address" in refused.json()["error"]
            assert "LEDGERLINK_OUTBOUND_ALLOW" in refused.json()["error"]

            tagged_company(api, "Open Ltd", {})
            chatty.wait_for(lambda r: len(r.events()) == 1, what="the allowed receiver's event")
            wait_until(lambda: deliveries(api, chatty_id)[0]["status"] == "Succeeded", what="recorded")
            (attempt,) = deliveries(api, chatty_id)[0]["attempts"]
            assert attempt["statusCode"] == 200 and attempt["response"] == ("internal secret " * 16)
            assert len(attempt["response"].encode()) <= 256

            redirecting.wait_for(lambda r: len(r.messages) == 1, what="the redirecting receiver's message")
            wait_until(lambda: deliveries(api, redirecting_id)[0]["attemptCount"] == 1, what="recorded")
            (attempt,) = deliveries(api, redirecting_id)[0]["attempts"]
            assert attempt["statusCode"] == 302 and attempt["error"].startswith("HTTP 302")
            assert elsewhere.messages == []  # the redirect was not followed
    finally:
        stop_server(opened)
        redirecting.stop()

    # The same install without the allowance: what was created then is refused at its next delivery.
    closed = start_server(
        tmp_path / "closed",
        database_url=url,
        api_key="outbound-key",
        extra_env={**shared, "LEDGERLINK_OUTBOUND_ALLOW": ""},
    )
    try:
        with closed.client() as api:
            before = len(chatty.messages)
            tagged_company(api, "Closed Ltd", {})
            wait_until(
                lambda: any(d["status"] == "Failed" for d in deliveries(api, chatty_id)),
                what="the refused delivery failed",
            )
            failed = next(d for d in deliveries(api, chatty_id) if d["status"] == "Failed")
            assert failed["attemptCount"] == 1 and failed["nextAttemptDate"] is None  # not retried
            (attempt,) = failed["attempts"]
            assert attempt["statusCode"] is None and attempt["response"] is None
            assert attempt["error"].startswith("Not sent: 127.0.0.1 is a loopback address"), attempt
            assert len(chatty.messages) == before

            for internal, reason in {
                **INTERNAL_URLS,
                chatty.url: "127.0.0.1 is a loopback address",
                f"{closed.base_url}/webhooks": "a loopback address",
            }.items():
                response = api.post("/webhooks", json={"url": internal})
                assert response.status_code == 400, (internal, response.text)
                error = response.json()
                assert error["statusCode"] == 400 and error["correlationId"], internal
                said = error["error"]
                assert said.startswith("The webhook URL cannot be used") and reason in said, (internal, said)
            # A spelling httpx (which deliveries send with) cannot parse is refused as a URL.
            octal = api.post("/webhooks", json={"url": "http://0177.0.0.1/hooks"})
            assert octal.status_code == 400 and "Invalid IPv4 address" in octal.json()["error"], octal.text
            assert len(api.get("/webhooks").json()["results"]) == 2  # nothing was added
    finally:
        stop_server(closed)
        chatty.stop()
        elsewhere.stop()

    # Migration 0014 cuts what attempts recorded before it (up to 500 characters) to the same 256: replayed
    # alone on a long stored answer, then the schema is stamped back at the version it was.
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE webhook_attempts SET response = repeat('é', 500) WHERE status_code = 200")
            )
            head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            connection.execute(text("UPDATE alembic_version SET version_num = '0013'"))
        command.upgrade(alembic_config(url), "0014")
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        with engine.connect() as connection:
            kept = connection.execute(
                text("SELECT response FROM webhook_attempts WHERE status_code = 200")
            ).all()
        assert [row.response for row in kept] == ["é" * 256]
    finally:
        engine.dispose()
