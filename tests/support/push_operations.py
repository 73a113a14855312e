"""Push operations as tests through the real server wait on them, and the money they compare: one waiter for
every test that pushes over HTTP (`tests/support/loan_writeback.py` waits the same way through the SDK)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.waits import wait_until


def money(value: Any) -> int:
    """An amount of Codat's JSON in pence, so that amounts compare exactly (no float sums)."""
    return round(float(value) * 100)


def ended(operation: dict[str, Any]) -> dict[str, Any] | None:
    """The push operation once it has ended (no longer `Pending`), else None."""
    return operation if operation["status"] != "Pending" else None


def wait_for_push(api: httpx.Client, company_id: str, key: str, timeout: float = 60) -> dict[str, Any]:
    """Poll `GET /companies/{id}/push/{key}` until the operation is no longer Pending, and return it."""

    def operation() -> dict[str, Any] | None:
        answer = api.get(f"/companies/{company_id}/push/{key}")
        assert answer.status_code == 200, answer.text
        return ended(answer.json())

    return wait_until(operation, timeout, f"push {key} to end (still Pending)")
