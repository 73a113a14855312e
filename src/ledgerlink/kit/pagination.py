"""Codat's paging: `page`/`pageSize` in, `{results, pageNumber, pageSize, totalResults, _links}` out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Query, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from starlette.types import Scope

from ledgerlink.kit.errors import BadRequest
from ledgerlink.kit.query import QueryTarget, filtered

MAX_PAGE_SIZE = 5000
# The most rows a page may skip: the lists bind LIMIT and OFFSET as PostgreSQL integers, and no list comes
# near two billion rows, so a page past this is refused (400) rather than overflowing the statement (500).
MAX_OFFSET = 2_147_483_647


@dataclass(frozen=True)
class PageParams:
    page: int
    page_size: int
    query: str | None
    order_by: str | None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


async def page_params(
    page: Annotated[str | None, Query()] = None,
    page_size: Annotated[str | None, Query(alias="pageSize")] = None,
    query: Annotated[str | None, Query()] = None,
    order_by: Annotated[str | None, Query(alias="orderBy")] = None,
) -> PageParams:
    """Paging parameters, checked here so a bad value gets Codat's message rather than a framework one.

    `async` so that FastAPI calls it in the event loop instead of handing it to a worker thread."""
    return parse_page_params(page, page_size, query, order_by)


def parse_page_params(
    page: str | None, page_size: str | None, query: str | None, order_by: str | None
) -> PageParams:
    params = PageParams(
        page=_positive_int("page", page, default=1, maximum=None),
        page_size=_positive_int("pageSize", page_size, default=100, maximum=MAX_PAGE_SIZE),
        query=query,
        order_by=order_by,
    )
    if params.offset > MAX_OFFSET:
        last = MAX_OFFSET // params.page_size + 1
        raise BadRequest(f"page must be at most {last} when pageSize is {params.page_size}.")
    return params


def _positive_int(name: str, raw: str | None, *, default: int, maximum: int | None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number.") from None
    if value < 1:
        raise BadRequest(f"{name} must be at least 1.")
    if maximum is not None and value > maximum:
        raise BadRequest(f"{name} must be at most {maximum}.")
    if value > 2_147_483_647:
        raise BadRequest(f"{name} is too large.")
    return value


def url_path(scope: Scope) -> str:
    """`request.url.path`, without building the whole URL (host, scheme, query) to read it back: the path
    with `?`, `#` and `\\` escaped as Starlette's `URL` escapes them, and tabs and line breaks dropped as
    `urlsplit` drops them."""
    path = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    if "\t" in path or "\r" in path or "\n" in path:
        path = path.replace("\t", "").replace("\r", "").replace("\n", "")
    return path


def query_items(scope: Scope) -> list[tuple[str, str]]:
    """The request's query parameters in order, as Starlette's `QueryParams` has them (`parse_qsl` of the
    latin-1 text, blanks kept), without building its multi-dict. Text with nothing escaped (no `%`, no `+`),
    as a page's parameters usually are, is split directly: `parse_qsl` would return it as it is."""
    text = scope["query_string"].decode("latin-1")
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True)
    return [(name, value) for name, _, value in (part.partition("=") for part in text.split("&") if part)]


# Query strings whose parsed forms are kept (`page_query`, `_link_rest`): pages are asked again and again
# with the same few, and a filtered one costs tens of microseconds to split, decode and encode again.
QUERY_STRINGS_KEPT = 1024


@lru_cache(maxsize=QUERY_STRINGS_KEPT)
def page_query(query_string: bytes) -> PageParams:
    """A list page's parameters from its raw query string (the last of a repeated one, as
    `request.query_params` would give); raises `BadRequest` as `parse_page_params` does."""
    query = dict(query_items({"query_string": query_string}))
    return parse_page_params(
        query.get("page"), query.get("pageSize"), query.get("query"), query.get("orderBy")
    )


@lru_cache(maxsize=QUERY_STRINGS_KEPT)
def _link_rest(query_string: bytes) -> str:
    """What a page link carries after its page and size: the request's other parameters, encoded once for
    every link (as `urlencode` of the whole list would encode them)."""
    others = [(k, v) for k, v in query_items({"query_string": query_string}) if k not in ("page", "pageSize")]
    return "&" + urlencode(others) if others else ""


def page_envelope(request: Request, params: PageParams, results: Sequence[Any], total: int) -> dict[str, Any]:
    path = url_path(request.scope)
    rest = _link_rest(request.scope["query_string"])

    def href(page: int) -> dict[str, str]:
        return {"href": f"{path}?page={page}&pageSize={params.page_size}{rest}"}

    links: dict[str, dict[str, str]] = {"self": {"href": path}, "current": href(params.page)}
    if params.page * params.page_size < total:
        links["next"] = href(params.page + 1)
    if params.page > 1:
        links["previous"] = href(params.page - 1)
    return {
        "results": list(results),
        "pageNumber": params.page,
        "pageSize": params.page_size,
        "totalResults": total,
        "_links": links,
    }


async def fetch_page(
    session: AsyncSession, statement: Select[Any], params: PageParams, *, scalars: bool = True
) -> tuple[list[Any], int]:
    """One page of `statement` (its first column, or whole rows) and the count of rows it matches."""
    total = await session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    paged = statement.limit(params.page_size).offset(params.offset)
    result = await (session.scalars(paged) if scalars else session.execute(paged))
    return list(result.all()), int(total or 0)


async def fetch_query_page(
    session: AsyncSession,
    statement: Select[Any],
    params: PageParams,
    target: QueryTarget,
    *,
    default_order: Sequence[Any],
    scalars: bool = True,
) -> tuple[list[Any], int]:
    """`fetch_page` of `statement` narrowed by the request's `query=` and ordered by its `orderBy`."""
    statement = filtered(
        statement, target, query=params.query, order_by=params.order_by, default_order=tuple(default_order)
    )
    return await fetch_page(session, statement, params, scalars=scalars)
