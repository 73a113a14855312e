"""Paths match whatever the case of their letters, as Codat's API does: it runs on ASP.NET, whose routing
compares a path's text with its templates case-insensitively, so clients written against it send
`/companies/{id}/data/Invoices` or `/Companies/{id}/DataStatus` and are answered.

Only a request that no route matches exactly is looked at again, so exact paths (the read API's list pages
above all) pay nothing: the router's fallback rewrites each literal segment of the path into the case of a
route whose template it matches case-insensitively, and routes the request once more. Path parameters
(ids, record ids) are left exactly as sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from starlette.routing import BaseRoute, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

# One template segment: its literal text (folded, as written), or None for a parameter.
Segment = tuple[str, str] | None


def _segments(template: str) -> tuple[Segment, ...]:
    return tuple(None if "{" in part else (part.casefold(), part) for part in template.split("/"))


def _routes(routes: Iterable[BaseRoute]) -> Iterator[Route]:
    """Every route, those of included routers too (FastAPI keeps an included router whole, as its
    `original_router`; ledgerlink includes its routers without a prefix, so their paths are full paths)."""
    for route in routes:
        if isinstance(route, Route):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)


class AnyCase:
    """The router's fallback: the request again under the routes' own spelling, else `fallback` (404)."""

    def __init__(self, router: Router, fallback: ASGIApp) -> None:
        self.router = router
        self.fallback = fallback
        # Built on first use, once every route is registered: templates by number of segments.
        self._templates: dict[int, list[tuple[Segment, ...]]] | None = None

    def templates(self, length: int) -> list[tuple[Segment, ...]]:
        if self._templates is None:
            by_length: dict[int, list[tuple[Segment, ...]]] = {}
            for route in _routes(self.router.routes):
                template = _segments(route.path)
                by_length.setdefault(len(template), []).append(template)
            self._templates = by_length
        return self._templates.get(length, [])

    def spelled(self, path: str) -> str | None:
        """`path` with its literal segments spelled as the first route they match, or None if none does."""
        parts = path.split("/")
        for template in self.templates(len(parts)):
            pairs = list(zip(template, parts, strict=True))
            if all(seg is None or seg[0] == part.casefold() for seg, part in pairs):
                return "/".join(part if seg is None else seg[1] for seg, part in pairs)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            spelled = self.spelled(scope["path"])
            # Unchanged: no route has that path in any case (or its method or parameters do not fit): a 404.
            if spelled is not None and spelled != scope["path"]:
                await self.router.app({**scope, "path": spelled}, receive, send)
                return
        await self.fallback(scope, receive, send)


def match_any_case(router: Router) -> None:
    router.default = AnyCase(router, router.default)
