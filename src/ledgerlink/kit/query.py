"""Codat's `query=` language: parsed once into a small AST, then compiled to SQL for a query target.

Grammar (from Codat's docs; `&&` binds tighter than `||`, braces group)::

    expr  := and ( "||" and )*
    and   := term ( "&&" term )*
    term  := "{" expr "}" | path op value
    path  := name ( "." name )*
    op    := "!=" | ">=" | "<=" | "=" | "~" | ">" | "<"
    value := text up to the next "&&", "||", "}" or the end, trimmed

Semantics shared by every target (and by the reference evaluator in the tests):
- a missing or null property never satisfies `=`, `~`, `>`, `<`, `>=`, `<=` and always satisfies `!=`;
- `~` (contains) is a case-insensitive substring test, on text properties only;
- `>`, `<`, `>=`, `<=` apply to numbers and dates only; booleans take `=` and `!=` only;
- enum values match case-insensitively (`status=linked` finds `Linked`);
- a path into a collection (`dataConnections.status`) means *any element* for `=`/`~` and *no element*
  for `!=`.
"""

from __future__ import annotations

import enum
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Numeric,
    SQLColumnExpression,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
)
from sqlalchemy.dialects.postgresql import JSON, JSONB, TIMESTAMP
from sqlalchemy.sql import Select

from ledgerlink.kit.errors import BadRequest

MAX_QUERY_LENGTH = 2048
# Not Codat's (it documents only the length): braces nested deeper than this, or more comparisons than this,
# are refused before anything is compiled, so no query can exhaust the parser's stack or the compiler.
MAX_QUERY_DEPTH = 16
MAX_QUERY_TERMS = 100


class Kind(enum.Enum):
    TEXT = "text"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    ENUM = "enum"


class Op(enum.Enum):
    EQ = "="
    NE = "!="
    CONTAINS = "~"
    GT = ">"
    LT = "<"
    GE = ">="
    LE = "<="


ORDERING_OPS = frozenset({Op.GT, Op.LT, Op.GE, Op.LE})
_OPS_BY_LENGTH = sorted(Op, key=lambda op: -len(op.value))


# --- AST -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    path: tuple[str, ...]
    op: Op
    value: str


@dataclass(frozen=True)
class And:
    terms: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    terms: tuple[Node, ...]


Node = Comparison | And | Or


def malformed() -> BadRequest:
    return BadRequest("Error parsing query - Malformed query.")


# --- parsing ---------------------------------------------------------------------------------------

_PATH = re.compile(r"\s*([A-Za-z_$][A-Za-z0-9_$-]*(?:\.[A-Za-z_$][A-Za-z0-9_$-]*)*)\s*")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def decode(raw: str) -> str:
    """Codat's own examples are URL-encoded twice; the framework decoded once, so decode the rest."""
    return unquote(raw) if _ESCAPE.search(raw) else raw


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0
        self.comparisons = 0

    def parse(self) -> Node:
        node = self.expr()
        self.skip_space()
        if self.pos != len(self.text):
            raise malformed()
        return node

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def startswith(self, token: str) -> bool:
        self.skip_space()
        return self.text.startswith(token, self.pos)

    def expr(self) -> Node:
        terms = [self.conjunction()]
        while self.startswith("||"):
            self.pos += 2
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else Or(tuple(terms))

    def conjunction(self) -> Node:
        terms = [self.term()]
        while self.startswith("&&"):
            self.pos += 2
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else And(tuple(terms))

    def term(self) -> Node:
        if self.startswith("{"):
            self.depth += 1
            if self.depth > MAX_QUERY_DEPTH:
                raise BadRequest(
                    f"Error parsing query - Query must not nest braces more than {MAX_QUERY_DEPTH} deep."
                )
            self.pos += 1
            node = self.expr()
            if not self.startswith("}"):
                raise malformed()
            self.pos += 1
            self.depth -= 1
            return node
        self.comparisons += 1
        if self.comparisons > MAX_QUERY_TERMS:
            raise BadRequest(f"Error parsing query - Query must have at most {MAX_QUERY_TERMS} comparisons.")
        match = _PATH.match(self.text, self.pos)
        if not match:
            raise malformed()
        self.pos = match.end()
        op = next((op for op in _OPS_BY_LENGTH if self.text.startswith(op.value, self.pos)), None)
        if op is None:
            raise malformed()
        self.pos += len(op.value)
        end = len(self.text)
        for stop in ("&&", "||", "}"):
            found = self.text.find(stop, self.pos)
            if found != -1:
                end = min(end, found)
        value = self.text[self.pos : end].strip()
        self.pos = end
        if not value:
            raise malformed()
        return Comparison(tuple(match.group(1).split(".")), op, value)


def parse(raw: str) -> Node:
    """Parse a `query=` value (as received, possibly still URL-encoded) into its AST."""
    if len(raw) >= MAX_QUERY_LENGTH:
        raise BadRequest(f"Error parsing query - Query must be shorter than {MAX_QUERY_LENGTH} characters.")
    text = decode(raw).strip()
    if not text:
        raise malformed()
    return _Parser(text).parse()


# --- values ----------------------------------------------------------------------------------------

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_datetime(value: str) -> datetime:
    """A query or stored date: `YYYY-MM-DD` or ISO-8601; no zone means UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Codat writes 7-digit fractions; Python takes at most 6.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    if not (_DATE_ONLY.match(text) or re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text)):
        raise ValueError(value)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# PostgreSQL's numeric overflows long before Python's Decimal does; no money amount comes near this.
MAX_NUMBER_EXPONENT = 1000


def parse_number(value: str) -> Decimal:
    number = Decimal(value)
    if not number.is_finite() or abs(number.adjusted()) > MAX_NUMBER_EXPONENT:
        raise InvalidOperation(value)
    return number


def parse_boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise ValueError(value)
    return lowered == "true"


# --- targets ---------------------------------------------------------------------------------------


# How a property reads in SQL: a Core expression, or an ORM attribute (`Company.name`), which SQLAlchemy's
# types keep apart from `ColumnElement` although it reads, compares and indexes as one.
Expression = Callable[[], SQLColumnExpression[Any]]


def _sql(expression: SQLColumnExpression[Any]) -> ColumnElement[Any]:
    return typing.cast(ColumnElement[Any], expression)


@dataclass(frozen=True)
class Field:
    """A queryable property: how to read it in SQL and what kind of value it holds."""

    kind: Kind
    expression: Expression
    enum_values: tuple[str, ...] = ()
    # For a property inside a collection: builds `EXISTS (...)` around a per-element condition.
    any_element: Callable[[ColumnElement[bool]], ColumnElement[bool]] | None = None
    orderable: bool = True


@dataclass(frozen=True)
class QueryTarget:
    """What a `query=` runs against: a name for messages and a resolver from paths to fields."""

    name: str
    resolve: Callable[[tuple[str, ...]], Field | None]
    allowed_ops: frozenset[Op] = frozenset(Op)

    def field(self, path: tuple[str, ...], *, purpose: str = "query") -> Field:
        resolved = self.resolve(path)
        if resolved is None:
            raise BadRequest(
                f"Error parsing {purpose} - Could not resolve property {'.'.join(path)} on {self.name}"
            )
        return resolved


def columns_target(name: str, fields: Mapping[str, Field]) -> QueryTarget:
    """A target over fixed properties (table columns or expressions), matched case-insensitively."""
    lowered = {key.lower(): value for key, value in fields.items()}
    return QueryTarget(name, lambda path: lowered.get(".".join(path).lower()))


@dataclass(frozen=True)
class JsonProperty:
    kind: Kind
    enum_values: tuple[str, ...] = ()


def jsonb_target(
    name: str,
    column: Expression,
    properties: Mapping[str, JsonProperty],
    *,
    extra: Mapping[str, Field] | None = None,
) -> QueryTarget:
    """A target over JSON documents in a JSON or JSONB column, typed by a map of dotted paths to kinds."""
    by_path = {key.lower(): (key, prop) for key, prop in properties.items()}
    extras = {key.lower(): value for key, value in (extra or {}).items()}

    def resolve(path: tuple[str, ...]) -> Field | None:
        dotted = ".".join(path).lower()
        if dotted in extras:
            return extras[dotted]
        if dotted not in by_path:
            return None
        key, prop = by_path[dotted]
        parts = tuple(key.split("."))
        return Field(
            prop.kind,
            lambda: _sql(column())[parts] if len(parts) > 1 else _sql(column())[parts[0]],
            prop.enum_values,
        )

    return QueryTarget(name, resolve)


def tags_target(column: Expression) -> QueryTarget:
    """`GET /companies?tags=`: the query language over tag keys, with `=`, `!=` and `~` only."""

    def resolve(path: tuple[str, ...]) -> Field:
        key = ".".join(path)
        return Field(Kind.TEXT, lambda: _sql(column())[key].astext, orderable=False)

    return QueryTarget("Tags", resolve, frozenset({Op.EQ, Op.NE, Op.CONTAINS}))


# --- compiling -------------------------------------------------------------------------------------


def _json_typeof(expression: ColumnElement[Any]) -> Callable[[ColumnElement[Any]], ColumnElement[str]] | None:
    """The function naming a JSON value's type, for a JSON or JSONB expression (None for any other)."""
    if isinstance(expression.type, JSONB):
        return func.jsonb_typeof
    if isinstance(expression.type, JSON):
        return func.json_typeof
    return None


def typed_expression(prop: Field) -> ColumnElement[Any]:
    """The property as a SQL value of its kind, or NULL where a JSON value is of another type.

    Plain columns are already typed. A JSON value is cast only under a CASE that checks its JSON type
    first, so a record holding the wrong type reads as missing instead of failing the whole query; that
    goes for text too, where `->>` would otherwise turn a number, boolean or array into matchable text.
    """
    expression = _sql(prop.expression())
    typeof = _json_typeof(expression)
    if typeof is None:
        return expression
    if prop.kind is Kind.NUMBER:
        return case((typeof(expression) == "number", cast(expression.astext, Numeric)), else_=None)
    if prop.kind is Kind.DATETIME:
        # Digits past the microsecond are cut, as `parse_datetime` cuts them; PostgreSQL's cast would round
        # them, so Codat's 7-digit `...59.9999999Z` would not equal itself written in a query.
        text = func.regexp_replace(expression.astext, r"(\.\d{6})\d+", r"\1")
        # A string that is no date reads as missing too: it must have the shape `parse_datetime` asks for
        # (PostgreSQL alone would also read `infinity`, `today`, `20240229` or `Feb 29 2024`), then pass
        # PostgreSQL 16+'s own check, which does not raise.
        readable = and_(
            typeof(expression) == "string",
            text.regexp_match(r"^\s*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}|\s*$)"),
            func.pg_input_is_valid(text, "timestamptz"),
        )
        return case((readable, cast(text, TIMESTAMP(timezone=True))), else_=None)
    if prop.kind is Kind.BOOLEAN:
        return case((typeof(expression) == "boolean", cast(expression.astext, Boolean)), else_=None)
    return case((typeof(expression) == "string", expression.astext), else_=None)


def query_value(prop: Field, raw: str, path: tuple[str, ...]) -> Any:
    """The literal on the right of a comparison, parsed for the property's kind."""
    try:
        if prop.kind is Kind.NUMBER:
            return literal(parse_number(raw), Numeric)
        if prop.kind is Kind.BOOLEAN:
            return literal(parse_boolean(raw), Boolean)
        if prop.kind is Kind.DATETIME:
            return literal(parse_datetime(raw), TIMESTAMP(timezone=True))
    except (ValueError, InvalidOperation):
        raise BadRequest(
            f"Error parsing query - {raw!r} is not a valid value for {'.'.join(path)}."
        ) from None
    if prop.kind is Kind.ENUM:
        canonical = {member.lower(): member for member in prop.enum_values}
        return literal(canonical.get(raw.lower(), raw), String)
    return literal(raw, String)


def _text_first(prop: Field, op: Op, right: ColumnElement[Any]) -> ColumnElement[bool] | None:
    """A text property of a JSON document compared by `=` or `~`: its text first, its JSON type only on a
    match, or None where that does not apply.

    The same rows as `compare(typed_expression(prop), ...)`, whose CASE reads the property twice (its JSON
    type, then its text), each read parsing the whole document: most records do not match a filter, and
    now each is parsed once. The CASE keeps that order (PostgreSQL may reorder the terms of an AND).
    `!=` is not one of these: a record whose property is missing or of another type matches it.
    """
    if prop.kind not in (Kind.TEXT, Kind.ENUM) or op not in (Op.EQ, Op.CONTAINS):
        return None
    expression = _sql(prop.expression())
    typeof = _json_typeof(expression)
    if typeof is None:
        return None
    return case((compare(expression.astext, op, right), typeof(expression) == "string"), else_=False)


def compare(left: ColumnElement[Any], op: Op, right: ColumnElement[Any]) -> ColumnElement[bool]:
    if op is Op.NE:
        return left.is_distinct_from(right)
    if op is Op.CONTAINS:
        return func.strpos(func.lower(left), func.lower(right)) > 0
    return {
        Op.EQ: lambda: left == right,
        Op.GT: lambda: left > right,
        Op.LT: lambda: left < right,
        Op.GE: lambda: left >= right,
        Op.LE: lambda: left <= right,
    }[op]()


@dataclass
class Compiler:
    target: QueryTarget

    def compile(self, node: Node) -> ColumnElement[bool]:
        if isinstance(node, And):
            return and_(*(self.compile(term) for term in node.terms))
        if isinstance(node, Or):
            return or_(*(self.compile(term) for term in node.terms))
        return self.comparison(node)

    def comparison(self, node: Comparison) -> ColumnElement[bool]:
        name = ".".join(node.path)
        if node.op not in self.target.allowed_ops:
            raise BadRequest(f"Error parsing query - Operator {node.op.value} is not supported here.")
        prop = self.target.field(node.path)
        if node.op in ORDERING_OPS and prop.kind not in (Kind.NUMBER, Kind.DATETIME):
            raise BadRequest(f"Error parsing query - Operator {node.op.value} cannot be used on {name}.")
        if node.op is Op.CONTAINS and prop.kind not in (Kind.TEXT, Kind.ENUM):
            raise BadRequest(f"Error parsing query - Operator ~ cannot be used on {name}.")
        right = query_value(prop, node.value, node.path)
        if prop.any_element is None:
            text_first = _text_first(prop, node.op, right)
            return text_first if text_first is not None else compare(typed_expression(prop), node.op, right)
        left = typed_expression(prop)
        # Inside a collection: any element for = and ~, no element for != (Codat's dataConnections rule).
        if node.op is Op.NE:
            return not_(prop.any_element(compare(left, Op.EQ, right)))
        return prop.any_element(compare(left, node.op, right))


def compile_query(raw: str | None, target: QueryTarget) -> ColumnElement[bool] | None:
    if raw is None or not raw.strip():
        return None
    return Compiler(target).compile(parse(raw))


# --- orderBy ---------------------------------------------------------------------------------------


def order_by_clause(raw: str | None, target: QueryTarget) -> tuple[ColumnElement[Any], ...]:
    """`orderBy=field` ascending, `orderBy=-field` descending; missing values count as the lowest."""
    if raw is None or not raw.strip():
        return ()
    text = decode(raw).strip()
    descending = text.startswith("-")
    name = text[1:].strip() if descending else text
    if not _PATH.fullmatch(name):
        raise BadRequest("Error parsing orderBy - Malformed orderBy.")
    prop = target.field(tuple(name.split(".")), purpose="orderBy")
    if not prop.orderable or prop.any_element is not None:
        raise BadRequest(f"Error parsing orderBy - Cannot order by {name}.")
    expression = typed_expression(prop)
    # Missing values sort lowest (first ascending, last descending): one index, read forwards or
    # backwards, then serves both directions.
    return (expression.desc().nulls_last() if descending else expression.asc().nulls_first(),)


def filtered(
    statement: Select[Any],
    target: QueryTarget,
    *,
    query: str | None,
    order_by: str | None,
    default_order: tuple[ColumnElement[Any], ...],
) -> Select[Any]:
    """`statement` narrowed by `query` and ordered by `orderBy`, then by a stable default order."""
    condition = compile_query(query, target)
    if condition is not None:
        statement = statement.where(condition)
    return statement.order_by(*order_by_clause(order_by, target), *default_order)


def any_row(
    subquery: Callable[[ColumnElement[bool]], Select[Any]],
) -> Callable[[ColumnElement[bool]], ColumnElement[bool]]:
    """For a collection property: `EXISTS (SELECT 1 FROM child WHERE <link> AND <condition>)`."""
    return lambda condition: exists(subquery(condition))


__all__ = [
    "And",
    "Comparison",
    "Field",
    "JsonProperty",
    "Kind",
    "Node",
    "Op",
    "Or",
    "QueryTarget",
    "any_row",
    "columns_target",
    "compile_query",
    "filtered",
    "jsonb_target",
    "order_by_clause",
    "parse",
    "parse_datetime",
    "tags_target",
]
