"""The read-only guard: one SELECT passes, anything that could change something is refused."""

from __future__ import annotations

import pytest

from agent.telemetry.base import QueryError
from agent.telemetry.sql_guard import MAX_NESTING, ensure_read_only

DB = "aiops_db"
TABLES = ("alb_access_logs", "cloud_trail_logs")


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
    assert ensure_read_only(sql, database=DB) == sql


def test_trailing_semicolons_and_whitespace_are_trimmed() -> None:
    assert ensure_read_only("  SELECT 1 ;;\n", database=DB) == "SELECT 1"


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
        ensure_read_only(sql, database=DB)
    assert named in caught.value.message


@pytest.mark.parametrize(
    ("sql", "start"),
    [("SELEC x FROM alb_access_logs", "SELEC"), ("count(*)", "count"), ("42", "42")],
)
def test_text_that_is_no_statement_is_refused_as_such_not_as_a_write(sql: str, start: str) -> None:
    with pytest.raises(QueryError, match="not a SQL statement") as caught:
        ensure_read_only(sql, database=DB)
    assert f"starts with {start!r}" in caught.value.message
    assert "DDL" not in caught.value.message


def test_several_statements_are_refused_even_if_each_is_a_select() -> None:
    with pytest.raises(QueryError, match="2 statements given"):
        ensure_read_only("SELECT 1; SELECT 2", database=DB)


def test_unparsable_sql_names_line_and_column() -> None:
    with pytest.raises(QueryError, match=r"at line 1, column 21 \(near 'WHERE'\)"):
        ensure_read_only("SELECT a FROM t WHERE", database=DB)


def test_empty_sql_is_refused() -> None:
    with pytest.raises(QueryError, match="empty SQL"):
        ensure_read_only(" ; ", database=DB)


def test_sql_of_comments_only_is_refused_as_empty() -> None:
    with pytest.raises(QueryError, match=r"empty SQL \(only comments\)"):
        ensure_read_only("-- the errors by target\n/* later */", database=DB)


def test_show_and_describe_point_to_information_schema() -> None:
    for statement in ("SHOW COLUMNS FROM alb_access_logs", "DESCRIBE alb_access_logs"):
        with pytest.raises(QueryError, match=r"information_schema\.columns"):
            ensure_read_only(statement, database=DB)


def test_the_sql_dialects_are_fully_loaded_before_any_tool_thread_parses() -> None:
    # A half-loaded sqlglot athena module raised NameError in concurrent tool calls.
    import subprocess
    import sys

    probe = (
        "import sys, agent.telemetry.sql_guard; "
        "assert hasattr(sys.modules['sqlglot.dialects.athena'], '_TrinoTokenizer')"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)


# ---------------------------------------------------------------- which tables a query may read


@pytest.mark.parametrize(
    "sql",
    [
        # The read of a host file: the CTE's own body names "/tmp/x.csv", which
        # sqlglot could not qualify (ORDER BY 2 after *), so DuckDB opened it as a file.
        'WITH "/tmp/x.csv" AS (SELECT * FROM "/tmp/x.csv" ORDER BY 2) SELECT * FROM "/tmp/x.csv"',
        'WITH "https://example.com/a.json" AS (SELECT 1) SELECT * FROM "https://example.com/a.json"',
        'SELECT * FROM "/etc/passwd"',
        'SELECT * FROM "s3://bucket/key.csv"',
        'SELECT * FROM aiops_db."alb.csv"',
        'SELECT * FROM "~/.aws/credentials"',
    ],
)
def test_a_name_that_looks_like_a_path_or_url_is_refused(sql: str) -> None:
    with pytest.raises(QueryError, match="looks like a file path or URL"):
        ensure_read_only(sql, database=DB, tables=TABLES)


@pytest.mark.parametrize(
    "sql",
    [
        # A CTE is not visible in its own body (no RECURSIVE): `leak` there is a real table.
        "WITH leak AS (SELECT * FROM leak ORDER BY 2) SELECT * FROM leak",
        # ... nor outside the query its WITH belongs to.
        "SELECT * FROM (WITH c AS (SELECT 1 AS x) SELECT * FROM c) AS inner_query, c",
        # ... nor in the CTEs defined before it.
        "WITH a AS (SELECT * FROM b), b AS (SELECT 1 AS x) SELECT * FROM a",
    ],
)
def test_a_cte_name_is_known_only_where_it_is_in_scope(sql: str) -> None:
    with pytest.raises(QueryError, match=r"TABLE_NOT_FOUND: Table '(leak|c|b)' does not exist"):
        ensure_read_only(sql, database=DB, tables=TABLES)


@pytest.mark.parametrize(
    "sql",
    [
        "WITH a AS (SELECT * FROM alb_access_logs), b AS (SELECT * FROM a) SELECT * FROM b",
        "SELECT * FROM alb_access_logs JOIN (WITH c AS (SELECT 1 AS x) SELECT * FROM c) d ON true",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r",
        "SELECT * FROM awsdatacatalog.aiops_db.cloud_trail_logs",
        "SELECT table_name FROM information_schema.tables",
        "SELECT * FROM cloud_trail_logs WHERE eventname IN (SELECT eventname FROM cloud_trail_logs)",
    ],
)
def test_tables_ctes_in_scope_and_information_schema_pass(sql: str) -> None:
    assert ensure_read_only(sql, database=DB, tables=TABLES) == sql


def test_on_aws_any_table_of_the_configured_database_passes_and_no_other_database() -> None:
    # The Glue catalog decides which tables exist; the guard keeps queries in the database.
    assert ensure_read_only("SELECT * FROM vpc_flow_logs", database=DB)
    assert ensure_read_only("SELECT * FROM aiops_db.vpc_flow_logs", database=DB)
    for sql in ("SELECT * FROM hr.salaries", "SELECT * FROM other_catalog.aiops_db.t"):
        with pytest.raises(QueryError, match="TABLE_NOT_FOUND"):
            ensure_read_only(sql, database=DB)


def test_trino_table_functions_are_refused() -> None:
    with pytest.raises(QueryError, match="NOT_SUPPORTED: table function"):
        ensure_read_only("SELECT * FROM TABLE(system.query(query => 'SELECT 1'))", database=DB)


# ---------------------------------------------------------------- queries that crashed sqlglot


def test_deep_nesting_is_refused_with_where_it_happens() -> None:
    sql = "SELECT " + "(" * 60 + "1" + ")" * 60
    with pytest.raises(QueryError, match=r"query too deeply nested.*line 1, column 38") as caught:
        ensure_read_only(sql, database=DB, tables=TABLES)
    assert f"at most {MAX_NESTING} nested" in caught.value.message


def test_parentheses_inside_strings_do_not_count_as_nesting() -> None:
    sql = "SELECT '" + "(" * 60 + "' AS text"
    assert ensure_read_only(sql, database=DB, tables=TABLES) == sql
