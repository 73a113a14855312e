"""Sync settings in layers (`settings.service`): the defaults, the client's profile over them, a company's own
over the profile only while it overrides the defaults; the schedules the scheduler reads follow the same
layering; and a client's settings are its own."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import BadRequest
from ledgerlink.settings import service
from ledgerlink.settings.schemas import SyncSettingBody
from tests.support.rows import company_with
from tests.support.service_tier import new_principal

pytestmark = pytest.mark.anyio


def setting(data_type: str, schedule: int, *, first_link: bool = True, order: int = 0) -> SyncSettingBody:
    return SyncSettingBody.model_validate(
        {"dataType": data_type, "fetchOnFirstLink": first_link, "syncSchedule": schedule, "syncOrder": order}
    )


def by_type(settings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["dataType"]: s for s in settings}


async def test_a_company_follows_its_own_settings_only_while_they_override_the_profile(
    session: AsyncSession, principal: Principal
) -> None:
    company, _ = await company_with(session, principal.client_id)
    defaults = service.default_settings()
    effective, overrides = await service.company_settings(session, principal.client_id, company.id)
    assert by_type(effective) == defaults and overrides is False

    await service.save(
        session, principal.client_id, None, [setting("invoices", 6), setting("bills", 12)], True
    )
    await service.save(session, principal.client_id, company.id, [setting("invoices", 1)], True)
    effective, overrides = await service.company_settings(session, principal.client_id, company.id)
    mine = by_type(effective)
    assert overrides is True
    assert mine["invoices"]["syncSchedule"] == 1  # its own
    assert mine["bills"]["syncSchedule"] == 12  # the profile's, under its own
    assert mine["customers"] == defaults["customers"]  # the defaults, under both
    schedules = await service.schedules(session, [(principal.client_id, company.id)])
    assert schedules[company.id] == {key: s["syncSchedule"] for key, s in mine.items()}

    # Saved again without overriding: the company follows the profile, its own kept for later.
    await service.save(session, principal.client_id, company.id, [setting("invoices", 1)], False)
    effective, overrides = await service.company_settings(session, principal.client_id, company.id)
    assert overrides is False and by_type(effective)["invoices"]["syncSchedule"] == 6
    schedules = await service.schedules(session, [(principal.client_id, company.id)])
    assert schedules[company.id]["invoices"] == 6 and schedules[company.id]["bills"] == 12


async def test_schedules_layer_many_companies_of_many_clients_at_once(
    session: AsyncSession, principal: Principal
) -> None:
    other = await new_principal(session)
    (mine, _), (theirs, _), (plain, _) = [
        await company_with(session, owner.client_id) for owner in (principal, other, principal)
    ]
    await service.save(session, principal.client_id, None, [setting("invoices", 3)], True)
    await service.save(session, other.client_id, theirs.id, [setting("invoices", 0)], True)
    await service.save(session, principal.client_id, mine.id, [setting("bills", 48)], True)

    pairs = [(principal.client_id, mine.id), (other.client_id, theirs.id), (principal.client_id, plain.id)]
    schedules = await service.schedules(session, pairs)
    for client_id, company_id in pairs:
        effective, _ = await service.company_settings(session, client_id, company_id)
        assert schedules[company_id] == {s["dataType"]: s["syncSchedule"] for s in effective}
    assert (schedules[mine.id]["invoices"], schedules[mine.id]["bills"]) == (3, 48)
    assert schedules[theirs.id]["invoices"] == 0  # never; the other client's profile is not this one's
    assert schedules[theirs.id]["bills"] == service.DEFAULT_SYNC_SCHEDULE_HOURS
    assert schedules[plain.id]["invoices"] == 3


async def test_a_data_type_may_appear_once(session: AsyncSession, principal: Principal) -> None:
    with pytest.raises(BadRequest) as refused:
        await service.save(
            session, principal.client_id, None, [setting("invoices", 1), setting("invoices", 2)], True
        )
    assert refused.value.message == "Each data type may appear only once in settings."
    profile, overrides = await service.profile_settings(session, principal.client_id)
    assert by_type(profile) == service.default_settings() and overrides is False
