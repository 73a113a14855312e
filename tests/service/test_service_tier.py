"""The service tier's own promise: a test starts from a database holding nothing another test wrote."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.clients.models import Client
from ledgerlink.companies.models import Company
from tests.support.rows import company_with
from tests.support.service_tier import new_principal

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("turn", [1, 2])
async def test_each_test_starts_from_nothing_and_leaves_nothing(session: AsyncSession, turn: int) -> None:
    # Whichever turn runs second (and any other service test before it) wrote a company and committed:
    # it was rolled back with the test's transaction.
    assert await session.scalar(select(func.count()).select_from(Company)) == 0
    assert await session.scalar(select(func.count()).select_from(Client)) == 0
    principal = await new_principal(session)
    await company_with(session, principal.client_id, ("mqjo", "Linked"))
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(Company)) == 1
