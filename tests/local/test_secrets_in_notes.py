"""A note on a bundle file that could not be read quotes the engine's error, and the error
quotes the file's data (`Failed to cast value to numerical: "DB_PASSWORD=..."`). Notes reach
the model's briefing, the report and the terminal, so their secrets are redacted like those of
a tool result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from typer.testing import CliRunner

from agent.alarm.text import incident_from_bundle
from agent.config import Settings, load_settings
from agent.incident import TimeRange
from agent.report.markdown import render_markdown
from agent.service import investigate
from agent.telemetry.bundle import load_bundle
from agent.telemetry.local import LocalBackend
from cli import app
from tests.agent.fakes import FakeBackend, ScriptedChatModel, ai, incident

from ..conftest import DEMO_BUNDLE

PASSWORD = "Sup3rS3cretPassw0rd!"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# An exporter that wrote the line it failed to parse where a datapoint belongs.
LEAKED_LINE = f"DB_PASSWORD={PASSWORD} aws_secret_access_key={SECRET_KEY}"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """The demo bundle with a metric series whose second datapoint is a log line holding a
    password and an AWS secret key."""
    root = Path(shutil.copytree(DEMO_BUNDLE, tmp_path / "bundle"))
    series = {
        "Namespace": "AWS/Lambda",
        "MetricName": "Errors",
        "Dimensions": [{"Name": "FunctionName", "Value": "orders-put"}],
        "Unit": "Count",
        "Statistic": "Sum",
        "Period": 60,
        "Timestamps": ["2026-03-02T10:04:00Z", "2026-03-02T10:05:00Z"],
        "Values": [3.0, LEAKED_LINE],
    }
    (root / "metrics" / "exporter.json").write_text(json.dumps([series]), encoding="utf-8")
    return root


def _span(bundle: Path) -> TimeRange:
    window = load_bundle(bundle).window
    return TimeRange(start=window.start, end=window.end)


def _leaks(text: str) -> bool:
    return PASSWORD in text or SECRET_KEY in text or "Sup3r" in text


def test_the_note_of_a_file_the_metrics_listing_skips_holds_no_secret(bundle: Path) -> None:
    backend = LocalBackend(bundle, load_settings())

    backend.list_metrics()

    [note] = [n for n in backend.load_notes if "metrics/exporter.json" in n]
    assert note.startswith("Metrics: metrics/exporter.json could not be read (")
    assert "DB_PASSWORD=[REDACTED]" in note and not _leaks(note)
    backend.close()


def test_the_note_of_a_file_the_metrics_insights_engine_skips_holds_no_secret(
    bundle: Path,
) -> None:
    backend = LocalBackend(bundle, load_settings())

    backend.run_metrics_insights('SELECT SUM(Errors) FROM "AWS/Lambda"', _span(bundle))

    [note] = [n for n in backend.load_notes if "metrics/exporter.json" in n]
    # DuckDB's own words, quoting the value it could not read
    assert 'Failed to cast value to numerical: "DB_PASSWORD=[REDACTED]' in note
    assert not _leaks(note)
    backend.close()


def test_the_query_command_prints_the_note_without_the_secret(bundle: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "query",
            "metrics-insights",
            'SELECT SUM(Errors) FROM "AWS/Lambda"',
            "--bundle",
            str(bundle),
            "--format",
            "json",
        ],
    )

    assert result.exit_code == 0, result.output
    assert "note: Metrics: metrics/exporter.json could not be read (" in result.stderr
    assert not _leaks(result.stderr)


def test_the_briefing_and_the_report_carry_the_note_without_the_secret(
    bundle: Path, tmp_path: Path
) -> None:
    settings = Settings(
        model="baseline",
        bundle=bundle,
        checkpoint_backend="sqlite",
        checkpoint_path=tmp_path / "threads.sqlite",
    )
    model = ScriptedChatModel(turns=[ai(content="Enough.")])
    report = investigate(
        incident_from_bundle(load_bundle(bundle), settings),
        settings=settings,
        backend=LocalBackend(bundle, settings),
        chat_model=model,
    )

    briefing = str(next(m for m in model.seen[0] if isinstance(m, HumanMessage)).content)
    assert "- Metrics: metrics/exporter.json could not be read (" in briefing
    assert not _leaks(briefing)
    assert any(
        n.startswith("Metrics: metrics/exporter.json could not be read") for n in report.notes
    )
    assert not _leaks(report.model_dump_json()) and not _leaks(render_markdown(report))


def test_a_note_a_backend_gives_with_a_secret_is_redacted_in_the_report(
    tmp_path: Path,
) -> None:
    backend = FakeBackend()
    backend.load_notes = [f"Logs: export.jsonl could not be read (bad value '{LEAKED_LINE}')"]
    settings = load_settings(
        model="baseline", checkpoint_backend="sqlite", checkpoint_path=tmp_path / "t.sqlite"
    )

    report = investigate(incident(), settings=settings, backend=backend)

    [note] = [n for n in report.notes if n.startswith("Logs: export.jsonl")]
    assert note == (
        "Logs: export.jsonl could not be read (bad value "
        "'DB_PASSWORD=[REDACTED] aws_secret_access_key=[REDACTED]')"
    )
