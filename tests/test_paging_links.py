"""Paging links (kit/pagination.py) read the request's path and query as Starlette's `request.url.path` and
`request.query_params` do."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from ledgerlink.kit.pagination import query_items, url_path


@pytest.mark.parametrize(
    "path",
    [
        "/companies/3f1c2a9e-0000-4000-8000-000000000001/data/invoices",
        "/a?b",
        "/a#b",
        "/a\\b",
        "/a\tb\nc\rd",
        "/café/x y",
        "/a%20b",
        "//double//slash/",
    ],
)
def test_the_links_path_is_the_requests_url_path(path: str) -> None:
    scope = {
        "type": "http",
        "path": path,
        "root_path": "",
        "query_string": b"page=2",
        "headers": [(b"host", b"h")],
    }
    assert url_path(scope) == Request(scope).url.path


@pytest.mark.parametrize(
    "query",
    [
        b"",
        b"page=3&pageSize=100",
        b"page=1&page=2&pageSize=3&other=x",
        b"query=postedOn%3E2025-12-06&orderBy=-postedOn",
        b"query=name%3D%22A+B%22",
        b"a&b=&=c&&d=e=f",
        b"caf\xc3\xa9=\xff&x=1;y=2",
        b"q=a+b",
    ],
)
def test_the_query_items_are_the_requests_query_params(query: bytes) -> None:
    scope = {"type": "http", "path": "/", "root_path": "", "query_string": query, "headers": []}
    assert query_items(scope) == Request(scope).query_params.multi_items()
