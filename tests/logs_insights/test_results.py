"""The GetQueryResults shape, statistics, log groups, time range, limits, loading."""

from __future__ import annotations

import gzip
import json
import threading
from datetime import UTC, datetime

import duckdb
import pytest

from agent.incident import TimeRange
from agent.telemetry.base import QueryError
from agent.telemetry.local.logs_insights import LogsInsightsEngine, parse_query
from agent.telemetry.local.logs_insights.compiler import event_columns_read
from tests.logs_insights.conftest import HOUR, LAMBDA, T0, event, rows, write_events

API = "API-Gateway-Execution-Logs_k7x2q9w4ab/prod"


def test_result_has_exactly_the_get_query_results_shape(logs):
    engine = logs(event("ERROR boom"), event("fine", at=1))

    result = engine.run("filter @message like /ERROR/ | fields @message")

    assert set(result) == {"status", "results", "statistics"}
    assert result["status"] == "Complete"
    assert result["results"] == [
        [
            {"field": "@message", "value": "ERROR boom"},
            {"field": "@ptr", "value": result["results"][0][1]["value"]},
        ]
    ]
    assert result["statistics"] == {
        "recordsMatched": 1.0,
        "recordsScanned": 2.0,
        "bytesScanned": 14.0,
    }


def test_event_rows_carry_a_distinct_ptr_and_stats_rows_none(logs):
    engine = logs(event("a"), event("b", at=1))

    pointers = [r["@ptr"] for r in rows(engine.run("fields @message"), ptr=True)]
    stats_rows = rows(engine.run("stats count(*)"), ptr=True)

    assert len(set(pointers)) == 2
    assert stats_rows == [{"count(*)": "2"}]


def test_values_are_strings(logs):
    engine = logs(event({"n": 3, "ok": True, "ratio": 0.25}))

    result = engine.run("fields n, ok, ratio, n * 2 as twice")

    assert all(isinstance(cell["value"], str) for row in result["results"] for cell in row)


def test_records_matched_counts_events_before_limit(logs):
    engine = logs(*(event(f"ERROR {i}", at=i) for i in range(40)), event("fine", at=99))

    result = engine.run("filter @message like /ERROR/ | limit 5")

    assert len(result["results"]) == 5
    assert result["statistics"]["recordsMatched"] == 40.0
    assert result["statistics"]["recordsScanned"] == 41.0


def test_records_matched_for_stats_counts_aggregated_events(logs):
    engine = logs(*(event({"svc": f"s{i % 3}"}, at=i) for i in range(12)), event("other", at=50))

    result = engine.run("filter ispresent(svc) | stats count(*) by svc | limit 1")

    assert len(result["results"]) == 1
    assert result["statistics"]["recordsMatched"] == 12.0


def test_default_limit_is_ten_thousand(tmp_path, connection):
    path = write_events(
        tmp_path / "many.jsonl", [event(f"line {i}", at=i % 3_000_000) for i in range(10_050)]
    )
    engine = LogsInsightsEngine(connection, [path])

    result = engine.run("fields @message", [LAMBDA], HOUR)

    assert len(result["results"]) == 10_000
    assert result["statistics"]["recordsMatched"] == 10_050.0


def test_run_limit_argument_caps_rows(logs):
    engine = logs(*(event(f"line {i}", at=i) for i in range(20)))

    assert len(engine.run("fields @message", limit=7)["results"]) == 7


def test_only_the_requested_log_groups_are_queried(logs):
    engine = logs(event("from lambda"), event("from api", group=API, at=1))

    result = engine.rows("fields @message, @log", groups=[API])

    assert result == [{"@message": "from api", "@log": f"123456789012:{API}"}]


def test_log_group_arns_are_accepted(logs):
    engine = logs(event("from lambda"))

    arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{LAMBDA}:*"

    assert engine.rows("fields @message", groups=[arn]) == [{"@message": "from lambda"}]


def test_unknown_log_group_lists_the_available_ones(logs):
    engine = logs(event("x"), event("y", group=API))

    with pytest.raises(
        QueryError,
        match=r"log group '/aws/lambda/nope' does not exist; available log groups: .*orders-put",
    ):
        engine.run("fields @message", groups=["/aws/lambda/nope"])


def test_no_log_group_is_an_error(logs):
    engine = logs(event("x"))

    with pytest.raises(QueryError, match="no log group given"):
        engine.run("fields @message", groups=[])


def test_time_range_is_start_inclusive_end_exclusive(logs):
    engine = logs(
        event("before", at=-1),
        event("start", at=0),
        event("inside", at=59_999),
        event("end", at=60_000),
    )
    minute = TimeRange(
        start=datetime(2026, 3, 2, 10, 0, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 1, tzinfo=UTC)
    )

    result = engine.run("fields @message | sort @timestamp asc", time_range=minute)

    assert [r["@message"] for r in rows(result)] == ["start", "inside"]
    assert result["statistics"]["recordsScanned"] == 2.0


def test_log_groups_describe_the_bundle(logs):
    engine = logs(event("x", at=0), event("yy", at=10_000), event("z", group=API, at=5))

    groups = {g.name: g for g in engine.engine.log_groups()}

    assert groups[LAMBDA].events == 2
    assert groups[LAMBDA].stored_bytes == 3
    assert groups[LAMBDA].first_event == datetime.fromtimestamp(T0 / 1000, UTC)
    assert groups[API].events == 1


def test_gzip_and_plain_files_load_together(tmp_path, connection):
    plain = write_events(tmp_path / "a.jsonl", [event("plain")])
    packed = tmp_path / "b.jsonl.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(event("packed", at=1)) + "\n")

    engine = LogsInsightsEngine(connection, [plain, packed])

    assert sorted(r["@message"] for r in rows(engine.run("fields @message", [LAMBDA], HOUR))) == [
        "packed",
        "plain",
    ]


def test_malformed_lines_are_skipped(tmp_path, connection):
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps(event("good"))
        + "\nthis is not json\n"
        + json.dumps(event("also good", at=1))
        + "\n"
    )

    engine = LogsInsightsEngine(connection, [path])

    assert engine.log_groups()[0].events == 2


def test_no_files_gives_an_engine_without_groups(connection):
    engine = LogsInsightsEngine(connection, [])

    assert engine.log_groups() == []
    with pytest.raises(QueryError, match=r"available log groups: \(none\)"):
        engine.run("fields @message", ["/aws/lambda/x"], HOUR)


def test_two_engines_share_a_connection(tmp_path, connection):
    first = LogsInsightsEngine(connection, [write_events(tmp_path / "1.jsonl", [event("one")])])
    second = LogsInsightsEngine(connection, [write_events(tmp_path / "2.jsonl", [event("two")])])

    assert rows(first.run("fields @message", [LAMBDA], HOUR)) == [{"@message": "one"}]
    assert rows(second.run("fields @message", [LAMBDA], HOUR)) == [{"@message": "two"}]


def test_queries_run_concurrently_from_threads(logs):
    engine = logs(*(event({"svc": f"s{i % 4}", "ms": i}, at=i) for i in range(400)))
    queries = [
        "stats count(*) as n by svc | sort svc",
        "filter ms > 100 | stats avg(ms)",
        "fields svc | dedup svc",
        "pattern @message",
    ] * 3
    results: dict[int, dict] = {}
    errors: list[BaseException] = []

    def work(i: int, query: str) -> None:
        try:
            results[i] = engine.run(query)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, q)) for i, q in enumerate(queries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert (
        rows(results[0])
        == rows(results[4])
        == [
            {"svc": "s0", "n": "100"},
            {"svc": "s1", "n": "100"},
            {"svc": "s2", "n": "100"},
            {"svc": "s3", "n": "100"},
        ]
    )


def test_an_invalid_regex_for_re2_fails_before_running(logs):
    engine = logs(event("x"))

    with pytest.raises(
        QueryError, match=r"line 1, column 22: invalid regular expression /a\{2,1\}/"
    ):
        engine.run("filter @message like /a{2,1}/")


def test_a_first_query_read_in_place_keeps_the_catalog_of_every_event(tmp_path, connection):
    path = write_events(
        tmp_path / "events.jsonl",
        [
            event("ERROR early", at=-60_000),
            event("ERROR boom", at=1),
            event("fine", at=2),
            event("ERROR elsewhere", group=API, at=3),
        ],
    )
    minute = TimeRange(
        start=datetime(2026, 3, 2, 10, 0, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 1, tzinfo=UTC)
    )
    query = "filter @message like /ERROR/ | stats count(*) as errors"
    loaded = LogsInsightsEngine(connection, [path])
    scanned = LogsInsightsEngine(connection, [path], materialize=False)

    # the first query of an engine reading in place reads the file once, keeping only the
    # events its filter passes, yet knows every event for the catalog and the statistics
    answer = scanned.run(query, [LAMBDA], minute)

    assert answer == loaded.run(query, [LAMBDA], minute)
    assert answer["statistics"]["recordsScanned"] == 2.0
    assert rows(answer) == [{"errors": "1"}]
    assert scanned.log_groups() == loaded.log_groups()
    assert scanned.run(query, None, HOUR) == loaded.run(query, [LAMBDA, API], HOUR)


@pytest.mark.parametrize(
    "query",
    [
        "fields @timestamp, @logStream, @ingestionTime, @message | sort @timestamp asc",
        "filter @logStream like /8f2c/ | stats count(*) as n by @logStream",
        "stats max(@ingestionTime) as latest by @log",
        "fields @message | filter @message like /ERROR/ | sort @timestamp asc",
        "stats count(*) as n by bin(1m)",
        "fields @timestamp, @message, @logStream | sort @timestamp desc | limit 2",
        "filter level = 'ERROR' | fields @timestamp, level",
    ],
)
def test_a_query_read_in_place_sees_every_column_it_names(tmp_path, connection, query):
    path = write_events(
        tmp_path / "events.jsonl",
        [
            event("ERROR boom", at=1, stream="2026/03/02/[$LATEST]8f2c", ingestion=T0 + 900),
            event("fine", at=2, stream="2026/03/02/[$LATEST]77aa"),
            event("ERROR again", at=3, group=API, stream="api-stream", ingestion=T0 + 950),
            event({"level": "ERROR", "error": "timeout"}, at=4),
        ],
    )
    loaded = LogsInsightsEngine(connection, [path])
    scanned = LogsInsightsEngine(connection, [path], materialize=False)

    # the read keeps only the columns the compiled query reads: what it names is there
    assert rows(scanned.run(query, None, HOUR)) == rows(loaded.run(query, None, HOUR))


@pytest.mark.parametrize(
    "query",
    ["fields @message | limit 3", "filter @message like /tie/ | fields @message | limit 2"],
)
def test_events_tied_on_the_sort_come_back_the_same_from_run_to_run(tmp_path, query):
    # many events at a few instants, enough for DuckDB to read and sort them in parallel,
    # which breaks ties at random; the row id breaks them instead, so a query read in place
    # shows the same events every time
    many = [event(f"tie {i}", at=i % 4) for i in range(600_000)]
    path = write_events(tmp_path / "events.jsonl", many)

    def run_in_a_new_process_like_engine() -> list[dict[str, str]]:
        con = duckdb.connect()
        try:
            engine = LogsInsightsEngine(con, [path], materialize=False)
            return rows(engine.run(query, None, HOUR), ptr=True)
        finally:
            con.close()

    first = run_in_a_new_process_like_engine()
    assert all(run_in_a_new_process_like_engine() == first for _ in range(3))
    assert len({r["@ptr"] for r in first}) == len(first)


def test_only_the_event_columns_a_query_names_are_read_for_it() -> None:
    def read(query: str) -> frozenset[str]:
        return event_columns_read(parse_query(query), "123456789012")

    assert read("stats count(*) by bin(5m)") == frozenset()
    assert read("filter @message like /ERROR/ | stats count(*)") == {"_msg"}
    assert read("fields @logStream") == {"_stream"}
    assert read("stats latest(@ingestionTime) by @logStream") == {"_stream", "_ingest"}
    assert read("filter level = 'ERROR' | stats count(*)") == {"_msg"}  # a JSON field
    assert read("pattern @message") == {"_msg"}
    assert read("fields @timestamp") == frozenset()


def test_a_query_naming_a_missing_group_fails_after_reading_in_place(tmp_path, connection):
    path = write_events(tmp_path / "events.jsonl", [event("one")])
    scanned = LogsInsightsEngine(connection, [path], materialize=False)

    with pytest.raises(
        QueryError,
        match=f"log group '/aws/lambda/nope' does not exist; available log groups: {LAMBDA}",
    ):
        scanned.run("fields @message", ["/aws/lambda/nope"], HOUR)
