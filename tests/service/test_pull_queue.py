"""Queueing pulls (`sync.service`): one pull of a type in flight per connection, types a platform does not
provide, connections that may not sync, which connection a company-level request goes to, first-link
queues, and pruning old history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import BadRequest
from ledgerlink.sync import service
from ledgerlink.sync.models import PullOperation, PullStatus, PullTrigger
from tests.support.rows import company_with

pytestmark = pytest.mark.anyio

ACCOUNTING, BANKING = "mqjo", "qhnd"


async def jobs_of(session: AsyncSession, pull: PullOperation) -> int:
    return await session.scalar(
        text("SELECT count(*) FROM procrastinate_jobs WHERE args->>'pull_operation_id' = :id"),
        {"id": str(pull.id)},
    )


async def test_a_second_queue_of_a_type_in_flight_is_refused(
    session: AsyncSession, principal: Principal
) -> None:
    company, (connection,) = await company_with(session, principal.client_id, (ACCOUNTING, "Linked"))
    first = await service.queue_pull(session, company, connection, "invoices", PullTrigger.QUEUE)
    assert first.status == PullStatus.QUEUED and await jobs_of(session, first) == 1

    with pytest.raises(service.DatasetAlreadyInProgress) as refused:
        await service.queue_pull(session, company, connection, "invoices", PullTrigger.QUEUE)
    assert refused.value.status_code == 400
    assert refused.value.message == (
        f"DatasetAlreadyInProgressException: Cannot queue invoices sync for {company.id} "
        f"as previous sync {first.id} is still in progress"
    )
    # Another type, or the same type once the first is final, queues.
    assert (
        await service.queue_pull(session, company, connection, "bills", PullTrigger.QUEUE)
    ).status == "Queued"
    first.status = PullStatus.COMPLETE.value
    await session.flush()
    again = await service.queue_pull(session, company, connection, "invoices", PullTrigger.QUEUE)
    assert again.status == PullStatus.QUEUED and again.id != first.id


async def test_a_type_the_platform_does_not_provide_is_not_supported_and_runs_nothing(
    session: AsyncSession, principal: Principal
) -> None:
    company, (connection,) = await company_with(session, principal.client_id, (ACCOUNTING, "Linked"))
    pull = await service.queue_pull(session, company, connection, "itemReceipts", PullTrigger.QUEUE)
    assert pull.status == PullStatus.NOT_SUPPORTED and pull.completed is not None
    assert pull.status_description == f"{ACCOUNTING} does not provide itemReceipts."
    assert await jobs_of(session, pull) == 0
    # Being final, it does not stand in the way of anything.
    assert await service.in_flight(session, connection.id, "itemReceipts") is None


@pytest.mark.parametrize("status", ["PendingAuth", "Unlinked", "Deauthorized"])
async def test_only_a_linked_connection_syncs(
    session: AsyncSession, principal: Principal, status: str
) -> None:
    company, (connection,) = await company_with(session, principal.client_id, (ACCOUNTING, status))
    with pytest.raises(BadRequest) as refused:
        await service.queue_pull(session, company, connection, "invoices", PullTrigger.QUEUE)
    assert refused.value.message == (
        f"Data connection {connection.id} is {status}; only a Linked connection can sync."
    )
    assert await session.scalar(select(func.count()).select_from(PullOperation)) == 0
    with pytest.raises(BadRequest) as none_linked:
        await service.refresh_data_type(session, principal, str(company.id), "invoices", None)
    assert (
        none_linked.value.message == f"Company {company.id} has no Linked connection to sync invoices from."
    )


async def test_a_company_level_queue_goes_to_the_linked_connection_that_provides_the_type(
    session: AsyncSession, principal: Principal
) -> None:
    company, (bank, books) = await company_with(
        session, principal.client_id, (BANKING, "Linked"), (ACCOUNTING, "Linked")
    )
    invoices = await service.refresh_data_type(session, principal, str(company.id), "invoices", None)
    accounts = await service.refresh_data_type(session, principal, str(company.id), "banking-accounts", None)
    assert (invoices.connection_id, accounts.connection_id) == (books.id, bank.id)
    with pytest.raises(BadRequest) as unknown:
        await service.refresh_data_type(session, principal, str(company.id), "notAType", None)
    assert unknown.value.message == "'notAType' is not a data type."


async def test_first_link_queues_its_types_in_sync_order_and_skips_those_in_flight(
    session: AsyncSession, principal: Principal
) -> None:
    company, (connection,) = await company_with(session, principal.client_id, (BANKING, "Linked"))
    wanted = await service.first_link_types(session, company)
    provided = [t for t in wanted if service.supports(connection, t)]
    assert len(provided) == 4
    already = await service.queue_pull(session, company, connection, provided[1], PullTrigger.QUEUE)

    queued = await service.queue_first_link(session, company, connection, PullTrigger.FIRST_LINK)
    assert [p.data_type for p in queued] == [t for t in provided if t != already.data_type]
    assert {p.trigger for p in queued} == {PullTrigger.FIRST_LINK.value}


async def test_pruning_keeps_each_type_s_last_success_and_what_is_in_flight(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, principal: Principal
) -> None:
    company, (connection,) = await company_with(session, principal.client_id, (BANKING, "Linked"))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    old, recent = now - timedelta(days=400), now - timedelta(days=10)

    def pull(data_type: str, status: PullStatus, requested: datetime) -> PullOperation:
        final = status not in (PullStatus.QUEUED, PullStatus.FETCHING)
        return PullOperation(
            id=uuid.uuid4(),
            company_id=company.id,
            connection_id=connection.id,
            data_type=data_type,
            status=status.value,
            requested=requested,
            completed=requested + timedelta(minutes=1) if final else None,
        )

    pulls = {
        "first accounts": pull("banking-accounts", PullStatus.COMPLETE, old),
        "refreshed accounts": pull("banking-accounts", PullStatus.COMPLETE, old + timedelta(days=1)),
        "failed accounts": pull("banking-accounts", PullStatus.FETCH_ERROR, old + timedelta(days=2)),
        "only transactions": pull("banking-transactions", PullStatus.COMPLETE, old),
        "stuck categories": pull("banking-transactionCategories", PullStatus.FETCHING, old),
        "recent failure": pull("banking-transactions", PullStatus.FETCH_ERROR, recent),
        # A type that never pulled successfully has no last success to keep: its old failures go too.
        "never succeeded": pull("banking-accountBalances", PullStatus.FETCH_ERROR, old),
    }
    session.add_all(pulls.values())
    await session.commit()

    assert await service.prune_history(sessionmaker, 365, now=now) == 3
    left = set(
        await session.scalars(select(PullOperation.id).where(PullOperation.connection_id == connection.id))
    )
    assert {name for name, p in pulls.items() if p.id in left} == {
        "refreshed accounts",
        "only transactions",
        "stuck categories",
        "recent failure",
    }
    assert await service.prune_history(sessionmaker, 0, now=now) == 0
