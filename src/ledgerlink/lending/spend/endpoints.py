"""Spend Insights' spend analysis: `GET /companies/{companyId}/reports/spendAnalysis/{reportId}/suppliers`,
`.../paymentMethods` and the report bundle, `GET /companies/{companyId}/reports/bundle` (the report itself is
requested and followed through the reports engine's routes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ledgerlink.clients.auth import CurrentPrincipal
from ledgerlink.files.views import attachment
from ledgerlink.kit.auth import Session
from ledgerlink.kit.errors import correlation_id
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import json
from ledgerlink.lending.spend import bundle, service

router = APIRouter(tags=["Spend analysis"])
PATH = "/companies/{companyId}/reports/spendAnalysis/{reportId}"
Paging = Annotated[PageParams, Depends(page_params)]
MaxAge = Annotated[str | None, Query(alias="maxAge")]


def _part_endpoint(part: str) -> Callable[..., Awaitable[Response]]:
    async def get_part(
        companyId: str,
        reportId: str,
        request: Request,
        principal: CurrentPrincipal,
        session: Session,
        params: Paging,
        max_age: MaxAge = None,
    ) -> Response:
        rows, total = await service.part_page(session, principal, companyId, reportId, part, params, max_age)
        return json(page_envelope(request, params, rows, total))

    return get_part


# Codat's operations: `get-supplier-analysis`, `get-payment-method-analysis`.
for _part, _name in (
    ("suppliers", "get_supplier_analysis"),
    ("paymentMethods", "get_payment_method_analysis"),
):
    router.add_api_route(f"{PATH}/{_part}", _part_endpoint(_part), methods=["GET"], name=_name)


@router.get("/companies/{companyId}/reports/bundle")
async def download_report_bundle(
    companyId: str,
    request: Request,
    principal: CurrentPrincipal,
    session: Session,
    report_id: Annotated[str | None, Query(alias="reportId")] = None,
    lang: str | None = None,
) -> Response:
    made = await bundle.bundle(session, principal, companyId, report_id, lang, correlation_id(request))
    response = attachment(made.download)
    response.headers["X-Bundle-Partial"] = "true" if made.included < made.total else "false"
    response.headers["X-Bundle-Included"] = str(made.included)
    response.headers["X-Bundle-Total"] = str(made.total)
    return response
