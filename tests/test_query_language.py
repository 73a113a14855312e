"""Codat's `query=` language: the parser on its own, then the SQL it compiles to, run in the real PostgreSQL
against random records and random queries and compared with the plain evaluator in `query_reference`."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, DateTime, Integer, MetaData, Numeric, Table, Text, select, text
from sqlalchemy.dialects.postgresql import JSON

from ledgerlink.db import sqlalchemy_url
from ledgerlink.kit.errors import BadRequest
from ledgerlink.kit.query import (
    MAX_QUERY_LENGTH,
    And,
    Comparison,
    Field,
    JsonProperty,
    Kind,
    Node,
    Op,
    Or,
    QueryTarget,
    columns_target,
    compile_query,
    jsonb_target,
    order_by_clause,
    parse,
    parse_datetime,
)
from tests.support.query_reference import InvalidQuery, check, evaluate

MALFORMED = "Error parsing query - Malformed query."

STATUSES = ("Draft", "Paid", "Void", "PartiallyPaid")
PROPERTIES: dict[str, JsonProperty] = {
    "name": JsonProperty(Kind.TEXT),
    "amount": JsonProperty(Kind.NUMBER),
    "isActive": JsonProperty(Kind.BOOLEAN),
    "issueDate": JsonProperty(Kind.DATETIME),
    "status": JsonProperty(Kind.ENUM, STATUSES),
    "customerRef.id": JsonProperty(Kind.TEXT),
    "metadata.isDeleted": JsonProperty(Kind.BOOLEAN),
}

_suffix = uuid.uuid4().hex[:8]
metadata = MetaData()
records_table = Table(
    f"query_records_{_suffix}",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("data", JSON, nullable=False),  # as `records.data`
)
typed_table = Table(
    f"query_typed_{_suffix}",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", DateTime(timezone=True)),
    Column("label", Text),
    Column("amount", Numeric),
)

RECORD_TARGET = jsonb_target("Record", lambda: records_table.c.data, PROPERTIES)

TYPED_PROPERTIES: dict[str, JsonProperty] = {
    "created": JsonProperty(Kind.DATETIME),
    "label": JsonProperty(Kind.TEXT),
    "amount": JsonProperty(Kind.NUMBER),
}
TYPED_TARGET = columns_target(
    "Typed",
    {
        "created": Field(Kind.DATETIME, lambda: typed_table.c.created),
        "label": Field(Kind.TEXT, lambda: typed_table.c.label),
        "amount": Field(Kind.NUMBER, lambda: typed_table.c.amount),
    },
)


def c(path: str, op: str, value: str) -> Comparison:
    return Comparison(tuple(path.split(".")), Op(op), value)


# --- parser ----------------------------------------------------------------------------------------


def test_and_binds_tighter_than_or() -> None:
    assert parse("a=1||b=2&&c=3") == Or((c("a", "=", "1"), And((c("b", "=", "2"), c("c", "=", "3")))))
    assert parse("a=1&&b=2||c=3") == Or((And((c("a", "=", "1"), c("b", "=", "2"))), c("c", "=", "3")))
    assert parse("a=1&&b=2&&c=3") == And((c("a", "=", "1"), c("b", "=", "2"), c("c", "=", "3")))


def test_braces_group() -> None:
    assert parse("{a=1||b=2}&&c=3") == And((Or((c("a", "=", "1"), c("b", "=", "2"))), c("c", "=", "3")))
    assert parse("{{a=1}}") == c("a", "=", "1")
    assert parse("{a=1&&b=2}&&c=3") == And((And((c("a", "=", "1"), c("b", "=", "2"))), c("c", "=", "3")))


def test_every_operator() -> None:
    for op in Op:
        assert parse(f"amount{op.value}5") == c("amount", op.value, "5")


def test_whitespace_around_operators_separators_and_braces() -> None:
    assert parse("  { a  >=  5 }  &&  b !=  x  ||c~ y ") == Or(
        (And((c("a", ">=", "5"), c("b", "!=", "x"))), c("c", "~", "y"))
    )


def test_values_keep_inner_spaces_and_other_punctuation() -> None:
    assert parse("name=Bank of Dave") == c("name", "=", "Bank of Dave")
    assert parse("name = Bank of Dave && amount>5") == And(
        (c("name", "=", "Bank of Dave"), c("amount", ">", "5"))
    )
    assert parse("name=a=b {c & d | e") == c("name", "=", "a=b {c & d | e")
    assert parse("name==x") == c("name", "=", "=x")


def test_dotted_paths() -> None:
    assert parse("customerRef.id=abc") == Comparison(("customerRef", "id"), Op.EQ, "abc")
    assert parse("$meta.some-key=1") == Comparison(("$meta", "some-key"), Op.EQ, "1")


def test_double_encoded_queries_are_decoded_again() -> None:
    # `id%253D5` on the wire; the framework decoded it once to `id%3D5`.
    assert parse("id%3D5") == c("id", "=", "5")
    assert parse("name%3DBank%20of%20Dave%26%26amount%3E%3D5") == And(
        (c("name", "=", "Bank of Dave"), c("amount", ">=", "5"))
    )
    assert parse("%7Ba%3D1%7C%7Cb%3D2%7D") == Or((c("a", "=", "1"), c("b", "=", "2")))
    # A `%` that starts no escape is left alone.
    assert parse("name=100%") == c("name", "=", "100%")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "=5",
        "a=",
        "a= ",
        "a 5",
        "a",
        "{a=1",
        "a=1}",
        "{a=1}}",
        "{}",
        "a=1&&",
        "a=1||",
        "&&a=1",
        "a=1&&&&b=2",
        "a=1||||b=2",
        "1a=5",
        "a.=5",
        ".a=5",
        "a..b=5",
        "a=1&&{b=2",
        "a=1 && {}",
        "%3D5",
    ],
)
def test_malformed_queries(raw: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse(raw)
    assert caught.value.message == MALFORMED
    assert caught.value.status_code == 400


def test_length_limit() -> None:
    longest = "name=" + "x" * (MAX_QUERY_LENGTH - 1 - len("name="))
    assert parse(longest) == c("name", "=", longest[5:])
    with pytest.raises(BadRequest) as caught:
        parse(longest + "x")
    assert caught.value.message == "Error parsing query - Query must be shorter than 2048 characters."


def test_unknown_property() -> None:
    with pytest.raises(BadRequest) as caught:
        compile_query("amount>1&&nope=1", RECORD_TARGET)
    assert "Could not resolve property nope on Record" in caught.value.message
    with pytest.raises(BadRequest, match=r"Could not resolve property customerRef\.name"):
        compile_query("customerRef.name=1", RECORD_TARGET)


@pytest.mark.parametrize(
    "raw",
    [
        "amount~5",
        "isActive~true",
        "issueDate~2024",
        "isActive>true",
        "isActive<=false",
        "name>a",
        "name<a",
        "status>=Paid",
        "customerRef.id<5",
        "metadata.isDeleted>true",
    ],
)
def test_operator_not_valid_for_the_kind(raw: str) -> None:
    with pytest.raises(BadRequest, match="cannot be used on"):
        compile_query(raw, RECORD_TARGET)


@pytest.mark.parametrize(
    "raw",
    [
        "amount=abc",
        "amount=NaN",
        "amount>Infinity",
        "amount=1,5",
        "isActive=yes",
        "isActive=1",
        "issueDate=yesterday",
        "issueDate>2024-02-30",
        "issueDate=2024-01-01Z",
        "metadata.isDeleted=maybe",
    ],
)
def test_value_not_valid_for_the_kind(raw: str) -> None:
    with pytest.raises(BadRequest, match="is not a valid value for"):
        compile_query(raw, RECORD_TARGET)


def test_no_query_compiles_to_nothing() -> None:
    assert compile_query(None, RECORD_TARGET) is None
    assert compile_query("", RECORD_TARGET) is None
    assert compile_query("  ", RECORD_TARGET) is None


def test_paths_resolve_case_insensitively() -> None:
    assert compile_query("NAME=x&&CustomerRef.ID=y&&isactive=TRUE&&STATUS~paid", RECORD_TARGET) is not None


# --- generators ------------------------------------------------------------------------------------
#
# Query values are rendered into query strings verbatim, so the ones we generate must read back as
# themselves. The grammar ends a value at the next `&&`, `||` or `}` and trims it, and `parse` URL-decodes
# the whole query once more when it contains `%` followed by two hex digits. So a rendered value:
# - is non-empty and has no leading or trailing whitespace;
# - contains no `&&`, `||` or `}` (single `&`, `|`, `{`, `=`, `~`, `%` are fine and deliberately in the
#   alphabet), and does not end in `&` or `|` (followed by a `&&` separator, `a&` + `&&` reads `a`, `&&`);
# - contains no `%XX` escape (so nothing is decoded unless a test quotes the whole query on purpose).
# Stored values have no such limits. Text comes from a small alphabet so that equality and `~` hits are
# common; `é`/`É` check that case-insensitivity is not ASCII-only.

TEXT_ALPHABET = "abAB é12-'=&|{~%+"
STORED_ALPHABET = TEXT_ALPHABET + "}"


def renderable(value: str) -> bool:
    return (
        bool(value)
        and value == value.strip()
        and "&&" not in value
        and "||" not in value
        and "}" not in value
        and not value.endswith(("&", "|"))
        and not re.search("%[0-9A-Fa-f]{2}", value)
    )


query_texts = st.text(TEXT_ALPHABET, min_size=1, max_size=6).filter(renderable)


@st.composite
def random_case(draw: st.DrawFn, value: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(value), max_size=len(value)))
    return "".join(ch.swapcase() if flip else ch for ch, flip in zip(value, flips, strict=True))


numbers = st.one_of(
    st.integers(-3, 3).map(Decimal),
    st.decimals(min_value=-10, max_value=10, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("1E+3"), Decimal("0.001"), Decimal("-0"), Decimal("123456789.123456789")]),
)


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Instants a few days apart around a leap day, some exactly midnight UTC (so date-only forms hit)."""
    return datetime(2024, 2, 27, tzinfo=UTC) + timedelta(
        days=draw(st.integers(0, 3)),
        hours=draw(st.sampled_from([0, 0, 5, 23])),
        minutes=draw(st.sampled_from([0, 0, 30, 59])),
        seconds=draw(st.sampled_from([0, 0, 1, 59])),
        microseconds=draw(st.sampled_from([0, 0, 0, 1, 500000, 999999, 123456])),
    )


OFFSETS = [timezone(timedelta(hours=h, minutes=m)) for h, m in ((5, 30), (-8, 0), (14, 0))]


@st.composite
def datetime_text(draw: st.DrawFn, instant: datetime) -> str:
    """One of the many ways to write `instant` (or, date-only, the midnight UTC of its UTC day).

    Fractions come with 1 to 7 digits: Codat writes 7, one more than a microsecond holds.
    """
    form = draw(st.sampled_from(["date", "utc", "utc", "naive", "offset", "offset"]))
    if form == "date":
        return instant.date().isoformat()
    tz = draw(st.sampled_from(OFFSETS)) if form == "offset" else UTC
    local = instant.astimezone(tz)
    rendered = local.strftime("%Y-%m-%d") + draw(st.sampled_from(["T", " "])) + local.strftime("%H:%M")
    if local.second or local.microsecond or draw(st.booleans()):
        rendered += local.strftime(":%S")
        digits = f"{local.microsecond:06d}"
        style = draw(st.sampled_from(["none", "six", "short", "seven", "seven", "seven"]))
        if style == "six" or (style == "none" and local.microsecond):
            rendered += "." + digits
        elif style == "short" and digits.rstrip("0"):
            rendered += "." + digits.rstrip("0")
        elif style == "seven":
            rendered += "." + digits + str(draw(st.integers(0, 9)))
    if form == "utc":
        rendered += draw(st.sampled_from(["Z", "z", "+00:00"]))
    elif form == "offset":
        rendered += local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]
    return rendered


@st.composite
def json_number(draw: st.DrawFn, number: Decimal) -> Decimal | int:
    """`number` as stored JSON: as an integer, or a Decimal whose exponent varies its written form."""
    forms: list[Decimal | int] = [number, Decimal(format(number, "f")), Decimal(format(number, "e"))]
    if number == number.to_integral_value():
        forms.append(int(number))
    return draw(st.sampled_from(forms))


@st.composite
def query_number(draw: st.DrawFn, number: Decimal) -> str:
    forms = [str(number), format(number, "f"), format(number, "e"), format(number, "E")]
    if not number.is_signed():
        forms.append("+" + str(number))
    if "." in forms[1]:
        forms.append(forms[1] + "00")
    return draw(st.sampled_from(forms))


@dataclass(frozen=True)
class Vocabulary:
    """The few values one example's records and queries are both drawn from, so that they often meet."""

    texts: list[str]
    numbers: list[Decimal]
    instants: list[datetime]


vocabularies = st.builds(
    Vocabulary,
    st.lists(query_texts, min_size=1, max_size=4),
    st.lists(numbers, min_size=1, max_size=4),
    st.lists(instants(), min_size=1, max_size=2),
)

# Any JSON value; for most kinds some of these are of the wrong type.
ODD_VALUES: list[Any] = [5, Decimal("-1.5"), True, False, "5", "true", "", "Paid", [], {}, ["x"], {"id": "x"}]


def mistyped_value(kind: Kind, vocabulary: Vocabulary) -> st.SearchStrategy[Any]:
    """A value of the wrong JSON type that a query could still hit if types were ignored: a vocabulary
    number stored where text is declared (`name=1` must not find the number 1), a number written as a
    string where a number is declared, `"true"` where a boolean is declared, ..."""
    numbers_ = st.sampled_from(vocabulary.numbers)
    if kind in (Kind.TEXT, Kind.ENUM):
        return st.one_of(
            numbers_.flatmap(json_number), st.booleans(), st.sampled_from(vocabulary.texts).map(lambda t: [t])
        )
    if kind is Kind.NUMBER:
        return st.one_of(numbers_.map(str), st.booleans())
    if kind is Kind.BOOLEAN:
        return st.sampled_from(["true", "false", 1, 0, [True]])
    assert kind is Kind.DATETIME
    instants_ = st.sampled_from(vocabulary.instants)
    return st.one_of(
        numbers_.flatmap(json_number),
        st.booleans(),
        instants_.map(lambda instant: {"date": instant.isoformat()}),
        # Strings that are no date to `parse_datetime` (so read as missing), though some are to PostgreSQL:
        # its special words, and dates that are not ISO-8601. (Not `T24:00` or a trailing zone name such
        # as `PST`: PostgreSQL reads those, `parse_datetime` does not, and the compiler cannot tell.)
        st.sampled_from(["not a date", "2024-02-30", "2024-02-29T25:00", "infinity", "-infinity", "epoch"]),
        st.sampled_from(["today", "now"]),
        instants_.map(lambda instant: instant.strftime("%Y%m%d")),
        instants_.map(lambda instant: instant.strftime("%b %d %Y %H:%M")),
        instants_.map(lambda instant: f"{instant.year}-{instant.month}-{instant.day}"),
    )


def stored_value(kind: Kind, enum_values: tuple[str, ...], vocabulary: Vocabulary) -> st.SearchStrategy[Any]:
    """A value of the right type for `kind`, mostly from the vocabulary."""
    texts = st.sampled_from(vocabulary.texts)
    if kind is Kind.TEXT:
        return st.one_of(
            texts,
            texts.flatmap(random_case),
            texts.map(lambda t: f" {t} "),
            st.text(STORED_ALPHABET, max_size=6),
        )
    if kind is Kind.ENUM:
        return st.one_of(
            st.sampled_from(enum_values), st.sampled_from(enum_values).flatmap(random_case), texts
        )
    if kind is Kind.NUMBER:
        return st.sampled_from(vocabulary.numbers).flatmap(json_number)
    if kind is Kind.BOOLEAN:
        return st.booleans()
    assert kind is Kind.DATETIME
    written = st.sampled_from(vocabulary.instants).flatmap(datetime_text)
    return st.one_of(written, written.map(lambda t: f" {t} "))


_MISSING = object()


@st.composite
def slot(draw: st.DrawFn, kind: Kind, enum_values: tuple[str, ...], vocabulary: Vocabulary) -> Any:
    """What one record holds for one property: nothing, null, a value of its kind, or any JSON value."""
    choice = draw(st.sampled_from(["missing", "null", "value", "value", "value", "value", "odd"]))
    if choice == "missing":
        return _MISSING
    if choice == "null":
        return None
    if choice == "odd":
        return draw(st.one_of(st.sampled_from(ODD_VALUES), mistyped_value(kind, vocabulary)))
    return draw(stored_value(kind, enum_values, vocabulary))


@st.composite
def documents(draw: st.DrawFn, properties: dict[str, JsonProperty], vocabulary: Vocabulary) -> dict[str, Any]:
    """A JSON document: each property missing, null, typed, or mistyped; parents of nested ones likewise;
    sometimes stored under a key of the wrong case (which must read as missing)."""
    document: dict[str, Any] = {}
    parents = {key.split(".")[0] for key in properties if "." in key}
    for parent in sorted(parents):
        choice = draw(st.sampled_from(["missing", "null", "odd", "object", "object", "object"]))
        if choice == "null":
            document[parent] = None
        elif choice == "odd":
            document[parent] = draw(st.sampled_from(["x", 5, True, [], [{"id": "x"}]]))
        elif choice == "object":
            document[parent] = {}
    for key, prop in properties.items():
        value = draw(slot(prop.kind, prop.enum_values, vocabulary))
        if value is _MISSING:
            continue
        if "." in key:
            parent, child = key.split(".")
            if isinstance(document.get(parent), dict):
                document[parent][child] = value
        else:
            document[key.upper() if draw(st.integers(0, 9)) == 0 else key] = value
    return document


@st.composite
def query_value(draw: st.DrawFn, prop: JsonProperty, op: Op, vocabulary: Vocabulary) -> str:
    if prop.kind is Kind.BOOLEAN:
        return draw(st.sampled_from(["true", "false", "True", "FALSE"]))
    if prop.kind is Kind.NUMBER:
        return draw(st.sampled_from(vocabulary.numbers).flatmap(query_number))
    if prop.kind is Kind.DATETIME:
        return draw(st.sampled_from(vocabulary.instants).flatmap(datetime_text))
    candidates = vocabulary.texts + (list(prop.enum_values) if prop.kind is Kind.ENUM else [])
    value = draw(st.sampled_from(candidates).flatmap(random_case))
    if op is Op.CONTAINS and draw(st.booleans()):
        start = draw(st.integers(0, len(value) - 1))
        value = value[start : draw(st.integers(start + 1, len(value)))].strip()
    return value if renderable(value) else draw(st.sampled_from(candidates))


OPS_BY_KIND = {
    Kind.TEXT: [Op.EQ, Op.NE, Op.CONTAINS],
    Kind.ENUM: [Op.EQ, Op.NE, Op.CONTAINS],
    Kind.BOOLEAN: [Op.EQ, Op.NE],
    Kind.NUMBER: [Op.EQ, Op.NE, Op.GT, Op.LT, Op.GE, Op.LE],
    Kind.DATETIME: [Op.EQ, Op.NE, Op.GT, Op.LT, Op.GE, Op.LE],
}


@st.composite
def comparisons(draw: st.DrawFn, properties: dict[str, JsonProperty], vocabulary: Vocabulary) -> Comparison:
    key = draw(st.sampled_from(sorted(properties)))
    prop = properties[key]
    op = draw(st.sampled_from(OPS_BY_KIND[prop.kind]))
    path = tuple(draw(st.sampled_from([part, part.lower(), part.upper()])) for part in key.split("."))
    return Comparison(path, op, draw(query_value(prop, op, vocabulary)))


def queries(properties: dict[str, JsonProperty], vocabulary: Vocabulary) -> st.SearchStrategy[Node]:
    """Single comparisons and `&&`/`||` trees of up to eight of them."""
    return st.recursive(
        comparisons(properties, vocabulary),
        lambda terms: st.one_of(
            st.lists(terms, min_size=2, max_size=3).map(lambda ts: And(tuple(ts))),
            st.lists(terms, min_size=2, max_size=3).map(lambda ts: Or(tuple(ts))),
        ),
        max_leaves=8,
    )


@st.composite
def rendered(draw: st.DrawFn, node: Node, parent: type | None = None) -> str:
    """`node` as query text that parses back to exactly `node`: braces wherever the parser would otherwise
    flatten or regroup (an `||` under `&&` or `||`, an `&&` under `&&`), optional braces elsewhere, and
    random spacing around operators, separators and braces."""
    space = st.sampled_from(["", "", " ", "  "])
    if isinstance(node, Comparison):
        text_ = ".".join(node.path) + draw(space) + node.op.value + draw(space) + node.value
        needs_braces = False
    else:
        separator = "&&" if isinstance(node, And) else "||"
        pieces = [draw(rendered(term, type(node))) for term in node.terms]
        text_ = pieces[0] + "".join(draw(space) + separator + draw(space) + piece for piece in pieces[1:])
        needs_braces = parent is And or (isinstance(node, Or) and parent is Or)
    if needs_braces or draw(st.integers(0, 4)) == 0:
        text_ = "{" + draw(space) + text_ + draw(space) + "}"
    return draw(space) + text_ + draw(space)


def several(items: st.SearchStrategy[Any], most: int) -> st.SearchStrategy[list[Any]]:
    """Between 0 and `most` items, the length drawn evenly: plain `st.lists` mostly draws two or three,
    too few records for one example's values to meet its query's often."""
    return st.integers(0, most).flatmap(lambda n: st.lists(items, min_size=n, max_size=n))


def json_text(value: Any) -> str:
    """JSON with `Decimal`s written as JSON numbers, exactly as `str` writes them."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    return json.dumps(value)


# --- parser properties -----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_rendered_queries_parse_back(data: st.DataObject) -> None:
    vocabulary = data.draw(vocabularies)
    node = data.draw(queries(PROPERTIES, vocabulary))
    raw = data.draw(rendered(node))
    assert parse(raw) == node
    # The same query URL-encoded once more, as in Codat's own examples.
    assert parse(quote(raw, safe="")) == node


@settings(max_examples=300, deadline=None)
@given(st.text("ab.{}=!<>~&| %3D", max_size=20))
def test_parse_either_succeeds_or_says_malformed(raw: str) -> None:
    try:
        parse(raw)
    except BadRequest as error:
        assert error.message == MALFORMED


@st.composite
def any_comparison(draw: st.DrawFn) -> Comparison:
    """Any path (known or not), any operator, any value: valid or not."""
    path = draw(st.sampled_from([*sorted(PROPERTIES), "nope", "customerRef", "customerRef.name"]))
    value = draw(
        st.sampled_from(
            [
                "5",
                "-1.5",
                "1e3",
                "NaN",
                "inf",
                "abc",
                "true",
                "TRUE",
                "yes",
                "Paid",
                "paid",
                "2024-02-29",
                "2024-02-30",
                "2024-02-29T10:00:00Z",
                "2024-02-29Z",
            ]
        )
    )
    return Comparison(tuple(path.split(".")), draw(st.sampled_from(list(Op))), value)


@settings(max_examples=300, deadline=None)
@given(st.lists(any_comparison(), min_size=1, max_size=3))
def test_compiler_rejects_exactly_the_invalid_queries(terms: list[Comparison]) -> None:
    node: Node = terms[0] if len(terms) == 1 else Or(tuple(terms))
    try:
        check(node, PROPERTIES)
    except InvalidQuery:
        with pytest.raises(BadRequest):
            compile_query(plain_text(node), RECORD_TARGET)
    else:
        assert compile_query(plain_text(node), RECORD_TARGET) is not None


# --- compiled SQL against the reference ------------------------------------------------------------


@pytest.fixture(scope="module")
def connection(postgres: str) -> Iterator[sqlalchemy.Connection]:
    engine = sqlalchemy.create_engine(sqlalchemy_url(postgres), connect_args={"options": "-c timezone=UTC"})
    with engine.connect() as conn:
        metadata.create_all(conn)
        conn.commit()
        try:
            yield conn
        finally:
            conn.rollback()
            metadata.drop_all(conn)
            conn.commit()
    engine.dispose()


def insert_records(conn: sqlalchemy.Connection, docs: list[dict[str, Any]]) -> None:
    """`docs` as rows with ids 1..n (callers roll their transaction back afterwards)."""
    if docs:
        conn.execute(
            text(f"INSERT INTO {records_table.name} (id, data) VALUES (:id, CAST(:data AS jsonb))"),
            [{"id": i, "data": json_text(doc)} for i, doc in enumerate(docs, start=1)],
        )


def selected_ids(
    conn: sqlalchemy.Connection, table: Table, target: QueryTarget, raws: list[str]
) -> list[set[int]]:
    """The ids each query selects: the first one run as `WHERE`, as the API runs it; every one of them also
    as a selected boolean in a single round trip (NULL, SQL's unknown, counting as not selected)."""
    conditions = [compile_query(raw, target) for raw in raws]
    assert all(condition is not None for condition in conditions)
    first = set(conn.scalars(select(table.c.id).where(conditions[0])))  # type: ignore[arg-type]
    rows = conn.execute(select(table.c.id, *conditions)).all()  # type: ignore[arg-type]
    each = [{row[0] for row in rows if row[k + 1] is True} for k in range(len(raws))]
    assert first == each[0]
    return each


def matching_ids(conn: sqlalchemy.Connection, docs: list[dict[str, Any]], raw: str) -> set[int]:
    """Insert `docs` as ids 1..n, run the compiled query over them, and roll everything back."""
    transaction = conn.begin()
    try:
        insert_records(conn, docs)
        return selected_ids(conn, records_table, RECORD_TARGET, [raw])[0]
    finally:
        transaction.rollback()


def parts(node: Node) -> list[Node]:
    """Every sub-query of `node` (not `node` itself), down to each comparison."""
    if isinstance(node, Comparison):
        return []
    return [part for term in node.terms for part in (term, *parts(term))]


def plain_text(node: Node) -> str:
    if isinstance(node, Comparison):
        return ".".join(node.path) + node.op.value + node.value
    separator = "&&" if isinstance(node, And) else "||"
    return "{" + separator.join(plain_text(term) for term in node.terms) + "}"


def check_against_reference(
    conn: sqlalchemy.Connection,
    table: Table,
    target: QueryTarget,
    properties: dict[str, JsonProperty],
    docs: list[dict[str, Any]],
    node: Node,
    raw: str,
) -> None:
    """The query as rendered, and each of its parts on its own (a disagreement deep in a tree can be masked
    by the rest of it), select exactly the records the reference evaluator accepts."""
    nodes = [node, *parts(node)]
    texts = [raw, *(plain_text(part) for part in nodes[1:])]
    expected = [{i for i, doc in enumerate(docs, start=1) if evaluate(n, doc, properties)} for n in nodes]
    actual = selected_ids(conn, table, target, texts)
    assert list(zip(texts, actual, strict=True)) == list(zip(texts, expected, strict=True))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_compiled_sql_agrees_with_the_reference(
    connection: sqlalchemy.Connection, data: st.DataObject
) -> None:
    vocabulary = data.draw(vocabularies, label="vocabulary")
    docs = data.draw(several(documents(PROPERTIES, vocabulary), 12), label="records")
    node = data.draw(queries(PROPERTIES, vocabulary), label="query")
    raw = data.draw(rendered(node), label="raw")
    if data.draw(st.integers(0, 4), label="encode twice") == 0:
        raw = quote(raw, safe="")
    transaction = connection.begin()
    try:
        insert_records(connection, docs)
        check_against_reference(connection, records_table, RECORD_TARGET, PROPERTIES, docs, node, raw)
    finally:
        transaction.rollback()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("status=paid", {1}),  # canonicalised to `Paid`; the stored `paid` (3) is not a member's spelling
        ("status!=PAID", {2, 3, 4, 5, 6}),
        ("status~AID", {1, 2, 3}),
        ("status=Unknown", {4}),
        ("name~bank OF", {1, 2}),
        ("name=Bank of Dave", {1}),
        ("name!=Bank of Dave", {2, 3, 4, 5, 6}),  # includes missing, null and the number
        ("name=5", set()),  # 5 is stored as a number in record 3: the wrong type reads as missing
        ("amount>=10", {1, 3}),
        ("amount=10.00", {1}),
        ("amount<0", {4}),
        ("amount!=10", {2, 3, 4, 5, 6}),  # record 2 holds the string "10"
        ("isActive=true", {1}),
        ("isActive!=TRUE", {2, 3, 4, 5, 6}),
        ("issueDate=2024-02-29", {1, 2}),  # midnight UTC, however it was written
        ("issueDate>2024-02-29T00:00:00+01:00", {1, 2, 3}),  # after 23:00 UTC on the 28th
        ("issueDate<2024-02-29", {3}),
        ("customerRef.id=C1", {1}),
        ("customerRef.id!=C1", {2, 3, 4, 5, 6}),
        ("metadata.isDeleted=false", {2}),
        ("{status=Paid||status=Void}&&amount>0", {1}),
        ("status=Void||status=Draft&&isActive=false", {5}),
        ("status=Paid||status=Draft&&isActive=false", {1, 5}),
    ],
)
def test_worked_examples(connection: sqlalchemy.Connection, raw: str, expected: set[int]) -> None:
    """Hand-checked answers, which keep the reference evaluator honest too."""
    docs: list[dict[str, Any]] = [
        {
            "name": "Bank of Dave",
            "amount": Decimal("10.0"),
            "isActive": True,
            "issueDate": "2024-02-29",
            "status": "Paid",
            "customerRef": {"id": "C1"},
            "metadata": {"isDeleted": True},
        },
        {
            "name": "Big bank of Dave",
            "amount": "10",
            "isActive": False,
            "issueDate": "2024-02-29T01:00:00+01:00",
            "status": "PartiallyPaid",
            "customerRef": {"id": 5},
            "metadata": {"isDeleted": False},
        },
        {
            "name": 5,
            "amount": 12,
            "issueDate": "2024-02-28T23:59:59.9999999Z",
            "status": "paid",
            "customerRef": "C1",
            "metadata": {"isDeleted": "false"},
        },
        {
            "name": None,
            "amount": Decimal("-0.5"),
            "isActive": "true",
            "issueDate": 20240229,
            "status": "Unknown",
            "customerRef": [{"id": "C1"}],
        },
        {"isActive": False, "status": "Draft", "metadata": None},
        {"Name": "Bank of Dave", "status": 1},
    ]
    assert matching_ids(connection, docs, raw) == expected
    assert {i for i, doc in enumerate(docs, start=1) if evaluate(parse(raw), doc, PROPERTIES)} == expected


def test_stored_string_that_is_no_date(connection: sqlalchemy.Connection) -> None:
    """A record whose declared datetime holds a string that is no date reads as missing, rather than
    breaking the whole query with PostgreSQL's `invalid input syntax for type timestamp`."""
    docs: list[dict[str, Any]] = [
        {"issueDate": "not a date"},
        {"issueDate": "2024-02-30"},
        {"issueDate": "2024-02-29"},
    ]
    assert matching_ids(connection, docs, "issueDate>=2024-01-01") == {3}
    assert matching_ids(connection, docs, "issueDate!=2024-01-01") == {1, 2, 3}
    # PostgreSQL reads these as dates, `parse_datetime` (and so the query language) does not.
    words = [{"issueDate": word} for word in ("infinity", "today", "epoch", "20240229", "Feb 29 2024")]
    assert matching_ids(connection, words, "issueDate>1900-01-01||issueDate<=1900-01-01") == set()
    # Surrounding spaces are fine: `parse_datetime` strips them.
    assert matching_ids(connection, [{"issueDate": " 2024-02-29 "}], "issueDate=2024-02-29") == {1}


# --- columns_target over real typed columns --------------------------------------------------------


@st.composite
def typed_rows(draw: st.DrawFn, vocabulary: Vocabulary) -> dict[str, Any]:
    """A row as the reference sees it (the datetime as written); each column null or of its type."""
    row: dict[str, Any] = {}
    for key, prop in TYPED_PROPERTIES.items():
        if draw(st.integers(0, 4)):
            row[key] = draw(stored_value(prop.kind, (), vocabulary))
    return row


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_columns_target_agrees_with_the_reference(
    connection: sqlalchemy.Connection, data: st.DataObject
) -> None:
    vocabulary = data.draw(vocabularies, label="vocabulary")
    rows = data.draw(several(typed_rows(vocabulary), 8), label="rows")
    node = data.draw(queries(TYPED_PROPERTIES, vocabulary), label="query")
    raw = data.draw(rendered(node), label="raw")
    transaction = connection.begin()
    try:
        if rows:
            connection.execute(
                typed_table.insert(),
                [
                    {
                        "id": i,
                        "created": parse_datetime(row["created"]) if "created" in row else None,
                        "label": row.get("label"),
                        "amount": Decimal(row["amount"]) if "amount" in row else None,
                    }
                    for i, row in enumerate(rows, start=1)
                ],
            )
        check_against_reference(connection, typed_table, TYPED_TARGET, TYPED_PROPERTIES, rows, node, raw)
    finally:
        transaction.rollback()


# --- orderBy ---------------------------------------------------------------------------------------


def ordered_ids(conn: sqlalchemy.Connection, docs: list[dict[str, Any]], order_by: str) -> list[int]:
    transaction = conn.begin()
    try:
        insert_records(conn, docs)
        statement = select(records_table.c.id).order_by(
            *order_by_clause(order_by, RECORD_TARGET), records_table.c.id.asc()
        )
        return list(conn.scalars(statement))
    finally:
        transaction.rollback()


ORDER_DOCS: list[dict[str, Any]] = [
    {"amount": 5, "issueDate": "2024-02-29T12:00:00+05:30", "name": "b"},
    {"amount": "100", "issueDate": 7, "name": True},  # wrong types: read as missing, so sorted lowest
    {"amount": Decimal("-2.5"), "issueDate": "2024-02-29", "name": "a"},
    {},
    {"amount": Decimal("40.00"), "issueDate": "2024-03-01T00:00:00Z", "name": "B"},
    {"amount": None, "issueDate": None, "name": None},
]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("amount", [2, 4, 6, 3, 1, 5]),
        ("-amount", [5, 1, 3, 2, 4, 6]),
        ("- amount", [5, 1, 3, 2, 4, 6]),
        ("AMOUNT", [2, 4, 6, 3, 1, 5]),
        ("issueDate", [2, 4, 6, 3, 1, 5]),
        ("-issueDate", [5, 1, 3, 2, 4, 6]),
        ("-name", [1, 3, 5, 2, 4, 6]),  # byte order under the C.UTF-8 collation: b > a > B
        ("%2Damount", [5, 1, 3, 2, 4, 6]),
        (None, [1, 2, 3, 4, 5, 6]),
        ("", [1, 2, 3, 4, 5, 6]),
    ],
)
def test_order_by(connection: sqlalchemy.Connection, order_by: str | None, expected: list[int]) -> None:
    assert ordered_ids(connection, ORDER_DOCS, order_by) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("order_by", "message"),
    [
        ("nope", "Error parsing orderBy - Could not resolve property nope on Record"),
        ("-metadata.id", "Error parsing orderBy - Could not resolve property metadata.id on Record"),
        ("-", "Error parsing orderBy - Malformed orderBy."),
        ("amount desc", "Error parsing orderBy - Malformed orderBy."),
        ("amount,name", "Error parsing orderBy - Malformed orderBy."),
    ],
)
def test_order_by_rejects(order_by: str, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        order_by_clause(order_by, RECORD_TARGET)
    assert caught.value.message == message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_order_by_agrees_with_a_plain_sort(connection: sqlalchemy.Connection, data: st.DataObject) -> None:
    """Numbers and datetimes sort by value (ties by id); missing and mistyped values count as the lowest."""
    vocabulary = data.draw(vocabularies, label="vocabulary")
    docs = data.draw(several(documents(PROPERTIES, vocabulary), 10), label="records")
    key = data.draw(st.sampled_from(["amount", "issueDate"]), label="key")
    descending = data.draw(st.booleans(), label="descending")

    typed = [(i, _typed(key, doc.get(key))) for i, doc in enumerate(docs, start=1)]
    present = sorted((pair for pair in typed if pair[1] is not None), key=lambda p: p[1], reverse=descending)
    missing = [i for i, value in typed if value is None]
    expected = [i for i, _ in present] + missing if descending else missing + [i for i, _ in present]
    assert ordered_ids(connection, docs, ("-" if descending else "") + key) == expected


def _typed(key: str, value: Any) -> Any:
    if key == "amount":
        return Decimal(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else None
    try:
        return parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None
