"""`fa2 analyze` (investigate an incident bundle offline, or an alarm in AWS) and `fa2 ask`
(a follow-up question in an investigation's thread). Live progress on a terminal, plain
lines otherwise; the report as markdown or JSON, optionally written to --out."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from agent.config import Settings
    from agent.incident import Incident, ProgressEvent, TimeRange
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


def _check_out(out: Path | None) -> None:
    """Refuse an --out that cannot be written before spending minutes on the investigation."""
    if out is None:
        return
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "is" if existing == out else f"is inside {existing}, which is"
        raise _fail(f"--out {out}: {where} a file, not a folder")
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise _fail(f"--out {out}: cannot write in {existing} (permission denied)")


def _write_reports(out: Path, markdown: str, as_json: str) -> str | None:
    """Write report.md and report.json into `out`; the reason when that fails."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.md").write_text(markdown, encoding="utf-8")
        (out / "report.json").write_text(as_json + "\n", encoding="utf-8")
    except OSError as exc:
        return f"--out {out}: could not write the reports: {exc.strerror or exc}"
    return None


def _emit(report: Report, fmt: ReportFormat, out: Path | None) -> None:
    from agent.report.markdown import render_markdown

    markdown = render_markdown(report)
    as_json = report.model_dump_json(indent=2)
    typer.echo(as_json if fmt is ReportFormat.json else markdown)
    failure = _write_reports(out, markdown, as_json) if out is not None else None
    if out is not None and failure is None:
        typer.echo(f"wrote {out / 'report.md'} and {out / 'report.json'}", err=True)
    if report.thread_id:
        typer.echo(
            f'thread: {report.thread_id} — follow up with: fa2 ask --thread {report.thread_id} "your question"',
            err=True,
        )
    if failure is not None:  # the report is on stdout all the same
        raise _fail(failure, EXIT_FAILED)


def _parse_time(
    value: str | None, name: str, example: str = "2026-03-02T10:00:00Z"
) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _fail(f"--{name} {value!r} is not an ISO-8601 time (e.g. {example})") from exc


def _checked_window(
    begin: datetime | None, finish: datetime | None, settings: Settings
) -> TimeRange | None:
    """--start/--end as a window: ordered and no longer than an investigation may cover."""
    from agent.incident import TimeRange, as_utc

    if begin is None or finish is None:
        return None
    begin, finish = as_utc(begin), as_utc(finish)
    if finish <= begin:
        raise _fail(f"--end {finish.isoformat()} is not after --start {begin.isoformat()}")
    hours = (finish - begin).total_seconds() / 3600
    if hours > settings.telemetry.max_window_hours:
        raise _fail(
            f"--start/--end span {hours:,.1f} h: an investigation covers at most "
            f"{settings.telemetry.max_window_hours} h (FA2_MAX_WINDOW_HOURS)"
        )
    return TimeRange(start=begin, end=finish)


def _read_alarm_file(alarm_file: Path) -> str:
    try:
        return alarm_file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(
            f"--alarm-file {alarm_file}: not UTF-8 text (expected SNS / EventBridge JSON or "
            "Chatbot text)"
        ) from exc
    except OSError as exc:
        raise _fail(f"--alarm-file {alarm_file}: cannot read it: {exc.strerror or exc}") from exc


def _incident(
    settings: Settings,
    backend: Any,
    bundle: Path | None,
    alarm_name: str | None,
    alarm_file: Path | None,
    window: TimeRange | None,
    start: datetime | None,
) -> Incident:
    from agent.alarm import AlarmParseError, incident_from_bundle, parse_alarm
    from agent.alarm.common import analysis_window
    from agent.service import incident_from_alarm_name
    from agent.telemetry.base import QueryError, TelemetryUnavailableError
    from agent.telemetry.bundle import BundleError, load_bundle
    from agent.telemetry.instants import ranges_overlap

    try:
        if bundle is not None:
            loaded = load_bundle(bundle)
            if window is not None and not ranges_overlap(window, loaded.window):
                raise _fail(
                    f"--start/--end {window.label()} is outside the bundle's window "
                    f"{loaded.window.label()}: the bundle holds no telemetry there"
                )
            incident = incident_from_bundle(loaded, settings)
        elif alarm_file is not None:
            incident = parse_alarm(_read_alarm_file(alarm_file), settings)
            if window is None and start is not None:  # a lone --start/--end, as --alarm-name
                window = analysis_window(start, settings)
        else:
            return incident_from_alarm_name(
                alarm_name or "",
                settings=settings,
                backend=backend,
                start=window.start if window else start,
                end=window.end if window else None,
            )
    except (BundleError, AlarmParseError, LookupError, QueryError) as exc:
        raise _fail(str(exc)) from exc
    except TelemetryUnavailableError as exc:  # AWS is unreachable: not the user's typo
        raise _fail(f"cannot describe the alarm {alarm_name!r}: {exc}", EXIT_FAILED) from exc
    if window is not None:
        incident = incident.model_copy(update={"window": window})
    if bundle is None:
        _refuse_future(incident.window)
    return incident


def _refuse_future(window: TimeRange) -> None:
    """A window that starts after now (a typo in --start, a notification's time in another
    zone or year) would run every query on nothing and report "no evidence"."""
    now = datetime.now(UTC)
    if window.start >= now:
        raise _fail(
            f"the window {window.label()} starts in the future (now {now:%Y-%m-%d %H:%M}Z): "
            "AWS holds no telemetry there yet; check --start/--end, or the alarm's time in the "
            "notification (StateChangeTime)"
        )


def _note_log_groups_outside(backend: Any, configured: list[str]) -> None:
    """FA2_LOG_GROUPS names groups for AWS; offline, those the bundle lacks are ignored."""
    from agent.telemetry.base import TelemetryUnavailableError

    try:
        held = [g.name for g in backend.list_log_groups()]
    except TelemetryUnavailableError:
        return
    missing = [g for g in configured if g not in held]
    if missing:
        searched = "the others" if len(missing) < len(configured) else "all its groups"
        typer.echo(
            f"note: log_groups (FA2_LOG_GROUPS) {', '.join(missing)} not in the bundle; "
            f"searching {searched}: {', '.join(held) or '(none)'}",
            err=True,
        )


def _failure(what: str, exc: Exception) -> typer.Exit:
    """An investigation or follow-up that could not finish: configuration problems are the
    user's to fix (exit 2), the rest named by their cause (exit 1)."""
    from agent.checkpoints import CheckpointConfigError
    from agent.memory.sqlite import MemoryConfigError
    from agent.telemetry.base import TelemetryUnavailableError
    from agent.telemetry.bundle import BundleError

    if isinstance(exc, CheckpointConfigError | MemoryConfigError | BundleError):
        return _fail(str(exc))
    if isinstance(exc, TelemetryUnavailableError):
        return _fail(f"{what} failed: telemetry unavailable: {exc}", EXIT_FAILED)
    return _fail(f"{what} failed: {type(exc).__name__}: {exc}", EXIT_FAILED)


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
    if alarm_name is not None and not alarm_name.strip():
        raise _fail("--alarm-name is empty: give the CloudWatch alarm's name")
    if alarm_file is not None and alarm_file.is_dir():
        raise _fail(f"--alarm-file {alarm_file}: is a folder, not a file")
    if alarm_file is not None and not alarm_file.is_file():
        raise _fail(f"--alarm-file {alarm_file}: no such file")
    begin, finish = _parse_time(start, "start"), _parse_time(end, "end")
    if (begin is None) != (finish is None) and bundle is not None:
        raise _fail("give both --start and --end to override a bundle's window")
    _check_out(out)
    settings = _settings(bundle=bundle, model=model.value if model else None, language=language)
    window = _checked_window(begin, finish, settings)
    if window is not None and bundle is None:
        _refuse_future(window)  # before describing the alarm in AWS

    from agent.service import build_backend, investigate, new_thread_id
    from agent.telemetry.bundle import BundleError

    try:
        backend = build_backend(settings)
    except BundleError as exc:  # the folder is not a usable bundle: the user's input
        raise _fail(str(exc)) from exc
    except Exception as exc:  # a backend that cannot start (no AWS config, unreadable files)
        raise _fail(f"cannot open the telemetry backend: {exc}", EXIT_FAILED) from exc
    incident = _incident(settings, backend, bundle, alarm_name, alarm_file, window, begin or finish)
    if bundle is not None and settings.telemetry.log_groups:
        _note_log_groups_outside(backend, settings.telemetry.log_groups)
    progress = Progress()
    thread = thread or new_thread_id()  # known here, so that Ctrl-C can name it
    try:
        report = investigate(
            incident, settings=settings, backend=backend, thread_id=thread, on_progress=progress
        )
    except KeyboardInterrupt:
        progress.close()
        typer.echo(
            f"interrupted: thread {thread} keeps the evidence gathered so far; "
            f'fa2 ask --thread {thread} "your question" answers from it',
            err=True,
        )
        raise typer.Exit(130) from None
    except Exception as exc:
        progress.close()
        raise _failure("the investigation", exc) from exc
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
    from agent.telemetry.bundle import BundleError

    if not question.strip():
        raise _fail("the follow-up question is empty")
    _check_out(out)
    settings = _settings(model=model.value if model else None)
    try:
        values = thread_values(thread, settings)
    except Exception as exc:
        raise _failure("reading the conversation", exc) from exc
    if model is None and "FA2_MODEL" not in os.environ and values.model:
        settings = settings.updated(model=values.model)
    progress = Progress()
    try:
        report = ask_thread(thread, question, settings=settings, on_progress=progress)
    except BundleError as exc:
        progress.close()
        raise _fail(
            f"{exc} — the thread was investigated over that bundle; set FA2_BUNDLE to where it "
            "is now"
        ) from exc
    except (ThreadNotFoundError, ValueError) as exc:
        progress.close()
        raise _fail(str(exc)) from exc
    except Exception as exc:
        progress.close()
        raise _failure("the follow-up", exc) from exc
    progress.close()
    _emit(report, fmt, out)


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze)
    app.command("ask")(ask)
