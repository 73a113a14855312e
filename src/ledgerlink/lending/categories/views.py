"""The API's shapes of categories: Codat's older Assess objects, the enhanced reports' `accountCategory`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledgerlink.kit.clock import iso
from ledgerlink.lending.categories import taxonomy
from ledgerlink.lending.categories.models import CategoryChange
from ledgerlink.lending.categories.service import CategorizedAccount
from ledgerlink.lending.categories.suggestions import CategoryLevel


def account_category(status: str, levels: Sequence[CategoryLevel]) -> dict[str, Any]:
    """The enhanced reports' `accountCategory`: the status and the levels, a confidence on suggested ones."""
    return {
        "status": status,
        "levels": [
            {
                "levelName": level.name,
                **({"confidence": level.confidence} if level.confidence is not None else {}),
            }
            for level in levels
        ],
    }


def assess_category(path: Sequence[str]) -> dict[str, Any] | None:
    """Codat's older three-part category (`type`, `subtype`, `detailType`) for a path of up to five levels:
    the levels below the second are the `detailType`, dotted (`Leases.BuildingRentLease`)."""
    if not path:
        return None
    shown: dict[str, Any] = {"type": path[0]}
    if len(path) > 1:
        shown["subtype"] = path[1]
    if len(path) > 2:
        shown["detailType"] = ".".join(path[2:])
    return shown


def path_of(category: dict[str, Any] | None) -> tuple[str, ...] | None:
    """The taxonomy path a three-part category names (the inverse of `assess_category`); None for none."""
    if category is None:
        return None
    parts = [category.get("type"), category.get("subtype"), category.get("detailType")]
    path: list[str] = []
    for part in parts:
        if part is None or not str(part).strip():
            break
        path += [p.strip() for p in str(part).split(".")]
    # A part after a missing one (a detail type without a subtype) is not a path: keep it visible.
    if len(path) < sum(1 for p in parts if p):
        return (*path, "")
    return tuple(path)


def available_category(category: taxonomy.Category) -> dict[str, Any]:
    """An entry of `GET /data/assess/accounts/categories`."""
    subtype = taxonomy.lookup(category.path[:2])
    shown = assess_category(category.path) or {}
    if subtype is not None:
        shown["subtypeDisplayName"] = subtype.display_name
    if len(category.path) > 2:
        shown["detailTypeDisplayName"] = category.display_name
        shown["detailTypeDescription"] = category.description
    return shown


def categorised_account(account: CategorizedAccount) -> dict[str, Any]:
    """Codat's `CategorisedAccount`, with ledgerlink's `accountCategory` (the category shown, with its
    confidence) and `reason` (the rules that matched, or the analyst's reason)."""
    modified = account.confirmed_at
    return {
        "accountRef": {"id": account.account_id, "name": account.name},
        "suggested": assess_category(account.suggestion.path),
        "confirmed": assess_category(account.path) if account.status == "Confirmed" else None,
        "modifiedDate": iso(modified) if modified is not None else account.record.get("modifiedDate"),
        "accountCategory": account_category(account.status, account.levels),
        "reason": account.reason,
    }


def change_view(change: CategoryChange) -> dict[str, Any]:
    """One audit entry: who (`ApiKey` or `PortalOperator`, the client and key), when, from what, to what."""
    return {
        "id": str(change.id),
        "accountId": change.account_id,
        "changedDate": iso(change.changed_at),
        "changedBy": {
            "type": change.actor,
            "clientId": str(change.client_id),
            "apiKeyId": str(change.api_key_id) if change.api_key_id else None,
        },
        "from": {"status": change.from_status, "category": assess_category(change.from_levels)},
        "to": {
            "status": "Confirmed" if change.to_levels is not None else "Suggested",
            "category": assess_category(change.to_levels) if change.to_levels is not None else None,
        },
        "reason": change.reason,
    }
