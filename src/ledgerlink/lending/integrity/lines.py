"""A matching run's bank lines, extracted by PostgreSQL into a temporary table (`integrity_lines`), so a run
at 10^6 lines a side costs no per-record work in Python: the records' JSON is read once, in SQL, for the
few fields matching and the stored results need, and the results are built from the table in SQL too.

What makes a record a line, and each field's value, is `lending.bank_lines`' `_line` (its docstring's rules)
spelt in SQL, so data integrity and the other lending analyses agree on what a bank line is:

- a record of the source's transactions data type, not deleted (the row's flag or `metadata.isDeleted`),
  a JSON object with a non-empty string `id` and `accountId`;
- dated by the first ten characters of its `postedDate` (bank) or `clearedOnDate` (books) string, read as
  Python's `date.fromisoformat` reads them (`YYYY-MM-DD` or `YYYYMMDD`, a real calendar day);
- an amount as `Decimal(str(value))` has it: a JSON integer as written, a JSON fraction as the shortest
  spelling of its double (what Python's `float` prints: `100.0`, `12.5`), a numeric string as written;
- currency and description stripped of white space as `str.strip` strips it; a line without a currency
  takes its account's (`bank_accounts`), and none at all is `XXX`, as the stored rows always had it.

`cents` is the amount in cents rounded half to even (Python's `Decimal.to_integral_value`), `day` the date as
`date.toordinal` numbers it; `n` identifies the line within the run (the stored match is built from it);
`date_key` and `sort_id` keep `bank_lines`' order of an account's lines, which breaks matching's ties.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.lending.bank_lines import BankAccountRef

# Every character `str.strip` strips (`str.isspace`), for PostgreSQL's `btrim`.
WHITE_SPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())

_CREATE = text(
    """
    CREATE TEMPORARY TABLE integrity_lines (
        n bigint GENERATED ALWAYS AS IDENTITY,
        data_type text NOT NULL,
        connection_id uuid NOT NULL,
        record_id text NOT NULL,
        sort_id text COLLATE "C" NOT NULL,
        account_id text NOT NULL,
        date_key text COLLATE "C" NOT NULL,
        day date NOT NULL,
        amount numeric NOT NULL,
        cents numeric NOT NULL,
        currency text NOT NULL,
        description text NOT NULL
    ) ON COMMIT DROP
    """
)

# One source's lines into the table. The innermost query parses each record's JSON once (the `OFFSET 0`
# fence); the next spells the fields; the outer keeps the lines with a real date and an amount.
_INSERT = text(
    r"""
    INSERT INTO integrity_lines
        (data_type, connection_id, record_id, sort_id, account_id, date_key, day, amount, cents, currency,
         description)
    SELECT f.data_type, f.connection_id, f.id, f.record_id, f.account_id, f.date_key, f.day, f.amount,
           CASE WHEN abs(f.amount * 100 - trunc(f.amount * 100)) = 0.5
                THEN trunc(f.amount * 100) + CASE WHEN mod(trunc(f.amount * 100), 2) <> 0
                                                  THEN sign(f.amount) ELSE 0 END
                ELSE round(f.amount * 100) END,
           coalesce(f.currency, nullif(a.currency, ''), 'XXX'), f.description
    FROM (
        SELECT r.data_type, r.connection_id, r.record_id, r.j ->> 'id' AS id,
               r.j ->> 'accountId' AS account_id, d.date_key,
               CASE WHEN d.iso ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'
                         AND d.iso NOT LIKE '0000%'
                    THEN CASE WHEN substr(d.iso, 9, 2)::int <= extract(day FROM make_date(
                                       substr(d.iso, 1, 4)::int, substr(d.iso, 6, 2)::int, 1)
                                       + interval '1 month - 1 day')
                              THEN d.iso::date END
               END AS day,
               CASE jsonb_typeof(r.j -> 'amount')
                   WHEN 'number' THEN
                       CASE WHEN r.j ->> 'amount' !~ '[.eE]' THEN (r.j ->> 'amount')::numeric
                            ELSE (CASE WHEN d.float ~ '^-?[0-9]+$' THEN d.float || '.0'
                                       ELSE d.float END)::numeric END
                   WHEN 'string' THEN
                       CASE WHEN r.j ->> 'amount'
                                 ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,4})?\s*$'
                            THEN (r.j ->> 'amount')::numeric END
               END AS amount,
               nullif(btrim(CASE WHEN jsonb_typeof(r.j -> 'currency') = 'string'
                                 THEN r.j ->> 'currency' END, :space), '') AS currency,
               coalesce(btrim(CASE WHEN jsonb_typeof(r.j -> 'description') = 'string'
                                   THEN r.j ->> 'description' END, :space), '') AS description
        FROM (
            SELECT r.data_type, r.connection_id, r.record_id, r.data::jsonb AS j
            FROM connections c
            JOIN records r ON r.connection_id = c.id
            WHERE c.company_id = :company AND r.data_type = :data_type AND NOT r.is_deleted
            OFFSET 0
        ) AS r
        CROSS JOIN LATERAL (
            SELECT left(r.j ->> :dated_by, 10) AS date_key,
                   CASE WHEN left(r.j ->> :dated_by, 10) ~ '^[0-9]{8}$'
                        THEN substr(r.j ->> :dated_by, 1, 4) || '-' || substr(r.j ->> :dated_by, 5, 2) || '-'
                             || substr(r.j ->> :dated_by, 7, 2)
                        ELSE left(r.j ->> :dated_by, 10) END AS iso,
                   CASE WHEN jsonb_typeof(r.j -> 'amount') = 'number' AND r.j ->> 'amount' ~ '[.eE]'
                        THEN (r.j ->> 'amount')::float8::text END AS float
        ) AS d
        WHERE jsonb_typeof(r.j) = 'object'
          AND (r.j -> 'metadata' -> 'isDeleted') IS DISTINCT FROM 'true'::jsonb
          AND jsonb_typeof(r.j -> 'id') = 'string' AND r.j ->> 'id' <> ''
          AND jsonb_typeof(r.j -> 'accountId') = 'string' AND r.j ->> 'accountId' <> ''
          AND jsonb_typeof(r.j -> :dated_by) = 'string'
        OFFSET 0
    ) AS f
    LEFT JOIN unnest(CAST(:account_connections AS uuid[]), CAST(:account_ids AS text[]),
                     CAST(:account_currencies AS text[])) AS a (connection_id, account_id, currency)
        ON a.connection_id = f.connection_id AND a.account_id = f.account_id
    WHERE f.day IS NOT NULL AND f.amount IS NOT NULL
    """
).bindparams(bindparam("company", type_=Uuid))


async def extract(
    session: AsyncSession,
    company_id: uuid.UUID,
    sources: Sequence[tuple[str, str, Sequence[BankAccountRef]]],
) -> None:
    """Create `integrity_lines` (dropped at the transaction's end, or by `drop`) with the lines of each
    `(transactions data type, the property dating a line, the source's accounts)`."""
    await session.execute(_CREATE)
    for data_type, dated_by, accounts in sources:
        # One currency per account as `bank_lines` keeps it (the last record of an id wins).
        currencies = {(a.connection_id, a.account_id): a.currency for a in accounts}
        await session.execute(
            _INSERT,
            {
                "company": company_id,
                "data_type": data_type,
                "dated_by": dated_by,
                "space": WHITE_SPACE,
                "account_connections": [key[0] for key in currencies],
                "account_ids": [key[1] for key in currencies],
                "account_currencies": list(currencies.values()),
            },
        )
    await session.execute(text("ANALYZE integrity_lines"))


async def drop(session: AsyncSession) -> None:
    await session.execute(text("DROP TABLE IF EXISTS integrity_lines, integrity_pairs"))
