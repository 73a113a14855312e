"""Profile, sync settings and the legacy one-off sync settings, through the SDK and raw HTTP."""

from __future__ import annotations

import pytest
from codat_platform.models import errors, operations, shared


@pytest.fixture
def restore_profile(sdk):
    before = sdk.settings.get_profile()
    yield before
    sdk.settings.update_profile(request=before)


def test_profile_round_trip(sdk, restore_profile) -> None:
    assert restore_profile.name
    updated = sdk.settings.update_profile(
        request=shared.Profile(
            name="Bank of Dave",
            redirect_url="https://bank.example/{companyId}?status={statusCode}",
            logo_url="https://bank.example/logo.png",
            white_list_urls=["https://bank.example"],
        )
    )
    assert updated.name == "Bank of Dave" and updated.redirect_url.startswith("https://bank.example/")
    again = sdk.settings.get_profile()
    assert again.logo_url == "https://bank.example/logo.png" and again.white_list_urls == [
        "https://bank.example"
    ]


def test_profile_requires_name_and_redirect(api) -> None:
    response = api.put("/profile", json={"name": "No redirect"})
    assert (
        response.status_code == 400 and response.json()["validation"]["errors"][0]["itemId"] == "redirectUrl"
    )


def test_profile_sync_settings(sdk, api) -> None:
    current = sdk.settings.get_sync_settings()
    by_type = {s.data_type.value: s for s in current.settings}
    assert by_type["invoices"].fetch_on_first_link is True and by_type["invoices"].sync_schedule == 24
    assert by_type["balanceSheet"].months_to_sync == 24
    assert len(by_type) == len(current.settings) == 43

    sdk.settings.update_sync_settings(
        request={
            "client_id": current.client_id,
            "settings": [
                {
                    "data_type": "invoices",
                    "fetch_on_first_link": False,
                    "sync_schedule": 168,
                    "sync_order": 1,
                },
                {
                    "data_type": "bills",
                    "fetch_on_first_link": True,
                    "sync_schedule": 1,
                    "sync_order": 2,
                    "sync_from_window": 12,
                },
            ],
            "overrides_defaults": True,
        }
    )
    after = {s.data_type.value: s for s in sdk.settings.get_sync_settings().settings}
    assert after["invoices"].fetch_on_first_link is False and after["invoices"].sync_schedule == 168
    assert after["bills"].sync_from_window == 12
    assert after["customers"].sync_schedule == 24  # untouched types keep their defaults

    bad = api.post(
        "/profile/syncSettings",
        json={
            "clientId": current.client_id,
            "overridesDefaults": True,
            "settings": [
                {"dataType": "notAType", "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 0}
            ],
        },
    )
    assert bad.status_code == 400
    assert {s.data_type.value: s for s in sdk.settings.get_sync_settings().settings}[
        "invoices"
    ].sync_schedule == 168
    # Put the defaults back for other tests.
    api.post(
        "/profile/syncSettings",
        json={"clientId": current.client_id, "settings": [], "overridesDefaults": False},
    )


def test_company_sync_settings(sdk) -> None:
    company = sdk.companies.create(request={"name": "Own settings"})
    inherited = sdk.companies.get_company_sync_settings(
        request=operations.GetCompanySyncSettingsRequest(company_id=company.id)
    )
    assert inherited.company_id == company.id and inherited.overrides_defaults is False
    sdk.companies.set_company_sync_settings(
        request=operations.SetCompanySyncSettingsRequest(
            company_id=company.id,
            request_body={
                "company_id": company.id,
                "settings": [
                    {
                        "data_type": "payments",
                        "fetch_on_first_link": False,
                        "sync_schedule": 720,
                        "sync_order": 0,
                    }
                ],
                "overrides_defaults": True,
            },
        )
    )
    own = sdk.companies.get_company_sync_settings(
        request=operations.GetCompanySyncSettingsRequest(company_id=company.id)
    )
    payments = next(s for s in own.settings if s.data_type.value == "payments")
    assert (
        own.overrides_defaults is True
        and payments.sync_schedule == 720
        and payments.fetch_on_first_link is False
    )

    with pytest.raises(errors.ErrorMessage) as raised:
        sdk.companies.get_company_sync_settings(
            request=operations.GetCompanySyncSettingsRequest(
                company_id="5d9f3a55-3b61-4c5e-a6d1-4a5cc2aa8b2b"
            )
        )
    assert raised.value.status_code == 404


def test_legacy_one_time_sync_settings(api, sdk) -> None:
    client = api.get("/settings").json()
    assert client["oneTimeSync"] == "Disabled" and client["clientId"]
    integration_id = sdk.integrations.get(
        request=operations.GetIntegrationRequest(platform_key="mqjo")
    ).integration_id
    url = f"/settings/integrations/{integration_id}"
    try:
        assert api.patch("/settings", json={"oneTimeSync": "Enabled"}).json()["oneTimeSync"] == "Enabled"
        # The integration follows the client until it has its own value.
        assert api.get(url).json() == {
            "clientId": client["clientId"],
            "integrationId": integration_id,
            "oneTimeSync": "Enabled",
        }
        assert api.patch(url, json={"oneTimeSync": "Disabled"}).json()["oneTimeSync"] == "Disabled"
        assert api.get(url).json()["oneTimeSync"] == "Disabled"
        assert api.patch(url, json={"oneTimeSync": None}).json()["oneTimeSync"] == "Enabled"
        assert api.patch("/settings", json={"oneTimeSync": "Sometimes"}).status_code == 400
        assert api.get("/settings/integrations/5d9f3a55-3b61-4c5e-a6d1-4a5cc2aa8b2b").status_code == 404
    finally:
        api.patch("/settings", json={"oneTimeSync": "Disabled"})
        api.patch(url, json={"oneTimeSync": None})
