"""Codat's Lending API: one router gathering each area's."""

from __future__ import annotations

from fastapi import APIRouter

from ledgerlink.lending.categories import endpoints as categories

router = APIRouter()
router.include_router(categories.router)
router.include_router(categories.assess)
