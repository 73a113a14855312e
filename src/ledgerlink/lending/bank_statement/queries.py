"""What `query=` and `orderBy` may name on a categorized bank statement's accounts and transactions: Codat's
property names, over the report's rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, String, cast, func

from ledgerlink.kit.query import Field, Kind, QueryTarget, columns_target, filtered
from ledgerlink.lending.bank_statement.models import StatementAccount, StatementTransaction

A, T = StatementAccount, StatementTransaction

ACCOUNT_TARGET: QueryTarget = columns_target(
    "CategorizedBankStatementAccount",
    {
        "id": Field(Kind.TEXT, lambda: A.account_id),
        "sourceRef.sourceType": Field(Kind.TEXT, lambda: A.source),
        "platformName": Field(Kind.TEXT, lambda: A.platform_name),
        "accountProvider": Field(Kind.TEXT, lambda: A.provider),
        "accountName": Field(Kind.TEXT, lambda: A.name),
        "accountType": Field(Kind.TEXT, lambda: A.account_type),
        "currency": Field(Kind.TEXT, lambda: A.currency),
        "currentBalance": Field(Kind.NUMBER, lambda: A.balance),
        "connectionId": Field(Kind.TEXT, lambda: cast(A.connection_id, String)),
        "transactionCount": Field(Kind.NUMBER, lambda: A.transactions),
    },
)

TRANSACTION_TARGET: QueryTarget = columns_target(
    "CategorizedBankStatementTransaction",
    {
        "id": Field(Kind.TEXT, lambda: T.transaction_id),
        "sourceRef.sourceType": Field(Kind.TEXT, lambda: T.source),
        "accountRef.id": Field(Kind.TEXT, lambda: T.account_id),
        "accountRef.name": Field(Kind.TEXT, lambda: T.account_name),
        "date": Field(Kind.DATETIME, lambda: T.date),
        "description": Field(Kind.TEXT, lambda: T.description),
        "amount": Field(Kind.NUMBER, lambda: T.amount),
        "currency": Field(Kind.TEXT, lambda: T.currency),
        "platformName": Field(Kind.TEXT, lambda: T.payment_provider),
        "modifiedDate": Field(Kind.DATETIME, lambda: T.modified_date),
        "transactionCategory.confidence": Field(Kind.NUMBER, lambda: T.confidence),
        "transactionCategory.status": Field(Kind.ENUM, lambda: T.status, ("Suggested", "Confirmed")),
        # The whole path, dotted (`Income.Revenue`): `query=transactionCategory.category=Income.Revenue`.
        "transactionCategory.category": Field(Kind.TEXT, lambda: func.array_to_string(T.levels, ".")),
        "connectionId": Field(Kind.TEXT, lambda: cast(T.connection_id, String)),
    },
)

ACCOUNT_ORDER = (A.position.asc(),)
TRANSACTION_ORDER = (T.position.asc(),)


def filtered_order(statement: Select[Any], order_by: str | None) -> Select[Any]:
    """`statement` in `orderBy`'s order, then the report's."""
    return filtered(
        statement, TRANSACTION_TARGET, query=None, order_by=order_by, default_order=TRANSACTION_ORDER
    )
