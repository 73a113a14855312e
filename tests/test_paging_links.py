"""Paging links (kit/pagination.py) read the request's path as Starlette's `request.url.path` does."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from ledgerlink.kit.pagination import url_path


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
