"""Spend Insights' spend analysis: who the business pays, how much and how (Codat's `spendAnalysis` report).

methods.py infers how each payment was made (pure); analysis.py sums the books' bills, bill payments and
direct costs per supplier and per payment method (pure); report.py registers the report type and reads the
books for it; service.py and endpoints.py answer its parts (`/suppliers`, `/paymentMethods`) and the bundle.
"""
