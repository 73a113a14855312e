"""Data integrity's matching at 10^6 lines a side: the time `match_lines` takes on one bank account whose
books and bank statement each hold `--lines` lines, and whether it finds exactly the discrepancies planted.

    python bench/integrity_matching.py [--lines 1000000] [--runs 3]

Pure (no database). The books are `--lines` lines over three years: 95% card payments of a pound to five
hundred, to the penny (so equal amounts recur every few days), to a few hundred payees; 5% standing orders
(salaries, rent, loans) of round amounts, each to its own payee on its own day of every month. The bank
shows each line 0-4 days later with its own spelling of the description, except 0.5% the books lack (bank
only), 0.25% it shows twice and 0.25% the books typed with another amount. Prints the time per run and the
planted versus found unmatched counts.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date

from ledgerlink.lending.integrity.matching import Line, match_lines

START = date(2022, 1, 1).toordinal()
PAYEES = [f"Supplier {n:03d}" for n in range(400)]


def company(lines: int, seed: int = 1) -> tuple[list[Line], list[Line], int, int]:
    """Books, bank, and how many lines of each side are planted to stay unmatched."""
    rng = random.Random(seed)
    books: list[Line] = []
    bank: list[Line] = []
    unmatched_books = unmatched_bank = 0
    standing = [
        (f"Standing order {n:04d}", -rng.randrange(500, 5000) * 100, rng.randrange(28))
        for n in range(max(1, lines // 20 // 36))
    ]
    for key in range(lines):
        if key % 20 == 0:  # a standing order's payment: its own payee, amount and day of the month
            payee, cents, day_of_month = standing[(key // 20) % len(standing)]
            day = START + 30 * ((key // 20) // len(standing)) + day_of_month
        else:
            payee, cents, day = (
                rng.choice(PAYEES),
                -rng.randrange(100, 50_000),
                START + rng.randrange(3 * 365),
            )
        posted = day + rng.randrange(5)
        bank_key = lines + key
        roll = rng.random()
        if roll < 0.005:  # missing from the books
            bank.append(Line(cents, posted, bank_key, f"{payee.upper()} REF {key}"))
            unmatched_bank += 1
            continue
        if roll < 0.0075:  # mistyped in the books
            books.append(Line(cents - 900, day, key, f"Payment {payee}"))
            bank.append(Line(cents, posted, bank_key, f"{payee.upper()} REF {key}"))
            unmatched_books += 1
            unmatched_bank += 1
            continue
        books.append(Line(cents, day, key, f"Payment {payee}"))
        bank.append(Line(cents, posted, bank_key, f"{payee.upper()} REF {key}"))
        if roll < 0.01:  # the bank shows it twice
            bank.append(Line(cents, posted, 2 * lines + key, f"{payee.upper()} REF {key}"))
            unmatched_bank += 1
    return books, bank, unmatched_books, unmatched_bank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    books, bank, planted_books, planted_bank = company(args.lines)
    print(f"books {len(books):,} lines, bank {len(bank):,} lines")
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        pairs = match_lines(books, bank)
        times.append(time.perf_counter() - started)
    found_books, found_bank = len(books) - len(pairs), len(bank) - len(pairs)
    print(f"match_lines: p50 {statistics.median(times):.2f} s, worst {max(times):.2f} s ({args.runs} runs)")
    print(f"unmatched books: planted {planted_books:,}, found {found_books:,}")
    print(f"unmatched bank:  planted {planted_bank:,}, found {found_bank:,}")


if __name__ == "__main__":
    main()
