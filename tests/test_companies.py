"""Companies through the official SDK against the real server: create, read, list, change, delete."""

from __future__ import annotations

import uuid

import pytest
from codat_platform.models import errors, operations

from tests.support.server import RunningServer


def new_company(sdk, name: str = "Acme Ltd", **fields):
    return sdk.companies.create(request={"name": name, **fields})


def test_create_get_and_sanitised_name(sdk, server: RunningServer) -> None:
    company = new_company(
        sdk, "Company (Codat[1])", description="Invoice finance prospect", tags={"region": "uk"}
    )
    assert company.name == "Company Codat1"
    assert company.description == "Invoice finance prospect"
    assert company.tags == {"region": "uk"}
    assert company.redirect == f"{server.base_url}/link/company/{company.id}"
    assert company.data_connections == []
    assert uuid.UUID(company.id).version == 4 and company.id == company.id.lower()

    fetched = sdk.companies.get(request=operations.GetCompanyRequest(company_id=company.id))
    assert (
        fetched.id == company.id and fetched.name == "Company Codat1" and fetched.created == company.created
    )


def test_name_rules_and_tag_limits_are_enforced(sdk) -> None:
    for body in (
        {"name": ""},
        {"name": "((()))"},
        {"name": "Fine", "tags": {f"k{i}": "v" for i in range(11)}},
        {"name": "Fine", "tags": {"k" * 28: "v"}},
        {"name": "Fine", "tags": {"k": "v" * 101}},
    ):
        with pytest.raises(errors.ErrorMessage) as raised:
            sdk.companies.create(request=body)
        assert raised.value.status_code == 400
        assert raised.value.data.status_code == 400
    # The limits themselves are allowed.
    company = new_company(sdk, "Fine", tags={**{f"k{i}": "v" for i in range(9)}, "k" * 27: "v" * 100})
    assert len(company.tags) == 10


def test_unknown_and_malformed_ids_are_404(sdk) -> None:
    for company_id in (str(uuid.uuid4()), "not-a-uuid"):
        with pytest.raises(errors.ErrorMessage) as raised:
            sdk.companies.get(request=operations.GetCompanyRequest(company_id=company_id))
        assert raised.value.status_code == 404
        assert raised.value.data.error == f"No company was found with ID {company_id}"
        assert raised.value.data.correlation_id


def test_replace_clears_what_is_omitted_and_update_skips_nulls(sdk) -> None:
    company = new_company(sdk, "Before", description="old", tags={"team": "a"})

    replaced = sdk.companies.replace(
        request=operations.ReplaceCompanyRequest(
            company_id=company.id, company_request_body={"name": "After"}
        )
    )
    assert replaced.name == "After" and replaced.description is None and replaced.tags == {}

    updated = sdk.companies.update(
        request=operations.UpdateCompanyRequest(
            company_id=company.id, company_update_request={"description": "new", "tags": {"team": "b"}}
        )
    )
    assert updated.name == "After" and updated.description == "new" and updated.tags == {"team": "b"}

    # PATCH with nothing changes nothing; an explicit empty `tags` clears them.
    same = sdk.companies.update(
        request=operations.UpdateCompanyRequest(company_id=company.id, company_update_request={})
    )
    assert same.description == "new" and same.tags == {"team": "b"}
    cleared = sdk.companies.update(
        request=operations.UpdateCompanyRequest(company_id=company.id, company_update_request={"tags": {}})
    )
    assert cleared.tags == {} and cleared.description == "new"


def test_raw_patch_with_null_tags_clears_them(api, sdk) -> None:
    company = new_company(sdk, "Null tags", tags={"x": "y"})
    response = api.patch(f"/companies/{company.id}", json={"name": None, "tags": None})
    assert response.status_code == 200
    assert response.json()["tags"] == {} and response.json()["name"] == "Null tags"


def test_list_paging_links_query_order_and_tags(sdk) -> None:
    run = uuid.uuid4().hex[:12]
    names = ["Delta", "alpha", "Charlie", "Bravo", "Echo"]
    for index, name in enumerate(names):
        new_company(sdk, f"{name} {run}", tags={"run": run, "parity": "even" if index % 2 == 0 else "odd"})

    page = sdk.companies.list(request=operations.ListCompaniesRequest(tags=f"run={run}", page=2, page_size=2))
    assert (
        page.total_results == 5 and page.page_number == 2 and page.page_size == 2 and len(page.results) == 2
    )
    links = page.links
    assert links.self_.href == "/companies"
    assert "page=2" in links.current.href and "pageSize=2" in links.current.href
    assert "page=3" in links.next.href and "page=1" in links.previous.href
    # Creation order is the default order.
    assert [c.name.split()[0] for c in page.results] == ["Charlie", "Bravo"]

    last = sdk.companies.list(request=operations.ListCompaniesRequest(tags=f"run={run}", page=3, page_size=2))
    assert len(last.results) == 1 and last.links.next is None

    ordered = sdk.companies.list(request=operations.ListCompaniesRequest(tags=f"run={run}", order_by="-name"))
    assert [c.name.split()[0] for c in ordered.results] == sorted(
        [c.name.split()[0] for c in ordered.results], reverse=True
    )

    found = sdk.companies.list(request=operations.ListCompaniesRequest(query=f"name~charlie {run}"))
    assert [c.name for c in found.results] == [f"Charlie {run}"]

    either = sdk.companies.list(
        request=operations.ListCompaniesRequest(
            tags=f"run={run} && parity=even", query=f"{{name=Delta {run} || name=Echo {run}}}"
        )
    )
    assert sorted(c.name for c in either.results) == [f"Delta {run}", f"Echo {run}"]

    odd = sdk.companies.list(request=operations.ListCompaniesRequest(tags=f"run={run}&&parity!=even"))
    assert odd.total_results == 2


def test_query_errors_are_codat_400s(sdk) -> None:
    cases = {
        "name=": "Error parsing query - Malformed query.",
        "{name=a": "Error parsing query - Malformed query.",
        "isCompleted=true": "Error parsing query - Could not resolve property isCompleted on Company",
    }
    for query, message in cases.items():
        with pytest.raises(errors.ErrorMessage) as raised:
            sdk.companies.list(request=operations.ListCompaniesRequest(query=query))
        assert raised.value.status_code == 400
        assert raised.value.data.error == message
    with pytest.raises(errors.ErrorMessage) as raised:
        sdk.companies.list(request=operations.ListCompaniesRequest(order_by="-nope"))
    assert raised.value.status_code == 400


def test_out_of_range_numbers_are_400(api) -> None:
    response = api.get("/integrations", params={"query": "key=mqjo"})
    assert response.status_code == 200
    response = api.get(
        "/companies/00000000-0000-0000-0000-000000000000/data/history", params={"query": "progress<1e999999"}
    )
    assert response.status_code == 404  # the company is checked first
    company = api.post("/companies", json={"name": "Numbers"}).json()
    response = api.get(f"/companies/{company['id']}/data/history", params={"query": "progress<1e999999"})
    assert response.status_code == 400 and "not a valid value" in response.json()["error"]


def test_double_encoded_query(api, sdk) -> None:
    company = new_company(sdk, "Double encoded")
    response = api.get(f"/companies?query=id%253D{company.id}")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [company.id]


def test_paging_parameters_are_checked(api) -> None:
    for params in ({"page": "0"}, {"pageSize": "5001"}, {"page": "x"}):
        response = api.get("/companies", params=params)
        assert response.status_code == 400, params
        assert response.headers["content-type"] == "application/json"
        assert response.json()["statusCode"] == 400


def test_legacy_platform_type(api) -> None:
    response = api.post("/companies", json={"name": "Legacy", "platformType": "mqjo"})
    assert response.status_code == 200 and response.json()["platform"] == "mqjo"
    assert api.post("/companies", json={"name": "Legacy", "platformType": "zzzz"}).status_code == 400


def test_delete_company_purges_connections(sdk, db) -> None:
    from sqlalchemy import text

    company = new_company(sdk, "To delete")
    connection = sdk.connections.create(
        request=operations.CreateConnectionRequest(
            company_id=company.id, request_body=operations.CreateConnectionRequestBody(platform_key="mqjo")
        )
    )
    assert sdk.companies.delete(request=operations.DeleteCompanyRequest(company_id=company.id)) is None
    with pytest.raises(errors.ErrorMessage) as raised:
        sdk.companies.get(request=operations.GetCompanyRequest(company_id=company.id))
    assert raised.value.status_code == 404
    remaining = db.execute(
        text("SELECT count(*) FROM connections WHERE id = :id"), {"id": connection.id}
    ).scalar()
    assert remaining == 0
    with pytest.raises(errors.ErrorMessage) as raised:
        sdk.companies.delete(request=operations.DeleteCompanyRequest(company_id=company.id))
    assert raised.value.status_code == 404


def test_company_events_are_written_to_the_outbox(sdk, db) -> None:
    from sqlalchemy import text

    company = new_company(sdk, "Evented")
    sdk.companies.delete(request=operations.DeleteCompanyRequest(company_id=company.id))
    rows = db.execute(
        text("SELECT event_type, payload FROM events WHERE company_id = :id ORDER BY generated_at"),
        {"id": company.id},
    ).all()
    assert [row.event_type for row in rows] == ["company.created", "company.deleted"]
    assert rows[0].payload["id"] == company.id and rows[0].payload["name"] == "Evented"


def test_access_tokens(sdk) -> None:
    company = new_company(sdk, "Token")
    token = sdk.companies.get_access_token(
        request=operations.GetCompanyAccessTokenRequest(company_id=company.id)
    )
    assert token.expires_in == 86400 and token.token_type == "Bearer" and len(token.access_token) > 40
    management = sdk.connection_management.get(
        request=operations.GetConnectionManagementAccessTokenRequest(company_id=company.id)
    )
    assert management.access_token
