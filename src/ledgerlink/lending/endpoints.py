"""Codat's Lending API: one router gathering each area's."""

from __future__ import annotations

from fastapi import APIRouter

from ledgerlink.lending import receivables_endpoints

router = APIRouter()
router.include_router(receivables_endpoints.router)
