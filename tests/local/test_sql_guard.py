"""The read-only guard: one SELECT passes, anything that could change something is refused."""

from __future__ import annotations

import pytest

from agent.telemetry.base import QueryError
from agent.telemetry.sql_guard import ensure_read_only


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT elb_status_code, count(*) FROM alb_access_logs GROUP BY 1",
        "WITH errors AS (SELECT * FROM alb_access_logs WHERE elb_status_code >= 500) SELECT count(*) FROM errors",
        "SELECT 1 UNION ALL SELECT 2",
        "(SELECT eventname FROM cloud_trail_logs)",
        "SELECT ';' AS semicolon_in_a_string",
    ],
)
def test_a_single_select_passes(sql: str) -> None:
    assert ensure_read_only(sql) == sql


def test_trailing_semicolons_and_whitespace_are_trimmed() -> None:
    assert ensure_read_only("  SELECT 1 ;;\n") == "SELECT 1"


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("INSERT INTO alb_access_logs SELECT * FROM alb_access_logs", "INSERT"),
        ("CREATE TABLE copy AS SELECT * FROM alb_access_logs", "CTAS"),
        ("CREATE EXTERNAL TABLE t (a int) LOCATION 's3://bucket/'", "CREATE TABLE"),
        ("DROP TABLE alb_access_logs", "DROP"),
        ("DELETE FROM alb_access_logs", "DELETE"),
        ("UPDATE alb_access_logs SET elb_status_code = 200", "UPDATE"),
        ("ALTER TABLE alb_access_logs ADD PARTITION (day='2026/03/02')", "ALTER"),
        (
            "UNLOAD (SELECT * FROM alb_access_logs) TO 's3://bucket/out/' WITH (format = 'JSON')",
            "UNLOAD",
        ),
        ("MSCK REPAIR TABLE alb_access_logs", "MSCK"),
        ("CALL system.sync_partition_metadata('aiops_db', 'alb_access_logs', 'FULL')", "CALL"),
        ("MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE", "MERGE"),
        ("WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a", "INSERT"),
        ("SELECT * INTO t FROM alb_access_logs", "SELECT ... INTO"),
        ("SHOW TABLES", "SHOW"),
        ("EXPLAIN SELECT 1", "EXPLAIN"),
    ],
)
def test_anything_but_select_is_refused_by_name(sql: str, named: str) -> None:
    with pytest.raises(QueryError, match="refused") as caught:
        ensure_read_only(sql)
    assert named in caught.value.message


def test_several_statements_are_refused_even_if_each_is_a_select() -> None:
    with pytest.raises(QueryError, match="2 statements given"):
        ensure_read_only("SELECT 1; SELECT 2")


def test_unparsable_sql_names_line_and_column() -> None:
    with pytest.raises(QueryError, match=r"at line 1, column 21 \(near 'WHERE'\)"):
        ensure_read_only("SELECT a FROM t WHERE")


def test_empty_sql_is_refused() -> None:
    with pytest.raises(QueryError, match="empty SQL"):
        ensure_read_only(" ; ")


def test_show_and_describe_point_to_information_schema() -> None:
    for statement in ("SHOW COLUMNS FROM alb_access_logs", "DESCRIBE alb_access_logs"):
        with pytest.raises(QueryError, match=r"information_schema\.columns"):
            ensure_read_only(statement)


def test_the_sql_dialects_are_fully_loaded_before_any_tool_thread_parses() -> None:
    # A half-loaded sqlglot athena module raised NameError in concurrent tool calls.
    import subprocess
    import sys

    probe = (
        "import sys, agent.telemetry.sql_guard; "
        "assert hasattr(sys.modules['sqlglot.dialects.athena'], '_TrinoTokenizer')"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)
