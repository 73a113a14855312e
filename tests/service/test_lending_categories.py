"""Account categorization's service: a company's accounts of every accounting connection, categorized."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.lending.categories import service
from ledgerlink.records.models import Record
from ledgerlink.records.store import SINGLE_RECORD_ID
from tests.support.rows import company_with

pytestmark = pytest.mark.anyio


def stored(
    connection_id: uuid.UUID, data_type: str, record_id: str, data: dict[str, Any], **more: Any
) -> Record:
    return Record(
        connection_id=connection_id,
        data_type=data_type,
        record_id=record_id,
        data={"id": record_id, **data},
        content_hash=hash(repr(sorted(data.items()))),
        modified_date=utcnow(),
        record_date=None,
        **more,
    )


async def test_accounts_of_every_accounting_connection_are_categorized_with_the_company_s_country(
    session: AsyncSession, principal: Principal
) -> None:
    company, (xero, sandbox, bank) = await company_with(
        session, principal.client_id, ("gbol", "Linked"), ("mqjo", "Linked"), ("qhnd", "Linked")
    )
    session.add_all(
        [
            stored(
                xero.id,
                "chartOfAccounts",
                "x-1",
                {
                    "name": "Zqx",
                    "nominalCode": "820",
                    "type": "Liability",
                    "fullyQualifiedCategory": "Liability.Current",
                },
            ),
            stored(xero.id, "company", SINGLE_RECORD_ID, {"addresses": [{"country": "Australia"}]}),
            stored(
                sandbox.id,
                "chartOfAccounts",
                "s-1",
                {"name": "Petty Cash", "nominalCode": "1230", "type": "Asset"},
            ),
            stored(sandbox.id, "chartOfAccounts", "s-2", {"name": "Gone"}, is_deleted=True),
            stored(sandbox.id, "company", SINGLE_RECORD_ID, {"baseCurrency": "GBP"}),
            # A banking connection's records are no chart of accounts.
            stored(bank.id, "chartOfAccounts", "b-1", {"name": "Sales"}),
        ]
    )
    await session.flush()

    found = await service.categorized_accounts(session, company.id)

    by_id = {a.account_id: a for a in found}
    assert set(by_id) == {"x-1", "s-1"}
    assert by_id["x-1"].connection_id == xero.id
    assert by_id["x-1"].path == ("Liability", "Current", "Taxes", "SalesTaxPayable")
    assert "Xero default chart" in by_id["x-1"].reason
    assert by_id["s-1"].path == ("Asset", "Current", "Cash")
    assert by_id["s-1"].status == "Suggested" and by_id["s-1"].nominal_code == "1230"
    assert all(level.confidence is not None for a in found for level in a.levels)


async def test_a_company_without_accounts_has_none(session: AsyncSession, principal: Principal) -> None:
    company, _ = await company_with(session, principal.client_id, ("mqjo", "PendingAuth"))
    assert await service.categorized_accounts(session, company.id) == []
