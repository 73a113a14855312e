"""The rules of Excel reports: requesting one (queued once per company and type at a time), its status,
generating it in a job (read, write, store, keep the latest), and downloading the latest workbook."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import structlog
from sqlalchemy import Select, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink import jobs
from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.data.reads import ReadSource
from ledgerlink.db import transaction_lock
from ledgerlink.files.service import Download, stored_file
from ledgerlink.files.storage import FileStore
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import CodatError, NotFound
from ledgerlink.lending import workbooks
from ledgerlink.lending.excel import catalogue
from ledgerlink.lending.excel.kinds import ExcelReportType, Reading
from ledgerlink.lending.excel.models import ExcelWorkbook
from ledgerlink.sync.models import PullOperation, PullStatus

log = structlog.get_logger("ledgerlink.lending")

GENERATE_TASK = "excel:generate"
UNEXPECTED = "The report could not be generated because of an unexpected error; request it again."
LOST = "The report's generation was interrupted; it has been requested again."


def job_lock(workbook_id: uuid.UUID) -> str:
    return f"excel:{workbook_id}"


async def request(
    session: AsyncSession, principal: Principal, company_id: str, report_type: str | None
) -> ExcelWorkbook:
    """`POST .../assess/excel`: queue a generation, or, while one of the type is in progress for the
    company, answer that one (one at a time: a second would only race it to the same workbook)."""
    kind = catalogue.report_type(report_type)
    company = await companies.get(session, principal, company_id)
    await transaction_lock(session, f"excel:{company.id}:{kind.name}")
    running = await session.scalar(
        select(ExcelWorkbook).where(
            ExcelWorkbook.company_id == company.id,
            ExcelWorkbook.report_type == kind.name,
            ExcelWorkbook.in_progress,
        )
    )
    if running is not None:
        if await _job_alive(session, running.id):
            return running
        # Its job is gone (it failed outside the generation's own error handling, or was lost): end it so
        # that the company is not left waiting on it for ever, and queue a new one.
        running.in_progress = False
        running.finished_at = utcnow()
        running.error_message = LOST
        await session.flush()
    workbook = ExcelWorkbook(
        company_id=company.id, report_type=kind.name, api_key_id=principal.api_key_id, in_progress=True
    )
    session.add(workbook)
    await session.flush()
    await session.refresh(workbook, ["queued_at"])
    await jobs.defer(
        session,
        GENERATE_TASK,
        {"workbook_id": str(workbook.id)},
        queue=jobs.REPORTS_QUEUE,
        queueing_lock=job_lock(workbook.id),
    )
    return workbook


async def _job_alive(session: AsyncSession, workbook_id: uuid.UUID) -> bool:
    job_status = await session.scalar(
        text(
            "SELECT status FROM procrastinate_jobs WHERE task_name = :task AND args ->> 'workbook_id' = :id "
            "ORDER BY id DESC LIMIT 1"
        ),
        {"task": GENERATE_TASK, "id": str(workbook_id)},
    )
    return job_status in ("todo", "doing")


async def status(
    session: AsyncSession, principal: Principal, company_id: str, report_type: str | None
) -> ExcelWorkbook:
    """`GET .../assess/excel`: the most recent request's state."""
    kind = catalogue.report_type(report_type)
    company = await companies.get(session, principal, company_id)
    latest = await session.scalar(
        _of(company, kind).order_by(ExcelWorkbook.queued_at.desc(), ExcelWorkbook.id).limit(1)
    )
    if latest is None:
        raise NotFound(f"No {kind.name} Excel report has been requested for company {company.id}.")
    return latest


async def download(
    session: AsyncSession, principal: Principal, store: FileStore, company_id: str, report_type: str | None
) -> Download:
    """`GET .../assess/excel/download`: the latest workbook generated successfully (an older one while a
    newer is still being made)."""
    kind = catalogue.report_type(report_type)
    company = await companies.get(session, principal, company_id)
    made = await session.scalar(
        _of(company, kind)
        .where(ExcelWorkbook.reference.is_not(None))
        .order_by(ExcelWorkbook.finished_at.desc())
        .limit(1)
    )
    if made is None or made.reference is None or made.file_name is None:
        raise NotFound(f"No {kind.name} Excel report has been generated for company {company.id}.")
    return await stored_file(session, store, made.reference, made.file_name, workbooks.MEDIA_TYPE)


def _of(company: Company, kind: ExcelReportType) -> Select[ExcelWorkbook]:
    return select(ExcelWorkbook).where(
        ExcelWorkbook.company_id == company.id, ExcelWorkbook.report_type == kind.name
    )


async def generate(runtime: jobs.Runtime, store: FileStore, workbook_id: uuid.UUID) -> None:
    """The job: read the books as the requesting client and write the workbook (one snapshot), then store
    and record it and let older workbooks of the type go (one transaction). A report that cannot be made
    (data never pulled, an error) ends the request with its message; nothing half-written is kept."""
    async with runtime.sessionmaker() as session, session.begin():
        workbook = await session.get(ExcelWorkbook, workbook_id, with_for_update=True)
        if workbook is None or not workbook.in_progress:
            return  # done already (a retried job), or the company is gone
        workbook.started_at = utcnow()
    written: list[str] = []
    try:
        made = await _write(runtime, workbook_id)
        if made is None:
            return
        with made.content:
            async with runtime.sessionmaker() as session, session.begin():
                # Read committed, as the files' store expects (an object store's key is recorded as an
                # orphan in a transaction of its own, and struck off in this one, which must see it).
                workbook = await session.get(ExcelWorkbook, workbook_id, with_for_update=True)
                if workbook is None or not workbook.in_progress:
                    return  # another run of the job stored it first
                size = made.content.seek(0, 2)
                reference = await store.put(
                    session, f"excel/{workbook.company_id}/{workbook.id}.xlsx", made.content
                )
                written.append(reference)
                workbook.in_progress = False
                workbook.finished_at = made.generated
                workbook.file_name = made.file_name
                workbook.file_size = size
                workbook.store = store.name
                workbook.reference = reference
                await session.execute(
                    delete(ExcelWorkbook).where(
                        ExcelWorkbook.company_id == workbook.company_id,
                        ExcelWorkbook.report_type == workbook.report_type,
                        ExcelWorkbook.id != workbook.id,
                        ExcelWorkbook.in_progress.is_(False),
                    )
                )
    except CodatError as error:
        await store.discard(written)
        await _failed(runtime, workbook_id, error.message)
    except Exception:
        log.exception("excel report failed", workbook_id=str(workbook_id))
        await store.discard(written)
        await _failed(runtime, workbook_id, UNEXPECTED)


@dataclass(frozen=True)
class _Made:
    content: BinaryIO
    file_name: str
    generated: datetime


async def _write(runtime: jobs.Runtime, workbook_id: uuid.UUID) -> _Made | None:
    """The workbook, read in one snapshot: every sheet reads the same books (a pull committing meanwhile is
    not half in it), and the cover's pulls are that snapshot's."""
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        workbook = await session.get(ExcelWorkbook, workbook_id)
        if workbook is None or not workbook.in_progress:
            return None
        company = await session.get(Company, workbook.company_id)
        assert company is not None  # (the row would have gone with it)
        kind = catalogue.REPORT_TYPES[workbook.report_type]
        built = await kind.build(Reading(session, Principal(company.client_id, workbook.api_key_id), company))
        generated = utcnow()
        pulls = await pulls_of(session, built.sources)
        cover = workbooks.Cover(built.title, company.name, str(company.id), generated, pulls, built.notes)
        content = await workbooks.write(cover, built.sheets)
    return _Made(content, file_name(kind.title, company, generated), generated)


async def _failed(runtime: jobs.Runtime, workbook_id: uuid.UUID, message: str) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        workbook = await session.get(ExcelWorkbook, workbook_id, with_for_update=True)
        if workbook is not None and workbook.in_progress:
            workbook.in_progress = False
            workbook.finished_at = utcnow()
            workbook.error_message = message


def file_name(title: str, company: Company, generated: datetime) -> str:
    """`<title> - <company> - <moment>.xlsx`, with nothing a file system would refuse."""
    name = re.sub(r'[\x00-\x1f<>:"/\\|?*]+', " ", company.name).strip(" .")[:80] or str(company.id)
    return f"{title} - {name} - {generated:%Y-%m-%d %H%M%S}.xlsx"


async def pulls_of(
    session: AsyncSession, sources: list[ReadSource]
) -> list[tuple[str, str, str | None, datetime | None]]:
    """For the cover: each source's latest completed pull (the data the figures were computed from)."""
    found = []
    for src in sources:
        pull = await session.scalar(
            select(PullOperation)
            .where(
                PullOperation.connection_id == src.connection_id,
                PullOperation.data_type == src.data_type.key,
                PullOperation.status == PullStatus.COMPLETE.value,
            )
            .order_by(PullOperation.completed.desc().nulls_last())
            .limit(1)
        )
        found.append(
            (
                src.data_type.key,
                str(src.connection_id),
                str(pull.id) if pull else None,
                pull.completed if pull else src.synced_at,
            )
        )
    return found
