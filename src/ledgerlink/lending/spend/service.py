"""Reading a spend analysis: pages of its suppliers and payment methods, from the report's stored result."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.pagination import PageParams
from ledgerlink.kit.query import JsonProperty, Kind
from ledgerlink.lending.reports import parts
from ledgerlink.lending.spend.methods import PaymentMethod
from ledgerlink.lending.spend.report import NAME

_TEXT, _NUMBER, _DATE = JsonProperty(Kind.TEXT), JsonProperty(Kind.NUMBER), JsonProperty(Kind.DATETIME)
_METHOD = JsonProperty(Kind.ENUM, tuple(m.value for m in PaymentMethod))
# The figures a supplier's row and a payment method's row share (`analysis.Tally.figures`).
_FIGURES = dict.fromkeys(
    (
        "billsCount",
        "billsOutstandingCount",
        "billsAmount",
        "billsOutstandingAmount",
        "billsOutstandingPercentageByAmount",
        "paymentsCount",
        "billsPaidLateCount",
        "paymentsAmount",
        "averagePaymentAmount",
        "billsPaidLateAmount",
        "billsPaidLatePercentageByAmount",
        "averageBillPaymentTermsWeighted",
        "averageBillSettlementPeriodWeighted",
        "directCostsCount",
        "directCostsAmount",
    ),
    _NUMBER,
)
SUPPLIER_PROPERTIES = {
    **dict.fromkeys(
        ("supplierId", "supplierName", "phoneNumber", "contactName", "emailAddress", "taxNumber"), _TEXT
    ),
    **dict.fromkeys(("importedDate", "latestBilled", "latestDirectCostBilled"), _DATE),
    **_FIGURES,
    "commonPaymentTermsDays": _NUMBER,
    "totalSpend": _NUMBER,
    "biggestCountPaymentMethod": _METHOD,
    "biggestSpendPaymentMethod": _METHOD,
}
PAYMENT_METHOD_PROPERTIES = {
    **_FIGURES,
    **dict.fromkeys(
        (
            "suppliersCount",
            "percentageSuppliersByCount",
            "percentageBillsByCount",
            "percentageBillsByAmount",
            "directCostsPercentageByCount",
            "directCostsPercentageByAmount",
        ),
        _NUMBER,
    ),
    "biggestCountPaymentMethod": _METHOD,
}


# The report's parts: the name of an item in `query=` messages and the properties it may name.
PARTS = {
    "suppliers": ("Supplier", SUPPLIER_PROPERTIES),
    "paymentMethods": ("PaymentMethodSummary", PAYMENT_METHOD_PROPERTIES),
}


async def part_page(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    report_id: str,
    part: str,
    params: PageParams,
    max_age: str | None,
) -> tuple[list[Any], int]:
    """A page of one part of a generated spend analysis: its suppliers (Codat's `SupplierAnalysis` results,
    biggest spend first) or its payment methods (`PaymentMethodAnalysis` results, in Codat's order)."""
    report = await parts.generated_report(session, principal, company_id, NAME, report_id, max_age=max_age)
    name, properties = PARTS[part]
    return await parts.part_page(session, report, part, params, name, properties)
