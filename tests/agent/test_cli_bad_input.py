"""`fa2 analyze` and `fa2 ask` given what an on-call engineer types at 3 a.m.: every mistake
ends in one specific `error:` line and a non-zero status, never a Python traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from agent.telemetry.base import QueryResult, TelemetryUnavailableError
from cli import app
from tests.agent.fakes import MANIFEST, FakeBackend

EVENTS = Path(__file__).resolve().parents[1] / "events"
NO_CREDENTIALS = (
    "no AWS credentials found: configure a profile (AWS_PROFILE), environment variables or an "
    "instance/Lambda role, or run offline with --bundle"
)


class NoCredentialsBackend(FakeBackend):
    """The AWS backend on a laptop without credentials: every call fails the same way."""

    name = "aws"

    def describe_alarm(self, alarm_name: str) -> QueryResult:
        raise TelemetryUnavailableError(NO_CREDENTIALS)


def fa2(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def assert_clean_error(result: Result, code: int, message: str) -> None:
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# ------------------------------------------------------------------ --alarm-name / --alarm-file


def test_alarm_name_without_aws_credentials_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("agent.service.build_backend", lambda settings: NoCredentialsBackend())
    result = fa2("analyze", "--alarm-name", "orders-api-5xx", "--model", "baseline")
    assert_clean_error(result, 1, f"cannot describe the alarm 'orders-api-5xx': {NO_CREDENTIALS}")


def test_an_empty_alarm_name_is_a_usage_error() -> None:
    assert_clean_error(fa2("analyze", "--alarm-name", " "), 2, "--alarm-name is empty")


def test_an_alarm_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    alarm = tmp_path / "alarm.json"
    alarm.write_bytes(b"\xff\xfe{\x00")
    result = fa2("analyze", "--alarm-file", str(alarm), "--model", "baseline")
    assert_clean_error(result, 2, f"--alarm-file {alarm}: not UTF-8 text")


def test_an_alarm_file_that_is_a_folder_is_called_a_folder(tmp_path: Path) -> None:
    result = fa2("analyze", "--alarm-file", str(tmp_path), "--model", "baseline")
    assert_clean_error(result, 2, f"--alarm-file {tmp_path}: is a folder, not a file")


def test_malformed_alarm_json_names_the_problem(tmp_path: Path) -> None:
    alarm = tmp_path / "alarm.json"
    alarm.write_text('{"AlarmName": "orders-api-5xx", ', encoding="utf-8")
    result = fa2("analyze", "--alarm-file", str(alarm), "--model", "baseline")
    assert_clean_error(result, 2, "expected valid JSON")


# ------------------------------------------------------------------ --start / --end


def test_an_end_before_the_start_is_refused(bundle: Path) -> None:
    result = fa2(
        "analyze", "--bundle", str(bundle), "--model", "baseline",
        "--start", "2026-03-02T10:30:00Z", "--end", "2026-03-02T10:00:00Z",
    )  # fmt: skip
    assert_clean_error(
        result, 2, "--end 2026-03-02T10:00:00+00:00 is not after --start 2026-03-02T10:30:00+00:00"
    )


def test_a_window_longer_than_max_window_hours_is_refused(bundle: Path) -> None:
    result = fa2(
        "analyze", "--bundle", str(bundle), "--model", "baseline",
        "--start", "2000-01-01T00:00:00Z", "--end", "2099-01-01T00:00:00Z",
    )  # fmt: skip
    assert_clean_error(result, 2, "an investigation covers at most 24 h (FA2_MAX_WINDOW_HOURS)")


def test_a_window_outside_the_bundle_is_refused(bundle: Path) -> None:
    result = fa2(
        "analyze", "--bundle", str(bundle), "--model", "baseline",
        "--start", "2020-03-02T10:00:00Z", "--end", "2020-03-02T11:00:00Z",
    )  # fmt: skip
    assert_clean_error(result, 2, "is outside the bundle's window 2026-03-02 09:45:00Z")


def _alarm_event(tmp_path: Path, state_change_time: str) -> Path:
    """The SNS notification of orders-api-5xx (tests/events), changing state at the time given."""
    event = json.loads((EVENTS / "sns_lambda_alarm.json").read_text(encoding="utf-8"))
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["StateChangeTime"] = state_change_time
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    alarm = tmp_path / "alarm.json"
    alarm.write_text(json.dumps(event), encoding="utf-8")
    return alarm


def test_an_alarm_whose_time_is_in_the_future_is_refused_before_investigating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FA2_CHECKPOINT_PATH", str(tmp_path / "threads.sqlite"))
    monkeypatch.setattr("agent.service.build_backend", lambda settings: FakeBackend())
    alarm = _alarm_event(tmp_path, "2099-01-01T00:00:00.000+0000")
    result = fa2("analyze", "--alarm-file", str(alarm), "--model", "baseline")
    assert_clean_error(
        result, 2, "the window 2098-12-31 23:30:00Z – 2099-01-01 00:05:00Z starts in the future"
    )
    assert "check --start/--end, or the alarm's time in the notification" in result.stderr
    assert result.stdout == ""


def test_a_start_in_the_future_with_an_alarm_name_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FA2_CHECKPOINT_PATH", str(tmp_path / "threads.sqlite"))
    monkeypatch.setattr("agent.service.build_backend", lambda settings: FakeBackend())
    result = fa2(
        "analyze", "--alarm-name", "orders-api-5xx", "--model", "baseline",
        "--start", "2099-03-02T10:00:00Z", "--end", "2099-03-02T11:00:00Z",
    )  # fmt: skip
    assert_clean_error(
        result, 2, "2099-03-02 10:00:00Z – 2099-03-02 11:00:00Z starts in the future"
    )


def test_a_lone_start_with_an_alarm_file_centres_the_window_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FA2_CHECKPOINT_PATH", str(tmp_path / "threads.sqlite"))
    monkeypatch.setattr("agent.service.build_backend", lambda settings: FakeBackend())
    alarm = _alarm_event(tmp_path, "2026-03-02T10:17:00.000+0000")
    result = fa2(
        "analyze", "--alarm-file", str(alarm), "--model", "baseline", "--format", "json",
        "--start", "2026-03-02T10:05:00Z",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    window = json.loads(result.stdout)["window"]
    assert (window["start"], window["end"]) == ("2026-03-02T09:35:00Z", "2026-03-02T10:10:00Z")


# ------------------------------------------------------------------ --out


def test_an_out_path_inside_a_file_is_refused_before_investigating(
    bundle: Path, tmp_path: Path
) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("", encoding="utf-8")
    result = fa2(
        "analyze", "--bundle", str(bundle), "--model", "baseline", "--out", str(a_file / "out")
    )
    assert_clean_error(result, 2, f"is inside {a_file}, which is a file, not a folder")
    assert result.stdout == ""  # refused before the investigation ran


def test_an_out_folder_that_cannot_be_written_still_prints_the_report(
    bundle: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (out / "report.md").mkdir(parents=True)  # writing report.md fails
    result = fa2("analyze", "--bundle", str(bundle), "--model", "baseline", "--out", str(out))
    assert_clean_error(result, 1, f"--out {out}: could not write the reports")
    assert "# DynamoDB throttling behind the orders API" in result.stdout
    assert "fa2 ask --thread" in result.stderr


# ------------------------------------------------------------------ fa2 ask


def test_ask_with_a_checkpoint_path_that_is_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FA2_CHECKPOINT_PATH", str(tmp_path))
    result = fa2("ask", "--thread", "fa2-0123456789ab", "why?")
    assert_clean_error(result, 2, "(FA2_CHECKPOINT_PATH) is a folder")


def test_ask_with_a_checkpoint_file_that_is_not_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_sqlite = tmp_path / "threads.sqlite"
    not_sqlite.write_text("these are my notes, not a database\n" * 100, encoding="utf-8")
    monkeypatch.setenv("FA2_CHECKPOINT_PATH", str(not_sqlite))
    result = fa2("ask", "--thread", "fa2-0123456789ab", "why?")
    assert_clean_error(result, 2, "not a usable SQLite database")


def test_ask_with_dynamodb_checkpoints_but_no_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FA2_CHECKPOINT_BACKEND", "dynamodb")
    result = fa2("ask", "--thread", "fa2-0123456789ab", "why?")
    assert_clean_error(result, 2, "dynamodb_table (FA2_DYNAMODB_TABLE) is not set")


def test_ask_an_empty_question_is_refused_before_opening_anything() -> None:
    assert_clean_error(fa2("ask", "--thread", "fa2-0123456789ab", "  "), 2, "question is empty")


def test_ask_from_another_folder_finds_the_bundle_and_a_moved_bundle_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FA2_CHECKPOINT_PATH", str(tmp_path / "threads.sqlite"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "incident").mkdir()
    (tmp_path / "incident" / "incident.yaml").write_text(MANIFEST, encoding="utf-8")
    first = fa2("analyze", "--bundle", "incident", "--model", "baseline", "--format", "json")
    assert first.exit_code == 0, first.output
    thread = json.loads(first.stdout)["thread_id"]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert fa2("ask", "--thread", thread, "What changed?").exit_code == 0

    shutil.rmtree(tmp_path / "incident")
    result = fa2("ask", "--thread", thread, "What changed?")
    assert_clean_error(result, 2, "set FA2_BUNDLE to where it is now")
    assert str(tmp_path / "incident") in result.stderr


# ------------------------------------------------------------------ settings meant for AWS, run offline

DEMO_BUNDLE = Path(__file__).resolve().parents[2] / "evals" / "scenarios" / "dynamodb-throttling"


def test_log_groups_the_bundle_lacks_are_named_and_the_bundle_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FA2_CHECKPOINT_PATH", str(tmp_path / "threads.sqlite"))
    monkeypatch.setenv("FA2_LOG_GROUPS", "/aws/lambda/payments-prod")
    result = fa2("analyze", "--bundle", str(DEMO_BUNDLE), "--model", "baseline", "--format", "json")
    assert result.exit_code == 0, result.output
    assert (
        "note: log_groups (FA2_LOG_GROUPS) /aws/lambda/payments-prod not in the bundle; "
        "searching all its groups: /aws/lambda/orders-get, /aws/lambda/orders-put"
    ) in result.stderr
    report = json.loads(result.stdout)
    logs = [e for e in report["evidence"] if e["tool"] == "run_logs_insights_query"]
    assert logs and all(e["status"] != "error" for e in logs)
    assert "ProvisionedThroughputExceededException" in result.stdout


def test_a_bundle_whose_logs_are_all_unreadable_is_investigated_from_its_other_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FA2_CHECKPOINT_PATH", str(tmp_path / "threads.sqlite"))
    copy = tmp_path / "incident"
    shutil.copytree(DEMO_BUNDLE, copy)
    for log_file in (copy / "logs").iterdir():
        log_file.write_bytes(b"this is not gzip")
    result = fa2("analyze", "--bundle", str(copy), "--model", "baseline", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert any(
        note.startswith("Logs: the bundle's log files could not be read (none of the 3 log file")
        for note in report["notes"]
    )
    assert any(e["tool"] == "run_athena_query" and e["row_count"] for e in report["evidence"])


def test_an_unknown_thread_in_the_memory_checkpointer_explains_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FA2_CHECKPOINT_BACKEND", "memory")
    result = fa2("ask", "--thread", "fa2-0123456789ab", "why?")
    assert_clean_error(
        result,
        2,
        "no investigation thread 'fa2-0123456789ab' in the memory checkpointer (it keeps "
        "threads only inside one process; use FA2_CHECKPOINT_BACKEND=sqlite",
    )


def test_ctrl_c_mid_investigation_names_the_thread_that_keeps_its_evidence(
    bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agent.service

    investigate = agent.service.investigate

    def interrupted_after_triage(incident: Any, *, on_progress: Any, **kwargs: Any) -> Any:
        def progress(event: Any) -> None:
            on_progress(event)
            if event.message.startswith("step 2"):
                raise KeyboardInterrupt  # the user pressed Ctrl-C

        return investigate(incident, on_progress=progress, **kwargs)

    monkeypatch.setattr("agent.service.investigate", interrupted_after_triage)
    result = fa2(
        "analyze", "--bundle", str(bundle), "--model", "baseline", "--thread", "fa2-ctrlc0000001"
    )
    assert_clean_error(result, 130, "interrupted: thread fa2-ctrlc0000001 keeps the evidence")
    assert 'fa2 ask --thread fa2-ctrlc0000001 "your question"' in result.stderr

    monkeypatch.setattr("agent.service.investigate", investigate)
    answer = fa2("ask", "--thread", "fa2-ctrlc0000001", "What changed?", "--format", "json")
    assert answer.exit_code == 0, answer.output
    followed = json.loads(answer.stdout)
    assert followed["investigation_unfinished"] is True
    assert followed["evidence"]  # triage's evidence was kept


def test_ask_from_another_folder_with_the_default_checkpoints_says_where_it_looked_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FA2_CHECKPOINT_PATH", raising=False)
    monkeypatch.chdir(tmp_path)  # not the folder `fa2 analyze` ran in
    result = fa2("ask", "--thread", "fa2-0123456789ab", "why?")
    assert_clean_error(
        result,
        2,
        f"in the sqlite checkpointer at {tmp_path.resolve() / '.fa2' / 'checkpoints.sqlite'} "
        "(FA2_CHECKPOINT_PATH is relative to the current folder: ask from the folder fa2 analyze "
        "ran in, or set FA2_CHECKPOINT_PATH to an absolute path)",
    )


def _memory_file_that_is_not_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    notes = tmp_path / "incidents.sqlite"
    notes.write_text("on-call notes, saved over the memory file\n" * 100, encoding="utf-8")
    monkeypatch.setenv("FA2_INCIDENT_MEMORY_PATH", str(notes))
    return notes


def test_incidents_list_names_an_incident_memory_file_that_is_not_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = _memory_file_that_is_not_a_database(tmp_path, monkeypatch)
    result = fa2("incidents", "list")
    assert_clean_error(
        result, 2, f"incident_memory_path {notes} (FA2_INCIDENT_MEMORY_PATH): not a usable SQLite"
    )
    assert "or set FA2_INCIDENT_MEMORY=off" in result.stderr


def test_analyze_refuses_an_incident_memory_folder_before_investigating(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FA2_INCIDENT_MEMORY_PATH", str(tmp_path))
    result = fa2("analyze", "--bundle", str(bundle), "--model", "baseline")
    assert_clean_error(
        result, 2, f"incident_memory_path {tmp_path} (FA2_INCIDENT_MEMORY_PATH) is a folder"
    )
    assert result.stdout == ""


@pytest.mark.parametrize(
    "interruption",
    [KeyboardInterrupt(), RuntimeError("Query interrupted")],  # the latter: DuckDB's, mid-query
    ids=["between-queries", "inside-duckdb"],
)
def test_ctrl_c_in_a_plain_query_is_one_line_and_exit_130(
    interruption: BaseException,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import cli

    def pressed_ctrl_c(arguments: Any) -> None:
        raise interruption

    monkeypatch.setattr("cli.query_logs.run_logs_query", pressed_ctrl_c)
    monkeypatch.setattr("sys.argv", ["fa2", "query", "logs", "stats count(*)", "-b", "incident"])
    with pytest.raises(SystemExit) as exited:
        cli.run()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_another_runtime_error_is_not_taken_for_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    import cli

    def broken(arguments: Any) -> None:
        raise RuntimeError("something else broke")

    monkeypatch.setattr("cli.query_logs.run_logs_query", broken)
    monkeypatch.setattr("sys.argv", ["fa2", "query", "logs", "stats count(*)", "-b", "incident"])
    with pytest.raises(RuntimeError, match="something else broke"):
        cli.run()
