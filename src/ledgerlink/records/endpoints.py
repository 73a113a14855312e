"""The read API: list and get endpoints for every data type, generated from the registry.

`/companies/{companyId}/data/<path>` for company-scoped types and
`/companies/{companyId}/connections/{connectionId}/data/<path>` for connection-scoped ones; single objects
(`/data/info`, `/data/commerce-info`) and statements (`/data/financials/...`) answer one object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ledgerlink.kit.auth import CurrentPrincipal, Session
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import json
from ledgerlink.records import reads
from ledgerlink.records.registry import DATA_TYPES, DataType, Scope, Shape

router = APIRouter(tags=["Read data"])

Endpoint = Callable[..., Awaitable[Response]]


def _base(data_type: DataType) -> str:
    if data_type.scope is Scope.COMPANY:
        return f"/companies/{{companyId}}/data/{data_type.path}"
    return f"/companies/{{companyId}}/connections/{{connectionId}}/data/{data_type.path}"


def _parent(data_type: DataType, request: Request) -> dict[str, str]:
    """Filters a nested path carries: `bankAccounts/{accountId}/bankTransactions` lists one account's."""
    return {"accountId": request.path_params["accountId"]} if "{accountId}" in data_type.path else {}


def _list_endpoint(data_type: DataType) -> Endpoint:
    async def list_records(
        request: Request,
        principal: CurrentPrincipal,
        session: Session,
        params: Annotated[PageParams, Depends(page_params)],
    ) -> Response:
        path = request.path_params
        src = await reads.source(session, principal, data_type, path["companyId"], path.get("connectionId"))
        rows, total = await reads.page(session, src, params, parent=_parent(data_type, request))
        meta = page_envelope(request, params, [], total)
        del meta["results"]
        return Response(reads.envelope(rows, meta), media_type="application/json")

    return list_records


def _get_endpoint(data_type: DataType) -> Endpoint:
    async def get_record(request: Request, principal: CurrentPrincipal, session: Session) -> Response:
        path = request.path_params
        src = await reads.source(session, principal, data_type, path["companyId"], path.get("connectionId"))
        return Response(await reads.one(session, src, path["recordId"]), media_type="application/json")

    return get_record


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


for _data_type in DATA_TYPES:
    _path = _base(_data_type)
    _name = _data_type.key.replace("-", "_")
    if _data_type.shape is Shape.STATEMENT:
        router.add_api_route(_path, _statement_endpoint(_data_type), methods=["GET"], name=f"get_{_name}")
    elif _data_type.shape is Shape.SINGLE:
        router.add_api_route(_path, _single_endpoint(_data_type), methods=["GET"], name=f"get_{_name}")
    else:
        router.add_api_route(_path, _list_endpoint(_data_type), methods=["GET"], name=f"list_{_name}")
        if _data_type.has_get:
            router.add_api_route(
                f"{_path}/{{recordId}}", _get_endpoint(_data_type), methods=["GET"], name=f"get_{_name}"
            )
