"""The read API: list and get endpoints for every data type, generated from the registry.

`/companies/{companyId}/data/<path>` for company-scoped types and
`/companies/{companyId}/connections/{connectionId}/data/<path>` for connection-scoped ones; single objects
(`/data/info`, `/data/commerce-info`) and statements (`/data/financials/...`) answer one object. Codat's
older company-scoped paths to connection-scoped types (`registry.LEGACY_PATHS`) are served the same way.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.routing import Route

from ledgerlink.clients.auth import CurrentPrincipal, authenticate
from ledgerlink.data import legacy, reads
from ledgerlink.db import bound_reads
from ledgerlink.kit.auth import Session, request_key_hashes, unauthorized
from ledgerlink.kit.errors import CodatError
from ledgerlink.kit.pagination import PageParams, page_envelope, page_query
from ledgerlink.kit.responses import json
from ledgerlink.records.registry import DATA_TYPES, LEGACY_PATHS, DataType, Scope, Shape, record_schema

router = APIRouter(tags=["Read data"])

Endpoint = Callable[..., Awaitable[Response]]


def _base(data_type: DataType) -> str:
    if data_type.scope is Scope.COMPANY:
        return f"/companies/{{companyId}}/data/{data_type.path}"
    return f"/companies/{{companyId}}/connections/{{connectionId}}/data/{data_type.path}"


def _parent(data_type: DataType, request: Request) -> dict[str, str]:
    """Filters a nested path carries: `bankAccounts/{accountId}/bankTransactions` lists one account's."""
    return {"accountId": request.path_params["accountId"]} if "{accountId}" in data_type.path else {}


def _page_response(request: Request, params: PageParams, rows: bytes, total: int) -> Response:
    meta = page_envelope(request, params, [], total)
    del meta["results"]
    return Response(reads.envelope(rows, meta), media_type="application/json")


def _list_endpoint(data_type: DataType) -> Endpoint:
    # No FastAPI dependencies: a list page is the API's most frequent request, and the fast path does in
    # one statement what `require_principal`, `page_params` and the session would do in five round trips.
    # The request alone, so the app answers it in front of the router (`is_list_page`).
    async def list_records(request: Request) -> Response:
        hashes = request_key_hashes(request.scope)
        answered = await _fast_page(request, data_type, hashes) if hashes else None
        return answered if answered is not None else await _list_in_session(request, data_type)

    _LIST_PAGES.add(list_records)
    return list_records


_LIST_PAGES: set[Endpoint] = set()


def is_list_page(route: Route) -> bool:
    """Whether `route` is a list page of the read API (`kit.routing.hot_routes`)."""
    return route.endpoint in _LIST_PAGES


async def _fast_page(request: Request, data_type: DataType, hashes: list[str]) -> Response | None:
    """The page from one statement, or None when the ordinary path must answer: a bad parameter, query or
    id (it refuses them in its own order), or a source that is not there (its 404 or 409)."""
    path = request.path_params
    try:
        params = page_query(request.scope["query_string"])
        found = await reads.fast_page(
            request.app.state.engine,
            hashes,
            data_type,
            path["companyId"],
            path.get("connectionId"),
            params,
            _parent(data_type, request),
        )
    except (CodatError, ValueError):
        return None
    if found is None:
        raise unauthorized()
    request.state.principal = found.principal
    if found.source is None:
        return None
    return _page_response(request, params, found.rows, found.total)


async def _list_in_session(request: Request, data_type: DataType) -> Response:
    """The ordinary path, as the other endpoints go: authenticate, check the parameters, find the source
    (404/409 when there is none), then the page, in one transaction committed before the answer."""
    path = request.path_params
    async with request.app.state.sessionmaker() as session, session.begin():
        await bound_reads(session, request)
        principal = await authenticate(session, request.headers.get("authorization"))
        if principal is None:
            raise unauthorized()
        request.state.principal = principal
        params = page_query(request.scope["query_string"])
        src = await reads.source(session, principal, data_type, path["companyId"], path.get("connectionId"))
        rows, total = await reads.page(session, src, params, parent=_parent(data_type, request))
    return _page_response(request, params, b",".join(rows), total)


def _list_parameters(path: str) -> dict[str, Any]:
    """The OpenAPI parameters of a list route, which declares none for FastAPI to resolve."""
    names = re.findall(r"{(\w+)}", path)
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in names
    ]
    for name, kind in (
        ("page", "integer"),
        ("pageSize", "integer"),
        ("query", "string"),
        ("orderBy", "string"),
    ):
        parameters.append({"name": name, "in": "query", "required": False, "schema": {"type": kind}})
    return {"parameters": parameters}


def _documented(data_type: DataType, *, page: bool) -> dict[int | str, dict[str, Any]]:
    """The 200 answer for the OpenAPI document: the type's record schema (a page of them for a list).
    `/openapi.json` shows Codat's own description instead wherever Codat's specs have the operation."""
    record = {key: value for key, value in record_schema(data_type).items() if key != "$schema"}
    schema = record
    if page:
        count = {"type": "integer"}
        schema = {
            "type": "object",
            "properties": {
                "results": {"type": "array", "items": record},
                "pageNumber": count,
                "pageSize": count,
                "totalResults": count,
                "_links": {"type": "object"},
            },
        }
    return {200: {"description": "Success", "content": {"application/json": {"schema": schema}}}}


def _get_endpoint(data_type: DataType) -> Endpoint:
    async def get_record(request: Request, principal: CurrentPrincipal, session: Session) -> Response:
        path = request.path_params
        src = await reads.source(session, principal, data_type, path["companyId"], path.get("connectionId"))
        return Response(await reads.one(session, src, path["recordId"]), media_type="application/json")

    return get_record


def _bank_statement_account_endpoint(data_type: DataType) -> Endpoint:
    async def get_bank_statement_account(
        request: Request, principal: CurrentPrincipal, session: Session
    ) -> Response:
        path = request.path_params
        src = await reads.source(session, principal, data_type, path["companyId"], None)
        return json(await legacy.bank_statement_account(session, src, path["accountId"]))

    return get_bank_statement_account


def _single_endpoint(data_type: DataType) -> Endpoint:
    async def get_single(request: Request, principal: CurrentPrincipal, session: Session) -> Response:
        path = request.path_params
        src = await reads.source(session, principal, data_type, path["companyId"], path.get("connectionId"))
        return Response(await reads.single(session, src), media_type="application/json")

    return get_single


def _statement_endpoint(data_type: DataType) -> Endpoint:
    async def get_statement(
        request: Request,
        principal: CurrentPrincipal,
        session: Session,
        period_length: Annotated[int, Query(alias="periodLength")],
        periods_to_compare: Annotated[int, Query(alias="periodsToCompare")],
        start_month: Annotated[str | None, Query(alias="startMonth")] = None,
    ) -> Response:
        path = request.path_params
        src = await reads.source(session, principal, data_type, path["companyId"], path.get("connectionId"))
        return json(await reads.statement(session, src, period_length, periods_to_compare, start_month))

    return get_statement


for _data_type in (*DATA_TYPES, *LEGACY_PATHS):
    _path = _base(_data_type)
    _legacy = _data_type in LEGACY_PATHS
    _name = ("legacy_" if _legacy else "") + _data_type.key.replace("-", "_")
    if _data_type.shape is Shape.STATEMENT:
        router.add_api_route(_path, _statement_endpoint(_data_type), methods=["GET"], name=f"get_{_name}")
    elif _data_type.shape is Shape.SINGLE:
        router.add_api_route(_path, _single_endpoint(_data_type), methods=["GET"], name=f"get_{_name}")
    else:
        if _data_type.has_list:
            router.add_api_route(
                _path,
                _list_endpoint(_data_type),
                methods=["GET"],
                name=f"list_{_name}",
                openapi_extra=_list_parameters(_path),
                deprecated=_legacy,
                responses=_documented(_data_type, page=True),
            )
        if _legacy and _data_type.key == "bankAccounts":
            router.add_api_route(
                f"{_path}/{{accountId}}",
                _bank_statement_account_endpoint(_data_type),
                methods=["GET"],
                name=f"get_{_name}",
                deprecated=True,
            )
        elif _data_type.has_get:
            router.add_api_route(
                f"{_path}/{{recordId}}",
                _get_endpoint(_data_type),
                methods=["GET"],
                name=f"get_{_name}",
                responses=_documented(_data_type, page=False),
            )
