"""Data integrity through `codat-lending` on the real server and its worker: a company linked to the
Accounting and Banking Sandboxes, whose bank carries the books' movements but for a few deliberate
discrepancies (`connectors/sandbox/story.py`). The matching run the worker makes after the syncs finds
exactly those discrepancies unmatched and matches every other line to the books line the story pairs it
with; the status, summaries (per account, through `query=`) and details agree; Codat's errors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from codat_lending import CodatLending
from codat_lending.models.errors import ErrorMessage

from ledgerlink.connectors.sandbox import story
from tests.support.pulls import link_sandbox, wait_for_pulls
from tests.support.server import RunningServer
from tests.support.waits import wait_until

BANK_LINES, BOOKS_LINES = "banking-transactions", "accountTransactions"


def status_of(lending: CodatLending, company_id: str, data_type: str) -> dict[str | None, dict[str, Any]]:
    """The status's items by currency (one item, under None, for accounts or before a run)."""
    items = lending.data_integrity.status(request={"company_id": company_id, "data_type": data_type}).metadata
    return {
        (item.amounts.currency if item.amounts else None): item.model_dump(by_alias=True) for item in items
    }


def all_details(
    lending: CodatLending, company_id: str, data_type: str, query: str | None = None
) -> list[Any]:
    found, page = [], 1
    while True:
        answer = lending.data_integrity.details(
            request={
                "company_id": company_id,
                "data_type": data_type,
                "page": page,
                "page_size": 5000,
                "query": query,
            }
        )
        found += answer.results
        if len(found) >= answer.total_results:
            return found
        page += 1


@pytest.fixture(scope="module")
def matched(server: RunningServer, lending: CodatLending) -> dict[str, Any]:
    """The company, linked and pulled, once its matching run is complete; with the story's truth then."""
    with server.client() as api:
        company_id, books = link_sandbox(api, "Integrity Books Ltd")
        bank = api.post(f"/companies/{company_id}/connections", json={"platformKey": "qhnd"}).json()
        linked = api.put(f"/companies/{company_id}/connections/{bank['id']}/authorization", json={})
        assert linked.json()["status"] == "Linked", linked.text
        wait_for_pulls(api, company_id, at_least=14)

    def complete() -> dict[str, Any] | None:
        status = status_of(lending, company_id, BANK_LINES).get("GBP")
        if status is None:
            return None
        done = status["statusInfo"]["currentStatus"] == "Complete"
        return status if done and status["connectionIds"]["target"] == [books] else None

    status = wait_until(complete, timeout=60, what="a complete matching run")
    now = datetime.now(UTC)
    return {
        "company": company_id,
        "books": books,
        "bank": bank["id"],
        "status": status,
        "pairs": story.account_pairs(company_id, now),
        "truth": story.transaction_pairs(company_id, now, now),
        "discrepancies": story.discrepancies(company_id, now, now),
        "bank_lines": all_details(lending, company_id, BANK_LINES),
        "books_lines": all_details(lending, company_id, BOOKS_LINES),
    }


def test_integrity_finds_exactly_the_deliberate_discrepancies(matched: dict[str, Any]) -> None:
    bank = {line.id: line for line in matched["bank_lines"]}
    books = {line.id: line for line in matched["books_lines"]}
    assert {line.currency for line in bank.values()} == {"GBP", "EUR"}

    # Every line the story pairs (both pulled, the bank's posted, the amounts agreeing) is matched to its
    # own counterpart, on both sides, and nothing else is matched. Bank lines printed alike (the same
    # description and amount: a line the bank shows twice, or two payouts of one processor of the same
    # amount on neighbouring days) cannot be told apart: either may be matched to either counterpart.
    alike: dict[tuple[Any, str], list[str]] = {}
    for line in bank.values():
        alike.setdefault((line.amount, line.description), []).append(line.id)
    twice: dict[str, Any] = {id_: min(ids) for ids in alike.values() if len(ids) > 1 for id_ in ids}
    found = {(twice.get(line.id, line.id), match.id) for line in bank.values() for match in line.matches}
    expected = {
        (twice.get(pair.bank_transaction_id, pair.bank_transaction_id), pair.books_transaction_id)
        for pair in matched["truth"]
        if pair.bank_transaction_id in bank
        and pair.books_transaction_id in books
        and pair.bank_amount == pair.books_amount
    }
    assert len(expected) > 1000
    assert found == expected
    from_books = {
        (twice.get(match.id, match.id), line.id) for line in books.values() for match in line.matches
    }
    assert from_books == expected

    # The bank lines left over in the accounts the books keep are the discrepancies: a line the books lack,
    # a mistyped amount, and one of each line shown twice.
    # (The GBP accounts are the books' two; the EUR account has no books counterpart.)
    unmatched = {id_ for id_, line in bank.items() if not line.matches and line.currency == "GBP"}
    discrepancies = [d for d in matched["discrepancies"] if set(d.bank_transaction_ids) <= set(bank)]
    assert {d.kind for d in discrepancies} == {"MissingFromBooks", "DuplicatedBankLine", "MistypedAmount"}
    planted: set[str] = set()
    for discrepancy in discrepancies:
        if discrepancy.kind == "DuplicatedBankLine":
            shown_twice = set(discrepancy.bank_transaction_ids)
            assert len(shown_twice - unmatched) == 1 and len(shown_twice & unmatched) == 1
            planted |= shown_twice & unmatched
        else:
            planted |= set(discrepancy.bank_transaction_ids)
        if discrepancy.kind == "MistypedAmount":
            assert not books[discrepancy.books_transaction_id].matches
            assert Decimal(str(books[discrepancy.books_transaction_id].amount)) == discrepancy.books_amount
    assert unmatched == planted


def test_status_summaries_and_accounts_agree(lending: CodatLending, matched: dict[str, Any]) -> None:
    company_id = matched["company"]
    status = matched["status"]
    assert status["type"] == "bankTransactions"
    assert status["connectionIds"] == {"source": [matched["bank"]], "target": [matched["books"]]}
    bank = matched["bank_lines"]
    gbp = [line for line in bank if line.currency == "GBP"]
    summaries = lending.data_integrity.summaries(
        request={"company_id": company_id, "data_type": BANK_LINES, "query": "currency=GBP"}
    ).summaries
    (summary,) = [s.model_dump(by_alias=True) for s in summaries]
    assert summary["byCount"]["total"] == len(gbp)
    assert summary["byCount"]["matched"] == sum(1 for line in gbp if line.matches)
    assert summary["byAmount"]["currency"] == "GBP"
    assert 90 < summary["byCount"]["matchPercentage"] < 100

    # Accounts: the GBP pairs the story names; the EUR account has no books counterpart, nor its lines.
    accounts = {a.id: [m.id for m in a.matches] for a in all_details(lending, company_id, "banking-accounts")}
    assert {bank_id: ids for bank_id, ids in accounts.items() if ids} == {
        pair.bank_account_id: [pair.books_account_id] for pair in matched["pairs"]
    }
    (eur,) = [bank_id for bank_id, ids in accounts.items() if not ids]
    per_account = lending.data_integrity.summaries(
        request={"company_id": company_id, "data_type": BANK_LINES, "query": f"accountId={eur}"}
    ).summaries
    assert [s.by_count.matched for s in per_account] == [0]
    unmatched = all_details(lending, company_id, BANK_LINES, query="matched=false")
    assert {line.id for line in unmatched} == {line.id for line in bank if not line.matches}


def test_codat_errors(lending: CodatLending, matched: dict[str, Any], server: RunningServer) -> None:
    with pytest.raises(ErrorMessage) as raised:
        lending.data_integrity.status(
            request={"company_id": str(uuid.uuid4()), "data_type": "banking-accounts"}
        )
    assert raised.value.status_code == 404
    with server.client() as api:
        answer = api.get(
            f"/data/companies/{matched['company']}/assess/dataTypes/invoices/dataIntegrity/status"
        )
        assert answer.status_code == 400 and answer.json()["statusCode"] == 400
        answer = api.get(
            f"/data/companies/{matched['company']}/assess/dataTypes/banking-transactions/dataIntegrity/details",
            params={"query": "nothing=1"},
        )
        assert answer.status_code == 400 and "nothing" in answer.json()["error"]
        only_books, _ = link_sandbox(api, "Integrity Only Books Ltd")
    status = status_of(lending, only_books, "banking-accounts")[None]
    assert status["statusInfo"]["currentStatus"] == "DoesNotExist"
    assert "no linked banking connection" in status["statusInfo"]["statusMessage"]
    with pytest.raises(ErrorMessage) as raised:
        lending.data_integrity.summaries(request={"company_id": only_books, "data_type": "banking-accounts"})
    assert raised.value.status_code == 404
