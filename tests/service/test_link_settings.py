"""Link settings in layers (`settings.link_settings`): the client's replace the defaults, a company's
override the client's, another client's are not seen, and a visit resolves them in one place; refused
settings store nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import BadRequest
from ledgerlink.settings import link_settings
from ledgerlink.settings.link_settings import LinkSettingsBody
from tests.support.rows import company_with
from tests.support.service_tier import new_principal

pytestmark = pytest.mark.anyio


def body(document: dict) -> LinkSettingsBody:
    return LinkSettingsBody.model_validate(document)


async def test_a_visit_uses_the_companys_overrides_over_the_clients_settings(
    session: AsyncSession, principal: Principal
) -> None:
    company, _ = await company_with(session, principal.client_id)
    await link_settings.save(
        session,
        principal.client_id,
        None,
        body(
            {
                "sourceTypes": {"commerce": {}, "accounting": {"optional": True}},
                "theme": {"primaryColor": "#112233"},
            }
        ),
    )
    await link_settings.save(
        session,
        principal.client_id,
        company.id,
        body({"showLandingPage": True, "text": {"en": {"main.title": "Hi"}}}),
    )
    visit = await link_settings.for_visit(session, principal.client_id, company.id)
    assert [(s.key, s.optional) for s in visit.steps] == [("commerce", False), ("accounting", True)]
    assert (
        visit.show_landing_page
        and visit.primary_color == "#112233"
        and visit.text == {"en": {"main.title": "Hi"}}
    )

    # Another client sees none of it; clearing the overrides leaves the client's.
    other = await new_principal(session)
    assert await link_settings.profile_settings(session, other.client_id) == link_settings.merged(None, None)
    await link_settings.clear_company(session, principal.client_id, company.id)
    own, effective = await link_settings.company_settings(session, principal.client_id, company.id)
    assert (
        own == {}
        and effective["showLandingPage"] is False
        and list(effective["sourceTypes"])
        == [
            "commerce",
            "accounting",
        ]
    )


async def test_refused_settings_store_nothing(session: AsyncSession, principal: Principal) -> None:
    with pytest.raises(BadRequest) as refused:
        await link_settings.save(
            session,
            principal.client_id,
            None,
            body(
                {
                    "sourceTypes": {"banking": {"allowedIntegrations": ["qhnd", "nope"]}},
                    "text": {"en": {"x": "y"}},
                }
            ),
        )
    items = [item["itemId"] for item in refused.value.validation_errors or []]
    assert items == ["sourceTypes.banking.allowedIntegrations.1", "text.en.x"]
    assert await link_settings.profile_settings(session, principal.client_id) == link_settings.merged(
        None, None
    )
