"""Companies' rules (`companies.service`): a client reaches only its own companies, however it asks; Codat's
update (an absent field left alone, null tags cleared) beside replace (what is omitted cleared)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service
from ledgerlink.companies.schemas import CompanyCreate, CompanyReplace, CompanyUpdate
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import NotFound
from ledgerlink.kit.pagination import PageParams
from ledgerlink.kit.urls import PublicUrls
from tests.support.service_tier import new_principal

pytestmark = pytest.mark.anyio

URLS = PublicUrls("http://ledgerlink.test")


async def test_a_client_reaches_only_its_own_companies(session: AsyncSession, principal: Principal) -> None:
    other = await new_principal(session)
    theirs = await service.create(session, other, CompanyCreate(name="Theirs Ltd"), URLS)
    mine = await service.create(session, principal, CompanyCreate(name="Mine Ltd"), URLS)

    assert (await service.get(session, principal, str(mine.id))).id == mine.id
    listed, total = await service.list_companies(
        session, principal, PageParams(page=1, page_size=100, query=None, order_by=None), None
    )
    assert [c.id for c in listed] == [mine.id] and total == 1
    for attempt in (
        lambda: service.get(session, principal, str(theirs.id)),
        lambda: service.update(session, principal, str(theirs.id), CompanyUpdate(name="Taken")),
        lambda: service.replace(session, principal, str(theirs.id), CompanyReplace(name="Taken")),
        lambda: service.delete(session, principal, str(theirs.id), URLS),
    ):
        with pytest.raises(NotFound) as refused:
            await attempt()
        # The same answer as for a company that does not exist: nothing says it does.
        assert refused.value.message == f"No company was found with ID {theirs.id}"
    assert (await service.get(session, other, str(theirs.id))).name == "Theirs Ltd"


@pytest.mark.parametrize("company_id", [str(uuid.uuid4()), "not-a-uuid", ""])
async def test_unknown_and_malformed_ids_are_not_found(
    session: AsyncSession, principal: Principal, company_id: str
) -> None:
    with pytest.raises(NotFound) as refused:
        await service.get(session, principal, company_id)
    assert refused.value.message == f"No company was found with ID {company_id}"


async def test_update_leaves_what_is_absent_and_replace_clears_it(
    session: AsyncSession, principal: Principal
) -> None:
    created = await service.create(
        session, principal, CompanyCreate(name="Acme", description="First", tags={"region": "uk"}), URLS
    )
    company_id = str(created.id)
    renamed = await service.update(session, principal, company_id, CompanyUpdate(name="Acme Two"))
    assert (renamed.name, renamed.description, renamed.tags) == ("Acme Two", "First", {"region": "uk"})
    cleared = await service.update(
        session, principal, company_id, CompanyUpdate.model_validate({"tags": None})
    )
    assert (cleared.name, cleared.description, cleared.tags) == ("Acme Two", "First", {})
    replaced = await service.replace(session, principal, company_id, CompanyReplace(name="Acme Three"))
    assert (replaced.name, replaced.description, replaced.tags) == ("Acme Three", None, {})
