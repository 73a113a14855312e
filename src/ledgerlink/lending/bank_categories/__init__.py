"""Bank transaction categorization: what each line of a bank statement is, in the Lending API's category
taxonomy, with the counterparty and the payment provider the money came through, a confidence and a reason.

`classify(line)` is pure and deterministic (the same line always gets the same answer); the rules it applies
are data (`rules.py`), the description is cleaned first (`normalise.py`), and the engine (`engine.py`) weighs
what the rules, the platform's own category and the amount's direction say.
"""

from ledgerlink.lending.bank_categories.engine import CATEGORIES, BankClassification, classify

__all__ = ["CATEGORIES", "BankClassification", "classify"]
