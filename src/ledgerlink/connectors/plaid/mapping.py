"""Plaid's records (API version 2020-09-14) as Codat's standardized banking records, field by field
(docs/connectors/plaid.md has the same table in prose).

Signs. Plaid's transaction `amount` is positive when money leaves the account (a purchase, a card charge)
and negative when it arrives; Codat's is the other way round for a `Debit` account (positive adds to the
asset) and, for a `Credit` account, positive reduces the liability: in both cases Codat's amount is Plaid's
negated. Plaid's balances already read as Codat's do (a depository account's positive balance is money held,
a credit account's is money owed), so they pass through; only an overdraft limit on a depository account,
which Plaid gives as a positive allowance, becomes Codat's negative minimum balance.

Categories are Plaid's personal finance categories (`personal_finance_category`), a two-level taxonomy:
each `primary` category (`FOOD_AND_DRINK`) is a parent whose children are its `detailed` ones
(`FOOD_AND_DRINK_FAST_FOOD`); ids are Plaid's codes, names are the codes in words.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from ledgerlink.connectors import codat_shapes
from ledgerlink.connectors.mapped import Record

# Plaid account type → (Codat account type, Codat identifiers type).
ACCOUNT_TYPES: dict[str, tuple[str, str]] = {
    "depository": ("Debit", "Depository"),
    "credit": ("Credit", "Credit"),
    "loan": ("Credit", "Loan"),
    "investment": ("Debit", "Investment"),
    "brokerage": ("Debit", "Investment"),
    "other": ("Unknown", "Other"),
}
# Plaid's `transaction_code` (given by some institutions, mostly European) → Codat's `code`.
TRANSACTION_CODES: dict[str, str] = {
    "adjustment": "Adjustment",
    "atm": "Cash",
    "bank charge": "Fee",
    "bill payment": "Payment",
    "cash": "Cash",
    "cashback": "Cashback",
    "cheque": "Cheque",
    "direct debit": "DirectDebit",
    "interest": "Interest",
    "payment": "Payment",
    "purchase": "Purchase",
    # Money back from a merchant: Codat has no refund code; it is money credited to the account.
    "refund": "Credit",
    "standing order": "StandingOrder",
    "transfer": "Transfer",
}
# Without a `transaction_code`, the primary personal finance category says what kind of movement it was.
CATEGORY_CODES: dict[str, str] = {
    "BANK_FEES": "Fee",
    "TRANSFER_IN": "Transfer",
    "TRANSFER_OUT": "Transfer",
    "LOAN_PAYMENTS": "Payment",
    "INCOME": "Credit",
}


def account(raw: Record, institution: Record) -> Record:
    """`AccountBase` (from `/accounts/get`) → `banking-accounts`; `institution` is the item's
    (`{"id", "name"}`, from `/item/get` when the connection was linked)."""
    codat_type, identifiers_type = ACCOUNT_TYPES.get(raw.get("type") or "", ("Unknown", "Other"))
    balances = raw.get("balances") or {}
    record: Record = {
        "id": raw["account_id"],
        # Plaid's `official_name` is the institution's; `name` is the one the holder or bank gave it.
        "name": raw.get("official_name") or raw.get("name") or raw["account_id"],
        "informalName": raw.get("name"),
        # Plaid's account list carries no holder (that is its Identity product); Codat allows null.
        "holder": None,
        "type": codat_type,
        "balance": balance_amounts(raw),
        "identifiers": {
            "type": identifiers_type,
            "subtype": raw.get("subtype"),
            # Full numbers are Plaid's Auth product; the account list gives the last digits only.
            "number": None,
            "bankCode": None,
            "iban": None,
            "bic": None,
            "maskedAccountNumber": raw.get("mask"),
        },
        "currency": currency(balances),
        "institution": {key: value for key, value in institution.items() if value},
    }
    updated = balances.get("last_updated_datetime")
    if updated:
        record["sourceModifiedDate"] = timestamp(updated)
    return record


def balance_amounts(raw: Record) -> Record:
    """An account's `balances` → Codat's `{available, current, limit}` (see the module's docstring)."""
    balances = raw.get("balances") or {}
    limit = balances.get("limit")
    if limit is not None and raw.get("type") == "depository":
        limit = -abs(limit)
    current = balances.get("current")
    available = balances.get("available")
    return {
        "available": available,
        # Codat requires a current balance; Plaid gives none for some accounts, whose available one stands in.
        "current": current if current is not None else (available if available is not None else 0),
        "limit": limit,
    }


def account_balance(raw: Record, day: date) -> Record:
    """`AccountBase` (from `/accounts/balance/get`, fetched on `day`) → `banking-accountBalances`: the
    balances as they stood when read, one record per account per day (a later read that day replaces it)."""
    balances = raw.get("balances") or {}
    record: Record = {
        "accountId": raw["account_id"],
        "balance": balance_amounts(raw),
        "date": f"{day.isoformat()}T00:00:00Z",
    }
    updated = balances.get("last_updated_datetime")
    if updated:
        record["sourceModifiedDate"] = timestamp(updated)
    return record


def transaction(raw: Record, account_currencies: dict[str, str] | None = None) -> Record:
    """`Transaction` (from `/transactions/sync`, added or modified) → `banking-transactions`."""
    pending = bool(raw.get("pending"))
    record: Record = {
        "id": raw["transaction_id"],
        "accountId": raw["account_id"],
        "description": raw.get("original_description") or raw.get("name"),
        "amount": -float(raw["amount"]),
        "currency": currency(raw) or (account_currencies or {}).get(raw["account_id"]) or "",
        "code": transaction_code(raw),
        "merchantName": raw.get("merchant_name"),
    }
    authorized = raw.get("authorized_datetime") or raw.get("authorized_date")
    posted = raw.get("datetime") or raw["date"]
    if pending:
        # A pending transaction's `date` is when it happened; it has not cleared, so it has no posted date.
        record["authorizedDate"] = timestamp(authorized or posted)
    else:
        if authorized:
            record["authorizedDate"] = timestamp(authorized)
        record["postedDate"] = timestamp(posted)
    category = raw.get("personal_finance_category") or {}
    if category.get("detailed"):
        record["transactionCategoryRef"] = {
            "id": category["detailed"],
            "name": _detailed_name(category["detailed"], category.get("primary")),
        }
    return record


def transaction_code(raw: Record) -> str:
    code = TRANSACTION_CODES.get(raw.get("transaction_code") or "")
    if code:
        return code
    if raw.get("check_number"):
        return "Cheque"
    primary = (raw.get("personal_finance_category") or {}).get("primary") or ""
    if primary in CATEGORY_CODES:
        return CATEGORY_CODES[primary]
    if raw.get("payment_channel") in ("in store", "online") and float(raw.get("amount") or 0) > 0:
        return "Purchase"
    return "Unknown"


def categories(raw: Record) -> list[Record]:
    """A transaction's `personal_finance_category` → its two `banking-transactionCategories` (the primary
    category and the detailed one beneath it); none when Plaid gave none."""
    category = raw.get("personal_finance_category") or {}
    primary, detailed = category.get("primary"), category.get("detailed")
    if not primary:
        return []
    found: list[Record] = [
        {
            "id": primary,
            "name": _words(primary),
            "parentId": None,
            "hasChildren": bool(detailed and detailed != primary),
            "status": "Active",
        }
    ]
    if detailed and detailed != primary:
        found.append(
            {
                "id": detailed,
                "name": _detailed_name(detailed, primary),
                "parentId": primary,
                "hasChildren": False,
                "status": "Active",
            }
        )
    return found


def currency(raw: Record) -> str | None:
    """Plaid gives an ISO code, or for currencies ISO lacks (crypto) an unofficial one, never both."""
    return raw.get("iso_currency_code") or raw.get("unofficial_currency_code")


def timestamp(value: str) -> str:
    """Plaid's `YYYY-MM-DD` or RFC 3339 date-time (UTC when it has no offset) → Codat's moment."""
    moment = datetime.fromisoformat(f"{value}T00:00:00" if len(value) == 10 else value)
    return codat_shapes.timestamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _words(code: str) -> str:
    """`FOOD_AND_DRINK` → `Food and drink`."""
    text = code.replace("_", " ").lower()
    return text[:1].upper() + text[1:]


def _detailed_name(detailed: str, primary: str | None) -> str:
    """`FOOD_AND_DRINK_FAST_FOOD` under `FOOD_AND_DRINK` → `Fast food` (the primary's words left out)."""
    if primary and detailed.startswith(primary + "_"):
        return _words(detailed[len(primary) + 1 :])
    return _words(detailed)
