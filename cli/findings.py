"""`fa2 findings-report`: the security findings report of the last N days (Security Hub and
GuardDuty; offline, a bundle's findings/ folder) as markdown, JSON or PDF, in English or
Japanese. Markdown and JSON go to stdout; with --out (and always for a PDF) the report is
written as findings-report.<md|json|pdf>."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from cli.analyze import EXIT_FAILED, ModelChoice, _check_out, _fail, _settings


class FindingsFormat(StrEnum):
    markdown = "markdown"
    json = "json"
    pdf = "pdf"


class ReportLanguage(StrEnum):
    en = "en"
    ja = "ja"


SUFFIX = {FindingsFormat.markdown: "md", FindingsFormat.json: "json", FindingsFormat.pdf: "pdf"}


def findings_report(
    days: int = typer.Option(7, "--days", help="The report covers the last N days (1-90)"),
    bundle: Path | None = typer.Option(
        None, "--bundle", help="Offline: the bundle's findings/ (the days up to its window end)"
    ),
    output: FindingsFormat = typer.Option(
        FindingsFormat.markdown, "--format", "-f", help="markdown, json or pdf"
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write findings-report.<md|json|pdf> into this folder"
    ),
    language: ReportLanguage | None = typer.Option(
        None, "--language", help="en or ja (default: the configured language)"
    ),
    min_severity: str = typer.Option(
        "LOW", "--min-severity", help="CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL"
    ),
    model: ModelChoice | None = typer.Option(
        None, "--model", help="Who writes the narrative: baseline (rules) or bedrock"
    ),
) -> None:
    """The security findings report: counts, trend, top risks citing findings, actions."""
    from agent.findings.pdf import FontNotFoundError
    from agent.service import findings_report_from_settings
    from agent.telemetry.base import TelemetryUnavailableError
    from agent.telemetry.bundle import BundleError

    settings = _settings(model=model.value if model else None)
    target = out if out is not None else (Path.cwd() if output is FindingsFormat.pdf else None)
    _check_out(target)
    try:
        report = findings_report_from_settings(
            days=days,
            bundle=bundle,
            settings=settings,
            language=language.value if language else None,
            min_severity=min_severity,
        )
    except (BundleError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    except TelemetryUnavailableError as exc:
        raise _fail(str(exc), EXIT_FAILED) from exc

    if output is FindingsFormat.json:
        typer.echo(report.model_dump_json(indent=2))
    elif output is FindingsFormat.markdown:
        from agent.findings.markdown import findings_to_markdown

        typer.echo(findings_to_markdown(report))
    if target is None:
        return
    path = target / f"findings-report.{SUFFIX[output]}"
    try:
        target.mkdir(parents=True, exist_ok=True)
        if output is FindingsFormat.pdf:
            from agent.findings.pdf import findings_to_pdf

            findings_to_pdf(report, path)
        elif output is FindingsFormat.json:
            path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
        else:
            from agent.findings.markdown import findings_to_markdown

            path.write_text(findings_to_markdown(report), encoding="utf-8")
    except (FontNotFoundError, OSError) as exc:
        reason = (
            str(exc)
            if isinstance(exc, FontNotFoundError)
            else f"--out {target}: could not write {path.name}: {exc.strerror or exc}"
        )
        if output is FindingsFormat.pdf:  # only the file had it: the report goes to stdout
            from agent.findings.markdown import findings_to_markdown

            typer.echo(findings_to_markdown(report))
            reason += " (the report is on stdout as markdown)"
        raise _fail(reason, EXIT_FAILED) from exc
    typer.echo(f"wrote {path}", err=True)
    typer.echo(report.summary_text(), err=True)


def register(app: typer.Typer) -> None:
    """Add `fa2 findings-report` to the top-level app."""
    app.command("findings-report")(findings_report)
