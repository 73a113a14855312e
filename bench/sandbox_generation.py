"""A Sandbox's generator alone, in process: records per second of one data type's full pull at link.

    python bench/sandbox_generation.py banking banking-transactions --scale 50 [--till-summed] [--profile]
    PYTHONPATH=/path/to/other/worktree/src python bench/sandbox_generation.py ...   # another version

No server, no database: the connector's `records()` iterator (what a pull streams), in a fresh process, so
the company's till (`till.Till`, kept with its shop for the process) is summed inside the measurement as a
company's first pull in a process sums it; `--till-summed` sums it first, as every later pull finds it.
Prints the records, wall and CPU seconds (CPU time is steadier on a shared machine), rates and peak RSS;
`--profile` prints cProfile's top functions instead.
"""

from __future__ import annotations

import argparse
import resource
import time
import uuid
from datetime import UTC, datetime

import ledgerlink
from ledgerlink.connectors.base import FetchRequest
from ledgerlink.connectors.sandbox.accounting import AccountingSandbox
from ledgerlink.connectors.sandbox.banking import BankingSandbox
from ledgerlink.connectors.sandbox.commerce import CommerceSandbox, shop_for
from ledgerlink.connectors.sandbox.simulation import DAY, Clock

SANDBOXES = {"accounting": AccountingSandbox, "banking": BankingSandbox, "commerce": CommerceSandbox}
COMPANY = uuid.UUID("3f2b8c1e-9a4d-4e2b-8c7f-1a2b3c4d5e6f")  # the golden tests' first company
LINKED = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sandbox", choices=sorted(SANDBOXES))
    parser.add_argument("data_type")
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--till-summed", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    connector = SANDBOXES[args.sandbox]()
    request = FetchRequest(
        data_type=args.data_type, company_id=COMPANY, connection_id=uuid.uuid4(),
        credentials={"scale": args.scale}, linked_at=LINKED, as_of=LINKED,
    )
    if args.till_summed:
        shop_for(COMPANY, LINKED, args.scale, 1.0).till.extend(Clock(COMPANY, LINKED).simulated_t(LINKED) // DAY)

    def run() -> int:
        return sum(1 for item in connector.records(request) if isinstance(item, dict))

    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        run()
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        return
    wall, cpu = time.perf_counter(), time.process_time()
    n = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    source = ledgerlink.__file__.rsplit("/src/", 1)[0]
    print(
        f"{source} {args.data_type} scale={args.scale}{' till summed' if args.till_summed else ''}: {n:,} "
        f"records, {wall:.2f} s ({n / wall:,.0f}/s), CPU {cpu:.2f} s ({n / cpu:,.0f}/CPU-s), peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
