"""The Sandboxes' one story end to end: a company linked to the Accounting Sandbox and the Banking Sandbox
through the real server, pulled by the worker into PostgreSQL, and read back through the read API: the bank's
GBP lines are the books' bank transactions (counts and sums agree) but for the discrepancies and the loan
`story.py` declares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text

from ledgerlink.connectors.sandbox import story
from tests.support.pulls import link_sandbox, read_all, wait_for_pulls


def test_bank_and_books_agree_through_the_read_api(api, db) -> None:
    company_id, accounting = link_sandbox(api, "Story Books Ltd")
    bank = api.post(f"/companies/{company_id}/connections", json={"platformKey": "qhnd"}).json()
    linked = api.put(f"/companies/{company_id}/connections/{bank['id']}/authorization", json={})
    assert linked.json()["status"] == "Linked", linked.text
    wait_for_pulls(api, company_id, at_least=14)
    as_of = datetime.now(UTC)
    linked_at = db.execute(
        text("SELECT linked_at FROM connections WHERE id = :id"), {"id": bank["id"]}
    ).scalar_one()

    base = f"/companies/{company_id}/connections"
    bank_accounts = read_all(api, f"{base}/{bank['id']}/data/banking-accounts")
    bank_lines = read_all(api, f"{base}/{bank['id']}/data/banking-transactions")
    books_accounts = read_all(api, f"{base}/{accounting}/data/bankAccounts")
    books_lines = {
        t["id"]: t
        for account in books_accounts
        for t in read_all(api, f"{base}/{accounting}/data/bankAccounts/{account['id']}/bankTransactions")
    }

    pairs = story.account_pairs(company_id, linked_at)
    assert {p.bank_account_id for p in pairs} < {a["id"] for a in bank_accounts}
    assert {p.books_account_id for p in pairs} == {a["id"] for a in books_accounts}
    truth = story.transaction_pairs(company_id, linked_at, as_of)
    declared = story.discrepancies(company_id, linked_at, as_of)
    (loan,) = story.loans(company_id, linked_at, as_of)

    # Lines older than a day are final in both pulls and in the truth (taken a moment after them).
    cutoff = (as_of - timedelta(days=1)).date().isoformat()
    gbp = {p.bank_account_id for p in pairs}
    pulled = {t["id"]: t for t in bank_lines if t["accountId"] in gbp and t["authorizedDate"][:10] < cutoff}
    paired = {p.bank_transaction_id: p for p in truth if p.bank_date.isoformat() < cutoff}
    extras = {
        d.bank_transaction_ids[-1]: d
        for d in declared
        if d.kind in ("MissingFromBooks", "DuplicatedBankLine") and d.date.isoformat() < cutoff
    }
    assert set(pulled) == set(paired) | set(extras)
    assert len(pulled) == len(paired) + len(extras) > 500

    def total(records: dict, ids: object) -> Decimal:
        return sum((Decimal(str(records[i]["amount"])) for i in ids), Decimal(0))

    assert total(pulled, paired) == sum((p.bank_amount for p in paired.values()), Decimal(0))
    books_ids = [p.books_transaction_id for p in paired.values()]
    assert total(books_lines, books_ids) == sum((p.books_amount for p in paired.values()), Decimal(0))
    mistyped = {d.books_transaction_id for d in declared if d.kind == "MistypedAmount"}
    for p in paired.values():
        assert (p.bank_amount != p.books_amount) == (p.books_transaction_id in mistyped), p
    differences = sum((p.bank_amount - p.books_amount for p in paired.values()), Decimal(0))
    assert total(pulled, pulled) - total(books_lines, books_ids) == differences + total(pulled, extras)

    # The loan, in both: the lender's name and reference on the bank lines, the amounts the books'.
    drawdown = next(t for t in bank_lines if t["id"] == loan.drawdown_bank_transaction_id)
    assert loan.lender in drawdown["description"] and loan.reference in drawdown["description"]
    assert Decimal(str(drawdown["amount"])) == loan.drawdown_amount
    assert Decimal(str(books_lines[loan.drawdown_books_transaction_id]["amount"])) == loan.drawdown_amount
    repaid = [r for r in loan.repayments if r.bank_transaction_id in pulled]
    assert len(repaid) >= 12 and all(
        Decimal(str(pulled[r.bank_transaction_id]["amount"])) == -r.amount for r in repaid
    )
