"""Codat's Lending API: one router gathering each area's."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
