"""The rules of reports: requesting one (`InProgress`, its job deferred in the same transaction, and, as
Codat's does, fresh pulls of what it reads), generating it from the books as of the pulls it pins once those
pulls have ended, ending it `Complete` or `Error` with its webhook, finding those whose job was lost, and
reading them.

Generating runs in a REPEATABLE READ, read-only transaction: the pins (`pins.pin_pulls`) and everything
the report type reads come from one snapshot, so a pull finishing meanwhile is either wholly in the report
or not at all. The outcome is stored in a transaction of its own, with its event.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink import jobs
from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.connections.status import reference_company
from ledgerlink.events.service import emit_for_company
from ledgerlink.jobs import Runtime
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest, Conflict, NotFound
from ledgerlink.kit.ids import parse_id
from ledgerlink.kit.pagination import PageParams, fetch_query_page
from ledgerlink.lending.reports import kinds, pins, queries
from ledgerlink.lending.reports.models import Report, ReportStatus
from ledgerlink.lending.reports.views import generation_payload
from ledgerlink.sync import service as sync
from ledgerlink.sync.models import IN_FLIGHT, PullOperation, PullTrigger

log = structlog.get_logger("ledgerlink.lending.reports")

GENERATE_TASK = "reports:generate"
LATEST = "latest"
# A report still in progress whose job is missing this long after it was requested gets a job again.
LOST_AFTER = timedelta(seconds=30)
# How often a report waiting for the pulls of what it reads looks again, and how long it waits at most
# before it is generated from what has been pulled (a pull ends on its own; this bounds a stuck one).
WAIT_SECONDS = 2
WAIT_AT_MOST = timedelta(hours=1)


def report_not_found(company_id: str, report_type: str, report_id: str) -> NotFound:
    return NotFound(f"No {report_type} report {report_id} was found for company {company_id}.")


def report_job_lock(report_id: uuid.UUID) -> str:
    """The queueing lock of a report's job: one job waits per report."""
    return f"report:{report_id}"


# ------------------------------------------------------------------------------------------------ requesting
async def request_report(
    session: AsyncSession, principal: Principal, company_id: str, report_type: str
) -> Report:
    """`POST /companies/{companyId}/reports/{reportType}`: an `InProgress` report and its job, in the
    caller's transaction (404 for another client's company, 400 for a type not generated here), and a pull of
    each data type it reads from every Linked connection that provides it (unless one is in flight): the
    report is generated once they end."""
    company = await companies.get(session, principal, company_id, for_update=True)
    return await request_kind(session, company, kinds.kind_of(report_type))


async def request_kind(session: AsyncSession, company: Company, kind: kinds.ReportKind) -> Report:
    """An `InProgress` report of `kind` for a company the caller has checked (and locked, `for_update`), its
    job and the pulls of what it reads, in the caller's transaction: `request_report`'s work, for the report
    types with operations of their own (the liabilities reports)."""
    await _refresh(session, company, kind.data_types)
    report = await _new_report(session, company.id, kind)
    await _defer(session, report.id)
    return report


async def _new_report(
    session: AsyncSession,
    company_id: uuid.UUID,
    kind: kinds.ReportKind,
    pulls: list[dict[str, Any]] | None = None,
    fingerprint: str | None = None,
) -> Report:
    """A new `InProgress` report of `kind`, flushed (its id taken)."""
    now = utcnow()
    report = Report(
        id=uuid.uuid4(),
        company_id=company_id,
        type=kind.name,
        status=ReportStatus.IN_PROGRESS.value,
        requested_at=now,
        updated_at=now,
        pulls=pulls or [],
        inputs_fingerprint=fingerprint,
        attempts=0,
    )
    session.add(report)
    await session.flush()
    return report


async def _refresh(session: AsyncSession, company: Company, data_types: tuple[str, ...]) -> None:
    for connection in company.connections:
        if connection.status != sync.LINKED:
            continue
        for data_type in data_types:
            if (
                sync.supports(connection, data_type)
                and await sync.in_flight(session, connection.id, data_type) is None
            ):
                with contextlib.suppress(sync.DatasetAlreadyInProgress):  # (queued by someone else meanwhile)
                    await sync.queue_pull(session, company, connection, data_type, PullTrigger.QUEUE)


async def _defer(session: AsyncSession, report_id: uuid.UUID, *, later: bool = False) -> None:
    await jobs.defer(
        session,
        GENERATE_TASK,
        {"report_id": str(report_id)},
        queue=jobs.REPORTS_QUEUE,
        queueing_lock=report_job_lock(report_id),
        scheduled_at=utcnow() + timedelta(seconds=WAIT_SECONDS) if later else None,
    )


async def _pulling(session: AsyncSession, company_id: uuid.UUID, data_types: tuple[str, ...]) -> bool:
    """Whether a pull of one of `data_types` is in flight for the company."""
    found = await session.scalar(
        select(PullOperation.id)
        .where(
            PullOperation.company_id == company_id,
            PullOperation.data_type.in_(data_types),
            PullOperation.status.in_([status.value for status in IN_FLIGHT]),
        )
        .limit(1)
    )
    return found is not None


# ------------------------------------------------------------------------------------------------ generating
@dataclasses.dataclass(frozen=True)
class Outcome:
    status: ReportStatus
    pulls: list[dict[str, Any]]
    fingerprint: str | None
    result: dict[str, Any] | None = None
    error_message: str | None = None


async def run_report(runtime: Runtime, report_id: uuid.UUID | str) -> Report:
    """Generate a report to a final status and return it (the job calls this). One already final is returned
    unchanged; one whose data types are still being pulled is returned `InProgress`, its job deferred again
    to look a little later; an unexpected error propagates, leaving it `InProgress` for the job's retry.
    `NotFound` if it is gone (its company was deleted)."""
    key = uuid.UUID(str(report_id))
    async with runtime.sessionmaker() as session, session.begin():
        report = await session.get(Report, key, with_for_update=True)
        if report is None:
            raise NotFound(f"No report {key}.")
        if ReportStatus(report.status).is_final:
            return report
        kind_name, company_id = report.type, report.company_id
        kind = kinds.KINDS.get(kind_name)
        if (
            kind is not None
            and utcnow() - report.requested_at < WAIT_AT_MOST
            and await _pulling(session, company_id, kind.data_types)
        ):
            await _defer(session, key, later=True)
            return report
        report.attempts += 1
    if kind is None:  # (a type registered when requested, gone since: an install that dropped it)
        return await finish(
            runtime,
            key,
            Outcome(ReportStatus.ERROR, [], None, error_message=f"{kind_name} is not generated."),
        )
    async with runtime.sessionmaker() as session, session.begin():
        access = "READ WRITE" if kind.writes_rows else "READ ONLY"
        await session.execute(text(f"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, {access}"))
        pulls, fingerprint = await pins.pin_pulls(session, company_id, kind.data_types)
        report = await session.get(Report, key)
        if report is None:
            raise NotFound(f"No report {key}.")
        # Detached: `generate` reads what the report pinned, and writes nothing of the report's own row in
        # this snapshot (`finish` stores the outcome; a type that `writes_rows` writes only its rows here).
        session.expunge(report)
        report.pulls = pulls
        try:
            result = await kind.generate(session, report)
        except kinds.ReportFailed as failed:
            outcome = Outcome(ReportStatus.ERROR, pulls, fingerprint, error_message=str(failed))
        else:
            outcome = Outcome(ReportStatus.COMPLETE, pulls, fingerprint, result=result)
    return await finish(runtime, key, outcome)


async def generate_now(session: AsyncSession, company: Company, report_type: str) -> Report:
    """A report generated in the caller's transaction from what the company has pulled (no fresh pulls, no
    job, no webhook: nobody waits for it), for Codat's older operations that answer at once (the enhanced
    cash flow). It is kept `Complete`, as any report. One the books cannot make is a 409 with the reason,
    and nothing is stored."""
    kind = kinds.kind_of(report_type)
    pulls, fingerprint = await pins.pin_pulls(session, company.id, kind.data_types)
    report = await _new_report(session, company.id, kind, pulls, fingerprint)
    report.attempts = 1
    try:
        result = await kind.generate(session, report)
    except kinds.ReportFailed as failed:
        raise Conflict(str(failed)) from failed
    report.status, report.result, report.updated_at = ReportStatus.COMPLETE.value, result, utcnow()
    await session.flush()
    return report


async def finish(runtime: Runtime, report_id: uuid.UUID, outcome: Outcome) -> Report:
    """Store how a report ended, with its `reports.{type}.generate.*` event (unless it had ended already)."""
    async with runtime.sessionmaker() as session, session.begin():
        # The company's row first, as every change to a company's things locks it.
        company_id = await session.scalar(select(Report.company_id).where(Report.id == report_id))
        company = (
            await session.scalar(
                select(Company).where(Company.id == company_id).with_for_update(key_share=True)
            )
            if company_id is not None
            else None
        )
        report = await session.get(Report, report_id, with_for_update=True)
        if report is None or company is None:
            raise NotFound(f"No report {report_id}.")
        if ReportStatus(report.status).is_final:
            return report
        report.status = outcome.status.value
        report.updated_at = utcnow()
        report.pulls = outcome.pulls
        report.inputs_fingerprint = outcome.fingerprint
        report.result = outcome.result
        report.error_message = outcome.error_message
        succeeded = outcome.status is ReportStatus.COMPLETE
        kind = kinds.KINDS.get(report.type)
        if kind is None or kind.listed:  # (Codat names no webhook for the types it does not list)
            event_type = f"reports.{report.type}.generate.{'successful' if succeeded else 'unsuccessful'}"
            emit_for_company(
                session,
                company,
                event_type,
                generation_payload(report, reference_company(company, runtime.urls)),
            )
    log.info("report finished", report_id=str(report_id), type=report.type, status=report.status)
    return report


async def give_up(runtime: Runtime, report_id: uuid.UUID, attempts: int) -> Report:
    """End a report whose job ran out of attempts (errors ledgerlink did not expect: the log has them)."""
    return await finish(
        runtime,
        report_id,
        Outcome(
            ReportStatus.ERROR,
            [],
            None,
            error_message=f"ledgerlink could not generate the report after {attempts} attempts.",
        ),
    )


async def recover_lost(runtime: Runtime) -> int:
    """Periodic: a report in progress needs a live job. One whose job went missing (or succeeded without
    ending it, which no code path does: cheap to cover) gets a job again; one whose job ended without
    finishing it (failed, cancelled, aborted) ends `Error`. Returns how many ended."""
    async with runtime.sessionmaker() as session, session.begin():
        rows = (
            await session.execute(
                text(
                    "SELECT r.id, (SELECT j.status FROM procrastinate_jobs j "
                    "WHERE j.task_name = :task AND j.args ->> 'report_id' = r.id::text "
                    "ORDER BY j.id DESC LIMIT 1) AS job_status "
                    "FROM reports r WHERE r.status = 'InProgress' AND r.requested_at < :before "
                    "FOR UPDATE OF r SKIP LOCKED"
                ),
                {"task": GENERATE_TASK, "before": utcnow() - LOST_AFTER},
            )
        ).all()
        for row in rows:
            if row.job_status in (None, "succeeded"):
                log.info("report job lost; deferring it again", report_id=str(row.id))
                await _defer(session, row.id)
    ended = 0
    for row in rows:
        if row.job_status in ("failed", "cancelled", "aborted"):
            message = f"The report's job ended {row.job_status} before the report was generated."
            await finish(runtime, row.id, Outcome(ReportStatus.ERROR, [], None, error_message=message))
            ended += 1
    return ended


# ------------------------------------------------------------------------------------------------ reading
async def complete_report(
    session: AsyncSession, principal: Principal, company_id: str, report_type: str, report_id: str
) -> Report:
    """The company's report `report_id` of `report_type` (`latest`: the last one generated), which must be
    `Complete` to read its parts (400 saying why otherwise: Codat's report parts list no 409)."""
    report = await get_report(session, principal, company_id, report_type, report_id, complete=True)
    if report.status == ReportStatus.IN_PROGRESS.value:
        raise BadRequest(
            f"The {report.type} report {report.id} is still being generated; try again once it is Complete."
        )
    if report.status == ReportStatus.ERROR.value or report.result is None:
        raise BadRequest(f"The {report.type} report {report.id} was not generated: {report.error_message}")
    return report


async def list_reports(
    session: AsyncSession, principal: Principal, company_id: str, params: PageParams
) -> tuple[list[Report], int]:
    """A page of the company's reports of Codat's `reportType`s (`kinds.listed`)."""
    company = await companies.get(session, principal, company_id)
    statement = select(Report).where(Report.company_id == company.id, Report.type.in_(kinds.listed()))
    return await fetch_query_page(
        session, statement, params, queries.REPORT_TARGET, default_order=queries.DEFAULT_ORDER
    )


async def get_report(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    report_type: str,
    report_id: str,
    *,
    complete: bool = False,
) -> Report:
    """A company's report of `report_type` by id, or its latest (`latest`: the last requested; with
    `complete`, the last generated). 400 for a type not generated here, 404 for no such report."""
    kind = kinds.kind_of(report_type)
    company = await companies.get(session, principal, company_id)
    statement = select(Report).where(Report.company_id == company.id, Report.type == kind.name)
    not_found = report_not_found(company_id, kind.name, report_id)
    if report_id.lower() == LATEST:
        if complete:
            statement = statement.where(Report.status == ReportStatus.COMPLETE.value)
        statement = statement.order_by(*queries.DEFAULT_ORDER).limit(1)
    else:
        statement = statement.where(Report.id == parse_id(report_id, not_found))
    report = await session.scalar(statement)
    if report is None:
        raise not_found
    return report
