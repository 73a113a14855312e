"""Codat's commerce metrics endpoints: one per report kind, the same parameters for each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.kit.auth import Session
from ledgerlink.kit.responses import json
from ledgerlink.lending.commerce_metrics import metrics
from ledgerlink.lending.commerce_metrics.periods import PeriodSettings, PeriodUnit
from ledgerlink.lending.commerce_metrics.report import REPORTS, ReportKind, report

router = APIRouter(tags=["Sales"])


async def period_settings(
    report_date: Annotated[str, Query(alias="reportDate")],
    period_length: Annotated[int, Query(alias="periodLength")],
    number_of_periods: Annotated[int, Query(alias="numberOfPeriods")],
    period_unit: Annotated[PeriodUnit, Query(alias="periodUnit")],
) -> PeriodSettings:
    """Codat's period parameters, all required as its spec has them; checked (400 in Codat's error body)."""
    return PeriodSettings.of(report_date, period_unit, period_length, number_of_periods)


Settings = Annotated[PeriodSettings, Depends(period_settings)]


def _add_report(kind: ReportKind) -> None:
    async def get_commerce_report(
        companyId: str,
        connectionId: str,
        principal: CurrentPrincipal,
        session: Session,
        settings: Settings,
        include_display_names: Annotated[bool, Query(alias="includeDisplayNames")] = False,
    ) -> Response:
        found = await metrics.figures(session, principal, companyId, connectionId, settings)
        return json(report(kind, settings, found, include_display_names))

    router.add_api_route(
        f"/data/companies/{{companyId}}/connections/{{connectionId}}/assess/commerceMetrics/{kind.name}",
        get_commerce_report,
        methods=["GET"],
        name=f"get_commerce_{kind.name}_metrics",
    )


for _kind in REPORTS:
    _add_report(_kind)
