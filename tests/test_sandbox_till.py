"""The till agrees with the books and the bank: the Commerce Sandbox's takings settle in payouts (card
processor, PayPal, cash paid in) that land in the Accounting Sandbox's current account and are booked there,
and the books' shop sales are the Commerce orders' (pure Python, no server; `till.py`, `story.payouts`)."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from ledgerlink.connectors.sandbox import till
from ledgerlink.connectors.sandbox.banking import BankingSandbox
from ledgerlink.connectors.sandbox.books import K_SETTLEMENT, AccountingBooks
from ledgerlink.connectors.sandbox.commerce import CommerceSandbox, Shop
from ledgerlink.connectors.sandbox.story import account_pairs, payouts
from tests.support.sandbox_books import apply, cents
from tests.support.sandbox_pulls import COMPANY, LINKED, SPEED, at, collect, request, snapshot

SHOP, BANK = CommerceSandbox(), BankingSandbox()


def shop_pull(data_type: str, as_of: datetime, since: datetime | None = None, scale: int = 1) -> list[dict]:
    async def run() -> list[dict]:
        records: list[dict] = []
        async for batch in SHOP.fetch(request(data_type, as_of, since, scale=scale)):
            records += batch.records
        return records

    return asyncio.run(run())


def bank_pull(data_type: str, as_of: datetime, scale: int = 1) -> list[dict]:
    async def run() -> list[dict]:
        records: list[dict] = []
        async for batch in BANK.fetch(request(data_type, as_of, scale=scale)):
            records += batch.records
        return records

    return asyncio.run(run())


def model(scale: int = 1) -> Shop:
    return SHOP.model_for(request("commerce-orders", LINKED, scale=scale))


def lines_by_account(entry: dict, names: dict[str, str]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for line in entry["journalLines"]:
        out[names[line["accountRef"]["id"]]] += cents(line["netAmount"])
    return dict(out)


@pytest.mark.parametrize(("days", "scale"), [(0, 1), (45, 2)])
def test_books_record_the_till_as_the_shop_sold(days: float, scale: int) -> None:
    """Sales by day (and the P&L's shop sales by month) are the orders', refunds the orders' refund lines,
    each holding account's takings the channel's payments, to the penny."""
    books = snapshot(days, scale)
    names = {a["id"]: a["name"] for a in books["chartOfAccounts"].values()}
    orders = shop_pull("commerce-orders", at(days), scale=scale)
    payments = {p["id"]: p for p in shop_pull("commerce-payments", at(days), scale=scale)}
    products = {p["id"]: p for p in shop_pull("commerce-products", at(days), scale=scale)}
    shop = model(scale)
    holding = {how.provider: how.account for how in shop.channels}
    account_name = {
        "card_receipts": "Credit Card Receipts",
        "clearing": "Clearing Account",
        "petty_cash": "Petty Cash",
    }

    now = shop.clock.simulated(at(days))
    today = now.date().isoformat() if now.hour < 23 else None
    sales: Counter[str] = Counter()  # by day: what the orders placed that day sold, before VAT
    vat: Counter[str] = Counter()
    gift_cards: Counter[str] = Counter()  # by day: gift cards spent less gift cards sold
    taken: Counter[tuple[str, str]] = Counter()  # (day, holding account) -> payments
    refunded_total = 0
    for order in orders:
        if any(p["status"] != "Paid" for p in order["payments"]):
            continue  # abandoned: no money moved
        day = order["createdDate"][:10]
        if day == today:
            continue  # the day's takings are booked at 23:00, after the pull
        for line in order["orderLineItems"]:
            gift = products[line["productRef"]["id"]]["isGiftCard"]
            amount, tax = cents(line["totalAmount"]), cents(line["totalTaxAmount"])
            if line["quantity"] < 0:
                refunded_total -= 0 if gift else amount - tax
            elif gift:
                gift_cards[day] -= amount
            else:
                sales[day] += amount - tax
                vat[day] += tax
        for embedded in order["payments"]:
            provider = payments[embedded["id"]]["paymentProvider"]
            if provider in holding:
                taken[day, account_name[holding[provider]]] += cents(embedded["amount"])
            else:
                gift_cards[day] += cents(embedded["amount"])
    assert sales and refunded_total > 0

    takings = {
        e["postedOn"][:10]: e
        for e in books["journalEntries"].values()
        if e["description"].startswith("Till takings")
    }
    refunds = [e for e in books["journalEntries"].values() if e["description"].startswith("Till refunds")]
    assert set(takings) == set(sales) | set(gift_cards)
    for day, entry in takings.items():
        posted = lines_by_account(entry, names)
        assert -posted.get("Sales - Shop and Online", 0) == sales[day], day
        assert -posted.get("VAT", 0) == vat[day], day
        assert posted.get("Gift Vouchers Outstanding", 0) == gift_cards[day], day
        for account in account_name.values():
            assert posted.get(account, 0) == taken[day, account], (day, account)
    assert (
        sum(lines_by_account(e, names).get("Sales - Shop and Online", 0) for e in refunds) == refunded_total
    )
    # Refunds through the processor and PayPal, day by day, are the Commerce Sandbox's `Refund` transactions
    # (its balances'; cash refunds have none), out of the channel's holding account.
    last_provider = {o["id"]: payments[o["payments"][-1]["id"]]["paymentProvider"] for o in orders}
    returned: Counter[tuple[str, str]] = Counter()
    for txn in shop_pull("commerce-transactions", at(days), scale=scale):
        booked_yet = txn["createdDate"][:10] < now.date().isoformat() or (now.hour, now.minute) >= (23, 30)
        if txn["type"] == "Refund" and txn["subType"] == "PaymentRefund" and booked_yet:
            account = account_name[holding[last_provider[txn["transactionSourceRef"]["id"]]]]
            returned[txn["createdDate"][:10], account] -= cents(txn["totalAmount"])
    assert returned
    booked: Counter[tuple[str, str]] = Counter()
    for entry in refunds:
        for account, pence in lines_by_account(entry, names).items():
            if account in ("Credit Card Receipts", "Clearing Account"):
                booked[entry["postedOn"][:10], account] -= pence
    assert booked == +returned

    # The profit and loss's shop sales, month by month: the month's orders less the month's refunds.
    monthly: Counter[str] = Counter()
    for day, pence in sales.items():
        monthly[day[:7]] += pence
    for entry in refunds:
        monthly[entry["postedOn"][:7]] -= lines_by_account(entry, names).get("Sales - Shop and Online", 0)
    for month, report in books["profitAndLoss"].items():
        shown = {
            item["name"]: cents(item["value"])
            for group in report["income"]["items"]
            for item in group.get("items") or [group]
        }
        assert shown.get("Sales - Shop and Online", 0) == monthly[month], month
    assert set(monthly) <= set(books["profitAndLoss"])


@pytest.mark.parametrize(("days", "scale"), [(0, 1), (45, 2)])
def test_every_payout_is_one_bank_transaction_booked_in_the_books(days: float, scale: int) -> None:
    """Each payout: its payments less refunds and fees; the same amount in Commerce transactions, one bank
    transaction of the current account named after the processor, one journal entry (fees to Bank Charges)."""
    books = snapshot(days, scale)
    names = {a["id"]: a["name"] for a in books["chartOfAccounts"].values()}
    current = next(
        a["id"] for a in books["bankAccounts"].values() if a["accountName"] == "Business Current Account"
    )
    payments = {p["id"]: p for p in shop_pull("commerce-payments", at(days), scale=scale)}
    transactions = {t["id"]: t for t in shop_pull("commerce-transactions", at(days), scale=scale)}
    shop = model(scale)
    truth = payouts(COMPANY, LINKED, at(days), scale=scale, speed=SPEED)
    assert {p.processor for p in truth} == {shop.processor.provider, "PayPal"}

    fees_by_payment: Counter[str] = Counter()
    for txn in transactions.values():
        source = txn.get("transactionSourceRef", {})
        if txn["type"] in ("PaymentFee", "PaymentFeeRefund") and txn["subType"] == "processing_fee":
            fees_by_payment[source["id"]] -= cents(txn["totalAmount"])
    for payout in truth:
        how = next(h for h in shop.channels if h.provider == payout.processor)
        assert payout.net == payout.gross - payout.refunds - payout.fees
        assert payout.gross == sum(Decimal(cents(payments[p]["amount"])) for p in payout.payment_ids) / 100
        for payment_id in payout.payment_ids:  # a percentage and a fixed fee per payment
            assert payments[payment_id]["paymentProvider"] == payout.processor
            assert fees_by_payment[payment_id] == how.fee(cents(payments[payment_id]["amount"]))
        assert cents(float(payout.fees)) >= sum(fees_by_payment[p] for p in payout.payment_ids) - 1_500 * len(
            payout.payment_ids
        )
        # The same payout in Commerce transactions ...
        record = transactions[payout.commerce_transaction_id]
        assert record["type"] == "Payout" and Decimal(str(record["totalAmount"])) == -payout.net
        assert record["createdDate"][:10] == payout.date.isoformat()
        # ... is one bank transaction in the books' current account, named after the processor ...
        bank = books["bankTransactions"][payout.books_transaction_id]
        assert bank["accountId"] == current and Decimal(str(bank["amount"])) == payout.net
        assert payout.processor.upper() in bank["description"] and "PAYOUT" in bank["description"]
        assert bank["clearedOnDate"][:10] == payout.date.isoformat()
        # ... booked against the holding account, the fees to Bank Charges.
        entry = lines_by_account(books["journalEntries"][payout.journal_entry_id], names)
        assert entry["Business Current Account"] == cents(float(payout.net))
        assert entry.get("Bank Charges and Interest", 0) == cents(float(payout.fees))
    assert len({p.books_transaction_id for p in truth}) == len(truth)
    # The bank shows each payout too: one line of its current account, the same amount, the processor's words.
    pairs = {
        pair.books_account_id: pair.bank_account_id for pair in account_pairs(COMPANY, LINKED, scale=scale)
    }
    bank = {t["id"]: t for t in bank_pull("banking-transactions", at(days), scale)}
    for payout in truth:
        if payout.bank_transaction_id is None:
            continue  # not yet shown: the bank posts up to three days after the books
        line = bank[payout.bank_transaction_id]
        assert line["accountId"] == pairs[current] and Decimal(str(line["amount"])) == payout.net
        assert payout.processor.upper() in line["description"] and line["merchantName"] == payout.processor
    assert sum(p.bank_transaction_id is not None for p in truth) >= len(truth) - 10
    payout_records = [t for t in transactions.values() if t["type"] == "Payout"]
    assert {t["id"] for t in payout_records} == {p.commerce_transaction_id for p in truth}
    # Every processor or PayPal line in the books' bank is a payout; the cash paid in has its own.
    statements = {how.statement for how in shop.channels}
    till_lines = [t for t in books["bankTransactions"].values() if t["description"] in statements]
    paid_in = [t for t in till_lines if t["description"] == till.CASH.statement]
    assert paid_in and all(t["transactionType"] == "Dep" for t in paid_in)
    assert len(till_lines) - len(paid_in) == len(truth)


def test_a_payout_lands_on_its_schedule() -> None:
    """Money captured on a day lands `lag` business days later; a weekend's lands with Friday's."""
    shop = model()
    clock = shop.clock
    friday = next(d for d in range(7, 14) if clock.weekday(d) == 4)
    assert till.settle_day(clock, friday, 1) == friday + 3  # Monday
    assert (
        till.settle_day(clock, friday + 1, 1) == friday + 3
        and till.settle_day(clock, friday + 2, 1) == friday + 3
    )
    assert till.settle_day(clock, friday, 2) == friday + 4  # Tuesday
    assert till.settle_day(clock, friday - 1, 2) == friday + 3  # Thursday's: Monday
    assert list(till.settled_days(clock, friday + 3, 1)) == [friday, friday + 1, friday + 2]
    assert list(till.settled_days(clock, friday + 4, 2)) == [friday, friday + 1, friday + 2]
    assert not till.settled_days(clock, friday + 1, 1)  # nothing lands on a Saturday
    # Each processor charges its own fee: a percentage and a fixed part, to the penny.
    stripe = next(p for p in till.PROCESSORS if p.provider == "Stripe")
    assert stripe.fee(10_000) == 170 and stripe.fee(1_234) == 39
    assert till.CASH.fee(10_000) == 0
    # Companies use different processors.
    assert (
        len(
            {
                till.processor_of(AccountingBooks(f"00000000-0000-4000-8000-{i:012d}", LINKED))
                for i in range(40)
            }
        )
        == 4
    )


def test_incremental_pulls_keep_the_till_coherent() -> None:
    """Payouts pulled incrementally, window after window, are the payouts of a full pull: in Commerce
    transactions and in the books' bank and ledger alike."""
    moments = [0, 2.5, 3.25, 6, 9.5]
    shop_state = {t["id"]: t for t in shop_pull("commerce-transactions", at(moments[0]))}
    bank_state = dict(snapshot(moments[0])["bankTransactions"])
    entries_state = dict(snapshot(moments[0])["journalEntries"])
    for t1, t2 in pairwise(moments):
        for record in shop_pull("commerce-transactions", at(t2), since=at(t1)):
            shop_state[record["id"]] = record
        records, deleted = collect("bankTransactions", at(t2), since=at(t1))
        bank_state = apply(bank_state, records, deleted)
        records, deleted = collect("journalEntries", at(t2), since=at(t1))
        entries_state = apply(entries_state, records, deleted)
    end = at(moments[-1])
    assert shop_state == {t["id"]: t for t in shop_pull("commerce-transactions", end)}
    assert bank_state == {t["id"]: t for t in collect("bankTransactions", end)[0]}
    assert entries_state == {e["id"]: e for e in collect("journalEntries", end)[0]}
    truth = payouts(COMPANY, LINKED, end, speed=SPEED)
    landed_after = [p for p in truth if p.date.isoformat() > shop_pull_day(moments[0])]
    assert landed_after, "the windows saw payouts land"
    for payout in landed_after:
        assert Decimal(str(bank_state[payout.books_transaction_id]["amount"])) == payout.net
        assert Decimal(str(shop_state[payout.commerce_transaction_id]["totalAmount"])) == -payout.net


def shop_pull_day(days: float) -> str:
    return model().clock.simulated(at(days)).date().isoformat()


def test_payouts_are_exact_money() -> None:
    truth = payouts(COMPANY, LINKED, at(0), speed=SPEED)
    assert truth and all(
        isinstance(p.net, Decimal) and p.net == p.net.quantize(Decimal("0.01")) for p in truth
    )
    assert [p.date for p in truth] == sorted(p.date for p in truth)
    assert all(p.payment_ids for p in truth if p.gross)
    assert all(p.date.weekday() < 5 for p in truth)


def test_a_settlement_that_moved_nothing_books_no_journal_entry() -> None:
    """A day whose PayPal payments were all refunded settles nothing: no empty (unbalanced) journal entry.
    This company's day 503 is such a day, whatever the link date (a day's till depends on the company and the
    day only)."""
    books = AccountingBooks("d22a2fef-f774-4b4e-8c61-6d0c0c55715d", datetime.now(UTC) - timedelta(days=40))
    (empty,) = [s for s in books.till.settlements(503) if not (s.net or s.fees or s.chargebacks or s.cleared)]
    assert empty.gross == empty.refunds > 0
    for entry in books.till_entries(503):
        assert len(entry.lines) >= 2 and sum(pence for _, pence, _ in entry.lines) == 0, entry.id
        assert entry.id != books.till_entry_id(K_SETTLEMENT, 503, empty.channel)
