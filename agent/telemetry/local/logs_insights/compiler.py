"""Compile a parsed query into DuckDB SQL: one CTE per command, then a final SELECT.

Each command reads the relation the previous one produced. Until the first `stats` the
relation keeps the raw event columns (see `fields.py`), so any discovered field can be
computed where it is named; `fields`, `parse` and `unnest` add columns; `stats` replaces the
relation by its groups and aggregates, after which only those fields exist (as on AWS).
`pattern` cannot be SQL: the engine runs the part before it, clusters in Python, and
compiles the rest of the pipeline over the clustered rows (`Scope.for_rows`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from agent.telemetry.base import QueryError
from agent.telemetry.local.logs_insights import ast
from agent.telemetry.local.logs_insights.fields import json_field, json_value, system_field
from agent.telemetry.local.logs_insights.functions import (
    AGGREGATES,
    SCALARS,
    TIME_PERIOD_FUNCTIONS,
    _time_floor,
)
from agent.telemetry.local.logs_insights.lexer import location
from agent.telemetry.local.logs_insights.patterns import PATTERN_FIELDS
from agent.telemetry.local.logs_insights.sqlexpr import (
    NULL,
    SqlExpr,
    SqlType,
    as_bool,
    as_num,
    as_text_sql,
    ident,
    numeric_context,
    quote,
)

_CALENDAR_UNITS = {
    "mo": "month",
    "month": "month",
    "months": "month",
    "q": "quarter",
    "quarter": "quarter",
    "quarters": "quarter",
    "y": "year",
    "year": "year",
    "years": "year",
}
_REGEX_META = set("\\.^$|?*+()[]{}")
DEFAULT_EVENT_FIELDS = ("@timestamp", "@message")


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


@dataclass
class Compiled:
    """SQL for a pipeline segment: CTEs, then the relation name the next step reads."""

    ctes: list[tuple[str, str]]
    relation: str
    scope: Scope
    limit: int | None
    matched_relation: str | None  # first stats (materialized): sum(_matched) = recordsMatched

    def with_clause(self) -> str:
        parts = []
        for name, body in self.ctes:
            materialized = " MATERIALIZED" if name == self.matched_relation else ""
            parts.append(f"{name} AS{materialized} ({body})")
        return "WITH " + ",\n".join(parts) if parts else ""


class Compiler:
    def __init__(self, text: str, account_id: str, source_sql: str, scope: Scope) -> None:
        self.text = text
        self.account_id = account_id
        self.ctes: list[tuple[str, str]] = [("s0", source_sql)]
        self.scope = scope
        self.limit: int | None = None
        self.matched_relation: str | None = None
        self.pre_limit_relation = "s0"  # the events before any limit: recordsMatched counts them
        self._counter = 0

    # -- plumbing ---------------------------------------------------------------------------

    def error(self, pos: int, message: str) -> QueryError:
        return QueryError(f"Invalid query at {location(self.text, pos)}: {message}", position=pos)

    @property
    def relation(self) -> str:
        return self.ctes[-1][0]

    def stage(self, body: str) -> str:
        name = f"s{len(self.ctes)}"
        self.ctes.append((name, body))
        return name

    def new_column(self) -> str:
        self._counter += 1
        return f"c{self._counter}"

    def result(self) -> Compiled:
        return Compiled(self.ctes, self.relation, self.scope, self.limit, self.matched_relation)

    # -- commands ---------------------------------------------------------------------------

    def compile(self, commands: Sequence[ast.Command]) -> Compiled:
        for command in commands:
            match command:
                case ast.FieldsCmd(items=items):
                    self.project(items, show=True)
                case ast.DisplayCmd(items=items):
                    self.scope.display = self.project(items, show=False)
                case ast.FilterCmd(condition=condition):
                    cond = as_bool(self.expr(condition))
                    self.stage(f"SELECT * FROM {self.relation} WHERE {cond}")
                case ast.StatsCmd():
                    self.stats(command)
                case ast.SortCmd(keys=keys):
                    self.scope.order = [t for k in keys for t in self.sort_terms(k)]
                case ast.LimitCmd(count=count):
                    self.stage(f"SELECT * FROM {self.relation}{self.order_by()} LIMIT {count}")
                    self.limit = count if self.limit is None else min(self.limit, count)
                case ast.ParseCmd():
                    self.parse(command)
                case ast.DedupCmd(fields=dedup_fields):
                    self.dedup(dedup_fields)
                case ast.UnnestCmd():
                    self.unnest(command)
                case ast.PatternCmd(pos=pos):
                    raise self.error(pos, "pattern is handled by the engine")  # never reached
            if self.limit is None:
                self.pre_limit_relation = self.relation
        return self.result()

    def project(self, items: Sequence[ast.Projection], show: bool) -> list[str]:
        names: list[str] = []
        selects: list[str] = []
        defined: dict[str, SqlExpr] = {}
        for item in items:
            value = self.expr(item.expr)
            if isinstance(item.expr, ast.Field) and item.name == item.expr.name:
                names.append(item.name)  # a plain field: nothing to compute
                continue
            column = self.new_column()
            selects.append(f"{value.sql} AS {ident(column)}")
            defined[item.name] = SqlExpr(ident(column), value.type)
            names.append(item.name)
        if selects:
            self.stage(f"SELECT *, {', '.join(selects)} FROM {self.relation}")
            self.scope.columns.update(defined)
        if show:
            self.scope.output += [n for n in names if n not in self.scope.output]
        return names

    def stats(self, command: ast.StatsCmd) -> None:
        groups: list[tuple[str, SqlExpr]] = []
        for item in command.groups:
            groups.append((item.name, self.expr(item.expr)))
        aggregates: list[tuple[str, SqlExpr]] = []
        outer = dict(self.scope.columns)
        for item in command.aggregates:
            # an aggregation may reuse earlier ones by alias, as AWS's own Lambda example does:
            # `stats max(@memorySize) as a, max(@maxMemoryUsed) as b, a - b as spare`
            earlier = {name for name, _ in aggregates}
            if not _has_aggregate(item.expr) and not _uses(item.expr, earlier):
                raise self.error(
                    item.pos,
                    f"'{ast.render(item.expr)}' is not an aggregation; stats needs functions "
                    "such as count(*), avg(field), pct(field, 95)",
                )
            value = self.expr(item.expr, aggregate=True)
            aggregates.append((item.name, value))
            self.scope.columns[item.name] = value
        self.scope.columns = outer
        selects, columns = [], {}
        for name, value in [*groups, *aggregates]:
            column = self.new_column()
            selects.append(f"{value.sql} AS {ident(column)}")
            columns[name] = SqlExpr(ident(column), value.type)
        first = not self.scope.aggregated
        if first:
            selects.append("count(*) AS _matched")
        group_by = (
            f" GROUP BY {', '.join(str(i + 1) for i in range(len(groups)))}" if groups else ""
        )
        self.stage(f"SELECT {', '.join(selects)} FROM {self.relation}{group_by}")
        if first:
            self.matched_relation = self.relation
        order = [t for name, _ in groups for t in _order_terms(columns[name], descending=False)]
        self.scope = Scope.for_rows(columns, order)

    def sort_terms(self, key: ast.SortKey) -> list[str]:
        return _order_terms(self.expr(key.expr), key.descending)

    def order_by(self) -> str:
        """The order in effect; events with no sort come newest first, as final results do."""
        order = self.scope.order or (
            ["_ts DESC"] if self.scope.raw and not self.scope.aggregated else []
        )
        return f" ORDER BY {', '.join(order)}" if order else ""

    def parse(self, command: ast.ParseCmd) -> None:
        source = as_text_sql(self.expr(command.source))
        if command.glob is not None:
            pattern = _glob_to_regex(command.glob)
            group_names = list(command.names)
            positions = list(range(len(group_names)))
        else:
            assert command.regex is not None
            _check_regex(self, ast.Regex(command.regex, command.pattern_pos))
            pattern, group_names, positions = _named_to_positional(command.regex)
        labels = [f"g{i}" for i in range(_unnamed_groups(pattern))]
        column = self.new_column()
        extract = (
            f"CASE WHEN regexp_matches({source}, {quote(pattern)}) THEN "
            f"regexp_extract({source}, {quote(pattern)}, [{', '.join(quote(g) for g in labels)}]) END"
        )
        self.stage(f"SELECT *, {extract} AS {ident(column)} FROM {self.relation}")
        for name, position in zip(group_names, positions, strict=True):
            self.scope.columns[name] = SqlExpr(
                f"struct_extract({ident(column)}, {quote(labels[position])})", "any"
            )
            if name not in self.scope.output:
                self.scope.output.append(name)

    def dedup(self, dedup_fields: Sequence[ast.Field]) -> None:
        keys = [self.expr(f).sql for f in dedup_fields]
        order = self.scope.order or (["_ts DESC"] if self.scope.raw else [])
        window = f"PARTITION BY {', '.join(keys)}" + (
            f" ORDER BY {', '.join(order)}" if order else ""
        )
        any_missing = " OR ".join(f"{k} IS NULL" for k in keys)
        self.stage(
            f"SELECT * FROM {self.relation} QUALIFY row_number() OVER ({window}) = 1 OR {any_missing}"
        )

    def unnest(self, command: ast.UnnestCmd) -> None:
        source = self.resolve_json(command.source.name)
        if source is None:
            raise self.error(
                command.source.pos,
                f"unnest needs a list field; '{command.source.name}' is not a field of the events",
            )
        column = self.new_column()
        self.stage(
            f"SELECT *, unnest(json_extract({source.sql}, '$[*]')) AS {ident(column)} FROM {self.relation}"
        )
        self.scope.columns[command.target] = SqlExpr(ident(column), "json")
        if command.target not in self.scope.output:
            self.scope.output.append(command.target)

    def pattern_input(self, source: ast.Expr) -> str:
        """SELECT of the text to cluster (`_p`) and its event count so far."""
        text = as_text_sql(self.expr(source))
        return f"SELECT {text} AS _p FROM {self.relation} WHERE {text} IS NOT NULL"

    def final_select(
        self, default_limit: int, extra: Sequence[str] = ()
    ) -> tuple[str, list[tuple[str, SqlType]], bool]:
        """The last SELECT: (sql, [(field name, type)], whether rows are events with @ptr).

        `extra` select items come after the shown fields (and after `_ptr` for events)."""
        names = self.scope.display or self.scope.output or list(DEFAULT_EVENT_FIELDS)
        selects: list[str] = []
        shown: list[tuple[str, SqlType]] = []
        for name in names:
            value = self.resolve(name) or NULL
            if value.type == "json":  # a list element or parsed document prints as its text
                value = SqlExpr(as_text_sql(value), "str")
            selects.append(f"{value.sql} AS {ident('o' + str(len(shown)))}")
            shown.append((name, value.type))
        events = self.scope.raw and not self.scope.aggregated
        if events:
            selects.append("_ptr_id AS _ptr")
        selects.extend(extra)
        order = self.scope.order or (["_ts DESC"] if events else [])
        limit = min(self.limit or default_limit, default_limit)
        order_sql = f" ORDER BY {', '.join(order)}" if order else ""
        sql = f"SELECT {', '.join(selects)} FROM {self.relation}{order_sql} LIMIT {limit}"
        return sql, shown, events

    # -- expressions ------------------------------------------------------------------------

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
            return value if value.type == "json" else SqlExpr(f"json({value.sql})", "json")
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
        elif not set(e.pattern.pattern) & _REGEX_META:
            test = f"contains({subject}, {quote(e.pattern.pattern)})"  # plain text: no regex needed
        else:
            _check_regex(self, e.pattern)
            test = f"regexp_matches({subject}, {quote(_re2(e.pattern.pattern))})"
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
            return function.build([self.expr(a) for a in e.args])
        if name == "bin":
            if not self.scope.raw:
                raise self.error(e.pos, "bin() needs @timestamp, which a previous stats removed")
            self.check_arity(e, 1, 1, "bin(period)")
            return _time_floor("_ts", self.period(e.args[0], e.name), ceil=False)
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
            raise self.error(e.pos, f"{e.name}() takes {_arity_text(low, high)}: {signature}")

    def check_percentile(self, e: ast.Call) -> None:
        arg = e.args[1]
        if not isinstance(arg, ast.Num) or not 0 <= arg.value <= 100:
            raise self.error(getattr(arg, "pos", e.pos), "pct() needs a percentile from 0 to 100")


def _arity_text(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low} argument{'s' if low != 1 else ''}"
    if low == high:
        return f"{low} argument{'s' if low != 1 else ''}"
    return f"{low} to {high} arguments"


def _has_aggregate(e: ast.Expr) -> bool:
    match e:
        case ast.Call(name=name, args=args):
            return name.lower() in AGGREGATES or any(_has_aggregate(a) for a in args)
        case ast.Binary(left=left, right=right):
            return _has_aggregate(left) or _has_aggregate(right)
        case ast.Unary(operand=operand):
            return _has_aggregate(operand)
    return False


def _uses(e: ast.Expr, names: set[str]) -> bool:
    match e:
        case ast.Field(name=name):
            return name in names
        case ast.Call(args=args):
            return any(_uses(a, names) for a in args)
        case ast.Binary(left=left, right=right):
            return _uses(left, names) or _uses(right, names)
        case ast.Unary(operand=operand):
            return _uses(operand, names)
    return False


def _order_terms(value: SqlExpr, descending: bool) -> list[str]:
    direction = "DESC" if descending else "ASC"
    if value.type in ("any", "json"):  # numbers sort as numbers, the rest as text
        return [
            f"TRY_CAST({value.sql} AS DOUBLE) {direction} NULLS LAST",
            f"{as_text_sql(value)} {direction} NULLS LAST",
        ]
    return [f"{value.sql} {direction} NULLS LAST"]


def _glob_to_regex(glob: str) -> str:
    """`user=*, latency=*` -> `user=(.*?), latency=(.*)`: lazy stars, a trailing one greedy."""
    pieces = glob.split("*")
    out = []
    for i, piece in enumerate(pieces):
        out.append("".join("\\" + c if c in _REGEX_META else c for c in piece))
        if i < len(pieces) - 1:
            out.append("(.*)" if i == len(pieces) - 2 and pieces[-1] == "" else "(.*?)")
    return "".join(out)


def _named_to_positional(regex: str) -> tuple[str, list[str], list[int]]:
    """Drop group names (RE2 and AWS spell them differently) and return each name's group index."""
    names: list[str] = []
    positions: list[int] = []
    out: list[str] = []
    group = 0
    i = 0
    in_class = False
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            out.append(regex[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
        if c == "(":
            m = re.match(r"\(\?P?<([A-Za-z_@$][\w@$.]*)>", regex[i:])
            if m:
                names.append(m.group(1))
                positions.append(group)
                group += 1
                out.append("(")
                i += m.end()
                continue
            if not regex.startswith("(?", i):
                group += 1
        out.append(c)
        i += 1
    return "".join(out), names, positions


def _unnamed_groups(pattern: str) -> int:
    count, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(" and not pattern.startswith("(?", i):
            count += 1
        i += 1
    return count


def _re2(pattern: str) -> str:
    """AWS writes named groups `(?<name>...)`; DuckDB's RE2 wants `(?P<name>...)`."""
    return re.sub(r"\(\?<(?=[A-Za-z_@$])", "(?P<", pattern)


_checker: duckdb.DuckDBPyConnection | None = None
_checker_lock = threading.Lock()


def _check_regex(compiler: Compiler, regex: ast.Regex) -> None:
    """Fail before running on a regex RE2 (DuckDB's engine) cannot compile."""
    global _checker
    with _checker_lock:
        if _checker is None:
            _checker = duckdb.connect(config={"autoinstall_known_extensions": False})
        cursor = _checker.cursor()
    try:
        cursor.execute("SELECT regexp_matches('', ?)", [_re2(regex.pattern)]).fetchall()
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0].removeprefix("Invalid Input Error: ")
        raise compiler.error(
            regex.pos, f"invalid regular expression /{regex.pattern}/: {reason}"
        ) from None
    finally:
        cursor.close()


def check_query(query: ast.Query) -> None:
    """Compile a query without running it, so that every mistake found before running
    (unknown function, wrong arguments, an aggregation outside stats) is raised here."""
    commands = list(query.commands)
    patterns = [i for i, c in enumerate(commands) if isinstance(c, ast.PatternCmd)]
    compiler = Compiler(query.text, "000000000000", "SELECT 1", Scope())
    if len(patterns) > 1:
        raise compiler.error(commands[patterns[1]].pos, "only one pattern command is allowed")
    if not patterns:
        compiler.compile(commands)
        compiler.final_select(1)
        return
    command = commands[patterns[0]]
    assert isinstance(command, ast.PatternCmd)
    compiler.compile(commands[: patterns[0]])
    compiler.pattern_input(command.source)
    tail = Compiler(query.text, "000000000000", "SELECT 1", pattern_scope())
    tail.compile(commands[patterns[0] + 1 :])
    tail.final_select(1)


PATTERN_TYPES: tuple[SqlType, ...] = ("str", "num", "num", "str", "str")


def pattern_scope() -> Scope:
    """The relation `pattern` produces: columns c0..c4, largest pattern first."""
    scope = Scope.for_rows(
        {
            name: SqlExpr(ident(f"c{i}"), kind)
            for i, (name, kind) in enumerate(zip(PATTERN_FIELDS, PATTERN_TYPES, strict=True))
        },
        order=[f"{ident('c2')} DESC", f"{ident('c0')} ASC"],
    )
    scope.output = list(PATTERN_FIELDS)
    return scope
