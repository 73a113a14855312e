"""Request body of a bank transaction's category (ledgerlink's own operation, shaped as Codat's account
category update)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BankCategory(BaseModel):
    """A category path of the bank transaction taxonomy, top level first (`["Expense", "Operating"]`)."""

    model_config = ConfigDict(extra="forbid")

    levels: list[str] = Field(min_length=1, max_length=10)


class ConfirmTransactionCategory(BaseModel):
    """`PATCH .../assess/bankAccounts/{accountId}/transactions/{transactionId}/categories`: the confirmed
    category, or null to unset it (the rules' category applies again)."""

    model_config = ConfigDict(extra="forbid")

    confirmed: BankCategory | None
    reason: str | None = None
