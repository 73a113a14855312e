"""Who owes the business what, and what it owes: aged debtors and creditors as of a date (ageing.py), and
invoices reconciled with the payments allocated to them and the bank transactions those landed in
(reconciliation.py); Codat's endpoints for both (endpoints.py)."""
