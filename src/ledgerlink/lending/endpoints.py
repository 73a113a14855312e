"""Codat's Lending API: one router gathering each area's."""

from __future__ import annotations

from fastapi import APIRouter

from ledgerlink.lending import receivables_endpoints
from ledgerlink.lending.categories import endpoints as categories

router = APIRouter()
router.include_router(categories.router)
router.include_router(categories.assess)
router.include_router(receivables_endpoints.router)
