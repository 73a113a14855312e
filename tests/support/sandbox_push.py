"""A client of ledgerlink's push API for tests through the real server: a company linked to the Accounting
Sandbox, pushes in Codat's request shapes polled until they end, and the read API brought up to date after
them (a push queues a pull of its own type only; what else it changed is pulled on request)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tests.support.pulls import link_sandbox, read_all, wait_for_pulls
from tests.support.push_operations import wait_for_push
from tests.support.server import RunningServer


def today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


class SandboxPushes:
    """A company's Linked Accounting Sandbox, and how a client pushes to it and reads it back."""

    def __init__(self, api: httpx.Client, company_id: str, connection_id: str) -> None:
        self.api = api
        self.company_id = company_id
        self.data = f"/companies/{company_id}/data"
        # Connection-scoped types (bank accounts) are read under the connection.
        self.connection_data = f"/companies/{company_id}/connections/{connection_id}/data"
        self.push = f"/companies/{company_id}/connections/{connection_id}/push"
        self.options = f"/companies/{company_id}/connections/{connection_id}/options"

    def pushed(self, answer: httpx.Response) -> dict[str, Any]:
        """A push answered Pending at once, then polled until it ended."""
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "Pending", answer.text
        return wait_for_push(self.api, self.company_id, answer.json()["pushOperationKey"])

    @staticmethod
    def written_id(done: dict[str, Any]) -> str:
        """The id of the record a push operation wrote, from its `changes`."""
        (change,) = done["changes"]
        return change["recordRef"]["id"]

    def refresh(self, *data_types: str) -> None:
        """Bring the read API up to date: a push queues a pull of its own type; the app asks for the others
        it shows (a bill payment changes its bill and its bank account too). The pulls the pushes queued end
        first: a type's pull is not queued twice at once."""
        wait_for_pulls(self.api, self.company_id)
        for data_type in data_types:
            queued = self.api.post(f"{self.data}/queue/{data_type}")
            assert queued.status_code == 200, queued.text
        wait_for_pulls(self.api, self.company_id)

    def read(self, data_type: str, record_id: str) -> dict[str, Any]:
        base = self.connection_data if data_type == "bankAccounts" else self.data
        answer = self.api.get(f"{base}/{data_type}/{record_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def current_account(self) -> dict[str, Any]:
        banks = read_all(self.api, f"{self.connection_data}/bankAccounts")
        return next(b for b in banks if b["accountName"] == "Business Current Account")

    def record_bill(self, bill: dict[str, Any]) -> str:
        done = self.pushed(self.api.post(f"{self.push}/bills", json=bill))
        assert done["status"] == "Success" and done["dataType"] == "bills", done
        wait_for_pulls(self.api, self.company_id)
        return self.written_id(done)

    def pay(
        self, bill: dict[str, Any], bank_account_id: str, amount: float, reference: str = ""
    ) -> dict[str, Any]:
        """Pay `amount` of a bill from a bank account: Codat's bill payment of one bill."""
        payment = {
            "supplierRef": {"id": bill["supplierRef"]["id"]},
            "accountRef": {"id": bank_account_id},
            "totalAmount": amount,
            "currency": bill["currency"],
            "date": today(),
            "reference": reference,
            "lines": [{"amount": amount, "links": [{"type": "Bill", "id": bill["id"], "amount": -amount}]}],
        }
        return self.pushed(self.api.post(f"{self.push}/billPayments", json=payment))


@contextmanager
def linked_sandbox(server: RunningServer, name: str) -> Iterator[SandboxPushes]:
    """A company made and linked to the Accounting Sandbox, its first pulls done."""
    with server.client() as api:
        company_id, connection_id = link_sandbox(api, name)
        wait_for_pulls(api, company_id, at_least=10)
        yield SandboxPushes(api, company_id, connection_id)
