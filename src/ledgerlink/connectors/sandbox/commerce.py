"""The Commerce Sandbox (`aiwb`): a small retailer's shop, tills and payments, simulated at any volume.

Time and volume follow `simulation.py` (simulated clock, 24-36 months of history, `scale` and `speed` from the
credentials). Money is pence internally (GBP); every order is in GBP and in the United Kingdom.

What the shop looks like
------------------------
* **Catalogues**, created when the history starts unless said otherwise: tax components (standard 20%,
  reduced 5%, zero), payment methods (card, Apple Pay, PayPal, cash, gift card, cheque; cheque is archived
  150-450 days in and never used after), a two-level product category tree, and 2-3 locations (an online
  store, a high-street store, maybe a market kiosk; a pop-up opens 180-540 days in).
* **Products**: a catalogue of `24 + 8 * isqrt(scale)` on day 0, then a new one every ~25 days (faster with
  scale). Each belongs to a leaf category (`categorization` is its name; `productCategoryRefs` its id, as
  Codat's own responses show though the schema omits it) and has 1-3 variants (sizes, coffee weights; the gift
  card has two values). Half of them have a price rise 120-600 days after creation, and some are unpublished
  200-900 days after (never sold after that). Products have no top-level modified date (Codat's shape): each
  variant carries the product's latest event.
* **Customers**: `8 + 4 * scale` on day 0, then ~0.4 * scale a day. 30% change email and phone within a
  year; 1 in 13 are leads who never order and are deleted within 200 days.
* **Orders** (~6 * scale a day, busiest on Saturdays): 1-4 lines of published products at the price of the
  day, at an open location, for an existing customer (15% are guests, with no `customerRef`). Each line's
  `totalAmount` = `quantity * unitPrice + totalTaxAmount`; the order's `totalAmount` and `totalTaxAmount` are
  the sums over its lines. An order is paid in full when placed, by one payment, or two (a gift card and
  another method). It is closed (`closedDate`) 30 days later. Its life, drawn when it is placed:

  - 4% of online orders are abandoned: the payment stays `Pending`, turns `Failed` within two hours, and the
    order and its payment are deleted 2-13 days later (no money moves);
  - 6% are refunded 1-26 days later, fully or one line partly: refund lines (negative quantities and amounts)
    are added, so `totalAmount` (Codat: "including refunds") drops and `totalRefund` (always <= 0) is the sum
    of the refund lines. Hence, for every order, **sum of its payments + totalRefund = totalAmount**;
  - 1% of card-paid orders that are not refunded are disputed 5-45 days later (see disputes).

* **Payments** (`commerce-payments`, and the same ids in `order.payments[]`): `Paid` at once, or `Pending` →
  `Failed` for abandoned orders (deleted with their order). Their `paymentProvider` is where the money goes
  (`till.py`): card and Apple Pay through the company's card processor (one of Stripe, SumUp, Shopify
  Payments and Square, from the company id), PayPal through PayPal, cash and cheques into the till ("Till"),
  gift cards nowhere ("Sandbox Gift Cards").
* **Transactions** (`commerce-transactions`, Codat's signs: money into the merchant's balance is positive):
  the movements of the processor's and PayPal's balances (cash and gift cards are never in them). `Payment`
  (+amount) and `PaymentFee` (the provider's percentage and fixed fee: Stripe 1.5% + 20p, SumUp 1.69%, Shopify
  Payments 2% + 25p, Square 1.75%, PayPal 2.9% + 30p) per payment, referencing the payment; `Refund` (= the
  order's `totalRefund`, through the provider of the order's last payment) referencing the order; for
  disputes a `PaymentFee` (`dispute_fee`, -£15) when opened, then a `Refund` (`Chargeback`, -amount) if lost
  or a `PaymentFeeRefund` (+£15) if won, referencing the payment. Each provider pays out on its schedule
  (`till.settle_day`: the next business day, or the second, so a weekend's money lands with Friday's): a
  `Payout` on the landing day (06:00), its `totalAmount` minus the sum of the provider's other transactions
  of the days it settles, its `subType` the provider's name and `payout` (`debit` when the provider took
  money back; no `transactionSourceRef`: Codat has no payout reference type). So the sum of all
  transactions up to `T` is what is not yet paid out, and equals the company info's `accountBalances[0]`
  `available` (earlier days' money awaiting its payout) + `pending` (today's so far). The Accounting
  Sandbox's books record the same takings, fees and payouts, and the Banking Sandbox shows the payouts
  landing (`till.py`).
* **Disputes**: reference the disputed payment (`disputedTransactions[0]`, type `Payment`) for its full
  amount; `EvidenceRequired` (due in 7 days) → `Processing` 2-6 days later → `Won` (60%) or `Lost` 10-39
  days after that.

Every event of an order, its payments, transactions and dispute happens within `ORDER_HORIZON` days of the
order; of a customer within `CUSTOMER_HORIZON` days. Volume at scale 1 (25-36 months of history): ~4,000-6,500
orders and as many payments, ~8,000-13,000 transactions, 300-400 customers, ~70 products, 25-50 disputes
(~23,000-34,000 records); orders, payments, transactions and customers grow linearly with `scale`, products
with its square root.
"""

from __future__ import annotations

import random
import threading
import uuid
from array import array
from bisect import bisect_right
from collections.abc import Callable, Generator, Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from math import isqrt
from typing import Any

from ledgerlink.connectors.base import Branding, ConnectorInfo
from ledgerlink.connectors.sandbox.simulation import (
    DAY,
    DELETE,
    EMIT,
    FIRST_NAMES,
    HOUR,
    LAST_NAMES,
    Clock,
    Generate,
    Item,
    Population,
    SimulatedSandbox,
    Window,
    address,
    company_name,
    mix64,
    phone,
    poisson,
)
from ledgerlink.connectors.sandbox.till import (
    C_CASH,
    C_GIFT,
    C_PAYPAL,
    C_PROCESSOR,
    CASH,
    CHARGEBACKS,
    FEES,
    GIFT_REDEEMED,
    GIFT_SOLD,
    GROSS,
    MAX_SETTLE_DAYS,
    N_CHANNELS,
    PAYPAL,
    REFUND_GIFT,
    REFUND_SALES,
    REFUND_VAT,
    REFUNDS,
    SALES,
    VAT,
    WIDTH,
    Till,
    processor_of,
    settle_day,
    settled_days,
)
from ledgerlink.records.registry import SourceType

KEY = "aiwb"
ORDER_HORIZON = 100
CUSTOMER_HORIZON = 400
CURRENCY = "GBP"
COUNTRY = "GBR"
FAM_ORDERS, FAM_CUSTOMERS, FAM_PRODUCTS = 0xC001, 0xC002, 0xC003
K_COMPANY, K_CUSTOMER, K_PRODUCT, K_LOCATION = 0xC0, 0xC1, 0xC2, 0xC3
DISPUTE_FEE = 1_500

DATA_TYPES = (
    "commerce-companyInfo",
    "commerce-customers",
    "commerce-locations",
    "commerce-orders",
    "commerce-payments",
    "commerce-paymentMethods",
    "commerce-products",
    "commerce-productCategories",
    "commerce-transactions",
    "commerce-disputes",
    "commerce-taxComponents",
)

# (name, percent)
TAXES = (("Standard VAT", 20), ("Reduced VAT", 5), ("Zero-rated", 0))
T_STANDARD, T_REDUCED, T_ZERO = 0, 1, 2
# (name, order payment type, the channel its money takes (`till.py`), weight, online, in store); a payment's
# provider and fee are its channel's: the company's card processor, PayPal, the till, or none (gift cards).
METHODS = (
    ("Card", "Card", C_PROCESSOR, 50, True, True),
    ("Apple Pay", "Mobile", C_PROCESSOR, 14, True, True),
    ("PayPal", "Paypal", C_PAYPAL, 12, True, False),
    ("Cash", "Cash", C_CASH, 16, False, True),
    ("Gift Card", "Prepaid", C_GIFT, 4, True, True),
    ("Cheque", "Custom", C_CASH, 4, False, True),
)
M_CARD, M_APPLE, M_PAYPAL, M_CASH, M_GIFT, M_CHEQUE = range(6)
CHANNEL_OF_METHOD = tuple(m[2] for m in METHODS)
GIFT_CARDS = "Sandbox Gift Cards"
# (key, name, parent key)
CATEGORIES: tuple[tuple[str, str, str | None], ...] = (
    ("clothing", "Clothing", None),
    ("mens", "Menswear", "clothing"),
    ("womens", "Womenswear", "clothing"),
    ("home", "Home", None),
    ("kitchen", "Kitchen", "home"),
    ("decor", "Decor", "home"),
    ("food", "Food & Drink", None),
    ("coffee", "Coffee", "food"),
    ("snacks", "Snacks", "food"),
    ("books", "Books & Stationery", None),
    ("giftcards", "Gift Cards", None),
)
CAT = {key: i for i, (key, _, _) in enumerate(CATEGORIES)}
# Leaf categories products are drawn from: (category, tax, names, min pence, max pence, variants, weight).
# A line of products: (category key, tax rate, names, lowest price, highest price, variant kind, weight).
ProductLine = tuple[str, int, tuple[str, ...], int, int, str | None, int]
LINES: tuple[ProductLine, ...] = (
    (
        "mens",
        T_STANDARD,
        ("Oxford Shirt", "Chino Trousers", "Wool Jumper", "Denim Jacket", "Linen Shirt"),
        2_500,
        12_000,
        "size",
        10,
    ),
    (
        "womens",
        T_STANDARD,
        ("Linen Dress", "Silk Scarf", "Knit Cardigan", "Wide-leg Trousers", "Wrap Skirt"),
        2_500,
        14_000,
        "size",
        12,
    ),
    (
        "kitchen",
        T_STANDARD,
        ("Ceramic Mug", "Chef's Knife", "Cast Iron Pan", "Bamboo Board", "Tea Towel Set"),
        800,
        9_000,
        None,
        10,
    ),
    (
        "decor",
        T_STANDARD,
        ("Scented Candle", "Linen Cushion", "Table Lamp", "Wall Print", "Plant Pot"),
        1_200,
        8_000,
        None,
        10,
    ),
    (
        "coffee",
        T_ZERO,
        ("House Blend", "Single Origin", "Decaf Blend", "Espresso Roast"),
        650,
        1_600,
        "weight",
        14,
    ),
    (
        "snacks",
        T_STANDARD,
        ("Sea Salt Crisps", "Dark Chocolate", "Granola", "Shortbread Tin"),
        150,
        900,
        None,
        12,
    ),
    ("books", T_ZERO, ("Notebook", "Cookbook", "Travel Guide", "Sketchbook"), 600, 3_000, None, 6),
    ("kitchen", T_REDUCED, ("Energy-saving Kettle",), 2_000, 4_000, None, 2),
)
_LINE_CUM: list[int] = []
for _line in LINES:
    _LINE_CUM.append((_LINE_CUM[-1] if _LINE_CUM else 0) + _line[6])
ADJECTIVES = (
    "Classic",
    "Everyday",
    "Heritage",
    "Studio",
    "Harbour",
    "Meadow",
    "Nordic",
    "Coastal",
    "Market",
    "Orchard",
)
GIFT_CARD_PRODUCT = 3
REASONS = (
    "Fraudulent",
    "ProductNotReceived",
    "ProductUnacceptable",
    "Duplicate",
    "SubscriptionCanceled",
    "CreditNotProcessed",
)
# (name, physical, address type)
LOCATIONS = (
    ("Online Store", False, "Inventory"),
    ("High Street Store", True, "Billing"),
    ("Market Hall Kiosk", True, "Billing"),
    ("Riverside Pop-up", True, "Billing"),
)
_WEEKDAY = (0.85, 0.85, 0.9, 1.0, 1.15, 1.4, 1.1)  # Monday..Sunday
_SEASON = (0.8, 0.8, 0.9, 0.95, 1.0, 1.0, 0.95, 0.95, 1.0, 1.05, 1.25, 1.45)  # January..December
_DOMAINS = ("example.com", "mail.example", "post.example", "inbox.example")


NEVER = 1 << 62


class Product:
    # `rise`/`retire`: when its price rises / it is unpublished (NEVER if it does not); `variants`:
    # (id, name, price before the rise, price after) in pence.
    __slots__ = ("cat", "gift", "id", "k", "line", "name", "pct", "retire", "rise", "t", "tax", "variants")
    k: int
    id: str
    t: int
    gift: bool
    line: ProductLine | None
    cat: int
    tax: int
    pct: int
    name: str
    variants: list[tuple[str, str, int, int]]
    rise: int
    retire: int

    def last(self, T: int) -> int:
        """Its latest event at or before `T`."""
        last = self.t
        if self.rise <= T:
            last = self.rise
        if self.retire <= T and self.retire > last:
            last = self.retire
        return last


# A location: (index, id, name, opened t).
Location = tuple[int, str, str, int]
# A money movement: (id, t, pence, type, subType, source id, source type, channel).
Money = tuple[str, int, int, str, str, str | None, str | None, int]
# An order line: (line number, product, variant, quantity, unit pence, tax %, tax pence, total pence).
OrderLine = tuple[int, "Product", int, int, int, int, int, int]


class Order:
    # `lines`/`refund_lines`: (line number, product, variant, quantity, unit pence, tax %, tax pence, total
    # pence); `pays`: (payment id, method, pence, fee pence); `dispute`: (opened, processing, resolved, won,
    # reason).
    __slots__ = (
        "cust",
        "cust_h",
        "day",
        "dispute",
        "gross",
        "i",
        "id",
        "lines",
        "loc",
        "pays",
        "refund",
        "refund_lines",
        "refund_tax",
        "t",
        "t_close",
        "t_del",
        "t_fail",
        "t_ref",
        "tax",
    )
    id: str
    day: int
    i: int
    t: int
    loc: Location
    cust: int
    cust_h: int
    lines: list[OrderLine]
    gross: int
    tax: int
    t_fail: int | None
    t_del: int | None
    t_ref: int | None
    t_close: int | None
    dispute: tuple[int, int, int, bool, str] | None
    refund_lines: Sequence[OrderLine]
    refund: int
    refund_tax: int
    pays: list[tuple[str, int, int, int]]


class Shop:
    """One company's shop: catalogues, populations and the orders of each day (`orders(d)`)."""

    def __init__(self, company_id: Any, linked_at: datetime, scale: int = 1, speed: float = 1):
        clock = self.clock = Clock(company_id, linked_at, speed)
        s = self.scale = scale
        h = self.h = clock.hash(K_COMPANY, 0)
        self.name = company_name(h >> 3)
        # Where its money goes: the card processor, PayPal and the till (`till.py`), each method's provider.
        self.processor = processor_of(clock)
        self.channels = (self.processor, PAYPAL, CASH)
        self.providers = tuple(
            GIFT_CARDS if channel == C_GIFT else self.channels[channel].provider
            for channel in CHANNEL_OF_METHOD
        )
        self._fees = tuple(
            self.channels[channel] if channel != C_GIFT else None for channel in CHANNEL_OF_METHOD
        )
        self._till: Till | None = None
        # Catalogues.
        self.tax_ids = [clock.rid("ctax", 0, i) for i in range(len(TAXES))]
        self.method_ids = [clock.rid("cmth", 0, i) for i in range(len(METHODS))]
        self.cheque_archived = (150 + (h >> 20) % 301) * DAY + 18 * HOUR
        self.category_ids = [clock.rid("ccat", 0, i) for i in range(len(CATEGORIES))]
        self.locations: list[Location] = []
        for i, (name, _, _) in enumerate(LOCATIONS):
            opened = 0
            if i == 2 and (h >> 30) & 1:
                continue
            if i == 3:
                opened = (180 + (h >> 31) % 361) * DAY + 8 * HOUR
            self.locations.append((i, clock.rid("cloc", 0, i), name, opened))
        # Populations.
        weekday, growth = clock.weekday, clock.growth
        self.customers = Population(
            clock, FAM_CUSTOMERS, 8 + 4 * s, lambda d: 0.4 * s * growth(d) * _WEEKDAY[weekday(d)]
        )
        root = isqrt(s)
        self.products_pop = Population(
            clock, FAM_PRODUCTS, 24 + 8 * root, lambda d: 0.04 * root if d else 0.0
        )
        self._products: list[Product] = []
        self._prefixes: dict[tuple[str, int], str] = {}
        self._lock = threading.Lock()
        # Payment method draws (cumulative weights): online, in store, in store once cheques are gone.
        self._method_tables = {}
        for key, allowed in (
            ("online", [m for m in range(6) if METHODS[m][4] and m != M_GIFT]),
            ("store", [m for m in range(6) if METHODS[m][5] and m != M_GIFT]),
            ("store-late", [m for m in range(6) if METHODS[m][5] and m not in (M_GIFT, M_CHEQUE)]),
        ):
            cum, total = [], 0
            for m in allowed:
                total += METHODS[m][3]
                cum.append(total)
            self._method_tables[key] = (allowed, [c / total for c in cum])

    # ----------------------------------------------------------------------------------------------- products
    def product(self, k: int) -> Product:
        products = self._products
        if k >= len(products):
            with self._lock:
                while len(products) <= k:
                    products.append(self._make_product(len(products)))
        return products[k]

    def _make_product(self, k: int) -> Product:
        c = self.clock
        h = c.hash(K_PRODUCT, k)
        p = Product()
        p.k = k
        p.id = c.rid("cprd", k >> 16, k & 0xFFFF)
        day = self.products_pop.day_of(k)
        if day == 0 and k < self.products_pop.initial:
            p.t = 0
        else:
            p.t = day * DAY + 8 * HOUR + (h >> 48) % (10 * HOUR)
        p.gift = k == GIFT_CARD_PRODUCT
        if p.gift:
            p.line, p.cat, p.tax, p.name = None, CAT["giftcards"], T_ZERO, "Gift Card"
            p.variants = [
                (c.rid("cvar", k, 0), "£25", 2_500, 2_500),
                (c.rid("cvar", k, 1), "£50", 5_000, 5_000),
            ]
            p.pct = TAXES[p.tax][1]
            p.rise = p.retire = NEVER
            return p
        line = LINES[bisect_right(_LINE_CUM, (h & 0xFFFF) / 0x10000 * _LINE_CUM[-1])]
        cat, tax, names, lo, hi, kind, _ = line
        p.line, p.cat, p.tax, p.pct = line, CAT[cat], tax, TAXES[tax][1]
        p.name = f"{ADJECTIVES[(h >> 16) % len(ADJECTIVES)]} {names[(h >> 20) % len(names)]}"
        price = lo + (h >> 24) % (hi - lo + 1)
        price = price // 50 * 50 + 49
        rise = 105 + (h >> 36) % 11
        risen = (price * rise // 100) // 50 * 50 + 49
        if risen <= price:
            risen = price + 50
        p.rise = p.t + (120 + (h >> 40) % 481) * DAY if (h >> 8) & 1 else NEVER
        retires = k > GIFT_CARD_PRODUCT and (h >> 9) % 8 == 0
        p.retire = p.t + (200 + (h >> 50) % 701) * DAY if retires else NEVER
        if kind == "size":
            p.variants = [(c.rid("cvar", k, j), size, price, risen) for j, size in enumerate(("S", "M", "L"))]
        elif kind == "weight":
            big, big_risen = (price * 34 // 10) // 50 * 50 + 49, (risen * 34 // 10) // 50 * 50 + 49
            p.variants = [
                (c.rid("cvar", k, 0), "250g", price, risen),
                (c.rid("cvar", k, 1), "1kg", big, big_risen),
            ]
        else:
            p.variants = [(c.rid("cvar", k, 0), "Standard", price, risen)]
        return p

    def n_products(self, day: int) -> int:
        """How many products orders of `day` choose from: those created before it (the catalogue on day 0)."""
        return self.products_pop.created_by(day - 1) if day > 0 else self.products_pop.initial

    # ---------------------------------------------------------------------------------------------- customers
    def customer_life(self, k: int) -> tuple[int, int | None, int | None, int]:
        """(created t, changed t | None, deleted t | None, hash) of customer `k`."""
        h = self.clock.hash(K_CUSTOMER, k)
        pop = self.customers
        created = 0 if k < pop.initial else pop.day_of(k) * DAY + 7 * HOUR + (h >> 40) % (14 * HOUR)
        changed = created + (20 + (h >> 24) % 360) * DAY + 2 * HOUR if (h >> 16) % 100 < 30 else None
        deleted = created + (10 + (h >> 8) % 190) * DAY + 5 * HOUR if k > 0 and h % 13 == 0 else None
        return created, changed, deleted, h

    def customer_id(self, k: int) -> str:
        return self.clock.rid("ccus", k >> 16, k & 0xFFFF)

    @staticmethod
    def customer_name(h: int) -> str:
        return f"{FIRST_NAMES[(h >> 4) % 30]} {LAST_NAMES[(h >> 10) % 30]}"

    def n_customers(self, day: int) -> int:
        return self.customers.created_by(day - 1) if day > 0 else self.customers.initial

    # ------------------------------------------------------------------------------------------------- orders
    def _day(self, d: int) -> tuple[random.Random, int, list[Location], int, int]:
        """What every order of day `d` draws from: the day's PRNG (the count already drawn from it), how many
        orders, the physical locations open, how many products and customers there are to choose from."""
        c = self.clock
        r = c.rng(d, FAM_ORDERS)
        act = c.growth(d) * _SEASON[c.month_of_year(d) - 1] * _WEEKDAY[c.weekday(d)]
        count = poisson(r, 6 * self.scale * act)
        base = d * DAY
        physical = [loc for loc in self.locations if loc[3] <= base and LOCATIONS[loc[0]][1]]
        n_products = self.n_products(d)
        if count:
            self.product(n_products - 1)
        return r, count, physical, n_products, self.n_customers(d)

    def _method_table(self, d: int) -> tuple[list[int], list[float]]:
        """The in-store payment methods of day `d` and their cumulative weights (cheques until archived)."""
        return self._method_tables["store" if d * DAY < self.cheque_archived else "store-late"]

    def _lines(self, rnd: Callable[[], float], n_products: int, t: int) -> list[OrderLine]:
        """An order's lines (1-4) of published products at the price of its moment `t`, drawn from its
        day's PRNG (`orders` and `sum_orders` alike)."""
        products = self._products
        lines = []
        for j in range(1 + int(rnd() ** 2 * 4)):
            p = products[int(rnd() * n_products)]
            while p.retire <= t:
                p = products[(p.k + 1) % n_products]
            variants = p.variants
            v = int(rnd() * len(variants))
            qty = 1 + int(rnd() ** 3 * 3)
            unit = variants[v][3] if t >= p.rise else variants[v][2]
            pct = p.pct
            net = qty * unit
            tax = (net * pct + 50) // 100
            lines.append((j, p, v, qty, unit, pct, tax, net + tax))
        return lines

    def orders(self, d: int) -> list[Order]:
        """The orders placed on day `d`, each with its whole life (drawn in a fixed order from its PRNG).

        `sum_orders` draws the same numbers in the same order for the till's sums: a change here is made
        there too (`tests/test_sandbox_till_sums.py` checks they agree)."""
        r, count, physical, n_products, n_customers = self._day(d)
        if not count:
            return []
        c = self.clock
        rnd = r.random
        base = d * DAY
        n_physical = len(physical)
        online_location = self.locations[0]
        customer_seed = c.seed ^ (K_CUSTOMER << 40)
        ids = c.rid_prefix("cord", d)
        pay_ids = c.rid_prefix("cpmt", d)
        tail = c.c8b
        allowed, cum = self._method_table(d)
        online_allowed, online_cum = self._method_tables["online"]
        fees = self._fees
        out = []
        for i in range(count):
            o = Order()
            o.id = f"{ids}{i:04x}-0000{tail}"
            o.day = d
            o.i = i
            t = o.t = base + 8 * HOUR + int(rnd() * 14 * HOUR)
            online = rnd() < 0.4 or not n_physical
            o.loc = online_location if online else physical[int(rnd() * n_physical)]
            # Customer: an existing one who is not a lead (leads never order), or a guest (-1).
            if rnd() < 0.85 and n_customers:
                k = int(rnd() * n_customers)
                h = mix64(customer_seed ^ k)
                while k and h % 13 == 0:
                    k -= 1
                    h = mix64(customer_seed ^ k)
                o.cust = k
                o.cust_h = h
            else:
                o.cust = -1
            lines = self._lines(rnd, n_products, t)
            gross = tax_total = 0
            for line in lines:
                gross += line[7]
                tax_total += line[6]
            o.lines = lines
            o.gross = gross
            o.tax = tax_total
            o.t_fail = o.t_del = o.t_ref = o.t_close = o.dispute = None
            o.refund_lines = ()
            o.refund = o.refund_tax = 0
            # Payments: abandoned (pending, failed, deleted with the order), or paid in one or two payments.
            if online and rnd() < 0.04:
                o.pays = [(f"{pay_ids}{i:04x}-0000{tail}", M_CARD if rnd() < 0.7 else M_PAYPAL, gross, 0)]
                o.t_fail = t + 600 + int(rnd() * 7_200)
                o.t_del = t + (2 + int(rnd() * 12)) * DAY + int(rnd() * 6 * HOUR)
                out.append(o)
                continue
            if online:
                method = online_allowed[bisect_right(online_cum, rnd())]
            else:
                method = allowed[bisect_right(cum, rnd())]
            channel = fees[method]
            if gross >= 2_000 and rnd() < 0.08:
                gift = 2_500 if gross > 3_000 else gross // 2
                rest = gross - gift
                o.pays = [
                    (f"{pay_ids}{i:04x}-0000{tail}", M_GIFT, gift, 0),
                    (f"{pay_ids}{i:04x}-0001{tail}", method, rest, channel.fee(rest) if channel else 0),
                ]
            else:
                o.pays = [
                    (f"{pay_ids}{i:04x}-0000{tail}", method, gross, channel.fee(gross) if channel else 0)
                ]
            o.t_close = t + 30 * DAY
            x = rnd()
            if x < 0.06:
                o.t_ref = t + (1 + int(rnd() * 25)) * DAY + int(rnd() * 8 * HOUR)
                if rnd() < 0.4:
                    chosen = [(line, line[3]) for line in lines]
                else:
                    line = lines[int(rnd() * len(lines))]
                    chosen = [(line, 1 + int(rnd() * line[3]))]
                refund_lines = []
                for j, (line, qty) in enumerate(chosen):
                    _j, p, v, _q, unit, pct, _tax, _total = line
                    net = qty * unit
                    tax = (net * pct + 50) // 100
                    refund_lines.append((0x100 + j, p, v, -qty, unit, pct, -tax, -(net + tax)))
                o.refund_lines = refund_lines
                o.refund = sum(line[7] for line in refund_lines)
                o.refund_tax = sum(line[6] for line in refund_lines)
            elif x < 0.07 and o.pays[0][1] in (M_CARD, M_APPLE):
                opened = t + (5 + int(rnd() * 41)) * DAY + int(rnd() * 10 * HOUR)
                processing = opened + (2 + int(rnd() * 5)) * DAY
                resolved = processing + (10 + int(rnd() * 30)) * DAY
                o.dispute = (opened, processing, resolved, rnd() < 0.6, REASONS[int(rnd() * len(REASONS))])
            out.append(o)
        return out

    def sum_orders(self, d: int, sums: array) -> None:
        """Add the money of day `d`'s orders to the till's sums (`till.Till`: `WIDTH` numbers a day, with room
        for every day an order's money moves on), without building the orders.

        The till needs every order of the history (the books' takings, the bank's payouts), but only its
        sums: this draws the same numbers as `orders` in the same order and keeps what the sums need (a
        line's product, price and tax; the payments' channels and fees; a refund's lines; a dispute's days
        and outcome), about three times as fast. Abandoned orders move no money and sell nothing."""
        r, count, physical, n_products, n_customers = self._day(d)
        if not count:
            return
        rnd = r.random
        base_t = d * DAY + 8 * HOUR
        n_physical = len(physical)
        allowed, cum = self._method_table(d)
        online_allowed, online_cum = self._method_tables["online"]
        # By method: its channel, and its fee as (basis points, pence per payment) (none for gift cards).
        channel_of = CHANNEL_OF_METHOD
        fee_of = [(how.fee_bp, how.fee_fixed) if how is not None else (0, 0) for how in self._fees]
        # The day's own sums, added to the array once; refunds and disputes land on later days.
        sales = vat = gift_sold = gift_redeemed = 0
        gross_by = [0] * N_CHANNELS
        fees_by = [0] * N_CHANNELS
        for _i in range(count):
            t = base_t + int(rnd() * 14 * HOUR)
            online = rnd() < 0.4 or not n_physical
            if not online:
                rnd()  # the location
            if rnd() < 0.85 and n_customers:
                rnd()  # the customer
            lines = self._lines(rnd, n_products, t)
            gross = o_sales = o_vat = o_gift = 0
            for _j, p, _v, _qty, _unit, _pct, tax, total in lines:
                gross += total
                if p.gift:
                    o_gift += total
                else:
                    o_sales += total - tax
                    o_vat += tax
            if online and rnd() < 0.04:  # abandoned: its method, when it fails, when it is deleted
                rnd(), rnd(), rnd(), rnd()
                continue
            sales += o_sales
            vat += o_vat
            gift_sold += o_gift
            method = (
                online_allowed[bisect_right(online_cum, rnd())]
                if online
                else allowed[bisect_right(cum, rnd())]
            )
            channel = channel_of[method]
            paid, split = gross, gross >= 2_000 and rnd() < 0.08  # split: a gift card pays part
            if split:
                gift = 2_500 if gross > 3_000 else gross // 2
                paid = gross - gift
                gift_redeemed += gift
            if channel == C_GIFT:
                gift_redeemed += paid
            else:
                gross_by[channel] += paid
                fee_bp, fee_fixed = fee_of[method]
                if fee_bp or fee_fixed:  # `Channel.fee`
                    fees_by[channel] += (paid * fee_bp + 5_000) // 10_000 + fee_fixed
            x = rnd()
            if x < 0.06:
                row = (t + (1 + int(rnd() * 25)) * DAY + int(rnd() * 8 * HOUR)) // DAY * WIDTH
                if rnd() < 0.4:
                    chosen = [(line[1], line[3], line[4], line[5]) for line in lines]
                else:
                    _j, p, _v, qty, unit, pct, _tax, _total = lines[int(rnd() * len(lines))]
                    chosen = [(p, 1 + int(rnd() * qty), unit, pct)]
                refund = 0
                for p, qty, unit, pct in chosen:
                    net = qty * unit
                    tax = (net * pct + 50) // 100
                    refund += net + tax
                    if p.gift:
                        sums[row + REFUND_GIFT] += net + tax
                    else:
                        sums[row + REFUND_SALES] += net
                        sums[row + REFUND_VAT] += tax
                if channel == C_GIFT:
                    sums[row + GIFT_REDEEMED] -= refund
                else:
                    sums[row + REFUNDS + channel] += refund
            elif x < 0.07 and not split and method in (M_CARD, M_APPLE):
                opened = t + (5 + int(rnd() * 41)) * DAY + int(rnd() * 10 * HOUR)
                resolved = opened + (2 + int(rnd() * 5)) * DAY + (10 + int(rnd() * 30)) * DAY
                won = rnd() < 0.6
                rnd()  # the reason
                sums[opened // DAY * WIDTH + FEES + channel] += DISPUTE_FEE
                if won:
                    sums[resolved // DAY * WIDTH + FEES + channel] -= DISPUTE_FEE
                else:
                    sums[resolved // DAY * WIDTH + CHARGEBACKS + channel] += paid
        row = d * WIDTH
        sums[row + SALES] += sales
        sums[row + VAT] += vat
        sums[row + GIFT_SOLD] += gift_sold
        sums[row + GIFT_REDEEMED] += gift_redeemed
        for channel in range(N_CHANNELS):
            sums[row + GROSS + channel] += gross_by[channel]
            sums[row + FEES + channel] += fees_by[channel]

    def prefix(self, kind: str, day: int) -> str:
        """`Clock.rid_prefix`, remembered (one string per kind and day)."""
        key = (kind, day)
        found = self._prefixes.get(key)
        if found is None:
            found = self._prefixes[key] = self.clock.rid_prefix(kind, day)
        return found

    def money(self, o: Order) -> list[Money]:
        """An order's money movements: (id, t, pence, type, subType, source id, source type, channel).

        Every payment (a gift card's too: channel `C_GIFT`), its fee, the refund (through the channel of the
        order's last payment, never a gift card) and a dispute's fee and outcome. `transactions` are those
        of the channels whose money is the provider's balance (`Channel.in_balance`)."""
        if o.t_del is not None:
            return []
        head = f"{self.prefix('ctxn', o.day)}{o.i:04x}-"
        tail = self.clock.c8b
        out: list[Money] = []
        for j, (pid, m, amount, fee) in enumerate(o.pays):
            channel = CHANNEL_OF_METHOD[m]
            out.append(
                (f"{head}{2 * j:04x}{tail}", o.t, amount, "Payment", "charge", pid, "Payment", channel)
            )
            if fee:
                out.append(
                    (
                        f"{head}{2 * j + 1:04x}{tail}",
                        o.t,
                        -fee,
                        "PaymentFee",
                        "processing_fee",
                        pid,
                        "Payment",
                        channel,
                    )
                )
        if o.t_ref is not None:
            channel = CHANNEL_OF_METHOD[o.pays[-1][1]]
            out.append(
                (f"{head}0010{tail}", o.t_ref, o.refund, "Refund", "PaymentRefund", o.id, "Order", channel)
            )
        if o.dispute is not None:
            opened, _processing, resolved, won, _reason = o.dispute
            pid, m, amount = o.pays[0][0], o.pays[0][1], o.pays[0][2]
            channel = CHANNEL_OF_METHOD[m]
            out.append(
                (
                    f"{head}0011{tail}",
                    opened,
                    -DISPUTE_FEE,
                    "PaymentFee",
                    "dispute_fee",
                    pid,
                    "Payment",
                    channel,
                )
            )
            if won:
                out.append(
                    (
                        f"{head}0013{tail}",
                        resolved,
                        DISPUTE_FEE,
                        "PaymentFeeRefund",
                        "dispute_fee_refund",
                        pid,
                        "Payment",
                        channel,
                    )
                )
            else:
                out.append(
                    (f"{head}0012{tail}", resolved, -amount, "Refund", "Chargeback", pid, "Payment", channel)
                )
        return out

    @property
    def till(self) -> Till:
        """The shop's money summed by day (`till.Till`), made once."""
        if self._till is None:
            with self._lock:
                if self._till is None:
                    self._till = Till(self, ORDER_HORIZON)
        return self._till

    def payout_id(self, landing: int, channel: int) -> str:
        """The id of the payout of a channel landing on day `landing`."""
        return self.clock.rid("cpyo", landing, channel)

    def payout(self, landing: int, channel: int, settled: int) -> Money:
        """The payout of `channel` landing on day `landing`, paying out `settled` pence (their net): a
        `Payout` transaction at the channel's hour that day, its `subType` the provider's name and `payout`
        (`debit` when the channel took money back)."""
        return (
            self.payout_id(landing, channel),
            landing * DAY + self.channels[channel].hour * HOUR,
            -settled,
            "Payout",
            f"{self.channels[channel].provider} {'payout' if settled > 0 else 'debit'}",
            None,
            None,
            channel,
        )


@lru_cache(maxsize=32)
def shop_for(company_id: Any, linked_at: datetime, scale: int, speed: float) -> Shop:
    return Shop(company_id, linked_at, scale, speed)


# ------------------------------------------------------------------------------------------------- data types
def _static(w: Window, created: int = 0) -> bool:
    """Whether a record created at `created` and never changed belongs in the pull."""
    return created <= w.T and (w.S is None or created > w.S)


def _tax_components(shop: Shop, w: Window) -> Iterator[Item]:
    if _static(w):
        created = shop.clock.ts(0)
        for i, (name, pct) in enumerate(TAXES):
            yield {
                "id": shop.tax_ids[i],
                "name": name,
                "rate": pct / 100,
                "isCompound": False,
                "sourceModifiedDate": created,
            }


def _payment_methods(shop: Shop, w: Window) -> Iterator[Item]:
    for i, (name, *_rest) in enumerate(METHODS):
        archived = shop.cheque_archived if i == M_CHEQUE and shop.cheque_archived <= w.T else None
        last = archived if archived is not None else 0
        if w.T >= 0 and w.wants(0, last, None) == EMIT:
            yield {
                "id": shop.method_ids[i],
                "name": name,
                "status": "Archived" if archived else "Active",
                "sourceModifiedDate": shop.clock.ts(last),
            }


def _categories(shop: Shop, w: Window) -> Iterator[Item]:
    if not _static(w):
        return
    created = shop.clock.ts(0)
    ids = shop.category_ids
    for i, (key, name, parent) in enumerate(CATEGORIES):
        yield {
            "id": ids[i],
            "name": name,
            "ancestorRefs": [{"id": ids[CAT[parent]], "type": "ProductCategory"}] if parent else [],
            "hasChildren": any(p == key for _, _, p in CATEGORIES),
            "sourceModifiedDate": created,
        }


def _locations(shop: Shop, w: Window) -> Iterator[Item]:
    for i, lid, name, opened in shop.locations:
        if _static(w, opened):
            yield {
                "id": lid,
                "name": name,
                "address": address(shop.clock.hash(K_LOCATION, i), LOCATIONS[i][2]),
                "sourceModifiedDate": shop.clock.ts(opened),
            }


def _products(shop: Shop, w: Window) -> Iterator[Item]:
    T, ts = w.T, shop.clock.ts
    names = [name for _, name, _ in CATEGORIES]
    for k in range(shop.products_pop.created_by(w.last_day)):
        p = shop.product(k)
        if p.t > T:
            continue
        last = p.last(T)
        if w.wants(p.t, last, None) != EMIT:
            continue
        rose = p.rise <= T
        status = "Unpublished" if p.retire <= T else "Published"
        created, modified = ts(p.t), ts(last)
        variants = []
        for j, (vid, vname, price, risen) in enumerate(p.variants):
            variants.append(
                {
                    "id": vid,
                    "name": vname,
                    "isTaxEnabled": TAXES[p.tax][1] > 0,
                    "sku": f"SKU-{k:05d}-{j + 1}",
                    "barcode": f"50{(shop.clock.hash(K_PRODUCT, (k << 4) | j) % 10**11):011d}",
                    "unitOfMeasure": "Each",
                    "vatPercentage": TAXES[p.tax][1],
                    "prices": [{"currency": CURRENCY, "unitPrice": (risen if rose else price) / 100}],
                    "shippingRequired": not p.gift,
                    "status": status,
                    "createdDate": created,
                    "sourceModifiedDate": modified,
                }
            )
        yield {
            "id": p.id,
            "name": p.name,
            "description": f"{p.name} from the {shop.name} range.",
            "categorization": names[p.cat],
            "productCategoryRefs": [{"id": shop.category_ids[p.cat], "name": names[p.cat]}],
            "isGiftCard": p.gift,
            "variants": variants,
        }
        if k % 256 == 255:
            yield None


def _customers(shop: Shop, w: Window) -> Iterator[Item]:
    T, ts = w.T, shop.clock.ts
    pop = shop.customers
    first = 0 if w.S is None else pop.created_by(w.first_day(CUSTOMER_HORIZON) - 1)
    for k in range(first, pop.created_by(w.last_day)):
        created, changed, deleted, h = shop.customer_life(k)
        if created > T:
            continue
        has_changed = changed is not None and changed <= T
        last = changed if changed is not None and has_changed else created
        state = w.wants(created, last, deleted)
        if state == DELETE:
            yield shop.customer_id(k)
        elif state == EMIT:
            first_name, last_name = FIRST_NAMES[(h >> 4) % 30], LAST_NAMES[(h >> 10) % 30]
            domain = _DOMAINS[((h >> 56) + (1 if has_changed else 0)) % len(_DOMAINS)]
            yield {
                "id": shop.customer_id(k),
                "customerName": f"{first_name} {last_name}",
                "emailAddress": f"{first_name}.{last_name}{k}@{domain}".lower(),
                "phone": phone(h >> (3 if has_changed else 0)),
                "defaultCurrency": CURRENCY,
                "addresses": [address(h >> 5)],
                "createdDate": ts(created),
                "sourceModifiedDate": ts(last),
            }
        if k % 512 == 511:
            yield None


def _order_last(o: Order, T: int) -> int:
    last = o.t
    for event in (o.t_fail, o.t_ref, o.t_close):
        if event is not None and last < event <= T:
            last = event
    return last


def _payment_status(o: Order, T: int) -> str:
    if o.t_del is None:
        return "Paid"
    return "Failed" if o.t_fail is not None and o.t_fail <= T else "Pending"


def _order_record(shop: Shop, o: Order, T: int, last: int) -> dict[str, Any]:
    ts = shop.clock.ts
    tax_ids = shop.tax_ids
    refunded = o.t_ref is not None and o.t_ref <= T
    items = []
    head = f"{shop.prefix('clin', o.day)}{o.i:04x}-"
    tail = shop.clock.c8b
    for lines in (o.lines, o.refund_lines) if refunded else (o.lines,):
        for j, p, v, qty, unit, pct, tax, total in lines:
            items.append(
                {
                    "id": f"{head}{j:04x}{tail}",
                    "quantity": qty,
                    "taxPercentage": pct,
                    "totalAmount": total / 100,
                    "totalTaxAmount": tax / 100,
                    "unitPrice": unit / 100,
                    "taxes": [
                        {
                            "taxComponentRef": {"id": tax_ids[p.tax], "name": TAXES[p.tax][0]},
                            "rate": tax / 100,
                        }
                    ],
                    "productRef": {"id": p.id, "name": p.name},
                    "productVariantRef": {"id": p.variants[v][0], "name": p.variants[v][1]},
                }
            )
    status = _payment_status(o, T)
    created = ts(o.t)
    record: dict[str, Any] = {
        "id": o.id,
        "orderNumber": f"{shop.clock.day_iso(o.day)[2:].replace('-', '')}-{o.i + 1:04d}",
        "country": COUNTRY,
        "currency": CURRENCY,
    }
    if o.t_close is not None and o.t_close <= T:
        record["closedDate"] = ts(o.t_close)
    refund = o.refund if refunded else 0
    record.update(
        {
            "totalAmount": (o.gross + refund) / 100,
            "totalRefund": refund / 100,
            "totalTaxAmount": (o.tax + (o.refund_tax if refunded else 0)) / 100,
            "totalDiscount": 0.0,
            "totalGratuity": 0.0,
            "orderLineItems": items,
            "payments": [
                {
                    "id": pid,
                    "amount": amount / 100,
                    "currency": CURRENCY,
                    "type": METHODS[m][1],
                    "status": status,
                    "paymentProvider": shop.providers[m],
                    "createdDate": created,
                }
                for pid, m, amount, _fee in o.pays
            ],
            "locationRef": {"id": o.loc[1], "name": o.loc[2]},
        }
    )
    if o.cust >= 0:
        record["customerRef"] = {"id": shop.customer_id(o.cust), "name": shop.customer_name(o.cust_h)}
    record["createdDate"] = created
    record["sourceModifiedDate"] = ts(last)
    return record


def _orders(shop: Shop, w: Window) -> Iterator[Item]:
    T, sync_from = w.T, w.sync_from
    for d in range(w.first_day(ORDER_HORIZON), w.last_day + 1):
        for o in shop.orders(d):
            if o.t > T or (sync_from is not None and o.t < sync_from):
                continue
            last = _order_last(o, T)
            state = w.wants(o.t, last, o.t_del)
            if state == EMIT:
                yield _order_record(shop, o, T, last)
            elif state == DELETE:
                yield o.id
        yield None


def _payments(shop: Shop, w: Window) -> Iterator[Item]:
    T, sync_from, ts = w.T, w.sync_from, shop.clock.ts
    method_ids = shop.method_ids
    for d in range(w.first_day(ORDER_HORIZON), w.last_day + 1):
        for o in shop.orders(d):
            if o.t > T or (sync_from is not None and o.t < sync_from):
                continue
            last = o.t_fail if o.t_fail is not None and o.t_fail <= T else o.t
            state = w.wants(o.t, last, o.t_del)
            if state == DELETE:
                for pay in o.pays:
                    yield pay[0]
            elif state == EMIT:
                status = _payment_status(o, T)
                created, modified = ts(o.t), ts(last)
                for pid, m, amount, _fee in o.pays:
                    yield {
                        "id": pid,
                        "amount": amount / 100,
                        "currency": CURRENCY,
                        "paymentMethodRef": {"id": method_ids[m], "name": METHODS[m][0]},
                        "status": status,
                        "paymentProvider": shop.providers[m],
                        "createdDate": created,
                        "sourceModifiedDate": modified,
                    }
        yield None


def _transaction_record(ts: Callable[[int], str], txn: Money) -> dict[str, Any]:
    tid, t, pence, type_, sub, src, src_type, _channel = txn
    when = ts(t)
    record: dict[str, Any] = {
        "id": tid,
        "totalAmount": pence / 100,
        "currency": CURRENCY,
        "type": type_,
        "subType": sub,
    }
    if src is not None:
        record["transactionSourceRef"] = {"id": src, "type": src_type}
    record["createdDate"] = when
    record["sourceCreatedDate"] = when
    record["sourceModifiedDate"] = when
    return record


def _transactions(shop: Shop, w: Window) -> Iterator[Item]:
    T, S, sync_from, ts = w.T, w.S, w.sync_from, shop.clock.ts
    clock, channels = shop.clock, shop.channels
    first = w.first_day(ORDER_HORIZON + MAX_SETTLE_DAYS)
    # (channel, day) -> the sum of that day's movements of the channel (bounded: days within the horizon).
    net: dict[tuple[int, int], int] = {}

    def wanted(t: int) -> bool:
        return t <= T and (S is None or t > S) and (sync_from is None or t >= sync_from)

    for d in range(first, w.last_day + 1):
        for o in shop.orders(d):
            for txn in shop.money(o):
                channel = txn[7]
                if channel == C_GIFT or not channels[channel].in_balance:
                    continue
                t = txn[1]
                key = (channel, t // DAY)
                net[key] = net.get(key, 0) + txn[2]
                if wanted(t):
                    yield _transaction_record(ts, txn)
        # Every movement on day d comes from an order placed by day d: day d is complete, and so is a payout
        # whose last day it is. Days within the horizon of `first` are incomplete, but their payouts land
        # before `S` anyway.
        for channel, how in enumerate(channels):
            if not how.in_balance:
                continue
            landing = settle_day(clock, d, how.lag)
            if settle_day(clock, d + 1, how.lag) == landing:
                continue  # the next day's money lands with this day's
            days = settled_days(clock, landing, how.lag)
            settled = sum(net.pop((channel, day), 0) for day in days)
            if settled and (S is None or days.start >= first + ORDER_HORIZON):
                payout = shop.payout(landing, channel, settled)
                if wanted(payout[1]):
                    yield _transaction_record(ts, payout)
        yield None


def _disputes(shop: Shop, w: Window) -> Iterator[Item]:
    T, sync_from, ts = w.T, w.sync_from, shop.clock.ts
    for d in range(w.first_day(ORDER_HORIZON), w.last_day + 1):
        for o in shop.orders(d):
            if o.dispute is None:
                continue
            opened, processing, resolved, won, reason = o.dispute
            if opened > T or (sync_from is not None and opened < sync_from):
                continue
            if resolved <= T:
                last, status, due = resolved, "Won" if won else "Lost", None
            elif processing <= T:
                last, status, due = processing, "Processing", resolved
            else:
                last, status, due = opened, "EvidenceRequired", opened + 7 * DAY
            if w.wants(opened, last, None) != EMIT:
                continue
            pid, _m, amount, _fee = o.pays[0]
            record: dict[str, Any] = {
                "id": shop.clock.rid("cdsp", o.day, o.i),
                "disputedTransactions": [{"id": pid, "type": "Payment"}],
                "totalAmount": amount / 100,
                "currency": CURRENCY,
                "status": status,
                "reason": reason,
            }
            if due is not None:
                record["dueDate"] = ts(due)
            record["createdDate"] = ts(opened)
            record["sourceModifiedDate"] = ts(last)
            yield record
        yield None


def balances(shop: Shop, T: int) -> Generator[None, None, tuple[int, int, int]]:
    """(available, pending, last change t) of the merchant's balance with its providers at `T` (see the
    module docstring), returned after a `None` tick per day looked at (`yield from`: the event loop's turns).

    `pending` is today's movements so far, `available` the earlier days' not yet paid out (a day's money is
    paid out on its channel's landing day, `till.settle_day`); the balance last changed at the latest
    movement or payout at or before `T` (found by looking back a week and more, further if the shop was
    quiet).
    """
    if T < 0:
        return 0, 0, 0
    clock, channels = shop.clock, shop.channels
    today = T // DAY
    lookback = 8
    while True:
        low = max(0, today - lookback)
        per_day: dict[tuple[int, int], int] = {}
        last, found = 0, False
        for d in range(max(0, low - ORDER_HORIZON), today + 1):
            for o in shop.orders(d):
                for _tid, t, pence, *_rest, channel in shop.money(o):
                    if t > T or channel == C_GIFT or not channels[channel].in_balance:
                        continue
                    day = t // DAY
                    if day >= low:
                        per_day[channel, day] = per_day.get((channel, day), 0) + pence
                        last = max(last, t)
                        found = found or day > low + MAX_SETTLE_DAYS + 1
            yield None
        available = pending = 0
        landings: set[tuple[int, int]] = set()
        for (channel, day), pence in per_day.items():
            how = channels[channel]
            landing = settle_day(clock, day, how.lag)
            landings.add((channel, landing))
            if day == today:
                pending += pence
            elif landing * DAY + how.hour * HOUR > T:
                available += pence
        for channel, landing in landings:
            how = channels[channel]
            days, landed = settled_days(clock, landing, how.lag), landing * DAY + how.hour * HOUR
            if days.start >= low and landed <= T and sum(per_day.get((channel, d), 0) for d in days) != 0:
                last = max(last, landed)
        # Anything before `low` happened before an event of a later day, so cannot be the latest change.
        if found or low == 0:
            break
        lookback *= 4
    return available, pending, last


def _company_info(shop: Shop, w: Window) -> Iterator[Item]:
    if w.T < 0:
        return
    available, pending, last = yield from balances(shop, w.T)
    if w.S is not None and last <= w.S:
        return
    h = shop.h
    slug = shop.name.lower().replace(" ", "")
    yield {
        "companyName": shop.name,
        "commercePlatformRef": shop.clock.company_id.hex,
        "companyLegalName": f"{shop.name} Ltd",
        "addresses": [address(h >> 9)],
        "phoneNumbers": [{"number": phone(h >> 17), "type": "Primary"}],
        "webLinks": [{"type": "Website", "url": f"https://www.{slug}.example"}],
        "registrationNumber": f"{10_000_000 + (h >> 23) % 9_000_000:08d}",
        "baseCurrency": CURRENCY,
        "accountBalances": [{"available": available / 100, "pending": pending / 100, "currency": CURRENCY}],
        "sourceUrls": {},
        "createdDate": shop.clock.ts(0),
        "sourceModifiedDate": shop.clock.ts(last),
    }


GENERATORS: dict[str, Generate[Shop]] = {
    "commerce-companyInfo": _company_info,
    "commerce-customers": _customers,
    "commerce-locations": _locations,
    "commerce-orders": _orders,
    "commerce-payments": _payments,
    "commerce-paymentMethods": _payment_methods,
    "commerce-products": _products,
    "commerce-productCategories": _categories,
    "commerce-transactions": _transactions,
    "commerce-disputes": _disputes,
    "commerce-taxComponents": _tax_components,
}


class CommerceSandbox(SimulatedSandbox[Shop]):
    info = ConnectorInfo(
        key=KEY,
        name="Commerce Sandbox",
        source_type=SourceType.COMMERCE,
        branding=Branding(mark="CS", background="#c2410c"),
        data_types=DATA_TYPES,
        data_provided_by="ledgerlink",
        is_sandbox=True,
        accepts_credentials=True,
    )

    generators = GENERATORS

    def model(self, company_id: uuid.UUID, linked_at: datetime, scale: int, speed: float) -> Shop:
        return shop_for(company_id, linked_at, scale, speed)
