"""`fa2 insight` as a user runs it: the cited answer on stdout with the period in their zone
and in UTC, answer.md / answer.json / chart.png in --out, and a clear error (never a
traceback) for a bad range, a missing bundle or an unknown zone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.conftest import DEMO_BUNDLE

QUESTION = "Is the orders table running out of write capacity?"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["insight", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_an_answer_over_a_bundle_is_printed_and_written_with_its_chart(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = _run(
        QUESTION, "--bundle", str(DEMO_BUNDLE), "--model", "baseline", "--tz", "Asia/Tokyo",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    assert stdout.startswith(f"# {QUESTION}\n\n**Period:** 2026-03-02 18:45 (JST, UTC+09:00)")
    assert "= 2026-03-02 09:45 – 10:30 UTC (45 min)" in stdout
    assert "**orders** is running out of write capacity" in stdout
    assert "## Evidence cited" in stdout
    assert (out / "chart.png").read_bytes().startswith(b"\x89PNG")
    assert "![Write capacity" in (out / "answer.md").read_text(encoding="utf-8")
    saved = json.loads((out / "answer.json").read_text(encoding="utf-8"))
    assert saved["entities"] == ["orders"] and "chart_png" not in saved
    assert "step 1:" in stderr and "wrote " in stderr  # progress and the files, on stderr


def test_times_without_an_offset_are_read_in_the_given_zone() -> None:
    code, stdout, _ = _run(
        QUESTION, "--bundle", str(DEMO_BUNDLE), "--model", "baseline", "--tz", "Asia/Tokyo",
        "--start", "2026-03-02T18:45", "--end", "2026-03-02T19:30", "--format", "json",
    )  # fmt: skip
    assert code == 0
    answer = json.loads(stdout)
    assert answer["time_range"] == {
        "start": "2026-03-02T09:45:00Z",
        "end": "2026-03-02T10:30:00Z",
    }


def test_days_with_a_bundle_end_at_the_bundles_window() -> None:
    code, stdout, _ = _run(
        QUESTION, "--bundle", str(DEMO_BUNDLE), "--model", "baseline", "--days", "2",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(stdout)["period_text"] == "2026-02-28 10:30 – 2026-03-02 10:30 UTC (2 days)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "15"], "--days 15: give 1 to 14 days"),
        (["--days", "0"], "--days 0: give 1 to 14 days"),
        (["--start", "2026-03-02T10:00Z"], "give both --start and --end"),
        (["--days", "2", "--start", "2026-03-02T10:00Z", "--end", "2026-03-02T11:00Z"],
         "give either --days or --start/--end"),
        (["--start", "2026-03-02T11:00Z", "--end", "2026-03-02T10:00Z"], "is not after start"),
        (["--start", "2026-03-01T00:00Z", "--end", "2026-03-20T00:00Z"], "at most 14"),
        (["--start", "yesterday", "--end", "2026-03-02T10:00Z"], "--start 'yesterday' is not an ISO-8601 time"),
        (["--tz", "Asia/Tokio"], "--tz: unknown time zone 'Asia/Tokio'"),
        (["--start", "2020-03-02T10:00Z", "--end", "2020-03-02T11:00Z"],
         "is outside the bundle's window 2026-03-02 09:45:00Z – 2026-03-02 10:30:00Z"),
    ],
)  # fmt: skip
def test_a_bad_period_or_zone_is_a_clear_error(args: list[str], message: str) -> None:
    code, _, stderr = _run(QUESTION, "--bundle", str(DEMO_BUNDLE), "--model", "baseline", *args)
    assert code == 2
    assert message in stderr


def test_a_period_in_the_future_over_aws_is_refused_before_any_query() -> None:
    code, stdout, stderr = _run(
        QUESTION, "--model", "baseline", "--start", "2099-03-02T10:00Z", "--end", "2099-03-02T11:00Z",
    )  # fmt: skip
    assert code == 2
    assert "the period 2099-03-02 10:00:00Z – 2099-03-02 11:00:00Z starts in the future" in stderr
    assert stdout == ""


def test_a_missing_bundle_is_a_clear_error(tmp_path: Path) -> None:
    code, _, stderr = _run(QUESTION, "--bundle", str(tmp_path / "nowhere"), "--model", "baseline")
    assert code == 2
    assert f"--bundle {tmp_path / 'nowhere'}: not a folder" in stderr


def test_a_folder_that_is_not_a_bundle_is_a_clear_error(tmp_path: Path) -> None:
    code, _, stderr = _run(QUESTION, "--bundle", str(tmp_path), "--model", "baseline")
    assert code == 2
    assert "incident.yaml" in stderr


def test_an_empty_question_is_refused() -> None:
    code, _, stderr = _run("   ", "--bundle", str(DEMO_BUNDLE), "--model", "baseline")
    assert code == 2
    assert "the question is empty" in stderr
