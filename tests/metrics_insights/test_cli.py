"""`fa2 query metrics-insights` as a user runs it over a bundle."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli import app

runner = CliRunner()
WIDE = {"COLUMNS": "200"}
TOP_CPU = (
    'SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) '
    "GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 2"
)


def test_the_table_shows_one_row_per_series_with_its_points(bundle: Path) -> None:
    result = runner.invoke(
        app,
        ["query", "metrics-insights", "--bundle", str(bundle), "--period", "900", TOP_CPU],
        env=WIDE,
    )
    assert result.exit_code == 0, result.output
    assert "i-02a1b2c3d4e5f62" in result.output
    assert "InstanceId=i-02a1b2c3d4e5f62" in result.output
    assert "2 of 4 series · period 900 s" in result.output
    assert "10:45=" in result.output


def test_json_is_the_get_metric_data_shape(bundle: Path) -> None:
    result = runner.invoke(
        app, ["query", "metrics-insights", "-b", str(bundle), "--format", "json", TOP_CPU]
    )
    assert result.exit_code == 0, result.output
    response = json.loads(result.output)
    assert [r["Id"] for r in response["MetricDataResults"]] == ["q1", "q1"]
    assert {len(r["Values"]) for r in response["MetricDataResults"]} == {60}


def test_a_malformed_query_exits_2_with_the_position(bundle: Path) -> None:
    result = runner.invoke(
        app,
        ["query", "metrics-insights", "-b", str(bundle), 'SELECT P95(Duration) FROM "AWS/Lambda"'],
    )
    assert result.exit_code == 2
    assert "line 1, column 8: unknown function 'P95'" in result.output


def test_a_start_and_end_narrow_the_range(bundle: Path) -> None:
    result = runner.invoke(
        app,
        [
            "query", "metrics-insights", "-b", str(bundle), "--format", "json",
            "--start", "2026-03-02T10:00:00Z", "--end", "2026-03-02T10:10:00Z", TOP_CPU,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert {len(r["Values"]) for r in json.loads(result.output)["MetricDataResults"]} == {10}
