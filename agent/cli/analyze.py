"""`fa2 analyze` (investigate an incident bundle offline, or an alarm in AWS) and `fa2 ask`
(a follow-up question in an investigation's thread). Live progress on a terminal, plain
lines otherwise; the report as markdown or JSON, optionally written to --out."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from agent.config import Settings
    from agent.models import ProgressEvent
    from agent.report import Report

EXIT_USAGE = 2
EXIT_FAILED = 1


class ModelChoice(StrEnum):
    baseline = "baseline"
    bedrock = "bedrock"


class ReportFormat(StrEnum):
    markdown = "markdown"
    json = "json"


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _settings(**overrides: Any) -> Settings:
    from agent.config import SettingsError, load_settings

    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        raise _fail(str(exc)) from exc


class Progress:
    """Each step and query with the elapsed time: a rich live line on a terminal, plain lines
    on stderr otherwise (CI logs, pipes)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self._status: Any = None
        if self.tty:
            from rich.console import Console

            self.console = Console(stderr=True, highlight=False)
            self._status = self.console.status("starting the investigation…")
            self._status.start()

    def __call__(self, event: ProgressEvent) -> None:
        line = f"[{event.elapsed_seconds:6.1f}s] {event.message}"
        if not self.tty:
            typer.echo(line, err=True)
            return
        from rich.markup import escape

        style = {"query": "cyan", "result": "green", "error": "red", "done": "bold green"}.get(
            event.kind, "bold"
        )
        self.console.print(
            f"[dim]{event.elapsed_seconds:6.1f}s[/dim] [{style}]{escape(event.message)}[/{style}]",
            no_wrap=True,
            overflow="ellipsis",
        )
        self._status.update(
            f"step {event.step} · {event.tool_calls} tool call(s) · {event.elapsed_seconds:.1f}s — {escape(event.message[:80])}"
        )

    def close(self) -> None:
        if self._status is not None:
            self._status.stop()


def _emit(report: Report, fmt: ReportFormat, out: Path | None) -> None:
    from agent.render import render_markdown

    markdown = render_markdown(report)
    as_json = report.model_dump_json(indent=2)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.md").write_text(markdown, encoding="utf-8")
        (out / "report.json").write_text(as_json + "\n", encoding="utf-8")
    typer.echo(as_json if fmt is ReportFormat.json else markdown)
    if out is not None:
        typer.echo(f"wrote {out / 'report.md'} and {out / 'report.json'}", err=True)
    if report.thread_id:
        typer.echo(
            f'thread: {report.thread_id} — follow up with: fa2 ask --thread {report.thread_id} "your question"',
            err=True,
        )


def _parse_time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _fail(
            f"--{name} {value!r} is not an ISO-8601 time (e.g. 2026-03-02T10:00:00Z)"
        ) from exc


def _incident(
    settings: Settings,
    backend: Any,
    bundle: Path | None,
    alarm_name: str | None,
    alarm_file: Path | None,
    start: datetime | None,
    end: datetime | None,
) -> Any:
    from agent.alarm import AlarmParseError, incident_from_bundle, parse_alarm
    from agent.models import TimeRange
    from agent.service import incident_from_alarm_name
    from agent.telemetry.bundle import BundleError, load_bundle

    try:
        if bundle is not None:
            incident = incident_from_bundle(load_bundle(bundle), settings)
        elif alarm_file is not None:
            incident = parse_alarm(alarm_file.read_text(encoding="utf-8"), settings)
        else:
            return incident_from_alarm_name(
                alarm_name or "", settings=settings, backend=backend, start=start, end=end
            )
    except (BundleError, AlarmParseError, LookupError, OSError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    if start and end:
        incident = incident.model_copy(update={"window": TimeRange(start=start, end=end)})
    return incident


def analyze(
    bundle: Path | None = typer.Option(
        None, "--bundle", help="Investigate this incident bundle offline (no AWS)."
    ),
    alarm_name: str | None = typer.Option(
        None, "--alarm-name", help="Investigate this CloudWatch alarm in AWS."
    ),
    alarm_file: Path | None = typer.Option(
        None,
        "--alarm-file",
        help="An alarm notification (SNS / EventBridge JSON, or Chatbot text).",
    ),
    start: str | None = typer.Option(
        None, "--start", help="Window start, ISO-8601 UTC (default: around the alarm)."
    ),
    end: str | None = typer.Option(None, "--end", help="Window end, ISO-8601 UTC."),
    model: ModelChoice | None = typer.Option(
        None, "--model", help="Investigator: bedrock (Claude) or baseline (rule-based, offline)."
    ),
    fmt: ReportFormat = typer.Option(
        ReportFormat.markdown, "--format", help="Report format on stdout."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Also write report.md and report.json into this folder."
    ),
    language: str | None = typer.Option(None, "--language", help="en or ja."),
    thread: str | None = typer.Option(
        None, "--thread", help="Use this thread id (default: a new one)."
    ),
) -> None:
    """Investigate an incident and print a cited root-cause report."""
    sources = [x for x in (bundle, alarm_name, alarm_file) if x is not None]
    if len(sources) != 1:
        raise _fail("give exactly one of --bundle DIR, --alarm-name NAME or --alarm-file FILE")
    if bundle is not None and not bundle.is_dir():
        raise _fail(f"--bundle {bundle}: not a folder")
    if alarm_file is not None and not alarm_file.is_file():
        raise _fail(f"--alarm-file {alarm_file}: no such file")
    begin, finish = _parse_time(start, "start"), _parse_time(end, "end")
    if (begin is None) != (finish is None) and bundle is not None:
        raise _fail("give both --start and --end to override a bundle's window")
    settings = _settings(bundle=bundle, model=model.value if model else None, language=language)

    from agent.service import build_backend, investigate
    from agent.telemetry.bundle import BundleError

    try:
        backend = build_backend(settings)
    except BundleError as exc:  # the folder is not a usable bundle: the user's input
        raise _fail(str(exc)) from exc
    except Exception as exc:  # a backend that cannot start (no AWS config, unreadable files)
        raise _fail(f"cannot open the telemetry backend: {exc}", EXIT_FAILED) from exc
    incident = _incident(settings, backend, bundle, alarm_name, alarm_file, begin, finish)
    progress = Progress()
    try:
        report = investigate(
            incident, settings=settings, backend=backend, thread_id=thread, on_progress=progress
        )
    except Exception as exc:
        progress.close()
        raise _fail(f"the investigation failed: {type(exc).__name__}: {exc}", EXIT_FAILED) from exc
    progress.close()
    _emit(report, fmt, out)


def ask(
    question: str = typer.Argument(..., help="The follow-up question."),
    thread: str = typer.Option(..., "--thread", help="The thread id printed by `fa2 analyze`."),
    model: ModelChoice | None = typer.Option(
        None, "--model", help="Default: the model that investigated the thread."
    ),
    fmt: ReportFormat = typer.Option(ReportFormat.markdown, "--format"),
    out: Path | None = typer.Option(
        None, "--out", help="Also write report.md and report.json into this folder."
    ),
) -> None:
    """Ask a follow-up question in an investigation's thread (its messages and evidence are kept)."""
    from agent.service import ThreadNotFoundError, thread_values
    from agent.service import ask as ask_thread

    settings = _settings(model=model.value if model else None)
    values = thread_values(thread, settings)
    if model is None and "FA2_MODEL" not in os.environ and values.get("model"):
        settings = settings.model_copy(update={"model": values["model"]})
    progress = Progress()
    try:
        report = ask_thread(thread, question, settings=settings, on_progress=progress)
    except (ThreadNotFoundError, ValueError) as exc:
        progress.close()
        raise _fail(str(exc)) from exc
    except Exception as exc:
        progress.close()
        raise _fail(f"the follow-up failed: {type(exc).__name__}: {exc}", EXIT_FAILED) from exc
    progress.close()
    _emit(report, fmt, out)


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze)
    app.command("ask")(ask)
