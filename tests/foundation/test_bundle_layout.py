"""A bundle's window read plainly (what `fa2 query logs` needs of its manifest), exactly as
the manifest's validation reads it, and nothing it is unsure of."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from agent.telemetry.bundle import load_manifest
from agent.telemetry.bundle_layout import plain_window
from cli import app

TEN = datetime(2026, 3, 2, 10, tzinfo=UTC)
ELEVEN = datetime(2026, 3, 2, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    "window",
    [
        "{start: 2026-03-02T10:00:00Z, end: 2026-03-02T11:00:00Z}",  # YAML timestamps
        '{start: "2026-03-02T10:00:00Z", end: "2026-03-02T11:00:00Z"}',
        '{start: "2026-03-02T19:00:00+09:00", end: "2026-03-02T20:00:00+09:00"}',
        '{start: "2026-03-02T10:00:00", end: "2026-03-02T11:00:00"}',  # naive: UTC
    ],
)
def test_a_plainly_written_window_is_read_as_the_manifest_validation_reads_it(
    tmp_path: Path, window: str
) -> None:
    (tmp_path / "incident.yaml").write_text(f"version: 2\ntitle: t\nwindow: {window}\n")
    manifest = yaml.safe_load((tmp_path / "incident.yaml").read_text())

    span = plain_window(manifest)

    assert span is not None and (span.start, span.end) == (TEN, ELEVEN)
    validated = load_manifest(tmp_path).window
    assert (span.start, span.end) == (validated.start, validated.end)


@pytest.mark.parametrize(
    "manifest",
    [
        {"title": "no window"},
        {"window": "2026-03-02"},
        {"window": {"start": "2026-03-02T10:00:00Z"}},
        {"window": {"start": "10 o'clock", "end": "2026-03-02T11:00:00Z"}},
        {"window": {"start": "2026-03-02T11:00:00Z", "end": "2026-03-02T10:00:00Z"}},
        {"window": {"start": 1772445600, "end": 1772449200}},  # epoch seconds: pydantic's call
        {"window": {"start": "2026-03-02T10:00:00Z", "end": "2026-03-02T11:00:00Z", "x": 1}},
    ],
)
def test_a_window_not_plainly_written_is_left_to_the_full_validation(manifest: dict) -> None:
    assert plain_window(manifest) is None


def logs_query(bundle: Path) -> list[str]:
    return ["query", "logs", "--bundle", str(bundle), "--format", "json", "stats count(*) as n"]


def write_bundle(root: Path, manifest: str) -> Path:
    (root / "logs").mkdir(parents=True)
    (root / "incident.yaml").write_text(manifest, encoding="utf-8")
    (root / "logs" / "app.jsonl").write_text(
        '{"logGroup": "/aws/lambda/app", "logStream": "s", "timestamp": 1772445660000, '
        '"message": "ERROR boom"}\n',
        encoding="utf-8",
    )
    return root


def test_a_logs_query_refuses_a_reversed_window_as_every_command_does(tmp_path: Path) -> None:
    bundle = write_bundle(
        tmp_path / "b",
        'title: t\nwindow: {start: "2026-03-02T11:00:00Z", end: "2026-03-02T10:00:00Z"}\n',
    )

    result = CliRunner().invoke(app, logs_query(bundle))

    assert result.exit_code == 1
    assert "incident.yaml: window (line 2): time range end" in result.stderr


def test_a_logs_query_reads_a_window_given_in_epoch_seconds_through_the_validation(
    tmp_path: Path,
) -> None:
    bundle = write_bundle(
        tmp_path / "b", "title: t\nwindow: {start: 1772445600, end: 1772449200}\n"
    )

    result = CliRunner().invoke(app, logs_query(bundle))

    assert result.exit_code == 0, result.output
    assert '"value": "1"' in result.stdout


def test_a_logs_query_needs_only_the_window_of_an_otherwise_faulty_manifest(
    tmp_path: Path,
) -> None:
    # `fa2 bundle check` and the investigation refuse the typo; a logs query reads the
    # window alone, so the engineer can still look at the logs
    bundle = write_bundle(
        tmp_path / "b",
        'title: t\ntagz: [typo]\nwindow: {start: "2026-03-02T10:00:00Z", end: "2026-03-02T11:00:00Z"}\n',
    )

    result = CliRunner().invoke(app, logs_query(bundle))

    assert result.exit_code == 0, result.output
    assert '"value": "1"' in result.stdout
