"""Imports point down the project's layers (`scripts/import_cycles.py`): the source tree has no upward import
that does not say why, and the check finds one wherever it hides (module- or function-level, relative)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "import_cycles.py"


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_cycles", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up while it is defined
    spec.loader.exec_module(module)
    return module


def test_the_source_tree_keeps_its_layers_and_its_one_cycle() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("allowed (the models registry in db.py)")
    assert lines[-2:] == [
        "1 cycle(s), 0 not allowed",
        "0 upward import(s), 0 module(s) in no layer, 0 stale allowance(s)",
    ]


def write(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))


def test_upward_imports_are_found_unless_they_say_why(checker: ModuleType, tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "ledgerlink/__init__.py": "",
            "ledgerlink/db.py": """\
                def load_models() -> None:
                    # upward: every table, for the metadata
                    # (a reason may run over two lines)
                    from ledgerlink.companies import models
                    from ledgerlink.sync import (
                        models as sync_models,
                    )
                    loaded = True
                    from ledgerlink.portal import models as portal_models
                """,
            "ledgerlink/kit/__init__.py": "",
            "ledgerlink/kit/auth.py": """\
                from typing import TYPE_CHECKING

                from ledgerlink.db import load_models
                from ledgerlink.clients.models import ApiKey

                if TYPE_CHECKING:
                    from ledgerlink.app import create_app

                def owner() -> None:
                    from ..companies import service
                """,
            "ledgerlink/kit/ok.py": "from ledgerlink.app import create_app  # upward: a reason\n",
            "ledgerlink/clients/__init__.py": "",
            "ledgerlink/clients/models.py": "from ledgerlink.kit import auth\n",
            "ledgerlink/companies/__init__.py": "",
            "ledgerlink/companies/models.py": "",
            "ledgerlink/companies/service.py": "from ledgerlink.clients.models import ApiKey\n",
            "ledgerlink/sync/__init__.py": "",
            "ledgerlink/sync/models.py": "",
            "ledgerlink/portal/__init__.py": "",
            "ledgerlink/portal/models.py": "",
            "ledgerlink/app.py": "from ledgerlink.kit.auth import owner\n",
            "ledgerlink/gadgets.py": "from ledgerlink.kit import auth\n",
        },
    )
    known = checker.modules(tmp_path)
    found = {(u.importer, u.imported, u.kind, u.line) for u in checker.upward_imports(known)}
    assert found == {
        # The comment covers the run of imports right below it, not one after a line of code.
        ("ledgerlink.db", "ledgerlink.portal.models", "function", 9),
        ("ledgerlink.kit.auth", "ledgerlink.clients.models", "module", 4),
        ("ledgerlink.kit.auth", "ledgerlink.companies.service", "function", 10),
        # A module no layer names is reported, and so is every import it makes.
        ("ledgerlink.gadgets", "ledgerlink.kit.auth", "module", 1),
    }
    # The four imports and `gadgets` itself, and every allowance, which names modules this tree lacks.
    assert checker.check_layers(known) == 5 + len(checker.ALLOWED_UPWARD)
