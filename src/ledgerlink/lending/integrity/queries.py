"""What `query=` and `orderBy` may name on data integrity's summaries and details: the detail's properties,
and `accountId` and `matched` besides (an account's lines; the unmatched ones)."""

from __future__ import annotations

from sqlalchemy import String, cast

from ledgerlink.kit.query import Field, Kind, QueryTarget, columns_target
from ledgerlink.lending.integrity.models import IntegrityRecord

RECORD_TARGET: QueryTarget = columns_target(
    "DataIntegrityDetail",
    {
        "id": Field(Kind.TEXT, lambda: IntegrityRecord.record_id),
        "type": Field(Kind.TEXT, lambda: IntegrityRecord.data_type),
        "connectionId": Field(Kind.TEXT, lambda: cast(IntegrityRecord.connection_id, String)),
        "accountId": Field(Kind.TEXT, lambda: IntegrityRecord.account_id),
        "date": Field(Kind.DATETIME, lambda: IntegrityRecord.date),
        "description": Field(Kind.TEXT, lambda: IntegrityRecord.description),
        "amount": Field(Kind.NUMBER, lambda: IntegrityRecord.amount),
        "currency": Field(Kind.TEXT, lambda: IntegrityRecord.currency),
        "matched": Field(Kind.BOOLEAN, lambda: IntegrityRecord.matched),
    },
)

DEFAULT_ORDER = (
    IntegrityRecord.date.asc().nulls_first(),
    IntegrityRecord.record_id,
    IntegrityRecord.connection_id,
)
