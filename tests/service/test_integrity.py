"""Data integrity over hand-written books and bank (`ledgerlink.lending.integrity`): a run stores every
account and line with its match, and the status, summaries and details read it. The cases a matcher must
get right at once: timing differences, a line the books lack, a bank line shown twice, a mistyped amount,
a line of an account the books do not list, equal amounts on one day told apart by their descriptions,
accounts paired by number, an account without a partner, and a company missing a side."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.pagination import PageParams
from ledgerlink.lending.integrity import run, service
from ledgerlink.lending.integrity.service import DataType
from tests.support.rows import company_with, write_records

pytestmark = pytest.mark.anyio


def bank_line(id_: str, account: str, posted: str, amount: float, description: str) -> dict[str, Any]:
    return {
        "id": id_,
        "accountId": account,
        "postedDate": f"{posted}T10:00:00Z",
        "amount": amount,
        "currency": "GBP",
        "description": description,
    }


def books_line(id_: str, account: str, cleared: str, amount: float, description: str) -> dict[str, Any]:
    return {
        "id": id_,
        "accountId": account,
        "clearedOnDate": f"{cleared}T00:00:00",
        "amount": amount,
        "description": description,
    }


async def a_company(session: AsyncSession, principal: Principal) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Books and a bank agreeing but for the deliberate discrepancies; returns (company, bank, books)."""
    company, (bank, books) = await company_with(
        session, principal.client_id, ("qhnd", "Linked"), ("mqjo", "Linked")
    )
    await write_records(
        session,
        bank.id,
        "banking-accounts",
        {
            "id": "bank-current",
            "name": "Business Current Account",
            "currency": "GBP",
            "balance": {"current": 1000.0},
            "identifiers": {"iban": "GB61BARC20670630616281", "number": "30616281"},
        },
        {
            "id": "bank-savings",
            "name": "Savings",
            "currency": "GBP",
            "balance": {"current": 5000.0},
            "identifiers": {"number": "11112222"},
        },
    )
    await write_records(
        session,
        books.id,
        "bankAccounts",
        {
            "id": "books-current",
            "accountName": "Current account",
            "currency": "GBP",
            "sortCode": "20-67-06",
            "accountNumber": "30616281",
            "balance": 1000.0,
        },
    )
    await write_records(
        session,
        bank.id,
        "banking-transactions",
        bank_line("k-rent", "bank-current", "2024-03-03", -1500, "RENT HARBOUR PROPERTIES"),
        bank_line("k-sale", "bank-current", "2024-03-05", 240.5, "FP ACME LTD INV 1001"),
        bank_line("k-fee", "bank-current", "2024-03-31", -7.5, "ACCOUNT FEE"),  # the books lack it
        bank_line("k-dd-1", "bank-current", "2024-03-12", -45, "DD UTILITY CO"),  # shown twice
        bank_line("k-dd-2", "bank-current", "2024-03-12", -45, "DD UTILITY CO"),
        bank_line("k-supplies", "bank-current", "2024-03-14", -86.4, "CARD STAPLES"),  # mistyped in the books
        bank_line("k-pay-jones", "bank-current", "2024-03-25", -2000, "BACS JONES T SALARY"),
        bank_line("k-pay-smith", "bank-current", "2024-03-25", -2000, "BACS SMITH J SALARY"),
        bank_line("k-savings", "bank-savings", "2024-03-02", 750, "TRANSFER IN"),  # no books account
    )
    await write_records(
        session,
        books.id,
        "bankTransactions",
        books_line("b-rent", "books-current", "2024-03-01", -1500, "Office rent March"),
        books_line("b-sale", "books-current", "2024-03-02", 240.5, "Payment from Acme Ltd, invoice 1001"),
        books_line("b-dd", "books-current", "2024-03-11", -45, "Utility Co direct debit"),
        books_line("b-supplies", "books-current", "2024-03-14", -68.4, "Staples"),
        books_line("b-pay-smith", "books-current", "2024-03-25", -2000, "Salary Jane Smith"),
        books_line("b-pay-jones", "books-current", "2024-03-25", -2000, "Salary Tom Jones"),
        books_line(
            "b-orphan", "books-unlisted", "2024-03-20", -12, "Petty cash"
        ),  # its account is not listed
    )
    return company.id, bank.id, books.id


def matches(page: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {detail["id"]: [match["id"] for match in detail["matches"]] for detail in page}


async def details(
    session: AsyncSession, principal: Principal, company_id: uuid.UUID, data_type: DataType, **params: Any
) -> list[dict[str, Any]]:
    paging = PageParams(page=1, page_size=100, query=params.get("query"), order_by=None)
    page, total = await service.details(session, principal, str(company_id), data_type, paging)
    assert total == len(page)
    return page


async def test_a_run_matches_all_but_the_discrepancies(session: AsyncSession, principal: Principal) -> None:
    company_id, bank_id, books_id = await a_company(session, principal)
    outcome = await run.match_company(session, company_id, None)
    assert outcome.status == "Complete"
    assert "1 account(s) without a match" in outcome.message

    bank = await details(session, principal, company_id, DataType.BANKING_TRANSACTIONS)
    assert matches(bank) == {
        "k-rent": ["b-rent"],  # two days apart
        "k-sale": ["b-sale"],  # three days apart
        "k-fee": [],
        "k-dd-1": ["b-dd"],
        "k-dd-2": [],
        "k-supplies": [],
        "k-pay-jones": ["b-pay-jones"],
        "k-pay-smith": ["b-pay-smith"],
        "k-savings": [],
    }
    rent = next(d for d in bank if d["id"] == "k-rent")
    assert rent["type"] == "banking-transactions" and rent["connectionId"] == str(bank_id)
    assert rent["amount"] == -1500 and rent["currency"] == "GBP" and rent["date"].startswith("2024-03-03")
    assert rent["matches"] == [
        {
            "id": "b-rent",
            "type": "bankTransactions",
            "connectionId": str(books_id),
            "date": "2024-03-01T00:00:00.000Z",
            "description": "Office rent March",
            "amount": "-1500",
            "currency": "GBP",
        }
    ]
    books = await details(session, principal, company_id, DataType.ACCOUNT_TRANSACTIONS)
    assert {k: v for k, v in matches(books).items() if not v} == {"b-supplies": [], "b-orphan": []}

    accounts = await details(session, principal, company_id, DataType.BANKING_ACCOUNTS)
    assert matches(accounts) == {"bank-current": ["books-current"], "bank-savings": []}
    assert matches(await details(session, principal, company_id, DataType.BANK_ACCOUNTS)) == {
        "books-current": ["bank-current"]
    }


async def test_summaries_count_and_sum_what_matched(session: AsyncSession, principal: Principal) -> None:
    company_id, _, _ = await a_company(session, principal)
    await run.match_company(session, company_id, None)
    found = await service.summaries(session, principal, str(company_id), DataType.BANKING_TRANSACTIONS, None)
    assert found == {
        "summaries": [
            {
                "type": "bankTransactions",
                "byAmount": {
                    "matchPercentage": 86.68,  # 5785.5 of 6674.4 (absolute amounts)
                    "unmatched": 888.9,
                    "matched": 5785.5,
                    "total": 6674.4,
                    "currency": "GBP",
                },
                "byCount": {"matchPercentage": 55.56, "unmatched": 4, "matched": 5, "total": 9},
            }
        ]
    }
    # Per account and period through `query=`.
    current = await service.summaries(
        session,
        principal,
        str(company_id),
        DataType.BANKING_TRANSACTIONS,
        "accountId=bank-current&&date>=2024-03-10&&date<2024-04-01",
    )
    assert current["summaries"][0]["byCount"] == {
        "matchPercentage": 50.0,
        "unmatched": 3,
        "matched": 3,
        "total": 6,
    }
    unmatched = await details(
        session, principal, company_id, DataType.BANKING_TRANSACTIONS, query="matched=false"
    )
    assert sorted(d["id"] for d in unmatched) == ["k-dd-2", "k-fee", "k-savings", "k-supplies"]
    with pytest.raises(BadRequest):
        await service.summaries(session, principal, str(company_id), DataType.BANKING_TRANSACTIONS, "nope=1")


async def test_the_status_describes_the_run(session: AsyncSession, principal: Principal) -> None:
    company_id, bank_id, books_id = await a_company(session, principal)
    before = await service.status(session, principal, str(company_id), DataType.BANKING_TRANSACTIONS)
    assert before["metadata"][0]["statusInfo"]["currentStatus"] == "DoesNotExist"
    assert "Not matched yet" in before["metadata"][0]["statusInfo"]["statusMessage"]
    with pytest.raises(NotFound):
        await service.summaries(session, principal, str(company_id), DataType.BANKING_TRANSACTIONS, None)

    await run.match_company(session, company_id, None)
    (status,) = (await service.status(session, principal, str(company_id), DataType.BANKING_TRANSACTIONS))[
        "metadata"
    ]
    assert status["type"] == "bankTransactions"
    assert status["statusInfo"]["currentStatus"] == "Complete" and status["statusInfo"]["lastMatched"]
    assert status["connectionIds"] == {"source": [str(bank_id)], "target": [str(books_id)]}
    assert status["amounts"] == {"min": -2000.0, "max": 750.0, "currency": "GBP"}
    assert status["dates"] == {
        "minDate": "2024-03-02T00:00:00.000Z",
        "maxDate": "2024-03-31T00:00:00.000Z",
        "minOverlappingDate": "2024-03-02T00:00:00.000Z",
        "maxOverlappingDate": "2024-03-25T00:00:00.000Z",
    }
    (accounts,) = (await service.status(session, principal, str(company_id), DataType.BANK_ACCOUNTS))[
        "metadata"
    ]
    assert accounts["type"] == "banking-accounts" and "amounts" not in accounts


async def test_a_company_without_a_bank_has_no_results(session: AsyncSession, principal: Principal) -> None:
    company, (books,) = await company_with(session, principal.client_id, ("mqjo", "Linked"))
    status = await service.status(session, principal, str(company.id), DataType.BANKING_ACCOUNTS)
    assert status["metadata"][0]["statusInfo"]["currentStatus"] == "DoesNotExist"
    assert "no linked banking connection" in status["metadata"][0]["statusInfo"]["statusMessage"]
    await write_records(
        session, books.id, "bankAccounts", {"id": "a", "accountName": "Current", "currency": "GBP"}
    )
    outcome = await run.match_company(session, company.id, None)
    assert outcome.status == "DoesNotExist" and "banking-accounts" in outcome.message
    with pytest.raises(NotFound, match="banking-accounts"):
        await details(session, principal, company.id, DataType.BANKING_ACCOUNTS)
    with pytest.raises(NotFound):  # another client's company, or none
        await service.status(session, principal, str(uuid.uuid4()), DataType.BANKING_ACCOUNTS)


async def test_a_new_run_replaces_the_last(session: AsyncSession, principal: Principal) -> None:
    company_id, _, books_id = await a_company(session, principal)
    await run.match_company(session, company_id, None)
    await write_records(
        session,
        books_id,
        "bankTransactions",
        books_line("b-fee", "books-current", "2024-03-31", -7.5, "Bank charges"),
    )
    await run.match_company(session, company_id, None)
    bank = await details(session, principal, company_id, DataType.BANKING_TRANSACTIONS, query="id=k-fee")
    assert matches(bank) == {"k-fee": ["b-fee"]}
