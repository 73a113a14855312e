"""What mapping modules of platform connectors produce, and how a connector turns it into a pull's batches:
standardized records and deletions at the source, declared per data type (`Source`), streamed in batches
of a size by a connector to a platform's REST API (`PlatformConnector`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from ledgerlink.connectors.authorization import OAuthProvider
from ledgerlink.connectors.base import (
    AccessTokens,
    AuthorizationLost,
    Batch,
    Connector,
    DataTypeNotSupported,
    FetchRequest,
    PushRequest,
)
from ledgerlink.connectors.codat_shapes import Record
from ledgerlink.connectors.retries import Sleep


@dataclass(frozen=True)
class Deleted:
    """A record the platform reports archived, voided or deleted: a deletion of this id at the source."""

    id: str


Mapped = Record | Deleted


def _every(record: Record) -> bool:
    return True


@dataclass(frozen=True)
class Source:
    """Where a data type comes from at a platform, and how one of its records becomes Codat's: one
    declaration per data type, read by the platform's connector (in the spirit of dlt's `rest_api`
    resources), so that a connector's pull is written once for all its list types."""

    # What the platform calls the list: Xero's endpoint and answer key (`Invoices`), QuickBooks' entity.
    endpoint: str
    # The mapping: a platform record (and the `context` it asks for) → Codat's record(s) or a deletion.
    to_codat: Callable[..., Mapped | list[Mapped]]
    # Which of the list's records are this data type's (Xero's invoices and bills share one endpoint).
    keep: Callable[[Record], bool] = _every
    # Read archived or inactive entries too (Xero's `includeArchived`, QuickBooks' name lists).
    include_inactive: bool = False
    # Whether the platform pages the list (else one call reads it whole).
    paged: bool = True
    # Whether the platform can be asked for what changed since the last pull (else it is read whole).
    incremental: bool = True
    # What the mapping wants besides the record, as keyword arguments the connector reads once a pull
    # (Xero: `account_ids`, `base_currency`).
    context: tuple[str, ...] = ()

    def mapped(self, records: Iterable[Record], **context: Any) -> Iterator[Mapped]:
        """The data type's records of a page of the list, as Codat's."""
        for record in records:
            if self.keep(record):
                mapped = self.to_codat(record, **context)
                yield from mapped if isinstance(mapped, list) else (mapped,)


async def numbered_pages(
    read: Callable[[int], Awaitable[tuple[list[Record], bool]]], page_size: int
) -> AsyncIterator[list[Record]]:
    """Pages 1, 2, ... of a list the platform pages by position (`read(number)` → the page's records, and
    whether the platform says it was the last), until a page is short of `page_size` or the last."""
    number = 1
    while True:
        records, last = await read(number)
        yield records
        if last or len(records) < page_size:
            return
        number += 1


async def batched(items: AsyncIterator[Mapped], size: int) -> AsyncIterator[Batch]:
    """The records and deletions, `size` at a time (nothing for an empty stream)."""
    batch = Batch()
    async for item in items:
        if isinstance(item, Deleted):
            batch.deleted_ids.append(item.id)
        else:
            batch.records.append(item)
        if len(batch.records) + len(batch.deleted_ids) >= size:
            yield batch
            batch = Batch()
    if batch.records or batch.deleted_ids:
        yield batch


def tokens_of(request: FetchRequest | PushRequest, platform: str) -> AccessTokens:
    """The pull's (or push's) way to an access token: the runner's (refreshed under the connection's lock),
    or, outside a pull, the token stored with the connection."""
    return request.access_token or fixed_token(
        (request.credentials.get("oauth") or {}).get("access_token", ""), platform
    )


def fixed_token(token: str, platform: str) -> AccessTokens:
    """An access token that cannot be renewed (right after consent, or outside a pull)."""

    async def access_token(*, renew: bool = False) -> str:
        if renew:
            raise AuthorizationLost(f"{platform} refused the access token.")
        return token

    return access_token


Client = TypeVar("Client", bound=AbstractAsyncContextManager[Any])


class PlatformConnector(Connector, Generic[Client]):
    """An OAuth connector to a platform's REST API whose grant links one of the business's books there
    (Xero's tenant, QuickBooks' realm), kept beside the tokens as `{linked_key: {linked_field: id}}` by
    `after_authorization`. A pull opens one client on that id and streams `records` in batches."""

    # The platform's name and what it calls the linked books, in messages ("Xero", "organisation").
    platform: str
    linked_books: str
    # Where the platform's id of the linked books is kept in the connection's authorization.
    linked_key: str
    linked_field: str
    batch_size = 1000

    def __init__(
        self,
        oauth: OAuthProvider,
        *,
        sleep: Sleep,
        page_size: int,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        """Per instance rather than per class: the provider's URLs come from settings (tests point them at a
        fake), and tests pass a fake's transport, no sleeping and small pages."""
        self.oauth = oauth
        self.sleep = sleep
        self.page_size = page_size
        self.transport = transport

    def client(self, tokens: AccessTokens, linked_id: str) -> Client:
        """One pull's conversation with the platform, for the linked books."""
        raise NotImplementedError

    def records(self, client: Client, request: FetchRequest) -> AsyncIterator[Mapped]:
        """The data type's records and deletions, as Codat's."""
        raise NotImplementedError

    def linked_id(self, request: FetchRequest | PushRequest) -> str:
        """The platform's id of the books the connection links (`AuthorizationLost` when it has none)."""
        linked_id = (request.credentials.get(self.linked_key) or {}).get(self.linked_field)
        if not linked_id:
            raise AuthorizationLost(
                f"The connection has no {self.platform} {self.linked_books}; the business must link it again."
            )
        return str(linked_id)

    async def fetch(self, request: FetchRequest) -> AsyncIterator[Batch]:
        if request.data_type not in self.info.data_types:
            raise DataTypeNotSupported(request.data_type)
        linked_id = self.linked_id(request)
        async with self.client(tokens_of(request, self.platform), linked_id) as client:
            async for batch in batched(self.records(client, request), self.batch_size):
                yield batch
