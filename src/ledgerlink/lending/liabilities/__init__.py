"""Codat's liabilities reports: the loans a business already services, found in its books, its bank and its
commerce platform (detection.py, pure; loan_words.py, the words that point at a loan), read from the
record store (sources.py), generated on the reports engine (report.py) and answered at Codat's
`/companies/{companyId}/reports/liabilities/loans[/transactions]` (service.py, endpoints.py)."""
