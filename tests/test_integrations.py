"""Integrations through the official SDK: listed from the connector registry, with branding and logos."""

from __future__ import annotations

import pytest
from codat_platform.models import errors, operations

from ledgerlink.records.registry import DATA_TYPES, SourceType


def test_sandbox_is_listed_with_its_data_types(sdk, server) -> None:
    page = sdk.integrations.list(request=operations.ListIntegrationsRequest())
    sandbox = next(i for i in page.results if i.key == "mqjo")
    assert sandbox.name == "Sandbox" and sandbox.enabled is True
    assert sandbox.source_type.value == "Accounting"
    assert sandbox.logo_url == f"{server.base_url}/static/integrations/mqjo/logo.svg"
    listed = {feature.data_type.value for feature in sandbox.datatype_features}
    accounting = {d.key for d in DATA_TYPES if d.source_type is SourceType.ACCOUNTING}
    assert {"invoices", "chartOfAccounts", "balanceSheet", "company"} <= listed <= accounting
    assert all(f.supported_features[0].feature_type.value == "Get" for f in sandbox.datatype_features)


def test_query_get_and_branding(sdk, api) -> None:
    found = sdk.integrations.list(
        request=operations.ListIntegrationsRequest(query="sourceType=Accounting&&key=mqjo")
    )
    assert [i.key for i in found.results] == ["mqjo"]
    none = sdk.integrations.list(request=operations.ListIntegrationsRequest(query="sourceType=Expense"))
    assert none.total_results == 0 and none.results == []

    integration = sdk.integrations.get(request=operations.GetIntegrationRequest(platform_key="mqjo"))
    branding = sdk.integrations.get_branding(
        request=operations.GetIntegrationsBrandingRequest(platform_key="mqjo")
    )
    assert branding.source_id == integration.source_id
    logo = api.get(branding.logo.full.image.src)
    assert logo.status_code == 200 and logo.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in logo.content and api.get(branding.button.hover.image.src).status_code == 200

    # The /config forms answer the same.
    assert api.get("/config/integrations/mqjo").json() == api.get("/integrations/mqjo").json()
    assert api.get("/config/integrations/mqjo/branding").json()["sourceId"] == integration.source_id
    assert api.get("/config/integrations", params={"query": "key=mqjo"}).json()["totalResults"] == 1


def test_unknown_integration_is_404(sdk, api) -> None:
    with pytest.raises(errors.ErrorMessage) as raised:
        sdk.integrations.get(request=operations.GetIntegrationRequest(platform_key="zzzz"))
    assert raised.value.status_code == 404
    assert api.get("/static/integrations/zzzz/logo.svg").status_code == 404


def test_enabled_says_whether_customers_can_use_it(sdk, api) -> None:
    """This server's environment sets no app credentials: the platforms that need them are not enabled (the
    sandboxes, needing none, are), and `query=enabled=...` filters on the same rule."""
    enabled = sdk.integrations.list(request=operations.ListIntegrationsRequest(query="enabled=true"))
    assert {i.key for i in enabled.results} == {"mqjo", "qhnd", "aiwb"}
    disabled = sdk.integrations.list(request=operations.ListIntegrationsRequest(query="enabled=false"))
    assert {i.key for i in disabled.results} == {"gbol", "suuo", "qhyg", "ndsk"}
    assert all(i.enabled is False for i in disabled.results)
    xero = sdk.integrations.get(request=operations.GetIntegrationRequest(platform_key="gbol"))
    assert xero.enabled is False and xero.name == "Xero"
    # A connection to it is refused, saying what is missing.
    company = api.post("/companies", json={"name": "Wants Xero Ltd"}).json()
    refused = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "gbol"})
    assert refused.status_code == 400
    assert "set up its app credentials in the Portal first" in refused.json()["error"]
    assert api.get(f"/companies/{company['id']}/connections").json()["results"] == []
