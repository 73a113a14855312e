"""The Portal's Lending tab of a company: the categorized statements, an account's category (confirmed or
changed with a reason, and its history), the aged debtors and creditors, the Excel workbooks, and the credit
model reports with their financial summary.

Every figure comes from the Lending API's services (the same functions its endpoints call), so the page
shows what the API answers; a section whose data the API would refuse (nothing pulled yet) says why instead.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.files.dependencies import Rules
from ledgerlink.files.views import attachment
from ledgerlink.kit import pages
from ledgerlink.kit.errors import BadRequest, CodatError, NotFound
from ledgerlink.kit.pagination import PageParams
from ledgerlink.lending.bank_statement import service as bank_statement
from ledgerlink.lending.bank_statement.report import NAME as BANK_STATEMENT
from ledgerlink.lending.categories import service as categories
from ledgerlink.lending.categories import taxonomy
from ledgerlink.lending.categories.statements import categorized_statement
from ledgerlink.lending.commerce_metrics import metrics
from ledgerlink.lending.commerce_metrics.periods import PeriodSettings, PeriodUnit
from ledgerlink.lending.credit_model import service as credit_model
from ledgerlink.lending.excel import catalogue
from ledgerlink.lending.excel import credit_model as credit_model_workbook
from ledgerlink.lending.excel import service as excel
from ledgerlink.lending.liabilities import service as liabilities
from ledgerlink.lending.receivables import ageing
from ledgerlink.lending.receivables.ageing import AgeingSettings
from ledgerlink.lending.reports import service as reports
from ledgerlink.portal import charts, lending_integrity, lending_loans
from ledgerlink.portal import lending as views
from ledgerlink.portal import lending_bank as bank
from ledgerlink.portal import lending_sales as sales
from ledgerlink.portal.route import OptionalText, Text, portal_router
from ledgerlink.portal.service import FormSignedIn, Operator, SignedIn

router = portal_router()

DEFAULT_MONTHS = 3
MAX_MONTHS = 12
REPORTS_SHOWN = 10
STATEMENTS = (("profitAndLoss", "Profit and loss"), ("balanceSheet", "Balance sheet"))
LEDGERS = (
    (ageing.DEBTORS, "Aged debtors", "What customers owe"),
    (ageing.CREDITORS, "Aged creditors", "What the business owes suppliers"),
)
# The summary figures the page shows per period (the report's `periods` hold more; the API has them all).
SUMMARY_FIGURES = (
    ("revenue", "Revenue"),
    ("grossProfit", "Gross profit"),
    ("netIncome", "Net income"),
    ("ebitda", "EBITDA"),
    ("cash", "Cash"),
    ("currentAssets", "Current assets"),
    ("currentLiabilities", "Current liabilities"),
    ("workingCapital", "Working capital"),
    ("currentRatio", "Current ratio"),
)
# The reports the page asks for: what the notice calls each, and the section it shows in.
REQUESTED = {
    credit_model.REPORT_TYPE: ("Credit model", "reports"),
    BANK_STATEMENT: ("Categorized bank statement", "bank-categories"),
}
T = TypeVar("T")


def lending_path(company_id: object, anchor: str = "") -> str:
    return f"/portal/companies/{company_id}/lending" + (f"#{anchor}" if anchor else "")


async def _shown(operator: Operator, read: Awaitable[T]) -> tuple[T | None, str | None]:
    """A section's data, or why the API would not answer it (in a savepoint: the page goes on)."""
    try:
        async with operator.db.begin_nested():
            return await read, None
    except CodatError as error:
        return None, error.message


def _months(raw: str | None) -> int:
    try:
        return min(max(int(raw or DEFAULT_MONTHS), 1), MAX_MONTHS)
    except ValueError:
        return DEFAULT_MONTHS


async def _statements(operator: Operator, company: Company, months: int) -> list[dict[str, Any]]:
    accounts = await categories.categorized_accounts(operator.db, company.id)
    shown = []
    for kind, title in STATEMENTS:
        report, problem = await _shown(
            operator,
            categorized_statement(
                operator.db,
                company.id,
                kind=kind,
                period_length=1,
                periods_to_compare=months,
                start_month=None,
            ),
        )
        view = views.statement_view(kind, report, accounts) if report is not None else None
        shown.append({"kind": kind, "title": title, "view": view, "problem": problem})
    return shown


def ageing_settings(report_date: str, periods: str, period_days: str) -> AgeingSettings:
    """The aged reports' settings from the page's form (empty fields take Codat's defaults: today, 4, 30);
    a value that is not a date or a whole number, or out of Codat's range, is a 400 saying which."""
    try:
        day = date.fromisoformat(report_date.strip()) if report_date.strip() else None
    except ValueError:
        raise BadRequest(f"The report date {report_date[:20]!r} is not a date (YYYY-MM-DD).") from None
    numbers = []
    for name, raw in (("The number of periods", periods), ("The period length", period_days)):
        try:
            numbers.append(int(raw) if raw.strip() else None)
        except ValueError:
            raise BadRequest(f"{name} must be a whole number.") from None
    return AgeingSettings.of(day, numbers[0], numbers[1])


async def _aged(operator: Operator, company: Company, settings: AgeingSettings) -> list[dict[str, Any]]:
    shown = []
    for ledger, title, subtitle in LEDGERS:
        report, problem = await _shown(
            operator, ageing.aged_report(operator.db, operator.principal, str(company.id), ledger, settings)
        )
        view = views.ageing_view(report, settings, ledger.name_key) if report is not None else None
        chart_list = []
        if view is not None:
            for n, (currency, amounts) in enumerate(view.totals.items()):
                chart_title = f"{title} by period{f' ({currency})' if currency else ''}"
                chart_id = f"{ledger.report}-chart-{n}"
                chart_list.append(charts.aged_amounts(view.labels, amounts, currency, chart_id, chart_title))
        shown.append(
            {
                "ledger": ledger.report,
                "title": title,
                "subtitle": subtitle,
                "view": view,
                "charts": chart_list,
                "problem": problem,
            }
        )
    return shown


async def _sales(operator: Operator, company: Company, settings: PeriodSettings) -> list[dict[str, Any]]:
    """Each commerce connection's metrics reports (one read of its orders), or why the API would refuse."""
    shown = []
    for n, connection in enumerate(sales.commerce_connections(company)):
        found, problem = await _shown(
            operator,
            metrics.figures(operator.db, operator.principal, str(company.id), str(connection.id), settings),
        )
        reports = sales.sales_reports(found, settings, f"sales-{n}") if found is not None else []
        currency = found.currency if found is not None else None
        shown.append({"connection": connection, "reports": reports, "currency": currency, "problem": problem})
    return shown


async def _bank_categories(operator: Operator, company: Company) -> dict[str, Any]:
    """The latest categorized bank statement asked for (its status) and the latest generated, with its
    accounts' totals per category."""
    company_id = str(company.id)
    latest, _ = await _shown(
        operator, reports.get_report(operator.db, operator.principal, company_id, BANK_STATEMENT, "latest")
    )
    statement, _ = await _shown(
        operator,
        reports.get_report(
            operator.db, operator.principal, company_id, BANK_STATEMENT, "latest", complete=True
        ),
    )
    accounts = await bank.account_categories(operator.db, statement) if statement is not None else []
    count = bank_statement.stored_count(statement) if statement is not None else 0
    return {"latest": latest, "statement": statement, "accounts": accounts, "transactions": count}


async def _integrity(operator: Operator, company: Company) -> dict[str, Any]:
    view, problem = await _shown(
        operator, lending_integrity.integrity_view(operator.db, operator.principal, str(company.id))
    )
    return {"integrity": view, "integrity_problem": problem}


async def _loans(operator: Operator, company: Company) -> dict[str, Any]:
    """Each source's latest loans report (a report asked for again while the page is read: why not)."""
    states, problem = await _shown(
        operator, lending_loans.loan_states(operator.db, operator.principal, company)
    )
    return {
        "loan_states": states or [],
        "loans_problem": problem,
        "loan_sources": lending_loans.linked_sources(company),
    }


async def _credit_model(operator: Operator, company: Company) -> dict[str, Any]:
    found, total = await reports.list_reports(
        operator.db, operator.principal, str(company.id), PageParams(1, REPORTS_SHOWN, None, None)
    )
    summary, problem = None, None
    if any(report.type == credit_model.REPORT_TYPE for report in found):
        summary, problem = await _shown(
            operator,
            credit_model.financial_summary(operator.db, operator.principal, str(company.id), "latest"),
        )
    return {
        "reports": found,
        "reports_total": total,
        "summary": summary,
        "summary_problem": problem,
        "summary_periods": (summary or {}).get("periods", [])[:DEFAULT_MONTHS],
        "summary_figures": SUMMARY_FIGURES,
    }


@router.get("/companies/{company_id}/lending")
async def show_lending(
    request: Request,
    company_id: str,
    operator: SignedIn,
    months: str | None = None,
    reportDate: str = "",
    numberOfPeriods: str = "",
    periodLengthDays: str = "",
    salesDate: str = "",
    salesUnit: str = "",
    salesLength: str = "",
    salesPeriods: str = "",
) -> Response:
    company = await companies.get(operator.db, operator.principal, company_id)
    chosen = _months(months)
    types = {name: kind.title for name, kind in catalogue.REPORT_TYPES.items()}
    ageing_form = {
        "reportDate": reportDate,
        "numberOfPeriods": numberOfPeriods,
        "periodLengthDays": periodLengthDays,
    }
    aged: list[dict[str, Any]] = []
    ageing_problem: str | None = None
    try:
        settings = ageing_settings(reportDate, numberOfPeriods, periodLengthDays)
    except BadRequest as refused:
        ageing_problem = refused.message
    else:
        aged = await _aged(operator, company, settings)
    sales_form = {
        "salesDate": salesDate,
        "salesUnit": salesUnit,
        "salesLength": salesLength,
        "salesPeriods": salesPeriods,
    }
    sold: list[dict[str, Any]] = []
    sales_problem: str | None = None
    try:
        periods = sales.sales_settings(salesDate, salesUnit, salesLength, salesPeriods)
    except BadRequest as refused:
        sales_problem = refused.message
    else:
        sold = await _sales(operator, company, periods)
    context = {
        "title": f"Lending: {company.name}",
        "company": company,
        "months": chosen,
        "max_months": MAX_MONTHS,
        "statements": await _statements(operator, company, chosen),
        "aged": aged,
        "ageing_form": ageing_form,
        "ageing_problem": ageing_problem,
        "ageing_limits": (ageing.MAX_PERIODS, ageing.MAX_PERIOD_DAYS),
        "workbooks": await views.workbook_states(operator.db, company.id, types),
        **await _credit_model(operator, company),
        "bank": await _bank_categories(operator, company),
        **await _integrity(operator, company),
        **await _loans(operator, company),
        "sales": sold,
        "sales_form": sales_form,
        "sales_problem": sales_problem,
        "sales_defaults": (sales.DEFAULT_UNIT, sales.DEFAULT_LENGTH, sales.DEFAULT_PERIODS),
        "sales_units": list(PeriodUnit),
        "sales_figure": sales.figure,
        "kept": {"months": str(chosen), **ageing_form, **sales_form},
    }
    status_code = 400 if ageing_problem or sales_problem else 200
    return operator.page(
        request, "portal/company_lending.html", "companies", context, status_code=status_code
    )


@router.post("/companies/{company_id}/lending/excel/{report_type}")
async def generate_workbook(company_id: str, report_type: str, operator: FormSignedIn) -> Response:
    async with operator.attempt("Workbook requested: refresh to see when it is ready.") as outcome:
        workbook = await excel.request(operator.db, operator.principal, company_id, report_type)
        title = catalogue.report_type(workbook.report_type).title
        outcome.success = f"{title} requested: refresh to see when it is ready."
    return pages.redirect(lending_path(company_id, "workbooks"))


@router.get("/companies/{company_id}/lending/excel/{report_type}/download")
async def download_workbook(company_id: str, report_type: str, operator: SignedIn, rules: Rules) -> Response:
    download = await excel.download(operator.db, operator.principal, rules.store, company_id, report_type)
    response = attachment(download)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/companies/{company_id}/lending/reports/creditModel/{report_id}/excel")
async def download_credit_model_workbook(company_id: str, report_id: str, operator: SignedIn) -> Response:
    """The credit model's workbook, made from the stored report (`excel.credit_model`, as the API's)."""
    download = await credit_model_workbook.workbook(operator.db, operator.principal, company_id, report_id)
    response = attachment(download)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@router.post("/companies/{company_id}/lending/reports/{report_type}")
async def generate_report(company_id: str, report_type: str, operator: FormSignedIn) -> Response:
    title, anchor = REQUESTED.get(report_type, (report_type, "reports"))
    async with operator.attempt(
        f"{title} requested: it is generated once the data it reads has been refreshed."
    ):
        await reports.request_report(operator.db, operator.principal, company_id, report_type)
    return pages.redirect(lending_path(company_id, anchor))


@router.post("/companies/{company_id}/lending/loans")
async def find_loans(company_id: str, operator: FormSignedIn) -> Response:
    """A liabilities report for each source the company has a connection of (its books, bank, commerce
    platform), through the service Codat's `POST .../reports/liabilities/loans` calls."""
    async with operator.attempt("Loans requested.") as outcome:
        company = await companies.get(operator.db, operator.principal, company_id)
        sources = lending_loans.linked_sources(company)
        if not sources:
            raise BadRequest(
                "Loans are found in the company's books, bank or commerce platform: link one of them first."
            )
        for source in sources:
            await liabilities.request(operator.db, operator.principal, company_id, source.source_type)
        where = ", ".join(lending_loans.TITLES[source.integration_type].lower() for source in sources)
        outcome.success = f"Loans looked for in the {where}: refresh to see what is found."
    return pages.redirect(lending_path(company_id, "loans"))


async def _account(
    operator: Operator, company_id: str, connection_id: str, account_id: str
) -> tuple[Company, categories.CategorizedAccount]:
    company = await companies.get(operator.db, operator.principal, company_id)
    for connection in await categories.accounting_connections(operator.db, company.id):
        if str(connection.id) != connection_id:
            continue
        for account in await categories.connection_accounts(operator.db, connection):
            if account.account_id == account_id:
                return company, account
    raise NotFound(
        f"No account {account_id!r} in an accounting connection {connection_id!r} of this company."
    )


def account_path(company_id: object, connection_id: object, account_id: str) -> str:
    return f"/portal/companies/{company_id}/lending/accounts/{connection_id}/{quote(account_id, safe='')}"


@router.get("/companies/{company_id}/lending/accounts/{connection_id}/{account_id}")
async def show_account(
    request: Request, company_id: str, connection_id: str, account_id: str, operator: SignedIn
) -> Response:
    company, account = await _account(operator, company_id, connection_id, account_id)
    context = {
        "title": f"{account.name or account.account_id}: category",
        "company": company,
        "account": account,
        "history": (
            await categories.changes(operator.db, account.connection_id, account_id=account.account_id)
        )[0],
        "choices": views.category_choices(),
        "chosen": ".".join(account.path),
        "action": account_path(company.id, account.connection_id, account.account_id),
    }
    return operator.page(request, "portal/lending_account.html", "companies", context)


@router.post("/companies/{company_id}/lending/accounts/{connection_id}/{account_id}")
async def confirm_category(
    company_id: str,
    connection_id: str,
    account_id: str,
    operator: FormSignedIn,
    category: Text = "",
    reason: OptionalText = None,
) -> Response:
    """Confirm (or change) the account's category through the service the API's PATCH uses, so the audit
    names the Portal operator; a category of `suggested` unsets it (the suggestion applies again)."""
    back = account_path(company_id, connection_id, account_id)
    async with operator.attempt("Category confirmed.") as outcome:
        company, account = await _account(operator, company_id, connection_id, account_id)
        why = (reason or "").strip()
        if not why:
            raise BadRequest("Give a reason for the change: it is kept in the account's history.")
        levels = None if category == "suggested" else taxonomy.parse(category)
        connection = next(c for c in company.connections if c.id == account.connection_id)
        actor = categories.Actor(
            "PortalOperator", operator.principal.client_id, operator.principal.api_key_id
        )
        confirmation = categories.Confirmation(account.account_id, levels, why, "category")
        (updated,) = await categories.confirm(operator.db, company, connection, [confirmation], actor)
        shown = " › ".join(updated.path)
        outcome.success = (
            f"{updated.name}: the suggestion applies again ({shown})."
            if levels is None
            else f"{updated.name} confirmed as {shown}."
        )
    return pages.redirect(back)
