"""Categorization accuracy: how often the suggestion rules place an account where an accountant would.

    python bench/categorization_accuracy.py [--threshold 90] [--misses 15] [--list-misses]

Runs `ledgerlink.lending.categories.suggestions.suggest` over the labelled account set
(`tests/support/labelled_accounts.csv`: accounts of public UK, US and Australian charts, the Accounting
Sandbox's chart and the Xero and QuickBooks fakes' accounts, each labelled by hand), giving each the record
ledgerlink's read API returns for it, its connection's platform key and its chart's country.

Printed:
1. The share correct per group (UK, US, AU, Sandbox, fakes; all public charts; everything) and per chart, at
   level 1 (Asset, Liability, …), level 2 (Asset.Current, Expense.Operating, …) and level 5: the full path
   (every level the label has, and no more). A suggestion agrees at level k when its first k levels are the
   label's; one that stops short of level k does not.
2. Confidence against correctness: the suggestion's confidence (its deepest level's) in bands, with the share
   correct in each, and above and below `--threshold`: whether a lender can trust the confident ones.
3. The commonest misses (label → suggestion) at the full path and at level 2, with examples; `--list-misses`
   prints every miss with the rules' reason.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support import labelled_accounts
from tests.support.labelled_accounts import Case

from ledgerlink.lending.categories.suggestions import suggest

GROUPS = ("UK", "US", "AU", "Sandbox", "fakes")
# Level 5 is the full path: no label is deeper than five levels.
FULL_PATH = 5
LEVELS = (1, 2, FULL_PATH)
CONFIDENCE_BANDS = ((0.0, 50.0), (50.0, 70.0), (70.0, 90.0), (90.0, 100.01))


@dataclass(frozen=True)
class Outcome:
    """What the rules suggested for one labelled account."""

    case: Case
    suggested: tuple[str, ...]
    confidence: float
    reason: str

    @property
    def expected(self) -> tuple[str, ...]:
        return self.case.label.expected

    def correct(self, level: int) -> bool:
        """Levels 1 and 2 compare the first levels (a suggestion short of them is wrong); level 5 asks for the
        label's full path exactly, so one that goes deeper than the label's evidence is wrong too."""
        if level >= FULL_PATH:
            return self.suggested == self.expected
        return self.suggested[:level] == self.expected[:level]


def run(cases: list[Case]) -> tuple[list[Outcome], float]:
    started = time.perf_counter()
    outcomes = []
    for case in cases:
        suggestion = suggest(case.account, platform_key=case.platform_key, country=case.label.country)
        deepest = suggestion.levels[-1].confidence if suggestion.levels else None
        outcomes.append(Outcome(case, suggestion.path, deepest or 0.0, suggestion.reason))
    return outcomes, time.perf_counter() - started


def share(outcomes: list[Outcome], test: Callable[[Outcome], bool]) -> str:
    if not outcomes:
        return "—"
    return f"{100 * sum(1 for o in outcomes if test(o)) / len(outcomes):.1f}%"


def accuracy_table(title: str, groups: Iterable[tuple[str, list[Outcome]]]) -> None:
    print(f"\n{title}")
    print(f"  {'':<20} {'accounts':>8} {'level 1':>9} {'level 2':>9} {'level 5 (full path)':>20}")
    for name, outcomes in groups:
        cells = [share(outcomes, lambda o, k=k: o.correct(k)) for k in LEVELS]
        print(f"  {name:<20} {len(outcomes):>8} {cells[0]:>9} {cells[1]:>9} {cells[2]:>20}")


def confidence_table(outcomes: list[Outcome], threshold: float) -> None:
    print("\nconfidence (the suggestion's deepest level) against correctness")
    print(f"  {'confidence':<20} {'accounts':>8} {'level 2':>9} {'full path':>10}")
    for low, high in CONFIDENCE_BANDS:
        band = [o for o in outcomes if low <= o.confidence < high]
        label = f"{low:g}–{min(high, 100):g}"
        print(
            f"  {label:<20} {len(band):>8} {share(band, lambda o: o.correct(2)):>9} "
            f"{share(band, lambda o: o.correct(FULL_PATH)):>10}"
        )
    for name, part in (
        (f"≥ {threshold:g}", [o for o in outcomes if o.confidence >= threshold]),
        (f"< {threshold:g}", [o for o in outcomes if o.confidence < threshold]),
    ):
        print(
            f"  {name:<20} {len(part):>8} {share(part, lambda o: o.correct(2)):>9} "
            f"{share(part, lambda o: o.correct(FULL_PATH)):>10}"
        )


def confusion(outcomes: list[Outcome], level: int, top: int) -> None:
    misses = [o for o in outcomes if not o.correct(level)]
    cut = None if level >= FULL_PATH else level
    pairs: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for o in misses:
        pair = (".".join(o.expected[:cut]), ".".join(o.suggested[:cut]) or "(none)")
        pairs[pair] += 1
        examples[pair].append(f"{o.case.label.code} {o.case.label.name} ({o.case.label.source})".strip())
    what = "the full path" if level >= FULL_PATH else f"level {level}"
    print(f"\ncommonest misses at {what}: {len(misses)} of {len(outcomes)} (label → suggestion)")
    for (expected, suggested), count in pairs.most_common(top):
        shown = "; ".join(examples[(expected, suggested)][:3])
        print(f"  {count:>4}  {expected} → {suggested}\n        e.g. {shown}")


def list_misses(outcomes: list[Outcome]) -> None:
    print("\nevery miss at the full path")
    for o in outcomes:
        if not o.correct(FULL_PATH):
            label = o.case.label
            print(
                f"  [{label.source}] {label.code} {label.name!r} ({label.platform_type or '-'}): "
                f"{'.'.join(o.expected)} ≠ {'.'.join(o.suggested) or '(none)'} "
                f"@{o.confidence:g} — {o.reason}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--threshold", type=float, default=90.0, help="confidence to split the suggestions at"
    )
    parser.add_argument("--misses", type=int, default=15, help="how many kinds of miss to show")
    parser.add_argument("--list-misses", action="store_true", help="print every miss with its reason")
    args = parser.parse_args()

    cases = labelled_accounts.cases()
    outcomes, elapsed = run(cases)
    public = [o for o in outcomes if o.case.label.public]
    print(f"python bench/categorization_accuracy.py --threshold {args.threshold:g} --misses {args.misses}")
    print(
        f"{len(outcomes)} labelled accounts ({len(public)} from public charts); "
        f"suggest() took {1000 * elapsed:.0f} ms in all ({1e6 * elapsed / len(outcomes):.0f} µs an account)"
    )

    by_group: dict[str, list[Outcome]] = defaultdict(list)
    by_source: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_group[o.case.label.region].append(o)
        by_source[o.case.label.source].append(o)
    accuracy_table(
        "share correct, by group",
        [*((g, by_group[g]) for g in GROUPS), ("public charts", public), ("all", outcomes)],
    )
    accuracy_table("share correct, by chart", sorted(by_source.items()))
    confidence_table(outcomes, args.threshold)
    confusion(outcomes, FULL_PATH, args.misses)
    confusion(outcomes, 2, args.misses)
    if args.list_misses:
        list_misses(outcomes)


if __name__ == "__main__":
    main()
