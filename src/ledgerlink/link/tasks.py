"""Link's periodic housekeeping: forget spent one-time codes and OAuth states once they could not be used."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import procrastinate
import structlog
from sqlalchemy import CursorResult, delete

from ledgerlink import jobs
from ledgerlink.kit.clock import utcnow
from ledgerlink.link.models import LinkCodeUsed
from ledgerlink.oauth.models import PendingAuthorization

log = structlog.get_logger("ledgerlink.link")

# An expired OAuth state is kept a little longer, so a late callback is told "expired", not "unknown".
OAUTH_STATE_GRACE = timedelta(days=1)


async def prune(context: procrastinate.JobContext, timestamp: int) -> None:
    runtime = jobs.runtime_of(context)
    now = utcnow()
    async with runtime.sessionmaker() as session, session.begin():
        # A DELETE's result is a cursor's (it has a row count); SQLAlchemy's stubs type it as any result.
        codes = cast(
            CursorResult[Any],
            await session.execute(delete(LinkCodeUsed).where(LinkCodeUsed.expires_at < now)),
        )
        states = cast(
            CursorResult[Any],
            await session.execute(
                delete(PendingAuthorization).where(PendingAuthorization.expires_at < now - OAUTH_STATE_GRACE)
            ),
        )
    if codes.rowcount or states.rowcount:
        log.info("link housekeeping", spent_codes=codes.rowcount, oauth_states=states.rowcount)
