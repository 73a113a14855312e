"""The lint and type gate `.ci/run` applies before the tests: ruff's rules, ruff's format, mypy.

    python scripts/gate.py

Run it in the project's venv (`pip install -e '.[test]'` pins ruff and mypy). Each step says what it checks
and runs with the settings in pyproject.toml. Every step runs even when an earlier one fails, so one run
lists everything to fix; the exit status is 1 when any step failed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (name, what it checks, command): the tools run from this interpreter, so the venv's pinned versions.
STEPS = (
    (
        "lint",
        "ruff's rule set ([tool.ruff.lint]: pycodestyle, pyflakes, isort, pyupgrade, bugbear, ...) "
        "over src and tests",
        [sys.executable, "-m", "ruff", "check", "src", "tests"],
    ),
    (
        "format",
        "src and tests are as `ruff format` writes them (line length 110)",
        [sys.executable, "-m", "ruff", "format", "--check", "src", "tests"],
    ),
    (
        "types",
        "mypy over src/ledgerlink ([tool.mypy]): every function annotated, the annotations hold",
        [sys.executable, "-m", "mypy"],
    ),
)


def main() -> int:
    failed = []
    for name, checks, command in STEPS:
        print(f"==> {name}: {checks}", flush=True)
        if subprocess.run(command, cwd=ROOT).returncode != 0:
            failed.append(name)
    if failed:
        print(f"gate failed: {', '.join(failed)}", flush=True)
        return 1
    print("gate passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
