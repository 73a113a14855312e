"""The Accounting Sandbox's books: a deterministic small-business ledger, simulated day by day.

Nothing here touches a database or the network, and nothing is stored between pulls: every record, and its
whole life, is recomputed from the company id whenever it is asked for (`documents.py` gives them Codat's
shapes).

Time model
----------
* **Clock and history.** The books are a ``simulation.Clock``, the clock of every sandbox (its docstring has
  the formulas): ``simulated(t) = linked_at + (t - linked_at) * speed``, a pull at ``as_of`` sees the books as
  they stand at ``T = simulated(as_of)``, and the books start at midnight UTC on the first day of a month 24
  to 36 months before ``linked_at`` (from the company id alone), so a newly linked company already has two to
  three years of history, the same history its Banking and Commerce Sandboxes have. Every moment is an
  integer number of seconds ``t`` since that start, and day ``d`` is ``[d * DAY, (d + 1) * DAY)``.
* **Lifecycles.** Each (day, family) has its own ``random.Random``, seeded from (company id, day, family:
  sales, purchases, cash, manual journals) and drawn in a fixed order, record index by record index, so record
  (day, index) is always the same record. When a record is created its whole future is drawn at once: an
  invoice issued on day ``d`` is paid in one or two payments at ``d + k`` days (on time, or late: see
  ``LATE_SHARE``, so aged reports have every bucket filled), or partly or fully credited by a credit note
  (allocated to it by a zero payment, and the rest paid; or, a quarter of them, left unallocated as credit on
  account and the invoice paid in full), or voided (a reversing journal entry), or deleted (with its journal
  entry), or gets its due date extended, or is never paid; bills alike (their credit notes the suppliers');
  payments and transfers get reconciled in the bank a few days later, most payments' bank transactions quoting
  the document's number (``UNQUOTED_SHARE`` only name the contact). Some days, two invoices (or bills) of one
  contact are paid by one remittance (``REMITTANCE_SHARE``). Every lifecycle event happens within
  ``HORIZON_DAYS`` of the record's creation, so a record's state "as of T" is computed from its own events:
  ``sourceModifiedDate`` is its latest event at or before ``T``; a record deleted at or before ``T`` is not in
  a full pull. Customers, suppliers and items live longer (email changes, archiving, yearly price rises) and
  are derived from a hash of (company, index) rather than a day's PRNG.
* **Incremental pulls.** With ``since`` (``S = simulated(since)``), a pull returns the records whose latest
  event is in ``(S, T]`` and, as deleted ids, the records that existed at ``S`` and are deleted by ``T``
  (records created and deleted within the window never appear). Document pulls only generate the days from
  ``S - HORIZON_DAYS`` on; balances (bank transactions' running balances, accounts, statements) need every
  day from the start.
* **Streaming.** Generation goes day by day and keeps nothing but the current day's records, a heap of bank
  transactions waiting to clear (bounded by the horizon), monthly sums and bounded caches, so memory stays
  flat whatever the volume (streaming 200,000 journal entries peaks about 10 MB above a tiny pull).

Volume model
------------
Activity follows weekdays (weekends are quiet), seasons and a growth ramp over the first three years; each
daily rate and recurring amount is multiplied by ``scale`` (credentials, a whole number 1 to 100,000,
default 1).
That gives about ``140 * scale`` records a month of history, plus what does not grow with scale (the chart,
monthly journals, the chased documents' second payments): at scale 1 a company linked today has about 4,400
to 7,200 records (24 to 36 months), e.g. ~50 customers, 30 suppliers, 20 items, 90 accounts, 270-440 invoices,
175-290 bills, 285-500 payments, 450-750 direct costs, 1,600-2,700 journal entries and 1,050-1,800 bank
transactions. Totals grow linearly with scale: **scale 400 gives over 1,000,000 records for any company**
(scale 200 for a company with 36 months of history), and the books keep growing by ``140 * scale`` records a
simulated month after linking.

The story (shared with the Banking Sandbox)
-------------------------------------------
The books are also what the Banking Sandbox's GBP accounts carry (`bankfeed.py`; the ground truth is
`story.py`), so they hold what a small business's bank statement is made of (`AccountingBooks.story_direct`
and `card_purchases`, each with its own PRNG stream or hash, so the older generators' records are unchanged):

* **Card purchases** on the business debit card (``CARD_RATE`` a day at scale 1, before activity), at a dozen
  merchants (``CARD_MERCHANTS``), VAT included: direct costs paid by card (``Pos``).
* **Payroll** on the 25th (``PAYDAY``): a journal of gross pay and employer's NI as expenses against PAYE and
  NI owed to HMRC (P.A.Y.E.) and net pay owed to the employees (Net Wages), and one net pay per employee (``1
  + scale`` of them) the same day. The month's gross pay is what the books always paid.
* **PAYE and NI to HMRC** on the 22nd of the next month (the working day before, when it falls on a weekend),
  quoting the employer's accounts office reference; **VAT to HMRC** each calendar quarter, on the 7th of the
  second month after it (a repayment from HMRC when the quarter's input VAT was larger), quoting the VAT
  number (`vat_return`: the VAT of the quarter's invoices, bills and cash sales and costs).
* **A loan** from a named lender (``LENDERS``): drawn down into the current account on a weekday in the first
  year (a direct income to Bank Loan), repaid monthly by direct debit on a fixed day, a fixed amount of
  capital and interest (direct costs split between Bank Loan and Loan Interest Paid) over 36 to 60 months
  (`AccountingBooks.loan`, a `LoanPlan`).

The till
--------
The company also keeps a shop: the Commerce Sandbox's, at the books' scale (`till.py`; it agrees with the
Commerce Sandbox linked with the same scale and speed in the same month). The books record it as a merchant
does (`AccountingBooks.till_entries`): each day's takings at 23:00 (each channel's payments into its holding
account, 1250 Credit Card Receipts for the card processor, 9997 Clearing Account for PayPal, 1230 Petty Cash
for cash and cheques; gift cards spent against 2120 Gift Vouchers Outstanding; against 4005 Sales - Shop and
Online, VAT, and gift cards sold), its refunds at 23:30, and each settlement as the processor pays out
(06:00, the cash paid in at 11:00): the net into the current account as one bank transaction in the
processor's words ("STRIPE PAYMENTS UK LTD PAYOUT"), the fees to 7900 Bank Charges and Interest, chargebacks
to 8100 Bad Debt Write Off, against the holding account. That is about 125 records a month at any scale
(half of them at scale 1: about 12,000 records in all for a company with 36 months of history). The VAT
returns declare the till's VAT.

Ledger and sign conventions
---------------------------
Money is integer pence internally and becomes JSON numbers (``pence / 100``) only in the output. Every
business record posts balanced journal entries (``netAmount``: debits positive, credits negative) made of
``(account, pence, contact)`` lines; statements, account balances and bank balances are sums of those lines,
so they agree to the penny by construction. An account's ``currentBalance`` is the sum of the ``netAmount`` of
its journal lines up to ``T`` (debit balances positive, so liabilities, equity and income are negative, and
all balances sum to zero). Profit and loss accounts are never closed: the balance sheet's "Retained Earnings"
is the cumulative net profit since the books started (the Retained Earnings account itself has no postings).
Opening balances (cash, savings, equipment against share capital) are a manual journal on day 0; they are
not bank transactions, so a bank account's balance is its opening balance plus its bank transactions.
"""

from __future__ import annotations

import heapq
import random
import uuid
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledgerlink.connectors.codat_shapes import record_ref, ref
from ledgerlink.connectors.sandbox.commerce import shop_for
from ledgerlink.connectors.sandbox.simulation import DAY, HOUR, Clock, mix64, person_name
from ledgerlink.connectors.sandbox.till import N_CHANNELS, Till

if TYPE_CHECKING:
    from ledgerlink.connectors.sandbox.writes import Written

# Every lifecycle event of a document happens within this many days of its creation.
HORIZON_DAYS = 150
CURRENCY = "GBP"
_NEVER = 1 << 62
# Caches are emptied when they reach these sizes, so memory stays bounded at any scale and history length.
_REF_CACHE = 5_000
_LINE_CACHE = 8_000

# ----------------------------------------------------------------------------------------------------------
# The chart of accounts: (key, nominal code, name, type, fully qualified category, report section).
#
# A UK limited company's chart as Sage 50 lays it out (four-digit nominal codes: 00xx fixed assets, 1xxx
# current assets, 2xxx liabilities, 3xxx capital, 4xxx sales, 5xxx purchases, 6xxx-8xxx overheads, 999x
# suspense), in GBP like the rest of the books: the Sandbox's companies are all in the United Kingdom. An
# account's index here is its id (`rid(K_ACCOUNT, 0, i)`), so accounts are only ever appended. Statements
# show the accounts that have postings by T (and Retained Earnings, which is worked out); the chart lists
# them all.
# ----------------------------------------------------------------------------------------------------------
ACCOUNTS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("bank_current", "1200", "Business Current Account", "Asset", "Asset.Current.Bank", "bank"),
    ("bank_savings", "1210", "Business Savings Account", "Asset", "Asset.Current.Bank", "bank"),
    ("ar", "1100", "Accounts Receivable", "Asset", "Asset.Current.AccountsReceivable", "current_assets"),
    ("equipment", "0030", "Office Equipment", "Asset", "Asset.NonCurrent.FixedAsset", "fixed_assets"),
    (
        "equipment_dep",
        "0031",
        "Office Equipment Depreciation",
        "Asset",
        "Asset.NonCurrent.AccumulatedDepreciation",
        "fixed_assets",
    ),
    (
        "ap",
        "2100",
        "Accounts Payable",
        "Liability",
        "Liability.Current.AccountsPayable",
        "current_liabilities",
    ),
    ("vat", "2200", "VAT", "Liability", "Liability.Current.Tax", "current_liabilities"),
    ("share_capital", "3000", "Share Capital", "Equity", "Equity.ShareCapital", "equity"),
    ("retained", "3200", "Retained Earnings", "Equity", "Equity.RetainedEarnings", "equity"),
    ("sales_products", "4000", "Sales - Products", "Income", "Income.Revenue.Sales", "income"),
    ("sales_services", "4010", "Sales - Services", "Income", "Income.Revenue.Services", "income"),
    ("sundry_income", "4900", "Sundry Income", "Income", "Income.Revenue.Other", "income"),
    ("interest_income", "4910", "Bank Interest Received", "Income", "Income.Other.Interest", "other_income"),
    ("cogs", "5000", "Cost of Goods Sold", "Expense", "Expense.CostOfSales.Goods", "cost_of_sales"),
    (
        "subcontractors",
        "5100",
        "Subcontractors",
        "Expense",
        "Expense.CostOfSales.Subcontractors",
        "cost_of_sales",
    ),
    ("marketing", "6100", "Advertising and Marketing", "Expense", "Expense.Operating.Marketing", "expenses"),
    ("wages", "7000", "Wages and Salaries", "Expense", "Expense.Operating.Payroll", "expenses"),
    ("rent", "7100", "Rent", "Expense", "Expense.Operating.Rent", "expenses"),
    ("utilities", "7200", "Light, Heat and Power", "Expense", "Expense.Operating.Utilities", "expenses"),
    ("travel", "7400", "Travel and Subsistence", "Expense", "Expense.Operating.Travel", "expenses"),
    ("office", "7500", "Office Supplies", "Expense", "Expense.Operating.Office", "expenses"),
    ("software", "7510", "Software Subscriptions", "Expense", "Expense.Operating.Software", "expenses"),
    ("professional", "7600", "Professional Fees", "Expense", "Expense.Operating.Professional", "expenses"),
    ("depreciation", "8000", "Depreciation", "Expense", "Expense.Operating.Depreciation", "expenses"),
    (
        "bank_charges",
        "7900",
        "Bank Charges and Interest",
        "Expense",
        "Expense.Other.BankCharges",
        "other_expenses",
    ),
    # The rest of a UK small company's chart (Sage 50's standard layout of nominal codes), appended so the
    # accounts above keep their ids. Most take no postings; those that do are named in `HARD_TO_CATEGORIZE`
    # or posted by `manual` and the expense lines.
    ("freehold", "0010", "Freehold Property", "Asset", "Asset.NonCurrent.FixedAsset", "fixed_assets"),
    ("plant", "0020", "Plant and Machinery", "Asset", "Asset.NonCurrent.FixedAsset", "fixed_assets"),
    (
        "plant_dep",
        "0021",
        "Plant and Machinery Depreciation",
        "Asset",
        "Asset.NonCurrent.AccumulatedDepreciation",
        "fixed_assets",
    ),
    ("furniture", "0040", "Furniture and Fixtures", "Asset", "Asset.NonCurrent.FixedAsset", "fixed_assets"),
    (
        "furniture_dep",
        "0041",
        "Furniture and Fixtures Depreciation",
        "Asset",
        "Asset.NonCurrent.AccumulatedDepreciation",
        "fixed_assets",
    ),
    ("vehicles", "0050", "Motor Vehicles", "Asset", "Asset.NonCurrent.FixedAsset", "fixed_assets"),
    (
        "vehicles_dep",
        "0051",
        "Motor Vehicles Depreciation",
        "Asset",
        "Asset.NonCurrent.AccumulatedDepreciation",
        "fixed_assets",
    ),
    ("computers", "0060", "Computer Equipment", "Asset", "Asset.NonCurrent.FixedAsset", "fixed_assets"),
    ("stock", "1001", "Stock", "Asset", "Asset.Current.Inventory", "current_assets"),
    ("wip", "1002", "Work in Progress", "Asset", "Asset.Current.Inventory", "current_assets"),
    ("other_debtors", "1102", "Other Debtors", "Asset", "Asset.Current.OtherReceivables", "current_assets"),
    ("prepayments", "1103", "Prepayments", "Asset", "Asset.Current.Prepayments", "current_assets"),
    ("building_society", "1220", "Building Society Account", "Asset", "Asset.Current.Bank", "current_assets"),
    ("petty_cash", "1230", "Petty Cash", "Asset", "Asset.Current.Cash", "current_assets"),
    (
        "credit_card",
        "1240",
        "Company Credit Card",
        "Liability",
        "Liability.Current.CreditCard",
        "current_liabilities",
    ),
    ("card_receipts", "1250", "Credit Card Receipts", "Asset", "Asset.Current.Clearing", "current_assets"),
    ("accruals", "2109", "Accruals", "Liability", "Liability.Current.Accruals", "current_liabilities"),
    ("paye", "2210", "P.A.Y.E.", "Liability", "Liability.Current.Payroll", "current_liabilities"),
    ("ni", "2211", "National Insurance", "Liability", "Liability.Current.Payroll", "current_liabilities"),
    ("net_wages", "2220", "Net Wages", "Liability", "Liability.Current.Payroll", "current_liabilities"),
    ("pension_fund", "2230", "Pension Fund", "Liability", "Liability.Current.Payroll", "current_liabilities"),
    (
        "directors_account",
        "2250",
        "Director's Account",
        "Liability",
        "Liability.Current.DirectorsLoan",
        "current_liabilities",
    ),
    (
        "corporation_tax",
        "2320",
        "Corporation Tax",
        "Liability",
        "Liability.Current.Tax",
        "current_liabilities",
    ),
    ("loans", "2300", "Bank Loan", "Liability", "Liability.NonCurrent.Loans", "long_term_liabilities"),
    (
        "bounce_back",
        "2305",
        "Bounce Back Loan",
        "Liability",
        "Liability.NonCurrent.Loans",
        "long_term_liabilities",
    ),
    (
        "hire_purchase",
        "2310",
        "Hire Purchase",
        "Liability",
        "Liability.NonCurrent.HirePurchase",
        "long_term_liabilities",
    ),
    ("reserves", "3100", "Reserves", "Equity", "Equity.Reserves", "equity"),
    ("dividends", "8500", "Dividends", "Equity", "Equity.Dividends", "equity"),
    ("sales_old", "4002", "Sales - Old Price List", "Income", "Income.Revenue.Sales", "income"),
    ("discounts_allowed", "4009", "Discounts Allowed", "Income", "Income.Revenue.Discounts", "income"),
    ("carriage_income", "4905", "Distribution and Carriage", "Income", "Income.Revenue.Other", "income"),
    ("asset_sales", "4200", "Sales of Assets", "Income", "Income.Other.AssetSales", "other_income"),
    (
        "late_payment_fees",
        "4400",
        "Credit Charges (Late Payments)",
        "Income",
        "Income.Other.LatePaymentFees",
        "other_income",
    ),
    ("rent_income", "4904", "Rent Income", "Income", "Income.Other.Rent", "other_income"),
    (
        "materials_imported",
        "5001",
        "Materials Imported",
        "Expense",
        "Expense.CostOfSales.Goods",
        "cost_of_sales",
    ),
    ("packaging", "5003", "Packaging", "Expense", "Expense.CostOfSales.Goods", "cost_of_sales"),
    (
        "discounts_taken",
        "5009",
        "Discounts Taken",
        "Expense",
        "Expense.CostOfSales.Discounts",
        "cost_of_sales",
    ),
    ("carriage", "5110", "Carriage Inwards", "Expense", "Expense.CostOfSales.Carriage", "cost_of_sales"),
    ("import_duty", "5101", "Import Duty", "Expense", "Expense.CostOfSales.Duty", "cost_of_sales"),
    ("directors_salaries", "7001", "Directors Salaries", "Expense", "Expense.Operating.Payroll", "expenses"),
    ("employers_ni", "7006", "Employers N.I.", "Expense", "Expense.Operating.Payroll", "expenses"),
    ("employers_pensions", "7007", "Employers Pensions", "Expense", "Expense.Operating.Payroll", "expenses"),
    ("recruitment", "7008", "Recruitment Expenses", "Expense", "Expense.Operating.Payroll", "expenses"),
    (
        "premises_insurance",
        "7104",
        "Premises Insurance",
        "Expense",
        "Expense.Operating.Insurance",
        "expenses",
    ),
    ("fuel", "7300", "Fuel and Oil", "Expense", "Expense.Operating.Motor", "expenses"),
    ("motor_repairs", "7301", "Repairs and Servicing", "Expense", "Expense.Operating.Motor", "expenses"),
    ("entertainment", "7403", "UK Entertainment", "Expense", "Expense.Operating.Entertainment", "expenses"),
    ("postage", "7501", "Postage and Carriage", "Expense", "Expense.Operating.Office", "expenses"),
    ("telephone", "7502", "Telephone and Internet", "Expense", "Expense.Operating.Telephone", "expenses"),
    ("audit", "7601", "Audit and Accountancy Fees", "Expense", "Expense.Operating.Professional", "expenses"),
    ("consultancy", "7602", "Consultancy Fees", "Expense", "Expense.Operating.Professional", "expenses"),
    ("equipment_hire", "7700", "Equipment Hire", "Expense", "Expense.Operating.Equipment", "expenses"),
    ("repairs", "7800", "Repairs and Renewals", "Expense", "Expense.Operating.Repairs", "expenses"),
    ("cleaning", "7801", "Cleaning", "Expense", "Expense.Operating.Premises", "expenses"),
    ("bad_debts", "8100", "Bad Debt Write Off", "Expense", "Expense.Operating.BadDebt", "expenses"),
    ("subscriptions", "8201", "Subscriptions", "Expense", "Expense.Operating.Subscriptions", "expenses"),
    ("training", "8203", "Training Costs", "Expense", "Expense.Operating.Training", "expenses"),
    ("insurance", "8204", "Insurance", "Expense", "Expense.Operating.Insurance", "expenses"),
    ("sundries", "8250", "Sundries", "Expense", "Expense.Operating.Other", "expenses"),
    ("loan_interest", "7903", "Loan Interest Paid", "Expense", "Expense.Other.Interest", "other_expenses"),
    ("loan_repayments", "7910", "Loan Repayments", "Expense", "Expense.Other.Finance", "other_expenses"),
    (
        "corporation_tax_charge",
        "8600",
        "Corporation Tax Charge",
        "Expense",
        "Expense.Other.Tax",
        "other_expenses",
    ),
    (
        "clearing",
        "9997",
        "Clearing Account",
        "Liability",
        "Liability.Current.Clearing",
        "current_liabilities",
    ),
    (
        "suspense",
        "9998",
        "Suspense Account",
        "Liability",
        "Liability.Current.Suspense",
        "current_liabilities",
    ),
    (
        "mispostings",
        "9999",
        "Mispostings Account",
        "Liability",
        "Liability.Current.Suspense",
        "current_liabilities",
    ),
    # The till's (`till.py`): the shop's and online store's sales, and the gift cards sold and not yet spent.
    ("sales_shop", "4005", "Sales - Shop and Online", "Income", "Income.Revenue.Sales", "income"),
    (
        "gift_vouchers",
        "2120",
        "Gift Vouchers Outstanding",
        "Liability",
        "Liability.Current.DeferredIncome",
        "current_liabilities",
    ),
)
AC = {row[0]: i for i, row in enumerate(ACCOUNTS)}
# Accounts no longer in use: closed or replaced, kept in the chart with their history (none has postings).
ARCHIVED = frozenset(AC[key] for key in ("building_society", "sales_old"))
# Accounts a categoriser (a person or `lending.categories`) cannot place from the name, code and platform type
# alone, as real books have them; each with why. Lending's categorisation is measured against these.
HARD_TO_CATEGORIZE = {
    "sundries": "a catch-all overhead: anything from postage to a client gift ends up here (posted)",
    "directors_account": (
        "a director's loan account: a liability while the company owes the director (it does here: "
        "expenses the director paid personally are posted to it), an asset when the director owes the company"
    ),
    "suspense": (
        "a balance sheet holding pen for postings nobody has placed yet; its balance has no category (posted)"
    ),
    "mispostings": "the accountant's correction account: no category of its own",
    "clearing": (
        "money in transit between accounts (here PayPal's takings until PayPal pays them out); nets to "
        "nothing when the books are up to date (posted)"
    ),
    "card_receipts": (
        "a clearing account for card takings awaiting the processor's payout, coded in the bank range "
        "(posted)"
    ),
    "credit_card": "coded in the bank range (1240) but a liability: what the company owes the card issuer",
    "loan_repayments": (
        "misclassified: loan capital repayments set up as an expense, where they reduce a liability "
        "(Bank Loan)"
    ),
    "dividends": "a distribution of profit (equity) coded in the overheads range (8500)",
    "discounts_allowed": "income typed, but a reduction of sales: its balance is a debit",
    "discounts_taken": "cost of sales typed, but a reduction of purchases: its balance is a credit",
    "corporation_tax_charge": (
        "the tax on profit: below the line, neither an operating expense nor a cost of sales"
    ),
}
N_ACCOUNTS = len(ACCOUNTS)
A_BANK_CURRENT, A_BANK_SAVINGS = AC["bank_current"], AC["bank_savings"]
A_AR, A_AP, A_VAT = AC["ar"], AC["ap"], AC["vat"]
A_EQUIPMENT, A_EQUIPMENT_DEP = AC["equipment"], AC["equipment_dep"]
A_SHARE_CAPITAL, A_RETAINED = AC["share_capital"], AC["retained"]
A_SALES_SHOP, A_GIFT_VOUCHERS = AC["sales_shop"], AC["gift_vouchers"]
A_BANK_CHARGES, A_BAD_DEBTS = AC["bank_charges"], AC["bad_debts"]
A_SUSPENSE = AC["suspense"]
BANK_ACCOUNTS = (A_BANK_CURRENT, A_BANK_SAVINGS)
SECTION = tuple(row[5] for row in ACCOUNTS)
PL_SECTIONS = ("income", "cost_of_sales", "expenses", "other_income", "other_expenses")
IS_PL = tuple(s in PL_SECTIONS for s in SECTION)
IS_BANK = tuple(s == "bank" for s in SECTION)

# Cash flow (direct method) categories: where a cash movement's counterpart lines sit.
CF_CATEGORIES = (
    ("receipts", "accountsReceivable", "Accounts Receivable"),
    ("receipts", "income", "Income"),
    ("receipts", "otherIncome", "Other Income"),
    ("payments", "accountsPayable", "Accounts Payable"),
    ("payments", "costOfSales", "Cost of Sales"),
    ("payments", "expenses", "Expenses"),
    ("payments", "otherExpenses", "Other Expenses"),
)
CF_OF_SECTION = {"income": 1, "other_income": 2, "cost_of_sales": 4, "expenses": 5, "other_expenses": 6}
# The story's payments of liabilities (`AccountingBooks.story_direct`): net pay and PAYE are payroll
# (expenses), loan repayments other expenses; a VAT payment has no other line and goes with its default.
# The till's holding accounts (`till.py`) pay takings into the bank: receipts of income.
_CF_OF_LIABILITY = {
    "net_wages": 5,
    "paye": 5,
    "loans": 6,
    "card_receipts": 1,
    "clearing": 1,
    "petty_cash": 1,
}
CF_OF_ACCOUNT = tuple(
    0
    if i == A_AR
    else 3
    if i == A_AP
    else _CF_OF_LIABILITY.get(ACCOUNTS[i][0], CF_OF_SECTION.get(SECTION[i], -1))
    for i in range(N_ACCOUNTS)
)

# Tax rates: (key, name, code, rate %).
TAX_RATES = (
    ("standard", "Standard 20%", "S", 20),
    ("reduced", "Reduced 5%", "R", 5),
    ("zero", "Zero Rated", "Z", 0),
    ("exempt", "Exempt", "E", 0),
    ("none", "No VAT", "N", 0),
)
T_STANDARD, T_REDUCED, T_ZERO, T_EXEMPT, T_NONE = range(5)
TAX_PCT = tuple(row[3] for row in TAX_RATES)

# Tracking categories: (name, parent index or -1, created on day). Children are picked for document lines.
TRACKING = (
    ("Department", -1, 0),
    ("Sales", 0, 0),
    ("Operations", 0, 0),
    ("Administration", 0, 0),
    ("Region", -1, 0),
    ("North", 4, 0),
    ("South", 4, 0),
    ("Online", 0, 200),  # a department opened later in the books
)
DEPARTMENTS = (1, 2, 3, 7)
# Departments in order of creation: (how many exist before the last one opens, the day it opens).
_DEPARTMENT_COUNTS = (len(DEPARTMENTS) - 1, TRACKING[DEPARTMENTS[-1]][2])

# Journals: (name, code, type).
JOURNALS = (
    ("Sales Journal", "SAL", "Sales"),
    ("Purchases Journal", "PUR", "Purchases"),
    ("Cash Book", "CSH", "Cash"),
    ("General Journal", "GEN", "General"),
)
J_SALES, J_PURCHASES, J_CASH, J_GENERAL = range(4)

# Record id kinds (the second group of an id).
K_CUSTOMER, K_SUPPLIER, K_ITEM, K_ACCOUNT, K_TAX, K_TRACKING, K_JOURNAL = (
    "c000",
    "5000",
    "1700",
    "ac00",
    "7a00",
    "7c00",
    "70a0",
)
K_INVOICE, K_CREDIT_NOTE, K_PAYMENT = "1a00", "1c00", "1d00"
K_BILL, K_BILL_CREDIT_NOTE, K_BILL_PAYMENT = "2a00", "2c00", "2d00"
K_DIRECT_COST, K_DIRECT_INCOME, K_TRANSFER, K_MANUAL = "3a00", "3b00", "4a00", "5f00"
# The till's journal entries (`till_entries`): a day's takings, its refunds, a channel's settlement.
K_TAKINGS, K_TILL_REFUNDS, K_SETTLEMENT = "6a00", "6b00", "6c00"
# Overdue receivables and payables, so aged reports have something in every bucket (current, 1-30, 31-60,
# 61-90, 91+ days overdue) on nearly any day after the first months (at scale 1, where bills are few, about
# one (company, day, bucket) in 250 is empty; larger scales fill them all). The first invoice and the first
# bill of every fortnight (two weeks from a Monday) are chased: paid in part five to seven weeks after
# falling due and the rest about 93 days after, or, about one a quarter, never paid in full
# (`AccountingBooks._chased`); LATE_SHARE of the other paid invoices and bills are paid 21 to 70 days after
# falling due. Every such payment, reconciled, is still within HORIZON_DAYS of the document (payment terms
# are at most 45 days).
LATE_SHARE = 0.12
# The share of days with invoices (or bills) on which two of them, made one contact's, are paid by one
# remittance (`AccountingBooks._remit`): a payment allocated across documents. Such a day has at least two
# (a customer invoiced for goods and services separately), which at scale 1, where most days have one, adds
# about 7% more invoices and 10% more bills.
REMITTANCE_SHARE = 0.08
# The share of payments whose bank transaction does not quote the invoice or bill number (`Payment.quoted`).
UNQUOTED_SHARE = 0.15
# Journal entries and bank transactions are keyed by their source's kind.
JE_KIND = {
    k: "e" + k[:3]
    for k in (
        K_INVOICE,
        K_CREDIT_NOTE,
        K_PAYMENT,
        K_BILL,
        K_BILL_CREDIT_NOTE,
        K_BILL_PAYMENT,
        K_DIRECT_COST,
        K_DIRECT_INCOME,
        K_TRANSFER,
        K_MANUAL,
        K_TAKINGS,
        K_TILL_REFUNDS,
        K_SETTLEMENT,
    )
}
BT_KIND = {k: "b" + k[:3] for k in JE_KIND}

# The story both books and bank tell (`AccountingBooks.story_direct`): payday, when HMRC is paid (day of the
# month), lenders (name, the loan reference's prefix), the hash kinds of its entities.
PAYDAY, PAYE_DOM, VAT_DOM = 25, 22, 7
MAX_EMPLOYEES = 2_000
LENDERS = (
    ("Funding Circle", "FC"),
    ("iwoca", "IW"),
    ("Allica Bank", "AB"),
    ("OakNorth Bank", "ON"),
    ("Triodos Bank", "TB"),
)
K_STORY_EMPLOYEE, K_STORY_LOAN, K_STORY_RECONCILE = 0x5701, 0x5702, 0x5703
# Debit card purchases (`AccountingBooks.card_purchases`): a day's mean count at scale 1 (before activity),
# and the merchants: (name, expense account, min pence, max pence, tax rate), prices VAT inclusive.
F_CARD = 0xCA4D
CARD_RATE = 0.45
CARD_MERCHANTS: tuple[tuple[str, int, int, int, int], ...] = tuple(
    (name, AC[key], lo, hi, tax_i)
    for name, key, lo, hi, tax_i in (
        ("Amazon", "office", 800, 12_000, T_STANDARD),
        ("Staples", "office", 1_500, 9_000, T_STANDARD),
        ("Screwfix", "office", 1_000, 20_000, T_STANDARD),
        ("Trainline", "travel", 1_200, 18_000, T_ZERO),
        ("Uber", "travel", 700, 4_500, T_STANDARD),
        ("Shell", "travel", 3_000, 9_000, T_STANDARD),
        ("Pret A Manger", "travel", 350, 2_500, T_STANDARD),
        ("Dishoom", "travel", 3_000, 18_000, T_STANDARD),
        ("Tesco", "sundries", 400, 6_000, T_STANDARD),
        ("Post Office", "sundries", 200, 3_000, T_EXEMPT),
        ("Google Ads", "marketing", 2_000, 40_000, T_STANDARD),
        ("LinkedIn", "marketing", 2_000, 25_000, T_STANDARD),
        ("Adobe", "software", 1_000, 6_000, T_STANDARD),
    )
)
# VAT returns by (company seed, history start, scale, month paid): each costs a quarter of generation.
_VAT_RETURNS: dict[tuple, int] = {}


@dataclass(frozen=True, slots=True)
class LoanPlan:
    """A loan: `amount` pence drawn down from `lender` on `drawdown_day`, repaid in `term` monthly payments of
    `payment` pence (the last one clears what is left) on `day_of_month` (the Monday after when it falls on a
    weekend), interest at `rate_bp` basis points a year on what is outstanding. `schedule`: each repayment's
    `(day, capital, interest)`."""

    lender: str
    reference: str
    drawdown_day: int
    amount: int
    payment: int
    rate_bp: int
    term: int
    day_of_month: int
    schedule: tuple[tuple[int, int, int], ...]

    def repayment_index(self, day: int) -> int | None:
        """Which repayment falls on `day` (None: none)."""
        for k, (pay_day, _capital, _interest) in enumerate(self.schedule):
            if pay_day == day:
                return k
            if pay_day > day:
                return None
        return None

    def outstanding(self, day: int) -> int:
        """What is owed at the end of `day` (0 before the drawdown)."""
        if day < self.drawdown_day:
            return 0
        return self.amount - sum(capital for pay_day, capital, _ in self.schedule if pay_day <= day)


# Families of day generators (each has its own PRNG stream per day).
F_SALES, F_PURCHASES, F_DIRECT, F_MANUAL = 1, 2, 3, 4

# ----------------------------------------------------------------------------------------------------------
# Name templates.
# ----------------------------------------------------------------------------------------------------------
_CUST_A = (
    "Acorn",
    "Bright",
    "Cedar",
    "Summit",
    "Harbour",
    "Maple",
    "Riverside",
    "Oakwood",
    "Pioneer",
    "Silverline",
    "Granite",
    "Meadow",
    "Northern",
    "Crown",
    "Falcon",
    "Willow",
    "Beacon",
    "Kingfisher",
    "Atlas",
    "Orchard",
    "Evergreen",
    "Highland",
    "Lakeside",
    "Copper",
    "Swift",
    "Sterling",
    "Compass",
    "Redwood",
    "Bluebell",
    "Thames",
)
_CUST_B = (
    "Bakery",
    "Consulting",
    "Design",
    "Engineering",
    "Logistics",
    "Media",
    "Dental",
    "Builders",
    "Florists",
    "Catering",
    "Studios",
    "Motors",
    "Plumbing",
    "Analytics",
    "Print",
    "Joinery",
    "Fitness",
    "Legal",
    "Travel",
    "Gardens",
    "Labs",
    "Electrics",
    "Interiors",
    "Optics",
    "Coffee",
    "Brewing",
    "Pharmacy",
    "Tutoring",
    "Cleaning",
    "Architects",
)
_CUST_C = ("Ltd", "& Co", "Group", "LLP", "Partners", "Limited")
_SUPP_A = (
    "Office",
    "Metro",
    "Prime",
    "National",
    "Apex",
    "Vertex",
    "Unity",
    "Global",
    "Direct",
    "Express",
    "Central",
    "Premier",
    "Allied",
    "Coastal",
    "Capital",
    "Royal",
    "Sovereign",
    "Union",
    "Midland",
    "Summit",
)
_SUPP_B = (
    "Supplies",
    "Wholesale",
    "Energy",
    "Telecom",
    "Packaging",
    "Hardware",
    "Software",
    "Freight",
    "Insurance",
    "Stationery",
    "Timber",
    "Steel",
    "Electrical",
    "Print",
    "Couriers",
    "Cloud",
    "Fuels",
    "Textiles",
    "Chemicals",
    "Components",
)
_SUPP_C = ("Ltd", "plc", "Limited", "UK Ltd")
_ITEM_ADJ = (
    "Standard",
    "Premium",
    "Deluxe",
    "Compact",
    "Heavy Duty",
    "Eco",
    "Classic",
    "Pro",
    "Essential",
    "Advanced",
    "Lite",
    "Industrial",
)
# (noun, type, sale price range in pence)
_ITEM_NOUNS = (
    ("Consulting Hour", "Service", 6000, 15000),
    ("Design Session", "Service", 8000, 30000),
    ("Installation", "Service", 12000, 60000),
    ("Maintenance Visit", "Service", 9000, 25000),
    ("Training Day", "Service", 45000, 120000),
    ("Support Plan", "Service", 20000, 90000),
    ("Site Survey", "Service", 15000, 40000),
    ("Project Management Day", "Service", 40000, 90000),
    ("Desk Lamp", "Inventory", 1500, 9000),
    ("Office Chair", "Inventory", 8000, 45000),
    ("Steel Bracket", "Inventory", 300, 2500),
    ("Cable Kit", "Inventory", 900, 6000),
    ("Paint Tin (5L)", "Inventory", 2500, 7000),
    ("Timber Plank", "Inventory", 800, 4000),
    ("Safety Gloves", "Inventory", 400, 2000),
    ("Printer Toner", "Inventory", 3000, 12000),
    ("LED Panel", "Inventory", 2500, 15000),
    ("Workbench", "Inventory", 15000, 60000),
    ("Delivery Charge", "NonInventory", 500, 4000),
    ("Packaging Pack", "NonInventory", 300, 1500),
)
# Expense lines on bills and direct costs: (account key, descriptions, min pence, max pence, tax rate).
_EXPENSES = (
    (
        "office",
        ("Stationery", "Printer paper", "Office consumables", "Coffee and kitchen supplies"),
        1500,
        25000,
        T_STANDARD,
    ),
    (
        "software",
        (
            "Accounting software subscription",
            "Cloud hosting",
            "Design software licence",
            "Video conferencing",
        ),
        1000,
        30000,
        T_STANDARD,
    ),
    ("utilities", ("Electricity", "Gas", "Water rates", "Broadband"), 5000, 60000, T_REDUCED),
    (
        "marketing",
        ("Online advertising", "Trade show stand", "Printed leaflets", "Sponsored post"),
        5000,
        150000,
        T_STANDARD,
    ),
    (
        "professional",
        ("Accountancy fees", "Legal advice", "Payroll bureau", "IT support"),
        15000,
        200000,
        T_STANDARD,
    ),
    (
        "subcontractors",
        ("Subcontracted labour", "Specialist contractor", "Freelance design"),
        20000,
        300000,
        T_STANDARD,
    ),
    ("travel", ("Train tickets", "Hotel stay", "Mileage", "Client lunch", "Taxi"), 800, 40000, T_ZERO),
    (
        "sundries",
        ("Sundries", "Sundry expenses", "Miscellaneous", "Petty cash top-up"),
        500,
        8000,
        T_STANDARD,
    ),
)
_DIRECT_EXPENSES = tuple(
    e for e in _EXPENSES if e[0] in ("office", "software", "travel", "marketing", "sundries")
)
_EXPENSE_LINES = tuple((AC[key], descs, lo, hi, tax_i) for key, descs, lo, hi, tax_i in _EXPENSES)
_WEEKDAY_SALES = (1.0, 1.0, 1.05, 1.0, 0.95, 0.2, 0.05)  # Monday..Sunday
_SEASON = (0.85, 0.9, 1.05, 1.0, 1.05, 1.0, 0.9, 0.85, 1.05, 1.1, 1.15, 1.1)  # January..December


def post_cash(
    crow: list[int],
    lines: list,
    is_cash: tuple[bool, ...] | list[bool] = IS_BANK,
    cf_of: tuple[int, ...] | list[int] = CF_OF_ACCOUNT,
) -> None:
    """Add a cash entry's movements to a month's cash flow categories (as `AccountingBooks.ledger` does
    inline, for speed, with the entries it generates): each line not on a cash account is a receipt or
    payment of its account's category, and VAT goes with the entry's first other line. `is_cash` and `cf_of`
    are the chart's (`AccountingBooks.chart`'s, with the accounts written to the books)."""
    default = -1
    for a, _, _ in lines:
        if not is_cash[a] and a != A_VAT:
            default = cf_of[a]
            break
    for a, c, _ in lines:
        if not is_cash[a]:
            crow[default if a == A_VAT else cf_of[a]] -= c


def tax_of(pence: int, tax_i: int) -> int:
    """VAT on `pence` at a rate, rounded half up to the penny."""
    pct = TAX_PCT[tax_i]
    return (pence * pct + 50) // 100 if pct else 0


# ----------------------------------------------------------------------------------------------------------
# Specs: compact descriptions of records and their lifecycles (no Codat shapes here; see documents.py).
# ----------------------------------------------------------------------------------------------------------
# A journal line: (account index, pence with debits positive, contact ref or None).
JournalLine = tuple[int, int, "dict[str, str] | None"]


@dataclass(slots=True, eq=False)
class Entry:
    """A journal entry: balanced `(account, pence, contact)` lines posted at `t`, deleted at `t_del` or never.

    `txn` is the bank transaction type when the entry moves money in or out of a bank account (its bank lines
    are bank transactions, reconciled at `t_rec`); `operating` is False for entries kept out of the cash flow
    statement (the opening balances).
    """

    id: str
    t: int
    t_del: int | None
    journal: int
    desc: str
    lines: list[JournalLine]
    ref_id: str | None = None
    ref_type: str | None = None
    txn: str | None = None
    t_rec: int | None = None
    operating: bool = True


@dataclass(slots=True, eq=False)
class Line:
    """A document line: what was sold or bought, for how much, posted to which account.

    Lines are immutable and shared between documents (invoice lines are cached by item, quantity, price level
    and department); `shape` caches the line's Codat shape once a view has built it.
    """

    desc: str
    item: int  # item index or -1
    qty: int
    unit: int  # pence
    sub: int
    tax: int
    tax_i: int
    acc: int
    track: int  # tracking category index or -1
    shape: dict[str, Any] | None = field(default=None, init=False)


@dataclass(slots=True, eq=False)
class Payment:
    """A payment of an invoice or bill: through bank account `bank` at `t`, reconciled at `t_rec`. `quoted`
    says whether its bank transaction quotes the document's number (else it names only the contact, and
    matching it to the document takes its amount and date)."""

    id: str
    t: int
    amount: int
    bank: int
    sub: int
    t_rec: int
    quoted: bool
    total: int  # the whole payment: `amount`, or a remittance's parts together
    # A remittance: one payment settling several documents of one contact, as (document id, number, pence)
    # parts; `amount` is this document's part. The lead document's copy carries the payment (its record,
    # journal entry and bank transaction); the others' copies only allocate their part. `numbers` lists the
    # documents' numbers, as a remittance advice does ("" for a payment of one document).
    batch: tuple[tuple[str, str, int], ...] = ()
    numbers: str = ""
    lead: bool = True


@dataclass(slots=True, eq=False)
class CreditNote:
    """A credit note against an invoice (a customer's) or a bill (a supplier's), allocated to it (by a zero
    payment `alloc_id`) at `t_alloc`, or never (`_NEVER`: the credit is held on account)."""

    id: str
    number: str
    t: int
    t_alloc: int
    alloc_id: str
    lines: list[Line]
    sub: int
    tax: int
    total: int


@dataclass(slots=True, eq=False)
class Document:
    """An invoice (customer) or a bill (supplier), with its whole lifecycle."""

    id: str
    kind: str
    day: int
    idx: int
    number: str
    t0: int
    contact: int
    due_day: int
    lines: list[Line]
    sub: int
    tax: int
    total: int
    t_edit: int | None = None  # due date extended by 14 days
    cn: CreditNote | None = None
    pays: tuple[Payment, ...] = ()
    t_void: int | None = None
    t_del: int | None = None

    def last_event(self, T: int) -> int:
        last = self.t0
        for t in (self.t_edit, self.t_void):
            if t is not None and last < t <= T:
                last = t
        if self.cn is not None and last < self.cn.t_alloc <= T:
            last = self.cn.t_alloc
        for p in self.pays:
            if last < p.t <= T:
                last = p.t
        return last


@dataclass(slots=True, eq=False)
class Direct:
    """A direct cost or direct income: spent or received at once through a bank account."""

    id: str
    kind: str
    day: int
    idx: int
    t: int
    contact: int  # supplier index (costs), customer index (incomes) or -1
    lines: list[Line]
    sub: int
    tax: int
    total: int
    bank: int
    txn: str
    t_rec: int
    reference: str
    note: str
    payee: str | None = None  # who the bank shows as paid or paying, when not the contact (the story's)


@dataclass(slots=True, eq=False)
class Transfer:
    """Money moved between the two bank accounts, from `src` to `dst`."""

    id: str
    day: int
    idx: int
    t: int
    src: int
    dst: int
    amount: int
    t_rec: int
    desc: str


@dataclass(slots=True, eq=False)
class Item:
    """A product or service the business sells (and, unless a service, buys); its price rises 4% a year."""

    idx: int
    id: str
    name: str
    code: str
    type: str
    sale_base: int
    buy_base: int
    income_acc: int
    tax_i: int
    offset: int  # day of its first yearly price rise
    is_bill: bool = field(init=False)
    max_qty: int = field(init=False)
    ref: dict[str, str] = field(init=False)
    _prices: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.is_bill = self.type != "Service"
        self.max_qty = 12 if self.type == "Service" else 8
        self.ref = ref(self.id, self.name)
        self._prices = [self.sale_base]

    def rises(self, day: int) -> int:
        """How many 4% price rises have happened by `day` (one a year from `offset`)."""
        return 0 if day < self.offset else (day - self.offset) // 365 + 1

    def last_change_day(self, day: int) -> int | None:
        n = self.rises(day)
        return None if n == 0 else self.offset + (n - 1) * 365

    def sale_price(self, day: int) -> int:
        n = self.rises(day)
        prices = self._prices
        while len(prices) <= n:
            prices.append((prices[-1] * 104 + 50) // 100)
        return prices[n]

    def buy_price(self, day: int) -> int:
        return (self.sale_price(day) * 55 + 50) // 100


class AccountingBooks(Clock):
    """One company's books: the simulation's clock, catalogues and the day-by-day generators.

    The clock (history start, simulated time, seeds, calendar, ids, timestamps) is `simulation.Clock`, the
    one the Banking and Commerce Sandboxes run on, so a company linked to all three has one history.
    """

    def __init__(self, company_id: uuid.UUID | str, linked_at: datetime, scale: int = 1, speed: float = 1):
        super().__init__(company_id, linked_at, speed)
        self._kind_prefix: dict[str, str] = {}
        self._contacts = {False: (array("q"), array("b")), True: (array("q"), array("b"))}
        self._customer_refs: dict[int, dict] = {}
        self._line_cache: dict[int, Line] = {}
        self._supplier_refs: dict[int, dict] = {}
        self._customer_contacts: dict[int, dict] = {}
        self._supplier_contacts: dict[int, dict] = {}
        self._suffixes: list[list[str]] = [[] for _ in range(16)]
        self._activity: list[float] = []
        # Whether a day has invoices (F_SALES) or bills (F_PURCHASES), to find each fortnight's first.
        self._busy: dict[int, dict[int, bool]] = {F_SALES: {}, F_PURCHASES: {}}
        self.scale = s = max(1, int(scale))
        # Rates (per day at scale 1, before the activity multiplier).
        self.invoice_rate = 0.5 * s
        self.bill_rate = 0.3 * s
        self.direct_cost_rate = 0.16 * s
        self.direct_income_rate = 0.06 * s
        # Contact pools: an initial set on day 0, then new ones every few days.
        self.customers0 = 6 * s + 4
        self.suppliers0 = 4 * s + 4
        self.customer_growth = 4 * s  # new customers per 100 days
        self.supplier_growth = 2 * s
        self.items = self._make_items(min(5000, 16 + 4 * s))
        self.bill_items = [it for it in self.items if it.is_bill]
        self._refs()
        self._payroll: dict[int, list[tuple[int, int, int, int]]] = {}
        self._loan: LoanPlan | None = None
        self._vat_days: dict[int, int] = {}  # `day_vat` of the days generated lately
        # What was written to these books through the API (`writes.Written`), set by the connector.
        self.written: Written | None = None
        self._till: Till | None = None

    @property
    def clock(self) -> Clock:
        """The books' clock: the books themselves (a `Simulation`, as the other sandboxes' models are)."""
        return self

    # ---------------------------------------------------------------------------------------------- ids, time
    def id_prefix(self, kind: str, day: int) -> str:
        """The start of `rid(kind, day, ...)`: `id_prefix(kind, day) + suffix(idx, sub)` is the id."""
        if day >= len(self._hex):
            self._extend(day)
        return self._kind_prefix[kind] + self._hex[day]

    def suffix(self, idx: int, sub: int = 0) -> str:
        if idx < 4096 and sub < 16:
            table = self._suffixes[sub]
            if idx < len(table):
                return table[idx]
            table.extend(f"{i:04x}-{sub:04x}{self.c8b}" for i in range(len(table), max(idx + 1, 256)))
            return table[idx]
        return f"{idx:04x}-{sub:04x}{self.c8b}"

    def activity(self, day: int) -> float:
        """How busy `day` is: growth over the first three years, the season and the weekday."""
        activity = self._activity
        while day >= len(activity):
            d = len(activity)
            activity.append(
                self.growth(d) * _SEASON[self.month_of_year(d) - 1] * _WEEKDAY_SALES[self.weekday(d)]
            )
        return activity[day]

    def _rng(self, day: int, family: int) -> random.Random:
        """The PRNG of one family of records created on `day`. Its seed is not `Clock.rng`'s: the Accounting
        Sandbox's records were drawn from this stream first, and another would change every record."""
        return random.Random(mix64(self.seed ^ (day * 8 + family)))

    # ------------------------------------------------------------------------------------------- catalogues
    def _refs(self) -> None:
        for kind in (
            K_CUSTOMER,
            K_SUPPLIER,
            K_ITEM,
            K_ACCOUNT,
            K_TAX,
            K_TRACKING,
            K_JOURNAL,
            *JE_KIND,
            *JE_KIND.values(),
            *BT_KIND.values(),
        ):
            self._kind_prefix[kind] = f"{self.c8}-{kind}-"
        self.account_ids = [self.rid(K_ACCOUNT, 0, i) for i in range(N_ACCOUNTS)]
        self.account_refs = [ref(self.account_ids[i], ACCOUNTS[i][2]) for i in range(N_ACCOUNTS)]
        self.bank_record_refs = {a: record_ref(self.account_ids[a], "bankAccounts") for a in BANK_ACCOUNTS}
        # The chart as these books have it: the generated accounts, then those written through the API
        # (`writes.Written.add_account` appends to each table; an account's index is its place here).
        self.chart: list[tuple[str, str, str, str, str, str]] = list(ACCOUNTS)
        self.section: list[str] = list(SECTION)
        self.is_pl: list[bool] = list(IS_PL)
        self.is_bank: list[bool] = list(IS_BANK)  # a bank account: its money moves are bank transactions
        self.is_cash: list[bool] = list(IS_BANK)  # a bank account that is an asset: cash in the statements
        self.cf_of_account: list[int] = list(CF_OF_ACCOUNT)
        self.tax_ids = [self.rid(K_TAX, 0, i) for i in range(len(TAX_RATES))]
        self.tax_refs = [
            {"id": self.tax_ids[i], "name": TAX_RATES[i][1], "effectiveTaxRate": TAX_RATES[i][3]}
            for i in range(len(TAX_RATES))
        ]
        self.tracking_ids = [self.rid(K_TRACKING, 0, i) for i in range(len(TRACKING))]
        self.tracking_refs = [ref(self.tracking_ids[i], TRACKING[i][0]) for i in range(len(TRACKING))]
        self.journal_ids = [self.rid(K_JOURNAL, 0, i) for i in range(len(JOURNALS))]
        self.journal_refs = [ref(self.journal_ids[i], JOURNALS[i][0]) for i in range(len(JOURNALS))]

    def _make_items(self, n: int) -> list[Item]:
        out = []
        na, nn = len(_ITEM_ADJ), len(_ITEM_NOUNS)
        base = self.seed % (na * nn)
        for i in range(n):
            h = self.hash(0x17E0, i)
            combo = (base + i * 7) % (na * nn) if na * nn % 7 else (base + i) % (na * nn)
            adj, (noun, type_, lo, hi) = _ITEM_ADJ[combo % na], _ITEM_NOUNS[combo // na]
            name = f"{adj} {noun}" + (f" {i // (na * nn) + 1}" if i >= na * nn else "")
            sale = lo + (h & 0xFFFF) * (hi - lo) // 0xFFFF
            sale = max(100, sale // 50 * 50)
            income = AC["sales_services"] if type_ == "Service" else AC["sales_products"]
            r = (h >> 16) & 0xFF
            tax_i = T_REDUCED if r < 20 else T_ZERO if r < 40 else T_STANDARD
            offset = 120 + (h >> 24) % 300
            code = f"{noun[:3].upper()}-{i + 1:04d}"
            out.append(
                Item(
                    i,
                    self.rid(K_ITEM, 0, i),
                    name,
                    code,
                    type_,
                    sale,
                    (sale * 55 + 50) // 100,
                    income,
                    tax_i,
                    offset,
                )
            )
        return out

    # ---------------------------------------------------------------------------------------------- contacts
    def n_customers(self, day: int) -> int:
        return self.customers0 + max(day, 0) * self.customer_growth // 100

    def n_suppliers(self, day: int) -> int:
        return self.suppliers0 + max(day, 0) * self.supplier_growth // 100

    def contact_created_day(self, k: int, supplier: bool) -> int:
        n0, growth = (
            (self.suppliers0, self.supplier_growth) if supplier else (self.customers0, self.customer_growth)
        )
        if k < n0:
            return 0
        return -(-(k - n0 + 1) * 100 // growth)  # ceil

    def contact_hash(self, k: int, supplier: bool) -> int:
        return self.hash(0x50000 if supplier else 0xC0000, k)

    def contact_life(self, k: int, supplier: bool) -> tuple[int, int | None, int | None, int]:
        """(created t, email changed t or None, archived t or None, payment terms in days) of a contact."""
        h = self.contact_hash(k, supplier)
        created_day = self.contact_created_day(k, supplier)
        created = created_day * DAY + 6 * HOUR + (h & 0x1FFF) % 7000
        changed = None
        if (h >> 13) % 100 < 25:
            changed = created + (30 + (h >> 20) % 600) * DAY + 3 * HOUR
        archived = None
        if k >= 3 and (h >> 30) % 100 < 8:
            archived = created + (120 + (h >> 37) % 900) * DAY + 5 * HOUR
        terms = (14, 30, 30, 45)[(h >> 47) & 3]
        return created, changed, archived, terms

    def customer_name(self, k: int) -> str:
        n = len(_CUST_A) * len(_CUST_B) * len(_CUST_C)
        j = (k + self.seed % n) % n
        name = f"{_CUST_A[j % 30]} {_CUST_B[j // 30 % 30]} {_CUST_C[j // 900]}"
        return name if k < n else f"{name} {k // n + 1}"

    def supplier_name(self, k: int) -> str:
        n = len(_SUPP_A) * len(_SUPP_B) * len(_SUPP_C)
        j = (k + (self.seed >> 20) % n) % n
        name = f"{_SUPP_A[j % 20]} {_SUPP_B[j // 20 % 20]} {_SUPP_C[j // 400]}"
        return name if k < n else f"{name} {k // n + 1}"

    def contact_id(self, k: int, supplier: bool) -> str:
        return self.rid(K_SUPPLIER if supplier else K_CUSTOMER, 0, k)

    def _contact_table(self, n: int, supplier: bool) -> tuple[array, array]:
        """(archived time or _NEVER, payment terms) of contacts 0..n-1 (8 + 1 bytes per contact)."""
        archived, terms = self._contacts[supplier]
        for k in range(len(terms), n):
            _created, _changed, when, days = self.contact_life(k, supplier)
            archived.append(_NEVER if when is None else when)
            terms.append(days)
        return archived, terms

    def _pick_contact(self, day: int, r: Callable[[], float], supplier: bool) -> int:
        """A contact that exists and is not archived on `day` (older contacts are picked more often)."""
        n = self.n_suppliers(day) if supplier else self.n_customers(day)
        archived, _terms = self._contacts[supplier]
        if len(archived) < n:
            archived, _terms = self._contact_table(n, supplier)
        end = (day + 1) * DAY
        for _ in range(4):
            x = r()
            k = int(n * x * x)
            if archived[k] > end:
                return k
        return 0

    def contact_terms(self, k: int, supplier: bool) -> int:
        _archived, terms = self._contacts[supplier]
        if k >= len(terms):
            _archived, terms = self._contact_table(k + 1, supplier)
        return terms[k]

    def customer_ref(self, k: int) -> dict:
        """`{id, companyName}` of customer k (shared, read-only)."""
        cache = self._customer_refs
        cached = cache.get(k)
        if cached is None:
            if len(cache) >= _REF_CACHE:
                cache.clear()
            cached = cache[k] = ref(self.rid(K_CUSTOMER, 0, k), self.customer_name(k), "companyName")
        return cached

    def supplier_ref(self, k: int) -> dict:
        """`{id, supplierName}` of supplier k (shared, read-only)."""
        cache = self._supplier_refs
        cached = cache.get(k)
        if cached is None:
            if len(cache) >= _REF_CACHE:
                cache.clear()
            cached = cache[k] = ref(self.rid(K_SUPPLIER, 0, k), self.supplier_name(k), "supplierName")
        return cached

    def departments(self, day: int) -> int:
        """How many departments exist on `day` (they are `DEPARTMENTS[:n]`)."""
        return _DEPARTMENT_COUNTS[0] if day < _DEPARTMENT_COUNTS[1] else len(DEPARTMENTS)

    # ---------------------------------------------------------------------------------------------- moments
    def _at(self, day: int, r: Callable[[], float]) -> int:
        """A moment in business hours (08:00-18:00) on `day`."""
        return day * DAY + 8 * HOUR + int(r() * 36000)

    # ---------------------------------------------------------------------------------------------- sales
    def sales(self, day: int) -> list[Document]:
        """The invoices issued on `day`, each with its credit note and payments (which may come later)."""
        r, n = self._opened(day, F_SALES, self.invoice_rate)
        if n == 0:
            return []
        chased = self._first_of_fortnight(day, F_SALES, self.invoice_rate)
        remit = r() < REMITTANCE_SHARE
        if remit:
            n = max(n, 2 + chased)
        items = self.items
        n_items = len(items)
        n_depts = self.departments(day)
        iso = self._iso[day]
        stamp = f"{iso[2:4]}{iso[5:7]}{iso[8:10]}-"
        base = day * DAY + 8 * HOUR
        inv_prefix = self.id_prefix(K_INVOICE, day)
        pay_prefix = self.id_prefix(K_PAYMENT, day)
        suffix = self.suffix
        n_contacts = self.n_customers(day)
        archived, terms_of = self._contacts[False]
        if len(archived) < n_contacts:
            archived, terms_of = self._contact_table(n_contacts, False)
        end = (day + 1) * DAY
        line_cache = self._line_cache
        if len(line_cache) > _LINE_CACHE:
            line_cache.clear()
        out = []
        for i in range(n):
            t0 = base + int(r() * 36000)
            for _ in range(4):  # a customer that is not archived (older customers buy more often)
                x = r()
                k = int(n_contacts * x * x)
                if archived[k] > end:
                    break
            else:
                k = 0
            terms = terms_of[k]
            nl = 1 + (r() < 0.35) + (r() < 0.12)
            lines = []
            sub = tax = 0
            for _ in range(nl):
                x = r()
                item = items[int(n_items * x * x)]
                qty = 1 + int(r() * item.max_qty)
                track = DEPARTMENTS[int(r() * n_depts)]
                offset = item.offset
                level = 0 if day < offset else (day - offset) // 365 + 1
                key = ((level * 8192 + item.idx) * 32 + qty) * 8 + track
                line = line_cache.get(key)
                if line is None:
                    unit = item.sale_price(day)
                    ls = unit * qty
                    line = line_cache[key] = Line(
                        item.name,
                        item.idx,
                        qty,
                        unit,
                        ls,
                        tax_of(ls, item.tax_i),
                        item.tax_i,
                        item.income_acc,
                        track,
                    )
                lines.append(line)
                sub += line.sub
                tax += line.tax
            number = f"{i + 1:03d}"
            doc = Document(
                inv_prefix + suffix(i),
                K_INVOICE,
                day,
                i,
                "INV-" + stamp + number,
                t0,
                k,
                day + terms,
                lines,
                sub,
                tax,
                sub + tax,
            )
            u = r()
            if chased and i == 0:
                doc.pays = self._chased(pay_prefix, doc, r)
            elif u < 0.02:
                doc.t_del = t0 + (1 + int(r() * 20)) * DAY + int(r() * 3 * HOUR)
            elif u < 0.045:
                doc.t_void = (day + 2 + int(r() * 40)) * DAY + 8 * HOUR + int(r() * 36000)
            else:
                remaining = doc.total
                first_pay_day = day + 1
                if u < 0.10:
                    cn = doc.cn = self._credit_note(doc, K_CREDIT_NOTE, "CN-" + stamp + number, pay_prefix, r)
                    if cn.t_alloc != _NEVER:
                        remaining -= cn.total
                        first_pay_day = cn.t_alloc // DAY + 1
                if u < 0.97 and remaining > 0:
                    late = r() < LATE_SHARE
                    delay = terms + 21 + int(r() * 50) if late else terms - 10 + int(r() * 30)
                    pay_day = day + (max(1, delay))
                    pay_day = max(pay_day, first_pay_day)
                    if not late and r() < 0.15 and remaining >= 2000:
                        first = remaining * (30 + int(r() * 41)) // 100
                        p1 = self._payment(pay_prefix + suffix(i, 1), pay_day, first, 1, r)
                        p2 = self._payment(
                            pay_prefix + suffix(i, 2),
                            p1.t // DAY + 7 + int(r() * 30),
                            remaining - first,
                            2,
                            r,
                        )
                        doc.pays = (p1, p2)
                    else:
                        doc.pays = (self._payment(pay_prefix + suffix(i, 1), pay_day, remaining, 1, r),)
                if r() < 0.08:
                    doc.t_edit = t0 + (3 + int(r() * 20)) * DAY + int(r() * 3 * HOUR)
            out.append(doc)
        if remit:
            self._remit(out, chased, False)
        return out

    def _opened(self, day: int, family: int, rate: float) -> tuple[Callable[[], float], int]:
        """The PRNG of the invoices or bills (`family`) created on `day`, and how many there are."""
        r = self._rng(day, family).random
        n = int(rate * self.activity(day) * (0.6 + 0.8 * r()) + r())
        busy = self._busy[family]
        if len(busy) >= _REF_CACHE:
            busy.clear()
        busy[day] = n > 0
        return r, n

    def fortnight(self, day: int) -> int:
        """The index of `day`'s fortnight: two weeks from a Monday, the first from the Monday on or before
        day 0 (so the first day of fortnight f is `14 * f - weekday(0)`)."""
        return (day + self.weekday(0)) // 14

    def _first_of_fortnight(self, day: int, family: int, rate: float) -> bool:
        """Whether no invoice or bill (`family`) was created earlier in `day`'s fortnight: then the day's
        first one is the fortnight's chased one (see `LATE_SHARE`)."""
        busy = self._busy[family]
        for d in range(max(0, 14 * self.fortnight(day) - self.weekday(0)), day):
            flag = busy.get(d)
            if flag is None:
                flag = self._opened(d, family, rate)[1] > 0
            if flag:
                return False
        return True

    def _chased(self, prefix: str, doc: Document, r: Callable[[], float]) -> tuple[Payment, ...]:
        """The payments of a fortnight's chased document: part of it 35 to 49 days after it fell due, the
        rest 93 to 95 days after, or never for one fortnight in seven, about one a quarter (a bad debt, a
        disputed bill)."""
        first = doc.total * (30 + int(r() * 31)) // 100
        p1 = self._payment(prefix + self.suffix(doc.idx, 1), doc.due_day + 35 + int(r() * 15), first, 1, r)
        if self.fortnight(doc.day) % 7 == 0:
            return (p1,)
        rest = self._payment(
            prefix + self.suffix(doc.idx, 2), doc.due_day + 93 + int(r() * 3), doc.total - first, 2, r
        )
        return (p1, rest)

    def _credit_note(
        self, doc: Document, kind: str, number: str, pay_prefix: str, r: Callable[[], float]
    ) -> CreditNote:
        """A credit note (`kind`: a customer's or a supplier's) for part or all of `doc`'s first line, issued
        within ten days of it; allocated to it (by a zero payment, id `pay_prefix` + sub 3) a few days later,
        or, a quarter of them, never: credit held on account, and the document paid in full regardless."""
        cn_day = doc.day + 1 + int(r() * 10)
        wd = self.weekday(cn_day)
        if wd >= 5:
            cn_day += 7 - wd
        t_cn = cn_day * DAY + 8 * HOUR + int(r() * 36000)
        line = doc.lines[0]
        pct = (25, 50, 100)[int(r() * 3)]
        cs = line.sub * pct // 100
        ct = tax_of(cs, line.tax_i)
        cn_line = Line(f"Credit: {line.desc}", line.item, 1, cs, cs, ct, line.tax_i, line.acc, line.track)
        t_alloc = t_cn + 600 + int(r() * 3) * DAY if r() < 0.75 else _NEVER
        suffix = self.suffix
        return CreditNote(
            self.id_prefix(kind, doc.day) + suffix(doc.idx),
            number,
            t_cn,
            t_alloc,
            pay_prefix + suffix(doc.idx, 3),
            [cn_line],
            cs,
            ct,
            cs + ct,
        )

    def _remit(self, docs: list[Document], chased: bool, supplier: bool) -> None:
        """Make the first two of a day's documents (`docs`) that are paid in full by one payment, and not
        chased, one contact's, settled by one remittance: the first one's payment pays both."""
        plain = [
            doc
            for doc in docs[1 if chased else 0 :]
            if len(doc.pays) == 1 and doc.cn is None and doc.t_void is None and doc.t_del is None
        ]
        if len(plain) < 2:
            return
        first, second = plain[0], plain[1]
        second.contact = first.contact
        second.due_day = second.day + self.contact_terms(first.contact, supplier)
        p = first.pays[0]
        batch = ((first.id, first.number, first.total), (second.id, second.number, second.total))
        total, numbers = first.total + second.total, f"{first.number}, {second.number}"
        for doc, lead in ((first, True), (second, False)):
            doc.pays = (
                Payment(p.id, p.t, doc.total, p.bank, p.sub, p.t_rec, p.quoted, total, batch, numbers, lead),
            )

    def _payment(self, id_: str, pay_day: int, amount: int, sub: int, r: Callable[[], float]) -> Payment:
        """A payment through the current account on `pay_day` (or the Monday after), reconciled later."""
        wday = self._wday
        wd = wday[pay_day] if pay_day < len(wday) else self.weekday(pay_day)
        if wd >= 5:
            pay_day += 7 - wd
        t = pay_day * DAY + 8 * HOUR + int(r() * 36000)
        t_rec = t + (1 + int(r() * 6)) * DAY
        return Payment(id_, t, amount, A_BANK_CURRENT, sub, t_rec, r() >= UNQUOTED_SHARE, amount)

    # ---------------------------------------------------------------------------------------------- purchases
    def purchases(self, day: int) -> list[Document]:
        """The bills received on `day`, each with its bill payments."""
        r, n = self._opened(day, F_PURCHASES, self.bill_rate)
        if n == 0:
            return []
        chased = self._first_of_fortnight(day, F_PURCHASES, self.bill_rate)
        remit = r() < REMITTANCE_SHARE
        if remit:
            n = max(n, 2 + chased)
        bill_items = self.bill_items
        n_items = len(bill_items)
        n_depts = self.departments(day)
        n_expenses = len(_EXPENSES)
        iso = self._iso[day]
        stamp = f"PI-{iso[2:4]}{iso[5:7]}{iso[8:10]}-"
        base = day * DAY + 8 * HOUR
        bill_prefix = self.id_prefix(K_BILL, day)
        pay_prefix = self.id_prefix(K_BILL_PAYMENT, day)
        suffix = self.suffix
        cogs = AC["cogs"]
        out = []
        for i in range(n):
            t0 = base + int(r() * 36000)
            k = self._pick_contact(day, r, True)
            terms = self.contact_terms(k, True)
            nl = 1 + (r() < 0.3) + (r() < 0.1)
            lines = []
            sub = tax = 0
            for _ in range(nl):
                track = DEPARTMENTS[int(r() * n_depts)]
                if r() < 0.55 and n_items:
                    item = bill_items[int(r() * n_items)]
                    qty = 1 + int(r() * 20)
                    unit = item.buy_price(day)
                    ls = unit * qty
                    lt = tax_of(ls, item.tax_i)
                    line = Line(item.name, item.idx, qty, unit, ls, lt, item.tax_i, cogs, track)
                else:
                    acc, descs, lo, hi, tax_i = _EXPENSE_LINES[int(r() * n_expenses)]
                    ls = lo + int(r() * (hi - lo))
                    lt = tax_of(ls, tax_i)
                    line = Line(descs[int(r() * len(descs))], -1, 1, ls, ls, lt, tax_i, acc, track)
                lines.append(line)
                sub += ls
                tax += lt
            doc = Document(
                bill_prefix + suffix(i),
                K_BILL,
                day,
                i,
                f"{stamp}{i + 1:03d}",
                t0,
                k,
                day + terms,
                lines,
                sub,
                tax,
                sub + tax,
            )
            u = r()
            if chased and i == 0:
                doc.pays = self._chased(pay_prefix, doc, r)
            elif u < 0.015:
                doc.t_del = t0 + (1 + int(r() * 15)) * DAY + int(r() * 3 * HOUR)
            elif u < 0.03:
                doc.t_void = (day + 2 + int(r() * 30)) * DAY + 8 * HOUR + int(r() * 36000)
            else:
                remaining = doc.total
                first_pay_day = day + 1
                if u < 0.06:
                    # The supplier's credit note (goods returned, a service short): PC- and the bill's number.
                    cn = doc.cn = self._credit_note(
                        doc, K_BILL_CREDIT_NOTE, "PC" + doc.number[2:], pay_prefix, r
                    )
                    if cn.t_alloc != _NEVER:
                        remaining -= cn.total
                        first_pay_day = cn.t_alloc // DAY + 1
                if u < 0.98 and remaining > 0:
                    late = r() < LATE_SHARE
                    delay = terms + 21 + int(r() * 50) if late else terms - 5 + int(r() * 15)
                    pay_day = max(day + max(1, delay), first_pay_day)
                    if not late and r() < 0.12 and remaining >= 2000:
                        first = remaining * (30 + int(r() * 41)) // 100
                        p1 = self._payment(pay_prefix + suffix(i, 1), pay_day, first, 1, r)
                        p2 = self._payment(
                            pay_prefix + suffix(i, 2),
                            p1.t // DAY + 7 + int(r() * 30),
                            remaining - first,
                            2,
                            r,
                        )
                        doc.pays = (p1, p2)
                    else:
                        doc.pays = (self._payment(pay_prefix + suffix(i, 1), pay_day, remaining, 1, r),)
                if r() < 0.05:
                    doc.t_edit = t0 + (3 + int(r() * 20)) * DAY + int(r() * 3 * HOUR)
            out.append(doc)
        if remit:
            self._remit(out, chased, True)
        return out

    # ---------------------------------------------------------------------------------------------- cash
    def direct(self, day: int) -> tuple[list[Direct], list[Transfer]]:
        """Direct costs, direct incomes and transfers of `day`: recurring ones, random ones, card purchases
        and the story's (net pay, HMRC, the loan: `story_direct`)."""
        costs, transfers = self._direct(day)
        costs.extend(self.card_purchases(day, len(costs)))
        costs.extend(self.story_direct(day, len(costs)))
        return costs, transfers

    def _direct(self, day: int) -> tuple[list[Direct], list[Transfer]]:
        """The recurring and random direct costs, direct incomes and transfers of `day` (no VAT payments:
        `vat_return` sums these)."""
        rng = self._rng(day, F_DIRECT)
        r = rng.random
        s = self.scale
        self._extend(day)
        dom, last, month = self._dom[day], self._last[day], self._month[day]
        wd = self._wday[day]
        iso = self._iso[day]
        stamp = iso[2:4] + iso[5:7] + iso[8:10]
        costs: list[Direct] = []
        transfers: list[Transfer] = []
        idx = 0

        def add(
            kind: str,
            t: int,
            contact: int,
            lines: list[Line],
            bank: int,
            txn: str,
            reference: str,
            note: str,
        ) -> None:
            nonlocal idx
            sub = sum(line.sub for line in lines)
            tax = sum(line.tax for line in lines)
            costs.append(
                Direct(
                    self.rid(kind, day, idx),
                    kind,
                    day,
                    idx,
                    t,
                    contact,
                    lines,
                    sub,
                    tax,
                    sub + tax,
                    bank,
                    txn,
                    t + (1 + int(r() * 5)) * DAY,
                    reference,
                    note,
                )
            )
            idx += 1

        growth = self.growth(day)
        if dom == 1:
            rent = 125_000 * s
            add(
                K_DIRECT_COST,
                day * DAY + 8 * HOUR + 1800,
                0,
                [
                    Line(
                        f"Office rent {iso[:7]}",
                        -1,
                        1,
                        rent,
                        rent,
                        tax_of(rent, T_STANDARD),
                        T_STANDARD,
                        AC["rent"],
                        DEPARTMENTS[2],
                    )
                ],
                A_BANK_CURRENT,
                "RepeatPmt",
                f"RENT-{iso[:7]}",
                "Monthly office rent",
            )
        if last:
            fee = 1_500 + 200 * s + int(r() * 1_000)
            add(
                K_DIRECT_COST,
                day * DAY + 22 * HOUR,
                -1,
                [Line("Bank charges", -1, 1, fee, fee, 0, T_EXEMPT, AC["bank_charges"], -1)],
                A_BANK_CURRENT,
                "SerChg",
                f"FEES-{iso[:7]}",
                "Monthly account fee",
            )
            interest = (800 + 40 * min(month, 36)) * s + int(r() * 300)
            add(
                K_DIRECT_INCOME,
                day * DAY + 22 * HOUR + 1800,
                -1,
                [Line("Savings interest", -1, 1, interest, interest, 0, T_EXEMPT, AC["interest_income"], -1)],
                A_BANK_SAVINGS,
                "Int",
                f"INT-{iso[:7]}",
                "Interest on savings",
            )
        factor = _WEEKDAY_SALES[wd] * growth
        n = int(self.direct_cost_rate * factor * (0.5 + r()) + r())
        n_depts = self.departments(day)
        for _ in range(n):
            acc_key, descs, lo, hi, tax_i = _DIRECT_EXPENSES[int(r() * len(_DIRECT_EXPENSES))]
            amount = lo + int(r() * (hi - lo)) // 4
            contact = self._pick_contact(day, r, True) if r() < 0.5 else -1
            desc = descs[int(r() * len(descs))]
            add(
                K_DIRECT_COST,
                self._at(day, r),
                contact,
                [
                    Line(
                        desc,
                        -1,
                        1,
                        amount,
                        amount,
                        tax_of(amount, tax_i),
                        tax_i,
                        AC[acc_key],
                        DEPARTMENTS[int(r() * n_depts)],
                    )
                ],
                A_BANK_CURRENT,
                "Pos" if r() < 0.6 else "Debit",
                f"EXP-{stamp}-{idx + 1:03d}",
                desc,
            )
        n = int(self.direct_income_rate * factor * (0.5 + r()) + r())
        for _ in range(n):
            if r() < 0.7:
                amount = 2_000 + int(r() * 38_000)
                line = Line(
                    "Cash sale",
                    -1,
                    1,
                    amount,
                    amount,
                    tax_of(amount, T_STANDARD),
                    T_STANDARD,
                    AC["sales_products"],
                    DEPARTMENTS[0],
                )
                contact = self._pick_contact(day, r, False) if r() < 0.5 else -1
            else:
                amount = 500 + int(r() * 15_000)
                line = Line("Sundry receipt", -1, 1, amount, amount, 0, T_EXEMPT, AC["sundry_income"], -1)
                contact = -1
            add(
                K_DIRECT_INCOME,
                self._at(day, r),
                contact,
                [line],
                A_BANK_CURRENT,
                "Credit",
                f"REC-{stamp}-{idx + 1:03d}",
                line.desc,
            )
        if dom == 2 and day > 0:
            t = day * DAY + 10 * HOUR
            amount = 75_000 * s
            transfers.append(
                Transfer(
                    self.rid(K_TRANSFER, day, 0),
                    day,
                    0,
                    t,
                    A_BANK_CURRENT,
                    A_BANK_SAVINGS,
                    amount,
                    t + DAY,
                    "Monthly transfer to savings",
                )
            )
        if dom == 16 and r() < 0.15:
            t = day * DAY + 11 * HOUR
            amount = 200_000 * s
            transfers.append(
                Transfer(
                    self.rid(K_TRANSFER, day, 1),
                    day,
                    1,
                    t,
                    A_BANK_SAVINGS,
                    A_BANK_CURRENT,
                    amount,
                    t + 2 * DAY,
                    "Top-up from savings",
                )
            )
        return costs, transfers

    # ---------------------------------------------------------------------------------------------- manual
    def opening(self) -> tuple[int, int, int]:
        """Opening balances (current account, savings account, office equipment), in pence."""
        s = self.scale
        return 2_500_000 * s, 1_000_000 * s, 1_200_000 * s

    def manual(self, day: int) -> list[Entry]:
        """Manual journals of `day`: the opening balances on day 0, monthly depreciation, the director's
        expenses claim (the 20th) and, each quarter, claims without receipts moved to suspense."""
        out = []
        if day == 0:
            current, savings, equipment = self.opening()
            total = current + savings + equipment
            out.append(
                Entry(
                    self.rid(K_MANUAL, 0, 0),
                    1,
                    None,
                    J_GENERAL,
                    "Opening balances",
                    [
                        (A_BANK_CURRENT, current, None),
                        (A_BANK_SAVINGS, savings, None),
                        (A_EQUIPMENT, equipment, None),
                        (A_SHARE_CAPITAL, -total, None),
                    ],
                    operating=False,
                )
            )
        self._extend(day)
        if self._last[day] and self._month[day] < 60:
            dep = self.opening()[2] // 60
            out.append(
                Entry(
                    self.rid(K_MANUAL, day, 1),
                    day * DAY + 23 * HOUR,
                    None,
                    J_GENERAL,
                    f"Depreciation {self._iso[day][:7]}",
                    [(AC["depreciation"], dep, None), (A_EQUIPMENT_DEP, -dep, None)],
                )
            )
        if day > 0 and self._dom[day] == 20:
            # What the director paid for personally in the month, owed back through the Director's Account.
            h = self.hash(0xD1A, day)
            travel, sundry = (4_000 + h % 21_000) * self.scale, (500 + (h >> 20) % 4_500) * self.scale
            out.append(
                Entry(
                    self.rid(K_MANUAL, day, 2),
                    day * DAY + 17 * HOUR,
                    None,
                    J_GENERAL,
                    f"Director's expenses claim {self._iso[day][:7]}",
                    [
                        (AC["travel"], travel, None),
                        (AC["sundries"], sundry, None),
                        (AC["directors_account"], -(travel + sundry), None),
                    ],
                )
            )
            if self._moy[day] % 3 == 0:
                # A quarter's claims without receipts, parked in suspense until the director finds them.
                held = (1_000 + (h >> 40) % 6_000) * self.scale
                out.append(
                    Entry(
                        self.rid(K_MANUAL, day, 3),
                        day * DAY + 17 * HOUR + 600,
                        None,
                        J_GENERAL,
                        "Director's claims without receipts held in suspense",
                        [(AC["suspense"], held, None), (AC["directors_account"], -held, None)],
                    )
                )
        return out

    # ---------------------------------------------------------------------------------------------- story
    # What a company's books and bank both show (`story.py` has the ground truth): payroll paid as net pay to
    # each employee with PAYE and NI to HMRC on the 22nd of the next month, VAT to (or from) HMRC each
    # quarter, and a loan from a named lender, drawn down in the first year and repaid monthly.
    def employees(self) -> int:
        """How many people the company pays each month (a few at scale 1, more with scale)."""
        return min(1 + self.scale, MAX_EMPLOYEES)

    def employee_name(self, e: int) -> str:
        return person_name(self.hash(K_STORY_EMPLOYEE, e))

    def payroll(self, month: int) -> list[tuple[int, int, int, int]]:
        """Each employee's `(gross, income tax, employee's NI, employer's NI)` of `month`'s payroll, in pence.

        The month's gross pay is what the books have always paid (growing with the business); each employee
        takes a fixed share of it, and tax and NI are a UK employer's simplified: 20% income tax and 8%
        employee's NI above the monthly allowances, 13.8% employer's NI above its threshold."""
        cached = self._payroll.get(month)
        if cached is not None:
            return cached
        day = self.month_first_day(month) + PAYDAY - 1
        n = self.employees()
        total = int(420_000 * self.scale * self.growth(day)) // 100 * 100
        weights = [1_000 + self.hash(K_STORY_EMPLOYEE, e) % 1_000 for e in range(n)]
        whole = sum(weights)
        out = []
        left = total
        for e, w in enumerate(weights):
            gross = left if e == n - 1 else total * w // whole
            left -= gross
            tax = max(0, gross - 104_750) * 20 // 100
            ee_ni = max(0, gross - 104_800) * 8 // 100
            er_ni = max(0, gross - 75_800) * 138 // 1000
            out.append((gross, tax, ee_ni, er_ni))
        if len(self._payroll) >= 64:
            self._payroll.clear()
        self._payroll[month] = out
        return out

    def loan(self) -> LoanPlan:
        """The company's loan: lender, drawdown, rate, term and its repayment schedule."""
        if self._loan is not None:
            return self._loan
        h = self.hash(K_STORY_LOAN, 0)
        lender, code = LENDERS[h % len(LENDERS)]
        day = 30 + (h >> 8) % 300
        wd = self.weekday(day)
        if wd >= 5:
            day += 7 - wd
        amount = self.scale * (20_000 + (h >> 20) % 61 * 1_000) * 100
        rate_bp = 650 + (h >> 30) % 801
        term = (36, 48, 60)[(h >> 42) % 3]
        dom = 1 + (h >> 46) % 28
        monthly = rate_bp / 120_000
        payment = -(-int(amount * monthly * 1_000_000 / (1 - (1 + monthly) ** -term)) // 1_000_000)
        schedule = []
        outstanding = amount
        first_month = self.month_of_day(day) + 1
        for k in range(term):
            pay_day = self.month_first_day(first_month + k) + dom - 1
            wd = self.weekday(pay_day)
            if wd >= 5:
                pay_day += 7 - wd
            interest = (outstanding * rate_bp + 60_000) // 120_000
            capital = outstanding if k == term - 1 else min(outstanding, payment - interest)
            outstanding -= capital
            schedule.append((pay_day, capital, interest))
        self._loan = LoanPlan(
            lender,
            f"{code}{(h >> 48) % 10_000_000:07d}",
            day,
            amount,
            payment,
            rate_bp,
            term,
            dom,
            tuple(schedule),
        )
        return self._loan

    def hmrc_day(self, month: int, dom: int) -> int:
        """The day of `month` (since the start) a payment due to HMRC on `dom` is made: the working day on or
        before it (HMRC's rule for a due date on a weekend)."""
        day = self.month_first_day(month) + dom - 1
        wd = self.weekday(day)
        return day - (wd - 4) if wd >= 5 else day

    def vat_return(self, month: int) -> int:
        """The VAT due (pence; negative: repaid) for the quarter paid in `month` (the quarter ending two
        months before). A return declares the VAT of the quarter's invoices, bills, the till's takings and
        refunds, and cash sales and costs (voided and deleted ones left out); later credit notes are left for
        a later return, as small businesses do, so the VAT account keeps a small balance."""
        key = (self.seed, self.start, self.scale, month)
        due = _VAT_RETURNS.get(key)
        if due is not None:
            return due
        due = 0
        first = max(0, self.month_first_day(max(0, month - 4)) if month >= 4 else 0)
        end = self.month_first_day(month - 1)
        if month >= 2:
            vat_days = self._vat_days
            for d in range(first, end):
                vat = vat_days.get(d)
                if vat is None:
                    costs = self._direct(d)[0]
                    costs.extend(self.card_purchases(d, len(costs)))
                    vat = self.day_vat(d, self.sales(d), self.purchases(d), costs)
                due += vat
        if len(_VAT_RETURNS) >= 4_096:
            _VAT_RETURNS.clear()
        _VAT_RETURNS[key] = due
        return due

    def day_vat(self, day: int, sales: list[Document], purchases: list[Document], costs: list[Direct]) -> int:
        """The VAT a return declares for `day` (see `vat_return`), from the day's documents and direct costs
        and incomes; remembered for the next return, so generating the books in day order (a pull) never
        generates a day twice for it."""
        vat = 0
        for doc in sales:
            if doc.t_del is None and doc.t_void is None:
                vat += doc.tax
        for doc in purchases:
            if doc.t_del is None and doc.t_void is None:
                vat -= doc.tax
        for x in costs:
            vat += x.tax if x.kind == K_DIRECT_INCOME else -x.tax
        till = self.till.sums(day)
        vat += till.vat - till.refund_vat
        vat_days = self._vat_days
        if len(vat_days) > 400:  # a return needs the last quarter's days only
            for d in [d for d in vat_days if d < day - 200]:
                del vat_days[d]
        vat_days[day] = vat
        return vat

    def card_purchases(self, day: int, idx: int) -> list[Direct]:
        """The day's purchases on the company's debit card (numbered from `idx` among the day's direct costs),
        at the high street's and the internet's merchants (`CARD_MERCHANTS`), VAT included in the price
        where the merchant charges it: what a small business's bank statement is mostly made of."""
        r = self.rng(day, F_CARD).random
        n = int(CARD_RATE * self.scale * self.activity(day) * (0.5 + r()) + r())
        out: list[Direct] = []
        stamp = self.day_iso(day).replace("-", "")[2:]
        for i in range(n):
            merchant, acc, lo, hi, tax_i = CARD_MERCHANTS[int(r() * len(CARD_MERCHANTS))]
            gross = lo + int(r() * (hi - lo))
            sub = gross * 100 // (100 + TAX_PCT[tax_i])
            t = day * DAY + 7 * HOUR + int(r() * 14 * HOUR)
            rec = t + (2 + int(r() * 5)) * DAY
            line = Line(merchant, -1, 1, sub, sub, gross - sub, tax_i, acc, -1)
            k = idx + i
            reference = f"CARD-{stamp}-{i + 1:03d}"
            out.append(
                Direct(
                    self.rid(K_DIRECT_COST, day, k),
                    K_DIRECT_COST,
                    day,
                    k,
                    t,
                    -1,
                    [line],
                    sub,
                    gross - sub,
                    gross,
                    A_BANK_CURRENT,
                    "Pos",
                    rec,
                    reference,
                    f"Card payment {merchant}",
                    merchant,
                )
            )
        return out

    def story_direct(self, day: int, idx: int) -> list[Direct]:
        """The story's bank payments of `day` (numbered from `idx` among the day's direct costs and incomes):
        net pay to each employee (the 25th), PAYE and NI to HMRC (the 22nd), a VAT return (the 7th of the
        second month after each calendar quarter), the loan's drawdown and repayments."""
        dom, month = self.day_of_month(day), self.month_of_day(day)
        iso = self.day_iso(day)
        out: list[Direct] = []

        def add(
            kind: str, t: int, lines: list[Line], txn: str, reference: str, note: str, payee: str
        ) -> None:
            sub = sum(line.sub for line in lines)
            i = idx + len(out)
            rec = t + (1 + self.hash(K_STORY_RECONCILE, day * 64 + len(out)) % 4) * DAY
            rid = self.rid(kind, day, i)
            out.append(
                Direct(
                    rid,
                    kind,
                    day,
                    i,
                    t,
                    -1,
                    lines,
                    sub,
                    0,
                    sub,
                    A_BANK_CURRENT,
                    txn,
                    rec,
                    reference,
                    note,
                    payee,
                )
            )

        if dom == PAYDAY:
            net_wages = AC["net_wages"]
            for e, (gross, tax, ee_ni, _er) in enumerate(self.payroll(month)):
                net = gross - tax - ee_ni
                name = self.employee_name(e)
                add(
                    K_DIRECT_COST,
                    day * DAY + 9 * HOUR + e % 3_600,
                    [
                        Line(
                            f"Net pay {name} {iso[:7]}", -1, 1, net, net, 0, T_NONE, net_wages, DEPARTMENTS[1]
                        )
                    ],
                    "Payment",
                    f"PAY-{iso[:7]}-{e + 1:03d}",
                    f"Net pay {name}",
                    name,
                )
        if month >= 1 and day == self.hmrc_day(month, PAYE_DOM):
            due = sum(tax + ee + er for _gross, tax, ee, er in self.payroll(month - 1))
            if due:
                add(
                    K_DIRECT_COST,
                    day * DAY + 9 * HOUR + 1_800,
                    [
                        Line(
                            f"PAYE and NI {self.month_label(month - 1)}",
                            -1,
                            1,
                            due,
                            due,
                            0,
                            T_NONE,
                            AC["paye"],
                            -1,
                        )
                    ],
                    "Payment",
                    self.paye_reference(),
                    "PAYE and NI to HMRC",
                    "HMRC",
                )
        if self.month_of_year(day) in (2, 5, 8, 11) and day == self.hmrc_day(month, VAT_DOM):
            due = self.vat_return(month)
            label = f"VAT return to {self.month_label(month - 2)}"
            if due > 0:
                add(
                    K_DIRECT_COST,
                    day * DAY + 7 * HOUR,
                    [Line(label, -1, 1, due, due, 0, T_NONE, A_VAT, -1)],
                    "DirectDebit",
                    self.vat_reference(),
                    "VAT to HMRC",
                    "HMRC",
                )
            elif due < 0:
                add(
                    K_DIRECT_INCOME,
                    day * DAY + 7 * HOUR,
                    [Line(label, -1, 1, -due, -due, 0, T_NONE, A_VAT, -1)],
                    "Credit",
                    self.vat_reference(),
                    "VAT repayment from HMRC",
                    "HMRC",
                )
        loan = self.loan()
        if day == loan.drawdown_day:
            add(
                K_DIRECT_INCOME,
                day * DAY + 10 * HOUR,
                [
                    Line(
                        f"Loan drawdown {loan.reference}",
                        -1,
                        1,
                        loan.amount,
                        loan.amount,
                        0,
                        T_NONE,
                        AC["loans"],
                        -1,
                    )
                ],
                "Credit",
                loan.reference,
                f"Loan from {loan.lender}",
                loan.lender,
            )
        k = loan.repayment_index(day)
        if k is not None:
            _day, capital, interest = loan.schedule[k]
            add(
                K_DIRECT_COST,
                day * DAY + 6 * HOUR,
                [
                    Line(
                        f"Loan repayment {k + 1} of {loan.term}",
                        -1,
                        1,
                        capital,
                        capital,
                        0,
                        T_NONE,
                        AC["loans"],
                        -1,
                    ),
                    Line("Loan interest", -1, 1, interest, interest, 0, T_EXEMPT, AC["loan_interest"], -1),
                ],
                "DirectDebit",
                loan.reference,
                f"Loan repayment to {loan.lender}",
                loan.lender,
            )
        return out

    def paye_reference(self) -> str:
        """The employer's PAYE accounts office reference, quoted on every PAYE payment."""
        h = self.hash(K_STORY_LOAN, 1)
        return f"{120 + h % 880}PA{(h >> 12) % 100_000_000:08d}"

    def vat_reference(self) -> str:
        """The company's VAT registration number, quoted on every VAT payment."""
        return f"GB{100_000_000 + self.hash(K_STORY_LOAN, 2) % 900_000_000}"

    def payroll_journal(self, day: int) -> list[Entry]:
        """The payroll journal of the 25th: gross pay and employer's NI as expenses, net pay owed to the
        employees (paid the same day: `story_direct`) and PAYE and NI owed to HMRC (paid on the 22nd)."""
        if self.day_of_month(day) != PAYDAY:
            return []
        month = self.month_of_day(day)
        gross = tax = er = 0
        for g, t, ee, e_r in self.payroll(month):
            gross += g
            tax += t + ee
            er += e_r
        return [
            Entry(
                self.rid(K_MANUAL, day, 4),
                day * DAY + 8 * HOUR,
                None,
                J_GENERAL,
                f"Payroll {self.day_iso(day)[:7]}",
                [
                    (AC["wages"], gross, None),
                    (AC["employers_ni"], er, None),
                    (AC["paye"], -(tax + er), None),
                    (AC["net_wages"], -(gross - tax), None),
                ],
            )
        ]

    # ---------------------------------------------------------------------------------------------- entries
    def customer_contact(self, k: int) -> dict:
        """`{id, dataType: customers}` of customer k (shared, read-only)."""
        cache = self._customer_contacts
        cached = cache.get(k)
        if cached is None:
            if len(cache) >= _REF_CACHE:
                cache.clear()
            cached = cache[k] = record_ref(self.rid(K_CUSTOMER, 0, k), "customers")
        return cached

    def supplier_contact(self, k: int) -> dict:
        """`{id, dataType: suppliers}` of supplier k (shared, read-only)."""
        cache = self._supplier_contacts
        cached = cache.get(k)
        if cached is None:
            if len(cache) >= _REF_CACHE:
                cache.clear()
            cached = cache[k] = record_ref(self.rid(K_SUPPLIER, 0, k), "suppliers")
        return cached

    def invoice_entries(self, doc: Document) -> list[Entry]:
        """The invoice's journal entry, its void reversal, its credit note and allocation, its payments."""
        contact = self.customer_contact(doc.contact)
        d, i = doc.day, doc.idx
        suffix = self.suffix
        out = []
        posting: list[JournalLine] = [(A_AR, doc.total, contact)]
        for line in doc.lines:
            posting.append((line.acc, -line.sub, None))
        if doc.tax:
            posting.append((A_VAT, -doc.tax, None))
        prefix = self.id_prefix(JE_KIND[K_INVOICE], d)
        out.append(
            Entry(
                prefix + suffix(i),
                doc.t0,
                doc.t_del,
                J_SALES,
                f"Invoice {doc.number}",
                posting,
                doc.id,
                "invoices",
            )
        )
        if doc.t_void is not None:
            out.append(
                Entry(
                    prefix + suffix(i, 1),
                    doc.t_void,
                    None,
                    J_SALES,
                    f"Void invoice {doc.number}",
                    [(a, -c, ct) for a, c, ct in posting],
                    doc.id,
                    "invoices",
                )
            )
        if doc.cn is not None:
            out.extend(self.credit_note_entries(doc, doc.cn, contact, supplier=False))
        if doc.pays:
            prefix = self.id_prefix(JE_KIND[K_PAYMENT], d)
            for p in doc.pays:
                if not p.lead:
                    continue  # the lead document's entry posts it
                out.append(
                    Entry(
                        prefix + suffix(i, p.sub),
                        p.t,
                        None,
                        J_CASH,
                        f"Payment for {p.numbers or doc.number}",
                        [(p.bank, p.total, None), *((A_AR, -part, contact) for *_doc, part in p.batch)]
                        if p.batch
                        else [(p.bank, p.amount, None), (A_AR, -p.amount, contact)],
                        p.id,
                        "payments",
                        "Credit",
                        p.t_rec,
                    )
                )
        return out

    def credit_note_entries(
        self, doc: Document, cn: CreditNote, contact: dict, *, supplier: bool
    ) -> list[Entry]:
        """A credit note's journal entry (the document's first line reversed in part or whole, against the
        customer's or supplier's control account) and, once allocated, its allocation to `doc` (a zero
        payment: the control account's line on both sides)."""
        sign, control, journal = (-1, A_AP, J_PURCHASES) if supplier else (1, A_AR, J_SALES)
        kind, payment = (K_BILL_CREDIT_NOTE, K_BILL_PAYMENT) if supplier else (K_CREDIT_NOTE, K_PAYMENT)
        lines: list[JournalLine] = [(line.acc, sign * line.sub, None) for line in cn.lines]
        if cn.tax:
            lines.append((A_VAT, sign * cn.tax, None))
        lines.append((control, -sign * cn.total, contact))
        d, i = doc.day, doc.idx
        out = [
            Entry(
                self.id_prefix(JE_KIND[kind], d) + self.suffix(i),
                cn.t,
                None,
                journal,
                f"Credit note {cn.number}",
                lines,
                cn.id,
                "billCreditNotes" if supplier else "creditNotes",
            )
        ]
        if cn.t_alloc != _NEVER:
            out.append(
                Entry(
                    self.id_prefix(JE_KIND[payment], d) + self.suffix(i, 3),
                    cn.t_alloc,
                    None,
                    journal,
                    f"Credit note {cn.number} allocated to {doc.number}",
                    [(control, cn.total, contact), (control, -cn.total, contact)],
                    cn.alloc_id,
                    "billPayments" if supplier else "payments",
                )
            )
        return out

    def bill_entries(self, doc: Document) -> list[Entry]:
        """The bill's journal entry, its void reversal, its credit note and allocation, its payments."""
        contact = self.supplier_contact(doc.contact)
        d, i = doc.day, doc.idx
        suffix = self.suffix
        out = []
        posting: list[JournalLine] = [(line.acc, line.sub, None) for line in doc.lines]
        if doc.tax:
            posting.append((A_VAT, doc.tax, None))
        posting.append((A_AP, -doc.total, contact))
        prefix = self.id_prefix(JE_KIND[K_BILL], d)
        out.append(
            Entry(
                prefix + suffix(i),
                doc.t0,
                doc.t_del,
                J_PURCHASES,
                f"Bill {doc.number}",
                posting,
                doc.id,
                "bills",
            )
        )
        if doc.t_void is not None:
            out.append(
                Entry(
                    prefix + suffix(i, 1),
                    doc.t_void,
                    None,
                    J_PURCHASES,
                    f"Void bill {doc.number}",
                    [(a, -c, ct) for a, c, ct in posting],
                    doc.id,
                    "bills",
                )
            )
        if doc.cn is not None:
            out.extend(self.credit_note_entries(doc, doc.cn, contact, supplier=True))
        if doc.pays:
            prefix = self.id_prefix(JE_KIND[K_BILL_PAYMENT], d)
            for p in doc.pays:
                if not p.lead:
                    continue  # the lead document's entry posts it
                out.append(
                    Entry(
                        prefix + suffix(i, p.sub),
                        p.t,
                        None,
                        J_CASH,
                        f"Payment of {p.numbers or doc.number}",
                        [*((A_AP, part, contact) for *_doc, part in p.batch), (p.bank, -p.total, None)]
                        if p.batch
                        else [(A_AP, p.amount, contact), (p.bank, -p.amount, None)],
                        p.id,
                        "billPayments",
                        "Debit",
                        p.t_rec,
                    )
                )
        return out

    def direct_entry(self, x: Direct) -> Entry:
        if x.kind == K_DIRECT_COST:
            lines: list[JournalLine] = [(line.acc, line.sub, None) for line in x.lines]
            if x.tax:
                lines.append((A_VAT, x.tax, None))
            lines.append((x.bank, -x.total, None))
            ref_type = "directCosts"
        else:
            lines = [(x.bank, x.total, None)]
            lines.extend((line.acc, -line.sub, None) for line in x.lines)
            if x.tax:
                lines.append((A_VAT, -x.tax, None))
            ref_type = "directIncomes"
        return Entry(
            self.id_prefix(JE_KIND[x.kind], x.day) + self.suffix(x.idx),
            x.t,
            None,
            J_CASH,
            x.note,
            lines,
            x.id,
            ref_type,
            x.txn,
            x.t_rec,
        )

    def transfer_entry(self, x: Transfer) -> Entry:
        return Entry(
            self.id_prefix(JE_KIND[K_TRANSFER], x.day) + self.suffix(x.idx),
            x.t,
            None,
            J_CASH,
            x.desc,
            [(x.dst, x.amount, None), (x.src, -x.amount, None)],
            x.id,
            "transfers",
            "Xfer",
            x.t_rec,
        )

    def entries(self, day: int) -> list[Entry]:
        """Every journal entry of the records created on `day` (some are posted on later days)."""
        out: list[Entry] = []
        sales, purchases = self.sales(day), self.purchases(day)
        for doc in sales:
            out.extend(self.invoice_entries(doc))
        for doc in purchases:
            out.extend(self.bill_entries(doc))
        costs, transfers = self.direct(day)
        self.day_vat(day, sales, purchases, costs)
        out.extend(self.direct_entry(x) for x in costs)
        out.extend(self.transfer_entry(x) for x in transfers)
        out.extend(self.manual(day))
        out.extend(self.payroll_journal(day))
        out.extend(self.till_entries(day))
        return out

    # ---------------------------------------------------------------------------------------------- the till
    @property
    def till(self) -> Till:
        """The company's shop's money by day (`till.Till`): the Commerce Sandbox's at the books' scale."""
        if self._till is None:
            self._till = shop_for(self.company_id, self.linked_at, self.scale, self.speed).till
        return self._till

    def till_entry_id(self, kind: str, day: int, sub: int = 0) -> str:
        """The id of a till journal entry (`kind`: takings, refunds or a channel's settlement, `sub`)."""
        return self.id_prefix(JE_KIND[kind], day) + self.suffix(0, sub)

    def till_bank_transaction_id(self, day: int, channel: int) -> str:
        """The id of the bank transaction of a channel's settlement landing on `day`."""
        return self.id_prefix(BT_KIND[K_SETTLEMENT], day) + self.suffix(0, channel)

    def till_entries(self, day: int) -> list[Entry]:
        """The till's journal entries of `day`, as a merchant's books record a shop: the day's takings
        (23:00: each channel's payments into its holding account, gift cards redeemed, against sales, VAT
        and gift cards sold), its refunds (23:30, the reverse) and each settlement landing that day (the
        money into the current account, the fees to Bank Charges, chargebacks written off, against the
        holding account: its bank transaction is `till_moves`')."""
        till = self.till
        sums = till.sums(day)
        holding = [AC[how.account] for how in till.channels]
        iso = self.day_iso(day)
        out = []
        lines: list[JournalLine] = [(holding[c], sums.gross[c], None) for c in range(N_CHANNELS)]
        lines += [
            (A_GIFT_VOUCHERS, sums.gift_redeemed - sums.gift_sold, None),
            (A_SALES_SHOP, -sums.sales, None),
            (A_VAT, -sums.vat, None),
        ]
        lines = [line for line in lines if line[1]]
        if lines:
            out.append(
                Entry(
                    self.till_entry_id(K_TAKINGS, day),
                    day * DAY + 23 * HOUR,
                    None,
                    J_SALES,
                    f"Till takings {iso}",
                    lines,
                )
            )
        lines = [
            (A_SALES_SHOP, sums.refund_sales, None),
            (A_VAT, sums.refund_vat, None),
            (A_GIFT_VOUCHERS, sums.refund_gift, None),
            *((holding[c], -sums.refunds[c], None) for c in range(N_CHANNELS)),
        ]
        lines = [line for line in lines if line[1]]
        if lines:
            out.append(
                Entry(
                    self.till_entry_id(K_TILL_REFUNDS, day),
                    day * DAY + 23 * HOUR + 30 * 60,
                    None,
                    J_SALES,
                    f"Till refunds {iso}",
                    lines,
                )
            )
        for s in till.settlements(day):
            how = till.channels[s.channel]
            lines = [
                (A_BANK_CURRENT, s.net, None),
                (A_BANK_CHARGES, s.fees, None),
                (A_BAD_DEBTS, s.chargebacks, None),
                (holding[s.channel], -s.cleared, None),
            ]
            lines = [line for line in lines if line[1]]
            if not lines:
                continue  # a settlement that moved nothing (its payments and refunds cancelled out)
            out.append(
                Entry(
                    self.till_entry_id(K_SETTLEMENT, day, s.channel),
                    s.t,
                    None,
                    J_CASH,
                    how.statement,
                    lines,
                    txn=self._settlement_type(s.channel, s.net),
                    t_rec=self._settlement_reconciled(day, s.channel, s.t),
                )
            )
        return out

    def till_moves(self, day: int) -> list[tuple]:
        """The bank transactions (`bank_moves` tuples) of the settlements landing on `day`: each channel's
        net into the current account, described as the bank's statement describes it (the counterparty is
        the provider, the counterpart account the channel's holding account)."""
        out = []
        for s in self.till.settlements(day):
            if s.net:
                how = self.till.channels[s.channel]
                out.append(
                    (
                        s.t,
                        self.till_bank_transaction_id(day, s.channel),
                        A_BANK_CURRENT,
                        s.net,
                        how.statement,
                        self._settlement_type(s.channel, s.net),
                        self._settlement_reconciled(day, s.channel, s.t),
                        how.provider,
                        AC[how.account],
                        None,
                    )
                )
        return out

    def _settlement_type(self, channel: int, net: int) -> str | None:
        """A settlement's bank transaction type: a deposit (the till's cash), a credit or a debit (None: no
        money moved)."""
        if not net:
            return None
        if not self.till.channels[channel].in_balance:
            return "Dep"
        return "Credit" if net > 0 else "Debit"

    def _settlement_reconciled(self, day: int, channel: int, t: int) -> int:
        """When a settlement's bank transaction is reconciled: one to three days after it lands."""
        return t + (1 + self.hash(0x7111, day * 4 + channel) % 3) * DAY

    # ---------------------------------------------------------------------------------------------- passes
    def bank_moves(self, day: int) -> list[tuple]:
        """The bank transactions of the records created on `day` (some clear later), as tuples
        `(t, id, account, pence, description, transaction type, reconciled at, counterparty, account of the
        counterpart line, reference)`: the last three are what the Banking Sandbox prints (`bankfeed.py`).

        They are the bank lines of the journal entries (`entries`), built directly for speed: same ids (the
        entry's key with the bank-transaction kind, `sub * 4 + n` for its n-th bank line), same amounts.
        """
        out: list[tuple] = []
        suffix, customer_name, supplier_name = self.suffix, self.customer_name, self.supplier_name
        docs = sales = self.sales(day)
        if docs:
            prefix = self.id_prefix(BT_KIND[K_PAYMENT], day)
            for doc in docs:
                if doc.pays:
                    for p in doc.pays:
                        if not p.lead:
                            continue
                        name = customer_name(doc.contact)
                        out.append(
                            (
                                p.t,
                                prefix + suffix(doc.idx, p.sub * 4),
                                p.bank,
                                p.total,
                                f"Payment for {p.numbers or doc.number}"
                                if p.quoted
                                else f"Faster Payment from {name}",
                                "Credit",
                                p.t_rec,
                                name,
                                A_AR,
                                (p.numbers or doc.number) if p.quoted else None,
                            )
                        )
        docs = purchases = self.purchases(day)
        if docs:
            prefix = self.id_prefix(BT_KIND[K_BILL_PAYMENT], day)
            for doc in docs:
                if doc.pays:
                    for p in doc.pays:
                        if not p.lead:
                            continue
                        name = supplier_name(doc.contact)
                        out.append(
                            (
                                p.t,
                                prefix + suffix(doc.idx, p.sub * 4),
                                p.bank,
                                -p.total,
                                f"Payment of {p.numbers or doc.number}"
                                if p.quoted
                                else f"Faster Payment to {name}",
                                "Debit",
                                p.t_rec,
                                name,
                                A_AP,
                                (p.numbers or doc.number) if p.quoted else None,
                            )
                        )
        costs, transfers = self.direct(day)
        self.day_vat(day, sales, purchases, costs)
        for x in costs:
            out.append(
                (
                    x.t,
                    self.id_prefix(BT_KIND[x.kind], day) + suffix(x.idx),
                    x.bank,
                    -x.total if x.kind == K_DIRECT_COST else x.total,
                    x.note,
                    x.txn,
                    x.t_rec,
                    x.payee
                    or (
                        None
                        if x.contact < 0
                        else self.supplier_name(x.contact)
                        if x.kind == K_DIRECT_COST
                        else self.customer_name(x.contact)
                    ),
                    x.lines[0].acc,
                    x.reference,
                )
            )
        for move in transfers:
            prefix = self.id_prefix(BT_KIND[K_TRANSFER], day)
            out.append(
                (
                    move.t,
                    prefix + suffix(move.idx, 0),
                    move.dst,
                    move.amount,
                    move.desc,
                    "Xfer",
                    move.t_rec,
                    None,
                    move.src,
                    None,
                )
            )
            out.append(
                (
                    move.t,
                    prefix + suffix(move.idx, 1),
                    move.src,
                    -move.amount,
                    move.desc,
                    "Xfer",
                    move.t_rec,
                    None,
                    move.dst,
                    None,
                )
            )
        out.extend(self.till_moves(day))
        return out

    def bank_lines(self, T: int) -> Iterator[tuple | None]:
        """Every bank transaction up to T in time order (tuples as in `bank_moves`); None = a tick.

        Transactions are produced by creation day but clear up to `HORIZON_DAYS` later, so they wait in a heap
        until no later-created record can come before them.
        """
        heap: list[tuple] = []
        push, pop = heapq.heappush, heapq.heappop
        if self.written is not None:
            # Written records clear at the moment they were written: they wait in the heap like the rest.
            for move in self.written.moves:
                if move[0] <= T:
                    push(heap, move)
        last_day = T // DAY
        for day in range(last_day + 1):
            limit = day * DAY
            while heap and heap[0][0] < limit:
                yield pop(heap)
            for move in self.bank_moves(day):
                if move[0] <= T:
                    push(heap, move)
            yield None
        while heap:
            yield pop(heap)

    def ledger(self, T: int, S: int | None = None) -> Iterator[Ledger | None]:
        """Sum the ledger as of T, month by month; yields None ticks, then the `Ledger`."""
        last_day = T // DAY
        months = self.month_of_day(last_day) + 1 if T >= 0 else 0
        ledger = Ledger(self, T, S, months)
        delta, cash, last, first = ledger.delta, ledger.cash, ledger.last_change, ledger.first_posting
        changed = ledger.changed
        month_of = self._month
        cf_of = CF_OF_ACCOUNT
        for day in range(last_day + 1):
            for e in self.entries(day):
                t = e.t
                if t > T:
                    continue
                td = e.t_del
                if td is not None and td <= T:
                    if S is not None and t <= S < td:
                        changed.add(month_of[t // DAY])
                    for a, _, _ in e.lines:
                        last[a] = max(last[a], td)
                        if t < first[a]:
                            first[a] = t
                    continue
                m = month_of[t // DAY]
                row = delta[m]
                for a, c, _ in e.lines:
                    row[a] += c
                    last[a] = max(last[a], t)
                    if t < first[a]:
                        first[a] = t
                if S is not None and t > S:
                    changed.add(m)
                if e.txn and e.operating:
                    crow = cash[m]
                    default = -1
                    for a, _, _ in e.lines:
                        if not IS_BANK[a] and a != A_VAT:
                            default = cf_of[a]
                            break
                    for a, c, _ in e.lines:
                        if not IS_BANK[a]:
                            cat = default if a == A_VAT else cf_of[a]
                            crow[cat] -= c
            yield None
        if self.written is not None:
            self.written.post(ledger, T, S)
        yield ledger

    def estimated_records(self, T: int) -> int:
        """A rough count of all records as of T: about 140 a month of history per unit of scale."""
        return 140 * self.scale * (self.month_of_day(max(T, 0) // DAY) + 1)


class Ledger:
    """Monthly sums of the ledger as of T: account movements, cash movements, and what changed after S."""

    def __init__(self, books: AccountingBooks, T: int, S: int | None, months: int):
        self.books = books
        self.T = T
        self.S = S
        self.months = months
        n = len(books.chart)
        self.delta = [[0] * n for _ in range(months)]
        self.cash = [[0] * len(CF_CATEGORIES) for _ in range(months)]
        self.last_change = [0] * n
        # When each account got its first posting (deleted ones too), _NEVER if none by T: an account
        # first posted after S appears, as a line, in every period of a statement.
        self.first_posting = [_NEVER] * n
        self.changed: set[int] = set()

    def posted(self, a: int, by: int) -> bool:
        """Whether account `a` had a posting at or before `by` (a statement shows the accounts posted to)."""
        return self.first_posting[a] <= by

    def balances(self) -> list[int]:
        """Each account's balance at T (pence, debit positive)."""
        n = len(self.books.chart)
        total = [0] * n
        for row in self.delta:
            for a in range(n):
                total[a] += row[a]
        return total
