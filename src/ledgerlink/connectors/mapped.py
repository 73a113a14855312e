"""What mapping modules of platform connectors produce, and how a connector turns it into a pull's batches:
standardized records, and deletions at the source, streamed in batches of a size."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from ledgerlink.connectors.base import AccessTokens, AuthorizationLost, Batch, FetchRequest

Record = dict[str, Any]


@dataclass(frozen=True)
class Deleted:
    """A record the platform reports archived, voided or deleted: a deletion of this id at the source."""

    id: str


Mapped = Record | Deleted


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


def tokens_of(request: FetchRequest, platform: str) -> AccessTokens:
    """The pull's way to an access token: the runner's (refreshed under the connection's lock), or, outside
    a pull, the token stored with the connection."""
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
