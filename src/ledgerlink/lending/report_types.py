"""Every report type ledgerlink generates, for the reports engine: adding one is a line in `REPORT_TYPES`.

Registered by the API's router (`lending.endpoints`) and the job workers (`worker.py`), the two places that
look report types up.
"""

from __future__ import annotations

from ledgerlink.lending.bank_statement.report import CATEGORIZED_BANK_STATEMENT
from ledgerlink.lending.credit_model.report import CREDIT_MODEL
from ledgerlink.lending.liabilities.report import KINDS as LIABILITIES
from ledgerlink.lending.reports import kinds

REPORT_TYPES = (CREDIT_MODEL, CATEGORIZED_BANK_STATEMENT, *LIABILITIES)


def register_all() -> None:
    for kind in REPORT_TYPES:
        kinds.register(kind)
