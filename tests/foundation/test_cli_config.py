"""`fa2 config show` / `fa2 config check` as a user runs them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1111-2222-zq9TOKENVALUE")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f14e45fceea167aSIGNVALUE")


def test_show_table_masks_secrets_and_says_where_values_come_from(
    secrets: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FA2_REGION", "eu-west-1")

    result = runner.invoke(app, ["config", "show"], env={"COLUMNS": "200"})

    assert result.exit_code == 0
    assert "TOKENVALUE" not in result.output and "SIGNVALUE" not in result.output
    assert "********" in result.output
    region_row = next(line for line in result.output.splitlines() if "│ region " in line)
    assert "eu-west-1" in region_row and "env FA2_REGION" in region_row


def test_show_json_masks_secrets(secrets: None) -> None:
    result = runner.invoke(app, ["config", "show", "--format", "json"])

    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["slack_bot_token"] == "********"
    assert shown["slack_signing_secret"] == "********"
    assert shown["slack_app_token"] is None
    assert shown["region"] == "us-east-1"
    assert "TOKENVALUE" not in result.stdout and "SIGNVALUE" not in result.stdout


def test_show_with_invalid_settings_prints_one_line_per_problem_and_exits_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FA2_MODEL", "gpt-4")
    monkeypatch.setenv("FA2_MAX_TOOL_CALLS", "lots")

    result = runner.invoke(app, ["config", "show"])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "invalid fa2 settings:",
        "  model [FA2_MODEL]: Input should be 'baseline' or 'bedrock'; got 'gpt-4'",
        "  max_tool_calls [FA2_MAX_TOOL_CALLS]: Input should be a valid integer, unable to parse "
        "string as an integer; got 'lots'",
    ]
    assert "Traceback" not in result.output


def test_check_reports_valid_settings_with_advice() -> None:
    result = runner.invoke(app, ["config", "check"])

    assert result.exit_code == 0
    assert result.stdout.startswith("fa2 settings are valid")
    assert "log_groups is empty" in result.stdout


def test_check_with_invalid_settings_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FA2_LANGUAGE", "fr")

    result = runner.invoke(app, ["config", "check"])

    assert result.exit_code == 2
    assert "language [FA2_LANGUAGE]: Input should be 'en' or 'ja'; got 'fr'" in result.stderr


def test_show_names_fa2_toml_as_the_origin_of_its_values(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "fa2.toml"
    config.write_text('athena_database = "prod_logs"\n', encoding="utf-8")
    monkeypatch.setenv("FA2_CONFIG", str(config))

    result = runner.invoke(app, ["config", "show"], env={"COLUMNS": "250"})

    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if "│ athena_database " in line)
    assert "prod_logs" in row and str(config) in row
