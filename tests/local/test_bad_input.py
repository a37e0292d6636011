"""The local backend given queries and bundles that are wrong: each is refused with a
message naming the problem, and nothing outside the bundle is ever read."""

from __future__ import annotations

import gzip
import json
import logging
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from agent.config import load_settings
from agent.incident import TimeRange
from agent.telemetry.base import QueryError, TelemetryUnavailableError
from agent.telemetry.local import LocalBackend
from agent.telemetry.local.athena import AthenaEngine
from agent.telemetry.local.logs_insights import LogsInsightsEngine
from cli import app

from .conftest import FAULTING_TRACE, LOG_EVENTS

WINDOW = TimeRange(
    start=datetime(2026, 3, 2, 9, 45, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
)
runner = CliRunner()


# ---------------------------------------------------------------- Athena SQL


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM duckdb_settings()",
        "SELECT * FROM alb_access_logs a, read_blob('/root/.aws/credentials') b",
        "SELECT * FROM (SELECT * FROM read_json('/root/.aws/config'))",
        "WITH leak AS (SELECT * FROM read_text('/etc/hostname')) SELECT * FROM leak",
    ],
)
def test_table_functions_are_refused_before_anything_runs(athena: AthenaEngine, sql: str) -> None:
    with pytest.raises(QueryError, match=r"NOT_SUPPORTED: table function read_|duckdb_settings"):
        athena.run(sql)


def test_a_file_path_is_not_a_table(athena: AthenaEngine, tmp_path: Path) -> None:
    secret = tmp_path / "credentials.csv"
    secret.write_text("aws_access_key_id,aws_secret_access_key\nAKIAEXAMPLE,secret\n")
    for sql in (
        f"SELECT * FROM '{secret}'",
        f'SELECT * FROM "{secret}"',
        'SELECT * FROM tmp."credentials.csv"',
    ):
        with pytest.raises(QueryError, match=r"TABLE_NOT_FOUND: .* Available tables: aiops_db"):
            athena.run(sql)


def test_tables_ctes_unnest_and_information_schema_still_work(
    sql: Callable[[str], list[list[str | None]]],
) -> None:
    assert sql(
        "WITH codes AS (SELECT elb_status_code FROM alb_access_logs) SELECT count(*) FROM codes"
    )
    assert sql("SELECT x FROM alb_access_logs CROSS JOIN UNNEST(ARRAY[1, 2]) AS t(x) LIMIT 1")
    assert sql("SELECT count(*) FROM awsdatacatalog.aiops_db.cloud_trail_logs") == [["5"]]
    assert sql("SELECT table_name FROM information_schema.tables LIMIT 1")


def test_division_by_zero_is_named(athena: AthenaEngine) -> None:
    with pytest.raises(QueryError, match="DIVISION_BY_ZERO"):
        athena.run("SELECT count(*) / 0 FROM alb_access_logs")


@pytest.mark.parametrize(
    ("sql", "function"),
    [
        (
            "SELECT date_add('fortnight', 1, from_iso8601_timestamp(time)) FROM alb_access_logs",
            "date_add",
        ),
        (
            "SELECT date_trunc('weeks', from_iso8601_timestamp(time)) FROM alb_access_logs",
            "date_trunc",
        ),
    ],
)
def test_an_unknown_time_unit_is_named(athena: AthenaEngine, sql: str, function: str) -> None:
    with pytest.raises(QueryError, match=f"is not a valid time unit for {function}; use one of"):
        athena.run(sql)


def test_a_malformed_json_path_is_reported_once_as_the_querys_error(
    athena: AthenaEngine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(QueryError, match="JSON path"):
        athena.run("SELECT json_extract_scalar(requestparameters, '$[') FROM cloud_trail_logs")
    assert "Invalid JSON path syntax" not in caplog.text  # no stray warning on stderr


# ---------------------------------------------------------------- corrupt log files


def _events_file(path: Path, events: list[dict]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(e) + "\n" for e in events)
    return path


@pytest.mark.parametrize("materialize", [True, False], ids=["loaded", "scanned"])
def test_a_corrupt_log_file_is_skipped_and_named(tmp_path: Path, materialize: bool) -> None:
    good = _events_file(tmp_path / "orders-put.jsonl.gz", LOG_EVENTS)
    whole = gzip.compress(b"".join(json.dumps(e).encode() + b"\n" for e in LOG_EVENTS))
    truncated = tmp_path / "orders-get.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    con = duckdb.connect()
    engine = LogsInsightsEngine(con, [truncated, good], materialize=materialize)
    result = engine.run("stats count(*) AS events", ["/aws/lambda/orders-put"], WINDOW)
    assert result["results"] == [[{"field": "events", "value": "2"}]]
    assert [(path, reason) for path, reason in engine.unreadable] == [
        (truncated, "Unexpected end of GZIP stream")
    ]


@pytest.mark.parametrize("materialize", [True, False], ids=["loaded", "scanned"])
def test_no_readable_log_file_makes_logs_unavailable(tmp_path: Path, materialize: bool) -> None:
    broken = tmp_path / "orders-put.jsonl.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(TelemetryUnavailableError, match="none of the 1 log file"):
        engine = LogsInsightsEngine(duckdb.connect(), [broken], materialize=materialize)
        engine.run("stats count(*)", None, WINDOW)  # read in place: the first query reads


# ---------------------------------------------------------------- LocalBackend requests


@pytest.fixture
def backend(bundle: Path) -> LocalBackend:
    return LocalBackend(bundle, load_settings(model="baseline"))


def test_logs_without_log_groups_search_the_whole_bundle(backend: LocalBackend) -> None:
    result = backend.run_logs_insights("stats count(*) AS n by @log", [], WINDOW)
    assert result.rows == [["123456789012:/aws/lambda/orders-put", "2"]]


def test_more_than_50_log_groups_are_refused(backend: LocalBackend) -> None:
    groups = [f"/aws/lambda/fn-{i}" for i in range(51)]
    with pytest.raises(QueryError, match="51 log groups given"):
        backend.run_logs_insights("fields @message", groups, WINDOW)


@pytest.mark.parametrize("bad_id", ["nosuchid", "1-69a560cc-xyz", "1-69a560cc"])
def test_a_malformed_trace_id_is_a_query_error(backend: LocalBackend, bad_id: str) -> None:
    with pytest.raises(QueryError, match=f"not an X-Ray trace id: '{bad_id}'"):
        backend.get_traces([bad_id])


def test_a_w3c_trace_id_finds_the_x_ray_trace(backend: LocalBackend) -> None:
    w3c = FAULTING_TRACE.replace("1-", "", 1).replace("-", "").upper()
    result = backend.get_traces([w3c])
    assert result.rows and {row[0] for row in result.rows} == {FAULTING_TRACE}


def test_an_unknown_alarm_names_the_bundles_alarm(backend: LocalBackend) -> None:
    result = backend.describe_alarm("orders-api-5XX")
    assert result.status == "empty"
    assert result.error == (
        "no alarm named 'orders-api-5XX' in this bundle; this bundle's alarm is "
        "'orders-api-5xx' (names are case-sensitive)"
    )


# ---------------------------------------------------------------- fa2 query ... as a user runs it


def test_trace_ids_that_are_not_in_the_bundle_are_named(bundle: Path) -> None:
    missing = "1-69a560cc-000000000000000000000000"
    result = runner.invoke(app, ["query", "trace", "-b", str(bundle), FAULTING_TRACE, missing])
    assert result.exit_code == 0, result.output
    assert f"note: no trace with id {missing} in the bundle" in result.stderr


def test_a_metric_with_other_dimensions_says_which_exist(bundle: Path) -> None:
    result = runner.invoke(
        app,
        ["query", "metrics", "-b", str(bundle), "--namespace", "AWS/DynamoDB",
         "--metric", "WriteThrottleEvents", "--stat", "Sum"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "note: m1: no AWS/DynamoDB/WriteThrottleEvents series with exactly these dimensions" in (
        result.stderr
    )
    assert "TableName=orders" in result.stderr


def test_trace_commands_on_a_bundle_without_traces_say_so(bundle: Path, tmp_path: Path) -> None:
    no_traces = tmp_path / "no-traces"
    shutil.copytree(bundle, no_traces)
    shutil.rmtree(no_traces / "xray")
    for args in (["traces"], ["service-graph"], ["trace", FAULTING_TRACE]):
        result = runner.invoke(app, ["query", args[0], "-b", str(no_traces), *args[1:]])
        assert result.exit_code == 1
        assert "this bundle has no X-Ray data (no trace files under xray/)" in result.stderr


@pytest.mark.parametrize("command", [["logs", "fields @message"], ["traces"], ["service-graph"]])
def test_an_inverted_range_is_explained_without_pydantic_noise(
    bundle: Path, command: list[str]
) -> None:
    result = runner.invoke(
        app,
        ["query", command[0], "-b", str(bundle), *command[1:],
         "--start", "2026-03-02T10:30:00Z", "--end", "2026-03-02T10:00:00Z"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith("error: invalid time range: time range end (2026-03-02T10:00")
    assert "Value error" not in result.stderr


@pytest.mark.parametrize("command", [["logs", "fields @message"], ["traces"]])
def test_a_range_outside_the_bundle_gets_a_note(bundle: Path, command: list[str]) -> None:
    result = runner.invoke(
        app,
        ["query", command[0], "-b", str(bundle), *command[1:],
         "--start", "2020-03-02T10:00:00Z", "--end", "2020-03-02T11:00:00Z"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "is outside the bundle's window 2026-03-02 09:45:00Z" in result.stderr


def test_a_table_the_bundle_has_no_files_for_gets_a_note(bundle: Path, tmp_path: Path) -> None:
    no_alb = tmp_path / "no-alb"
    shutil.copytree(bundle, no_alb)
    shutil.rmtree(no_alb / "alb")
    result = runner.invoke(
        app, ["query", "sql", "-b", str(no_alb), "SELECT count(*) FROM alb_access_logs"]
    )
    assert result.exit_code == 0, result.output
    assert "note: this bundle has no ALB access log files (alb/): alb_access_logs is empty" in (
        result.stderr
    )


# ---------------------------------------------------------------- corrupt X-Ray and metrics files


def _copy(bundle: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    return copy


def test_a_truncated_gzip_trace_file_is_named_not_aborted(bundle: Path, tmp_path: Path) -> None:
    copy = _copy(bundle, tmp_path)
    traces = copy / "xray" / "traces.json"
    packed = gzip.compress(traces.read_bytes())
    traces.unlink()
    (copy / "xray" / "traces.json.gz").write_bytes(packed[: len(packed) // 2])
    result = runner.invoke(app, ["query", "traces", "-b", str(copy)])
    assert result.exit_code == 1
    assert (
        "none of the 1 X-Ray file(s) could be read (first: traces.json.gz: Compressed file "
        "ended before the end-of-stream marker was reached)"
    ) in result.stderr
    assert "Aborted" not in result.output


@pytest.mark.parametrize("document", ['{"Traces": "none"}', "[1, 2]"])
def test_a_trace_file_of_the_wrong_shape_is_named(
    bundle: Path, tmp_path: Path, document: str
) -> None:
    copy = _copy(bundle, tmp_path)
    (copy / "xray" / "traces.json").write_text(document)
    with pytest.raises(TelemetryUnavailableError, match=r"traces.json: not in the bundle format"):
        LocalBackend(copy, load_settings()).find_traces(None, WINDOW)


def test_an_unreadable_metrics_file_is_skipped_and_the_others_answer(
    bundle: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    copy = _copy(bundle, tmp_path)
    (copy / "metrics" / "lambda.json").write_text('[{"Namespace": "AWS/Lambda"}]')
    backend = LocalBackend(copy, load_settings())
    with caplog.at_level(logging.WARNING):
        listed = backend.list_metrics("AWS/DynamoDB")
    assert listed.rows  # series.json still read
    assert "skipped unreadable metrics file" in caplog.text and "lambda.json" in caplog.text
    assert "not a metric series as the bundle format describes" in caplog.text


def test_a_corrupt_alb_file_leaves_the_other_files_and_cloudtrail_queryable(
    alb_doc_log: Path, cloudtrail_dir: Path, tmp_path: Path
) -> None:
    corrupt = (
        tmp_path / "123456789012_elasticloadbalancing_us-east-1_app.shop-alb_20260302T1005Z.log.gz"
    )
    corrupt.write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    engine = AthenaEngine(
        duckdb.connect(),
        database="aiops_db",
        alb_table="alb_access_logs",
        cloudtrail_table="cloud_trail_logs",
        alb_files=[alb_doc_log, corrupt],
        cloudtrail_files=sorted(cloudtrail_dir.glob("*.json")),
    )
    assert [path for path, _ in engine.unreadable] == [corrupt]
    alb = engine.run("SELECT count(*) FROM alb_access_logs").response["ResultSet"]["Rows"]
    trail = engine.run("SELECT count(*) FROM cloud_trail_logs").response["ResultSet"]["Rows"]
    assert alb[1] == {"Data": [{"VarCharValue": "7"}]}
    assert trail[1] == {"Data": [{"VarCharValue": "5"}]}
    assert "(1 unreadable file(s) skipped)" in engine.descriptions["alb_access_logs"]


def test_a_table_whose_files_are_all_unreadable_is_unavailable_the_other_answers(
    alb_doc_log: Path, tmp_path: Path
) -> None:
    trail = tmp_path / "123456789012_CloudTrail_us-east-1_20260302T1005Z_x.json"
    trail.write_text('{"Records": [{"eventName": ')
    engine = AthenaEngine(
        duckdb.connect(),
        database="aiops_db",
        alb_table="alb_access_logs",
        cloudtrail_table="cloud_trail_logs",
        alb_files=[alb_doc_log],
        cloudtrail_files=[trail],
        aliases={"cloudtrail_logs": "cloud_trail_logs"},
    )
    for table in ("cloud_trail_logs", "cloudtrail_logs"):
        with pytest.raises(TelemetryUnavailableError, match=f"none of its 1 file.*{trail.name}"):
            engine.run(f"SELECT count(*) FROM {table}")
    assert engine.run("SELECT count(*) FROM alb_access_logs").total_rows == 1
