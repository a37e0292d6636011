"""Queries a model may write after reading hostile log text: deep nesting and endless chains
are positioned `QueryError`s (they raised RecursionError and ended the investigation), and
long `or` lists still run."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pytest

from agent.telemetry.base import QueryError
from agent.telemetry.local.logs_insights import parse_query
from agent.telemetry.local.logs_insights.sqlexpr import ident, quote

from .conftest import Logs, event


@pytest.mark.parametrize(
    ("query", "what"),
    [
        ("filter " + "(" * 100 + "status = 500" + ")" * 100, "nested parentheses"),
        ("fields " + "abs(" * 100 + "latency" + ")" * 100, "nested parentheses or function"),
        ("filter " + "not " * 500 + "ok", "'not' in a row"),
        ("fields " + "- " * 500 + "latency", "'-' in a row"),
        ("fields " + " + ".join(["latency"] * 800), "terms in one arithmetic"),
        ("fields " + " ^ ".join(["latency"] * 800), "terms in one arithmetic"),
    ],
)
def test_deep_nesting_is_a_positioned_malformed_query(query: str, what: str) -> None:
    with pytest.raises(
        QueryError, match=r"Malformed query at line 1, column \d+: query too deeply"
    ):
        parse_query(query)
    with pytest.raises(QueryError, match=what):
        parse_query(query)


def test_eight_hundred_or_terms_run(logs: Callable[..., Logs]) -> None:
    engine = logs(event({"msg": "unavailable", "status": 503}), event({"msg": "ok", "status": 200}))
    terms = " or ".join(f"status = {code}" for code in range(100, 900))
    assert len(engine.rows(f"filter {terms} | fields msg")) == 2
    terms = " and ".join(f"status != {code}" for code in range(100, 500))
    assert [r["msg"] for r in engine.rows(f"filter {terms} | fields msg")] == ["unavailable"]


def test_nesting_just_within_the_limits_runs(logs: Callable[..., Logs]) -> None:
    engine = logs(event({"msg": "slow", "latency": 3}))
    nested = "(" * 28 + "latency + 1" + ")" * 28
    chain = " + ".join(["latency"] * 99)
    [row] = engine.rows(f"fields {nested} as n, {chain} as total, -(-latency) as same")
    assert (row["n"], row["total"], row["same"]) == ("4", "297", "3")


@pytest.mark.parametrize(
    "text",
    ["it's", 'say "hi"', "back\\slash\\'", "'; COPY (SELECT 1) TO '/tmp/x'; --", "line\nbreak"],
)
def test_literals_and_names_in_the_compiled_sql_stay_one_token(text: str) -> None:
    # The compiler's quoting, checked against DuckDB itself: each value comes back unchanged.
    con = duckdb.connect()
    assert con.execute(f"SELECT {quote(text)} AS {ident(text)}").fetchall() == [(text,)]
    assert con.execute(f"SELECT {quote(text)} AS {ident(text)}").description[0][0] == text
    con.close()
