"""`fa2 analyze` and `fa2 ask` as a user runs them: a report on stdout, report.md and
report.json in --out, the thread id to follow up with, and clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app


def test_analyze_a_bundle_writes_both_reports_and_prints_the_thread(
    bundle: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["analyze", "--bundle", str(bundle), "--model", "baseline", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "# DynamoDB throttling behind the orders API" in result.stdout
    assert "UpdateTable" in (out / "report.md").read_text(encoding="utf-8")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {"summary", "hypotheses", "timeline", "evidence", "usage"} <= set(report)
    assert {
        "steps",
        "tool_calls",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "wall_seconds",
    } <= set(report["usage"])
    assert {"id", "tool", "query", "row_count", "link"} <= set(report["evidence"][0])
    assert f"fa2 ask --thread {report['thread_id']}" in result.stderr
    assert (
        "triage: 10 standard queries in parallel" in result.stderr
    )  # plain progress lines off a TTY


def test_analyze_prints_json_on_request(bundle: Path) -> None:
    result = CliRunner().invoke(
        app, ["analyze", "--bundle", str(bundle), "--model", "baseline", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rule_based"] is True


def test_ask_follows_up_in_the_thread_from_a_new_command(bundle: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(
        app, ["analyze", "--bundle", str(bundle), "--model", "baseline", "--format", "json"]
    )
    thread = json.loads(first.stdout)["thread_id"]
    result = runner.invoke(app, ["ask", "--thread", thread, "What happened to the orders table?"])
    assert result.exit_code == 0, result.output
    assert "Rule-based answer" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze"], "give exactly one of --bundle"),
        (["analyze", "--bundle", "/nonexistent/bundle"], "not a folder"),
        (["analyze", "--alarm-file", "/nonexistent/alarm.json"], "no such file"),
        (
            ["analyze", "--alarm-name", "x", "--start", "yesterday", "--end", "now"],
            "not an ISO-8601 time",
        ),
        (["ask", "--thread", "fa2-nope", "why?"], "no investigation thread 'fa2-nope'"),
    ],
)
def test_bad_input_gets_a_clear_error_not_a_traceback(
    bundle: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_folder_without_a_manifest_is_refused_with_the_reason(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", "--bundle", str(tmp_path), "--model", "baseline"])
    assert result.exit_code == 2
    assert "no incident.yaml" in result.stderr
