"""Two additions to the router: hot routes answered in front of it, and paths matched in any case.

Hot routes (`hot_routes`): the read API's list pages are the API's most frequent request, and the router
finds a route by trying each of its few hundred in order, then wraps the endpoint in FastAPI's request
handling (dependencies, body, exit stacks) that these endpoints do not use. A hot route is a GET route
whose endpoint takes the request alone; it is found by its path's number of segments and last segment and
called directly, inside the same middleware and exception handlers as every route.

Paths match whatever the case of their letters, as Codat's API does: it runs on ASP.NET, whose routing
compares a path's text with its templates case-insensitively, so clients written against it send
`/companies/{id}/data/Invoices` or `/Companies/{id}/DataStatus` and are answered.

Only a request that no route matches exactly is looked at again, so exact paths (the read API's list pages
above all) pay nothing: the router's fallback rewrites each literal segment of the path into the case of a
route whose template it matches case-insensitively, and routes the request once more. Path parameters
(ids, record ids) are left exactly as sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

# One template segment: its literal text (folded, as written), or None for a parameter.
Segment = tuple[str, str] | None


def _segments(template: str) -> tuple[Segment, ...]:
    return tuple(None if "{" in part else (part.casefold(), part) for part in template.split("/"))


def all_routes(routes: Iterable[BaseRoute]) -> Iterator[Route]:
    """Every route, those of included routers too (FastAPI keeps an included router whole, as its
    `original_router`; ledgerlink includes its routers without a prefix, so their paths are full paths)."""
    for route in routes:
        if isinstance(route, Route):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from all_routes(included.routes)


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
            for route in all_routes(self.router.routes):
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


class HotRoutes:
    """In front of the router: a request for a hot route goes straight to its endpoint.

    Routes are indexed by their template's number of segments and last segment, which must be literal
    (`/companies/{companyId}/data/invoices`: 5, `invoices`); the route's own `matches` decides among the few
    sharing both. Anything else, and any method but GET, goes on to the router. The router would pick the
    same route: a hot route's literal segments are not the parameter of an earlier route
    (tests/test_routing.py checks every one).
    """

    def __init__(self, app: ASGIApp, routes: Iterable[Route]) -> None:
        self.app = app
        self._routes: dict[tuple[int, str], list[Route]] = {}
        for route in routes:
            segments = route.path.split("/")
            if "{" in segments[-1] or not route.methods or "GET" not in route.methods:
                raise ValueError(f"{route.path} cannot be a hot route: its last segment must be literal, GET")
            self._routes.setdefault((len(segments), segments[-1]), []).append(route)

    def route_for(self, scope: Scope) -> Route | None:
        """The hot route `scope` asks for, its path parameters added to `scope`; None if not one."""
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope["path"]
            for route in self._routes.get((path.count("/") + 1, path.rpartition("/")[2]), ()):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child_scope)
                    return route
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.route_for(scope)
        if route is None:
            await self.app(scope, receive, send)
            return
        endpoint: Callable[[Request], Awaitable[Response]] = route.endpoint
        response = await endpoint(Request(scope, receive, send))
        await response(scope, receive, send)


def hot_routes(router: Router, is_hot: Callable[[Route], bool]) -> HotRoutes:
    """Answers the routes `is_hot` picks (every one registered by now) in front of `router`'s matching;
    the same index serves the app's front door (`kit.front_door`)."""
    hot = HotRoutes(router.middleware_stack, [r for r in all_routes(router.routes) if is_hot(r)])
    router.middleware_stack = hot
    return hot
