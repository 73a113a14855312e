"""Connections through the official SDK: create, list, link on the customer's behalf, unlink, delete."""

from __future__ import annotations

import uuid

import pytest
from codat_platform.models import errors, operations, shared
from sqlalchemy import text

from tests.support.server import RunningServer


@pytest.fixture
def company(sdk):
    return sdk.companies.create(request={"name": f"Connections {uuid.uuid4().hex[:8]}"})


def create(sdk, company_id: str, key: str = "mqjo"):
    return sdk.connections.create(
        request=operations.CreateConnectionRequest(
            company_id=company_id, request_body=operations.CreateConnectionRequestBody(platform_key=key)
        )
    )


def authorize(sdk, company_id: str, connection_id: str, body: dict):
    return sdk.connections.update_authorization(
        request=operations.UpdateConnectionAuthorizationRequest(
            company_id=company_id, connection_id=connection_id, request_body=body
        )
    )


def unlink(sdk, company_id: str, connection_id: str):
    return sdk.connections.unlink(
        request=operations.UnlinkConnectionRequest(
            company_id=company_id,
            connection_id=connection_id,
            update_connection_status=shared.UpdateConnectionStatus(
                status=shared.DataConnectionStatus.UNLINKED
            ),
        )
    )


def rejected(raised: pytest.ExceptionInfo, status: int) -> dict:
    """A Codat error body. For statuses Codat's spec leaves undocumented on an operation (400 on unlink or
    create-connection), the SDK raises its generic SDKError carrying the same body."""
    import json

    assert raised.value.status_code == status
    body = json.loads(raised.value.body)
    assert body["statusCode"] == status and body["correlationId"]
    return body


def test_create_is_pending_with_link_url(sdk, company, server: RunningServer) -> None:
    connection = create(sdk, company.id)
    assert connection.status == shared.DataConnectionStatus.PENDING_AUTH
    assert connection.integration_key == "mqjo" and connection.platform_name == "Sandbox"
    assert connection.source_type == shared.SourceType.ACCOUNTING
    assert (
        connection.link_url
        == f"{server.base_url}/link/companies/{company.id}/connections/{connection.id}/start"
    )
    integration = sdk.integrations.get(request=operations.GetIntegrationRequest(platform_key="mqjo"))
    assert (
        connection.integration_id == integration.integration_id
        and connection.source_id == integration.source_id
    )

    fetched = sdk.companies.get(request=operations.GetCompanyRequest(company_id=company.id))
    assert [c.id for c in fetched.data_connections] == [connection.id]


def test_legacy_bare_string_body(api, company) -> None:
    response = api.post(f"/companies/{company.id}/connections", json="mqjo")
    assert response.status_code == 200
    assert response.json()["status"] == "PendingAuth" and response.json()["integrationKey"] == "mqjo"


def test_bad_create_bodies(api, company, sdk) -> None:
    with pytest.raises(errors.ErrorMessage) as raised:
        create(sdk, company.id, "zzzz")
    assert raised.value.status_code == 404
    for body in ({}, {"platformKey": 5}, ["mqjo"]):
        response = api.post(f"/companies/{company.id}/connections", json=body)
        assert response.status_code == 400 and response.json()["statusCode"] == 400
    response = api.post(
        f"/companies/{company.id}/connections",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert (
        sdk.companies.get(request=operations.GetCompanyRequest(company_id=company.id)).data_connections == []
    )


def test_link_unlink_relink_and_the_status_machine(sdk, company, db) -> None:
    connection = create(sdk, company.id)
    with pytest.raises(errors.SDKError) as raised:
        unlink(sdk, company.id, connection.id)  # only a Linked connection can be unlinked
    assert "Only a Linked connection" in rejected(raised, 400)["error"]

    linked = authorize(sdk, company.id, connection.id, {"username": "demo", "password": "s3cret-value"})
    assert linked.status == shared.DataConnectionStatus.LINKED

    unlinked = unlink(sdk, company.id, connection.id)
    assert unlinked.status == shared.DataConnectionStatus.UNLINKED
    # Still readable after unlinking.
    got = sdk.connections.get(
        request=operations.GetConnectionRequest(company_id=company.id, connection_id=connection.id)
    )
    assert got.status == shared.DataConnectionStatus.UNLINKED

    relinked = authorize(sdk, company.id, connection.id, {"username": "demo"})
    assert relinked.status == shared.DataConnectionStatus.LINKED and relinked.id == connection.id

    events = (
        db.execute(
            text(
                "SELECT event_type FROM events WHERE company_id = :id AND event_type LIKE 'connection.%' "
                "ORDER BY generated_at"
            ),
            {"id": company.id},
        )
        .scalars()
        .all()
    )
    assert events == [
        "connection.created",
        "connection.connected",
        "connection.disconnected",
        "connection.reconnected",
    ]


def test_authorization_body_is_never_stored_in_clear(sdk, company, db) -> None:
    connection = create(sdk, company.id)
    secret = "pa55-" + uuid.uuid4().hex
    authorize(sdk, company.id, connection.id, {"apiKey": secret})
    sealed = db.execute(
        text("SELECT sealed_authorization FROM connections WHERE id = :id"), {"id": connection.id}
    ).scalar()
    assert sealed and secret.encode() not in bytes(sealed)
    dump = db.execute(
        text("SELECT row_to_json(c)::text FROM connections c WHERE id = :id"), {"id": connection.id}
    )
    assert secret not in dump.scalar()


def test_authorization_must_be_an_object_and_scale_valid(api, sdk, company) -> None:
    connection = create(sdk, company.id)
    url = f"/companies/{company.id}/connections/{connection.id}/authorization"
    for body in ("text", [1, 2], {"scale": 0}, {"scale": "lots"}):
        response = api.put(url, json=body)
        assert response.status_code == 400, body
    got = sdk.connections.get(
        request=operations.GetConnectionRequest(company_id=company.id, connection_id=connection.id)
    )
    assert got.status == shared.DataConnectionStatus.PENDING_AUTH
    assert api.put(url, json={"scale": 3}).json()["status"] == "Linked"


def test_list_with_query_and_paging(sdk, company) -> None:
    pending = create(sdk, company.id)
    linked = create(sdk, company.id)
    authorize(sdk, company.id, linked.id, {})
    page = sdk.connections.list(
        request=operations.ListConnectionsRequest(company_id=company.id, query="status=Linked")
    )
    assert [c.id for c in page.results] == [linked.id] and page.total_results == 1
    both = sdk.connections.list(request=operations.ListConnectionsRequest(company_id=company.id, page_size=1))
    assert both.total_results == 2 and both.results[0].id == pending.id and both.links.next is not None
    by_source = sdk.connections.list(
        request=operations.ListConnectionsRequest(
            company_id=company.id, query="sourceType=accounting&&status!=Linked"
        )
    )
    assert [c.id for c in by_source.results] == [pending.id]


def test_company_query_on_connection_status_any_and_none(sdk) -> None:
    run = uuid.uuid4().hex[:10]
    with_linked = sdk.companies.create(request={"name": "With linked", "tags": {"run": run}})
    with_pending = sdk.companies.create(request={"name": "With pending", "tags": {"run": run}})
    without = sdk.companies.create(request={"name": "Without", "tags": {"run": run}})
    authorize(sdk, with_linked.id, create(sdk, with_linked.id).id, {})
    create(sdk, with_pending.id)

    def names(query: str) -> list[str]:
        result = sdk.companies.list(request=operations.ListCompaniesRequest(tags=f"run={run}", query=query))
        return sorted(c.name for c in result.results)

    assert names("dataConnections.status=Linked") == ["With linked"]
    assert names("dataConnections.status!=Linked") == ["With pending", "Without"]
    none = "&&".join(
        f"dataConnections.status!={s}" for s in ("PendingAuth", "Linked", "Unlinked", "Deauthorized")
    )
    assert names(none) == [without.name]


def test_delete_is_200_with_empty_body_and_then_gone(api, sdk, company) -> None:
    connection = create(sdk, company.id)
    response = api.delete(f"/companies/{company.id}/connections/{connection.id}")
    assert response.status_code == 200 and response.content == b""
    with pytest.raises(errors.ErrorMessage) as raised:
        sdk.connections.get(
            request=operations.GetConnectionRequest(company_id=company.id, connection_id=connection.id)
        )
    assert raised.value.status_code == 404
    assert raised.value.data.error == f"Data connection {connection.id} not found"
    assert (
        sdk.companies.get(request=operations.GetCompanyRequest(company_id=company.id)).data_connections == []
    )
    # And through the SDK.
    other = create(sdk, company.id)
    assert (
        sdk.connections.delete(
            request=operations.DeleteConnectionRequest(company_id=company.id, connection_id=other.id)
        )
        is None
    )


def test_unlink_body_must_ask_for_unlinked(api, sdk, company) -> None:
    connection = create(sdk, company.id)
    authorize(sdk, company.id, connection.id, {})
    url = f"/companies/{company.id}/connections/{connection.id}"
    for body in ({"status": "Deauthorized"}, {"status": "Linked"}, {}, "Unlinked"):
        assert api.patch(url, json=body).status_code == 400
    assert api.get(url).json()["status"] == "Linked"


def test_connections_of_another_company_are_not_found(sdk, company) -> None:
    other = sdk.companies.create(request={"name": "Other"})
    connection = create(sdk, other.id)
    with pytest.raises(errors.ErrorMessage) as raised:
        sdk.connections.get(
            request=operations.GetConnectionRequest(company_id=company.id, connection_id=connection.id)
        )
    assert raised.value.status_code == 404
