"""A small commerce platform's own REST API, for the declared connector's tests: orders (cursor pages),
customers (numbered pages), products (offsets) and the shop itself, behind an API key. It keeps its records
and their modification times, answers `updated_since`, marks deleted orders, and can be told to misbehave:
answer 429 with Retry-After, fail with 5xx, hang, or send a malformed page."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.support.server import free_port
from tests.support.threaded import ThreadedServer

API_KEY = "pk_live_" + "7" * 24
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass
class Misbehaviour:
    rate_limited: int = 0  # the next N requests answer 429
    retry_after: str = "1"
    failing: int = 0  # the next N requests answer 503
    malformed: int = 0  # the next N requests answer a page without its list
    hang_seconds: float = 0.0  # every request waits this long first


@dataclass
class PartnerCommerce:
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    trouble: Misbehaviour = field(default_factory=Misbehaviour)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    clock: datetime = EPOCH

    def seed(self, orders: int = 23, customers: int = 7, products: int = 5) -> PartnerCommerce:
        for n in range(1, customers + 1):
            self.customers[f"c{n}"] = {
                "id": f"c{n}",
                "email": f"buyer{n}@example.com",
                "full_name": f"Buyer {n}",
                "created_at": stamp(EPOCH + timedelta(days=n)),
                "updated_at": stamp(EPOCH + timedelta(days=n)),
            }
        for n in range(1, products + 1):
            self.products[f"p{n}"] = {"id": f"p{n}", "title": f"Product {n}", "price_cents": 500 * n}
        for n in range(1, orders + 1):
            self.add_order(n)
        return self

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=7)
        return self.clock

    def add_order(self, n: int) -> dict[str, Any]:
        when = stamp(self.tick())
        order = {
            "id": f"o{n}",
            "number": f"#{1000 + n}",
            "currency": "GBP",
            "status": "paid",
            "total_cents": 1250 * n,
            "tax_cents": 250 * n,
            "customer_id": f"c{n % max(len(self.customers), 1) + 1}",
            "created_at": when,
            "updated_at": when,
            "lines": [
                {
                    "id": f"o{n}-l1",
                    "product_id": "p1",
                    "qty": n,
                    "unit_price_cents": 1000,
                    "total_cents": 1250 * n,
                    "tax_cents": 250 * n,
                }
            ],
            # Only captured payments are listed.
            "payments": [{"id": f"pay{n}", "amount_cents": 1250 * n}],
        }
        self.orders[order["id"]] = order
        return order

    def change_order(self, order_id: str, **changes: Any) -> None:
        self.orders[order_id].update(changes, updated_at=stamp(self.tick()))

    # The API.
    async def _guard(self, request: Request) -> Response | None:
        self.requests.append((request.url.path, dict(request.query_params)))
        if self.trouble.hang_seconds:
            await asyncio.sleep(self.trouble.hang_seconds)
        if request.headers.get("x-api-key") != API_KEY:
            return JSONResponse({"error": "invalid api key"}, status_code=401)
        if self.trouble.rate_limited:
            self.trouble.rate_limited -= 1
            return JSONResponse(
                {"error": "slow down"}, status_code=429, headers={"retry-after": self.trouble.retry_after}
            )
        if self.trouble.failing:
            self.trouble.failing -= 1
            return PlainTextResponse("upstream unavailable", status_code=503)
        return None

    def _updated_since(self, request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        since = request.query_params.get("updated_since")
        if since:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
            rows = [
                row
                for row in rows
                if datetime.fromisoformat(row["updated_at"].replace("Z", "+00:00")) > moment
            ]
        return rows

    async def list_orders(self, request: Request) -> Response:
        if (refused := await self._guard(request)) is not None:
            return refused
        rows = sorted(
            self._updated_since(request, list(self.orders.values())), key=lambda o: int(o["id"][1:])
        )
        size = int(request.query_params.get("limit", "10"))
        start = int(request.query_params.get("cursor", "0") or 0)
        page = rows[start : start + size]
        following = start + size if start + size < len(rows) else None
        if self.trouble.malformed:
            self.trouble.malformed -= 1
            return JSONResponse({"orders": "not a list", "next": None})
        return JSONResponse({"orders": page, "next": str(following) if following is not None else None})

    async def list_customers(self, request: Request) -> Response:
        if (refused := await self._guard(request)) is not None:
            return refused
        rows = self._updated_since(request, list(self.customers.values()))
        page, size = (
            int(request.query_params.get("page", "1")),
            int(request.query_params.get("per_page", "3")),
        )
        return JSONResponse({"data": rows[(page - 1) * size : page * size]})

    async def list_products(self, request: Request) -> Response:
        if (refused := await self._guard(request)) is not None:
            return refused
        rows = list(self.products.values())
        offset, limit = (
            int(request.query_params.get("offset", "0")),
            int(request.query_params.get("limit", "2")),
        )
        return JSONResponse(rows[offset : offset + limit])

    async def shop(self, request: Request) -> Response:
        if (refused := await self._guard(request)) is not None:
            return refused
        return JSONResponse(
            {"shop": {"name": "Partner Shop Ltd", "currency": "GBP", "website": "https://shop.example"}}
        )


class PartnerCommerceServer:
    def __init__(self, api: PartnerCommerce) -> None:
        self.api = api
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/api"
        app = Starlette(
            routes=[
                Route("/api/orders", api.list_orders),
                Route("/api/customers", api.list_customers),
                Route("/api/products", api.list_products),
                Route("/api/shop", api.shop),
            ]
        )
        self._served = ThreadedServer(app, self.port, "the partner commerce API")

    def start(self) -> PartnerCommerceServer:
        self._served.start()
        return self

    def stop(self) -> None:
        self._served.stop()


DECLARATION = """
key: lqai
name: Partner Commerce
source_type: Commerce
branding: {{mark: PC, background: "#6d28d9"}}
base_url: "{base_url}"
timeout: {timeout}
credentials:
  - {{name: apiKey, label: API key, secret: true, hint: "Settings, then API"}}
auth: {{type: api_key, header: X-Api-Key, value: "{{credentials.apiKey}}"}}
verify: /shop
records:
  commerce-orders:
    path: /orders
    items: orders
    pagination: {{style: cursor, cursor_param: cursor, next_cursor: next, size_param: limit, size: 10}}
    incremental: {{param: updated_since}}
    deleted: {{field: status, values: [deleted]}}
    fields:
      id: id
      orderNumber: number
      currency: currency
      createdDate: created_at
      sourceModifiedDate: updated_at
      totalAmount: {{from: total_cents, cents: true}}
      totalTaxAmount: {{from: tax_cents, cents: true}}
      customerRef: {{object: {{id: customer_id}}}}
      orderLineItems:
        each: lines
        fields:
          id: id
          quantity: qty
          unitPrice: {{from: unit_price_cents, cents: true}}
          totalAmount: {{from: total_cents, cents: true}}
          totalTaxAmount: {{from: tax_cents, cents: true}}
          productRef: {{object: {{id: product_id}}}}
      payments:
        each: payments
        fields:
          id: id
          amount: {{from: amount_cents, cents: true}}
          status: {{value: Paid}}
  commerce-customers:
    path: /customers
    items: data
    pagination: {{style: page, page_param: page, size_param: per_page, size: 3}}
    incremental: {{param: updated_since}}
    fields:
      id: id
      emailAddress: email
      customerName: full_name
      createdDate: created_at
      sourceModifiedDate: updated_at
  commerce-products:
    path: /products
    pagination: {{style: offset, offset_param: offset, size_param: limit, size: 2}}
    fields:
      id: id
      name: title
      isGiftCard: {{value: false}}
  commerce-companyInfo:
    path: /shop
    single: true
    fields:
      companyName: shop.name
      baseCurrency: shop.currency
      companyLegalName: shop.name
"""


def declaration(base_url: str, timeout: float = 5.0) -> str:
    return DECLARATION.format(base_url=base_url, timeout=timeout)
