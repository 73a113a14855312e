"""The two floors bench/read_page_wrk.py measures ledgerlink's page against, as uvicorn apps.

    BENCH_FLOOR=sql|bare BENCH_FLOOR_FILE=floor.pickle BENCH_PORT=8000 python bench/read_page_floor.py

`sql`: a Starlette route per page (`/plain`, `/filtered`) that runs the statement ledgerlink's list-page fast
path runs for that page, with the same parameters, on a psycopg pool set up as ledgerlink's read pool
(autocommit, `text`/`json` as raw bytes, the same size), checks nothing, and answers the page's records inside
the envelope ledgerlink answered them in (captured, so the bytes are the same). `bare`: one route answering
the plain page's bytes, captured from ledgerlink. Served as `ledgerlink serve` serves the API: uvicorn, one
process, its default loop (uvloop when installed), ledgerlink's HTTP protocol (httptools with a header
deadline), no access log.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
import uvicorn
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerlink.db import READ_POOL_SIZE, RawText
from ledgerlink.kit.http_protocol import with_header_timeout


async def _raw_text(connection: psycopg.AsyncConnection[Any]) -> None:
    for name in ("text", "json"):
        connection.adapters.register_loader(name, RawText)


def sql_app(floor: dict[str, Any]) -> Starlette:
    """`floor["pages"]`: name -> (sql, params, envelope head, envelope tail)."""
    pool = AsyncConnectionPool(
        floor["url"],
        min_size=1,
        max_size=READ_POOL_SIZE,
        kwargs={"autocommit": True, "options": "-c timezone=UTC"},
        configure=_raw_text,
        open=False,
    )

    def route(name: str) -> Route:
        sql, params, head, tail = floor["pages"][name]

        async def page(request: Request) -> Response:
            async with pool.connection() as connection:
                cursor = await connection.execute(sql, params)
                row = await cursor.fetchone()
            assert row is not None
            return Response(head + (row[-1] or b"") + tail, media_type="application/json")

        return Route(f"/{name}", page)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.open()
        yield
        await pool.close()

    return Starlette(routes=[route(name) for name in floor["pages"]], lifespan=lifespan)


def bare_app(floor: dict[str, Any]) -> Starlette:
    body = floor["bare"]

    async def bare(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/bare", bare)])


def main() -> None:
    floor = pickle.loads(Path(os.environ["BENCH_FLOOR_FILE"]).read_bytes())
    app = sql_app(floor) if os.environ["BENCH_FLOOR"] == "sql" else bare_app(floor)
    # As `ledgerlink serve` configures uvicorn (cli.py).
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(os.environ["BENCH_PORT"]),
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=True,
        http=with_header_timeout(15.0),
        ws="none",
    )


if __name__ == "__main__":
    main()
