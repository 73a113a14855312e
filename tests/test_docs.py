"""The generated docs stay true to the registries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_data_types_doc_is_current(tmp_path: Path) -> None:
    document = ROOT / "docs" / "data-types.md"
    before = document.read_text()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "document_data_types.py")], check=True)
    assert document.read_text() == before, "docs/data-types.md is stale: run scripts/document_data_types.py"
