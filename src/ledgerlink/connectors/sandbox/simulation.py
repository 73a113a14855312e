"""Shared machinery of the simulated sandboxes: clock, seeds, PRNGs, money, credentials and batching.

The Accounting Sandbox (`books.py`, whose books are a `Clock`), the Banking Sandbox (`banking.py`) and the
Commerce Sandbox (`commerce.py`) are built on this module, and any other sandbox can be: nothing here knows
about a data type. Nothing touches a database or the network, and nothing is stored between pulls: a sandbox
recomputes every record, and its whole life, from the company id. One clock means one history: a company
linked to all three sandboxes has books starting on the same day.

Time model
----------
* **Simulated clock.** ``simulated(t) = linked_at + (t - linked_at) * speed``, where ``speed`` (credentials,
  default 1, 1 to 10,000,000) is how many simulated seconds pass per real second (86,400 = one simulated day
  per real second). A pull at ``as_of`` sees the platform as it stands at ``T = simulated(as_of)``. The clock
  stops ``MAX_SIMULATED_YEARS`` after the history starts.
* **History.** The history starts at midnight UTC on the first day of a month 24 to 36 months before
  ``linked_at``; the number of months comes from the company id only (``24 + seed % 13``), so every sandbox
  linked to the same company starts on the same day. Internally every moment is an integer number of seconds
  since that start (``t``), and day ``d`` is ``[d * DAY, (d + 1) * DAY)``.
* **Seeds.** Everything is derived from the company id (never the connection id or the data type), so the
  records of different data types line up: an order and the payment it references are drawn from the same
  seed, whichever type is being pulled. Two kinds of PRNG:

  - ``Clock.rng(day, family)``: a ``random.Random`` seeded from (company, day, family) for the records
    *created* on that day (orders, bank transactions). It is drawn in a fixed order, record index by record
    index, so record ``(day, index)`` is always the same record; when it is created, its whole future
    (modifications, deletion) is drawn at once, and each of those events happens within a fixed horizon of
    its creation. Its state as of ``T`` is then computed locally: the events at or before ``T``.
  - ``Clock.hash(kind, index)``: a 64-bit hash of (company, kind, index), for long-lived entities that others
    reference (customers, products): any one of them can be computed in O(1) without generating the others.

* **Modified dates.** A record's ``sourceModifiedDate`` is its latest event at or before ``T``. Sandboxes
  never set ``modifiedDate`` (the record store does).
* **Incremental pulls** (``Window.S`` set): only records whose latest event is in ``(S, T]``; records that
  existed at ``S`` and were deleted in ``(S, T]`` are reported as deleted ids; records created and deleted
  within the window are not reported at all. A full pull (``S`` None) omits records deleted by ``T``. Because
  every event lies within a horizon of its record's creation, an incremental pull only generates the days from
  ``S - horizon`` on (``Window.first_day``).

Volume model
------------
``scale`` (credentials, whole number 1 to 100,000, default 1) multiplies daily rates; each sandbox documents
what scale 1 produces. Activity also follows a growth ramp over the first three years (``Clock.growth``) and
each sandbox's own weekday and seasonal factors.

Money
-----
Money is integer minor units (pence, cents) everywhere internally, so sums are exact; it becomes a JSON number
(``amount(pence)`` = ``pence / 100``) only in the output.

Pull protocol
-------------
A sandbox's ``items()`` yields, lazily, day by day: records (dicts in Codat's shapes), deleted ids (``str``)
and ``None`` ticks (at least one per simulated day, so long computations that produce nothing still let
the event loop have a turn). ``stream_batches`` turns that into ``Batch``es of ``BATCH_SIZE``, so memory
stays flat whatever the volume, and hands the event loop a turn every ``SLICE_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import threading
import time
import uuid
from abc import ABC, abstractmethod
from bisect import bisect_right
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Generic, Protocol, TypeVar

from ledgerlink.connectors.base import (
    AuthorizationRejected,
    Batch,
    Connector,
    DataTypeNotSupported,
    FetchRequest,
)

DAY = 86_400
HOUR = 3_600
MINUTE = 60
MAX_SIMULATED_YEARS = 100
MAX_SCALE = 100_000
MIN_SPEED = 1
MAX_SPEED = 10_000_000
BATCH_SIZE = 500
# Longest stretch of generation (all pulls together) between two turns of the event loop (`stream_batches`).
SLICE_SECONDS = 0.002
# Pulls of this process generating records right now (`stream_batches`).
_generating = 0
M64 = (1 << 64) - 1

# What a pull yields: a record, a deleted id, or a tick.
Item = dict[str, Any] | str | None

_HM = tuple(f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60))
_SEC = tuple(f"{s:02d}Z" for s in range(60))


# ------------------------------------------------------------------------------------------------------ seeds
def mix64(x: int) -> int:
    """splitmix64's finaliser: a cheap, well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def company_uuid(company_id: uuid.UUID | str) -> uuid.UUID:
    return company_id if isinstance(company_id, uuid.UUID) else uuid.UUID(str(company_id))


def company_seed(company_id: uuid.UUID | str) -> int:
    """The 64-bit seed of a company: every simulated record of the company derives from it."""
    whole = int.from_bytes(company_uuid(company_id).bytes, "big")
    return mix64(whole & M64) ^ mix64(whole >> 64)


# ------------------------------------------------------------------------------------------------------ clock
@dataclass(frozen=True)
class Window:
    """What a pull asks for, in simulated seconds since the history started.

    `T` is the pull's moment; `S` the previous pull's (None: a full pull); `sync_from` the earliest creation
    time wanted for dated documents (None: everything); `months` how many months of financial statements.
    """

    T: int
    S: int | None = None
    sync_from: int | None = None
    months: int = 24
    # The previous pull's own moment when `S` was moved back before it (to take in records written in that
    # moment's second after the pull listed them): a record created by then may have been read, so its
    # deletion is reported; None: `S`.
    seen: int | None = None

    @property
    def last_day(self) -> int:
        """The last day with anything in it (-1 when `T` is before the history starts)."""
        return self.T // DAY if self.T >= 0 else -1

    @property
    def created_from(self) -> int:
        """The earliest creation time wanted for dated documents (-1: every one)."""
        return -1 if self.sync_from is None else self.sync_from

    def first_day(self, horizon_days: int, *, dated: bool = False) -> int:
        """The first creation day to generate when every event happens within `horizon_days` of creation.

        `dated`: for documents dated by their creation, none of which created before `sync_from` is wanted
        (an event of an earlier one, a payment or a credit note, can still be)."""
        first = 0 if self.S is None else max(0, self.S // DAY - horizon_days - 1)
        if dated and self.sync_from is not None:
            first = max(first, self.sync_from // DAY - horizon_days)
        return first

    def wants(self, created: int, last: int, deleted: int | None) -> int:
        """EMIT, DELETE or SKIP for a record created at `created`, whose latest event at or before `T` is
        `last` and which is deleted at `deleted` (None: never)."""
        S = self.S
        if created > self.T:
            return SKIP
        if deleted is not None and deleted <= self.T:
            if S is not None and created <= (S if self.seen is None else self.seen) and deleted > S:
                return DELETE
            return SKIP
        if S is not None and last <= S:
            return SKIP
        return EMIT


SKIP, EMIT, DELETE = 0, 1, 2


class Calendar:
    """Per-day facts of a history starting on `start`, as strings and numbers ready for hot loops.

    The lists only grow, and always to the same values, so every clock whose history starts on the same day
    shares one calendar (`calendar()`): a pull builds none. The lock keeps two threads from growing it twice.
    """

    def __init__(self, start: datetime, max_day: int) -> None:
        self.start = start
        self.start_ordinal = start.date().toordinal()
        self.max_day = max_day
        self.iso: list[str] = []  # "YYYY-MM-DD"
        self.date0: list[str] = []  # "YYYY-MM-DDT00:00:00", a date as Codat writes it
        self.dateT: list[str] = []  # "YYYY-MM-DDT", the start of a timestamp
        self.hex: list[str] = []  # "dddd-", the day's part of a record id (`Clock.rid`)
        self.wday: list[int] = []  # Monday 0
        self.dom: list[int] = []  # day of month
        self.moy: list[int] = []  # month of year, 1..12
        self.month: list[int] = []  # months since the history started
        self.last: list[bool] = []  # the last day of its month
        self.month_first_day: list[int] = []  # by month since the start: its first day
        self._lock = threading.Lock()

    def extend(self, day: int) -> None:
        """Make the facts of every day up to `day` available (and some more, so this is rarely called)."""
        if day < 0:
            raise ValueError("days before the history start have no calendar")
        with self._lock:
            n = len(self.iso)
            if day < n:
                return
            start = self.start
            for d in range(n, max(day + 1, min(max(n * 2, 64), self.max_day))):
                when = date.fromordinal(self.start_ordinal + d)
                iso = when.isoformat()
                self.iso.append(iso)
                self.date0.append(iso + "T00:00:00")
                self.dateT.append(iso + "T")
                self.hex.append(f"{d:04x}-")
                self.wday.append(when.weekday())
                self.dom.append(when.day)
                self.moy.append(when.month)
                self.month.append((when.year - start.year) * 12 + when.month - start.month)
                self.last.append((when + timedelta(days=1)).day == 1)
                if when.day == 1:
                    self.month_first_day.append(d)


@lru_cache(maxsize=32)
def calendar(start: datetime, max_day: int) -> Calendar:
    """The calendar shared by every clock whose history starts at `start`."""
    return Calendar(start, max_day)


class Clock:
    """A company's simulated calendar: history start, simulated time, PRNGs, ids and timestamps."""

    def __init__(self, company_id: uuid.UUID | str, linked_at: datetime, speed: float = 1) -> None:
        company = company_uuid(company_id)
        self.company_id = company
        self.seed = company_seed(company)
        hexed = company.hex
        self.c8, self.c8b = hexed[:8], hexed[24:32]
        self.speed = float(speed)
        if linked_at.tzinfo is None:
            linked_at = linked_at.replace(tzinfo=UTC)
        self.linked_at = linked_at
        months_back = 24 + self.seed % 13
        month0 = linked_at.year * 12 + linked_at.month - 1 - months_back
        self.start = datetime(month0 // 12, month0 % 12 + 1, 1, tzinfo=UTC)
        self.max_t = (
            datetime(self.start.year + MAX_SIMULATED_YEARS, self.start.month, 1, tzinfo=UTC) - self.start
        ).days * DAY
        self.linked_t = int((linked_at - self.start).total_seconds())
        # The calendar's lists, bound for the hot paths below (they only grow, so the bindings stay good).
        self.calendar = cal = calendar(self.start, self.max_t // DAY + 1000)
        self._iso, self._date0, self._dateT, self._hex = cal.iso, cal.date0, cal.dateT, cal.hex
        self._wday, self._dom, self._moy, self._month = cal.wday, cal.dom, cal.moy, cal.month
        self._last, self._month_first_day = cal.last, cal.month_first_day

    # --------------------------------------------------------------------------------------------------- time
    def simulated_t(self, moment: datetime) -> int:
        """`simulated(moment)` in whole seconds since the history started, within [-1, max_t]."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = self.linked_t + (moment - self.linked_at).total_seconds() * self.speed
        return int(min(max(seconds, -1.0), float(self.max_t)) // 1)

    def simulated(self, moment: datetime) -> datetime:
        return self.start + timedelta(seconds=self.simulated_t(moment))

    def moment(self, t: int) -> datetime:
        """The simulated datetime of `t`."""
        return self.start + timedelta(seconds=t)

    def window(self, request: FetchRequest) -> Window:
        T = self.simulated_t(request.as_of)
        S = None if request.since is None else min(self.simulated_t(request.since), T)
        sync_from = None
        if request.sync_from is not None:
            sync_from = int((utc(request.sync_from) - self.start).total_seconds())
        return Window(T, S, sync_from, request.months_to_sync)

    # ----------------------------------------------------------------------------------------------- calendar
    def _extend(self, day: int) -> None:
        self.calendar.extend(day)

    def day_iso(self, day: int) -> str:
        if day >= len(self._iso):
            self._extend(day)
        return self._iso[day]

    def ts(self, t: int) -> str:
        """A timestamp: `YYYY-MM-DDTHH:MM:SSZ` (UTC) of the moment `t`."""
        day, rest = divmod(t, DAY)
        try:
            return self._dateT[day] + _HM[rest // 60] + _SEC[rest % 60]
        except IndexError:
            self._extend(day)
            return self._dateT[day] + _HM[rest // 60] + _SEC[rest % 60]

    def date(self, t: int) -> str:
        """A date: midnight of the day of `t`, as Codat writes dates (`YYYY-MM-DDT00:00:00`)."""
        try:
            return self._date0[t // DAY]
        except IndexError:
            self._extend(t // DAY)
            return self._date0[t // DAY]

    def day_date(self, day: int) -> str:
        """`date()` of a day."""
        if day >= len(self._date0):
            self._extend(day)
        return self._date0[day]

    def weekday(self, day: int) -> int:
        if day >= len(self._wday):
            self._extend(day)
        return self._wday[day]

    def day_of_month(self, day: int) -> int:
        if day >= len(self._dom):
            self._extend(day)
        return self._dom[day]

    def month_of_year(self, day: int) -> int:
        if day >= len(self._moy):
            self._extend(day)
        return self._moy[day]

    def last_of_month(self, day: int) -> bool:
        if day >= len(self._last):
            self._extend(day)
        return self._last[day]

    def month_of_day(self, day: int) -> int:
        """The month (counted from 0, the history's first) of `day`."""
        if day >= len(self._month):
            self._extend(day)
        return self._month[day]

    def month_first_day(self, month: int) -> int:
        """The first day of `month` (months since the history started)."""
        while month >= len(self._month_first_day):
            self._extend(len(self._iso) + 31)
        return self._month_first_day[month]

    def month_label(self, month: int) -> str:
        """`YYYY-MM` of `month` (months since the history started)."""
        index = self.start.year * 12 + self.start.month - 1 + month
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    @staticmethod
    def growth(day: int) -> float:
        """A business's growth: from 0.7 on the first day to 1.3 after three years."""
        return 0.7 + 0.6 * (day if day < 1095 else 1095) / 1095

    # --------------------------------------------------------------------------------------------- PRNGs, ids
    def rng(self, day: int, family: int) -> random.Random:
        """The PRNG of the records of one family created on one day (drawn in a fixed order)."""
        return random.Random(mix64(self.seed ^ mix64((family << 32) ^ day)))

    def hash(self, kind: int, index: int) -> int:
        """A 64-bit hash of (company, kind, index), for entities computed one at a time (`index` < 2**40)."""
        return mix64(self.seed ^ (kind << 40) ^ index)

    def rid(self, kind: str, day: int, idx: int, sub: int = 0) -> str:
        """A record id shaped like a UUID, unique per (kind, day, index, sub); `kind` is 4 characters."""
        return f"{self.c8}-{kind}-{day:04x}-{idx:04x}-{sub:04x}{self.c8b}"

    def rid_prefix(self, kind: str, day: int) -> str:
        """`rid(kind, day, i, sub)` == `rid_prefix(kind, day) + f"{i:04x}-{sub:04x}" + c8b` (hot loops)."""
        return f"{self.c8}-{kind}-{day:04x}-"


class Population:
    """Entities that accumulate over time (customers, products): `initial` on day 0, then some each day.

    Entity `k` (its ordinal, 0-based) is created on `day_of(k)`; `created_by(d)` is how many exist by the end
    of day `d`. The per-day counts come from `Clock.rng(day, family)` and `rate(day)` (a mean), and are kept
    (one int per day) so that references can be drawn among the entities that exist at a given time.
    """

    def __init__(self, clock: Clock, family: int, initial: int, rate: Callable[[int], float]):
        self.clock = clock
        self.family = family
        self.initial = initial
        self.rate = rate
        self._cum: list[int] = []
        self._lock = threading.Lock()

    def _extend(self, day: int) -> None:
        with self._lock:
            cum = self._cum
            total = cum[-1] if cum else 0
            for d in range(len(cum), day + 1):
                n = poisson(self.clock.rng(d, self.family), self.rate(d))
                total += n + (self.initial if d == 0 else 0)
                cum.append(total)

    def created_by(self, day: int) -> int:
        """How many entities exist by the end of `day`."""
        if day < 0:
            return 0
        if day >= len(self._cum):
            self._extend(day)
        return self._cum[day]

    def day_of(self, k: int) -> int:
        """The day entity `k` is created (it must exist by the last day extended so far, or be extended)."""
        while not self._cum or self._cum[-1] <= k:
            self._extend(max(len(self._cum) * 2, 64))
        return bisect_right(self._cum, k)


# ------------------------------------------------------------------------------------------------------ money
def amount(minor: int) -> float:
    """Minor units (pence) as the JSON number Codat shows (exact to two decimals)."""
    return minor / 100


def tax_of(net: int, percent: float) -> int:
    """Tax on `net` minor units at `percent`, rounded half away from zero to the minor unit."""
    if not percent:
        return 0
    value = net * percent / 100
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def split(total: int, parts: int, r: random.Random) -> list[int]:
    """`total` minor units in `parts` positive-ish shares that sum exactly to `total`."""
    if parts <= 1:
        return [total]
    weights = [0.5 + r.random() for _ in range(parts)]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights[:-1]]
    shares.append(total - sum(shares))
    return shares


def poisson(r: random.Random, mean: float) -> int:
    """A Poisson-distributed count (normal approximation above a mean of 30)."""
    if mean <= 0:
        return 0
    if mean < 30:
        limit = math.exp(-mean)
        k, p = 0, r.random()
        while p > limit:
            k += 1
            p *= r.random()
        return k
    return max(0, int(r.gauss(mean, math.sqrt(mean)) + 0.5))


# ------------------------------------------------------------------------------------------------------ names
FIRST_NAMES = (
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Grace",
    "Sophia",
    "Freya",
    "Oliver",
    "George",
    "Noah",
    "Arthur",
    "Leo",
    "Harry",
    "Oscar",
    "Jack",
    "Theo",
    "Henry",
    "Priya",
    "Aisha",
    "Mateo",
    "Yusuf",
    "Chloe",
    "Ella",
    "Finn",
    "Ruby",
    "Elliot",
    "Nina",
)
LAST_NAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Hughes",
    "Edwards",
    "Turner",
    "Hill",
    "Moore",
    "Cooper",
    "Ward",
    "Morris",
)
# (city, region, postcode area)
CITIES = (
    ("London", "Greater London", "EC1"),
    ("Manchester", "Greater Manchester", "M1"),
    ("Bristol", "Bristol", "BS1"),
    ("Leeds", "West Yorkshire", "LS1"),
    ("Birmingham", "West Midlands", "B1"),
    ("Glasgow", "Glasgow City", "G1"),
    ("Edinburgh", "City of Edinburgh", "EH1"),
    ("Cardiff", "Cardiff", "CF10"),
    ("Brighton", "East Sussex", "BN1"),
    ("Norwich", "Norfolk", "NR1"),
    ("York", "North Yorkshire", "YO1"),
    ("Oxford", "Oxfordshire", "OX1"),
)
STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Mill Lane",
    "King Street",
    "Park Avenue",
    "Queen's Road",
    "Market Place",
    "Bridge Street",
    "Castle Street",
    "London Road",
)
_COMPANY_A = (
    "Bright",
    "Northern",
    "Golden",
    "Silver",
    "Harbour",
    "Oak",
    "Willow",
    "Riverside",
    "Summit",
    "Meadow",
    "Copper",
    "Blue",
    "Evergreen",
    "Granite",
    "Lantern",
    "Foxglove",
)
_COMPANY_B = (
    "Trading",
    "Goods",
    "Supplies",
    "Studio",
    "Works",
    "Collective",
    "Outfitters",
    "Provisions",
    "Emporium",
    "Design",
    "Labs",
    "Partners",
)


def person_name(h: int) -> str:
    return f"{FIRST_NAMES[h % 30]} {LAST_NAMES[(h >> 5) % 30]}"


def company_name(h: int) -> str:
    return f"{_COMPANY_A[h % 16]} {_COMPANY_B[(h >> 4) % 12]}"


def address(h: int, kind: str = "Billing") -> dict[str, Any]:
    """A plausible UK address (Codat's `Address` shape)."""
    city, region, area = CITIES[h % 12]
    return {
        "type": kind,
        "line1": f"{1 + (h >> 4) % 180} {STREETS[(h >> 12) % 12]}",
        "city": city,
        "region": region,
        "country": "United Kingdom",
        "postalCode": f"{area} {1 + (h >> 16) % 9}{'ABDEFGHJLNPQRSTUWXYZ'[(h >> 20) % 20]}"
        f"{'ABDEFGHJLNPQRSTUWXYZ'[(h >> 25) % 20]}",
    }


def phone(h: int) -> str:
    return f"+44 20 {7000 + h % 3000:04d} {(h >> 12) % 10000:04d}"


# ------------------------------------------------------------------------------------------------ credentials
def check_volume_credentials(credentials: dict[str, Any]) -> dict[str, Any]:
    """Validate a sandbox's credentials: any JSON object, with optional `scale` and `speed`.

    `scale`: a whole number from 1 to 100,000 (a numeric string is accepted). `speed`: a number from 1 to
    10,000,000 (likewise). Returns what to store, with both normalised; raises `AuthorizationRejected`.
    """
    if not isinstance(credentials, dict):
        raise AuthorizationRejected("The credentials must be a JSON object.")
    scale = credentials.get("scale", 1)
    if isinstance(scale, str) and scale.strip().isdigit():
        scale = int(scale)
    if isinstance(scale, float) and scale.is_integer():
        scale = int(scale)
    if not isinstance(scale, int) or isinstance(scale, bool) or not 1 <= scale <= MAX_SCALE:
        raise AuthorizationRejected(f"scale must be a whole number from 1 to {MAX_SCALE:,}.")
    speed = credentials.get("speed", 1)
    if isinstance(speed, str):
        with contextlib.suppress(ValueError):
            speed = float(speed)
    if (
        not isinstance(speed, int | float)
        or isinstance(speed, bool)
        or not math.isfinite(speed)
        or not MIN_SPEED <= speed <= MAX_SPEED
    ):
        raise AuthorizationRejected(f"speed must be a number from {MIN_SPEED} to {MAX_SPEED:,}.")
    if isinstance(speed, float) and speed.is_integer():
        speed = int(speed)
    return {**credentials, "scale": scale, "speed": speed}


def volume(credentials: dict[str, Any] | None) -> tuple[int, float]:
    """(scale, speed) of stored credentials (already validated; lenient with anything else)."""
    credentials = credentials or {}
    try:
        scale = min(MAX_SCALE, max(1, int(credentials.get("scale", 1) or 1)))
    except (TypeError, ValueError):
        scale = 1
    try:
        speed = min(float(MAX_SPEED), max(float(MIN_SPEED), float(credentials.get("speed", 1) or 1)))
    except (TypeError, ValueError):
        speed = 1.0
    return scale, speed


# ------------------------------------------------------------------------------------------------------ pulls
async def stream_batches(items: Iterable[Item], size: int = BATCH_SIZE) -> AsyncIterator[Batch]:
    """Records and deleted ids in batches of `size`, giving the event loop a turn every slice of time.

    Generation is pure Python on the event loop the worker's heartbeats and deliveries share: a thread would
    still hold the GIL, and batches of a fixed size take longer the bigger the records. So the loop gets a
    turn at the first item (record, deleted id or `None` tick) after each slice; a sandbox yields a tick at
    least once per simulated day, so a slice overruns by at most one day's work, which `scale` bounds (the
    operator's `LEDGERLINK_SANDBOX_MAX_SCALE`). The pulls generating at once share `SLICE_SECONDS` (each
    takes its part), so a heartbeat waits about one slice for its turn however many pulls run.
    """
    global _generating
    records: list[dict[str, Any]] = []
    deleted: list[str] = []
    clock = time.perf_counter
    _generating += 1
    try:
        turn_at = clock() + SLICE_SECONDS / _generating
        for item in items:
            if item is not None:
                if isinstance(item, str):
                    deleted.append(item)
                else:
                    records.append(item)
                if len(records) + len(deleted) >= size:
                    yield Batch(records, deleted)
                    records, deleted = [], []
            if clock() >= turn_at:
                await asyncio.sleep(0)
                turn_at = clock() + SLICE_SECONDS / _generating
        if records or deleted:
            yield Batch(records, deleted)
    finally:
        _generating -= 1


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class Simulation(Protocol):
    """A company's simulated platform, as a sandbox's generators read it: its clock and its catalogues."""

    @property
    def clock(self) -> Clock: ...


SimulationT = TypeVar("SimulationT", bound=Simulation)
# The records of one data type of a simulation in a window (what `SimulatedSandbox.generators` holds).
Generate = Callable[[SimulationT, Window], Iterator[Item]]


class SimulatedSandbox(Connector, ABC, Generic[SimulationT]):
    """A sandbox simulated from the company id; its credentials carry `scale` and `speed` (see above).

    Subclasses set `info` and `generators` (each data type's records) and implement `model()` (the company's
    simulation, usually cached).
    """

    generators: Mapping[str, Generate[Any]] = {}
    batch_size = BATCH_SIZE

    def check_credentials(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """Any JSON object links the sandbox; optional `scale` sets its volume, `speed` its clock."""
        return check_volume_credentials(credentials)

    @abstractmethod
    def model(self, company_id: uuid.UUID, linked_at: datetime, scale: int, speed: float) -> SimulationT:
        """The company's simulation (usually cached per company)."""

    def items(self, model: SimulationT, data_type: str, window: Window) -> Iterator[Item]:
        """The records of one data type in a window of simulated time."""
        return self.generators[data_type](model, window)

    def model_for(self, request: FetchRequest) -> SimulationT:
        scale, speed = volume(request.credentials)
        return self.model(company_uuid(request.company_id), utc(request.linked_at), scale, speed)

    def records(self, request: FetchRequest) -> Iterator[Item]:
        """The pull as a plain iterator of records, deleted ids and ticks."""
        if request.data_type not in self.info.data_types:
            raise DataTypeNotSupported(request.data_type)
        model = self.model_for(request)
        return self.items(model, request.data_type, model.clock.window(request))

    async def items_of(self, request: FetchRequest) -> Iterator[Item]:
        """The pull's items, once what they need from elsewhere is read (a sandbox written to reads what
        was written here: the only wait of a pull before it streams)."""
        return self.records(request)

    async def fetch(self, request: FetchRequest) -> AsyncIterator[Batch]:
        async for batch in stream_batches(await self.items_of(request), self.batch_size):
            yield batch
