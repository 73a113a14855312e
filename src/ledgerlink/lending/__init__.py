"""Lending: what an underwriter reads about a business, worked out from its standardized books.

Codat's Lending API over the record store and the statements the read API assembles: account
categories in one standard taxonomy (suggested with a reason, corrected by an analyst), the categorized
statements, aged debtors and creditors, invoices reconciled with the bank, the reports engine (reports
generated on the job queue and kept per company), the credit model's financial summary, the categorized
bank statement (every bank transaction categorized, with its counterparty and payment provider) and Excel
workbooks.
"""
