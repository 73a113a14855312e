"""Reading a generated report's parts: the report, once it is `Complete`, and pages of a list in its stored
result, filtered (`query=`) and ordered (`orderBy`) by PostgreSQL over the stored JSON as the read API's lists
are (Spend Insights' `/suppliers` and `/paymentMethods`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import column, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import BadRequest, Conflict, NotFound
from ledgerlink.kit.pagination import PageParams, fetch_query_page
from ledgerlink.kit.query import JsonProperty, jsonb_target, parse_datetime
from ledgerlink.lending.reports import service
from ledgerlink.lending.reports.models import Report, ReportStatus


async def generated_report(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    report_type: str,
    report_id: str,
    *,
    max_age: str | None = None,
) -> Report:
    """A company's report of `report_type` (`latest`: the last one generated) whose result can be read: 404
    for none (or none generated after `maxAge`), 409 while it is generating or when it ended `Error`."""
    generated_after = _max_age(max_age)
    try:
        report = await service.get_report(
            session, principal, company_id, report_type, report_id, complete=True
        )
    except NotFound:
        if report_id.lower() != service.LATEST:
            raise
        # None generated yet: one may be on its way.
        report = await service.get_report(session, principal, company_id, report_type, report_id)
    if generated_after is not None and report.updated_at < generated_after:
        raise NotFound(
            f"No {report_type} report {report_id} was generated after {max_age} for company {company_id}."
        )
    if report.status == ReportStatus.IN_PROGRESS.value:
        raise Conflict(
            f"The {report_type} report {report.id} is still being generated; try again once it is Complete."
        )
    if report.status == ReportStatus.ERROR.value or report.result is None:
        raise Conflict(f"The {report_type} report {report.id} was not generated: {report.error_message}")
    return report


async def part_page(
    session: AsyncSession,
    report: Report,
    part: str,
    params: PageParams,
    name: str,
    properties: Mapping[str, JsonProperty],
) -> tuple[list[Any], int]:
    """A page of the list `part` of the report's result, in its stored order unless `orderBy` says; `query=`
    and `orderBy` name the items' `properties` (`name` is the item's name in messages)."""
    stored = func.jsonb_array_elements(
        select(Report.result[part]).where(Report.id == report.id).scalar_subquery()
    )
    element = stored.table_valued(column("value", JSONB), with_ordinality="position").render_derived(
        "element"
    )
    target = jsonb_target(name, lambda: element.c.value, properties)
    return await fetch_query_page(
        session, select(element.c.value), params, target, default_order=(element.c.position,)
    )


def _max_age(raw: str | None) -> datetime | None:
    if raw is None or not raw.strip():
        return None
    try:
        return parse_datetime(raw)
    except ValueError:
        raise BadRequest(f"maxAge must be an ISO 8601 date or date and time, not {raw!r}.") from None
