"""Compile a parsed query into DuckDB SQL: one CTE per command, then a final SELECT.

Each command reads the relation the previous one produced. Until the first `stats` the
relation keeps the raw event columns (see `fields.py`), so any discovered field can be
computed where it is named; `fields`, `parse` and `unnest` add columns; `stats` replaces the
relation by its groups and aggregates, after which only those fields exist (as on AWS).
`pattern` cannot be SQL: the engine runs the part before it, clusters in Python, and
compiles the rest of the pipeline over the clustered rows (`pattern_scope`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.telemetry.local.logs_insights import ast
from agent.telemetry.local.logs_insights.expressions import (
    ExpressionCompiler,
    Scope,
    has_aggregate,
    order_terms,
    uses,
)
from agent.telemetry.local.logs_insights.patterns import PATTERN_FIELDS
from agent.telemetry.local.logs_insights.regexes import (
    glob_to_regex,
    named_to_positional,
    unnamed_groups,
)
from agent.telemetry.local.logs_insights.sqlexpr import (
    NULL,
    SqlExpr,
    SqlType,
    as_bool,
    as_text_sql,
    ident,
    quote,
)

DEFAULT_EVENT_FIELDS = ("@timestamp", "@message")
__all__ = ["Compiled", "Compiler", "Scope", "check_query", "leading_filter_sql", "pattern_scope"]


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


class Compiler(ExpressionCompiler):
    def __init__(self, text: str, account_id: str, source_sql: str, scope: Scope) -> None:
        super().__init__(text, account_id, scope)
        self.ctes: list[tuple[str, str]] = [("s0", source_sql)]
        self.limit: int | None = None
        self.matched_relation: str | None = None
        self.pre_limit_relation = "s0"  # the events before any limit: recordsMatched counts them

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def relation(self) -> str:
        return self.ctes[-1][0]

    def stage(self, body: str) -> str:
        name = f"s{len(self.ctes)}"
        self.ctes.append((name, body))
        return name

    def result(self) -> Compiled:
        return Compiled(self.ctes, self.relation, self.scope, self.limit, self.matched_relation)

    # -- commands ---------------------------------------------------------------------------

    def compile(self, commands: Sequence[ast.Command]) -> Compiled:
        after_dedup = False
        for command in commands:
            if after_dedup and not isinstance(command, ast.LimitCmd):
                raise self.error(command.pos, "only limit may follow dedup (as on AWS)")
            after_dedup = after_dedup or isinstance(command, ast.DedupCmd)
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
        self.hoisted = {}
        for item in command.aggregates:
            # an aggregation may reuse earlier ones by alias, as AWS's own Lambda example does:
            # `stats max(@memorySize) as a, max(@maxMemoryUsed) as b, a - b as spare`
            earlier = {name for name, _ in aggregates}
            if not has_aggregate(item.expr) and not uses(item.expr, earlier):
                raise self.error(
                    item.pos,
                    f"'{ast.render(item.expr)}' is not an aggregation; stats needs functions "
                    "such as count(*), avg(field), pct(field, 95)",
                )
            value = self.expr(item.expr, aggregate=True)
            aggregates.append((item.name, value))
            self.scope.columns[item.name] = value
        self.scope.columns = outer
        if self.hoisted:
            arguments = ", ".join(f"{sql} AS {ident(col)}" for sql, col in self.hoisted.items())
            self.stage(f"SELECT *, {arguments} FROM {self.relation}")
        self.hoisted = None
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
        order = [t for name, _ in groups for t in order_terms(columns[name], descending=False)]
        self.scope = Scope.for_rows(columns, order)

    def sort_terms(self, key: ast.SortKey) -> list[str]:
        return order_terms(self.expr(key.expr), key.descending)

    def order_by(self) -> str:
        order = self.event_order()
        return f" ORDER BY {', '.join(order)}" if order else ""

    def event_order(self) -> list[str]:
        """The order in effect: the sort's, or newest first for events, as final results
        come. Events the order ties are taken by their row id (`_ptr_id`), so the same query
        over the same files shows the same events (a parallel sort breaks ties at random)."""
        events = self.scope.raw and not self.scope.aggregated
        order = list(self.scope.order or (["_ts DESC"] if events else []))
        return [*order, "_ptr_id"] if events and order else order

    def parse(self, command: ast.ParseCmd) -> None:
        source = as_text_sql(self.expr(command.source))
        if command.glob is not None:
            pattern = glob_to_regex(command.glob)
            group_names = list(command.names)
            positions = list(range(len(group_names)))
        else:
            assert command.regex is not None
            self.check_regex(ast.Regex(command.regex, command.pattern_pos))
            pattern, group_names, positions = named_to_positional(command.regex)
        # one regex pass: group `_all` wraps the whole pattern, empty exactly when nothing matched
        labels = ["_all"] + [f"g{i}" for i in range(unnamed_groups(pattern))]
        column = self.new_column()
        label_list = ", ".join(quote(g) for g in labels)
        extract = f"regexp_extract({source}, {quote('(' + pattern + ')')}, [{label_list}])"
        self.stage(f"SELECT *, {extract} AS {ident(column)} FROM {self.relation}")
        matched = f"struct_extract({ident(column)}, '_all') <> ''"
        for name, position in zip(group_names, positions, strict=True):
            value = f"struct_extract({ident(column)}, {quote(labels[position + 1])})"
            self.scope.columns[name] = SqlExpr(f"CASE WHEN {matched} THEN {value} END", "any")
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
        # a list gives one row per element; anything else is a list of one item (AWS's rule)
        items = (
            f"CASE WHEN json_type({source.sql}) = 'ARRAY' THEN json_extract({source.sql}, '$[*]') "
            f"ELSE [{source.sql}] END"
        )
        self.stage(f"SELECT *, unnest({items}) AS {ident(column)} FROM {self.relation}")
        self.scope.columns[command.target] = SqlExpr(ident(column), "json")
        if command.target not in self.scope.output:
            self.scope.output.append(command.target)

    def pattern_input(self, source: ast.Expr, masked_column: str | None = None) -> tuple[str, bool]:
        """SELECT of the text to cluster (`_p`), one row per event so far; and whether it
        also selects the text already masked (`_m`): when the text is the raw message and
        the events carry its masked form in `masked_column`."""
        text = as_text_sql(self.expr(source))
        if masked_column is not None and text == "_msg":
            return f"SELECT _msg AS _p, {masked_column} AS _m FROM {self.relation}", True
        return f"SELECT {text} AS _p FROM {self.relation} WHERE {text} IS NOT NULL", False

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
        order = self.event_order()
        limit = min(self.limit or default_limit, default_limit)
        order_sql = f" ORDER BY {', '.join(order)}" if order else ""
        sql = f"SELECT {', '.join(selects)} FROM {self.relation}{order_sql} LIMIT {limit}"
        return sql, shown, events

    # -- expressions ------------------------------------------------------------------------


def leading_filter_sql(query: ast.Query, account_id: str) -> str | None:
    """The condition of the query's first command when it is a `filter`, as SQL over the
    event columns (and `_json`); None otherwise. No later command can see an event it
    rejects, so a read of the files for this query alone may keep only the others."""
    commands = list(query.commands)
    if not commands or not isinstance(commands[0], ast.FilterCmd):
        return None
    return as_bool(
        Compiler(query.text, account_id, "SELECT 1", Scope()).expr(commands[0].condition)
    )


def shows_events(query: ast.Query) -> bool:
    """Whether the query's rows may be events (with `@ptr`), not stats or pattern rows."""
    return not any(isinstance(c, ast.StatsCmd | ast.PatternCmd) for c in query.commands)


def check_query(query: ast.Query) -> None:
    """Compile a query without running it, so that every mistake found before running
    (unknown function, wrong arguments, an aggregation outside stats) is raised here."""
    _compiled_sql(query, "000000000000")


def event_columns_read(query: ast.Query, account_id: str) -> frozenset[str]:
    """Which of the stored event columns beside the group and time (`_msg`, `_stream`,
    `_ingest`) the query's SQL reads: a read of the files for this query alone need not
    extract the others. Found in the compiled SQL, where a field the query names has
    become its column (`_json`, whether the message is a JSON object, needs `_msg`)."""
    sql = _compiled_sql(query, account_id)
    read = {c for c in ("_msg", "_stream", "_ingest") if re.search(rf"\b{c}\b", sql)}
    if re.search(r"\b_json\b", sql):
        read.add("_msg")
    return frozenset(read)


def _compiled_sql(query: ast.Query, account_id: str) -> str:
    """The SQL a query compiles to, over a stand-in source (raises what compiling finds)."""
    commands = list(query.commands)
    patterns = [i for i, c in enumerate(commands) if isinstance(c, ast.PatternCmd)]
    compiler = Compiler(query.text, account_id, "SELECT 1", Scope())
    if len(patterns) > 1:
        raise compiler.error(commands[patterns[1]].pos, "only one pattern command is allowed")
    if not patterns:
        compiled = compiler.compile(commands)
        return f"{compiled.with_clause()}\n{compiler.final_select(1)[0]}"
    command = commands[patterns[0]]
    assert isinstance(command, ast.PatternCmd)
    head = compiler.compile(commands[: patterns[0]])
    pattern_input, _ = compiler.pattern_input(command.source)
    tail = Compiler(query.text, account_id, "SELECT 1", pattern_scope())
    tail.compile(commands[patterns[0] + 1 :])
    tail.final_select(1)
    return f"{head.with_clause()}\n{pattern_input}"


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
