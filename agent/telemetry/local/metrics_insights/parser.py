"""A recursive-descent parser for the documented Metrics Insights grammar:

    SELECT FUNCTION(metricName)
    FROM namespace | SCHEMA(namespace [, labelKey ...])
    [ WHERE labelKey OPERATOR 'labelValue' [ AND ... ] ]
    [ GROUP BY labelKey [ , ... ] ]
    [ ORDER BY FUNCTION() [ DESC | ASC ] ]
    [ LIMIT number ]

FUNCTION is AVG, COUNT, MAX, MIN or SUM; OPERATOR is `=` or `!=`, conditions joined by AND
(what "Metrics Insights query components and syntax" documents; OR, IN and LIKE are refused
with a message saying so). Every error carries the 0-based offset of the offending token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from agent.telemetry.local.metrics_insights.lexer import KEYWORDS, Token, query_error, tokenize

Function = Literal["AVG", "COUNT", "MAX", "MIN", "SUM"]
FUNCTIONS: tuple[Function, ...] = ("AVG", "COUNT", "MAX", "MIN", "SUM")
MAX_LIMIT = 500  # "The maximum value that you can specify is 500"


@dataclass(frozen=True)
class Name:
    """An identifier as written: its decoded text and where it starts."""

    text: str
    pos: int


@dataclass(frozen=True)
class Condition:
    key: Name
    operator: Literal["=", "!="]
    value: str
    value_pos: int


@dataclass(frozen=True)
class MetricsInsightsQuery:
    text: str
    function: Function
    function_pos: int
    metric: Name
    namespace: Name
    schema_keys: tuple[Name, ...] | None  # None: a plain namespace (any dimensions)
    where: tuple[Condition, ...] = ()
    group_by: tuple[Name, ...] = ()
    order_function: Function | None = None
    order_pos: int | None = None
    descending: bool = False
    limit: int | None = None
    limit_pos: int | None = None
    names_used: tuple[Name, ...] = field(default=())  # every label key, for checking

    def describe_order(self) -> str:
        if self.order_function is None:
            return ""
        return f"{self.order_function}() {'DESC' if self.descending else 'ASC'}"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tok
        if token.kind != "eof":
            self.i += 1
        return token

    def fail(self, token: Token, message: str) -> Exception:
        return query_error(self.text, token.pos, message)

    def expect_keyword(self, word: str, context: str) -> Token:
        if not self.tok.is_keyword(word.lower()):
            raise self.fail(self.tok, f"expected {word} {context}, found {self.tok.describe()}")
        return self.advance()

    def expect(self, kind: str, what: str) -> Token:
        if self.tok.kind != kind:
            raise self.fail(self.tok, f"expected {what}, found {self.tok.describe()}")
        return self.advance()

    def name(self, what: str) -> Name:
        """A bare identifier (not a keyword) or a double-quoted one."""
        token = self.tok
        if token.kind == "quoted":
            if not token.text:
                raise self.fail(token, f"empty {what}")
            self.advance()
            return Name(token.text, token.pos)
        if token.kind == "word":
            if token.text.lower() in KEYWORDS:
                raise self.fail(
                    token,
                    f"{token.raw} is a reserved keyword: write it in double quotes "
                    f'("{token.raw}") if it is the {what}',
                )
            self.advance()
            return Name(token.text, token.pos)
        if token.kind == "string":
            raise self.fail(
                token,
                f"the {what} must be a bare name or in double quotes; single quotes are for "
                "label values only",
            )
        raise self.fail(token, f"expected the {what}, found {token.describe()}")

    def function(self, context: str) -> tuple[Function, int]:
        token = self.tok
        if token.kind == "word" and token.text.upper() in FUNCTIONS:
            self.advance()
            return token.text.upper(), token.pos  # type: ignore[return-value]
        if token.kind == "word" and self.tokens[self.i + 1].kind == "lparen":
            raise self.fail(
                token,
                f"unknown function {token.raw!r} {context}: use AVG, COUNT, MAX, MIN or SUM "
                "(Metrics Insights has no percentiles)",
            )
        raise self.fail(
            token,
            f"expected a function (AVG, COUNT, MAX, MIN, SUM) {context}, found {token.describe()}",
        )

    # ------------------------------------------------------------------ clauses

    def query(self) -> MetricsInsightsQuery:
        if self.tok.kind == "eof":
            raise self.fail(self.tok, "the query is empty: start with SELECT FUNCTION(metricName)")
        self.expect_keyword("SELECT", "at the start of the query")
        function, function_pos = self.function("after SELECT")
        self.expect("lparen", f"'(' after {function}")
        metric = self.name("metric name")
        self.expect("rparen", "')' after the metric name")
        if not self.tok.is_keyword("from"):
            raise self.fail(
                self.tok, f"expected FROM after SELECT {function}(...), found {self.tok.describe()}"
            )
        self.advance()
        namespace, schema_keys = self.source()
        where = self.where() if self.tok.is_keyword("where") else ()
        group_by = self.group_by() if self.tok.is_keyword("group") else ()
        order_function, order_pos, descending = None, None, False
        if self.tok.is_keyword("order"):
            order_function, order_pos, descending = self.order_by()
        limit, limit_pos = self.limit() if self.tok.is_keyword("limit") else (None, None)
        if self.tok.kind != "eof":
            raise self.fail(self.tok, self.unexpected_tail())
        keys = (*(schema_keys or ()), *(c.key for c in where), *group_by)
        return MetricsInsightsQuery(
            text=self.text,
            function=function,
            function_pos=function_pos,
            metric=metric,
            namespace=namespace,
            schema_keys=schema_keys,
            where=where,
            group_by=group_by,
            order_function=order_function,
            order_pos=order_pos,
            descending=descending,
            limit=limit,
            limit_pos=limit_pos,
            names_used=keys,
        )

    def unexpected_tail(self) -> str:
        token = self.tok
        if token.is_keyword("where", "group", "order", "limit"):
            return (
                f"{token.raw.upper()} is out of place: the clauses go in the order WHERE, "
                "GROUP BY, ORDER BY, LIMIT, each at most once"
            )
        return f"unexpected {token.describe()} after the end of the query"

    def source(self) -> tuple[Name, tuple[Name, ...] | None]:
        if self.tok.is_keyword("schema") and self.tokens[self.i + 1].kind == "lparen":
            self.advance()
            self.advance()
            if self.tok.kind == "rparen":
                raise self.fail(self.tok, 'SCHEMA needs at least the namespace: SCHEMA("AWS/EC2")')
            namespace = self.name("namespace")
            keys: list[Name] = []
            while self.tok.kind == "comma":
                self.advance()
                key = self.name("label key")
                if any(k.text == key.text for k in keys):
                    raise self.fail(self.tokens[self.i - 1], f"label key {key.text!r} is repeated")
                keys.append(key)
            self.expect("rparen", "',' or ')' in SCHEMA(...)")
            return namespace, tuple(keys)
        if self.tok.kind == "eof":
            raise self.fail(
                self.tok, 'expected a namespace or SCHEMA(...) after FROM, e.g. "AWS/EC2"'
            )
        return self.name("namespace"), None

    def where(self) -> tuple[Condition, ...]:
        self.advance()
        conditions = [self.condition()]
        while self.tok.is_keyword("and", "or"):
            if self.tok.is_keyword("or"):
                raise self.fail(
                    self.tok,
                    "OR is not part of the documented Metrics Insights WHERE clause (=, != and "
                    "AND only): run one query per alternative, or GROUP BY the label key",
                )
            self.advance()
            conditions.append(self.condition())
        return tuple(conditions)

    def condition(self) -> Condition:
        key = self.name("label key")
        op = self.tok
        if op.is_keyword("in", "like", "not"):
            raise self.fail(
                op,
                f"{op.raw.upper()} is not part of the documented Metrics Insights WHERE clause: "
                "compare a label key with = or != and a single-quoted value",
            )
        if op.kind != "op" or op.text not in ("=", "!="):
            raise self.fail(op, f"expected = or != after {key.text!r}, found {op.describe()}")
        self.advance()
        value = self.tok
        if value.kind != "string":
            raise self.fail(
                value,
                f"label values must be in single quotes, e.g. {key.text} {op.text} "
                f"'{value.text or 'value'}'",
            )
        self.advance()
        return Condition(key, op.text, value.text, value.pos)  # type: ignore[arg-type]

    def group_by(self) -> tuple[Name, ...]:
        self.advance()
        self.expect_keyword("BY", "after GROUP")
        keys = [self.name("label key")]
        while self.tok.kind == "comma":
            self.advance()
            keys.append(self.name("label key"))
        return tuple(keys)

    def order_by(self) -> tuple[Function, int, bool]:
        self.advance()
        self.expect_keyword("BY", "after ORDER")
        function, pos = self.function("after ORDER BY")
        self.expect("lparen", f"'(' after {function}")
        if self.tok.kind != "rparen":
            raise self.fail(
                self.tok,
                f"ORDER BY {function}() takes no argument: it orders by {function} of each "
                "returned series",
            )
        self.advance()
        descending = False
        if self.tok.is_keyword("asc", "desc"):
            descending = self.advance().text.lower() == "desc"
        return function, pos, descending

    def limit(self) -> tuple[int, int]:
        self.advance()
        token = self.tok
        if token.kind != "number" or "." in token.text:
            raise self.fail(token, f"LIMIT needs a whole number from 1 to {MAX_LIMIT}")
        value = int(token.text)
        if not 1 <= value <= MAX_LIMIT:
            raise self.fail(
                token, f"LIMIT {value} is out of range: Metrics Insights allows 1 to {MAX_LIMIT}"
            )
        self.advance()
        return value, token.pos


def parse_metrics_insights(text: str) -> MetricsInsightsQuery:
    """The query's syntax tree, or a `QueryError` with the position of the first fault."""
    return _Parser(text).query()
