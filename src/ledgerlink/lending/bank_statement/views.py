"""How a categorized bank statement looks in the API: Codat's categorized bank statement account and
transaction (`CategorizedBankStatementAccounts`, the `EnhancedCashFlowTransactions` cash flow transaction),
plus ledgerlink's own properties, which Codat's SDKs ignore (docs/api-compatibility.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledgerlink.kit.clock import iso
from ledgerlink.lending.bank_statement.models import (
    StatementAccount,
    StatementTransaction,
    TransactionCategoryChange,
)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def day(value: date) -> str:
    """A transaction's date as Codat writes it (`2022-11-08T00:00:00`, no zone: the bank's day)."""
    return f"{value.isoformat()}T00:00:00"


def account_view(account: StatementAccount) -> dict[str, Any]:
    return {
        "id": account.account_id,
        "sourceRef": {"sourceType": account.source},
        "platformName": account.platform_name,
        "accountProvider": account.provider,
        "accountName": account.name,
        "accountType": account.account_type,
        "currency": account.currency,
        "currentBalance": _number(account.balance),
        "identifiers": account.identifiers,
        # ledgerlink's: which connection, and the account's transactions in the report.
        "connectionId": str(account.connection_id),
        "transactionCount": account.transactions,
        "moneyIn": float(account.money_in),
        "moneyOut": float(account.money_out),
    }


def category_view(
    levels: list[str] | tuple[str, ...], confidence: float | Decimal | None, status: str, reason: str
) -> dict[str, Any]:
    """Codat's `transactionCategory` (confidence 0-100; one aggregate, so each level carries it), with the
    category's status and reason (ledgerlink's)."""
    shown = None if confidence is None else float(confidence)
    return {
        "confidence": shown,
        "levels": list(levels),
        "confidences": [shown for _ in levels] if shown is not None else [],
        "status": status,
        "reason": reason,
    }


def transaction_view(row: StatementTransaction) -> dict[str, Any]:
    return {
        "id": row.transaction_id,
        "sourceRef": {"sourceType": row.source},
        "accountRef": {"id": row.account_id, "name": row.account_name},
        "date": day(row.date),
        "description": row.description,
        "amount": float(row.amount),
        "currency": row.currency,
        "transactionCategory": category_view(row.levels, row.confidence, row.status, row.reason),
        "platformName": row.payment_provider,
        "counterpartyNames": [row.counterparty] if row.counterparty else [],
        "modifiedDate": iso(row.modified_date) if isinstance(row.modified_date, datetime) else None,
        # Codat's engine says whether a transaction recurs; ledgerlink's rules do not judge it (null).
        "isRecurring": None,
        "connectionId": str(row.connection_id),
    }


def change_view(change: TransactionCategoryChange) -> dict[str, Any]:
    """One audit entry, as account category changes read: who, when, from what, to what, why."""
    return {
        "id": str(change.id),
        "accountId": change.account_id,
        "transactionId": change.transaction_id,
        "changedDate": iso(change.changed_at),
        "changedBy": {
            "type": change.actor,
            "clientId": str(change.client_id),
            "apiKeyId": str(change.api_key_id) if change.api_key_id else None,
        },
        "from": {"status": change.from_status, "levels": change.from_levels},
        "to": {
            "status": "Confirmed" if change.to_levels is not None else "Suggested",
            "levels": change.to_levels,
        },
        "reason": change.reason,
    }
