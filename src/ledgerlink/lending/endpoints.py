"""Codat's Lending API: one router gathering each area's."""

from __future__ import annotations

from fastapi import APIRouter

from ledgerlink.lending import report_types
from ledgerlink.lending.bank_statement import endpoints as bank_statement
from ledgerlink.lending.categories import endpoints as categories
from ledgerlink.lending.commerce_metrics.endpoints import router as commerce_metrics_router
from ledgerlink.lending.credit_model.endpoints import router as credit_model_router
from ledgerlink.lending.excel import endpoints as excel
from ledgerlink.lending.integrity.endpoints import router as integrity_router
from ledgerlink.lending.liabilities.endpoints import router as liabilities_router
from ledgerlink.lending.receivables import endpoints as receivables
from ledgerlink.lending.reports.endpoints import router as reports_router

router = APIRouter()
router.include_router(categories.router)
router.include_router(categories.assess)
router.include_router(receivables.router)
report_types.register_all()
router.include_router(reports_router)
router.include_router(credit_model_router)
router.include_router(excel.router)
router.include_router(commerce_metrics_router)
router.include_router(bank_statement.router)
router.include_router(bank_statement.categories)
router.include_router(integrity_router)
router.include_router(liabilities_router)
