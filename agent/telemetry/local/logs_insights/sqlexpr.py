"""Typed SQL fragments and the coercions Logs Insights applies between its loose types.

Logs Insights values are dynamic: a JSON field holds `"200"` or `200` and `status = 200`
must match both. Every compiled expression therefore carries a type, and operators coerce
their operands the way AWS does: arithmetic and comparisons with a number are numeric,
`like` and string functions work on the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# num: DOUBLE/BIGINT; ts: epoch milliseconds (BIGINT), printed as a timestamp;
# str: VARCHAR known to be text; any: VARCHAR from a log field (maybe numeric);
# bool: SQL boolean; json: VARCHAR holding a JSON document (from jsonParse / unnest).
SqlType = Literal["num", "str", "bool", "ts", "any", "json"]


@dataclass(frozen=True)
class SqlExpr:
    sql: str
    type: SqlType


NULL = SqlExpr("NULL", "any")


# Written by hand rather than with sqlglot (the Athena side's quoting) so that a logs query
# never imports sqlglot; DuckDB's quoting has exactly these two rules (no backslash escapes
# in standard strings), and tests/logs_insights/test_hostile_queries.py holds them to it.
def quote(text: str) -> str:
    """A DuckDB string literal (text from queries and bundles is untrusted)."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A DuckDB quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def as_num(e: SqlExpr) -> str:
    if e.type in ("num", "ts"):
        return e.sql
    if e.type == "bool":
        return f"CAST({e.sql} AS INTEGER)"
    return f"TRY_CAST({as_text_sql(e)} AS DOUBLE)"


def as_text_sql(e: SqlExpr) -> str:
    if e.type in ("str", "any"):
        return e.sql
    if e.type == "json":
        return f"json_extract_string({e.sql}, '$')"
    if e.type == "ts":
        return f"strftime(make_timestamp(CAST({e.sql} AS BIGINT) * 1000), '%Y-%m-%d %H:%M:%S.%g')"
    if e.type == "bool":
        return f"CASE WHEN {e.sql} THEN '1' ELSE '0' END"
    # numbers print without a trailing `.0` when whole, as AWS prints them
    return (
        f"CASE WHEN {e.sql} = trunc({e.sql}) AND abs({e.sql}) < 1e15 "
        f"THEN CAST(CAST({e.sql} AS BIGINT) AS VARCHAR) ELSE CAST({e.sql} AS VARCHAR) END"
    )


def as_text(e: SqlExpr) -> SqlExpr:
    return SqlExpr(as_text_sql(e), "str")


def as_bool(e: SqlExpr) -> str:
    """A condition: booleans as they are, numbers when non-zero, text when 'true' or non-zero."""
    if e.type == "bool":
        return e.sql
    if e.type in ("num", "ts"):
        return f"({e.sql} <> 0)"
    text = as_text_sql(e)
    return f"(lower({text}) = 'true' OR TRY_CAST({text} AS DOUBLE) <> 0)"


def numeric_context(left: SqlExpr, right: SqlExpr) -> bool:
    """Whether a comparison of these two operands is numeric (AWS compares numbers as numbers)."""
    types = {left.type, right.type}
    return (
        bool(types & {"num", "bool"}) or types == {"ts"} or ("ts" in types and not types & {"str"})
    )
