"""`fa2 query sql | traces | trace | service-graph | metrics` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli import app

from .conftest import FAULTING_TRACE

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["query", *args])


def test_sql_json_is_athena_get_query_results(bundle: Path) -> None:
    result = _run(
        "sql", "-b", str(bundle), "-f", "json", "SELECT count(*) AS n FROM alb_access_logs"
    )
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert response["ResultSet"]["Rows"] == [
        {"Data": [{"VarCharValue": "n"}]},
        {"Data": [{"VarCharValue": "7"}]},
    ]
    assert response["ResultSet"]["ResultSetMetadata"]["ColumnInfo"][0]["Type"] == "bigint"


def test_sql_table_shows_rows_and_the_total(bundle: Path) -> None:
    result = _run(
        "sql",
        "-b",
        str(bundle),
        "--max-rows",
        "2",
        "SELECT client_ip FROM alb_access_logs ORDER BY client_ip",
    )
    assert result.exit_code == 0, result.output
    assert "10.0.0.140" in result.stdout
    assert "2 of 7 rows" in result.stdout


def test_write_sql_fails_with_reason_on_stderr_and_status_2(bundle: Path) -> None:
    result = _run("sql", "-b", str(bundle), "DROP TABLE alb_access_logs")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: refused DROP statement")
    assert "Traceback" not in result.output


def test_unknown_bundle_fails_with_status_1(tmp_path: Path) -> None:
    result = _run("sql", "-b", str(tmp_path / "missing"), "SELECT 1")
    assert result.exit_code == 1
    assert "not a folder" in result.stderr


def test_traces_json_is_get_trace_summaries(bundle: Path) -> None:
    result = _run("traces", "-b", str(bundle), "--filter", "fault", "-f", "json")
    assert result.exit_code == 0, result.output
    summaries = json.loads(result.stdout)["TraceSummaries"]
    assert [s["Id"] for s in summaries] == [FAULTING_TRACE]


def test_traces_time_range_options(bundle: Path) -> None:
    result = _run(
        "traces",
        "-b",
        str(bundle),
        "--start",
        "2026-03-02T10:06:00Z",
        "--end",
        "2026-03-02T10:10:00Z",
        "-f",
        "json",
    )
    assert len(json.loads(result.stdout)["TraceSummaries"]) == 2


def test_bad_filter_names_the_position(bundle: Path) -> None:
    result = _run("traces", "-b", str(bundle), "--filter", "responsetime >")
    assert result.exit_code == 2
    assert "at position 14" in result.stderr


def test_trace_json_is_batch_get_traces(bundle: Path) -> None:
    result = _run("trace", "-b", str(bundle), FAULTING_TRACE, "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["Traces"][0]["Id"] == FAULTING_TRACE


def test_service_graph_table(bundle: Path) -> None:
    result = _run("service-graph", "-b", str(bundle))
    assert result.exit_code == 0, result.output
    assert "AWS::DynamoDB::Table" in result.stdout


def test_metrics_json_is_get_metric_data(bundle: Path) -> None:
    result = _run(
        "metrics",
        "-b",
        str(bundle),
        "--namespace",
        "AWS/DynamoDB",
        "--metric",
        "WriteThrottleEvents",
        "--dim",
        "TableName=orders",
        "--stat",
        "Sum",
        "--period",
        "300",
        "-f",
        "json",
    )
    assert result.exit_code == 0, result.output
    [series] = json.loads(result.stdout)["MetricDataResults"]
    assert series["Values"] == [55.0, 212.0]


def test_metrics_dimension_must_be_name_equals_value(bundle: Path) -> None:
    result = _run(
        "metrics",
        "-b",
        str(bundle),
        "--namespace",
        "AWS/DynamoDB",
        "--metric",
        "X",
        "--dim",
        "TableName",
    )
    assert result.exit_code == 2
    assert "NAME=VALUE" in result.output


def test_metrics_unknown_statistic_fails_cleanly(bundle: Path) -> None:
    result = _run(
        "metrics",
        "-b",
        str(bundle),
        "--namespace",
        "AWS/DynamoDB",
        "--metric",
        "WriteThrottleEvents",
        "--stat",
        "Median",
    )
    assert result.exit_code == 2
    assert "unknown statistic 'Median'" in result.stderr


def test_bundle_can_come_from_fa2_bundle(bundle: Path, monkeypatch) -> None:
    monkeypatch.setenv("FA2_BUNDLE", str(bundle))
    result = _run("sql", "-f", "json", "SELECT count(*) FROM cloud_trail_logs")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ResultSet"]["Rows"][1] == {"Data": [{"VarCharValue": "5"}]}
