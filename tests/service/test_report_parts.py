"""Reading a report's parts (`lending.reports.parts`): only a generated report answers (409 while it is being
generated or once it ended `Error`, 404 for none or none after `maxAge`), and a part's list is paged, filtered
and ordered by PostgreSQL over the stored JSON."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import BadRequest, Conflict, NotFound
from ledgerlink.kit.pagination import parse_page_params
from ledgerlink.lending import report_types
from ledgerlink.lending.reports import parts, service
from ledgerlink.lending.reports.models import ReportStatus
from ledgerlink.lending.spend.service import SUPPLIER_PROPERTIES
from tests.support.rows import company_with

pytestmark = pytest.mark.anyio

report_types.register_all()
SUPPLIERS = [
    {"supplierId": "a", "supplierName": "Alpha", "billsAmount": 30.5, "biggestCountPaymentMethod": "Check"},
    {
        "supplierId": "b",
        "supplierName": "Beta",
        "billsAmount": 120.0,
        "biggestCountPaymentMethod": "CreditCard",
    },
    {"supplierId": "c", "supplierName": "Gamma", "billsAmount": 7.25, "biggestCountPaymentMethod": "Check"},
]


async def test_only_a_generated_report_is_read(session: AsyncSession, principal: Principal) -> None:
    company, _ = await company_with(session, principal.client_id)
    report = await service.request_report(session, principal, str(company.id), "spendAnalysis")
    for report_id in (str(report.id), "latest"):
        with pytest.raises(Conflict, match="still being generated"):
            await parts.generated_report(session, principal, str(company.id), "spendAnalysis", report_id)
    report.status, report.error_message = ReportStatus.ERROR.value, "No books."
    await session.flush()
    with pytest.raises(Conflict, match=r"was not generated: No books\."):
        await parts.generated_report(session, principal, str(company.id), "spendAnalysis", str(report.id))
    report.status, report.result = ReportStatus.COMPLETE.value, {"suppliers": SUPPLIERS}
    await session.flush()
    found = await parts.generated_report(session, principal, str(company.id), "spendAnalysis", "latest")
    assert found.id == report.id
    before = (report.updated_at - timedelta(days=1)).isoformat()
    after = (report.updated_at + timedelta(seconds=1)).isoformat()
    read = parts.generated_report
    assert (
        await read(session, principal, str(company.id), "spendAnalysis", "latest", max_age=before)
    ) is found
    with pytest.raises(NotFound, match="generated after"):
        await read(session, principal, str(company.id), "spendAnalysis", "latest", max_age=after)
    with pytest.raises(BadRequest, match="maxAge"):
        await read(session, principal, str(company.id), "spendAnalysis", "latest", max_age="last week")
    with pytest.raises(NotFound):
        await read(session, principal, str(company.id), "creditModel", str(report.id))


async def test_a_part_is_paged_filtered_and_ordered_over_the_stored_json(
    session: AsyncSession, principal: Principal
) -> None:
    company, _ = await company_with(session, principal.client_id)
    report = await service.request_report(session, principal, str(company.id), "spendAnalysis")
    report.status, report.result = ReportStatus.COMPLETE.value, {"suppliers": SUPPLIERS}
    await session.flush()

    async def page(**params: str) -> tuple[list[str], int]:
        paging = parse_page_params(
            params.get("page"), params.get("pageSize"), params.get("query"), params.get("orderBy")
        )
        rows, total = await parts.part_page(
            session, report, "suppliers", paging, "Supplier", SUPPLIER_PROPERTIES
        )
        return [row["supplierId"] for row in rows], total

    assert await page() == (["a", "b", "c"], 3)  # stored order
    assert await page(page="2", pageSize="2") == (["c"], 3)
    assert await page(orderBy="-billsAmount") == (["b", "a", "c"], 3)
    assert await page(query="biggestCountPaymentMethod=Check", orderBy="billsAmount") == (["c", "a"], 2)
    assert await page(query="supplierName~et") == (["b"], 1)
    with pytest.raises(BadRequest, match="colour"):
        await page(query="colour=blue")
    assert await page(query="biggestCountPaymentMethod=Card") == ([], 0)
