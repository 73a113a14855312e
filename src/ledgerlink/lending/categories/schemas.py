"""Request bodies of the account category operations (Codat's older Assess API)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_BATCH = 1000


class AssessCategory(BaseModel):
    """Codat's `AccountCategory`: `type`, `subtype`, `detailType` (levels below the second, dotted)."""

    model_config = ConfigDict(extra="forbid")

    type: str | None = Field(default=None, max_length=100)
    subtype: str | None = Field(default=None, max_length=100)
    detail_type: str | None = Field(default=None, alias="detailType", max_length=300)


class ConfirmCategory(BaseModel):
    """`PATCH .../assess/accounts/{accountId}/categories`: the confirmed category, or null to unset it."""

    model_config = ConfigDict(extra="forbid")

    confirmed: AssessCategory | None
    reason: str | None = None


class AccountRef(BaseModel):
    id: str = Field(min_length=1, max_length=300)
    name: str | None = None


class ConfirmCategoriesItem(ConfirmCategory):
    account_ref: AccountRef = Field(alias="accountRef")


class ConfirmCategories(BaseModel):
    """`PATCH .../assess/accounts/categories`: many accounts' categories at once."""

    model_config = ConfigDict(extra="forbid")

    categories: list[ConfirmCategoriesItem] = Field(min_length=1, max_length=MAX_BATCH)
