"""The categorized bank statement: every bank transaction of a company (from its banking connections and its
books' bank accounts) with a category, counterparty, payment provider, confidence and reason, as Codat's
`categorizedBankStatement` report and the older `enhancedCashFlow/transactions` answer it; and the
analyst's corrections of a transaction's category, which the next report applies.

A report's transactions are stored as rows keyed by the report (`models`), written by the generating job in
one COPY stream and paged with SQL, so a company with a million bank transactions costs neither the job
nor a page reader a million-row document.
"""
