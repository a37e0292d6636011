"""`fa2 eval` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from evals.gate import load_results

BASELINE_FILE = Path(__file__).resolve().parents[2] / "evals" / "baseline.json"
runner = CliRunner()


@pytest.mark.eval
def test_eval_writes_the_reports_and_passes_the_gate_against_an_equal_baseline(
    tmp_path: Path,
) -> None:
    out = tmp_path / "run"
    first = runner.invoke(app, ["eval", "--only", "dynamodb-throttling", "--out", str(out)])
    assert first.exit_code == 0, first.output

    again = runner.invoke(
        app,
        [
            "eval",
            "--only",
            "dynamodb-throttling",
            "--out",
            str(tmp_path / "again"),
            "--compare",
            str(out / "results.json"),
        ],
    )

    assert again.exit_code == 0, again.output
    assert {p.name for p in out.iterdir()} == {
        "results.json",
        "summary.md",
        "report.html",
        "reports",
    }


@pytest.mark.eval
def test_eval_exits_1_when_accuracy_drops_below_the_baseline(tmp_path: Path) -> None:
    stored = load_results(BASELINE_FILE)
    better = stored.model_copy(
        update={"summary": stored.summary.model_copy(update={"root_cause_accuracy": 1.01})}
    )
    baseline = tmp_path / "baseline.json"
    baseline.write_text(better.model_dump_json())

    result = runner.invoke(
        app,
        [
            "eval",
            "--only",
            "leaked-access-key",
            "--out",
            str(tmp_path / "o"),
            "--compare",
            str(baseline),
        ],
    )

    assert result.exit_code == 1
    assert "regression: root_cause_accuracy dropped from 1.010" in result.output
    assert json.loads((tmp_path / "o" / "results.json").read_text())["summary"]["scenarios"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "gpt"], "expected baseline or bedrock[:MODEL_ID]"),
        (["--judge", "rules:x"], "only bedrock takes a model id"),
        (["--only", "no-such-scenario"], "unknown scenario(s) no-such-scenario"),
        (["--compare", "/nonexistent/baseline.json"], "no such baseline file"),
    ],
)
def test_bad_options_get_a_specific_message_not_a_traceback(
    args: list[str], message: str, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["eval", "--out", str(tmp_path), *args])

    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_out_that_is_a_file_is_refused_before_any_scenario_runs(tmp_path: Path) -> None:
    a_file = tmp_path / "eval-out"
    a_file.write_text("last week's notes\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "--only", "dynamodb-throttling", "--out", str(a_file)])

    assert result.exit_code == 2
    assert f"--out {a_file}: is a file, not a folder" in result.stderr
    assert "pass dynamodb-throttling" not in result.output  # refused before running
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.eval
def test_results_that_cannot_be_written_are_printed_not_lost(tmp_path: Path) -> None:
    out = tmp_path / "run"
    (out / "results.json").mkdir(parents=True)  # writing results.json fails after the runs
    result = runner.invoke(app, ["eval", "--only", "dynamodb-throttling", "--out", str(out)])

    assert result.exit_code == 1
    assert "could not write the results" in result.stderr
    assert "| dynamodb-throttling |" in result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)
