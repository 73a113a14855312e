"""Push ("write") operations end to end: the real server, its worker, PostgreSQL, and Codat's official SDKs.

A company's Linked Accounting Sandbox is written to the way a Codat client writes to Codat: suppliers and
payments through `codat-lending`'s loan writeback (the only official SDK here with creates), journal entries
and invoices with Codat's own request shape over HTTP (the record itself as the body), the push history,
single operations and push options through `codat-platform`. Each create answers `Pending` at once and ends
`Success` in the worker; the record is then read back through the read API after the pull its push queued
(none when `allowSyncOnPushComplete=false`), and the books still balance. A record the platform refuses ends
`Failed` with its validation errors; bad requests are Codat's 400/404 error bodies and store nothing; the
write webhooks reach a receiver signed. The pure-Python side of the Sandbox's writes is
`tests/test_sandbox_writes.py`.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from codat_lending import CodatLending
from codat_platform.models import errors as platform_errors
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import Engine

from ledgerlink.config import Settings
from ledgerlink.connectors import registry as connectors
from ledgerlink.db import sqlalchemy_url
from ledgerlink.jobs import Runtime
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.query import parse_datetime
from ledgerlink.kit.secrets import SecretBox, load_or_create_key
from ledgerlink.kit.urls import PublicUrls
from ledgerlink.push import service as pushes
from ledgerlink.push.models import PushOperation
from ledgerlink.records import registry
from tests.support.processes import alive, worker_of
from tests.support.pulls import link_platform, link_sandbox, read_all, wait_for_pulls
from tests.support.push_operations import money, wait_for_push
from tests.support.push_platform import CREDENTIALS as LEDGER_CREDENTIALS
from tests.support.push_platform import KEY as LEDGER_KEY
from tests.support.push_platform import URL_VARIABLE, LedgerPlatform
from tests.support.server import RunningServer, own_server
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import add_consumer

WRITTEN_TYPES = ("suppliers", "journalEntries", "invoices", "payments")
WRITE_EVENTS = [f"{t}.write.{outcome}" for t in WRITTEN_TYPES for outcome in ("successful", "unsuccessful")]
TAG = uuid.uuid4().hex[:12]


def counts(engine: Engine, company_id: str) -> dict[str, int]:
    """What a company has stored that a push could change: push operations, records written to its platform,
    pull operations and read records."""
    with engine.connect() as db:
        return {
            table: db.execute(text(query), {"c": company_id}).scalar_one()
            for table, query in {
                "push_operations": "SELECT count(*) FROM push_operations WHERE company_id = :c",
                "platform_records": "SELECT count(*) FROM platform_records p JOIN connections c "
                "ON c.id = p.connection_id WHERE c.company_id = :c",
                "pull_operations": "SELECT count(*) FROM pull_operations WHERE company_id = :c",
                "records": "SELECT count(*) FROM records r JOIN connections c ON c.id = r.connection_id "
                "WHERE c.company_id = :c",
            }.items()
        }


@dataclass
class Books:
    """The module's company, its Linked Accounting Sandbox, and what its books offer to refer to."""

    company_id: str
    connection_id: str
    accounts: dict[str, str]  # name -> id
    customer_id: str  # an active customer
    tax_rate_id: str  # Standard 20%
    today: str

    def path(self, data_type: str) -> str:
        return f"/companies/{self.company_id}/connections/{self.connection_id}/push/{data_type}"

    def account(self, name: str) -> dict[str, str]:
        return {"id": self.accounts[name]}

    def journal_entry(self, amount: float, debit: str, credit: str, **extra: Any) -> dict[str, Any]:
        return {
            "description": "Written through the push API",
            "postedOn": self.today,
            "journalLines": [
                {"description": "debit", "netAmount": amount, "accountRef": self.account(debit)},
                {"description": "credit", "netAmount": -amount, "accountRef": self.account(credit)},
            ],
            **extra,
        }


@pytest.fixture(scope="module")
def engine(server: RunningServer) -> Iterator[Engine]:
    engine = create_engine(sqlalchemy_url(server.database_url))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def platform(server: RunningServer):
    from codat_platform import CodatPlatform
    from codat_platform.models import shared

    return CodatPlatform(security=shared.Security(auth_header=server.auth_header), server_url=server.base_url)


@pytest.fixture(scope="module")
def receiver(server: RunningServer) -> Iterator[Receiver]:
    """A webhook consumer of the write events of this module's company (tagged), and its receiver."""
    with Receiver().start() as receiver, server.client() as api:
        consumer = add_consumer(api, receiver, eventTypes=WRITE_EVENTS, companyTags=[f"pushTests:{TAG}"])
        yield receiver
        api.delete(f"/webhooks/{consumer}")


@pytest.fixture(scope="module")
def books(server: RunningServer, receiver: Receiver) -> Books:
    """A tagged company whose Accounting Sandbox is linked and fully pulled."""
    with server.client() as api:
        company = api.post("/companies", json={"name": "Push Books Ltd", "tags": {"pushTests": TAG}})
        assert company.status_code == 200, company.text
        company_id = company.json()["id"]
        connection = api.post(f"/companies/{company_id}/connections", json={"platformKey": "mqjo"}).json()
        linked = api.put(f"/companies/{company_id}/connections/{connection['id']}/authorization", json={})
        assert linked.json()["status"] == "Linked", linked.text
        wait_for_pulls(api, company_id, at_least=10)
        data = f"/companies/{company_id}/data"
        accounts = {a["name"]: a["id"] for a in read_all(api, f"{data}/accounts")}
        customer = next(c for c in read_all(api, f"{data}/customers") if c["status"] == "Active")
        tax_rate = next(t for t in read_all(api, f"{data}/taxRates") if t["name"] == "Standard 20%")
    return Books(
        company_id,
        connection["id"],
        accounts,
        customer["id"],
        tax_rate["id"],
        time.strftime("%Y-%m-%d", time.gmtime()),
    )


@dataclass
class Write:
    """One create: what was sent, the create's answer, and the operation once it ended."""

    sent: dict[str, Any]
    created: dict[str, Any]
    done: dict[str, Any]

    @property
    def record_id(self) -> str:
        return self.done["changes"][0]["recordRef"]["id"]


@pytest.fixture(scope="module")
def written(server: RunningServer, books: Books, lending: CodatLending) -> dict[str, Write]:
    """One create of each writable type, each waited on until it ended: a supplier and a payment through the
    lending SDK, a journal entry and an invoice over HTTP in Codat's request shape."""
    ids = {"company_id": books.company_id, "connection_id": books.connection_id}
    out: dict[str, Write] = {}
    with server.client() as api:
        supplier = {
            "supplierName": f"Pushed Supplies {TAG}",
            "emailAddress": "ap@pushed.example",
            "status": "Active",
            "addresses": [{"type": "Billing", "line1": "1 High Street", "city": "Leeds"}],
        }
        answer = lending.loan_writeback.suppliers.create(request={**ids, "accounting_supplier": supplier})
        created = answer.model_dump(mode="json", by_alias=True, exclude_none=True)
        out["suppliers"] = Write(
            supplier, created, wait_for_push(api, books.company_id, answer.push_operation_key)
        )

        entry = books.journal_entry(123.45, "Office Supplies", "Business Current Account")
        answer = api.post(books.path("journalEntries"), json=entry)
        assert answer.status_code == 200, answer.text
        key = answer.json()["pushOperationKey"]
        out["journalEntries"] = Write(entry, answer.json(), wait_for_push(api, books.company_id, key))

        invoice = {
            "invoiceNumber": f"PUSH-{TAG}",
            "customerRef": {"id": books.customer_id},
            "issueDate": books.today,
            "currency": "GBP",
            "lineItems": [
                {
                    "description": "Consulting",
                    "unitAmount": 100,
                    "quantity": 2,
                    "accountRef": books.account("Sales - Services"),
                    "taxRateRef": {"id": books.tax_rate_id},
                },
            ],
        }
        answer = api.post(books.path("invoices"), json=invoice)
        assert answer.status_code == 200, answer.text
        key = answer.json()["pushOperationKey"]
        out["invoices"] = Write(invoice, answer.json(), wait_for_push(api, books.company_id, key))

        payment = {
            "customerRef": {"id": books.customer_id},
            "accountRef": books.account("Business Current Account"),
            "totalAmount": 50,
            "date": books.today,
            "reference": f"PAY-{TAG}",
            "lines": [
                {"amount": 50, "links": [{"type": "Invoice", "id": out["invoices"].record_id, "amount": -50}]}
            ],
        }
        answer = lending.loan_writeback.payments.create(request={**ids, "accounting_payment": payment})
        created = answer.model_dump(mode="json", by_alias=True, exclude_none=True)
        out["payments"] = Write(
            payment, created, wait_for_push(api, books.company_id, answer.push_operation_key)
        )
    return out


@pytest.fixture(scope="module")
def refused(server: RunningServer, books: Books, engine: Engine) -> dict[str, Any]:
    """A journal entry that fits Codat's model but names an account the books do not have: the create is
    accepted, the Sandbox refuses it when the push runs."""
    with server.client() as api:
        wait_for_pulls(api, books.company_id)
        before = counts(engine, books.company_id)
        entry = books.journal_entry(10, "Rent", "Business Current Account")
        entry["journalLines"][0]["accountRef"] = {"id": "no-such-account"}
        answer = api.post(books.path("journalEntries"), json=entry)
        assert answer.status_code == 200 and answer.json()["status"] == "Pending", answer.text
        done = wait_for_push(api, books.company_id, answer.json()["pushOperationKey"])
        return {
            "answer": answer.json(),
            "done": done,
            "before": before,
            "after": counts(engine, books.company_id),
        }


# --- creating -----------------------------------------------------------------------------------------------


def test_creates_answer_pending_then_end_in_success(written, books, platform, lending) -> None:
    for data_type, write in written.items():
        created = write.created
        assert created["status"] == "Pending" and created["statusCode"] == 202, created
        assert created["dataType"] == data_type
        assert (
            created["companyId"] == books.company_id and created["dataConnectionKey"] == books.connection_id
        )
        assert uuid.UUID(created["pushOperationKey"]).version == 4
        assert "completedOnUtc" not in created or created["completedOnUtc"] is None
        assert created.get("changes") is None and created["validation"]["errors"] == []
        # `data` is the record as sent, while the push waits.
        for field in ("supplierName", "postedOn", "invoiceNumber", "reference"):
            if field in write.sent:
                assert created["data"][field] == write.sent[field]

        done = write.done
        assert done["status"] == "Success" and done["statusCode"] == 200 and done["errorMessage"] is None, (
            done
        )
        assert done["pushOperationKey"] == created["pushOperationKey"] and done["dataType"] == data_type
        assert done["requestedOnUtc"] == created["requestedOnUtc"]
        assert parse_datetime(done["completedOnUtc"]) >= parse_datetime(done["requestedOnUtc"])
        (change,) = done["changes"]
        assert change["type"] == "Created" and change["recordRef"]["dataType"] == data_type

        # The same operation through both official SDKs.
        key = created["pushOperationKey"]
        operation = platform.push_data.get_operation(
            request={"company_id": books.company_id, "push_operation_key": key}
        )
        assert operation.status.value == "Success" and operation.status_code == 200
        assert operation.changes[0].record_ref.id == write.record_id
        assert operation.completed_on_utc == done["completedOnUtc"]
        again = lending.loan_writeback.create_operations.get(
            request={"company_id": books.company_id, "push_operation_key": key}
        )
        assert again.push_operation_key == key and again.data_type.value == data_type


def test_written_records_are_read_after_the_pull_their_push_queued(server, written, books, lending) -> None:
    with server.client() as api:
        pulls = wait_for_pulls(api, books.company_id)
        # Each push queued a pull of its type once the record was written (`allowSyncOnPushComplete`).
        for data_type, write in written.items():
            after = [
                p
                for p in pulls
                if p["dataType"] == data_type
                and parse_datetime(p["requested"]) >= parse_datetime(write.done["completedOnUtc"])
            ]
            assert after and after[0]["status"] == "Complete", (data_type, after)

        data = f"/companies/{books.company_id}/data"
        supplier = api.get(f"{data}/suppliers/{written['suppliers'].record_id}").json()
        assert supplier["supplierName"] == f"Pushed Supplies {TAG}" and supplier["status"] == "Active"
        assert supplier["addresses"][0]["city"] == "Leeds" and supplier["emailAddress"] == "ap@pushed.example"

        entry = api.get(f"{data}/journalEntries/{written['journalEntries'].record_id}").json()
        assert entry["description"] == "Written through the push API" and entry["postedOn"].startswith(
            books.today
        )
        assert [(line["accountRef"]["id"], money(line["netAmount"])) for line in entry["journalLines"]] == [
            (books.accounts["Office Supplies"], 12345),
            (books.accounts["Business Current Account"], -12345),
        ]

        # The invoice through the lending SDK's read API: 2 x 100 at 20% VAT.
        invoice = lending.accounts_receivable.invoices.get(
            request={"company_id": books.company_id, "invoice_id": written["invoices"].record_id}
        )
        assert invoice.invoice_number == f"PUSH-{TAG}" and invoice.customer_ref.id == books.customer_id
        assert money(invoice.sub_total) == 20000 and money(invoice.total_tax_amount) == 4000
        assert money(invoice.total_amount) == 24000

        payment = api.get(f"{data}/payments/{written['payments'].record_id}").json()
        assert money(payment["totalAmount"]) == 5000 and payment["reference"] == f"PAY-{TAG}"
        (line,) = payment["lines"]
        assert (
            line["links"][0]["id"] == written["invoices"].record_id
            and money(line["links"][0]["amount"]) == -5000
        )


def test_the_books_still_balance_after_the_writes(server, written, books) -> None:
    """Pulled again, the invoice shows the payment, and every month of the balance sheet balances."""
    with server.client() as api:
        wait_for_pulls(api, books.company_id)
        for data_type in ("invoices", "balanceSheet", "profitAndLoss"):
            queued = api.post(f"/companies/{books.company_id}/data/queue/{data_type}")
            assert queued.status_code == 200, queued.text
        wait_for_pulls(api, books.company_id)
        data = f"/companies/{books.company_id}/data"
        invoice = api.get(f"{data}/invoices/{written['invoices'].record_id}").json()
        assert money(invoice["amountDue"]) == 24000 - 5000 and invoice["status"] == "PartiallyPaid"
        (allocation,) = invoice["paymentAllocations"]
        assert allocation["payment"]["id"] == written["payments"].record_id

        sheet = api.get(f"{data}/financials/balanceSheet", params={"periodLength": 1, "periodsToCompare": 3})
        assert sheet.status_code == 200, sheet.text
        for report in sheet.json()["reports"]:
            assets, liabilities, equity = (
                money(report[k]["value"]) for k in ("assets", "liabilities", "equity")
            )
            assert assets - liabilities == equity == money(report["netAssets"]), report["date"]


def test_no_pull_follows_a_push_that_asks_for_none(server, books, lending, engine) -> None:
    with server.client() as api:
        wait_for_pulls(api, books.company_id)
        before = counts(engine, books.company_id)
        answer = lending.loan_writeback.suppliers.create(
            request={
                "company_id": books.company_id,
                "connection_id": books.connection_id,
                "allow_sync_on_push_complete": False,
                "accounting_supplier": {"supplierName": f"Unsynced Supplies {TAG}", "status": "Active"},
            }
        )
        done = wait_for_push(api, books.company_id, answer.push_operation_key)
        assert done["status"] == "Success", done
        # A pull would have been queued with the Success, in the same transaction: there is none.
        assert counts(engine, books.company_id)["pull_operations"] == before["pull_operations"]
        record = f"/companies/{books.company_id}/data/suppliers/{done['changes'][0]['recordRef']['id']}"
        assert api.get(record).status_code == 404
        # The platform has it: the next pull brings it.
        assert api.post(f"/companies/{books.company_id}/data/queue/suppliers").status_code == 200
        wait_for_pulls(api, books.company_id)
        assert api.get(record).json()["supplierName"] == f"Unsynced Supplies {TAG}"


def test_a_push_during_a_pull_of_its_type_is_read_by_a_later_pull(server, books, engine) -> None:
    """A pull of suppliers has fixed its moment and is still running when a supplier is written: the push
    finds that pull in flight (it cannot queue a second), and the record, written after the pull's moment,
    comes with a pull after it. Locks hold the pull at the two points that matter: before it reads what was
    written to the platform (so it reads it before the push writes) and before it finishes."""
    with server.client() as api:
        wait_for_pulls(api, books.company_id)
        records_lock = {"key": f"platform-records:{books.connection_id}"}
        with engine.connect() as hold_store, engine.connect() as hold_pull:
            hold_store.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), records_lock)
            queued = api.post(f"/companies/{books.company_id}/data/queue/suppliers")
            assert queued.status_code == 200, queued.text
            pull = queued.json()
            deadline = time.monotonic() + 30
            while (status := api.get(f"/companies/{books.company_id}/data/history/{pull['id']}").json())[
                "status"
            ] == "Queued":
                assert time.monotonic() < deadline, status
                time.sleep(0.05)
            hold_pull.execute(
                text("SELECT id FROM pull_operations WHERE id = :p FOR UPDATE"), {"p": pull["id"]}
            )
            hold_store.commit()  # the pull reads the platform's records (no supplier yet) and waits to finish
            answer = api.post(books.path("suppliers"), json={"supplierName": f"Mid-pull Supplies {TAG}"})
            assert answer.status_code == 200, answer.text
            key = answer.json()["pushOperationKey"]
            # (Without a lock on the pull, the push would end while the pull is held; give it the time to.)
            deadline = time.monotonic() + 1
            while api.get(f"/companies/{books.company_id}/push/{key}").json()["status"] == "Pending":
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            hold_pull.commit()
        done = wait_for_push(api, books.company_id, key)
        assert done["status"] == "Success", done
        wait_for_pulls(api, books.company_id)
        assert (
            api.get(f"/companies/{books.company_id}/data/history/{pull['id']}").json()["status"] == "Complete"
        )
        record = api.get(
            f"/companies/{books.company_id}/data/suppliers/{done['changes'][0]['recordRef']['id']}"
        )
        assert record.status_code == 200, record.text
        assert record.json()["supplierName"] == f"Mid-pull Supplies {TAG}"


# --- reading operations and options -------------------------------------------------------------------------


def test_push_history_pages_filters_and_single_operations(server, written, refused, books, platform) -> None:
    with server.client() as api:
        everything = api.get(f"/companies/{books.company_id}/push", params={"pageSize": 500}).json()
        listed = everything["results"]
        assert everything["totalResults"] == len(listed) >= 5
        keys = {w.created["pushOperationKey"] for w in written.values()} | {
            refused["answer"]["pushOperationKey"]
        }
        assert keys <= {o["pushOperationKey"] for o in listed}
        # Newest first.
        requested = [parse_datetime(o["requestedOnUtc"]) for o in listed]
        assert requested == sorted(requested, reverse=True)

        # Two at a time through the SDK: every operation once, in the same order, with Codat's links.
        paged, page = [], 1
        while True:
            answer = platform.push_data.list_operations(
                request={"company_id": books.company_id, "page": page, "page_size": 2}
            )
            assert (
                answer.total_results == len(listed) and answer.page_number == page and answer.page_size == 2
            )
            paged += [o.push_operation_key for o in answer.results]
            assert (answer.links.previous is not None) == (page > 1)
            if answer.links.next is None:
                break
            page += 1
        assert paged == [o["pushOperationKey"] for o in listed]

        invoices = platform.push_data.list_operations(
            request={
                "company_id": books.company_id,
                "query": "dataType=invoices",
                "order_by": "requestedOnUtc",
            }
        )
        assert [o.push_operation_key for o in invoices.results] == [
            written["invoices"].created["pushOperationKey"]
        ]
        failed = api.get(f"/companies/{books.company_id}/push", params={"query": "status=Failed"}).json()
        assert [o["pushOperationKey"] for o in failed["results"]] == [refused["answer"]["pushOperationKey"]]
        oldest = api.get(
            f"/companies/{books.company_id}/push", params={"orderBy": "requestedOnUtc", "pageSize": 1}
        )
        assert oldest.json()["results"][0]["pushOperationKey"] == listed[-1]["pushOperationKey"]
        bad = api.get(f"/companies/{books.company_id}/push", params={"query": "isCompleted=true"})
        assert bad.status_code == 400 and bad.json()["error"].startswith("Error parsing query")

        one = api.get(f"/companies/{books.company_id}/push/{listed[0]['pushOperationKey']}").json()
        assert one == listed[0]
        for missing in (str(uuid.uuid4()), "not-a-key"):
            answer = api.get(f"/companies/{books.company_id}/push/{missing}")
            assert answer.status_code == 404 and answer.json()["statusCode"] == 404, answer.text
        with pytest.raises(platform_errors.ErrorMessage) as raised:
            platform.push_data.get_operation(
                request={"company_id": books.company_id, "push_operation_key": str(uuid.uuid4())}
            )
        assert raised.value.status_code == 404
        # Another company's operations are not this one's.
        other = api.post("/companies", json={"name": "Other Co"}).json()["id"]
        assert api.get(f"/companies/{other}/push/{listed[0]['pushOperationKey']}").status_code == 404
        assert api.get(f"/companies/{other}/push").json()["totalResults"] == 0
        assert api.get(f"/companies/{uuid.uuid4()}/push").status_code == 404


def test_push_options_describe_each_create_model(server, books, platform, lending) -> None:
    ids = {"company_id": books.company_id, "connection_id": books.connection_id}
    required = {
        "journalEntries": {"postedOn", "journalLines"},
        "invoices": {"customerRef", "issueDate", "lineItems"},
        "payments": {"customerRef", "totalAmount", "date", "lines"},
        "suppliers": {"supplierName"},
    }
    for data_type, fields in required.items():
        option = platform.push_data.get_model_options(request={**ids, "data_type": data_type})
        assert option.type.value == "Object" and option.required is True and option.display_name
        assert {name for name, p in option.properties.items() if p.required} == fields, data_type
        for prop in option.properties.values():
            assert prop.type.value in {"Array", "Object", "String", "Number", "Boolean", "DateTime"}
            assert prop.display_name and prop.description is not None
    lines = platform.push_data.get_model_options(request={**ids, "data_type": "journalEntries"}).properties[
        "journalLines"
    ]
    assert lines.properties["accountRef"].properties["id"].required is True
    assert "balance" in lines.validation.information[0].details
    # The lending SDK's own create-model calls read the same.
    assert lending.loan_writeback.payments.get_create_model(request=ids).display_name == "Payment"
    assert (
        lending.loan_writeback.suppliers.get_create_update_model(request=ids)
        .properties["supplierName"]
        .required
    )

    with server.client() as api:
        base = f"/companies/{books.company_id}/connections/{books.connection_id}/options"
        for data_type in ("salesOrders", "notAType"):  # Codat writes no sales orders
            answer = api.get(f"{base}/{data_type}")
            assert answer.status_code == 400 and answer.json()["statusCode"] == 400, answer.text
        missing = api.get(f"/companies/{books.company_id}/connections/{uuid.uuid4()}/options/invoices")
        assert missing.status_code == 404


def test_options_and_write_events_agree_with_the_registry(server, books) -> None:
    """For every type Codat writes: the options are the registry's create model where the connection's
    platform creates the type and the registry has one (a 400 otherwise), and a consumer can subscribe to both
    of its write events; a type Codat does not write has none."""
    sandbox_writes = connectors.get("mqjo")
    assert sandbox_writes is not None
    writable = sandbox_writes.info.writable_data_types
    events: list[str] = []
    with server.client() as api:
        base = f"/companies/{books.company_id}/connections/{books.connection_id}/options"
        for data_type in registry.WRITABLE:
            answer = api.get(f"{base}/{data_type.key}")
            create_model = registry.create_model(data_type.key)
            if data_type.key in writable and create_model is not None:
                assert answer.status_code == 200, answer.text
                assert answer.json() == json.loads(json.dumps(create_model.push_option)), data_type.key
            else:
                assert answer.status_code == 400, (data_type.key, answer.text)
                assert f"cannot create {data_type.key}" in answer.json()["error"]
            events += [f"{data_type.key}.write.successful", f"{data_type.key}.write.unsuccessful"]
        assert {key for key in writable if registry.create_model(key) is not None} == set(writable)

        consumer = api.post(
            "/webhooks", json={"url": "https://example.com/hooks", "disabled": True, "eventTypes": events}
        )
        assert consumer.status_code == 201, consumer.text
        assert consumer.json()["eventTypes"] == events
        assert api.delete(f"/webhooks/{consumer.json()['id']}").status_code == 204
        for not_written in ("company.write.successful", "balanceSheet.write.unsuccessful"):
            refused = api.post(
                "/webhooks", json={"url": "https://example.com/hooks", "eventTypes": [not_written]}
            )
            assert refused.status_code == 400, refused.text


# --- refusing -----------------------------------------------------------------------------------------------


def test_a_record_the_platform_refuses_ends_failed_with_its_validation(refused) -> None:
    done = refused["done"]
    assert done["status"] == "Failed" and done["statusCode"] == 400 and done["changes"] is None, done
    assert "completedOnUtc" in done and done["errorMessage"]
    (error,) = done["validation"]["errors"]
    assert error["itemId"] == "journalLines.0.accountRef.id" and error["validatorName"] == "JournalEntry"
    assert "no-such-account" in error["message"] or "No account" in error["message"]
    # The push operation is the only thing stored: nothing written to the platform, no pull queued.
    assert refused["after"] == {
        **refused["before"],
        "push_operations": refused["before"]["push_operations"] + 1,
    }


def test_bad_requests_get_codat_s_error_body_and_store_nothing(server, books, engine, lending) -> None:
    with server.client() as api:
        wait_for_pulls(api, books.company_id)
        before = counts(engine, books.company_id)
        other = api.post("/companies", json={"name": "Elsewhere Ltd"}).json()["id"]
        elsewhere = api.post(f"/companies/{other}/connections", json={"platformKey": "mqjo"}).json()["id"]
        entry = books.journal_entry(10, "Rent", "Business Current Account")
        connection = f"/companies/{books.company_id}/connections"
        cases: list[tuple[str, dict[str, Any], int, str]] = [
            # (path, request, status, what the error says)
            (books.path("journalEntries"), {"json": {**entry, "postedOn": "yesterday"}}, 400, "postedOn"),
            (
                books.path("journalEntries"),
                {"json": {**entry, "journalLines": entry["journalLines"][:1]}},
                400,
                "journalLines",
            ),
            (
                books.path("journalEntries"),
                {
                    "json": {
                        **entry,
                        "journalLines": [
                            entry["journalLines"][0],
                            {**entry["journalLines"][1], "netAmount": -9},
                        ],
                    }
                },
                400,
                "balance",
            ),
            (
                books.path("invoices"),
                {"json": {"issueDate": books.today, "lineItems": []}},
                400,
                "customerRef",
            ),
            (books.path("payments"), {"json": {"totalAmount": "lots"}}, 400, "totalAmount"),
            (
                books.path("suppliers"),
                {"content": b'{"supplierName": "Broken', "headers": {"content-type": "application/json"}},
                400,
                "not valid JSON",
            ),
            (books.path("suppliers"), {"json": [{"supplierName": "A list"}]}, 400, "JSON object"),
            (books.path("suppliers"), {}, 400, "JSON object"),
            (
                books.path("suppliers"),
                {"json": {"supplierName": "x"}, "params": {"timeoutInMinutes": 0}},
                400,
                "timeoutInMinutes",
            ),
            (
                books.path("suppliers"),
                {"json": {"supplierName": "x"}, "params": {"timeoutInMinutes": 2**54}},
                400,
                "timeoutInMinutes must be from 1 to 2,147,483,647",
            ),
            # A field the model does not name is kept as sent: an integer beyond 64 bits in it is refused
            # (no platform holds one, and the answer could not carry it back).
            (
                books.path("accounts"),
                {"json": {"name": "Huge", "extra": {"n": [-(2**85)]}}},
                400,
                "extra.n.0: a number beyond 64 bits",
            ),
            (books.path("widgets"), {"json": {}}, 404, "widgets"),
            (books.path("bills"), {"json": {}}, 400, "The bills record is invalid"),
            (
                f"{connection}/{uuid.uuid4()}/push/suppliers",
                {"json": {"supplierName": "x"}},
                404,
                "Data connection",
            ),
            (
                f"{connection}/{elsewhere}/push/suppliers",
                {"json": {"supplierName": "x"}},
                404,
                "Data connection",
            ),
            (
                f"/companies/{uuid.uuid4()}/connections/{books.connection_id}/push/suppliers",
                {"json": {"supplierName": "x"}},
                404,
                "No company was found",
            ),
            (
                f"/companies/{other}/connections/{elsewhere}/push/suppliers",
                {"json": {"supplierName": "x"}},
                400,
                "is PendingAuth; only a Linked connection takes writes",
            ),
        ]
        for path, request, status, says in cases:
            answer = api.post(path, **request)
            assert answer.status_code == status, (path, request, answer.text)
            assert answer.headers["content-type"].startswith("application/json")
            error = answer.json()
            assert error["statusCode"] == status and error["correlationId"] and error["canBeRetried"]
            assert says in error["error"], (says, error)
        invalid = api.post(
            books.path("journalEntries"), json={"postedOn": "soon", "journalLines": [{}]}
        ).json()
        items = {item["itemId"] for item in invalid["validation"]["errors"]}
        assert {"postedOn", "journalLines.0.netAmount", "journalLines.0.accountRef"} <= items
        assert all(item["message"] and item["validatorName"] for item in invalid["validation"]["errors"])

        # The SDK sees Codat's ErrorMessage, validation and all.
        from codat_lending.models.errors import ErrorMessage

        with pytest.raises(ErrorMessage) as raised:
            lending.loan_writeback.suppliers.create(
                request={
                    "company_id": books.company_id,
                    "connection_id": books.connection_id,
                    "accounting_supplier": {"supplierName": "", "status": "Active"},
                }
            )
        assert raised.value.status_code == 400
        assert raised.value.data.validation.errors[0].item_id == "supplierName"

        assert counts(engine, books.company_id) == before
        assert counts(engine, other)["push_operations"] == 0


def test_platforms_that_write_nothing_refuse_pushes(server) -> None:
    with server.client() as api:
        company_id, connection_id = link_sandbox(api, "Shop Only Ltd", key="aiwb")
        path = f"/companies/{company_id}/connections/{connection_id}"
        answer = api.post(f"{path}/push/journalEntries", json={"postedOn": "2024-01-01", "journalLines": []})
        assert answer.status_code == 400, answer.text
        assert (
            answer.json()["error"]
            == "Commerce Sandbox (aiwb) cannot create journalEntries; it creates nothing."
        )
        assert api.get(f"{path}/options/journalEntries").status_code == 400
        assert api.get(f"/companies/{company_id}/push").json()["totalResults"] == 0


# --- webhooks -----------------------------------------------------------------------------------------------


def test_write_webhooks_are_delivered_signed(written, refused, books, receiver) -> None:
    expected = {w.created["pushOperationKey"]: (f"{t}.write.successful", w) for t, w in written.items()}
    failed_key = refused["answer"]["pushOperationKey"]

    def arrived(r: Receiver) -> bool:
        keys = {e["payload"]["id"] for e in r.events().values()}
        return set(expected) | {failed_key} <= keys

    receiver.wait_for(arrived, what="the write webhooks")
    events = {e["payload"]["id"]: e for e in receiver.events().values()}  # signatures verified
    for key, (event_type, write) in expected.items():
        event = events[key]
        assert event["eventType"] == event_type and set(event) == {
            "id",
            "eventType",
            "generatedDate",
            "payload",
        }
        payload = event["payload"]
        assert payload["type"] == "Create" and payload["status"] == "Success"
        assert payload["referenceCompany"]["id"] == books.company_id
        assert payload["connectionId"] == books.connection_id
        assert payload["record"] == {"id": write.record_id} and payload["attachmentId"] is None
        assert payload["requestedOnDate"] == write.done["requestedOnUtc"]
        assert payload["completedOnDate"] == write.done["completedOnUtc"]
    failure = events[failed_key]
    assert failure["eventType"] == "journalEntries.write.unsuccessful"
    assert failure["payload"]["status"] == "Failed" and failure["payload"]["record"] is None
    # The consumer asked for write events only.
    assert {e["eventType"] for e in receiver.events().values()} <= set(WRITE_EVENTS)


# --- idempotency and time limits, through the service the commerce sync writes with -------------------------


@pytest.fixture
async def runtime(server: RunningServer) -> AsyncIterator[Runtime]:
    """What the worker gives a job, on the server's database and with its secret key."""
    from ledgerlink.db import create_engine as create_async_engine
    from ledgerlink.db import create_sessionmaker

    engine = create_async_engine(server.database_url, pool_size=4, max_overflow=2)
    try:
        yield Runtime(
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            secrets=SecretBox(load_or_create_key(None, server.log_path.parent)),
            urls=PublicUrls(server.base_url),
            settings=Settings(),
        )
    finally:
        await engine.dispose()


@pytest.mark.anyio
async def test_a_push_asked_again_with_its_idempotency_key_writes_once(
    server, books, engine, runtime
) -> None:
    """The service takes an idempotency key, for the callers inside ledgerlink that must never write twice
    (Sync for Commerce) as for the HTTP API's `Idempotency-Key` header (tested on the Test Ledger below).
    Asked twice with one key, it answers with the first operation; a push retried after the platform wrote
    its record (the worker died before marking it) gets that record back instead of writing another."""
    record = {"supplierName": f"Idempotent Supplies {TAG}"}
    idempotency_key = f"push-tests:{TAG}"
    keys = []
    for _ in range(2):
        async with runtime.sessionmaker() as session, session.begin():
            operation = await pushes.request_push(
                session,
                company_id=books.company_id,
                connection_id=books.connection_id,
                data_type="suppliers",
                record=record,
                idempotency_key=idempotency_key,
            )
            keys.append(str(operation.id))
    assert keys[0] == keys[1]
    with server.client() as api:
        done = wait_for_push(api, books.company_id, keys[0])
        assert done["status"] == "Success", done
        listed = api.get(
            f"/companies/{books.company_id}/push", params={"query": "dataType=suppliers", "pageSize": 500}
        ).json()["results"]
        assert [o["pushOperationKey"] for o in listed].count(keys[0]) == 1

    # The worker "died" after the platform wrote the record: the operation is Pending again, and runs again.
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(PushOperation)
            .where(PushOperation.id == uuid.UUID(keys[0]))
            .values(
                status="Pending",
                status_code=202,
                completed_at=None,
                created_record=None,
                created_record_id=None,
            )
        )
    again = await pushes.run_push(runtime, keys[0])
    assert again.status == "Success" and again.created_record_id == done["changes"][0]["recordRef"]["id"]
    with engine.connect() as db:
        kept = db.execute(
            text("SELECT count(*) FROM platform_records WHERE idempotency_key = :k"), {"k": keys[0]}
        ).scalar_one()
        suppliers = db.execute(
            text("SELECT count(*) FROM platform_records WHERE data->>'supplierName' = :n"),
            {"n": record["supplierName"]},
        ).scalar_one()
    assert kept == 1 and suppliers == 1


@pytest.mark.anyio
async def test_a_push_past_its_time_limit_times_out(server, books, engine, runtime, receiver) -> None:
    """A push whose `timeoutInMinutes` passed before it ran ends TimedOut (504) and never reaches the
    platform."""
    before = counts(engine, books.company_id)
    async with runtime.sessionmaker() as session, session.begin():
        operation = await pushes.request_push(
            session,
            company_id=books.company_id,
            connection_id=books.connection_id,
            data_type="suppliers",
            record={"supplierName": f"Late Supplies {TAG}"},
            timeout_in_minutes=1,
        )
        # Asked for two minutes ago (its job is committed with it, so the worker sees it only like this).
        operation.requested_at = utcnow().replace(microsecond=0) - timedelta(minutes=2)
        key = str(operation.id)
    with server.client() as api:
        done = wait_for_push(api, books.company_id, key)
    assert done["status"] == "TimedOut" and done["statusCode"] == 504 and done["timeoutInMinutes"] == 1, done
    assert "did not complete within" in done["errorMessage"] and done["changes"] is None
    assert counts(engine, books.company_id)["platform_records"] == before["platform_records"]
    receiver.wait_for(
        lambda r: any(e["payload"]["id"] == key for e in r.events().values()), what="the time-out's webhook"
    )
    (event,) = [e for e in receiver.events().values() if e["payload"]["id"] == key]
    assert event["eventType"] == "suppliers.write.unsuccessful" and event["payload"]["status"] == "TimedOut"


# --- updates, deletes, bank transactions and Idempotency-Key, on a platform that takes them ----------------
# The Test Ledger (`tests/support/push_platform.py`): a fake platform in this process and its connector,
# loaded by a server of this module's. It creates, updates and deletes invoices, creates and deletes journal
# entries, and creates bank transactions.

LEDGER_EVENTS = [
    f"{t}.write.{outcome}"
    for t in ("invoices", "journalEntries", "bankTransactions")
    for outcome in ("successful", "unsuccessful")
]


@dataclass
class Ledger:
    server: RunningServer
    platform: LedgerPlatform
    receiver: Receiver
    company_id: str
    connection_id: str
    engine: Engine

    def path(self, *parts: str) -> str:
        return "/".join((f"/companies/{self.company_id}/connections/{self.connection_id}/push", *parts))

    def invoice(self, number: str, amount: float = 100) -> dict[str, Any]:
        return {
            "invoiceNumber": number,
            "customerRef": {"id": "customer-1"},
            "issueDate": "2026-11-30",
            "currency": "GBP",
            "lineItems": [
                {"description": "Work", "unitAmount": amount, "quantity": 1, "accountRef": {"id": "4000"}}
            ],
        }

    def events(self, key: str) -> list[dict[str, Any]]:
        self.receiver.wait_for(
            lambda r: any(e["payload"]["id"] == key for e in r.events().values()), what=f"{key}'s webhook"
        )
        return [e for e in self.receiver.events().values() if e["payload"]["id"] == key]


@pytest.fixture(scope="module")
def ledger(postgres: str, tmp_path_factory) -> Iterator[Ledger]:
    platform = LedgerPlatform()
    fake, url = platform.serve()
    env = {"LEDGERLINK_CONNECTOR_MODULES": "tests.support.push_platform", URL_VARIABLE: url}
    try:
        with (
            own_server(
                postgres, tmp_path_factory.mktemp("push-ledger"), "push_ledger", api_key="ledger", env=env
            ) as server,
            Receiver().start() as receiver,
            server.client() as api,
        ):
            add_consumer(api, receiver, eventTypes=LEDGER_EVENTS)
            company_id, connection_id = link_sandbox(api, "Ledger Writes Ltd", LEDGER_CREDENTIALS, LEDGER_KEY)
            wait_for_pulls(api, company_id, at_least=3)
            engine = create_engine(sqlalchemy_url(server.database_url))
            yield Ledger(server, platform, receiver, company_id, connection_id, engine)
            engine.dispose()
    finally:
        fake.stop()


def push(api: httpx.Client, method: str, path: str, **request: Any) -> dict[str, Any]:
    answer = api.request(method, path, **request)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "Pending" and answer.json()["statusCode"] == 202, answer.text
    return answer.json()


def test_an_invoice_is_created_updated_and_deleted_with_changes_and_webhooks(ledger) -> None:
    with ledger.server.client() as api:
        created = push(api, "POST", ledger.path("invoices"), json=ledger.invoice("UPD-1"))
        done = wait_for_push(api, ledger.company_id, created["pushOperationKey"])
        assert done["status"] == "Success" and done["changes"][0]["type"] == "Created", done
        invoice_id = done["changes"][0]["recordRef"]["id"]

        changed = ledger.invoice("UPD-1", amount=250)
        answer = push(api, "PUT", ledger.path("invoices", invoice_id), json=changed)
        assert answer["data"] == changed and answer["dataType"] == "invoices"  # UpdateInvoiceResponse
        updated = wait_for_push(api, ledger.company_id, answer["pushOperationKey"])
        assert updated["status"] == "Success" and updated["statusCode"] == 200, updated
        assert updated["changes"] == [
            {
                "type": "Modified",
                "recordRef": {"id": invoice_id, "dataType": "invoices"},
                "attachmentId": None,
            }
        ]
        assert ledger.platform.records["invoices"][invoice_id]["lineItems"][0]["unitAmount"] == 250
        # The pull the update queued reads the new version.
        wait_for_pulls(api, ledger.company_id)
        read = api.get(f"/companies/{ledger.company_id}/data/invoices/{invoice_id}").json()
        assert read["lineItems"][0]["unitAmount"] == 250, read

        deleted = api.delete(ledger.path("invoices", invoice_id))
        assert deleted.status_code == 200, deleted.text
        summary = deleted.json()  # PushOperationSummary: no record
        assert "data" not in summary and summary["status"] == "Pending", summary
        gone = wait_for_push(api, ledger.company_id, summary["pushOperationKey"])
        assert gone["status"] == "Success" and gone["changes"][0]["type"] == "Deleted", gone
        assert gone["changes"][0]["recordRef"] == {"id": invoice_id, "dataType": "invoices"}
        assert invoice_id not in ledger.platform.records["invoices"]
        wait_for_pulls(api, ledger.company_id)
        read = api.get(f"/companies/{ledger.company_id}/data/invoices/{invoice_id}").json()
        assert read["metadata"]["isDeleted"] is True, read

    for key, operation in (
        (created["pushOperationKey"], "Create"),
        (answer["pushOperationKey"], "Update"),
        (summary["pushOperationKey"], "Delete"),
    ):
        (event,) = ledger.events(key)
        assert event["eventType"] == "invoices.write.successful", event
        assert event["payload"]["type"] == operation and event["payload"]["record"] == {"id": invoice_id}


def test_an_update_or_delete_of_a_record_the_platform_lacks_ends_failed_404(ledger) -> None:
    with ledger.server.client() as api:
        update = push(api, "PUT", ledger.path("invoices", "no-such-invoice"), json=ledger.invoice("X"))
        delete = api.delete(ledger.path("journalEntries", "no-such-entry")).json()
        for key in (update["pushOperationKey"], delete["pushOperationKey"]):
            done = wait_for_push(api, ledger.company_id, key)
            assert done["status"] == "Failed" and done["statusCode"] == 404, done
            assert done["changes"] is None and "no-such" in done["errorMessage"]
    (event,) = ledger.events(update["pushOperationKey"])
    assert event["eventType"] == "invoices.write.unsuccessful" and event["payload"]["type"] == "Update"
    (event,) = ledger.events(delete["pushOperationKey"])
    assert event["eventType"] == "journalEntries.write.unsuccessful" and event["payload"]["type"] == "Delete"


def test_operations_the_platform_or_codat_lacks_are_refused_at_the_door(ledger, server) -> None:
    with ledger.server.client() as api:
        before = api.get(f"/companies/{ledger.company_id}/push").json()["totalResults"]
        cases = [
            # Codat's API has them; the Test Ledger does not.
            ("PUT", ledger.path("journalEntries", "x"), 404, "Codat's API has no update of journalEntries"),
            (
                "DELETE",
                ledger.path("bills", "x"),
                400,
                "Test Ledger (tldg) cannot delete bills; it deletes invoices, journalEntries.",
            ),
            ("PUT", ledger.path("suppliers", "x"), 400, "cannot update suppliers; it updates invoices."),
            # Codat's API has no such write at all.
            ("DELETE", ledger.path("customers", "x"), 404, "Codat's API has no delete of customers"),
            ("PUT", ledger.path("widgets", "x"), 404, "widgets"),
        ]
        for method, path, status, says in cases:
            answer = api.request(method, path, json={} if method == "PUT" else None)
            assert answer.status_code == status, (method, path, answer.text)
            assert says in answer.json()["error"] and answer.json()["statusCode"] == status, answer.json()
        invalid = api.put(ledger.path("invoices", "x"), json={"issueDate": "soon", "lineItems": []})
        assert invalid.status_code == 400 and invalid.json()["validation"]["errors"], invalid.text
        assert api.get(f"/companies/{ledger.company_id}/push").json()["totalResults"] == before
    with server.client() as api:  # the Accounting Sandbox deletes invoices, only those written to it
        company_id, connection_id = link_sandbox(api, "Sandbox Updates Ltd")
        path = f"/companies/{company_id}/connections/{connection_id}/push/invoices/x"
        answer = api.delete(path)
        assert answer.status_code == 200, answer.text
        done = wait_for_push(api, company_id, answer.json()["pushOperationKey"])
        assert done["status"] == "Failed" and done["statusCode"] == 404, done


def test_an_update_of_a_record_changed_since_it_was_read_needs_force_update(ledger) -> None:
    """Codat's check before an update: the `sourceModifiedDate` sent must be the one last read from the
    platform, unless `forceUpdate=true`."""
    with ledger.server.client() as api:
        created = push(api, "POST", ledger.path("invoices"), json=ledger.invoice("FORCE-1"))
        invoice_id = wait_for_push(api, ledger.company_id, created["pushOperationKey"])["changes"][0][
            "recordRef"
        ]["id"]
        wait_for_pulls(api, ledger.company_id)
        read = api.get(f"/companies/{ledger.company_id}/data/invoices/{invoice_id}").json()
        stale = {**ledger.invoice("FORCE-1", 7), "sourceModifiedDate": "2020-01-01T00:00:00Z"}
        refused = api.put(ledger.path("invoices", invoice_id), json=stale)
        assert refused.status_code == 400 and "forceUpdate=true" in refused.json()["error"], refused.text
        current = {**ledger.invoice("FORCE-1", 8), "sourceModifiedDate": read["sourceModifiedDate"]}
        for request in ({"json": current}, {"json": stale, "params": {"forceUpdate": "true"}}):
            key = push(api, "PUT", ledger.path("invoices", invoice_id), **request)["pushOperationKey"]
            assert wait_for_push(api, ledger.company_id, key)["status"] == "Success"
        assert ledger.platform.records["invoices"][invoice_id]["lineItems"][0]["unitAmount"] == 7


def test_an_idempotency_key_answers_its_first_request_and_refuses_another(ledger) -> None:
    key = f"ledger:{uuid.uuid4()}"
    headers = {"Idempotency-Key": key}
    invoice = ledger.invoice("IDEM-1")
    with ledger.server.client() as api:
        first = push(api, "POST", ledger.path("invoices"), json=invoice, headers=headers)
        done = wait_for_push(api, ledger.company_id, first["pushOperationKey"])
        again = api.post(ledger.path("invoices"), json=invoice, headers=headers)
        assert again.status_code == 200 and again.json()["pushOperationKey"] == first["pushOperationKey"]
        assert again.json()["status"] == "Success" and again.json()["changes"] == done["changes"]
        numbers = [r["invoiceNumber"] for r in ledger.platform.records["invoices"].values()]
        assert numbers.count("IDEM-1") == 1

        total = api.get(f"/companies/{ledger.company_id}/push").json()["totalResults"]
        invoice_id = done["changes"][0]["recordRef"]["id"]
        for method, path, body in (
            ("POST", ledger.path("invoices"), ledger.invoice("IDEM-2")),  # another body
            ("PUT", ledger.path("invoices", invoice_id), invoice),  # another operation
            ("DELETE", ledger.path("invoices", invoice_id), None),
            ("POST", ledger.path("journalEntries"), invoice),  # another type
        ):
            refused = api.request(method, path, json=body, headers=headers)
            assert refused.status_code == 409, (method, path, refused.text)
            error = refused.json()
            assert (
                error["statusCode"] == 409 and key in error["error"] and "another request" in error["error"]
            )
        assert api.get(f"/companies/{ledger.company_id}/push").json()["totalResults"] == total
        assert invoice_id in ledger.platform.records["invoices"]

        # Keys are per connection: another connection may use the same one.
        company = api.post("/companies", json={"name": "Other Ledger Ltd"}).json()["id"]
        other = link_platform(api, company, LEDGER_KEY, LEDGER_CREDENTIALS)
        elsewhere = api.post(
            f"/companies/{company}/connections/{other}/push/invoices", json=invoice, headers=headers
        )
        assert (
            elsewhere.status_code == 200 and elsewhere.json()["pushOperationKey"] != first["pushOperationKey"]
        )


def test_the_platform_sdk_reads_updates_and_deletes_and_lending_pushes_bank_transactions(ledger) -> None:
    from codat_lending import CodatLending
    from codat_lending.models import shared as lending_shared
    from codat_platform import CodatPlatform
    from codat_platform.models import shared

    auth = ledger.server.auth_header
    platform = CodatPlatform(security=shared.Security(auth_header=auth), server_url=ledger.server.base_url)
    lending = CodatLending(
        security=lending_shared.Security(auth_header=auth), server_url=ledger.server.base_url
    )
    ids = {"company_id": ledger.company_id, "connection_id": ledger.connection_id}
    with ledger.server.client() as api:
        created = push(api, "POST", ledger.path("invoices"), json=ledger.invoice("SDK-1"))
        invoice_id = wait_for_push(api, ledger.company_id, created["pushOperationKey"])["changes"][0][
            "recordRef"
        ]["id"]
        updated = push(api, "PUT", ledger.path("invoices", invoice_id), json=ledger.invoice("SDK-1", 5))
        deleted = api.delete(ledger.path("invoices", invoice_id)).json()
        for key in (updated["pushOperationKey"], deleted["pushOperationKey"]):
            wait_for_push(api, ledger.company_id, key)

        account = "bank-account-1"
        transactions = {
            "accountId": account,
            "transactions": [{"id": "t-1", "date": "2026-11-30", "description": "Drawdown", "amount": 500}],
        }
        answer = lending.loan_writeback.bank_transactions.create(
            request={**ids, "account_id": account, "accounting_create_bank_transactions": transactions}
        )
        done = wait_for_push(api, ledger.company_id, answer.push_operation_key)
        assert done["status"] == "Success" and done["dataType"] == "bankTransactions", done
        (written,) = [
            r for r in ledger.platform.records["bankTransactions"].values() if r["accountId"] == account
        ]
        assert written["transactions"][0]["description"] == "Drawdown"
        # A bank account's options are its type's (while the registry has no create model of bank
        # transactions, the same 400 saying so).
        connection = f"/companies/{ledger.company_id}/connections/{ledger.connection_id}"
        options = api.get(f"{connection}/options/bankAccounts/{account}/bankTransactions")
        of_type = api.get(f"{connection}/options/bankTransactions")
        assert options.status_code == of_type.status_code, options.text
        assert options.json().keys() - {"correlationId"} == of_type.json().keys() - {"correlationId"}
        assert options.json().get("error") == of_type.json().get("error")
        assert options.json().get("options") == of_type.json().get("options")

    for key, change in ((updated["pushOperationKey"], "Modified"), (deleted["pushOperationKey"], "Deleted")):
        operation = platform.push_data.get_operation(
            request={"company_id": ledger.company_id, "push_operation_key": key}
        )
        assert operation.status.value == "Success"
        (recorded,) = operation.changes
        assert recorded.type.value == change and recorded.record_ref.id == invoice_id
    listed = platform.push_data.list_operations(
        request={"company_id": ledger.company_id, "page": 1, "page_size": 100, "query": "dataType=invoices"}
    )
    changes = {o.push_operation_key: o.changes for o in listed.results}
    assert changes[deleted["pushOperationKey"]][0].type.value == "Deleted"


# --- a worker killed mid-push -------------------------------------------------------------------------------


@pytest.mark.parametrize("moment", ["after-write", "before-write"])
def test_a_push_whose_worker_is_killed_ends_success_once(ledger, moment) -> None:
    """The worker dies while the platform holds the write: after it wrote the record (the retry is answered
    from the platform's idempotency key) or before (the retry writes it). Either way the push ends Success
    once and the platform has the record once, read back through the read API."""
    number = f"CRASH-{moment}"
    ledger.platform.hold(moment)
    with ledger.server.client() as api:
        key = push(api, "POST", ledger.path("invoices"), json=ledger.invoice(number))["pushOperationKey"]
        assert ledger.platform.held.wait(timeout=60), "the push never reached the platform"
        worker = worker_of(ledger.server)
        os.kill(worker, signal.SIGKILL)
        while alive(worker):
            time.sleep(0.05)
        ledger.platform.release(drop=moment == "before-write")
        worker_of(ledger.server, other_than=worker)
        done = wait_for_push(api, ledger.company_id, key, timeout=120)
        assert done["status"] == "Success", done
        invoice_id = done["changes"][0]["recordRef"]["id"]
        kept = [r for r in ledger.platform.records["invoices"].values() if r["invoiceNumber"] == number]
        assert [r["id"] for r in kept] == [invoice_id]
        assert [w for w in ledger.platform.writes if w[2] == invoice_id] == [("POST", "invoices", invoice_id)]
        with ledger.engine.connect() as db:
            attempts = db.execute(
                text("SELECT attempts FROM push_operations WHERE id = :k"), {"k": key}
            ).scalar_one()
        assert attempts == 2  # it really was run again, by the next worker
        wait_for_pulls(api, ledger.company_id)
        read = read_all(api, f"/companies/{ledger.company_id}/data/invoices", query=f"invoiceNumber={number}")
        assert [r["id"] for r in read] == [invoice_id]
    events = ledger.events(key)
    assert [e["eventType"] for e in events] == ["invoices.write.successful"]
