"""The Portal's files: one of a company's uploaded files, downloaded as itself (the company page lists them
with `company_files`)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from ledgerlink.companies.models import Company
from ledgerlink.files import service as files
from ledgerlink.files.dependencies import Rules
from ledgerlink.files.views import attachment
from ledgerlink.portal.route import portal_router
from ledgerlink.portal.service import Operator, SignedIn

router = portal_router()


async def company_files(operator: Operator, company: Company) -> dict[str, Any]:
    """What the company page's Files section shows: every file, oldest first."""
    return {"files": await files.files_of(operator.db, company.id)}


@router.get("/companies/{company_id}/files/{file_id}")
async def download_file(company_id: str, file_id: str, operator: SignedIn, rules: Rules) -> Response:
    download = await files.company_file(operator.db, operator.principal, rules, company_id, file_id)
    response = attachment(download)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
