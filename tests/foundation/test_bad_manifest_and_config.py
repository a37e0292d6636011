"""A broken incident.yaml, FA2_CONFIG or alarm payload is one line that says what and
where, from `fa2 bundle check`, `fa2 analyze` and `fa2 config check` alike, never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.alarm import AlarmParseError, parse_alarm
from agent.config import SettingsError, load_settings
from agent.telemetry.bundle import BundleError, load_bundle
from cli import app

runner = CliRunner()


def _bundle(tmp_path: Path, manifest: bytes) -> Path:
    folder = tmp_path / "orders-incident"
    folder.mkdir()
    (folder / "incident.yaml").write_bytes(manifest)
    return folder


def test_a_manifest_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    folder = _bundle(tmp_path, "title: Commandes en échec\n".encode("latin-1"))
    with pytest.raises(BundleError, match=r"incident.yaml: not UTF-8 text \(byte 20\)"):
        load_bundle(folder)


def test_bundle_check_reports_a_non_utf8_manifest(tmp_path: Path) -> None:
    folder = _bundle(tmp_path, b"title: \xff\xfe\n")
    result = runner.invoke(app, ["bundle", "check", str(folder), "--format", "json"])
    assert result.exit_code == 1
    assert "not UTF-8 text" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_analyze_reports_a_non_utf8_manifest_as_the_bundles_fault(tmp_path: Path) -> None:
    folder = _bundle(tmp_path, b"title: \xff\xfe\n")
    result = runner.invoke(app, ["analyze", "--bundle", str(folder), "--model", "baseline"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {folder}/incident.yaml: not UTF-8 text")


def test_invalid_yaml_is_one_line_with_line_and_column(tmp_path: Path) -> None:
    folder = _bundle(tmp_path, b"version: 1\ntitle: [orders API 5xx\nwindow: {}\n")
    with pytest.raises(BundleError) as caught:
        load_bundle(folder)
    message = str(caught.value)
    assert "\n" not in message
    assert message.endswith(
        "not valid YAML: expected ',' or ']', but got ':' at line 3, column 7 "
        "(while parsing a flow sequence at line 2)"
    )


def test_fa2_config_naming_a_folder_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FA2_CONFIG", str(tmp_path))
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.problems == [
        f"FA2_CONFIG: {tmp_path} is a folder; give the path of a fa2.toml"
    ]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ('{"a":' * 5000 + "1" + "}" * 5000, "(payload)"),
        (json.dumps({"Records": [{"Sns": {"Message": "[" * 5000}}]}), "Records[0].Sns.Message"),
    ],
    ids=["whole-payload", "sns-message"],
)
def test_json_nested_thousands_deep_is_malformed_json_not_a_crash(payload: str, field: str) -> None:
    with pytest.raises(AlarmParseError, match=rf"field '{re.escape(field)}'.*nested too deeply"):
        parse_alarm(payload, load_settings())


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"FA2_MODEL_ID": ""}, "model_id [FA2_MODEL_ID]: String should have at least 1 character"),
        (
            {"FA2_ATHENA_DATABASE": 'logs"; DROP SCHEMA main; --'},
            "athena_database [FA2_ATHENA_DATABASE]: a Glue name: letters, digits and _",
        ),
        (
            {"FA2_ATHENA_ALB_TABLE": "cloud_trail_logs"},
            "athena_cloudtrail_table [FA2_ATHENA_CLOUDTRAIL_TABLE]: the same name as "
            "athena_alb_table",
        ),
    ],
    ids=["empty-model-id", "quote-in-database", "one-name-for-two-tables"],
)
def test_settings_that_would_fail_later_are_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], problem: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 2
    assert problem in result.stderr


def test_config_check_refuses_sqlite_files_every_investigation_would_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = tmp_path / "incidents.sqlite"
    notes.write_text("on-call notes, saved over the memory file\n", encoding="utf-8")
    monkeypatch.setenv("FA2_CHECKPOINT_PATH", str(tmp_path))
    monkeypatch.setenv("FA2_INCIDENT_MEMORY_PATH", str(notes))

    result = runner.invoke(app, ["config", "check"])

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "invalid fa2 settings:",
        f"  checkpoint_path [FA2_CHECKPOINT_PATH]: {tmp_path} is a folder; give a file path "
        "inside it",
        f"  incident_memory_path [FA2_INCIDENT_MEMORY_PATH]: {notes} is not a SQLite database",
    ]
