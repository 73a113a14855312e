"""Link's periodic housekeeping: forget spent one-time codes and OAuth states once they could not be used."""

from __future__ import annotations

from datetime import timedelta

import procrastinate
import structlog
from sqlalchemy import delete

from ledgerlink import jobs
from ledgerlink.db import rows_changed
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
        codes = await rows_changed(session, delete(LinkCodeUsed).where(LinkCodeUsed.expires_at < now))
        states = await rows_changed(
            session,
            delete(PendingAuthorization).where(PendingAuthorization.expires_at < now - OAUTH_STATE_GRACE),
        )
    if codes or states:
        log.info("link housekeeping", spent_codes=codes, oauth_states=states)
