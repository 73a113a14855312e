"""Bank transaction categorization: how often `bank_categories.classify` places a bank line where an analyst
would, how well it names the payment provider, and how fast it goes.

    python bench/bank_categorization_accuracy.py [--lines 1000000] [--stream 1000000] [--misses]
                                                 [--held-out-misses]

Runs `ledgerlink.lending.bank_categories.classify` over the labelled descriptions
(`tests/support/labelled_bank_descriptions.csv`: UK and US statement styles written by hand, the Banking
Sandbox's descriptions and the Plaid fake's, each labelled by hand), each given as a bank line with the
row's direction, merchant name and platform category.

Printed:
1. Per source and overall, for the rules' own part of the set (`dev`), the held-out third of the first batch
   (chosen by a hash of the description; the rules were written without looking at it), the second batch
   (`unseen`: written after the rules were frozen) and all: the share right at level 1
   (`Income`, `Expense`, ...) and level 2 (`Income.Revenue`, `Expense.Operating`, ...), and payment-provider
   recognition: precision (of the lines given a provider, the share given the right one) and recall (of the
   lines that came through a provider, the share given it).
2. Confidence against correctness (level 2) in bands.
3. Throughput: lines per second over `--lines` lines, caches cleared first, twice: the labelled descriptions
   repeated (a statement's counterparties recur), and every description made unique by a reference and a
   date as banks add them (the cleaning has to run on every line).

4. With `--stream N`: a Banking Sandbox company at the scale that gives it about N bank transactions, pulled
   through the real pull code into an embedded PostgreSQL (or `LEDGERLINK_DATABASE_URL`), then every line
   streamed through `bank_lines.bank_lines` and classified: the time (and to the first line: PostgreSQL's
   sort), and the process's resident memory before and at its peak while streaming (what `bank_lines`
   promises to keep flat).

`--misses` lists the dev part's misses with the rules' reason; `--held-out-misses` those of the held-out and
unseen parts (look only once the rules are final, or those figures stop meaning anything).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
import growth
from tests.support import labelled_bank_descriptions
from tests.support.labelled_bank_descriptions import LabelledDescription

from ledgerlink.lending import bank_lines
from ledgerlink.lending.bank_categories import BankClassification, classify, engine
from ledgerlink.lending.bank_lines import BankLine
from ledgerlink.records.store import refresh_statistics

CONFIDENCE_BANDS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 1.01))
CHUNK = 100_000


@dataclass(frozen=True)
class Outcome:
    case: LabelledDescription
    found: BankClassification

    def correct(self, level: int) -> bool:
        expected = (self.case.level_1, self.case.level_2)[:level]
        return self.found.levels[:level] == expected

    @property
    def expected_provider(self) -> str | None:
        return self.case.payment_provider


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    –"


def _row(name: str, outcomes: list[Outcome]) -> str:
    n = len(outcomes)
    level_1 = sum(o.correct(1) for o in outcomes)
    level_2 = sum(o.correct(2) for o in outcomes)
    given = [o for o in outcomes if o.found.payment_provider]
    expected = [o for o in outcomes if o.expected_provider]
    right_given = sum(o.found.payment_provider == o.expected_provider for o in given)
    right_expected = sum(o.found.payment_provider == o.expected_provider for o in expected)
    return (
        f"| {name} | {n} | {_percent(level_1, n)} | {_percent(level_2, n)} "
        f"| {_percent(right_given, len(given))} ({right_given}/{len(given)}) "
        f"| {_percent(right_expected, len(expected))} ({right_expected}/{len(expected)}) |"
    )


def accuracy(outcomes: list[Outcome]) -> None:
    print("| source / part | lines | level 1 | level 2 | provider precision | provider recall |")
    print("|---|---:|---:|---:|---:|---:|")
    for source in (*labelled_bank_descriptions.SOURCES, None):
        mine = [o for o in outcomes if source is None or o.case.source == source]
        label = source or "**all**"
        for part in labelled_bank_descriptions.PARTS:
            chosen = [o for o in mine if o.case.part == part]
            if chosen:
                print(_row(f"{label} / {part}", chosen))
        print(_row(f"{label} / all parts", mine))
    print()
    print("| confidence | lines | level 2 right |")
    print("|---|---:|---:|")
    for low, high in CONFIDENCE_BANDS:
        band = [o for o in outcomes if low <= o.found.confidence < high]
        right = sum(o.correct(2) for o in band)
        print(f"| {low:.2f}–{min(high, 1):.2f} | {len(band)} | {_percent(right, len(band))} |")
    print()


def misses(outcomes: Iterable[Outcome]) -> None:
    for o in outcomes:
        provider_wrong = o.found.payment_provider != o.expected_provider
        if o.correct(2) and not provider_wrong:
            continue
        sign = "+" if o.case.money_in else "-"
        print(
            f"[{o.case.source}] {sign} {o.case.description!r}: expected {o.case.level_1}.{o.case.level_2}"
            f" / {o.expected_provider}, got {'.'.join(o.found.levels)} / {o.found.payment_provider}"
            f" ({o.found.confidence}: {o.found.reason})"
        )
    print()


_WORDS = ("REF", "INV", "ON", "")


def _unique(line: BankLine, rng: random.Random, n: int) -> BankLine:
    """The line as a bank would print it another day: a reference and a date added."""
    tag = _WORDS[n % len(_WORDS)]
    ref = f"{rng.randrange(10**5, 10**9)}"
    day = f"{1 + n % 28:02d}/{1 + n % 12:02d}"
    return replace(line, description=f"{line.description} {tag} {ref} {day}".replace("  ", " "))


def throughput(cases: list[LabelledDescription], total: int) -> None:
    base = [case.line(n) for n, case in enumerate(cases)]
    rng = random.Random(21)
    for name, unique in (("labelled descriptions repeated", False), ("every description unique", True)):
        engine._decide.cache_clear()
        engine._read.cache_clear()
        elapsed = 0.0
        done = 0
        while done < total:
            size = min(CHUNK, total - done)
            chunk = [
                _unique(base[(done + i) % len(base)], rng, done + i)
                if unique
                else base[(done + i) % len(base)]
                for i in range(size)
            ]
            started = time.perf_counter()
            for line in chunk:
                classify(line)
            elapsed += time.perf_counter() - started
            done += size
        print(f"{name}: {total:,} lines in {elapsed:.2f} s: {total / elapsed:,.0f} lines/s")
    print()


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def stream(wanted: int) -> None:
    """About `wanted` Banking Sandbox transactions pulled, then streamed and classified."""
    with common.database() as url:
        engine = common.new_engine(url)
        run = common.runtime(engine, common.new_key())
        company_id, connection_id = await common.linked_sandbox(run, "Bank lines", {}, "qhnd")
        scale = max(1, round(wanted / await growth.per_scale(company_id)))
        await common.set_credentials(run, connection_id, {"scale": scale})
        started = time.perf_counter()
        for data_type in ("banking-accounts", "banking-transactions"):
            await common.pull(run, company_id, connection_id, data_type)
        async with engine.connect() as connection:
            await refresh_statistics(connection)
            await connection.commit()
        print(f"pulled at scale {scale} in {time.perf_counter() - started:.0f} s")
        before = peak = _resident_mb()
        count = 0
        first = 0.0
        started = time.perf_counter()
        async with run.sessionmaker() as session:
            async for line in bank_lines.bank_lines(session, company_id):
                if not count:
                    first = time.perf_counter() - started
                classify(line)
                count += 1
                if count % 10_000 == 0:
                    peak = max(peak, _resident_mb())
        elapsed = time.perf_counter() - started
        print(
            f"{count:,} bank lines streamed and classified in {elapsed:.1f} s"
            f" ({count / elapsed:,.0f} lines/s; the first after {first:.1f} s); resident memory"
            f" {before:.0f} MB before, {peak:.0f} MB at its peak while streaming"
        )
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines classified for throughput")
    parser.add_argument(
        "--stream", type=int, default=0, help="bank transactions pulled and streamed (0: none)"
    )
    parser.add_argument("--misses", action="store_true", help="list the dev part's misses")
    parser.add_argument("--held-out-misses", action="store_true", help="list the held-out and unseen misses")
    args = parser.parse_args()

    cases = labelled_bank_descriptions.load()
    outcomes = [Outcome(case, classify(case.line(n))) for n, case in enumerate(cases)]
    accuracy(outcomes)
    if args.misses:
        misses(o for o in outcomes if o.case.part == "dev")
    if args.held_out_misses:
        misses(o for o in outcomes if o.case.part != "dev")
    if args.lines:
        throughput(cases, args.lines)
    if args.stream:
        asyncio.run(stream(args.stream))


if __name__ == "__main__":
    main()
