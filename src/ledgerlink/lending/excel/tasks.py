"""Job entry point of Excel reports: generate one workbook."""

from __future__ import annotations

import uuid

import procrastinate

from ledgerlink import jobs
from ledgerlink.files.storage import configured_store
from ledgerlink.lending.excel import service

blueprint = procrastinate.Blueprint()


@blueprint.task(name="generate", queue=jobs.REPORTS_QUEUE, pass_context=True)
async def generate(context: procrastinate.JobContext, workbook_id: str) -> None:
    runtime = jobs.runtime_of(context)
    store = configured_store(runtime.settings, runtime.sessionmaker)
    await service.generate(runtime, store, uuid.UUID(workbook_id))
