"""Athena (Trino) SQL -> DuckDB SQL, with fixes where sqlglot's translation is wrong for
Athena's semantics.

sqlglot does most of the work. What it gets wrong, and what we do about it:
- `parse_datetime` / `format_datetime` take Joda-Time patterns; sqlglot passes the pattern
  through unchanged (DuckDB then fails or misparses) -> translated to strftime patterns.
- `url_extract_host/path/port/protocol/query/fragment/parameter` pass through silently and
  do not exist in DuckDB -> DuckDB macros with Trino's meaning (installed once per database).
- Integer division: Trino's `7 / 2` is 3, DuckDB's is 3.5 -> the tree is qualified and typed
  against the table schemas first so sqlglot emits truncating division for integers.
- `date_diff(unit, a, b)` counts whole units in Trino, unit boundaries in DuckDB's
  `date_diff` -> DuckDB's `date_sub`.
- `AwsDataCatalog.db.table` -> `db.table` (DuckDB has no such catalog).
- Unnamed result columns are `_col0`, `_col1`, ... as Athena names them.

Not supported (refused by DuckDB with a clear message): Athena-specific functions outside
the list in `SUPPORTED_FUNCTIONS`, ML/geospatial functions, `TABLESAMPLE`, lambda syntax
other than `x -> expr` where sqlglot cannot translate it, partition pseudo-columns
(`"$path"`), and `SHOW`/`DESCRIBE` (use the table schemas instead).
"""

from __future__ import annotations

import re
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from agent.telemetry.errors import QueryError
from agent.telemetry.sql_guard import TOO_DEEP, parse_errors_as_query_errors

# The Athena functions this engine is tested with (tests/local/test_athena_functions.py).
SUPPORTED_FUNCTIONS = (
    "from_iso8601_timestamp, from_iso8601_date, date_parse, parse_datetime, format_datetime, "
    "date_format, date_trunc, date_add, date_diff, to_unixtime, from_unixtime, to_iso8601, "
    "regexp_extract, regexp_extract_all, regexp_like, regexp_replace, split, split_part, "
    "strpos, substr, replace, lower, upper, length, trim, concat, json_extract_scalar, "
    "json_extract, json_parse, json_array_length, json_format, url_extract_host, "
    "url_extract_path, url_extract_query, url_extract_parameter, url_extract_port, "
    "url_extract_protocol, url_decode, approx_percentile, approx_distinct, count_if, "
    "max_by, min_by, arbitrary, histogram, array_agg, cardinality, element_at, contains, "
    "try_cast, try, coalesce, if, greatest, least, round, UNNEST / CROSS JOIN UNNEST, "
    "window functions (row_number, rank, lag, lead, sum/avg/count OVER)"
)

# DuckDB macros for Trino functions DuckDB lacks. Same name, same meaning (NULL when absent).
_URL = r"^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?://([^/?#:]*)(?::([0-9]+))?)?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$"
MACROS = [
    f"CREATE OR REPLACE MACRO url_extract_protocol(u) AS NULLIF(regexp_extract(u, '{_URL}', 1), '')",
    f"CREATE OR REPLACE MACRO url_extract_host(u) AS NULLIF(regexp_extract(u, '{_URL}', 2), '')",
    f"CREATE OR REPLACE MACRO url_extract_port(u) AS TRY_CAST(NULLIF(regexp_extract(u, '{_URL}', 3), '') AS BIGINT)",
    f"CREATE OR REPLACE MACRO url_extract_path(u) AS regexp_extract(u, '{_URL}', 4)",
    f"CREATE OR REPLACE MACRO url_extract_query(u) AS NULLIF(regexp_extract(u, '{_URL}', 5), '')",
    f"CREATE OR REPLACE MACRO url_extract_fragment(u) AS NULLIF(regexp_extract(u, '{_URL}', 6), '')",
    "CREATE OR REPLACE MACRO url_extract_parameter(u, name) AS url_decode(NULLIF(regexp_extract("
    "u, '[?&]' || regexp_escape(name) || '=([^&#]*)', 1), ''))",
    "CREATE OR REPLACE MACRO to_iso8601(t) AS strftime(t, '%Y-%m-%dT%H:%M:%S.%gZ')",
    "CREATE OR REPLACE MACRO json_format(j) AS CAST(j AS VARCHAR)",
]

# Joda-Time pattern letters (runs) -> strftime. Longest run first.
_JODA = {
    "yyyy": "%Y",
    "YYYY": "%Y",
    "yy": "%y",
    "MMMM": "%B",
    "MMM": "%b",
    "MM": "%m",
    "M": "%-m",
    "dd": "%d",
    "d": "%-d",
    "HH": "%H",
    "H": "%-H",
    "hh": "%I",
    "h": "%-I",
    "mm": "%M",
    "m": "%-M",
    "ss": "%S",
    "s": "%-S",
    "SSSSSSSSS": "%n",
    "SSSSSS": "%f",
    "SSS": "%g",
    "a": "%p",
    "EEEE": "%A",
    "EEE": "%a",
    "DDD": "%j",
    "ZZ": "%z",
    "Z": "%z",
    "z": "%Z",
}
# A quoted literal ('' is a quote; like Joda, an unterminated quote runs to the end, which
# AWS's own ALB example relies on), a run of one pattern letter, or other literal text.
_JODA_TOKEN = re.compile(r"'((?:[^']|'')*)(?:'|$)|([A-Za-z])\2*|([^A-Za-z']+)")


def joda_to_strftime(pattern: str) -> str:
    """Translate a Joda-Time pattern (as Trino's parse_datetime/format_datetime take it)."""
    out: list[str] = []
    position = 0
    for match in _JODA_TOKEN.finditer(pattern):
        if match.start() != position:
            break
        position = match.end()
        quoted, letters, literal = match.group(1), match.group(0), match.group(3)
        if quoted is not None:
            out.append((quoted.replace("''", "'") or "'").replace("%", "%%"))
        elif literal is not None:
            out.append(literal.replace("%", "%%"))
        elif letters in _JODA:
            out.append(_JODA[letters])
        else:
            raise QueryError(
                f"unsupported Joda-Time pattern letters {letters!r} in {pattern!r} "
                f"(supported: {', '.join(sorted(_JODA))}, quoted literals)"
            )
    return "".join(out)


def _literal_pattern(node: exp.Expr | None, function: str) -> str:
    if not isinstance(node, exp.Literal) or not node.is_string:
        raise QueryError(f"{function}: the pattern must be a string literal")
    return joda_to_strftime(node.this)


TRINO_UNITS = ("millisecond", "second", "minute", "hour", "day", "week", "month", "quarter", "year")


def _check_units(tree: exp.Expr) -> None:
    """date_add / date_diff / date_trunc take Trino's unit names; anything else would reach
    DuckDB as `INTERVAL 1 FORTNIGHT` and fail with a baffling syntax error."""
    for node in tree.find_all(exp.DateAdd, exp.DateDiff, exp.TimestampTrunc, exp.DateTrunc):
        unit = node.args.get("unit")
        name = unit.name if isinstance(unit, exp.Expr) else str(unit or "")
        if name and name.lower() not in TRINO_UNITS:
            raise QueryError(
                f"INVALID_FUNCTION_ARGUMENT: '{name.lower()}' is not a valid time unit for "
                f"{'date_trunc' if 'Trunc' in type(node).__name__ else node.sql_name().lower()}; "
                f"use one of {', '.join(TRINO_UNITS)}"
            )


def _rewrite(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.ParseDatetime):
        fmt = _literal_pattern(node.args.get("format"), "parse_datetime")
        return exp.StrToTime(this=node.this, format=exp.Literal.string(fmt))
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "format_datetime":
        if len(node.expressions) != 2:
            raise QueryError("format_datetime(timestamp, pattern) takes two arguments")
        value, pattern = node.expressions
        fmt = _literal_pattern(pattern, "format_datetime")
        return exp.TimeToStr(this=value, format=exp.Literal.string(fmt))
    if isinstance(node, exp.DateDiff):
        # Trino counts whole units elapsed (11.8 s -> 11); DuckDB's date_diff counts unit
        # boundaries crossed (-> 12); DuckDB's date_sub has Trino's meaning.
        unit = node.args.get("unit")
        unit_name = unit.name if isinstance(unit, exp.Expr) else str(unit or "day")
        return exp.Anonymous(
            this="date_sub",
            expressions=[exp.Literal.string(unit_name.lower()), node.expression, node.this],
        )
    if isinstance(node, exp.Table) and node.catalog.lower() == "awsdatacatalog":
        node.set("catalog", None)
    return node


def _name_unnamed_columns(tree: exp.Expr) -> None:
    """Athena names an unaliased, non-column select item `_col<position>`."""
    select = tree
    while isinstance(select, exp.SetOperation):
        select = select.this
    if isinstance(select, exp.Subquery):
        select = select.unnest()
    if not isinstance(select, exp.Select):
        return
    for index, item in enumerate(select.expressions):
        if not isinstance(item, exp.Alias | exp.Column | exp.Star) and not (
            isinstance(item, exp.Dot)
        ):
            item.replace(exp.alias_(item.copy(), f"_col{index}"))


# DuckDB functions that exist in no Athena and answer about the machine or the engine's
# configuration (`current_setting('enable_external_access')`, variables, DuckDB's catalog).
_ENGINE_ONLY_FUNCTIONS = re.compile(
    r"current_setting|getvariable|getenv|which_secret|current_query|(duckdb|pragma)_\w*",
    re.IGNORECASE,
)


def _refuse_engine_only_functions(tree: exp.Expr) -> None:
    for call in tree.find_all(exp.Anonymous):
        name = str(call.this)
        if _ENGINE_ONLY_FUNCTIONS.fullmatch(name):
            raise QueryError(
                f"FUNCTION_NOT_FOUND: Function '{name.lower()}' is not supported by the local "
                f"Athena engine. Supported: {SUPPORTED_FUNCTIONS}"
            )


def to_duckdb(sql: str, *, database: str, schema: dict[str, dict[str, str]]) -> str:
    """Transpile one read-only Athena query (already through the guard) to DuckDB SQL.

    `schema` maps table -> column -> Trino type, for typing (integer division)."""
    with parse_errors_as_query_errors():
        tree = sqlglot.parse_one(sql, read="trino")
    _refuse_engine_only_functions(tree)
    _check_units(tree)
    tree = tree.transform(_rewrite)
    _name_unnamed_columns(tree)
    typed = _typed(tree, database=database, schema=schema)
    try:
        return (typed or tree).sql(dialect="duckdb")
    except RecursionError as exc:
        raise QueryError(TOO_DEEP) from exc
    except SqlglotError as exc:
        raise QueryError(f"cannot translate this query for the local engine: {exc}") from exc


def _typed(tree: exp.Expr, *, database: str, schema: dict[str, dict[str, str]]) -> exp.Expr | None:
    """Qualified and typed copy of `tree`, or None when sqlglot cannot resolve it (then the
    query still runs untyped and DuckDB reports any unknown name itself)."""
    mapping: Any = MappingSchema({database: schema}, dialect="trino")
    try:
        qualified = qualify(
            tree.copy(),
            schema=mapping,
            dialect="trino",
            db=database,
            expand_stars=False,
            quote_identifiers=False,
            validate_qualify_columns=False,
        )
        return annotate_types(qualified, schema=mapping, dialect="trino")
    # sqlglot's optimizer asserts on some valid queries (`SELECT * ... ORDER BY 1` with stars
    # left unexpanded) and recurses once per nesting level: the query then runs untyped.
    except (
        OptimizeError,
        SqlglotError,
        KeyError,
        ValueError,
        AttributeError,
        AssertionError,
        RecursionError,
    ):
        return None
