"""The shape of a declared connector's YAML file, checked on load (pydantic), with what each part means.

```yaml
key: lqai                           # the platform key (Codat's "Partner Commerce" in Sync for Commerce)
name: Partner Commerce
source_type: Commerce
branding: {mark: PC, background: "#6d28d9"}
base_url: "https://api.partner.example/v1"      # the operator's; credentials never choose the host
credentials:                        # the body of PUT .../authorization (and Link's form, if any)
  - {name: apiKey, label: API key, secret: true}
auth: {type: api_key, header: X-Api-Key, value: "{credentials.apiKey}"}
verify: /shop                       # asked before a connection links: 2xx means the credentials work
#     {type: bearer, token: "{credentials.accessToken}"}
#     {type: oauth2_client_credentials, token_url: ..., client_id: "{credentials.clientId}",
#      client_secret: "{credentials.clientSecret}", scope: read}
records:
  commerce-orders:
    path: /orders
    items: data                     # where the list is in the answer ("" for the answer itself)
    pagination: {style: page, page_param: page, size_param: per_page, size: 100}
    #           {style: cursor, cursor_param: cursor, next_cursor: meta.next}
    #           {style: offset, offset_param: offset, size_param: limit, size: 100}
    #           {style: none}
    incremental: {param: updated_since}   # sent with the last successful pull's time, ISO 8601
    deleted: {field: status, values: [deleted]}
    fields:                         # Codat field: source path, or a rule (see mapping.py)
      id: id
      totalAmount: {from: total_cents, cents: true}
      customerRef: {object: {id: customer_id}}
      orderLineItems: {each: lines, fields: {id: id, quantity: qty}}
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ledgerlink.records import registry
from ledgerlink.records.registry import Shape, SourceType


class DeclarationInvalid(Exception):
    """A declared connector's file cannot be used; the message says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BrandingSpec(_Strict):
    mark: str = Field(min_length=1, max_length=3)
    background: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    foreground: str = Field(default="#ffffff", pattern=r"^#[0-9a-fA-F]{6}$")


class CredentialSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    label: str
    secret: bool = False
    hint: str | None = None


class BearerAuth(_Strict):
    type: Literal["bearer"]
    token: str


class ApiKeyAuth(_Strict):
    type: Literal["api_key"]
    header: str
    value: str


class ClientCredentialsAuth(_Strict):
    type: Literal["oauth2_client_credentials"]
    token_url: str
    client_id: str
    client_secret: str
    scope: str | None = None


Auth = Annotated[BearerAuth | ApiKeyAuth | ClientCredentialsAuth, Field(discriminator="type")]


class PagePagination(_Strict):
    style: Literal["page"]
    page_param: str = "page"
    first_page: int = 1
    size_param: str | None = "per_page"
    size: int = Field(default=100, ge=1, le=10_000)


class CursorPagination(_Strict):
    style: Literal["cursor"]
    cursor_param: str = "cursor"
    # Where the next page's cursor is in the answer; absent, null or "" ends the list.
    next_cursor: str
    size_param: str | None = None
    size: int = Field(default=100, ge=1, le=10_000)


class OffsetPagination(_Strict):
    style: Literal["offset"]
    offset_param: str = "offset"
    size_param: str = "limit"
    size: int = Field(default=100, ge=1, le=10_000)


class NoPagination(_Strict):
    style: Literal["none"]


Pagination = Annotated[
    PagePagination | CursorPagination | OffsetPagination | NoPagination, Field(discriminator="style")
]


class IncrementalSpec(_Strict):
    param: str


class DeletedSpec(_Strict):
    field: str
    values: tuple[Any, ...] = Field(min_length=1)


class RecordsSpec(_Strict):
    path: str = Field(pattern=r"^/")
    items: str = ""
    # A single object (company info) rather than a list.
    single: bool = False
    pagination: Pagination = NoPagination(style="none")
    incremental: IncrementalSpec | None = None
    deleted: DeletedSpec | None = None
    fields: dict[str, Any] = Field(min_length=1)


class ConnectorSpec(_Strict):
    key: str = Field(pattern=r"^[a-z0-9]{4}$")
    name: str
    source_type: SourceType
    branding: BrandingSpec
    base_url: str
    credentials: tuple[CredentialSpec, ...] = ()
    auth: Auth
    records: dict[str, RecordsSpec] = Field(min_length=1)
    # A path that answers 2xx only to good credentials: asked before a connection links.
    verify: str | None = Field(default=None, pattern=r"^/")
    # Seconds to wait for the platform's answer.
    timeout: float = Field(default=30.0, gt=0, le=300)

    @field_validator("records")
    @classmethod
    def _known_data_types(cls, records: dict[str, RecordsSpec]) -> dict[str, RecordsSpec]:
        for key, spec in records.items():
            data_type = registry.get(key)
            if data_type is None:
                raise ValueError(f"{key} is not a data type ledgerlink knows (see docs/data-types.md)")
            if spec.single != (data_type.shape is Shape.SINGLE):
                raise ValueError(
                    f"{key} is {'one object' if spec.single is False else 'a list'}: set single accordingly"
                )
        return records


def load(path: Path) -> ConnectorSpec:
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise DeclarationInvalid(f"{path}: {error}") from None
    try:
        return ConnectorSpec.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'file'}: {problem['msg']}"
            for problem in error.errors()
        )
        raise DeclarationInvalid(f"{path}: {problems}") from None
