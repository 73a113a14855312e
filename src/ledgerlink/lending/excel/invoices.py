"""The `enhancedInvoices` Excel report: every invoice with the payments allocated to it and the bank
transaction each payment landed in, exactly as `GET .../reports/enhancedInvoices` answers them
(`lending.receivables.reconciliation`), read a page at a time. One row per invoice and payment (an invoice
without payments has one row), so an analyst filters or pivots it as it is; rows stream into the sheet."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from ledgerlink.kit.pagination import MAX_PAGE_SIZE, PageParams
from ledgerlink.lending.excel.kinds import Built, ExcelReportType, Reading
from ledgerlink.lending.receivables.reconciliation import enhanced_invoices
from ledgerlink.lending.workbooks import Column, Kind, Sheet

COLUMNS = (
    Column("Invoice ID"),
    Column("Invoice number", width=16),
    Column("Customer ID"),
    Column("Customer name", width=30),
    Column("Issue date", Kind.DATE),
    Column("Due date", Kind.DATE),
    Column("Status", width=14),
    Column("Currency", width=9),
    Column("Total amount", Kind.MONEY),
    Column("Amount due", Kind.MONEY),
    Column("Paid on date", Kind.DATE),
    Column("Payment ID"),
    Column("Payment date", Kind.DATE),
    Column("Payment type", width=14),
    Column("Payment amount", Kind.MONEY),
    Column("Payment currency", width=9),
    Column("Currency rate", Kind.NUMBER),
    Column("Bank transaction ID"),
    Column("Bank connection ID"),
    Column("Bank account ID"),
    Column("Bank account name", width=28),
    Column("Cleared on", Kind.DATE),
    Column("Bank description", width=36),
    Column("Bank amount", Kind.MONEY),
    Column("Match score", Kind.NUMBER),
    Column("Match reasons", width=60),
)


async def build(reading: Reading) -> Built:
    src = await reading.source("invoices")
    sources = [src]
    payments = await reading.source_if_pulled("payments")
    if payments is not None:
        sources.append(payments)
    # The bank evidence: the books' bank accounts, and the banks' own transactions.
    sources += await reading.connection_sources("bankAccounts")
    sources += await reading.connection_sources("banking-transactions")
    return Built(
        "Enhanced invoices",
        [Sheet("Invoices and payments", COLUMNS, _rows(reading))],
        sources,
        [("Matching", "A payment's bank transaction: same amount and currency, cleared within 7 days")],
    )


async def _rows(reading: Reading) -> AsyncIterator[Sequence[Any]]:
    page = 1
    while True:
        report = await enhanced_invoices(
            reading.session,
            reading.principal,
            str(reading.company.id),
            PageParams(page, MAX_PAGE_SIZE, None, None),
        )
        for item in report["reportItems"]:
            for row in item_rows(item):
                yield row
        if page * MAX_PAGE_SIZE >= report["reportInfo"]["totalResults"]:
            return
        page += 1


def item_rows(item: dict[str, Any]) -> list[tuple[Any, ...]]:
    """An `enhancedInvoices` item as rows: one per payment and bank transaction (or one, without)."""
    customer = item.get("customerRef") or {}
    invoice = (
        item.get("id"),
        item.get("invoiceNumber"),
        customer.get("id"),
        customer.get("customerName"),
        item.get("issueDate"),
        item.get("dueDate"),
        item.get("status"),
        item.get("currency"),
        item.get("totalAmount"),
        item.get("amountDue"),
        item.get("paidOnDate"),
    )
    rows = []
    for payment in item.get("payments") or [None]:
        paid: dict[str, Any] = payment or {}
        for bank in paid.get("bankingTransactionRefs") or [None]:
            banked: dict[str, Any] = bank or {}
            rows.append(
                (
                    *invoice,
                    paid.get("id"),
                    paid.get("date"),
                    paid.get("paymentType"),
                    paid.get("amount"),
                    paid.get("currency"),
                    paid.get("currencyRate"),
                    banked.get("id"),
                    banked.get("dataConnectionId"),
                    banked.get("accountId"),
                    banked.get("accountName"),
                    banked.get("date"),
                    banked.get("description"),
                    banked.get("amount"),
                    banked.get("matchScore"),
                    "; ".join(banked.get("matchReasons") or []) or None,
                )
            )
    return rows


ENHANCED_INVOICES = ExcelReportType("enhancedInvoices", "Enhanced invoices", build)
