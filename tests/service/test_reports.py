"""The reports engine's rules (`lending.reports.service`): a request is an `InProgress` row and one job,
report types Codat names but ledgerlink does not generate (and names no one uses) are refused storing
nothing, `latest` and ids, and the sweep that ends reports whose job gave up and re-defers lost ones."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerlink.config import Settings
from ledgerlink.events.models import Event
from ledgerlink.jobs import Runtime
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.urls import PublicUrls
from ledgerlink.lending import report_types
from ledgerlink.lending.reports import service
from ledgerlink.lending.reports.models import Report, ReportStatus
from ledgerlink.sync.models import PullOperation
from tests.support.rows import company_with

pytestmark = pytest.mark.anyio

report_types.register_all()


async def jobs_of(session: AsyncSession, report: Report) -> list[Any]:
    return list(
        (
            await session.execute(
                text(
                    "SELECT task_name, queue_name, queueing_lock, status FROM procrastinate_jobs "
                    "WHERE args->>'report_id' = :id ORDER BY id"
                ),
                {"id": str(report.id)},
            )
        ).all()
    )


def runtime_on(sessionmaker: async_sessionmaker[AsyncSession]) -> Runtime:
    """What the sweep uses of a worker's runtime: sessions and the public URLs its events name."""
    return Runtime(
        engine=None,  # type: ignore[arg-type]
        sessionmaker=sessionmaker,
        secrets=None,  # type: ignore[arg-type]
        urls=PublicUrls("http://ledgerlink.test"),
        settings=Settings(),
    )


async def test_a_request_is_an_in_progress_report_with_one_job(
    session: AsyncSession, principal: Principal
) -> None:
    company, _ = await company_with(session, principal.client_id)
    report = await service.request_report(session, principal, str(company.id), "creditModel")
    assert report.status == ReportStatus.IN_PROGRESS and report.type == "creditModel"
    assert report.requested_at == report.updated_at and report.error_message is None and report.result is None
    assert await jobs_of(session, report) == [("reports:generate", "reports", f"report:{report.id}", "todo")]


@pytest.mark.parametrize(
    ("report_type", "message"),
    [
        (
            "creditmodel",
            "creditmodel is not a report type; the report types are categorizedBankStatement, creditModel, "
            "spendAnalysis.",
        ),
    ],
)
async def test_types_not_generated_here_are_refused_storing_nothing(
    session: AsyncSession, principal: Principal, report_type: str, message: str
) -> None:
    company, _ = await company_with(session, principal.client_id)
    with pytest.raises(BadRequest) as refused:
        await service.request_report(session, principal, str(company.id), report_type)
    assert refused.value.message == message
    assert (
        await session.scalar(select(func.count()).select_from(Report).where(Report.company_id == company.id))
        == 0
    )
    with pytest.raises(BadRequest):
        await service.get_report(session, principal, str(company.id), report_type, "latest")


async def test_latest_is_the_last_requested_and_ids_are_the_company_s_own(
    session: AsyncSession, principal: Principal
) -> None:
    company, _ = await company_with(session, principal.client_id)
    other, _ = await company_with(session, principal.client_id)
    with pytest.raises(NotFound):
        await service.get_report(session, principal, str(company.id), "creditModel", "latest")
    first = await service.request_report(session, principal, str(company.id), "creditModel")
    second = await service.request_report(session, principal, str(company.id), "creditModel")
    second.requested_at = first.requested_at + timedelta(seconds=1)
    await session.flush()
    latest = await service.get_report(session, principal, str(company.id), "creditModel", "latest")
    assert latest.id == second.id
    assert (
        await service.get_report(session, principal, str(company.id), "creditModel", str(first.id))
    ).id == first.id
    # Only a Complete one is the latest *generated*.
    with pytest.raises(NotFound):
        await service.get_report(session, principal, str(company.id), "creditModel", "LATEST", complete=True)
    first.status = ReportStatus.COMPLETE.value
    await session.flush()
    found = await service.get_report(
        session, principal, str(company.id), "creditModel", "latest", complete=True
    )
    assert found.id == first.id
    for missing in (str(uuid.uuid4()), "not-an-id"):
        with pytest.raises(NotFound) as not_found:
            await service.get_report(session, principal, str(company.id), "creditModel", missing)
        assert (
            not_found.value.message == f"No creditModel report {missing} was found for company {company.id}."
        )
    # Another company's report is not this company's.
    with pytest.raises(NotFound):
        await service.get_report(session, principal, str(other.id), "creditModel", str(first.id))


async def test_the_sweep_ends_a_report_whose_job_gave_up_and_defers_a_lost_one_again(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, principal: Principal
) -> None:
    company, _ = await company_with(session, principal.client_id)
    gave_up = await service.request_report(session, principal, str(company.id), "creditModel")
    lost = await service.request_report(session, principal, str(company.id), "creditModel")
    young = await service.request_report(session, principal, str(company.id), "creditModel")
    for report in (gave_up, lost):
        report.requested_at = utcnow() - service.LOST_AFTER - timedelta(seconds=5)
    await session.flush()
    await session.execute(
        text("UPDATE procrastinate_jobs SET status = 'failed' WHERE args->>'report_id' = :id"),
        {"id": str(gave_up.id)},
    )
    await session.execute(
        text("DELETE FROM procrastinate_jobs WHERE args->>'report_id' = :id"), {"id": str(lost.id)}
    )
    await session.commit()

    assert await service.recover_lost(runtime_on(sessionmaker)) == 1

    async with sessionmaker() as fresh:
        ended = await fresh.get(Report, gave_up.id)
        assert ended is not None and ended.status == "Error"
        assert ended.error_message == "The report's job ended failed before the report was generated."
        assert ended.updated_at > ended.requested_at
        event = await fresh.scalar(select(Event).where(Event.company_id == company.id))
        assert event is not None and event.event_type == "reports.creditModel.generate.unsuccessful"
        assert event.payload["id"] == str(gave_up.id)
        assert event.payload["referenceCompany"]["id"] == str(company.id)
        again = await fresh.get(Report, lost.id)
        assert again is not None and again.status == "InProgress"
        assert [job.status for job in await jobs_of(fresh, again)] == ["todo"]
        # One requested just now is left to its job.
        assert [job.status for job in await jobs_of(fresh, young)] == ["todo"]
    # A second sweep finds nothing more to end, and a final report is left as it is.
    assert await service.recover_lost(runtime_on(sessionmaker)) == 0


async def test_a_request_pulls_what_the_report_reads_and_the_report_waits_for_those_pulls(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, principal: Principal
) -> None:
    company, (accounting, _unlinked) = await company_with(
        session, principal.client_id, ("mqjo", "Linked"), ("mqjo", "Deauthorized")
    )
    report = await service.request_report(session, principal, str(company.id), "creditModel")
    queued = (
        await session.execute(
            select(PullOperation.connection_id, PullOperation.data_type, PullOperation.status).where(
                PullOperation.company_id == company.id
            )
        )
    ).all()
    assert sorted(queued) == sorted(
        (accounting.id, data_type, "Queued")
        for data_type in ("chartOfAccounts", "profitAndLoss", "balanceSheet")
    )
    # A second report while they are in flight queues none of its own: it waits for the same pulls.
    await service.request_report(session, principal, str(company.id), "creditModel")
    assert await session.scalar(select(func.count()).where(PullOperation.company_id == company.id)) == 3

    # Its job, run while they are in flight, leaves it InProgress and comes back a little later.
    await session.execute(
        text("UPDATE procrastinate_jobs SET status = 'doing' WHERE args->>'report_id' = :id"),
        {"id": str(report.id)},
    )
    await session.commit()
    waiting = await service.run_report(runtime_on(sessionmaker), report.id)
    assert waiting.status == "InProgress" and waiting.attempts == 0
    async with sessionmaker() as fresh:
        jobs = await jobs_of(fresh, report)
        assert [job.status for job in jobs] == ["doing", "todo"]
        later = await fresh.scalar(
            text(
                "SELECT scheduled_at FROM procrastinate_jobs "
                "WHERE args->>'report_id' = :id AND status = 'todo'"
            ),
            {"id": str(report.id)},
        )
        assert later is not None and later > utcnow()
