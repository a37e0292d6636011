"""`fa2 query logs` as a user runs it over a bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.logs_insights.conftest import event, write_events

runner = CliRunner()
WIDE = {"COLUMNS": "200"}
API = "API-Gateway-Access-Logs_k7x2q9w4ab/prod"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    root = tmp_path / "dynamodb-throttling"
    (root / "logs").mkdir(parents=True)
    (root / "incident.yaml").write_text(
        "version: 1\n"
        "title: DynamoDB throttling behind the orders API\n"
        'window: {start: "2026-03-02T10:00:00Z", end: "2026-03-02T10:30:00Z"}\n',
        encoding="utf-8",
    )
    write_events(
        root / "logs" / "orders-put.jsonl",
        [
            event("ERROR PutItem failed: ProvisionedThroughputExceededException", at=120_000),
            event("ERROR PutItem failed: ProvisionedThroughputExceededException", at=400_000),
            event("INFO order stored", at=60_000),
            event("ERROR outside the window", at=45 * 60_000),
        ],
    )
    write_events(
        root / "logs" / "api-access.jsonl",
        [event({"status": "502", "path": "/orders/ord-1"}, at=130_000, group=API)],
    )
    return root


def test_json_output_is_exactly_get_query_results(bundle: Path) -> None:
    result = runner.invoke(
        app,
        ["query", "logs", "--bundle", str(bundle), "--format", "json",
         "filter @message like /ERROR/ | stats count(*) as errors by bin(5m)"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload == {
        "status": "Complete",
        "results": [
            [
                {"field": "bin(5m)", "value": "2026-03-02 10:00:00.000"},
                {"field": "errors", "value": "1"},
            ],
            [
                {"field": "bin(5m)", "value": "2026-03-02 10:05:00.000"},
                {"field": "errors", "value": "1"},
            ],
        ],
        "statistics": {"recordsMatched": 2.0, "recordsScanned": 4.0, "bytesScanned": 179.0},
    }


def test_default_range_is_the_bundle_window_and_start_end_override_it(bundle: Path) -> None:
    query = "filter @message like /ERROR/ | stats count(*) as n"
    default = runner.invoke(app, ["query", "logs", "-b", str(bundle), "-f", "json", query])
    wider = runner.invoke(
        app,
        ["query", "logs", "-b", str(bundle), "-f", "json",
         "--start", "2026-03-02T10:00:00Z", "--end", "2026-03-02T11:00:00Z", query],
    )  # fmt: skip

    assert json.loads(default.stdout)["results"] == [[{"field": "n", "value": "2"}]]
    assert json.loads(wider.stdout)["results"] == [[{"field": "n", "value": "3"}]]


def test_log_group_option_narrows_the_query(bundle: Path) -> None:
    result = runner.invoke(
        app, ["query", "logs", "-b", str(bundle), "-g", API, "-f", "json", "fields status, path"]
    )

    rows = json.loads(result.stdout)["results"]
    assert [[c for c in row if c["field"] != "@ptr"] for row in rows] == [
        [{"field": "status", "value": "502"}, {"field": "path", "value": "/orders/ord-1"}]
    ]


def test_table_output_shows_rows_and_statistics(bundle: Path) -> None:
    result = runner.invoke(
        app,
        ["query", "logs", "-b", str(bundle), "stats count(*) as events by @log | sort events desc"],
        env=WIDE,
    )

    assert result.exit_code == 0
    assert "123456789012:/aws/lambda/orders-put" in result.stdout
    assert "3 matched of 4 scanned" not in result.stdout  # both groups are queried by default
    assert "2 rows · 4 matched of 4 scanned" in result.stdout


def test_malformed_query_exits_non_zero_with_the_position_on_stderr(bundle: Path) -> None:
    result = runner.invoke(
        app, ["query", "logs", "-b", str(bundle), "fields @message | sort @timestamp dsc"]
    )

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "line 1, column 35" in result.stderr
    assert "expected ',', '|' or the end of the query" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_log_group_lists_available_groups(bundle: Path) -> None:
    result = runner.invoke(
        app, ["query", "logs", "-b", str(bundle), "-g", "/aws/lambda/nope", "fields @message"]
    )

    assert result.exit_code == 2
    assert "available log groups: /aws/lambda/orders-put" in result.stderr


def test_bad_time_option_is_reported(bundle: Path) -> None:
    result = runner.invoke(
        app, ["query", "logs", "-b", str(bundle), "--start", "yesterday", "fields @message"]
    )

    assert result.exit_code != 0
    assert "ISO 8601" in result.output


def test_missing_bundle_is_reported(tmp_path: Path) -> None:
    result = runner.invoke(app, ["query", "logs", "-b", str(tmp_path / "nope"), "fields @message"])

    assert result.exit_code == 1
    assert "not a folder" in result.stderr
