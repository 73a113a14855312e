"""Where the tests find the published API specs they check against: `vendor/specs/` in this repository
(vendor/specs/README.md says where each came from). Nothing a test reads lives outside the repository."""

from __future__ import annotations

from pathlib import Path

VENDORED = Path(__file__).resolve().parents[2] / "vendor" / "specs"
CODAT = VENDORED / "codat"
XERO = VENDORED / "xero"
PLAID = VENDORED / "plaid"
