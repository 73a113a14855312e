"""Webhooks end to end: consumers through Codat's API and SDK, events delivered to real HTTP receivers on
127.0.0.1 that verify every signature with the `standardwebhooks` package, retries, restarts, a consumer
disabled after failing for too long, and slow receivers that hold up nobody else."""

from __future__ import annotations

import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError
from sqlalchemy import text
from standardwebhooks import Webhook

from ledgerlink.config import Settings
from ledgerlink.webhooks.delivery import parse_retry_after
from tests.support.pulls import wait_for_pulls
from tests.support.server import RunningServer, separate_database, start_server, stop_server
from tests.support.waits import wait_until
from tests.support.webhook_receiver import Answer, Message, Receiver
from tests.support.webhooks import add_consumer, deliveries, tagged_company

ENVELOPE_KEYS = {"id", "eventType", "generatedDate", "payload"}


def event_types(receiver: Receiver) -> Counter[str]:
    return Counter(event["eventType"] for event in receiver.events().values())


# --- pieces ----------------------------------------------------------------------------------------


def test_retry_after_is_seconds_or_an_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now) == 0.0
    assert parse_retry_after("999999999", now) == 86_400.0  # honoured up to a day
    for unreadable in (None, "", "soon", "-5", "1.5"):
        assert parse_retry_after(unreadable, now) is None


def test_the_retry_schedule_setting_is_checked() -> None:
    assert Settings(webhook_retry_schedule="0, 5,300").webhook_retry_delays == (0.0, 5.0, 300.0)
    assert Settings().webhook_retry_delays == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
    for bad in ("", "soon", "0,-1", "0,,5", "inf"):
        with pytest.raises(ValidationError):
            Settings(webhook_retry_schedule=bad)


# --- the consumer API ------------------------------------------------------------------------------


def test_consumers_through_the_sdk_follow_codat_s_contract(sdk, api) -> None:
    created = sdk.webhooks.create_consumer(
        request={
            "url": "http://127.0.0.1:9/codat-events",
            "event_types": ["company.created", "read.completed"],
            "company_tags": ["region:uk", "tier:gold"],
        }
    )
    try:
        assert created.url == "http://127.0.0.1:9/codat-events" and created.disabled is False
        assert created.event_types == ["company.created", "read.completed"]
        assert created.company_tags == ["region:uk", "tier:gold"]
        listed = sdk.webhooks.list_consumers()
        assert created.id in [consumer.id for consumer in listed.results]
        raw = api.get(f"/webhooks/{created.id}").json()
        assert raw == {
            "id": created.id,
            "url": created.url,
            "eventTypes": created.event_types,
            "disabled": False,
            "companyTags": ["region:uk", "tier:gold"],
        }
        disabled = api.post("/webhooks", json={"url": "https://example.com/hooks", "disabled": True})
        assert disabled.status_code == 201 and disabled.json()["disabled"] is True
        assert disabled.json()["eventTypes"] == [] and disabled.json()["companyTags"] == []
        assert api.delete(f"/webhooks/{disabled.json()['id']}").status_code == 204
    finally:
        sdk.webhooks.delete_consumer(request={"webhook_id": created.id})
    assert created.id not in [consumer.id for consumer in sdk.webhooks.list_consumers().results]
    assert api.delete(f"/webhooks/{created.id}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": "not a url"},
        {"url": "ftp://example.com/hooks"},
        {"url": "https://"},
        {"url": 12},
        {"url": "https://example.com/hooks", "eventTypes": ["DataSyncCompleted"]},
        {"url": "https://example.com/hooks", "eventTypes": "company.created"},
        {"url": "https://example.com/hooks", "companyTags": ["no-colon"]},
        {"url": "https://example.com/hooks", "companyTags": [":value"]},
        {"url": "https://example.com/hooks", "companyTags": [f"k:{i}" for i in range(11)]},
        {"url": "https://example.com/hooks", "companyTags": ["k:" + "v" * 127]},
        {"url": "https://example.com/hooks", "disabled": "maybe"},
        [],
    ],
)
def test_bad_consumer_bodies_are_400_with_codat_s_error(api, body) -> None:
    response = api.post("/webhooks", json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["statusCode"] == 400 and error["error"] and error["correlationId"]


def test_unknown_consumers_and_deliveries_are_404(api) -> None:
    for path in (
        f"/webhooks/{uuid.uuid4()}",
        "/webhooks/not-an-id",
        f"/webhooks/{uuid.uuid4()}/secret",
        f"/webhooks/{uuid.uuid4()}/deliveries",
    ):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["statusCode"] == 404, path
    assert api.delete(f"/webhooks/{uuid.uuid4()}").status_code == 404
    assert api.post(f"/webhooks/{uuid.uuid4()}/secret").status_code == 404
    consumer = api.post("/webhooks", json={"url": "http://127.0.0.1:9/x", "disabled": True}).json()
    try:
        assert api.get(f"/webhooks/{consumer['id']}/deliveries/{uuid.uuid4()}").status_code == 404
        assert api.post(f"/webhooks/{consumer['id']}/deliveries/nope/replay").status_code == 404
        bad_query = api.get(f"/webhooks/{consumer['id']}/deliveries", params={"query": "colour=red"})
        assert bad_query.status_code == 400
        assert bad_query.json()["error"].endswith("Could not resolve property colour on WebhookDelivery")
    finally:
        api.delete(f"/webhooks/{consumer['id']}")


def test_a_client_has_at_most_50_consumers(api) -> None:
    existing = len(api.get("/webhooks").json()["results"])
    made = []
    try:
        for _ in range(50 - existing):
            response = api.post("/webhooks", json={"url": "http://127.0.0.1:9/x", "disabled": True})
            assert response.status_code == 201
            made.append(response.json()["id"])
        refused = api.post("/webhooks", json={"url": "http://127.0.0.1:9/x", "disabled": True})
        assert refused.status_code == 400 and "maximum of 50" in refused.json()["error"]
    finally:
        for consumer_id in made:
            api.delete(f"/webhooks/{consumer_id}")


def test_secrets_are_sealed_and_rotation_signs_with_both_for_a_while(api, db) -> None:
    tag = f"rotation:{uuid.uuid4().hex[:10]}"
    with Receiver().start() as receiver:
        consumer_id = add_consumer(api, receiver, companyTags=[tag], eventTypes=["company.created"])
        try:
            first = receiver.secret
            assert first and first.startswith("whsec_") and len(Webhook(first)._whsecret) == 24
            rotated = api.post(f"/webhooks/{consumer_id}/secret")
            assert rotated.status_code == 200
            second = rotated.json()["secret"]
            assert second.startswith("whsec_") and second != first
            assert api.get(f"/webhooks/{consumer_id}/secret").json() == {"secret": second}
            sealed = db.execute(
                text("SELECT sealed_secret, previous_sealed_secret FROM webhook_consumers WHERE id = :id"),
                {"id": consumer_id},
            ).one()
            for column in sealed:
                for secret in (first, second):
                    assert secret.encode() not in bytes(column) and secret[6:].encode() not in bytes(column)

            tagged_company(api, "Rotation Ltd", {"rotation": tag.split(":")[1]})
            receiver.wait_for(lambda r: len(r.messages) == 1, what="the message")
            message = receiver.messages[0]
            assert len(message.headers["webhook-signature"].split(" ")) == 2
            for secret in (first, second):  # a receiver on either secret accepts it
                assert Webhook(secret).verify(message.body, message.headers)["eventType"] == "company.created"
        finally:
            api.delete(f"/webhooks/{consumer_id}")


# --- events, end to end on the shared server --------------------------------------------------------


def test_link_sync_unlink_relink_delete_delivers_every_event_signed(api, sdk) -> None:
    value = uuid.uuid4().hex[:12]
    with Receiver().start() as receiver:
        consumer_id = add_consumer(api, receiver, companyTags=[f"run:{value}"])
        try:
            company_id = tagged_company(api, "Webhook Lifecycle Ltd", {"run": value})
            connection = api.post(f"/companies/{company_id}/connections", json={"platformKey": "mqjo"}).json()
            path = f"/companies/{company_id}/connections/{connection['id']}"
            assert api.put(f"{path}/authorization", json={}).json()["status"] == "Linked"
            first_pulls = wait_for_pulls(api, company_id, at_least=10)
            receiver.wait_for(
                lambda r: event_types(r)["read.completed.initial"] == 1, what="the initial read"
            )

            assert api.patch(path, json={"status": "Unlinked"}).json()["status"] == "Unlinked"
            assert api.put(f"{path}/authorization", json={}).json()["status"] == "Linked"
            all_pulls = wait_for_pulls(api, company_id, at_least=len(first_pulls) + 10)
            receiver.wait_for(lambda r: event_types(r)["read.completed"] == 2, what="the second read")

            assert api.delete(path).status_code == 200
            assert api.delete(f"/companies/{company_id}").status_code == 204
            receiver.wait_for(lambda r: event_types(r)["company.deleted"] == 1, what="company.deleted")
            # Every delivery is written with its event, so once all the consumer's are made, nothing else
            # is on its way.
            wait_until(
                lambda: all(d["status"] == "Succeeded" for d in deliveries(api, consumer_id)),
                what="every delivery made",
            )

            events = receiver.events()
            assert event_types(receiver) == Counter(
                {
                    "company.created": 1,
                    "connection.created": 1,
                    "connection.connected": 1,
                    "read.completed.initial": 1,
                    "read.completed": 2,
                    "connection.disconnected": 1,
                    "connection.reconnected": 1,
                    "connection.deleted": 1,
                    "company.deleted": 1,
                }
            )
            assert len(receiver.messages) == len(events)  # every message arrived once, first time
            for webhook_id, event in events.items():
                assert webhook_id.startswith("msg_") and set(event) == ENVELOPE_KEYS
                assert uuid.UUID(event["id"]) and event["generatedDate"].endswith("Z")
            by_type = {event["eventType"]: event for event in events.values()}
            assert by_type["company.created"]["payload"]["id"] == company_id
            assert by_type["company.deleted"]["payload"]["tags"] == {"run": value}
            connected = by_type["connection.connected"]["payload"]
            assert connected["referenceCompany"]["id"] == company_id
            assert connected["referenceCompany"]["tags"] == {"run": value}
            assert connected["connection"]["id"] == connection["id"]
            assert connected["connection"]["status"] == "Linked"
            assert by_type["connection.disconnected"]["payload"]["connection"]["status"] == "Unlinked"

            initial = by_type["read.completed.initial"]["payload"]
            reads = sorted(
                (e for e in events.values() if e["eventType"] == "read.completed"),
                key=lambda e: e["generatedDate"],
            )
            assert reads[0]["payload"] == initial  # the first read is reported both ways
            assert initial["referenceCompany"]["id"] == company_id
            assert initial["modifiedFromDate"].endswith("Z")
            summary = {entry["dataType"]: entry for entry in initial["dataTypes"]}
            assert set(summary) == {pull["dataType"] for pull in first_pulls}
            for pull in first_pulls:
                entry = summary[pull["dataType"]]
                assert entry["connectionId"] == connection["id"] and entry["status"] == pull["status"]
                # (the Sandbox has records of every type when it links, but the purchase orders written to it)
                holds_records = pull["status"] == "Complete" and pull["dataType"] != "purchaseOrders"
                assert entry["recordsModified"] is holds_records and entry["issues"] == []
            second = {entry["dataType"]: entry for entry in reads[1]["payload"]["dataTypes"]}
            later_pulls = [pull for pull in all_pulls if pull["id"] not in {p["id"] for p in first_pulls}]
            assert set(second) == {pull["dataType"] for pull in later_pulls}

            # Every delivery is recorded: succeeded at the first attempt, with its status and latency.
            recorded = deliveries(api, consumer_id)
            assert len(recorded) == len(events)
            assert {d["messageId"] for d in recorded} == set(events)
            for delivery in recorded:
                assert delivery["status"] == "Succeeded" and delivery["attemptCount"] == 1
                (attempt,) = delivery["attempts"]
                assert attempt["statusCode"] == 200 and attempt["error"] is None and attempt["latencyMs"] >= 0
                assert attempt["response"] == "ok" and delivery["nextAttemptDate"] is None
        finally:
            api.delete(f"/webhooks/{consumer_id}")


def test_company_tags_and_event_types_filter_what_a_consumer_gets(api) -> None:
    run = uuid.uuid4().hex[:10]
    with Receiver().start() as uk, Receiver().start() as us, Receiver().start() as created_only:
        uk_id = add_consumer(api, uk, companyTags=[f"region:uk-{run}", f"region:ie-{run}"])
        us_id = add_consumer(api, us, companyTags=[f"region:us-{run}"])
        created_id = add_consumer(
            api, created_only, eventTypes=["company.created"], companyTags=[f"run:{run}"]
        )
        try:
            in_uk = tagged_company(api, "Tagged UK", {"region": f"uk-{run}", "run": run})
            in_ie = tagged_company(api, "Tagged IE", {"region": f"ie-{run}"})
            in_us = tagged_company(api, "Tagged US", {"region": f"us-{run}", "run": run})
            untagged = tagged_company(api, "Untagged", {})
            # Tags are read when the event is written: a change later applies to later events only.
            api.patch(f"/companies/{in_ie}", json={"tags": {"region": f"us-{run}"}})
            for company_id in (in_uk, in_ie, in_us, untagged):
                assert api.delete(f"/companies/{company_id}").status_code == 204

            def seen(receiver: Receiver) -> set[tuple[str, str]]:
                return {(e["eventType"], e["payload"]["id"]) for e in receiver.events().values()}

            expected = {
                uk: {("company.created", in_uk), ("company.deleted", in_uk), ("company.created", in_ie)},
                # in_ie was retagged before it was deleted: its company.deleted goes by the new tags.
                us: {("company.created", in_us), ("company.deleted", in_us), ("company.deleted", in_ie)},
                created_only: {("company.created", in_uk), ("company.created", in_us)},
            }
            for receiver, wanted in expected.items():
                count = len(wanted)
                receiver.wait_for(lambda r, count=count: len(r.events()) >= count, what=f"{count} events")
            # Every delivery is written with its event (all written by now): once each consumer's are made,
            # nothing more arrives.
            for consumer_id in (uk_id, us_id, created_id):
                wait_until(
                    lambda consumer_id=consumer_id: all(
                        d["status"] == "Succeeded" for d in deliveries(api, consumer_id)
                    ),
                    what="every delivery made",
                )
            for receiver, wanted in expected.items():
                assert seen(receiver) == wanted
            # Deliveries are made when the event is written, for the consumers it matches and no others.
            for consumer_id, receiver in ((uk_id, uk), (us_id, us), (created_id, created_only)):
                assert len(deliveries(api, consumer_id)) == len(expected[receiver])
        finally:
            for consumer_id in (uk_id, us_id, created_id):
                api.delete(f"/webhooks/{consumer_id}")


def test_a_slow_receiver_holds_up_no_other(api) -> None:
    value = uuid.uuid4().hex[:10]
    slow = Receiver(answer=lambda message, seen: Answer(delay=1.5)).start()
    fast = Receiver().start()
    consumers = []
    try:
        slow_id = add_consumer(api, slow, companyTags=[f"race:{value}"], eventTypes=["company.created"])
        fast_id = add_consumer(api, fast, companyTags=[f"race:{value}"], eventTypes=["company.created"])
        consumers += [slow_id, fast_id]
        for n in range(6):
            tagged_company(api, f"Race {n}", {"race": value})
        fast.wait_for(lambda r: len(r.events()) == 6, timeout=10, what="the fast receiver's 6 events")
        # The slow one takes 1.5 s to answer each request: the fast one had all six before its first answer.
        slow.wait_for(lambda r: bool(r.messages), what="the slow receiver's first message")
        fast_done = max(message.received_at for message in fast.messages)
        slow_first_answer = min(message.received_at for message in slow.messages) + 1.5
        assert fast_done < slow_first_answer, f"{fast_done - slow_first_answer:.2f} s late"
        slow.wait_for(lambda r: len(r.events()) == 6, timeout=30, what="the slow receiver's 6 events")
        assert {e["payload"]["id"] for e in slow.events().values()} == {
            e["payload"]["id"] for e in fast.events().values()
        }
        wait_until(lambda: all(d["status"] == "Succeeded" for d in deliveries(api, slow_id)), what="recorded")
        latencies = [d["attempts"][0]["latencyMs"] for d in deliveries(api, slow_id)]
        assert min(latencies) >= 1500
    finally:
        slow.stop()
        fast.stop()
        for consumer_id in consumers:
            api.delete(f"/webhooks/{consumer_id}")


def test_deliveries_are_listed_filtered_and_replayed(api) -> None:
    value = uuid.uuid4().hex[:10]
    with Receiver().start() as receiver:
        consumer_id = add_consumer(api, receiver, companyTags=[f"replay:{value}"])
        try:
            company_id = tagged_company(api, "Replay Ltd", {"replay": value})
            assert api.delete(f"/companies/{company_id}").status_code == 204
            receiver.wait_for(lambda r: len(r.messages) == 2, what="two messages")
            wait_until(
                lambda: all(d["status"] == "Succeeded" for d in deliveries(api, consumer_id)),
                what="both deliveries recorded",
            )

            page = api.get(f"/webhooks/{consumer_id}/deliveries", params={"pageSize": 1}).json()
            assert page["totalResults"] == 2 and len(page["results"]) == 1 and "next" in page["_links"]
            newest = page["results"][0]
            assert newest["eventType"] == "company.deleted"  # newest first
            created = deliveries(api, consumer_id, query="eventType=company.created")
            assert [d["eventType"] for d in created] == ["company.created"]
            assert deliveries(api, consumer_id, query="status=failed") == []

            one = api.get(f"/webhooks/{consumer_id}/deliveries/{created[0]['id']}").json()
            assert one["event"]["eventType"] == "company.created"
            assert one["event"]["payload"]["id"] == company_id
            assert {k: v for k, v in one.items() if k != "event"} == created[0]

            replayed = api.post(f"/webhooks/{consumer_id}/deliveries/{created[0]['id']}/replay")
            assert replayed.status_code == 202 and replayed.json()["status"] == "Pending"
            receiver.wait_for(lambda r: len(r.messages) == 3, what="the replayed message")
            # The replay is the same message: a receiver that deduplicates on webhook-id sees it once.
            assert receiver.messages[2].webhook_id == created[0]["messageId"]
            assert len(receiver.events()) == 2
            path = f"/webhooks/{consumer_id}/deliveries/{created[0]['id']}"
            wait_until(lambda: api.get(path).json()["attemptCount"] == 2, what="the replay recorded")
        finally:
            api.delete(f"/webhooks/{consumer_id}")


# --- retries, restarts and disabling, on servers of their own ----------------------------------------

# Attempts a second apart (then the receiver's Retry-After when longer), so a test sees several in seconds.
QUICK_RETRIES = {"LEDGERLINK_WEBHOOK_RETRY_SCHEDULE": ",".join(["0"] + ["1"] * 20)}


@pytest.fixture(scope="module")
def retrying(postgres: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A server of its own with quick retries, and what it takes to start it again on the same database."""
    setup: dict = {
        "database_url": separate_database(postgres, "webhooks_retrying"),
        "api_key": "webhooks-retrying-key",
        # Every process of an install shares the secret key (it seals the consumers' signing secrets).
        "extra_env": {**QUICK_RETRIES, "LEDGERLINK_SECRET_KEY": Fernet.generate_key().decode()},
    }
    setup["start"] = lambda: start_server(
        tmp_path_factory.mktemp("webhooks-retrying"),
        database_url=setup["database_url"],
        api_key=setup["api_key"],
        extra_env=setup["extra_env"],
    )
    setup["server"] = setup["start"]()
    yield setup
    stop_server(setup["server"])


def test_a_receiver_that_was_down_gets_every_event_once_deduplicated(retrying) -> None:
    # Down (connection refused) at first; then up, but failing the first time it sees each message with a
    # 503 and `Retry-After: 2`, after taking it in: the retry is a duplicate it must recognise.
    def answer(message: Message, seen: int) -> Answer:
        return Answer(503, {"retry-after": "2"}) if seen == 1 else Answer()

    receiver = Receiver(answer=answer)
    with retrying["server"].client() as api:
        consumer_id = add_consumer(api, receiver)
        try:
            companies = [tagged_company(api, f"Down {n}", {}) for n in range(5)]
            wait_until(
                lambda: all(d["attemptCount"] >= 2 for d in deliveries(api, consumer_id)),
                what="two refused attempts each",
            )
            refused = deliveries(api, consumer_id)[0]["attempts"][0]
            assert refused["statusCode"] is None and refused["error"], refused
            receiver.start()
            receiver.wait_for(lambda r: len(r.events()) == 5 and len(r.messages) >= 10, what="the retries")
            wait_until(
                lambda: all(d["status"] == "Succeeded" for d in deliveries(api, consumer_id)),
                what="every delivery succeeded",
            )

            assert {e["payload"]["id"] for e in receiver.events().values()} == set(companies)
            arrivals: dict[str, list[float]] = {}
            for message in receiver.messages:
                arrivals.setdefault(message.webhook_id, []).append(message.received_at)
            for webhook_id, times in arrivals.items():
                assert len(times) == 2, (webhook_id, times)  # the 503, then the success
                assert times[1] - times[0] >= 1.9  # Retry-After: 2 outweighs the 1 s schedule
            for delivery in deliveries(api, consumer_id):
                codes = [attempt["statusCode"] for attempt in delivery["attempts"]]
                assert codes[-2:] == [503, 200] and all(code is None for code in codes[:-2])
                assert delivery["attemptCount"] == len(codes) >= 4
                assert delivery["attempts"][-2]["error"].startswith("HTTP 503")
            assert api.get(f"/webhooks/{consumer_id}").json()["disabled"] is False
        finally:
            receiver.stop()
            api.delete(f"/webhooks/{consumer_id}")


def test_deliveries_survive_the_server_being_killed_between_retries(retrying) -> None:
    receiver = Receiver()
    server: RunningServer = retrying["server"]
    with server.client() as api:
        consumer_id = add_consumer(api, receiver, eventTypes=["company.created"])
        company_id = tagged_company(api, "Restart Ltd", {})
        wait_until(lambda: deliveries(api, consumer_id)[0]["attemptCount"] >= 1, what="a refused attempt")
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    receiver.start()
    try:
        retrying["server"] = retrying["start"]()
        receiver.wait_for(lambda r: len(r.events()) == 1, timeout=30, what="the event after the restart")
        (event,) = receiver.events().values()
        assert event["eventType"] == "company.created" and event["payload"]["id"] == company_id
        with retrying["server"].client() as api:
            wait_until(lambda: deliveries(api, consumer_id)[0]["status"] == "Succeeded", what="recorded")
            api.delete(f"/webhooks/{consumer_id}")
    finally:
        receiver.stop()


def test_a_consumer_failing_for_the_whole_window_is_disabled(postgres: str, tmp_path: Path) -> None:
    server = start_server(
        tmp_path / "server",
        database_url=separate_database(postgres, "webhooks_disabling"),
        api_key="webhooks-disabling-key",
        extra_env={
            "LEDGERLINK_WEBHOOK_RETRY_SCHEDULE": ",".join(["0"] + ["0.5"] * 40),
            "LEDGERLINK_WEBHOOK_DISABLE_AFTER_SECONDS": "3",
        },
    )
    broken = Receiver(answer=lambda message, seen: Answer(500)).start()
    # Fails each message once, then takes it: failures, but never for long without a success.
    flaky = Receiver(answer=lambda message, seen: Answer(500) if seen == 1 else Answer()).start()
    try:
        with server.client() as api:
            broken_id = add_consumer(api, broken)
            flaky_id = add_consumer(api, flaky)
            started = time.monotonic()
            made = []
            while time.monotonic() - started < 3.5:
                made.append(tagged_company(api, f"Steady {len(made)}", {}))
                time.sleep(0.4)
            wait_until(
                lambda: api.get(f"/webhooks/{broken_id}").json()["disabled"],
                timeout=20,
                what="the broken consumer disabled",
            )
            listed = {c["id"]: c for c in api.get("/webhooks").json()["results"]}
            assert listed[broken_id]["disabled"] is True and listed[flaky_id]["disabled"] is False
            first_attempt = min(a["attemptedDate"] for d in deliveries(api, broken_id) for a in d["attempts"])
            assert first_attempt  # it failed from its first attempt on
            wait_until(
                lambda: all(d["status"] != "Pending" for d in deliveries(api, broken_id)),
                what="nothing left pending for the disabled consumer",
            )
            assert {d["status"] for d in deliveries(api, broken_id)} == {"Failed"}

            # Disabled: new events are not delivered to it, and a replay is refused.
            before = len(deliveries(api, broken_id))
            last = tagged_company(api, "After Disabling", {})
            assert len(deliveries(api, broken_id)) == before
            one = deliveries(api, broken_id)[0]["id"]
            refused = api.post(f"/webhooks/{broken_id}/deliveries/{one}/replay")
            assert refused.status_code == 400 and "disabled" in refused.json()["error"]

            flaky.wait_for(lambda r: len(r.events()) == len(made) + 1, what="every event at the flaky one")
            assert {e["payload"]["id"] for e in flaky.events().values()} == {*made, last}
    finally:
        broken.stop()
        flaky.stop()
        stop_server(server)
