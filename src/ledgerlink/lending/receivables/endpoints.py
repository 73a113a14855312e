"""Codat's Lending reports over a company's receivables and payables: aged debtors and creditors (and whether
they are available), and invoices reconciled with the bank."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.kit.auth import Session
from ledgerlink.kit.pagination import PageParams, page_params
from ledgerlink.kit.responses import json
from ledgerlink.lending.receivables import ageing, reconciliation
from ledgerlink.lending.receivables.ageing import CREDITORS, DEBTORS, AgeingSettings, Ledger

router = APIRouter(tags=["Accounts receivable"])


async def ageing_settings(
    report_date: Annotated[date | None, Query(alias="reportDate")] = None,
    number_of_periods: Annotated[int | None, Query(alias="numberOfPeriods")] = None,
    period_length_days: Annotated[int | None, Query(alias="periodLengthDays")] = None,
) -> AgeingSettings:
    """Codat's parameters of an aged report, checked (400 in Codat's error body)."""
    return AgeingSettings.of(report_date, number_of_periods, period_length_days)


Settings = Annotated[AgeingSettings, Depends(ageing_settings)]


def _add_aged_report(ledger: Ledger, tag: str) -> None:
    path = f"/companies/{{companyId}}/reports/{ledger.report}"

    async def get_aged_report(
        companyId: str,
        principal: CurrentPrincipal,
        session: Session,
        settings: Settings,
    ) -> Response:
        return json(await ageing.aged_report(session, principal, companyId, ledger, settings))

    async def is_aged_report_available(
        companyId: str,
        principal: CurrentPrincipal,
        session: Session,
    ) -> Response:
        return json(await ageing.is_available(session, principal, companyId, ledger))

    router.add_api_route(path, get_aged_report, methods=["GET"], name=f"get_{ledger.report}", tags=[tag])
    router.add_api_route(
        f"{path}/available",
        is_aged_report_available,
        methods=["GET"],
        name=f"{ledger.report}_available",
        tags=[tag],
    )


_add_aged_report(DEBTORS, "Accounts receivable")
_add_aged_report(CREDITORS, "Accounts payable")


@router.get("/companies/{companyId}/reports/enhancedInvoices")
async def list_reconciled_invoices(
    companyId: str,
    principal: CurrentPrincipal,
    session: Session,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    return json(await reconciliation.enhanced_invoices(session, principal, companyId, params))
