"""Commerce syncs: posting a date range of a merchant's sales, period by period, into their books, each
period at most once.

A sync covers whole periods (days or months in the merchant's time zone, `grouping`) inside its range. It
waits, without holding a worker, until the commerce connection's data has been pulled past the range's end
(it queues those pulls itself), then for each period: skips it when a posting already covers it, else
records the posting and its push operation in one transaction and performs the push. A retried run (a crash,
a redeploy) finds the posting and carries on with the same push operation, whose platform write is
idempotent, so a period is written once. A period whose write fails is freed again for a later sync.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ledgerlink import jobs
from ledgerlink.commerce import postings
from ledgerlink.commerce.configuration import parse_moment
from ledgerlink.commerce.models import CommerceConfiguration, CommercePosting, CommerceSync
from ledgerlink.commerce.service import connection_to
from ledgerlink.companies.models import Company
from ledgerlink.connections.models import Connection
from ledgerlink.connections.status import ConnectionStatus
from ledgerlink.connectors import registry
from ledgerlink.jobs import Runtime
from ledgerlink.kit.clock import iso, utcnow
from ledgerlink.push import service as pushes
from ledgerlink.records.models import Record
from ledgerlink.sync import service as sync
from ledgerlink.sync.models import IN_FLIGHT, PullOperation, PullStatus, PullTrigger

log = structlog.get_logger("ledgerlink.commerce")

RUN_TASK = "commerce:run"
# Commerce data a sync reads; the first is required of the platform, the others are used when it has them.
COMMERCE_TYPES = ("commerce-orders", "commerce-payments", "commerce-transactions")
# What a sync asks the accounting side to pull again once it has written, so reads show the new entries.
ACCOUNTING_TYPES = ("journalEntries",)
# How often a waiting sync looks again at the commerce pulls it is waiting for.
WAIT_SECONDS = 2


class Code:
    """Codat's `syncStatusCode`s, with the `syncStatus` text each goes with."""

    RUNNING, RUNNING_LONG = 1000, 1010
    WRITTEN, NOTHING_WRITTEN = 2000, 2040
    CONFIGURATION_ERROR, COMPANY_GONE, DEAUTHORIZED = 4000, 4040, 4220
    SERVER_ERROR, DUPLICATE, PROCESSING_ERROR, WRITE_ERROR = 5000, 5080, 5120, 5130


STATUS_TEXT = {
    Code.RUNNING: "Started",
    Code.RUNNING_LONG: "Started",
    Code.WRITTEN: "Complete",
    Code.NOTHING_WRITTEN: "Complete",
    Code.CONFIGURATION_ERROR: "ConfigurationError",
    Code.COMPANY_GONE: "CompanyNotFound",
    Code.DEAUTHORIZED: "Deauthorized",
    Code.SERVER_ERROR: "ServerError",
    Code.DUPLICATE: "DuplicateProtection",
    Code.PROCESSING_ERROR: "ProcessingError",
    Code.WRITE_ERROR: "PushError",
}
LONG_RUNNING = timedelta(minutes=10)


@dataclass(frozen=True)
class Period:
    start: date
    # Exclusive.
    end: date

    @property
    def label(self) -> str:
        if self.end - self.start == timedelta(days=1):
            return self.start.isoformat()
        return f"{self.start.isoformat()} to {(self.end - timedelta(days=1)).isoformat()}"


def _next_boundary(day: date, grouping: str) -> date:
    if grouping == "Monthly":
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day + timedelta(days=1)


def _utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def periods(start: datetime, finish: datetime, zone: ZoneInfo, grouping: str) -> list[Period]:
    """The whole periods between two moments, in the merchant's time zone."""
    local_start = start.astimezone(zone)
    day = local_start.date()
    if local_start.timetz().replace(tzinfo=None) != time() or (grouping == "Monthly" and day.day != 1):
        day = _next_boundary(day if grouping != "Monthly" else day.replace(day=1), grouping)
    found: list[Period] = []
    while True:
        end = _next_boundary(day, grouping)
        if _utc(end, zone) > finish:
            return found
        found.append(Period(day, end))
        day = end


def period_end_before(moment: datetime, zone: ZoneInfo, grouping: str) -> datetime:
    """The last period boundary at or before a moment (a sync to `now` stops there)."""
    local = moment.astimezone(zone).date()
    if grouping == "Monthly":
        local = local.replace(day=1)
    return _utc(local, zone)


def summary(found: CommerceSync, connections: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    code = found.status_code
    if code == Code.RUNNING and utcnow() - found.requested_at > LONG_RUNNING:
        code = Code.RUNNING_LONG
    return {
        "syncDateRangeUtc": {
            "start": iso(found.range_start, timespec="auto"),
            "finish": iso(found.range_finish, timespec="auto"),
        },
        "companyId": str(found.company_id),
        "commerceSyncId": str(found.id),
        "syncStatusCode": code,
        "syncStatus": STATUS_TEXT[code],
        "errorMessage": found.error_message,
        "syncExceptionMessage": found.exception_message,
        "syncUtc": iso(found.finished_at or found.requested_at, timespec="auto"),
        "dataConnections": connections,
        "dataPushed": found.data_pushed,
    }


def status(found: CommerceSync) -> dict[str, Any]:
    code = found.status_code
    if code == Code.RUNNING and utcnow() - found.requested_at > LONG_RUNNING:
        code = Code.RUNNING_LONG
    return {
        "companyId": str(found.company_id),
        "syncId": str(found.id),
        "syncStatusCode": code,
        "syncStatus": STATUS_TEXT[code],
        "errorMessage": found.error_message,
        "syncExceptionMessage": found.exception_message,
        "syncUtc": iso(found.finished_at or found.requested_at, timespec="auto"),
        "dataPushed": found.data_pushed,
    }


async def last_successful(session: AsyncSession, company_id: uuid.UUID) -> CommerceSync | None:
    return await session.scalar(
        select(CommerceSync)
        .where(
            CommerceSync.company_id == company_id,
            CommerceSync.status_code.in_([Code.WRITTEN, Code.NOTHING_WRITTEN]),
        )
        .order_by(CommerceSync.range_finish.desc(), CommerceSync.requested_at.desc())
        .limit(1)
    )


async def queue(
    session: AsyncSession, company: Company, found: CommerceConfiguration, start: datetime, finish: datetime
) -> CommerceSync:
    """A new sync of the whole periods in [start, finish), and its job, in the caller's transaction."""
    now = utcnow()
    selections = found.selections
    zone = ZoneInfo(selections["schedule"]["timeZone"])
    finish = min(finish, now)
    finish = period_end_before(finish, zone, selections["sales"]["groupingPeriod"])
    run = CommerceSync(
        id=uuid.uuid4(),
        company_id=company.id,
        range_start=start,
        range_finish=max(start, finish),
        status_code=Code.RUNNING,
        status=STATUS_TEXT[Code.RUNNING],
        requested_at=now,
        data_pushed=False,
    )
    problem = _configuration_problem(company, found)
    if problem is not None:
        run.status_code, run.error_message, run.finished_at = Code.CONFIGURATION_ERROR, problem, now
        if "linked" in problem:
            run.status_code = Code.DEAUTHORIZED
        run.status = STATUS_TEXT[run.status_code]
    session.add(run)
    await session.flush()
    if problem is None:
        await jobs.defer(
            session,
            RUN_TASK,
            {"commerce_sync_id": str(run.id)},
            queue=jobs.PULLS_QUEUE,
            queueing_lock=f"commerce:{run.id}",
        )
    return run


def _configuration_problem(company: Company, found: CommerceConfiguration) -> str | None:
    if not found.configured:
        return "Sync for Commerce is not configured for this company: finish its sync flow first."
    if not found.enable:
        return "Sync for Commerce is switched off for this company."
    for key in (found.commerce_key, found.accounting_key):
        connection = connection_to(company, key)
        if connection is None or connection.status != ConnectionStatus.LINKED.value:
            connector = registry.get(key)
            name = connector.info.name if connector else key
            return f"The company's {name} connection is not linked."
    return None


async def start_of_next(
    session: AsyncSession, company_id: uuid.UUID, found: CommerceConfiguration
) -> datetime:
    """Where `latest` starts: the end of the last successful sync, else the configured start date."""
    last = await last_successful(session, company_id)
    if last is not None:
        return last.range_finish
    return parse_moment(found.selections["schedule"]["startDate"]) or utcnow()


async def run(runtime: Runtime, sync_id: uuid.UUID) -> None:
    """The job: post what can be posted now, or come back when the commerce data has been pulled."""
    try:
        waiting = await _run(runtime, sync_id)
    except postings.PostingUnbalanced as unbalanced:
        await _finish(runtime, sync_id, Code.PROCESSING_ERROR, str(unbalanced))
        return
    except Exception as error:  # the sync's status says so; the log has the trace
        log.exception("commerce sync failed", commerce_sync_id=str(sync_id))
        await _finish(runtime, sync_id, Code.SERVER_ERROR, "The sync failed unexpectedly.", repr(error)[:500])
        return
    if waiting:
        async with runtime.sessionmaker() as session, session.begin():
            await jobs.defer(
                session,
                RUN_TASK,
                {"commerce_sync_id": str(sync_id)},
                queue=jobs.PULLS_QUEUE,
                queueing_lock=f"commerce:{sync_id}",
                scheduled_at=utcnow() + timedelta(seconds=WAIT_SECONDS),
            )


async def _load(
    session: AsyncSession, sync_id: uuid.UUID
) -> tuple[CommerceSync, Company, CommerceConfiguration] | None:
    found = await session.get(CommerceSync, sync_id)
    if found is None or found.status_code != Code.RUNNING:
        return None
    company = await session.scalar(
        select(Company).where(Company.id == found.company_id).options(selectinload(Company.connections))
    )
    configuration = await session.get(CommerceConfiguration, found.company_id, with_for_update=True)
    if company is None or configuration is None:
        return None
    return found, company, configuration


async def _finish(
    runtime: Runtime,
    sync_id: uuid.UUID,
    code: int,
    message: str | None = None,
    exception: str | None = None,
    *,
    pushed: bool | None = None,
) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        found = await session.get(CommerceSync, sync_id, with_for_update=True)
        if found is None or found.status_code != Code.RUNNING:
            return
        found.status_code, found.status = code, STATUS_TEXT[code]
        found.error_message, found.exception_message = message, exception or message
        found.finished_at = utcnow()
        if pushed is not None:
            found.data_pushed = pushed


async def _run(runtime: Runtime, sync_id: uuid.UUID) -> bool:
    """True: waiting for commerce pulls."""
    async with runtime.sessionmaker() as session, session.begin():
        loaded = await _load(session, sync_id)
        if loaded is None:
            return False
        found, company, configuration = loaded
        problem = _configuration_problem(company, configuration)
        if problem is not None:
            code = Code.DEAUTHORIZED if "linked" in problem else Code.CONFIGURATION_ERROR
            await _finish_in(session, found, code, problem)
            return False
        commerce = connection_to(company, configuration.commerce_key)
        waiting_on = await _commerce_pulls_needed(session, company, commerce, found)
        if isinstance(waiting_on, str):
            await _finish_in(session, found, Code.PROCESSING_ERROR, waiting_on)
            return False
        if waiting_on:
            return True
    written, duplicates, periods_seen = await _post_periods(runtime, sync_id)
    if written is None:
        return False
    code = Code.WRITTEN if written else Code.NOTHING_WRITTEN
    message = None
    if not written and periods_seen and duplicates == periods_seen:
        code, message = (
            Code.DUPLICATE,
            "Every period in the range has already been posted; nothing was written.",
        )
    await _finish(runtime, sync_id, code, message, pushed=bool(written))
    if written:
        await _refresh_accounting(runtime, sync_id)
    return False


async def _finish_in(session: AsyncSession, found: CommerceSync, code: int, message: str) -> None:
    found.status_code, found.status = code, STATUS_TEXT[code]
    found.error_message = found.exception_message = message
    found.finished_at = utcnow()


async def _commerce_pulls_needed(
    session: AsyncSession, company: Company, commerce: Connection | None, found: CommerceSync
) -> bool | str:
    """Whether the sync must wait for commerce pulls (queuing those not yet asked for); a string says why it
    cannot go on (a pull it waited for failed)."""
    assert commerce is not None
    waiting = False
    for data_type in COMMERCE_TYPES:
        if not sync.supports(commerce, data_type):
            continue
        as_of = await sync.last_successful_as_of(session, commerce.id, data_type)
        if as_of is not None and as_of >= found.range_finish:
            continue
        waiting = True
        latest = await session.scalar(
            select(PullOperation)
            .where(
                PullOperation.connection_id == commerce.id,
                PullOperation.data_type == data_type,
                PullOperation.requested >= found.requested_at,
            )
            .order_by(PullOperation.requested.desc())
            .limit(1)
        )
        if (
            latest is not None
            and latest.status not in _IN_FLIGHT
            and latest.status != PullStatus.COMPLETE.value
        ):
            return (
                f"The {data_type} could not be read from the commerce platform: {latest.status_description}"
            )
        if await sync.in_flight(session, commerce.id, data_type) is None:
            await sync.queue_pull(session, company, commerce, data_type, PullTrigger.QUEUE)
    return waiting


_IN_FLIGHT = {s.value for s in IN_FLIGHT}


async def _post_periods(runtime: Runtime, sync_id: uuid.UUID) -> tuple[int | None, int, int]:
    """Post each period of the sync: (periods written, periods already posted by others, periods)."""
    written = duplicates = 0
    async with runtime.sessionmaker() as session:
        found = await session.get(CommerceSync, sync_id)
        configuration = await session.get(CommerceConfiguration, found.company_id) if found else None
    if found is None or configuration is None:  # the company was deleted since the sync was loaded
        return None, duplicates, 0
    selections = configuration.selections
    zone = ZoneInfo(selections["schedule"]["timeZone"])
    grouping = selections["sales"]["groupingPeriod"]
    all_periods = periods(found.range_start, found.range_finish, zone, grouping)
    for period in all_periods:
        outcome = await _post_period(runtime, sync_id, period, zone)
        if outcome == "written":
            written += 1
        elif outcome == "duplicate":
            duplicates += 1
        elif outcome == "failed":
            return None, duplicates, len(all_periods)
    return written, duplicates, len(all_periods)


async def _post_period(runtime: Runtime, sync_id: uuid.UUID, period: Period, zone: ZoneInfo) -> str:
    """'written', 'empty', 'duplicate' or 'failed' (the sync is then finished with a write error)."""
    async with runtime.sessionmaker() as session, session.begin():
        loaded = await _load(session, sync_id)  # locks the configuration: one company's postings at a time
        if loaded is None:
            return "failed"
        found, company, configuration = loaded
        existing = await session.scalar(
            select(CommercePosting)
            .where(
                CommercePosting.company_id == company.id,
                CommercePosting.period_start < period.end,
                CommercePosting.period_end > period.start,
            )
            .limit(1)
        )
        if existing is not None and existing.sync_id != sync_id:
            return "duplicate"
        if existing is None:
            entry = await _journal_entry(session, company, configuration, period, zone)
            accounting = connection_to(company, configuration.accounting_key)
            assert accounting is not None
            push_key = None
            if entry is not None:
                push = await pushes.request_push(
                    session,
                    company_id=company.id,
                    connection_id=accounting.id,
                    data_type="journalEntries",
                    record=entry,
                    idempotency_key=f"commerce:{company.id}:{period.start.isoformat()}",
                    # One pull of the written type when the whole sync is done, not one per period.
                    sync_on_complete=False,
                )
                push_key = push.id
            existing = CommercePosting(
                id=uuid.uuid4(),
                company_id=company.id,
                period_start=period.start,
                period_end=period.end,
                sync_id=sync_id,
                push_operation_key=push_key,
                posted_at=utcnow(),
            )
            session.add(existing)
        push_key = existing.push_operation_key
    if push_key is None:
        return "empty"
    push = await pushes.run_push(runtime, push_key)
    if push.status == "Success":
        return "written"
    async with runtime.sessionmaker() as session, session.begin():
        # The period was not written: free it for a later sync (the failed push stays in the push history).
        await session.execute(
            delete(CommercePosting).where(
                CommercePosting.company_id == found.company_id, CommercePosting.period_start == period.start
            )
        )
        row = await session.get(CommerceSync, sync_id, with_for_update=True)
        if row is not None and row.status_code == Code.RUNNING:
            await _finish_in(
                session,
                row,
                Code.WRITE_ERROR,
                f"The {period.label} journal entry was not written: {push.error_message or push.status}",
            )
    return "failed"


async def _journal_entry(
    session: AsyncSession,
    company: Company,
    configuration: CommerceConfiguration,
    period: Period,
    zone: ZoneInfo,
) -> dict[str, Any] | None:
    commerce = connection_to(company, configuration.commerce_key)
    accounting = connection_to(company, configuration.accounting_key)
    assert commerce is not None and accounting is not None
    start, end = _utc(period.start, zone), _utc(period.end, zone)
    activity = postings.Activity(
        orders=await _dated(session, commerce.id, "commerce-orders", start, end),
        transactions=await _dated(session, commerce.id, "commerce-transactions", start, end),
    )
    activity.refunded_orders = {
        o["id"]: o for o in await _by_id(session, commerce.id, "commerce-orders", activity.order_ids_needed())
    }
    activity.payment_methods = {
        p["id"]: (p.get("paymentMethodRef") or {}).get("id", "")
        for p in await _by_id(session, commerce.id, "commerce-payments", activity.payment_ids_needed())
    }
    accounts = await _by_id(session, accounting.id, "chartOfAccounts", None)
    tax_rates = await _by_id(session, accounting.id, "taxRates", None)
    methods = await _by_id(session, commerce.id, "commerce-paymentMethods", None)
    currency: str = next(
        (r["currency"] for r in [*activity.orders, *activity.transactions] if r.get("currency")), "GBP"
    )
    connector = registry.get(configuration.commerce_key)
    entry, _totals = postings.journal_entry(
        activity,
        configuration.selections,
        period_start=period.end - timedelta(days=1),
        period_label=period.label,
        currency=currency,
        names=postings.Names(
            accounts={a["id"]: a.get("name") or a["id"] for a in accounts},
            tax_rates={t["id"]: t.get("name") or t["id"] for t in tax_rates},
            payment_methods=postings.payment_method_names(methods),
        ),
        title=f"{connector.info.name if connector else configuration.commerce_key} sales",
    )
    return entry


async def _dated(
    session: AsyncSession, connection_id: uuid.UUID, data_type: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Record.data)
        .where(
            Record.connection_id == connection_id,
            Record.data_type == data_type,
            Record.is_deleted.is_(False),
            and_(Record.record_date >= start, Record.record_date < end),
        )
        .order_by(Record.record_date, Record.record_id)
    )
    return list(rows.all())


async def _by_id(
    session: AsyncSession, connection_id: uuid.UUID, data_type: str, ids: set[str] | None
) -> list[dict[str, Any]]:
    if ids is not None and not ids:
        return []
    statement = select(Record.data).where(
        Record.connection_id == connection_id, Record.data_type == data_type, Record.is_deleted.is_(False)
    )
    if ids is not None:
        statement = statement.where(Record.record_id.in_(sorted(ids)))
    return list((await session.scalars(statement)).all())


async def _refresh_accounting(runtime: Runtime, sync_id: uuid.UUID) -> None:
    """Pull the written types again, so the API shows the new entries (skipped for a type already pulling)."""
    async with runtime.sessionmaker() as session, session.begin():
        found = await session.get(CommerceSync, sync_id)
        if found is None:  # the company was deleted since the sync finished
            return
        company = await session.scalar(
            select(Company).where(Company.id == found.company_id).options(selectinload(Company.connections))
        )
        configuration = await session.get(CommerceConfiguration, found.company_id)
        if company is None or configuration is None:
            return
        accounting = connection_to(company, configuration.accounting_key)
        if accounting is None or accounting.status != ConnectionStatus.LINKED.value:
            return
        for data_type in ACCOUNTING_TYPES:
            if await sync.in_flight(session, accounting.id, data_type) is None:
                await sync.queue_pull(session, company, accounting, data_type, PullTrigger.QUEUE)
