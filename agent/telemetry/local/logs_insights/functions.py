"""Logs Insights functions, each compiled to a typed DuckDB SQL fragment.

Scalar functions work in `fields`, `filter`, `display`, `sort`, `parse` sources and as
`stats ... by` keys; aggregate functions only inside `stats`. Argument counts are checked
here so that a wrong call fails before the query runs, naming the function and position.
IP functions use Python's `ipaddress` through DuckDB UDFs (registered by the engine) so
that IPv6 and CIDR semantics are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.telemetry.local.logs_insights.sqlexpr import (
    SqlExpr,
    as_num,
    as_text_sql,
)

Builder = Callable[[list[SqlExpr]], SqlExpr]


@dataclass(frozen=True)
class Function:
    name: str  # canonical spelling, as AWS documents it
    min_args: int
    max_args: int | None  # None: variadic
    build: Builder
    signature: str


def _num1(sql_fn: str) -> Builder:
    return lambda a: SqlExpr(f"{sql_fn}({as_num(a[0])})", "num")


def _text1(sql_fn: str) -> Builder:
    return lambda a: SqlExpr(f"{sql_fn}({as_text_sql(a[0])})", "str")


def _trim(sql_fn: str) -> Builder:
    def build(a: list[SqlExpr]) -> SqlExpr:
        if len(a) == 1:
            return SqlExpr(f"{sql_fn}({as_text_sql(a[0])})", "str")
        return SqlExpr(f"{sql_fn}({as_text_sql(a[0])}, {as_text_sql(a[1])})", "str")

    return build


def _substr(a: list[SqlExpr]) -> SqlExpr:
    # AWS counts from 0; DuckDB from 1
    start = f"CAST({as_num(a[1])} AS BIGINT) + 1"
    if len(a) == 2:
        return SqlExpr(f"substr({as_text_sql(a[0])}, {start})", "str")
    return SqlExpr(f"substr({as_text_sql(a[0])}, {start}, CAST({as_num(a[2])} AS BIGINT))", "str")


def _coalesce(a: list[SqlExpr]) -> SqlExpr:
    types = {e.type for e in a}
    if len(types) == 1:
        return SqlExpr(f"coalesce({', '.join(e.sql for e in a)})", a[0].type)
    return SqlExpr(f"coalesce({', '.join(as_text_sql(e) for e in a)})", "any")


def _greatest(sql_fn: str) -> Builder:
    return lambda a: SqlExpr(f"{sql_fn}({', '.join(as_num(e) for e in a)})", "num")


def time_floor(millis_sql: str, period: SqlExpr, ceil: bool) -> SqlExpr:
    """Round epoch millis down (or up) to a period. `period.sql` is `ms:<n>` or `cal:<unit>:<n>`."""
    kind, *rest = period.sql.split(":")
    if kind == "ms":
        size = int(rest[0])
        op = "ceil" if ceil else "floor"
        return SqlExpr(f"CAST({op}({millis_sql} / {size}) * {size} AS BIGINT)", "ts")
    unit, amount = rest[0], int(rest[1])
    months = {"month": 1, "quarter": 3, "year": 12}[unit] * amount
    # calendar units: count whole months since the epoch, floor to a multiple of the period
    ts = f"make_timestamp(CAST({millis_sql} AS BIGINT) * 1000)"
    month_index = f"(date_part('year', {ts}) * 12 + date_part('month', {ts}) - 1 - 1970 * 12)"
    floored = f"(CAST(floor({month_index} / {months}) AS BIGINT) * {months})"
    start = f"epoch_ms(CAST(TIMESTAMP '1970-01-01' + to_months(CAST({floored} AS INTEGER)) AS TIMESTAMP))"
    if not ceil:
        return SqlExpr(start, "ts")
    next_start = f"epoch_ms(CAST(TIMESTAMP '1970-01-01' + to_months(CAST({floored} + {months} AS INTEGER)) AS TIMESTAMP))"
    return SqlExpr(f"CASE WHEN {start} = {millis_sql} THEN {start} ELSE {next_start} END", "ts")


def _as_millis(e: SqlExpr) -> str:
    return e.sql if e.type == "ts" else as_num(e)


def _ip_udf(udf: str, arity: int) -> Builder:
    def build(a: list[SqlExpr]) -> SqlExpr:
        args = ", ".join(as_text_sql(e) for e in a[:arity])
        return SqlExpr(f"{udf}({args})", "bool")

    return build


SCALARS: dict[str, Function] = {
    f.name.lower(): f
    for f in (
        # numeric
        Function("abs", 1, 1, _num1("abs"), "abs(a: number)"),
        Function("ceil", 1, 1, _num1("ceil"), "ceil(a: number)"),
        Function("floor", 1, 1, _num1("floor"), "floor(a: number)"),
        Function("greatest", 1, None, _greatest("greatest"), "greatest(a: number, ...numbers)"),
        Function("least", 1, None, _greatest("least"), "least(a: number, ...numbers)"),
        Function("log", 1, 1, _num1("ln"), "log(a: number)"),
        Function("sqrt", 1, 1, _num1("sqrt"), "sqrt(a: number)"),
        # string
        Function(
            "concat",
            1,
            None,
            lambda a: SqlExpr(f"concat({', '.join(as_text_sql(e) for e in a)})", "str"),
            "concat(str, ...strings)",
        ),
        Function("ltrim", 1, 2, _trim("ltrim"), "ltrim(str[, trimChars])"),
        Function("rtrim", 1, 2, _trim("rtrim"), "rtrim(str[, trimChars])"),
        Function("trim", 1, 2, _trim("trim"), "trim(str[, trimChars])"),
        Function(
            "strlen",
            1,
            1,
            lambda a: SqlExpr(f"length({as_text_sql(a[0])})", "num"),
            "strlen(str)",
        ),
        Function("toupper", 1, 1, _text1("upper"), "toupper(str)"),
        Function("tolower", 1, 1, _text1("lower"), "tolower(str)"),
        Function("substr", 2, 3, _substr, "substr(str, startIndex[, length])"),
        Function(
            "replace",
            3,
            3,
            lambda a: SqlExpr(
                f"replace({as_text_sql(a[0])}, {as_text_sql(a[1])}, {as_text_sql(a[2])})", "str"
            ),
            "replace(str, searchValue, replaceValue)",
        ),
        Function(
            "strcontains",
            2,
            2,
            lambda a: SqlExpr(
                f"CAST(contains({as_text_sql(a[0])}, {as_text_sql(a[1])}) AS INTEGER)", "num"
            ),
            "strcontains(str, searchValue)",
        ),
        # general
        Function(
            "ispresent",
            1,
            1,
            lambda a: SqlExpr(f"({a[0].sql} IS NOT NULL)", "bool"),
            "ispresent(field)",
        ),
        Function(
            "isempty",
            1,
            1,
            lambda a: SqlExpr(f"coalesce({as_text_sql(a[0])}, '') = ''", "bool"),
            "isempty(field)",
        ),
        Function(
            "isblank",
            1,
            1,
            lambda a: SqlExpr(f"trim(coalesce({as_text_sql(a[0])}, '')) = ''", "bool"),
            "isblank(field)",
        ),
        Function("coalesce", 1, None, _coalesce, "coalesce(field, ...fields)"),
        # datetime (the period argument is checked by the compiler)
        Function(
            "datefloor",
            2,
            2,
            lambda a: time_floor(_as_millis(a[0]), a[1], ceil=False),
            "datefloor(timestamp, period)",
        ),
        Function(
            "dateceil",
            2,
            2,
            lambda a: time_floor(_as_millis(a[0]), a[1], ceil=True),
            "dateceil(timestamp, period)",
        ),
        Function(
            "fromMillis",
            1,
            1,
            lambda a: SqlExpr(f"CAST({as_num(a[0])} AS BIGINT)", "ts"),
            "fromMillis(millis: number)",
        ),
        Function(
            "toMillis",
            1,
            1,
            lambda a: SqlExpr(a[0].sql if a[0].type == "ts" else as_num(a[0]), "num"),
            "toMillis(timestamp)",
        ),
        # IP address strings
        Function("isValidIp", 1, 1, _ip_udf("fa2_is_valid_ip", 1), "isValidIp(field)"),
        Function("isValidIpV4", 1, 1, _ip_udf("fa2_is_valid_ipv4", 1), "isValidIpV4(field)"),
        Function("isValidIpV6", 1, 1, _ip_udf("fa2_is_valid_ipv6", 1), "isValidIpV6(field)"),
        Function(
            "isIpInSubnet", 2, 2, _ip_udf("fa2_is_ip_in_subnet", 2), "isIpInSubnet(field, subnet)"
        ),
        Function(
            "isIpv4InSubnet",
            2,
            2,
            _ip_udf("fa2_is_ipv4_in_subnet", 2),
            "isIpv4InSubnet(field, subnet)",
        ),
        Function(
            "isIpv6InSubnet",
            2,
            2,
            _ip_udf("fa2_is_ipv6_in_subnet", 2),
            "isIpv6InSubnet(field, subnet)",
        ),
        # JSON
        Function(
            "jsonParse",
            1,
            1,
            lambda a: SqlExpr(
                f"CASE WHEN json_valid({as_text_sql(a[0])}) THEN {as_text_sql(a[0])} END", "json"
            ),
            "jsonParse(field)",
        ),
    )
}
# `bin(period)` is scalar too but reads @timestamp; the compiler builds it with _time_floor.
TIME_PERIOD_FUNCTIONS = ("bin", "datefloor", "dateceil")


def _agg_num(sql_fn: str) -> Builder:
    return lambda a: SqlExpr(f"{sql_fn}({as_num(a[0])})", "num")


def _min_max(sql_fn: str) -> Builder:
    def build(a: list[SqlExpr]) -> SqlExpr:
        if a[0].type == "ts":  # min(@timestamp) stays a timestamp
            return SqlExpr(f"{sql_fn}({a[0].sql})", "ts")
        return SqlExpr(f"{sql_fn}({as_num(a[0])})", "num")

    return build


def _count(a: list[SqlExpr]) -> SqlExpr:
    if not a or a[0].sql == "*":
        return SqlExpr("count(*)", "num")
    return SqlExpr(f"count({a[0].sql})", "num")


def _pct(a: list[SqlExpr]) -> SqlExpr:
    return SqlExpr(f"quantile_cont({as_num(a[0])}, {as_num(a[1])} / 100.0)", "num")


def _by_time(sql_fn: str) -> Builder:
    return lambda a: SqlExpr(f"{sql_fn}({a[0].sql}, _ts)", a[0].type)


def _sorts(sql_fn: str) -> Builder:
    def build(a: list[SqlExpr]) -> SqlExpr:
        if a[0].type in ("num", "ts"):
            return SqlExpr(f"{sql_fn}({a[0].sql})", a[0].type)
        return SqlExpr(f"{sql_fn}({as_text_sql(a[0])})", "any")

    return build


AGGREGATES: dict[str, Function] = {
    f.name.lower(): f
    for f in (
        Function("avg", 1, 1, _agg_num("avg"), "avg(field: number)"),
        Function("count", 0, 1, _count, "count(*) | count(field)"),
        Function(
            "count_distinct",
            1,
            1,
            lambda a: SqlExpr(f"count(DISTINCT {as_text_sql(a[0])})", "num"),
            "count_distinct(field)",
        ),
        Function("max", 1, 1, _min_max("max"), "max(field)"),
        Function("min", 1, 1, _min_max("min"), "min(field)"),
        Function("pct", 2, 2, _pct, "pct(field: number, percentile: number)"),
        Function("stddev", 1, 1, _agg_num("stddev_samp"), "stddev(field: number)"),
        Function("sum", 1, 1, _agg_num("sum"), "sum(field: number)"),
        Function("earliest", 1, 1, _by_time("arg_min"), "earliest(field)"),
        Function("latest", 1, 1, _by_time("arg_max"), "latest(field)"),
        Function("sortsFirst", 1, 1, _sorts("min"), "sortsFirst(field)"),
        Function("sortsLast", 1, 1, _sorts("max"), "sortsLast(field)"),
    )
}
