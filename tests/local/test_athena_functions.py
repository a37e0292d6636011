"""Each Athena (Trino) function the agent relies on, run through the Trino->DuckDB translation
on DuckDB, with the answer Athena gives."""

from __future__ import annotations

import pytest

from agent.telemetry.base import QueryError
from agent.telemetry.local.trino_sql import joda_to_strftime

FIRST_LINE = (
    "FROM alb_access_logs WHERE type = 'http' AND elb_status_code = 200 AND target_ip = '10.0.0.1'"
)
UPDATE_TABLE = "FROM cloud_trail_logs WHERE eventname = 'UpdateTable'"

CASES = {
    "from_iso8601_timestamp": (
        f"SELECT from_iso8601_timestamp(time) {FIRST_LINE}",
        "2018-07-02 22:23:00.186 UTC",
    ),
    "from_iso8601_date": ("SELECT from_iso8601_date('2026-03-02')", "2026-03-02"),
    "date_parse": (
        "SELECT date_parse('2026-03-02 10:05:01', '%Y-%m-%d %H:%i:%s')",
        "2026-03-02 10:05:01.000",
    ),
    "parse_datetime": (
        f"SELECT parse_datetime(request_creation_time, 'yyyy-MM-dd''T''HH:mm:ss.SSSSSS''Z''') {FIRST_LINE}",
        "2018-07-02 22:22:48.364",
    ),
    "format_datetime": (
        f"SELECT format_datetime(from_iso8601_timestamp(time), 'yyyy-MM-dd HH:mm') {FIRST_LINE}",
        "2018-07-02 22:23",
    ),
    "date_format": (
        f"SELECT date_format(from_iso8601_timestamp(time), '%Y-%m-%d %H:%i') {FIRST_LINE}",
        "2018-07-02 22:23",
    ),
    "date_trunc": (
        f"SELECT date_trunc('minute', from_iso8601_timestamp(time)) {FIRST_LINE}",
        "2018-07-02 22:23:00.000 UTC",
    ),
    "date_add": (
        f"SELECT date_add('minute', 5, from_iso8601_timestamp(time)) {FIRST_LINE}",
        "2018-07-02 22:28:00.186 UTC",
    ),
    "date_diff": (
        f"SELECT date_diff('second', from_iso8601_timestamp(request_creation_time), from_iso8601_timestamp(time)) {FIRST_LINE}",
        "11",
    ),
    "to_unixtime": (
        f"SELECT to_unixtime(from_iso8601_timestamp(eventtime)) {UPDATE_TABLE}",
        "1.772445731E9",
    ),
    "from_unixtime": ("SELECT from_unixtime(1772445731)", "2026-03-02 10:02:11.000 UTC"),
    "regexp_extract": (
        f"SELECT regexp_extract(request_url, '://([^:/]+)', 1) {FIRST_LINE}",
        "www.example.com",
    ),
    "regexp_like": (f"SELECT regexp_like(user_agent, '^curl/7\\.4[0-9]') {FIRST_LINE}", "true"),
    "regexp_replace": (
        f"SELECT regexp_replace(client_ip, '[0-9]+$', 'x') {FIRST_LINE}",
        "192.168.131.x",
    ),
    "split_part": (f"SELECT split_part(trace_id, '-', 2) {FIRST_LINE}", "58337262"),
    "json_extract_scalar": (
        f"SELECT json_extract_scalar(requestparameters, '$.provisionedThroughput.writeCapacityUnits') {UPDATE_TABLE}",
        "5",
    ),
    "json_extract": (
        f"SELECT json_extract(requestparameters, '$.provisionedThroughput') {UPDATE_TABLE}",
        '{"readCapacityUnits":100,"writeCapacityUnits":5}',
    ),
    "approx_percentile": (
        "SELECT approx_percentile(target_processing_time, 0.5) FROM alb_access_logs WHERE target_processing_time < 0.002",
        "0.001",
    ),
    "approx_distinct": ("SELECT approx_distinct(client_ip) FROM alb_access_logs", "3"),
    "count_if": ("SELECT count_if(elb_status_code >= 500) FROM alb_access_logs", "1"),
    "try_cast": (
        "SELECT try_cast(target_status_code AS integer) FROM alb_access_logs WHERE elb_status_code = 502",
        None,
    ),
    "cardinality": (
        "SELECT cardinality(split(actions_executed, ',')) FROM alb_access_logs WHERE type = 'https'",
        "2",
    ),
    "url_extract_path": (
        "SELECT url_extract_path('https://api.example.com:8443/orders/42?x=1#top')",
        "/orders/42",
    ),
    "url_extract_host": (
        "SELECT url_extract_host('https://api.example.com:8443/orders/42?x=1')",
        "api.example.com",
    ),
    "url_extract_port": ("SELECT url_extract_port('https://api.example.com:8443/orders')", "8443"),
    "url_extract_query": (
        "SELECT url_extract_query('https://api.example.com/orders?x=1&y=2')",
        "x=1&y=2",
    ),
    "url_extract_parameter": (
        "SELECT url_extract_parameter('https://a.example/o?x=1&name=a%20b', 'name')",
        "a b",
    ),
    "max_by": ("SELECT max_by(client_ip, sent_bytes) FROM alb_access_logs", "10.0.0.140"),
    "integer division truncates": (
        "SELECT count_if(elb_status_code >= 500) * 100 / count(*) FROM alb_access_logs",
        "14",
    ),
    "double arithmetic": (
        "SELECT sum(request_processing_time) FROM alb_access_logs WHERE type = 'https'",
        "0.086",
    ),
}


@pytest.mark.parametrize(("sql_text", "expected"), CASES.values(), ids=CASES.keys())
def test_function_runs_with_athena_semantics(sql, sql_text: str, expected: str | None) -> None:
    assert sql(sql_text) == [[expected]]


def test_cross_join_unnest_of_split(sql) -> None:
    rows = sql(
        "SELECT action, count(*) FROM alb_access_logs CROSS JOIN UNNEST(split(actions_executed, ',')) AS t(action) "
        "GROUP BY action ORDER BY action"
    )
    assert rows == [["authenticate", "1"], ["forward", "6"], ["redirect", "1"]]


def test_unnest_of_an_array_of_rows(sql) -> None:
    rows = sql(
        "SELECT r.type FROM cloud_trail_logs CROSS JOIN UNNEST(resources) AS u(r) "
        "WHERE eventname = 'GetObject' ORDER BY 1"
    )
    assert rows == [["AWS::S3::Bucket"], ["AWS::S3::Object"]]


def test_with_clause_and_window_function(sql) -> None:
    rows = sql(
        "WITH per_type AS (SELECT type, count(*) AS requests FROM alb_access_logs GROUP BY type) "
        "SELECT type, requests, rank() OVER (ORDER BY requests DESC, type) AS position FROM per_type ORDER BY position LIMIT 2"
    )
    assert rows == [["http", "3", "1"], ["h2", "1", "2"]]


def test_lag_over_minutes(sql) -> None:
    rows = sql(
        "SELECT eventname, lag(eventname) OVER (ORDER BY eventtime) AS previous FROM cloud_trail_logs "
        "ORDER BY eventtime LIMIT 2"
    )
    assert rows == [["StartInstances", None], ["UpdateTable", "StartInstances"]]


def test_unnamed_columns_are_named_like_athena(athena) -> None:
    answer = athena.run(
        "SELECT count(*), elb_status_code, max(sent_bytes) FROM alb_access_logs GROUP BY 2"
    )
    names = [c["Name"] for c in answer.response["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
    assert names == ["_col0", "elb_status_code", "_col2"]


def test_joda_patterns_translate_to_strftime() -> None:
    assert joda_to_strftime("yyyy-MM-dd'T'HH:mm:ss.SSS") == "%Y-%m-%dT%H:%M:%S.%g"
    assert joda_to_strftime("dd/MMM/yyyy:HH:mm:ss Z") == "%d/%b/%Y:%H:%M:%S %z"
    assert joda_to_strftime("'It''s' HH") == "It's %H"


def test_unknown_joda_letters_are_refused_with_the_supported_list() -> None:
    with pytest.raises(QueryError, match="unsupported Joda-Time pattern letters 'QQ'"):
        joda_to_strftime("yyyy QQ")


# The rest of the functions the engine lists as supported (trino_sql.SUPPORTED_FUNCTIONS).
MORE_CASES = {
    "regexp_extract_all": ("SELECT regexp_extract_all('a1b22c333', '[0-9]+')", "[1, 22, 333]"),
    "strpos": ("SELECT strpos('orders/42', '/')", "7"),
    "substr": ("SELECT substr('orders/42', 8)", "42"),
    "replace": ("SELECT replace('a-b-c', '-', '+')", "a+b+c"),
    "lower": ("SELECT lower('PutItem')", "putitem"),
    "upper": ("SELECT upper('get')", "GET"),
    "length": ("SELECT length('orders')", "6"),
    "trim": ("SELECT trim('  x  ')", "x"),
    "concat": ("SELECT concat('a', 'b', 'c')", "abc"),
    "json_parse": ("""SELECT json_extract_scalar(json_parse('{"a": {"b": 7}}'), '$.a.b')""", "7"),
    "json_array_length": ("SELECT json_array_length('[1, 2, 3]')", "3"),
    "json_format": ("""SELECT json_format(json_parse('{"a": 1}'))""", '{"a":1}'),
    "url_decode": ("SELECT url_decode('a%20b%2Fc')", "a b/c"),
    "url_extract_protocol": ("SELECT url_extract_protocol('https://a.example/x')", "https"),
    "url_extract_fragment": ("SELECT url_extract_fragment('https://a.example/x#top')", "top"),
    "min_by": ("SELECT min_by(client_ip, sent_bytes) FROM alb_access_logs", "192.168.131.39"),
    "arbitrary": (
        "SELECT arbitrary(elb) FROM alb_access_logs",
        "app/my-loadbalancer/50dc6c495c0c9188",
    ),
    "histogram": (
        "SELECT histogram(type) FROM alb_access_logs WHERE type IN ('ws', 'wss')",
        "{ws=1, wss=1}",
    ),
    "array_agg": (
        "SELECT array_agg(type ORDER BY type) FROM alb_access_logs WHERE type LIKE 'w%'",
        "[ws, wss]",
    ),
    "element_at": ("SELECT element_at(split('a,b,c', ','), 2)", "b"),
    "contains": ("SELECT contains(split('a,b,c', ','), 'b')", "true"),
    "try": ("SELECT try(CAST('x' AS integer))", None),
    "coalesce": ("SELECT coalesce(NULL, 'x')", "x"),
    "if": ("SELECT if(1 > 2, 'yes', 'no')", "no"),
    "greatest": ("SELECT greatest(3, 7, 5)", "7"),
    "least": ("SELECT least(3, 7, 5)", "3"),
    "round": ("SELECT round(2.345, 2)", "2.35"),
    "to_iso8601": (
        "SELECT to_iso8601(from_iso8601_timestamp('2026-03-02T10:05:01.123Z'))",
        "2026-03-02T10:05:01.123Z",
    ),
}


@pytest.mark.parametrize(("sql_text", "expected"), MORE_CASES.values(), ids=MORE_CASES.keys())
def test_other_supported_function(sql, sql_text: str, expected: str | None) -> None:
    assert sql(sql_text) == [[expected]]
