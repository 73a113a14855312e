"""Data integrity on Xero's books (the fake Xero, `tests/support/fakes/xero.py`, linked through a connection's
`linkUrl`) beside the Banking Sandbox as the bank: the worker's run reads Xero's bank account and bank
transactions as the books' side. Xero's examples are another business's than the Sandbox's bank (an NZD
savings account; three bank transactions of 2016, on an account the chart does not list as a bank account):
nothing pairs, and integrity says so: every Xero line is there, by its Xero id, unmatched, the match rate is
0%, and the savings account has no bank counterpart."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.fakes.xero import XeroFake, seed_records
from tests.support.pulls import wait_for_pulls
from tests.support.receivables import lending_sdk
from tests.support.server import RunningServer, own_server
from tests.support.waits import wait_until

CLIENT_ID = "ledgerlink-xero-integrity"
CLIENT_SECRET = "s3cret-" + uuid.uuid4().hex
API_KEY = "integrity-" + uuid.uuid4().hex
CALLBACK_PATH = "/link/oauth/callback"


@pytest.fixture(scope="module")
def fake() -> Iterator[XeroFake]:
    server = XeroFake(CLIENT_ID, CLIENT_SECRET, "http://unset").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def xero_server(
    postgres: str, fake: XeroFake, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    env = fake.server_environment(CLIENT_ID, CLIENT_SECRET)
    directory = tmp_path_factory.mktemp("xero-integrity")
    with own_server(postgres, directory, "xero_integrity", api_key=API_KEY, env=env) as running:
        fake.clients[CLIENT_ID].redirect_uris[:] = [running.base_url + CALLBACK_PATH]
        yield running


@pytest.fixture(scope="module")
def company(xero_server: RunningServer) -> dict[str, Any]:
    with xero_server.client() as api:
        company = api.post("/companies", json={"name": "Xero Integrity Ltd"}).json()
        xero = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "gbol"}).json()
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            browser.get(xero["linkUrl"])
        bank = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "qhnd"}).json()
        linked = api.put(f"/companies/{company['id']}/connections/{bank['id']}/authorization", json={})
        assert linked.json()["status"] == "Linked", linked.text
        wait_for_pulls(api, company["id"], timeout=90)
    return {"company": company["id"], "xero": xero["id"], "bank": bank["id"]}


def test_xero_books_beside_a_bank_get_an_integrity_answer(xero_server: RunningServer, company: dict) -> None:
    lending = lending_sdk(xero_server)
    company_id = company["company"]

    def complete() -> Any:
        items = lending.data_integrity.status(
            request={"company_id": company_id, "data_type": "accountTransactions"}
        ).metadata
        done = [i for i in items if i.status_info.current_status == "Complete"]
        return done if done and done[0].connection_ids.target == [company["bank"]] else None

    (status,) = wait_until(complete, timeout=60, what="a complete matching run")
    assert status.type == "banking-transactions"
    assert status.connection_ids.source == [company["xero"]]

    xero_lines = {t["BankTransactionID"] for t in seed_records()["BankTransactions"]}
    details = lending.data_integrity.details(
        request={"company_id": company_id, "data_type": "accountTransactions", "page_size": 100}
    )
    assert {d.id for d in details.results} == xero_lines
    assert all(d.type == "bankTransactions" and d.matches == [] for d in details.results)
    (summary,) = lending.data_integrity.summaries(
        request={"company_id": company_id, "data_type": "accountTransactions"}
    ).summaries
    assert summary.by_count.total == len(xero_lines) and summary.by_count.match_percentage == 0

    accounts = lending.data_integrity.details(request={"company_id": company_id, "data_type": "bankAccounts"})
    (savings,) = accounts.results
    assert (savings.description, savings.currency, savings.matches) == ("Business Savings Account", "NZD", [])
