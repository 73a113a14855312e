"""Aged debtors and creditors: who owes the business (and whom it owes) how much, by how old the debt is.

Codat's `GET /companies/{companyId}/reports/agedDebtor` and `.../agedCreditor` (and their `/available`),
worked out from the books' documents as they stood on the report date:

- a document counts when it was issued before the report date (Codat: "up to, but not including" it) and is
  neither void, a draft nor deleted;
- what it had outstanding then is what it has outstanding now (`amountDue`, or a credit note's
  `remainingCredit`) with every allocation dated on or after the report date undone, so a payment made after
  the report date does not reduce it. Anchored on the platform's own `amountDue`, a report for today is
  exactly the sum of the open documents' `amountDue`, whether or not the platform lists every allocation;
- it is aged by its issue date (as Codat's report is), into `numberOfPeriods` periods of `periodLengthDays`
  days counted back from the report date, the oldest period open-ended (from 0001-01-01);
- invoices and bills count positive, credit notes negative, grouped per customer (supplier) and currency,
  with the amount of each document type in each period as `details`.

PostgreSQL does the per-document work (one pass over the documents issued before the report date, each read
as JSON once) and gives back one sum per contact, currency, document type and issue day; the periods are
laid over those sums here (`period_of`, pure). Money is summed as `numeric` and handled as `Decimal`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Integer, String, Uuid, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service as companies
from ledgerlink.connectors import registry as connectors
from ledgerlink.connectors.codat_shapes import timestamp
from ledgerlink.data import reads
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest
from ledgerlink.records import registry
from ledgerlink.records.models import RecordCount
from ledgerlink.records.registry import SourceType

DEFAULT_PERIODS = 4
DEFAULT_PERIOD_DAYS = 30
# Codat documents no limits; these keep a report readable and its dates within the calendar.
MAX_PERIODS = 120
MAX_PERIOD_DAYS = 3650
# The oldest period has no start: Codat writes it as the first day of the calendar.
_BEGINNING = date(1, 1, 1)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class DocumentKind:
    """A data type that makes up an aged report: what it owes (`outstanding`, signed by `sign`)."""

    data_type: str
    detail: str  # its name in a period's `details` (Codat's: `Invoices`, `CreditNotes`, ...)
    outstanding: str  # `amountDue`, or a credit note's `remainingCredit`
    sign: int  # +1 owed to the business (invoices) or by it (bills); -1 for credit notes


@dataclass(frozen=True)
class Ledger:
    """One of the two aged reports: the documents it reads and how it names whoever owes or is owed."""

    report: str
    documents: tuple[DocumentKind, ...]
    contact_ref: str  # the documents' ref to the contact (`customerRef`)
    ref_name: str  # the contact's name in that ref (`companyName`)
    contacts: str  # the contacts' data type (`customers`)
    contact_name: str  # the name in a contact record (`customerName`)
    id_key: str  # the report's keys (`customerId`, `customerName`)
    name_key: str

    @property
    def data_types(self) -> tuple[str, ...]:
        return tuple(kind.data_type for kind in self.documents)


DEBTORS = Ledger(
    report="agedDebtor",
    documents=(
        DocumentKind("invoices", "Invoices", "amountDue", 1),
        DocumentKind("creditNotes", "CreditNotes", "remainingCredit", -1),
    ),
    contact_ref="customerRef",
    ref_name="companyName",
    contacts="customers",
    contact_name="customerName",
    id_key="customerId",
    name_key="customerName",
)
CREDITORS = Ledger(
    report="agedCreditor",
    documents=(
        DocumentKind("bills", "Bills", "amountDue", 1),
        DocumentKind("billCreditNotes", "BillCreditNotes", "remainingCredit", -1),
    ),
    contact_ref="supplierRef",
    ref_name="supplierName",
    contacts="suppliers",
    contact_name="supplierName",
    id_key="supplierId",
    name_key="supplierName",
)


# ------------------------------------------------------------------------------------- the periods (pure)
@dataclass(frozen=True)
class Period:
    """Documents issued from `from_date` up to, not including, `to_date`."""

    from_date: date
    to_date: date


@dataclass(frozen=True)
class AgeingSettings:
    """Codat's parameters, checked: the report date and the periods it is cut into."""

    report_date: date
    number_of_periods: int
    period_length_days: int

    @classmethod
    def of(
        cls, report_date: date | None, number_of_periods: int | None, period_length_days: int | None
    ) -> AgeingSettings:
        """Raises `BadRequest` (Codat's 400) for a value out of range; defaults as Codat's: today, 4, 30."""
        periods = DEFAULT_PERIODS if number_of_periods is None else number_of_periods
        length = DEFAULT_PERIOD_DAYS if period_length_days is None else period_length_days
        if not 1 <= periods <= MAX_PERIODS:
            raise BadRequest(f"numberOfPeriods must be between 1 and {MAX_PERIODS}.")
        if not 1 <= length <= MAX_PERIOD_DAYS:
            raise BadRequest(f"periodLengthDays must be between 1 and {MAX_PERIOD_DAYS}.")
        when = report_date or utcnow().date()
        if (when - _BEGINNING).days < (periods - 1) * length:
            raise BadRequest("The periods requested begin before the year 1: use fewer or shorter periods.")
        return cls(when, periods, length)

    def periods(self) -> list[Period]:
        """Newest first, as Codat lists them; the last runs from the beginning of the calendar."""
        length = timedelta(days=self.period_length_days)
        found = []
        for n in range(self.number_of_periods):
            to_date = self.report_date - n * length
            last = n == self.number_of_periods - 1
            found.append(Period(_BEGINNING if last else to_date - length, to_date))
        return found

    def period_of(self, issued: date) -> int | None:
        """The index (into `periods()`) of the period a document issued on `issued` falls in; None when it
        was issued on or after the report date (not on the report)."""
        age = (self.report_date - issued).days
        if age < 1:
            return None
        return min((age - 1) // self.period_length_days, self.number_of_periods - 1)


# ------------------------------------------------------------------------------------- where the books are
def _is_accounting(platform_key: str) -> bool:
    connector = connectors.get(platform_key)
    return connector is not None and connector.info.source_type is SourceType.ACCOUNTING


def _provides(platform_key: str, data_type: str) -> bool:
    connector = connectors.get(platform_key)
    return connector is not None and data_type in connector.info.data_types


async def is_available(session: AsyncSession, principal: Principal, company_id: str, ledger: Ledger) -> bool:
    """Whether the company has a Linked accounting connection that has pulled every type the report reads
    that its platform provides (the documents, `invoices` or `bills`, at least). 404 for an unknown
    company."""
    company = await companies.get(session, principal, company_id)
    linked = [c for c in company.connections if c.status == "Linked" and _is_accounting(c.integration_key)]
    for connection in linked:
        needed = {t for t in ledger.data_types if _provides(connection.integration_key, t)}
        if ledger.documents[0].data_type not in needed:
            continue
        pulled = set(
            await session.scalars(
                select(RecordCount.data_type).where(
                    RecordCount.connection_id == connection.id, RecordCount.data_type.in_(needed)
                )
            )
        )
        if pulled == needed:
            return True
    return False


async def _books_of(
    session: AsyncSession, principal: Principal, company_id: str, data_type: str
) -> uuid.UUID:
    """The accounting connection a report reads: the one that last pulled `data_type`, as the read API
    chooses; the read API's 404 (unknown company, a platform without the type) or 409 (never pulled)."""
    src = await reads.source(session, principal, registry.BY_KEY[data_type], company_id, None)
    return src.connection_id


# ------------------------------------------------------------------------------------------- the report
# One row per contact, currency and issue day of a document type: what its documents issued before the
# report date had outstanding on it. Each record is parsed once (`::jsonb`); an allocation dated on or after
# the report date is undone (subtracted: Codat's allocations carry the sign that reduced what was owed).
_OUTSTANDING = text(
    """
    SELECT contact_id, max(contact_name) AS contact_name, currency, issued, sum(owed) AS owed
    FROM (
        SELECT d.j -> :contact_ref ->> 'id' AS contact_id,
               coalesce(c.data ->> :contact_name, d.j -> :contact_ref ->> :ref_name) AS contact_name,
               d.j ->> 'currency' AS currency,
               (d.record_date AT TIME ZONE 'UTC')::date AS issued,
               :sign * CASE WHEN jsonb_typeof(d.j -> :outstanding) = 'number'
                            THEN (d.j ->> :outstanding)::numeric ELSE 0 END
               - coalesce((
                   SELECT sum((a -> 'allocation' ->> 'totalAmount')::numeric)
                   FROM jsonb_array_elements(
                       CASE WHEN jsonb_typeof(d.j -> 'paymentAllocations') = 'array'
                            THEN d.j -> 'paymentAllocations' ELSE '[]'::jsonb END) AS a
                   WHERE jsonb_typeof(a -> 'allocation' -> 'totalAmount') = 'number'
                     AND left(coalesce(a -> 'allocation' ->> 'allocatedOnDate',
                                       a -> 'payment' ->> 'paidOnDate'), 10) >= :report_day
               ), 0) AS owed
        FROM (
            SELECT r.connection_id, r.record_date, r.data::jsonb AS j
            FROM records r
            WHERE r.connection_id = :connection AND r.data_type = :data_type AND NOT r.is_deleted
              AND r.record_date < :report_moment
            OFFSET 0  -- a fence: PostgreSQL would otherwise inline `j` and parse the record at every use
        ) AS d
        LEFT JOIN records c
          ON c.connection_id = d.connection_id AND c.data_type = :contacts
         AND c.record_id = (d.j -> :contact_ref ->> 'id') COLLATE "C"
        WHERE coalesce(d.j ->> 'status', '') NOT IN ('Void', 'Draft')
          AND (d.j -> 'metadata' -> 'isDeleted') IS DISTINCT FROM 'true'::jsonb
    ) AS documents
    WHERE owed <> 0
    GROUP BY contact_id, currency, issued
    """
).bindparams(
    bindparam("connection", type_=Uuid),
    bindparam("report_moment", type_=DateTime(timezone=True)),
    bindparam("sign", type_=Integer),
    *(
        bindparam(name, type_=String)
        for name in (
            "data_type",
            "contacts",
            "contact_ref",
            "ref_name",
            "contact_name",
            "outstanding",
            "report_day",
        )
    ),
)


@dataclass
class _Contact:
    name: str | None
    # currency -> period index -> detail name -> amount
    owed: dict[str | None, dict[int, dict[str, Decimal]]]


def _amount(value: Decimal) -> float:
    """A JSON number of an exact decimal sum, to the cent."""
    return float(value.quantize(_CENT)) or 0.0


def _day(value: date) -> str:
    """A date as Codat writes one (midnight, no zone); `isoformat` keeps year 1's four digits."""
    return f"{value.isoformat()}T00:00:00"


def _period_shape(period: Period, details: dict[str, Decimal]) -> dict[str, Any]:
    return {
        "fromDate": _day(period.from_date),
        "toDate": _day(period.to_date),
        "amount": _amount(sum(details.values(), Decimal(0))),
        "details": [{"name": name, "amount": _amount(amount)} for name, amount in details.items()],
    }


def _report_shape(
    ledger: Ledger, settings: AgeingSettings, contacts: dict[str, _Contact], generated: datetime
) -> dict[str, Any]:
    """Codat's `AccountingAgedDebtorReport` / `AccountingAgedCreditorReport`: contacts by name, then id."""
    periods = settings.periods()
    data = []
    for contact_id, contact in sorted(contacts.items(), key=lambda item: (item[1].name or "", item[0])):
        data.append(
            {
                ledger.id_key: contact_id,
                ledger.name_key: contact.name,
                "agedCurrencyOutstanding": [
                    {
                        "currency": currency,
                        "agedOutstandingAmounts": [
                            _period_shape(period, by_period.get(n, {})) for n, period in enumerate(periods)
                        ],
                    }
                    for currency, by_period in sorted(contact.owed.items(), key=lambda item: item[0] or "")
                ],
            }
        )
    return {"generated": timestamp(generated), "reportDate": _day(settings.report_date), "data": data}


async def aged_report(
    session: AsyncSession, principal: Principal, company_id: str, ledger: Ledger, settings: AgeingSettings
) -> dict[str, Any]:
    """The aged report of the company's books on `settings.report_date`."""
    connection_id = await _books_of(session, principal, company_id, ledger.documents[0].data_type)
    report_moment = datetime.combine(settings.report_date, time(), UTC)
    contacts: dict[str, _Contact] = {}
    for kind in ledger.documents:
        rows = await session.execute(
            _OUTSTANDING,
            {
                "connection": connection_id,
                "data_type": kind.data_type,
                "contacts": ledger.contacts,
                "contact_ref": ledger.contact_ref,
                "ref_name": ledger.ref_name,
                "contact_name": ledger.contact_name,
                "outstanding": kind.outstanding,
                "sign": kind.sign,
                "report_day": settings.report_date.isoformat(),
                "report_moment": report_moment,
            },
        )
        for row in rows:
            n = settings.period_of(row.issued)
            if n is None:
                continue
            # A document without a contact still counts (under an empty id): the totals stay whole.
            contact = contacts.setdefault(row.contact_id or "", _Contact(row.contact_name, defaultdict(dict)))
            contact.name = contact.name or row.contact_name
            details = contact.owed[row.currency].setdefault(n, {})
            details[kind.detail] = details.get(kind.detail, Decimal(0)) + row.owed
    return _report_shape(ledger, settings, contacts, utcnow())
