"""Aged debtors and creditors, and reconciled invoices, through `codat-lending` on a server whose company has
linked the fake Xero (`tests/support/fakes/xero.py`: the examples of Xero's own spec, invoices and bills with
payments and credit notes, ACCPAY credit notes included): the same checks as on the Accounting Sandbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.support.fakes.xero import XeroFake, serving
from tests.support.pulls import read_all, wait_for_pulls
from tests.support.receivables import CREDITORS, DEBTORS, check_ageing, lending_sdk
from tests.support.server import RunningServer

CLIENT_ID = "ledgerlink-xero-receivables"
CLIENT_SECRET = "s3cret-" + uuid.uuid4().hex
API_KEY = "receivables-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def fake() -> Iterator[XeroFake]:
    server = XeroFake(CLIENT_ID, CLIENT_SECRET, "http://unset").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def xero_server(
    postgres: str, fake: XeroFake, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    directory = tmp_path_factory.mktemp("xero-receivables")
    with serving(
        fake,
        postgres,
        directory,
        "xero_receivables",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        api_key=API_KEY,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def books(xero_server: RunningServer, fake: XeroFake) -> dict[str, Any]:
    """A company that linked Xero through its connection's `linkUrl` (the fake consents at once), pulled."""
    with xero_server.client() as api:
        company = api.post("/companies", json={"name": "Xero Receivables Ltd"}).json()
        connection = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "gbol"}).json()
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            browser.get(connection["linkUrl"])
        linked = api.get(f"/companies/{company['id']}/connections/{connection['id']}").json()
        assert linked["status"] == "Linked", linked
        pulls = wait_for_pulls(api, company["id"], timeout=90)
        assert all(p["status"] == "Complete" for p in pulls), [(p["dataType"], p["status"]) for p in pulls]
        documents = {
            data_type: read_all(api, f"/companies/{company['id']}/data/{data_type}")
            for data_type in ("invoices", "creditNotes", "bills", "billCreditNotes", "payments")
        }
    assert fake.violations == []
    return {"company": company["id"], "accounting": connection["id"], **documents}


@pytest.mark.parametrize("report", [DEBTORS, CREDITORS], ids=["debtors", "creditors"])
def test_aged_totals_equal_open_amounts_recomputed_from_the_read_api(xero_server, books, report) -> None:
    # Xero's examples include credit notes of both kinds: their documents are on the reports too.
    assert books[list(report[1])[1]]
    check_ageing(lending_sdk(xero_server), books, report)


def test_reconciled_invoices_show_the_allocated_payments(xero_server, books) -> None:
    answer = lending_sdk(xero_server).accounts_receivable.invoices.list_reconciled(
        request={"company_id": books["company"], "page_size": 500}
    )
    assert answer.report_info.total_results == len(books["invoices"])
    invoices = {i["id"]: i for i in books["invoices"]}
    payments = {p["id"]: p for p in books["payments"]}
    shown = 0
    for item in answer.report_items:
        allocated = {a["payment"]["id"]: a for a in invoices[item.id]["paymentAllocations"]}
        assert [p.id for p in item.payments] == list(allocated)
        for payment in item.payments:
            shown += 1
            assert payment.amount == -Decimal(str(allocated[payment.id]["allocation"]["totalAmount"]))
            for ref in payment.banking_transaction_refs:
                assert ref.amount == Decimal(str(payments[payment.id]["totalAmount"]))
    assert shown
