"""What real Codat clients (older SDKs, generated clients, Codat's demo apps) still call, through the real
server and, where the official SDKs have the operation, through them: the company's `platform`, refreshing
company info, the older company-scoped bank paths, one 404 rule for types a platform lacks, a Sync Flow start
without a merchant identifier, push option choices with their descriptions, paths in any case, `/rules`."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.commerce import ACCOUNTING, COMMERCE, commerce_sdk
from tests.support.pulls import link_sandbox, read_all, wait_for_pulls
from tests.support.server import RunningServer


@pytest.fixture(scope="module")
def books(server: RunningServer) -> dict[str, str]:
    """One company with the Accounting Sandbox and the Banking Sandbox linked and pulled."""
    with server.client() as api:
        company_id, accounting = link_sandbox(api, "Compat Books Ltd")
        bank = api.post(f"/companies/{company_id}/connections", json={"platformKey": "qhnd"}).json()
        linked = api.put(f"/companies/{company_id}/connections/{bank['id']}/authorization", json={})
        assert linked.json()["status"] == "Linked", linked.text
        wait_for_pulls(api, company_id, at_least=14)
    return {"company": company_id, "accounting": accounting, "bank": bank["id"]}


def test_every_company_view_carries_platform(api, sdk) -> None:
    made = sdk.companies.create(request={"name": "No Platform Ltd"})
    raw = api.get(f"/companies/{made.id}").json()
    assert raw["platform"] == ""
    created = api.post("/companies", json={"name": "Also No Platform"}).json()
    assert created["platform"] == ""
    replaced = api.put(f"/companies/{created['id']}", json={"name": "Renamed"}).json()
    patched = api.patch(f"/companies/{created['id']}", json={"description": "d"}).json()
    listed = api.get("/companies", params={"query": f"id={created['id']}"}).json()["results"]
    assert replaced["platform"] == patched["platform"] == listed[0]["platform"] == ""
    given = api.post("/companies", json={"name": "Sandbox First", "platformType": "mqjo"}).json()
    assert given["platform"] == "mqjo" and api.get(f"/companies/{given['id']}").json()["platform"] == "mqjo"


def test_refresh_company_info_queues_the_company_info(api, books) -> None:
    company_id = books["company"]
    answer = api.post(f"/companies/{company_id}/data/info")
    assert answer.status_code == 200, answer.text
    dataset = answer.json()
    # Codat's `Dataset`: these are its required fields.
    required = {
        "companyId",
        "connectionId",
        "id",
        "isCompleted",
        "isErrored",
        "progress",
        "requested",
        "status",
    }
    assert required <= set(dataset)
    assert dataset["dataType"] == "company" and dataset["connectionId"] == books["accounting"]
    pulls = wait_for_pulls(api, company_id, at_least=15)
    done = next(p for p in pulls if p["id"] == dataset["id"])
    assert done["status"] == "Complete"
    assert api.get(f"/companies/{company_id}/data/info").json()["companyName"]
    assert api.post(f"/companies/{uuid.uuid4()}/data/info").status_code == 404


def test_older_company_scoped_bank_paths(api, books) -> None:
    company_id, accounting, bank = books["company"], books["accounting"], books["bank"]
    # The Banking API's deprecated company-scoped list: the banking connection's transactions, paged.
    by_connection = read_all(api, f"/companies/{company_id}/connections/{bank}/data/banking-transactions")
    by_company = read_all(api, f"/companies/{company_id}/data/banking-transactions")
    assert by_company and by_company == by_connection
    page = api.get(
        f"/companies/{company_id}/data/banking-transactions", params={"pageSize": 3, "page": 2}
    ).json()
    assert page["pageNumber"] == 2 and page["totalResults"] == len(by_company)
    assert page["results"] == by_connection[3:6]
    some = by_company[0]["accountId"]
    filtered = read_all(api, f"/companies/{company_id}/data/banking-transactions", query=f"accountId={some}")
    assert filtered and all(t["accountId"] == some for t in filtered)

    # The 2023 Accounting API's bank account and its transactions, without a connection id.
    accounts = read_all(api, f"/companies/{company_id}/connections/{accounting}/data/bankAccounts")
    account = accounts[0]
    connection_path = f"/companies/{company_id}/connections/{accounting}/data/bankAccounts/{account['id']}"
    lines = read_all(api, f"{connection_path}/bankTransactions")
    legacy_lines = read_all(api, f"/companies/{company_id}/data/bankAccounts/{account['id']}/transactions")
    assert lines and legacy_lines == lines
    statement = api.get(f"/companies/{company_id}/data/bankAccounts/{account['id']}")
    assert statement.status_code == 200, statement.text
    shape = statement.json()
    assert shape["id"] == account["id"] and shape["accountName"] == account["accountName"]
    assert shape.get("iban") == account.get("iBan")
    cleared = sorted(line["clearedOnDate"] for line in lines)
    assert shape["fromDate"] == cleared[0] and shape["toDate"] == cleared[-1]
    missing = api.get(f"/companies/{company_id}/data/bankAccounts/no-such-account")
    assert missing.status_code == 404 and missing.json()["statusCode"] == 404

    # A company whose only connection is a bank has no accounting bank accounts to read.
    only_bank, _ = link_sandbox(api, "Only A Bank", key="qhnd")
    assert api.get(f"/companies/{only_bank}/data/bankAccounts/x/transactions").status_code == 409


def test_a_type_the_platform_lacks_is_404_in_both_scopes(api, books, server) -> None:
    from codat_lending import CodatLending
    from codat_lending.models import shared
    from codat_lending.models.errors import ErrorMessage

    company_id, accounting = books["company"], books["accounting"]
    # The Sandbox provides every company-scoped type of the Lending API; sales orders (Accounting API) it
    # does not.
    queued = api.post(f"/companies/{company_id}/data/queue/salesOrders")
    assert queued.status_code == 200 and queued.json()["status"] == "NotSupported", queued.text
    answer = api.get(f"/companies/{company_id}/data/salesOrders")
    assert answer.status_code == 404 and answer.json()["error"] == "mqjo does not provide salesOrders."
    assert api.get(f"/companies/{company_id}/data/salesOrders/x").status_code == 404
    # The same rule under a connection, through the SDK too.
    lacking = api.get(f"/companies/{company_id}/connections/{accounting}/data/banking-accounts")
    assert lacking.status_code == 404
    security = shared.Security(auth_header=server.auth_header)
    lending = CodatLending(security=security, server_url=server.base_url)
    with pytest.raises(ErrorMessage) as raised:
        lending.sales.orders.list(request={"company_id": company_id, "connection_id": accounting})
    assert raised.value.status_code == 404
    # A type the platform provides but that was never pulled is still "not requested".
    fresh, _ = link_sandbox(api, "Provides But Not Pulled", key="qhnd")
    assert api.get(f"/companies/{fresh}/data/invoices").status_code == 409


def test_the_sync_flow_starts_without_a_merchant_identifier(api, server, db) -> None:
    commerce = commerce_sdk(server)
    keys = {"commerce_key": COMMERCE, "accounting_key": ACCOUNTING}
    urls = [commerce.connections.get_sync_flow_url(request=keys).url for _ in range(2)]
    identifiers = [parse_qs(urlsplit(url).query)["merchantIdentifier"][0] for url in urls]
    assert identifiers[0] != identifiers[1]
    for company_id in identifiers:
        company = api.get(f"/companies/{company_id}").json()
        assert company["name"] == "Merchant"
        platforms = sorted(c["integrationKey"] for c in company["dataConnections"])
        assert platforms == sorted([COMMERCE, ACCOUNTING])
    # The id in the URL finds the same merchant again, making nothing new.
    before = api.get("/companies", params={"pageSize": 1}).json()["totalResults"]
    again = commerce.connections.get_sync_flow_url(request={**keys, "merchant_identifier": identifiers[0]})
    assert parse_qs(urlsplit(again.url).query)["merchantIdentifier"] == [identifiers[0]]
    assert api.get("/companies", params={"pageSize": 1}).json()["totalResults"] == before
    assert len(api.get(f"/companies/{identifiers[0]}").json()["dataConnections"]) == 2
    # The URL opens the flow for that company.
    path = urlsplit(urls[1]).path
    otp = parse_qs(urlsplit(urls[1]).query)["otp"][0]
    with httpx.Client(base_url=server.base_url) as browser:
        opened = browser.get(path, params={"merchantIdentifier": identifiers[1], "otp": otp})
    assert opened.is_redirect, opened.text
    assert opened.headers["location"].endswith(f"/sync-flow/companies/{identifiers[1]}")


def _choices(option: dict) -> list[dict]:
    found = list(option.get("options") or [])
    for child in (option.get("properties") or {}).values():
        found += _choices(child)
    return found


def test_push_option_choices_carry_every_field(api, sdk, books) -> None:
    ids = {"company_id": books["company"], "connection_id": books["accounting"]}
    base = f"/companies/{books['company']}/connections/{books['accounting']}/options"
    seen = 0
    for data_type in ("journalEntries", "invoices", "payments", "suppliers"):
        raw = api.get(f"{base}/{data_type}").json()
        for choice in _choices(raw):
            seen += 1
            assert choice["value"] and choice["displayName"] and choice["type"] == "String", choice
            assert isinstance(choice["description"], str) and choice["description"].strip(), choice
            assert choice["required"] is False
        option = sdk.push_data.get_model_options(request={**ids, "data_type": data_type})
        assert option.description
    assert seen >= 6
    status = sdk.push_data.get_model_options(request={**ids, "data_type": "invoices"}).properties["status"]
    # Codat's invoiceStatus, each value described.
    statuses = ["Draft", "Submitted", "PartiallyPaid", "Paid", "Void", "Unknown"]
    assert [c.value for c in status.options] == statuses
    assert all(c.description for c in status.options)


def test_paths_match_in_any_case(api, books) -> None:
    company_id, accounting = books["company"], books["accounting"]
    exact = api.get(f"/companies/{company_id}/data/invoices", params={"pageSize": 7}).json()
    for spelled in ("Invoices", "INVOICES"):
        answer = api.get(f"/companies/{company_id}/data/{spelled}", params={"pageSize": 7})
        assert answer.status_code == 200, answer.text
        assert answer.json()["results"] == exact["results"]
    record_id = exact["results"][0]["id"]
    one = api.get(f"/Companies/{company_id}/Data/Invoices/{record_id}")
    assert one.status_code == 200 and one.json()["id"] == record_id
    # Ids are left as sent: an id in the wrong case names nothing.
    assert api.get(f"/companies/{company_id}/data/Invoices/{record_id.swapcase()}").status_code == 404
    assert (
        api.get(f"/companies/{company_id}/dataStatus").json()
        == api.get(f"/companies/{company_id}/DATASTATUS").json()
    )
    bank = api.get(f"/companies/{company_id}/Connections/{accounting}/data/BankAccounts")
    assert bank.status_code == 200 and bank.json()["totalResults"] >= 1
    unknown = api.get(f"/companies/{company_id}/data/Widgets")
    assert unknown.status_code == 404 and unknown.json()["error"].endswith("/data/Widgets")


def test_legacy_rules_say_what_replaces_them(api, server) -> None:
    for method, path in (
        ("GET", "/rules"),
        ("POST", "/rules"),
        ("GET", f"/rules/{uuid.uuid4()}"),
        ("PUT", f"/rules/{uuid.uuid4()}"),
        ("DELETE", f"/rules/{uuid.uuid4()}"),
    ):
        answer = api.request(
            method,
            path,
            json={"type": "DataSyncCompleted", "notifiers": {"emails": []}}
            if method in ("POST", "PUT")
            else None,
        )
        assert answer.status_code == 404, answer.text
        assert "POST /webhooks" in answer.json()["error"] and answer.json()["statusCode"] == 404
    assert httpx.get(f"{server.base_url}/rules").status_code == 401
