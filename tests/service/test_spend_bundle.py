"""The report bundle's manifest when files fail (`lending.spend.bundle`): a file that cannot be made is listed
`FAILED` with its reason and the others are still bundled (partial); none made is a 500 with the correlation
id. The whole bundle through the server is in tests/test_lending_spend_analysis.py."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import IO

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies.models import Company
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import CodatError
from ledgerlink.lending import report_types
from ledgerlink.lending.reports import service
from ledgerlink.lending.reports.models import Report, ReportStatus
from ledgerlink.lending.spend import bundle
from tests.support.rows import company_with

pytestmark = pytest.mark.anyio

report_types.register_all()
RESULT = {
    "period": {"startDate": "2025-01-02", "endDate": "2026-01-01", "monthsReviewed": 12},
    "totals": {"suppliersCount": 1, "billsCount": 2, "billsAmount": 30.0},
    "suppliers": [{"supplierId": "s", "supplierName": "Acme", "totalSpend": 30.0, "billsAmount": 30.0}],
    "paymentMethods": [{"biggestCountPaymentMethod": "Check", "billsCount": 2, "billsAmount": 30.0}],
}


async def _broken(report: Report, company: Company, created: datetime) -> IO[bytes]:
    raise RuntimeError("the disk is full")


async def _generated(session: AsyncSession, principal: Principal) -> str:
    company, _ = await company_with(session, principal.client_id)
    report = await service.request_report(session, principal, str(company.id), "spendAnalysis")
    report.status, report.result = ReportStatus.COMPLETE.value, RESULT
    await session.flush()
    return str(company.id)


async def test_a_file_that_fails_is_in_the_manifest_and_the_rest_is_bundled(
    session: AsyncSession, principal: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    company_id = await _generated(session, principal)
    monkeypatch.setattr(bundle, "FILES", (bundle.FILES[0], bundle.BundledFile("SpendSummary.xlsx", _broken)))
    made = await bundle.bundle(session, principal, company_id, "latest", "en-gb", "corr-123")
    assert (made.included, made.total) == (1, 2)
    with made.download.content as content:
        archive = zipfile.ZipFile(io.BytesIO(content.read()))
    assert sorted(archive.namelist()) == ["SpendAnalysis.xlsx", "manifest.txt"]
    manifest = archive.read("manifest.txt").decode()
    assert "Correlation ID: corr-123" in manifest and "Report type: spendAnalysis" in manifest
    assert "SpendAnalysis.xlsx\tINCLUDED\t" in manifest
    assert "SpendSummary.xlsx\tFAILED\t" in manifest and "RuntimeError: the disk is full" in manifest


async def test_no_file_made_is_a_500_with_the_correlation_id(
    session: AsyncSession, principal: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    company_id = await _generated(session, principal)
    monkeypatch.setattr(bundle, "FILES", (bundle.BundledFile("SpendAnalysis.xlsx", _broken),))
    with pytest.raises(CodatError) as failed:
        await bundle.bundle(session, principal, company_id, "LATEST", None, "corr-456")
    assert failed.value.status_code == 500 and "corr-456" in failed.value.message
