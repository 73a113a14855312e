"""Account categories and the categorized statements end to end, through the real server and `codat-lending`:
on a linked Accounting Sandbox and on the fake Xero, the categorized profit and loss and balance sheet add up
to the plain statements per period exactly; an analyst's category changes the statement, survives a re-sync,
is audited and announced; bad inputs get Codat's errors and store nothing."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.support.fakes.xero import XeroFake
from tests.support.link import ClientSite, own_linking_server
from tests.support.pulls import link_sandbox, read_all, wait_for_pulls
from tests.support.server import RunningServer
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import add_consumer

PROFIT_AND_LOSS = {
    "Income": ("income", "otherIncome"),
    "Expense": ("costOfSales", "expenses", "otherExpenses"),
}
BALANCE_SHEET = {"Asset": ("assets",), "Liability": ("liabilities",), "Equity": ("equity",)}


def exact(response: httpx.Response) -> Any:
    """The body with every number as a Decimal, as written."""
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal, parse_int=Decimal)


def lines(line: dict) -> Iterator[dict]:
    items = line.get("items") or []
    if not items:
        yield line
    for item in items:
        yield from lines(item)


def report_date(month_start: str) -> str:
    """The last day of the month starting at `month_start` (`2026-11-01T00:00:00`): Codat's `reportDate`."""
    first = date.fromisoformat(month_start[:10])
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1).strftime("%d-%m-%Y")


def check_reconciles(api: httpx.Client, company_id: str, kind: str, periods: int, when: str | None) -> dict:
    """The categorized statement's balances, summed per period and top level, equal the plain statement's
    parts; every account line of the plain statement is an item. Returns the categorized report."""
    enhanced_path = {"profitAndLoss": "enhancedProfitAndLoss", "balanceSheet": "enhancedBalanceSheet"}[kind]
    params: dict[str, Any] = {"numberOfPeriods": periods}
    plain_params: dict[str, Any] = {"periodLength": 1, "periodsToCompare": periods}
    if when is not None:
        params["reportDate"] = when
        _, month, year = when.split("-")
        plain_params["startMonth"] = f"{year}-{month}-01"
    report = exact(api.get(f"/companies/{company_id}/reports/{enhanced_path}/accounts", params=params))
    plain = exact(api.get(f"/companies/{company_id}/data/financials/{kind}", params=plain_params))
    parts = PROFIT_AND_LOSS if kind == "profitAndLoss" else BALANCE_SHEET
    summed: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    counted: dict[str, int] = defaultdict(int)
    for item in report["reportItems"]:
        top = item["accountCategory"]["levels"][0]["levelName"]
        summed[item["date"][:10]][top] += item["balance"]
        counted[item["date"][:10]] += 1
    assert plain["reports"], "the statement has periods"
    for period in plain["reports"]:
        end = (period.get("toDate") or period.get("date"))[:10]
        for top, names in parts.items():
            assert summed[end][top] == sum(period[name]["value"] for name in names), (kind, end, top)
        assert counted[end] == sum(
            len(list(lines(period[name]))) for names in parts.values() for name in names
        )
    assert set(summed) == {(p.get("toDate") or p.get("date"))[:10] for p in plain["reports"]}
    return report


@pytest.fixture(scope="module")
def books(server: RunningServer) -> dict[str, str]:
    with server.client() as api:
        company_id, connection_id = link_sandbox(api, "Categorized Books Ltd")
        pulls = wait_for_pulls(api, company_id, at_least=10)
    return {"company": company_id, "connection": connection_id, "pulls": str(len(pulls))}


def test_the_sandbox_s_categorized_statements_add_up_to_the_plain_ones(api, server, books) -> None:
    from codat_lending import CodatLending
    from codat_lending.models import shared

    lending = CodatLending(
        security=shared.Security(auth_header=server.auth_header), server_url=server.base_url
    )
    company_id = books["company"]
    profit_and_loss = lending.financial_statements.profit_and_loss.get_categorized_accounts(
        request={"company_id": company_id, "number_of_periods": 6}
    )
    assert profit_and_loss.report_info.report_name == "EnhancedProfitAndLossAccounts"
    assert profit_and_loss.report_info.company_name == "Categorized Books Ltd"
    assert profit_and_loss.report_items and all(
        item.account_category.status == "Suggested" and item.account_category.levels
        for item in profit_and_loss.report_items
    )
    confidences = [
        lvl.confidence for item in profit_and_loss.report_items for lvl in item.account_category.levels
    ]
    assert all(0 < c <= 100 for c in confidences)
    months = api.get(
        f"/companies/{company_id}/data/financials/balanceSheet",
        params={"periodLength": 1, "periodsToCompare": 1},
    ).json()
    latest = report_date(months["mostRecentAvailableMonth"])
    balance_sheet = lending.financial_statements.balance_sheet.get_categorized_accounts(
        request={"company_id": company_id, "report_date": latest, "number_of_periods": 3}
    )
    assert balance_sheet.report_info.report_name == "EnhancedBalanceSheetAccounts"
    assert len({item.date_ for item in balance_sheet.report_items}) == 3

    check_reconciles(api, company_id, "profitAndLoss", 12, None)
    check_reconciles(api, company_id, "balanceSheet", 12, latest)
    # An earlier report date: the periods end with that month.
    earlier = report_date(months["earliestAvailableMonth"][:8] + "01")
    report = check_reconciles(api, company_id, "profitAndLoss", 2, earlier)
    assert (
        max(item["date"] for item in report["reportItems"])[:10]
        == date.fromisoformat("-".join(reversed(earlier.split("-")))).isoformat()
    )


def test_a_confirmed_category_changes_the_statement_survives_a_resync_and_is_audited(
    api, server, books
) -> None:
    company_id, connection_id = books["company"], books["connection"]
    assess = f"/data/companies/{company_id}/connections/{connection_id}/assess/accounts"
    report = check_reconciles(api, company_id, "profitAndLoss", 3, None)
    expense = next(
        i for i in report["reportItems"] if i["accountCategory"]["levels"][0]["levelName"] == "Expense"
    )
    account_id = expense["accountId"]
    before = api.get(f"{assess}/{account_id}/categories").json()
    assert before["confirmed"] is None and before["suggested"]["type"] == "Expense" and before["reason"]

    with Receiver().start() as receiver:
        add_consumer(api, receiver, eventTypes=["AccountCategoriesUpdated"])
        confirmed = api.patch(
            f"{assess}/{account_id}/categories",
            json={
                "confirmed": {"type": "Expense", "subtype": "NonOperating", "detailType": "Other"},
                "reason": "One-off settlement, not a running cost.",
            },
        )
        assert confirmed.status_code == 200, confirmed.text
        receiver.wait_for(lambda r: len(r.events()) == 1, what="AccountCategoriesUpdated")
        (event,) = receiver.events().values()
    assert event["eventType"] == "AccountCategoriesUpdated"
    assert (
        event["payload"]["CompanyId"] == company_id and event["payload"]["DataConnectionId"] == connection_id
    )
    body = confirmed.json()
    assert body["confirmed"] == {"type": "Expense", "subtype": "NonOperating", "detailType": "Other"}
    assert body["suggested"] == before["suggested"]
    assert body["accountCategory"]["status"] == "Confirmed"

    def shown(items: list[dict]) -> set[tuple]:
        return {
            (
                i["accountCategory"]["status"],
                tuple(lvl["levelName"] for lvl in i["accountCategory"]["levels"]),
            )
            for i in items
            if i["accountId"] == account_id
        }

    changed = check_reconciles(api, company_id, "profitAndLoss", 3, None)
    assert shown(changed["reportItems"]) == {("Confirmed", ("Expense", "NonOperating", "Other"))}
    assert all(
        "confidence" not in lvl
        for i in changed["reportItems"]
        if i["accountId"] == account_id
        for lvl in i["accountCategory"]["levels"]
    )

    pulled = int(books["pulls"])
    assert api.post(f"/companies/{company_id}/data/all").status_code == 204
    wait_for_pulls(api, company_id, at_least=pulled + 1)
    after = check_reconciles(api, company_id, "profitAndLoss", 3, None)
    assert shown(after["reportItems"]) == {("Confirmed", ("Expense", "NonOperating", "Other"))}

    history = api.get(f"{assess}/categories/changes").json()
    assert history["totalResults"] == 1
    (change,) = history["results"]
    assert change["accountId"] == account_id and change["changedBy"]["type"] == "ApiKey"
    assert change["changedBy"]["apiKeyId"] and change["changedBy"]["clientId"]
    assert change["from"] == {"status": "Suggested", "category": before["suggested"]}
    assert change["to"]["category"] == body["confirmed"] and change["reason"].startswith("One-off")
    assert api.get(f"{assess}/{account_id}/categories/changes").json()["results"] == [change]
    assert api.get(f"{assess}/{untouched_id(api, assess)}/categories/changes").json()["totalResults"] == 0
    listed = api.get(f"{assess}/categories", params={"pageSize": 500}).json()
    assert account_id in {a["accountRef"]["id"] for a in listed["results"] if a["confirmed"]}


def untouched_id(api: httpx.Client, assess: str) -> str:
    """An account of the connection with no confirmed category."""
    accounts = api.get(f"{assess}/categories", params={"pageSize": 500}).json()["results"]
    return next(a["accountRef"]["id"] for a in accounts if a["confirmed"] is None)


def test_bad_inputs_get_codat_s_errors_and_store_nothing(api, books) -> None:
    company_id, connection_id = books["company"], books["connection"]
    assess = f"/data/companies/{company_id}/connections/{connection_id}/assess/accounts"
    accounts = api.get(f"{assess}/categories").json()["results"]
    untouched = next(a for a in accounts if a["confirmed"] is None)
    reports = f"/companies/{company_id}/reports/enhancedProfitAndLoss/accounts"

    for params in ({"reportDate": "31-31-2026"}, {"numberOfPeriods": "0"}, {"numberOfPeriods": "x"}):
        answer = api.get(reports, params=params)
        assert answer.status_code == 400 and answer.json()["statusCode"] == 400, (params, answer.text)
    unknown = "/companies/00000000-0000-0000-0000-000000000000/reports/enhancedBalanceSheet/accounts"
    assert api.get(unknown, params={"reportDate": "30-09-2026"}).status_code == 404
    # The balance sheet's report date is required (Codat's spec).
    assert api.get(f"/companies/{company_id}/reports/enhancedBalanceSheet/accounts").status_code == 400
    assert api.get(f"{assess}/no-such-account/categories").status_code == 404

    bad_path = api.patch(
        f"{assess}/{untouched['accountRef']['id']}/categories",
        json={"confirmed": {"type": "Expense", "subtype": "Imaginary"}},
    )
    assert bad_path.status_code == 400
    assert bad_path.json()["validation"]["errors"][0]["itemId"] == "confirmed"
    assert api.patch(f"{assess}/{untouched['accountRef']['id']}/categories", json={}).status_code == 400

    batch = api.patch(
        f"{assess}/categories",
        json={
            "categories": [
                {"accountRef": {"id": untouched["accountRef"]["id"]}, "confirmed": {"type": "Income"}},
                {"accountRef": {"id": "no-such-account"}, "confirmed": {"type": "Income"}},
            ]
        },
    )
    assert batch.status_code == 400
    assert [e["itemId"] for e in batch.json()["validation"]["errors"]] == ["categories.1.accountRef.id"]
    still = api.get(f"{assess}/{untouched['accountRef']['id']}/categories").json()
    assert still["confirmed"] is None

    # A bank connection has no chart of accounts.
    bank = api.post(f"/companies/{company_id}/connections", json={"platformKey": "qhnd"}).json()
    assert (
        api.get(
            f"/data/companies/{company_id}/connections/{bank['id']}/assess/accounts/categories"
        ).status_code
        == 404
    )


def test_the_list_of_categories_is_codat_s_three_part_shape(api) -> None:
    listed = api.get("/data/assess/accounts/categories")
    assert listed.status_code == 200
    categories = listed.json()
    rent = next(c for c in categories if c.get("detailType") == "Leases.BuildingRentLease")
    assert rent["type"] == "Expense" and rent["subtype"] == "Operating"
    assert rent["subtypeDisplayName"] and rent["detailTypeDisplayName"] and rent["detailTypeDescription"]
    assert {c["type"] for c in categories} == {"Asset", "Liability", "Equity", "Income", "Expense"}


# --- on the fake Xero --------------------------------------------------------------------------------
XERO_CLIENT_ID = "ledgerlink-xero-categories"
XERO_CLIENT_SECRET = "s3cret-" + uuid.uuid4().hex
XERO_API_KEY = "xero-categories-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def xero_fake() -> Iterator[XeroFake]:
    fake = XeroFake(XERO_CLIENT_ID, XERO_CLIENT_SECRET, "http://unset").start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def xero_server(
    postgres: str, xero_fake: XeroFake, site: ClientSite, tmp_path_factory
) -> Iterator[RunningServer]:
    with own_linking_server(
        postgres,
        tmp_path_factory.mktemp("xero-categories"),
        "xero_categories",
        XERO_API_KEY,
        site,
        xero_fake.server_environment(XERO_CLIENT_ID, XERO_CLIENT_SECRET),
        oauth=(xero_fake, XERO_CLIENT_ID),
    ) as running:
        yield running


def test_xero_accounts_are_categorized_from_xero_s_types_and_add_up(xero_server, xero_fake) -> None:
    with xero_server.client() as api:
        company = api.post("/companies", json={"name": "Xero Categorized Ltd"}).json()
        connection = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "gbol"}).json()
        with httpx.Client(timeout=30, follow_redirects=True) as business:
            assert business.get(connection["linkUrl"]).status_code == 200
        assert (
            api.get(f"/companies/{company['id']}/connections/{connection['id']}").json()["status"] == "Linked"
        )
        wait_for_pulls(api, company["id"], at_least=5)

        assess = f"/data/companies/{company['id']}/connections/{connection['id']}/assess/accounts"
        accounts = api.get(f"{assess}/categories", params={"pageSize": 500}).json()["results"]
        stored = {a["id"]: a for a in read_all(api, f"/companies/{company['id']}/data/accounts")}
        assert accounts and {a["accountRef"]["id"] for a in accounts} == set(stored)
        for account in accounts:
            record = stored[account["accountRef"]["id"]]
            if record["type"] in ("Asset", "Liability", "Equity", "Income", "Expense"):
                # Xero's type, kept by the connector, is read back and named in the reason.
                assert account["suggested"]["type"] == record["type"]
                assert "Xero account Type" in account["reason"], account
        months = api.get(
            f"/companies/{company['id']}/data/financials/balanceSheet",
            params={"periodLength": 1, "periodsToCompare": 1},
        ).json()
        check_reconciles(api, company["id"], "profitAndLoss", 12, None)
        check_reconciles(
            api, company["id"], "balanceSheet", 12, report_date(months["mostRecentAvailableMonth"])
        )
