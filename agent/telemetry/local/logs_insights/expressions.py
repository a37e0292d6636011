"""Compile Logs Insights expressions (fields, operators, function calls) to typed SQL.

`ExpressionCompiler` resolves a field name against what the relation holds at that point
of the pipeline (`Scope`): a column a command defined, a field of a parsed JSON value, or a
field CloudWatch discovers in the raw event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.telemetry.errors import QueryError
from agent.telemetry.local.logs_insights import ast
from agent.telemetry.local.logs_insights.fields import json_field, json_value, system_field
from agent.telemetry.local.logs_insights.functions import (
    AGGREGATES,
    SCALARS,
    TIME_PERIOD_FUNCTIONS,
    time_floor,
)
from agent.telemetry.local.logs_insights.lexer import location
from agent.telemetry.local.logs_insights.regexes import REGEX_META, re2, regex_problem
from agent.telemetry.local.logs_insights.sqlexpr import (
    NULL,
    SqlExpr,
    as_bool,
    as_num,
    as_text_sql,
    numeric_context,
    quote,
)

_CALENDAR_UNITS = {
    unit + plural: name
    for name, spellings in {
        "month": ("month", "mo", "mon"),
        "quarter": ("quarter", "q", "qtr"),
        "year": ("year", "y", "yr"),
    }.items()
    for unit in spellings
    for plural in (("", "s") if len(unit) > 1 else ("",))
}


@dataclass
class Scope:
    """What the relation at this point of the pipeline holds."""

    columns: dict[str, SqlExpr] = field(default_factory=dict)  # field name -> SQL in relation
    raw: bool = True  # the raw event columns (_ts, _msg, ...) are still there
    order: list[str] = field(default_factory=list)  # ORDER BY terms in effect
    output: list[str] = field(default_factory=list)  # fields shown when there is no display
    display: list[str] | None = None
    aggregated: bool = False  # a stats ran: results are rows of groups, not events

    @classmethod
    def for_rows(cls, columns: dict[str, SqlExpr], order: list[str]) -> Scope:
        return cls(
            columns=dict(columns), raw=False, order=order, output=list(columns), aggregated=True
        )


class ExpressionCompiler:
    """Expression compilation over a `Scope`; the command compiler extends it."""

    def __init__(self, text: str, account_id: str, scope: Scope) -> None:
        self.text = text
        self.account_id = account_id
        self.scope = scope
        # inside stats: aggregate arguments (SQL -> column), computed once per row in a stage
        # before the aggregation instead of once per aggregate (`pct(@duration, 50),
        # pct(@duration, 99)` runs the REPORT-line regex once)
        self.hoisted: dict[str, str] | None = None
        self._counter = 0

    def new_column(self) -> str:
        self._counter += 1
        return f"c{self._counter}"

    def hoist(self, value: SqlExpr) -> SqlExpr:
        if self.hoisted is None or value.sql.startswith('"'):
            return value
        column = self.hoisted.setdefault(value.sql, self.new_column())
        return SqlExpr(f'"{column}"', value.type)

    def error(self, pos: int, message: str) -> QueryError:
        return QueryError(f"Invalid query at {location(self.text, pos)}: {message}", position=pos)

    def check_regex(self, regex: ast.Regex) -> None:
        """Fail before running on a regex RE2 cannot compile, naming its position."""
        problem = regex_problem(regex.pattern)
        if problem is not None:
            raise self.error(regex.pos, f"invalid regular expression /{regex.pattern}/: {problem}")

    def resolve(self, name: str) -> SqlExpr | None:
        if name in self.scope.columns:
            return self.scope.columns[name]
        segments = name.split(".")
        for cut in range(len(segments) - 1, 0, -1):  # a field of a jsonParse()d or unnested value
            parent = self.scope.columns.get(".".join(segments[:cut]))
            if parent is not None and parent.type == "json":
                return json_field(".".join(segments[cut:]), parent.sql, guard=None)
        if not self.scope.raw:
            return None
        if name.startswith("@"):
            return system_field(name, self.account_id)
        return json_field(name)

    def resolve_json(self, name: str) -> SqlExpr | None:
        if name in self.scope.columns:
            value = self.scope.columns[name]
            return value if value.type == "json" else SqlExpr(f"to_json({value.sql})", "json")
        segments = name.split(".")
        for cut in range(len(segments) - 1, 0, -1):
            parent = self.scope.columns.get(".".join(segments[:cut]))
            if parent is not None and parent.type == "json":
                return json_value(".".join(segments[cut:]), parent.sql, guard=None)
        return json_value(name) if self.scope.raw and not name.startswith("@") else None

    def expr(self, e: ast.Expr, aggregate: bool = False) -> SqlExpr:
        match e:
            case ast.Field(name=name):
                return self.resolve(name) or NULL
            case ast.Str(value=value):
                return SqlExpr(quote(value), "str")
            case ast.Num(text=text):
                return SqlExpr(f"CAST({text} AS DOUBLE)" if "." in text else text, "num")
            case ast.Duration(pos=pos, text=text):
                raise self.error(
                    pos,
                    f"the time period {text} is only valid inside bin(), datefloor() or dateceil()",
                )
            case ast.Regex(pos=pos):
                raise self.error(pos, "a /regex/ is only valid after like, =~ or in parse")
            case ast.Star(pos=pos):
                raise self.error(pos, "'*' is only valid in count(*)")
            case ast.ListLit(pos=pos):
                raise self.error(pos, "a [list] is only valid after in")
            case ast.Unary(op="not", operand=operand):
                return SqlExpr(f"(NOT {as_bool(self.expr(operand, aggregate))})", "bool")
            case ast.Unary(operand=operand):
                return SqlExpr(f"(-{as_num(self.expr(operand, aggregate))})", "num")
            case ast.Binary():
                return self.binary(e, aggregate)
            case ast.Match():
                return self.match(e, aggregate)
            case ast.In():
                return self.in_list(e, aggregate)
            case ast.Call():
                return self.call(e, aggregate)
        raise TypeError(f"unknown expression {e!r}")

    def binary(self, e: ast.Binary, aggregate: bool) -> SqlExpr:
        left, right = self.expr(e.left, aggregate), self.expr(e.right, aggregate)
        if e.op in ("and", "or"):
            return SqlExpr(f"({as_bool(left)} {e.op.upper()} {as_bool(right)})", "bool")
        if e.op in ("=", "!=", "<", "<=", ">", ">="):
            op = "<>" if e.op == "!=" else e.op
            if numeric_context(left, right):
                return SqlExpr(f"({as_num(left)} {op} {as_num(right)})", "bool")
            return SqlExpr(f"({as_text_sql(left)} {op} {as_text_sql(right)})", "bool")
        sql_op = {"+": "+", "-": "-", "*": "*", "/": "/", "%": "%", "^": "**"}[e.op]
        a, b = as_num(left), as_num(right)
        if e.op == "/":
            return SqlExpr(f"(CAST({a} AS DOUBLE) / nullif({b}, 0))", "num")
        if e.op == "%":
            return SqlExpr(f"fmod({a}, nullif({b}, 0))", "num")
        return SqlExpr(f"({a} {sql_op} {b})", "num")

    def match(self, e: ast.Match, aggregate: bool) -> SqlExpr:
        subject = as_text_sql(self.expr(e.subject, aggregate))
        if isinstance(e.pattern, ast.Str):
            test = f"contains({subject}, {quote(e.pattern.value)})"
        elif not set(e.pattern.pattern) & REGEX_META:
            test = f"contains({subject}, {quote(e.pattern.pattern)})"  # plain text: no regex needed
        else:
            self.check_regex(e.pattern)
            test = f"regexp_matches({subject}, {quote(re2(e.pattern.pattern))})"
        return SqlExpr(f"(NOT {test})" if e.negated else test, "bool")

    def in_list(self, e: ast.In, aggregate: bool) -> SqlExpr:
        subject = self.expr(e.subject, aggregate)
        options = [self.expr(o, aggregate) for o in e.options.items]
        if not options:
            return SqlExpr("FALSE" if not e.negated else "TRUE", "bool")
        if all(o.type == "num" for o in options):
            values, lhs = [as_num(o) for o in options], as_num(subject)
        else:
            values, lhs = [as_text_sql(o) for o in options], as_text_sql(subject)
        op = "NOT IN" if e.negated else "IN"
        return SqlExpr(f"({lhs} {op} ({', '.join(values)}))", "bool")

    def call(self, e: ast.Call, aggregate: bool) -> SqlExpr:
        rendered = ast.render(e)
        if rendered in self.scope.columns:  # `sort count(*) desc` after `stats count(*)`
            return self.scope.columns[rendered]
        name = e.name.lower()
        if name in AGGREGATES:
            if not aggregate:
                raise self.error(e.pos, f"{e.name}() is an aggregation and is only valid in stats")
            function = AGGREGATES[name]
            self.check_arity(e, function.min_args, function.max_args, function.signature)
            if name in ("earliest", "latest") and not self.scope.raw:
                raise self.error(
                    e.pos, f"{e.name}() needs @timestamp, which a previous stats removed"
                )
            if name == "count" and e.args and isinstance(e.args[0], ast.Star):
                return function.build([SqlExpr("*", "any")])
            if name == "pct":
                self.check_percentile(e)
            args = [self.expr(a) for a in e.args]
            return function.build([self.hoist(args[0]), *args[1:]])
        if name == "bin":
            if not self.scope.raw:
                raise self.error(e.pos, "bin() needs @timestamp, which a previous stats removed")
            self.check_arity(e, 1, 1, "bin(period)")
            return time_floor("_ts", self.period(e.args[0], e.name), ceil=False)
        if name not in SCALARS:
            known = sorted({f.name for f in SCALARS.values()} | {"bin"})
            raise self.error(e.pos, f"unknown function {e.name}(); functions: {', '.join(known)}")
        function = SCALARS[name]
        self.check_arity(e, function.min_args, function.max_args, function.signature)
        if name in TIME_PERIOD_FUNCTIONS:  # (timestamp, period)
            args = [self.expr(e.args[0], aggregate), self.period(e.args[1], e.name)]
        else:
            args = [self.expr(a, aggregate) for a in e.args]
        return function.build(args)

    def period(self, arg: ast.Expr, function: str) -> SqlExpr:
        if not isinstance(arg, ast.Duration):
            raise self.error(
                getattr(arg, "pos", 0),
                f"{function}() needs a time period such as 30s, 5m, 1h or 1d",
            )
        if arg.unit in _CALENDAR_UNITS:
            return SqlExpr(f"cal:{_CALENDAR_UNITS[arg.unit]}:{arg.amount}", "num")
        if arg.millis <= 0:
            raise self.error(arg.pos, f"{function}() needs a period longer than zero")
        return SqlExpr(f"ms:{arg.millis}", "num")

    def check_arity(self, e: ast.Call, low: int, high: int | None, signature: str) -> None:
        n = len(e.args)
        if n < low or (high is not None and n > high):
            raise self.error(e.pos, f"{e.name}() takes {arity_text(low, high)}: {signature}")

    def check_percentile(self, e: ast.Call) -> None:
        arg = e.args[1]
        if not isinstance(arg, ast.Num) or not 0 <= arg.value <= 100:
            raise self.error(getattr(arg, "pos", e.pos), "pct() needs a percentile from 0 to 100")


def arity_text(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low} argument{'s' if low != 1 else ''}"
    if low == high:
        return f"{low} argument{'s' if low != 1 else ''}"
    return f"{low} to {high} arguments"


def has_aggregate(e: ast.Expr) -> bool:
    match e:
        case ast.Call(name=name, args=args):
            return name.lower() in AGGREGATES or any(has_aggregate(a) for a in args)
        case ast.Binary(left=left, right=right):
            return has_aggregate(left) or has_aggregate(right)
        case ast.Unary(operand=operand):
            return has_aggregate(operand)
    return False


def uses(e: ast.Expr, names: set[str]) -> bool:
    match e:
        case ast.Field(name=name):
            return name in names
        case ast.Call(args=args):
            return any(uses(a, names) for a in args)
        case ast.Binary(left=left, right=right):
            return uses(left, names) or uses(right, names)
        case ast.Unary(operand=operand):
            return uses(operand, names)
    return False


def order_terms(value: SqlExpr, descending: bool) -> list[str]:
    direction = "DESC" if descending else "ASC"
    if value.type in ("any", "json"):  # numbers sort as numbers, the rest as text
        return [
            f"TRY_CAST({value.sql} AS DOUBLE) {direction} NULLS LAST",
            f"{as_text_sql(value)} {direction} NULLS LAST",
        ]
    return [f"{value.sql} {direction} NULLS LAST"]
