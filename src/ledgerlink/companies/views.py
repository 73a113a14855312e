"""How a company looks in the API (Codat's `Company`)."""

from __future__ import annotations

from typing import Any

from ledgerlink.companies.models import Company
from ledgerlink.connections.views import connection_view
from ledgerlink.kit.clock import iso
from ledgerlink.kit.urls import PublicUrls


def company_view(company: Company, urls: PublicUrls) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": str(company.id),
        "name": company.name,
        "redirect": urls.company_redirect(company.id),
        "created": iso(company.created_at),
        "products": company.products or [],
        "tags": company.tags or {},
        "referenceSubsidiaryCompanies": [],
        "dataConnections": [connection_view(c, urls) for c in company.connections],
        # Deprecated in Codat's spec but read by older clients and Codat's starter app, which fail without
        # it: the legacy `platformType` given at creation, else "" (as Codat answers when it has none).
        "platform": company.platform_type or "",
    }
    if company.description is not None:
        view["description"] = company.description
    if company.last_sync is not None:
        view["lastSync"] = iso(company.last_sync)
    return view
