"""The Portal's Lending tab, in Chromium on the real server. On a company linked to the Accounting Sandbox:
the categorized statements' totals are the API's, an analyst's category (with a reason) changes the statement
and shows in the account's history, the aged debtors chart's totals are the API's, a workbook is generated
and downloads as a workbook openpyxl opens, and a credit model is generated with its financial summary. On
the Commerce Sandbox: the sales charts and tables are the commerce metrics API's. On the Accounting and
Banking Sandboxes together: the bank categories, the data integrity rates and the loans found are the
API's."""

from __future__ import annotations

import calendar
import json
import re
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from tests.support.portal import http_sign_in, overflowing, sign_in
from tests.support.pulls import link_platform, link_sandbox, wait_for_pulls
from tests.support.waits import wait_until

pytestmark = pytest.mark.timeout(240)


def exact(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal, parse_int=Decimal)


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def summed(report: dict, depth: int | None = None) -> dict[tuple[str, ...], dict[str, Decimal]]:
    """The statement's balances per category path (its first `depth` levels) and period end."""
    found: dict[tuple[str, ...], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for item in report["reportItems"]:
        path = tuple(level["levelName"] for level in item["accountCategory"]["levels"])
        found[path[:depth] if depth else path][item["date"][:10]] += item["balance"]
    return found


def page_amounts(row: Any) -> list[str]:
    return [cell.strip() for cell in row.locator("td.num").all_inner_texts()]


def report_date(day: str) -> str:
    moment = date.fromisoformat(day)
    last = calendar.monthrange(moment.year, moment.month)[1]
    return f"{last:02d}-{moment.month:02d}-{moment.year}"


def check_aged(page: Any, api: httpx.Client, company: str, params: dict[str, str]) -> None:
    """The page's aged debtors (chart, totals per currency, a row per customer and currency) are the API's."""
    aged = exact(api.get(f"/companies/{company}/reports/agedDebtor", params=params))
    per_period: dict[str, list[Decimal]] = {}
    for contact in aged["data"]:
        for outstanding in contact["agedCurrencyOutstanding"]:
            amounts = [p["amount"] for p in outstanding["agedOutstandingAmounts"]]
            known = per_period.setdefault(outstanding["currency"], [Decimal(0)] * len(amounts))
            per_period[outstanding["currency"]] = [a + b for a, b in zip(known, amounts, strict=True)]
    assert per_period, "the Sandbox has open invoices"
    for currency, amounts in per_period.items():
        total = page.locator(f"#agedDebtor-table tfoot tr.total[data-currency='{currency}']")
        assert page_amounts(total) == [money(a) for a in amounts] + [money(sum(amounts, Decimal(0)))]
    chart = page.locator("svg#agedDebtor-chart-0")
    assert chart.get_attribute("role") == "img"
    assert chart.locator("text.amount").all_text_contents() == [
        money(a) for a in next(iter(per_period.values()))
    ]
    assert page.locator("#agedDebtor-table tbody tr").count() == sum(
        len(c["agedCurrencyOutstanding"]) for c in aged["data"]
    )


def test_lending_tab_statements_override_ageing_workbook_and_credit_model(
    page, shoot, accessible, server, api, tmp_path: Path
) -> None:
    company, connection = link_sandbox(api, "Lending Tab Ltd")
    wait_for_pulls(api, company, at_least=10)
    sign_in(page, server)
    page.goto(f"{server.base_url}/portal/companies/{company}")
    page.get_by_role("link", name="Lending", exact=True).click()
    page.wait_for_url(f"**/portal/companies/{company}/lending")
    shoot("lending")
    accessible()

    # The categorized statements: each top level's totals per month are the API's.
    ends = page.locator("#profitAndLoss-table thead time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert len(ends) == 3
    pnl = exact(
        api.get(f"/companies/{company}/reports/enhancedProfitAndLoss/accounts", params={"numberOfPeriods": 3})
    )
    balance = exact(
        api.get(
            f"/companies/{company}/reports/enhancedBalanceSheet/accounts",
            params={"numberOfPeriods": 3, "reportDate": report_date(ends[-1])},
        )
    )
    for kind, report, tops in (
        ("profitAndLoss", pnl, ("Income", "Expense")),
        ("balanceSheet", balance, ("Asset", "Liability", "Equity")),
    ):
        totals = summed(report, 1)
        for top in tops:
            row = page.locator(f"#{kind}-table tr.category.level-0[data-path='{top}']")
            assert page_amounts(row) == [money(totals[(top,)][end]) for end in ends], (kind, top)
        accounts = {item.get("accountId") for item in report["reportItems"]}
        assert page.locator(f"#{kind}-table tr.account").count() == len(accounts)

    # An account's category, changed with a reason, through the account's page.
    suggested = page.locator("#profitAndLoss-table tr.account").filter(has_text="Suggested").first
    account_id = suggested.get_attribute("data-account")
    before = next(i for i in pnl["reportItems"] if i.get("accountId") == account_id)
    before_path = ".".join(level["levelName"] for level in before["accountCategory"]["levels"])
    suggested.get_by_role("link").click()
    page.wait_for_url(f"**/lending/accounts/{connection}/{account_id}")
    assert "No changes" in page.locator("#history").inner_text()
    shoot("account")
    accessible()
    options = page.locator("#category option").evaluate_all("os => os.map(o => o.value)")
    # Another category on the same side of the statement, at least three levels deep.
    top = before_path.split(".")[0]
    chosen = next(
        v for v in options if v.startswith(f"{top}.") and v.count(".") >= 2 and not before_path.startswith(v)
    )
    account_url = page.url

    # Without a reason (the browser requires one; a form posted without it), nothing is stored.
    # Without a reason (the browser requires one; a form posted without it) or with a path that is not a
    # category, nothing is stored and the account's page says why; an unknown account is a 404 page.
    path = account_url.removeprefix(server.base_url)
    with http_sign_in(server) as (browser, csrf):
        for category, reason, told in (
            (chosen, "  ", "Give a reason"),
            ("Expense.NoSuchThing", "A reason.", "is not a category"),
        ):
            refused = browser.post(path, data={"csrf": csrf, "category": category, "reason": reason})
            assert refused.status_code == 303 and refused.headers["location"] == path
            assert told in browser.get(path).text
        assert browser.get(path.rsplit("/", 1)[0] + "/no-such-account").status_code == 404
        lending_page = f"/portal/companies/{company}/lending"
        for params, told in (
            ({"numberOfPeriods": "0"}, "numberOfPeriods must be between 1 and 120."),
            ({"reportDate": "31-12-2026"}, "is not a date (YYYY-MM-DD)."),
            ({"periodLengthDays": "ten"}, "The period length must be a whole number."),
        ):
            refused_page = browser.get(lending_page, params=params)
            assert refused_page.status_code == 400 and told in refused_page.text.replace("&#39;", "'")
        # A company with no books yet: each section says why instead of failing the page.
        empty = api.post("/companies", json={"name": "No Books Ltd"}).json()["id"]
        bare = browser.get(f"/portal/companies/{empty}/lending")
        assert bare.status_code == 200 and "No reports requested yet." in bare.text
        told = "Not available: The data set has not been requested. The company's accounting connection"
        assert bare.text.replace("&#39;", "'").count(told) == 4
    changes = f"/data/companies/{company}/connections/{connection}/assess/accounts/categories/changes"
    assert api.get(changes).json()["totalResults"] == 0

    page.get_by_label("Category", exact=True).select_option(chosen)
    page.get_by_label("Reason").fill("Agreed with the accountant: filed as the lending template files it.")
    page.get_by_role("button", name="Confirm category").click()
    page.wait_for_url(account_url)
    assert "confirmed as " + " › ".join(chosen.split(".")) in page.get_by_role("status").inner_text()
    history = page.locator("#history tbody tr")
    assert history.count() == 1
    assert "Portal operator" in history.inner_text()
    assert "Agreed with the accountant" in history.inner_text()
    audit = api.get(changes).json()["results"]
    assert [(c["changedBy"]["type"], c["reason"]) for c in audit] == [
        ("PortalOperator", "Agreed with the accountant: filed as the lending template files it.")
    ]
    shoot("account-confirmed")

    page.get_by_role("link", name="Lending", exact=True).click()
    page.wait_for_url(f"**/portal/companies/{company}/lending")
    after = exact(
        api.get(f"/companies/{company}/reports/enhancedProfitAndLoss/accounts", params={"numberOfPeriods": 3})
    )
    moved = [i for i in after["reportItems"] if i.get("accountId") == account_id]
    assert {i["accountCategory"]["status"] for i in moved} == {"Confirmed"}
    assert {".".join(lv["levelName"] for lv in i["accountCategory"]["levels"]) for i in moved} == {chosen}
    category_row = page.locator(f"#profitAndLoss-table tr.category[data-path='{chosen}']")
    by_path = summed(after)
    assert page_amounts(category_row) == [
        money(
            sum(
                (
                    v[end]
                    for p, v in by_path.items()
                    if p[: chosen.count(".") + 1] == tuple(chosen.split("."))
                ),
                Decimal(0),
            )
        )
        for end in ends
    ]
    account_row = page.locator(f"#profitAndLoss-table tr.account[data-account='{account_id}']")
    assert (
        "Confirmed" in account_row.inner_text() and "Agreed with the accountant" in account_row.inner_text()
    )

    # The aged debtors: the chart's bars and the totals row are the API's report for today, then for the
    # date and periods the form asks for.
    check_aged(page, api, company, {})
    assert page.locator("#agedCreditor-table tfoot tr.total").count() >= 1
    shoot("lending-after-change")
    asked = {"reportDate": (date.today() - timedelta(days=45)).isoformat(), "numberOfPeriods": "3"}
    ageing_form = page.locator("#ageing")
    ageing_form.get_by_role("textbox", name="Report date").fill(asked["reportDate"])
    ageing_form.get_by_role("spinbutton", name="Periods").fill(asked["numberOfPeriods"])
    ageing_form.get_by_role("spinbutton", name="Days per period").fill("60")
    ageing_form.get_by_role("button", name="Show").click()
    page.wait_for_url("**periodLengthDays=60**")
    check_aged(page, api, company, {**asked, "periodLengthDays": "60"})
    headings = page.locator("#agedDebtor-table thead th").all_text_contents()
    assert headings == ["Customer", "Currency", "1–60 days", "61–120 days", "Over 120 days", "Total"]

    # A workbook: generated in the background, its status refreshed by a link, downloaded and opened.
    row = page.locator("#workbook-enhancedFinancials")
    assert "never requested" in row.inner_text()
    row.get_by_role("button", name="Generate Enhanced financials").click()
    page.wait_for_url(re.compile(r".*/lending(#workbooks)?$"))
    assert "Enhanced financials requested" in page.get_by_role("status").inner_text()

    def ready() -> bool:
        time.sleep(0.3)
        page.get_by_role("button", name="Refresh the status of the workbooks").click()
        return "Ready" in row.inner_text()

    wait_until(ready, timeout=60, what="the workbook to be made: " + row.inner_text())
    shoot("workbook-ready")
    with page.expect_download() as started:
        page.locator("#workbook-enhancedFinancials").get_by_role("link").click()
    saved = tmp_path / started.value.suggested_filename
    started.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    workbook = openpyxl.load_workbook(saved, read_only=True)
    assert len(workbook.sheetnames) >= 2
    cells = [value for sheet in workbook for r in sheet.iter_rows(values_only=True) for value in r]
    assert before["accountName"] in cells or any(i["accountName"] in cells for i in moved)

    # The credit model: requested, generated, listed with its status, and its financial summary shown.
    page.get_by_role("button", name="Generate a credit model").click()
    assert "Credit model requested" in page.get_by_role("status").inner_text()

    def complete() -> bool:
        time.sleep(0.5)
        latest = api.get(f"/companies/{company}/reports").json()["results"][0]
        return latest["status"] != "InProgress"

    wait_until(complete, timeout=90, what="the credit model to be generated")
    page.get_by_role("button", name="Refresh the status of the reports").click()
    assert page.locator("#reports tbody .badge").first.inner_text() == "Complete"
    reports = api.get(f"/companies/{company}/reports").json()["results"]
    summary = api.get(f"/companies/{company}/reports/creditModel/{reports[0]['id']}/financialSummary").json()
    shown = page.locator("#financial-summary").inner_text()
    assert f"{summary['accountingScore']['score']}\nout of 100" in shown or (
        f"{summary['accountingScore']['score']} out of 100" in shown
    )
    # Each figure shown, for the latest three months, is the summary's (none of them missing on the Sandbox).
    rows = page.locator("#summary-figures tbody tr")
    assert rows.count() >= 5
    for n in range(rows.count()):
        name = rows.nth(n).get_attribute("data-figure")
        values = [period["figures"][name]["value"] for period in summary["periods"][:3]]
        assert all(value is not None for value in values), name
        assert page_amounts(rows.nth(n)) == [f"{value:,.2f}" for value in values], name
    with page.expect_download() as started:
        page.locator(f"#report-{reports[0]['id']}").get_by_role("link").click()
    saved = tmp_path / started.value.suggested_filename
    started.value.save_as(saved)
    credit_workbook = openpyxl.load_workbook(saved, read_only=True)
    cells = [value for sheet in credit_workbook for r in sheet.iter_rows(values_only=True) for value in r]
    assert summary["accountingScore"]["score"] in cells
    shoot("credit-model")
    accessible()
    # Unsetting the category (with a reason) lets the suggestion apply again; both changes are in the history.
    page.goto(account_url)
    page.get_by_label("Category", exact=True).select_option("suggested")
    page.get_by_label("Reason").fill("Back to the rules' suggestion.")
    page.get_by_role("button", name="Confirm category").click()
    page.wait_for_url(account_url)
    assert "the suggestion applies again" in page.get_by_role("status").inner_text()
    assert page.locator("#history tbody tr").count() == 2
    assert "Suggested" in page.locator("#current-category").inner_text()
    assert [c["to"]["status"] for c in api.get(changes).json()["results"]] == ["Suggested", "Confirmed"]

    # On a phone the wide tables scroll in their own regions; nothing else sticks out.
    page.goto(f"{server.base_url}/portal/companies/{company}/lending")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert overflowing(page) == []
    shoot("lending-on-a-phone")


SALES = ("revenue", "orders", "refunds", "customerRetention", "lifetimeValue")
CHARTED = {"revenue": 1, "orders": 1, "refunds": 1, "customerRetention": 2, "lifetimeValue": 1}


def shown_figure(value: Decimal, measure: dict, metric: str) -> str:
    """A figure as the page should show it: Codat's refund rate (a ratio) as a percentage."""
    if metric == "Refund rate":
        return f"{value * 100:,.2f}%"
    if measure["type"] == "percentage":
        return f"{value:,.2f}%"
    return f"{value:,.2f}" if measure["type"] == "currency" else f"{value:,.0f}"


def check_sales(page: Any, api: httpx.Client, company: str, connection: str, params: dict[str, Any]) -> None:
    """Each sales table's figures are the commerce metrics API's for the same periods; each chart draws one
    shape per period and charted metric, named with the API's figure."""
    base = f"/data/companies/{company}/connections/{connection}/assess/commerceMetrics"
    for kind in SALES:
        answer = exact(api.get(f"{base}/{kind}", params={**params, "includeDisplayNames": "true"}))
        periods = answer["dimensions"][0]["items"]
        rows = page.locator(f"#sales-0-{kind}-table tbody tr")
        assert rows.count() == len(periods) == int(params["numberOfPeriods"]), kind
        for n, period in enumerate(periods):
            row = rows.nth(n)
            assert (row.get_attribute("data-start"), row.get_attribute("data-end")) == (
                period["start"],
                period["end"],
            )
            components = answer["reportData"][n]["components"]
            expected = [
                shown_figure(
                    c["measures"][0]["value"],
                    answer["measures"][int(c["measures"][0]["index"])],
                    c["itemDisplayName"],
                )
                for c in components
            ]
            cells = [text.strip() for text in row.locator("td.num").all_text_contents()]
            assert cells == expected, (kind, period)
        chart = page.locator(f"svg#sales-0-{kind}-chart")
        assert chart.get_attribute("role") == "img"
        shapes = chart.locator("g.series rect, g.series circle")
        assert shapes.count() == CHARTED[kind] * len(periods), kind


def test_lending_tab_sales_charts_are_the_commerce_metrics(page, shoot, accessible, server, api) -> None:
    company, connection = link_sandbox(api, "Sales Charts Ltd", key="aiwb")
    wait_for_pulls(api, company, at_least=5)
    sign_in(page, server)
    page.goto(f"{server.base_url}/portal/companies/{company}/lending#sales")
    sales = page.locator("#sales")
    assert sales.get_by_role("heading", level=3).inner_text().startswith("Commerce Sandbox")
    # By default the last twelve months up to today, as the API answers them.
    monthly = {"reportDate": date.today().isoformat(), "periodUnit": "Month", "periodLength": 1}
    check_sales(page, api, company, connection, {**monthly, "numberOfPeriods": 12})
    page.locator("#sales details").first.locator("summary").click()
    shoot("sales")
    accessible()

    # Other periods through the form: fortnights up to a date, the rest of the page's choices kept.
    asked = {"reportDate": (date.today() - timedelta(days=40)).isoformat(), "periodUnit": "Week"}
    page.get_by_label("Up to").fill(asked["reportDate"])
    page.get_by_label("Period unit").select_option("Week")
    page.get_by_label("Units per period").fill("2")
    page.get_by_label("Number of periods").fill("6")
    sales.get_by_role("button", name="Show sales").click()
    page.wait_for_url("**salesUnit=Week**")
    assert "months=3" in page.url
    check_sales(page, api, company, connection, {**asked, "periodLength": 2, "numberOfPeriods": 6})
    headings = page.locator("#sales-0-refunds-table thead th").all_text_contents()
    assert headings == ["Period", "Number of refunds", "Value of refunds (GBP)", "Refund rate (%)"]
    # On a phone, with every table open, nothing sticks out sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    for summary in page.locator("#sales details summary").all():
        summary.click()
    assert overflowing(page) == []
    shoot("sales-on-a-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A value the API would refuse: the page says which, with a 400, and the other sections still show.
    with http_sign_in(server) as (browser, _):
        lending_page = f"/portal/companies/{company}/lending"
        for params, told in (
            ({"salesPeriods": "0"}, "numberOfPeriods must be between 1 and 120."),
            ({"salesUnit": "Fortnight"}, "The period unit must be one of Day, Week, Month, Year."),
            ({"salesDate": "yesterday"}, "reportDate 'yesterday' is not a date"),
        ):
            refused = browser.get(lending_page, params=params)
            assert refused.status_code == 400 and told in refused.text.replace("&#39;", "'"), told
            assert 'id="ageing-title"' in refused.text

    # A company whose books are linked but no shop: the section says there is no commerce connection.
    books, _ = link_sandbox(api, "Books Only Ltd")
    page.goto(f"{server.base_url}/portal/companies/{books}/lending#sales")
    assert "No commerce connection" in sales.inner_text()


def read_exact(api: httpx.Client, path: str) -> list[dict[str, Any]]:
    """Every page of a list, its numbers read as Decimal."""
    found, number = [], 1
    while True:
        payload = exact(api.get(path, params={"page": number, "pageSize": 2000}))
        found += payload["results"]
        if "next" not in payload["_links"]:
            return found
        number += 1


def check_bank_categories(page: Any, api: httpx.Client, company: str, report_id: str) -> None:
    """Each account's table: its categories' counts, money in and out are the statement's transactions
    summed per category (its first three levels), its totals row is the account's as the API lists it, and
    its payment providers' table sums the transactions each came through (`platformName`)."""
    base = f"/companies/{company}/reports/categorizedBankStatement/{report_id}"
    sums: dict[tuple[str, str], dict[tuple[str, ...], list[Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: [Decimal(0)] * 3)
    )
    providers: dict[tuple[str, str], dict[str, list[Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: [Decimal(0)] * 3)
    )
    for t in read_exact(api, f"{base}/transactions"):
        levels = tuple(t["transactionCategory"]["levels"])
        key = (t["connectionId"], t["accountRef"]["id"])
        groups = [sums[key][path] for path in {levels[:1], levels[:2], levels[:3]}]
        if t["platformName"]:
            groups.append(providers[key][t["platformName"]])
        for figures in groups:
            figures[0] += 1
            figures[1 if t["amount"] >= 0 else 2] += abs(t["amount"])
    accounts = read_exact(api, f"{base}/accounts")
    tables = page.locator("#bank-categories table.categorized")
    assert tables.count() == len([a for a in accounts if a["transactionCount"]])
    assert sum(a["transactionCount"] for a in accounts) > 100
    for account in accounts:
        if not account["transactionCount"]:
            continue
        where = f"[data-connection='{account['connectionId']}'][data-account='{account['id']}']"
        table = page.locator(f"#bank-categories table.categorized{where}")
        expected = sums[(account["connectionId"], account["id"])]
        rows = table.locator("tbody tr")
        assert rows.count() == len(expected)
        for n in range(rows.count()):
            row = rows.nth(n)
            count, money_in, money_out = expected[tuple(row.get_attribute("data-path").split("."))]
            assert page_amounts(row) == [
                f"{count:,}",
                money(money_in),
                money(money_out),
                money(money_in - money_out),
            ]
        through = page.locator(f"#bank-categories table.providers{where} tbody tr")
        assert through.count() == len(providers[(account["connectionId"], account["id"])])
        for provider, (count, money_in, money_out) in providers[
            (account["connectionId"], account["id"])
        ].items():
            row = through.filter(has=page.locator(f"th:text-is('{provider}')"))
            assert page_amounts(row) == [
                f"{count:,}",
                money(money_in),
                money(money_out),
                money(money_in - money_out),
            ]
        total = table.locator("tfoot tr")
        assert page_amounts(total) == [
            f"{account['transactionCount']:,}",
            money(account["moneyIn"]),
            money(account["moneyOut"]),
            money(account["moneyIn"] - account["moneyOut"]),
        ]


INTEGRITY = "/data/companies/{company}/assess/dataTypes/{data_type}/dataIntegrity"


def rate(value: Decimal | None) -> str:
    return "no lines" if value is None else f"{value:.2f}%"


def check_integrity(page: Any, api: httpx.Client, company: str) -> None:
    """The sides' totals, each account's rate per month (chart and table) and the unmatched lines are the
    data integrity API's answers for the same `query=`."""
    bank = INTEGRITY.format(company=company, data_type="banking-transactions")
    books = INTEGRITY.format(company=company, data_type="accountTransactions")
    for side, base in (("Bank", bank), ("Books", books)):
        for summary in exact(api.get(f"{base}/summaries"))["summaries"]:
            currency = summary["byAmount"]["currency"]
            row = page.locator(f"#integrity-sides tr[data-side='{side}'][data-currency='{currency}']")
            assert page_amounts(row) == [
                f"{summary['byCount']['total']:,}",
                f"{summary['byCount']['unmatched']:,}",
                rate(summary["byCount"]["matchPercentage"]),
                rate(summary["byAmount"]["matchPercentage"]),
                money(summary["byAmount"]["unmatched"]),
            ]
        unmatched = exact(api.get(f"{base}/details", params={"query": "matched=false", "pageSize": 1}))
        told = page.locator(f"#integrity-unmatched-{side.lower()} summary").inner_text()
        assert told.startswith(f"{side}: {unmatched['totalResults']:,} unmatched line"), told
    accounts = read_exact(api, INTEGRITY.format(company=company, data_type="banking-accounts") + "/details")
    months = page.locator("#integrity-rates tbody tr")
    assert months.count() == 12
    points = 0
    for n in range(months.count()):
        start = date.fromisoformat(months.nth(n).get_attribute("data-start"))
        end = (start + timedelta(days=32)).replace(day=1)
        for account in accounts:
            query = (
                f"connectionId={account['connectionId']}&&accountId={account['id']}"
                f"&&date>={start.isoformat()}&&date<{end.isoformat()}"
            )
            found = exact(api.get(f"{bank}/summaries", params={"query": query}))["summaries"]
            cell = months.nth(n).locator(f"td[data-account='{account['id']}']")
            lines = sum(s["byCount"]["total"] for s in found)
            assert int(cell.get_attribute("data-lines")) == lines
            if lines:
                points += 1
                assert int(cell.get_attribute("data-matched")) == found[0]["byCount"]["matched"]
                assert cell.inner_text().startswith(rate(found[0]["byAmount"]["matchPercentage"]))
            else:
                assert cell.inner_text() == "no lines"
    assert points > 12
    chart = page.locator("svg#integrity-chart")
    assert chart.get_attribute("role") == "img"
    assert chart.locator("g.series").count() == len(accounts)
    assert chart.locator("g.series circle").count() == points


LOANS = "/companies/{company}/reports/liabilities/loans"


def check_loans(page: Any, api: httpx.Client, company: str, source_type: str) -> int:
    """The source's loans on the page are the API's loan summaries, each with its loan transactions."""
    base = LOANS.format(company=company)
    summary = exact(api.get(base, params={"sourceType": source_type}))["reportItems"]
    transactions = exact(api.get(f"{base}/transactions", params={"sourceType": source_type}))["reportItems"]
    table = page.locator(f"#loans-{source_type}-table")
    assert table.locator("tbody.loan").count() == len(summary)
    for loan in summary:
        shown = table.locator(f"tbody.loan[data-loan='{loan['loanId']}']")
        assert shown.locator("th").first.inner_text() == loan["lender"]
        assert [
            shown.locator(f"td[data-figure='{name}']").inner_text().split()[0]
            for name in ("drawdowns", "repayments", "balance")
        ] == [money(loan["totalDrawdowns"]), money(loan["totalRepayments"]), money(loan["balance"])]
        evidence = [t for t in transactions if t["loanId"] == loan["loanId"]]
        assert shown.locator("details tbody tr").count() == len(evidence) == loan["transactionCount"]
        for reason in loan["reasons"]:
            assert reason in shown.locator("ul.reasons").inner_text()
    return len(summary)


def test_lending_tab_bank_categories_data_integrity_and_loans(page, shoot, accessible, server, api) -> None:
    company, _ = link_sandbox(api, "Bank Categories Ltd")
    link_platform(api, company, "qhnd")
    wait_for_pulls(api, company, at_least=12)
    sign_in(page, server)
    status = INTEGRITY.format(company=company, data_type="banking-transactions") + "/status"

    def matched() -> bool:
        time.sleep(0.3)
        return api.get(status).json()["metadata"][0]["statusInfo"]["currentStatus"] == "Complete"

    wait_until(matched, timeout=60, what="the books and bank to be matched")
    page.goto(f"{server.base_url}/portal/companies/{company}/lending#bank-categories")
    check_integrity(page, api, company)
    section = page.locator("#bank-categories")
    assert "No categorized bank statement generated yet." in section.inner_text()

    section.get_by_role("button", name="Generate a categorized bank statement").click()
    page.wait_for_url(re.compile(r".*/lending(#bank-categories)?$"))
    assert "Categorized bank statement requested" in page.get_by_role("status").inner_text()

    def complete() -> bool:
        time.sleep(0.3)
        latest = api.get(f"/companies/{company}/reports/categorizedBankStatement/latest/status")
        return latest.status_code == 200 and latest.json()["status"] != "InProgress"

    wait_until(complete, timeout=90, what="the categorized bank statement to be generated")
    section.get_by_role("button", name="Refresh the status of the bank statements").click()
    report_id = api.get(f"/companies/{company}/reports/categorizedBankStatement/latest/status").json()["id"]
    assert report_id in section.inner_text()
    check_bank_categories(page, api, company, report_id)

    # Loans: looked for in the books and the bank (the company has no commerce connection), then shown with
    # their evidence as the liabilities API answers them.
    loans = page.locator("#loans")
    assert "Never looked for: the company has no commerce connection." in loans.inner_text()
    loans.get_by_role("button", name="Find loans").click()
    page.wait_for_url(re.compile(r".*/lending(#loans)?$"))
    assert "Loans looked for in the books, bank" in page.get_by_role("status").inner_text()

    def found() -> bool:
        time.sleep(0.3)
        return all(
            api.get(LOANS.format(company=company), params={"sourceType": kind}).status_code == 200
            for kind in ("accounting", "banking")
        )

    wait_until(found, timeout=90, what="the loans to be found")
    loans.get_by_role("button", name="Refresh the status of the loans").click()
    assert check_loans(page, api, company, "banking") >= 1
    assert check_loans(page, api, company, "accounting") >= 1
    loans.locator("details summary").first.click()
    # Once, with every section filled in (axe over the whole page takes seconds).
    shoot("bank-categories-integrity-and-loans")
    accessible()

    # A company with nothing linked: looking for loans is refused with why, and nothing is requested.
    with http_sign_in(server) as (browser, csrf):
        empty = api.post("/companies", json={"name": "Nothing Linked Ltd"}).json()["id"]
        path = f"/portal/companies/{empty}/lending"
        refused = browser.post(f"{path}/loans", data={"csrf": csrf})
        assert refused.status_code == 303 and refused.headers["location"] == f"{path}#loans"
        assert "link one of them first" in browser.get(path).text
        assert api.get(LOANS.format(company=empty), params={"sourceType": "banking"}).status_code == 404

    # On a phone, with the unmatched lines and a loan's transactions open, nothing sticks out sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#integrity details summary").first.click()
    assert overflowing(page) == []
    shoot("lending-ii-on-a-phone")
