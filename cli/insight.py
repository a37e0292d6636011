"""`fa2 insight "QUESTION"`: a free-text question about CloudWatch metrics over a period
(1–14 days), answered with cited evidence, the period in your zone and in UTC, and a chart.
Live progress on a terminal; the answer as markdown (or JSON) on stdout; with --out, the
answer (answer.md, answer.json) and the chart (chart.png) in that folder."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.analyze import (
    EXIT_FAILED,
    ModelChoice,
    Progress,
    _check_out,
    _fail,
    _failure,
    _parse_time,
    _settings,
)

if TYPE_CHECKING:
    from agent.insight import InsightAnswer


class AnswerFormat(StrEnum):
    markdown = "markdown"
    json = "json"


def _write(answer: InsightAnswer, out: Path) -> list[Path]:
    from agent.insight.render import CHART_FILE, insight_to_markdown

    out.mkdir(parents=True, exist_ok=True)
    written = []
    if answer.chart_png:
        (out / CHART_FILE).write_bytes(answer.chart_png)
        written.append(out / CHART_FILE)
    markdown = insight_to_markdown(answer, CHART_FILE if answer.chart_png else None)
    (out / "answer.md").write_text(markdown, encoding="utf-8")
    (out / "answer.json").write_text(
        answer.model_dump_json(indent=2, exclude={"chart_png"}) + "\n", encoding="utf-8"
    )
    return [out / "answer.md", out / "answer.json", *written]


def insight(
    question: str = typer.Argument(
        ..., help="The question, e.g. 'top 5 Lambda functions by Duration'."
    ),
    days: int | None = typer.Option(
        None, "--days", help="The last N days (1-14); with --bundle, up to the end of its window."
    ),
    start: str | None = typer.Option(
        None, "--start", help="Period start, ISO-8601; without an offset it is read in --tz."
    ),
    end: str | None = typer.Option(None, "--end", help="Period end, ISO-8601 (as --start)."),
    bundle: Path | None = typer.Option(
        None, "--bundle", help="Answer from this incident bundle offline (no AWS)."
    ),
    tz: str = typer.Option(
        "UTC",
        "--tz",
        help="Your time zone (Asia/Tokyo, +09:00): the period is stated in it and in UTC.",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Also write answer.md, answer.json and chart.png into this folder."
    ),
    model: ModelChoice | None = typer.Option(
        None, "--model", help="bedrock (Claude) or baseline (rule-based, offline)."
    ),
    fmt: AnswerFormat = typer.Option(
        AnswerFormat.markdown, "--format", help="Answer format on stdout."
    ),
) -> None:
    """Answer a question about CloudWatch metrics, citing the series it read, with a chart."""
    from agent.insight import PeriodError, QuestionError
    from agent.insight.period import parse_zone
    from agent.insight.render import insight_to_markdown
    from agent.service import insight_from_settings
    from agent.telemetry.bundle import BundleError

    if not question.strip():
        raise _fail('the question is empty: e.g. fa2 insight "top 5 Lambda functions by Duration"')
    if bundle is not None and not bundle.is_dir():
        raise _fail(f"--bundle {bundle}: not a folder")
    if days is not None and not 1 <= days <= 14:
        raise _fail(f"--days {days}: give 1 to 14 days")
    if days is not None and (start or end):
        raise _fail("give either --days or --start/--end, not both")
    if (start is None) != (end is None):
        raise _fail("give both --start and --end")
    try:
        parse_zone(tz)
    except PeriodError as exc:
        raise _fail(f"--tz: {exc}") from exc
    local = "2026-03-02T10:00 in --tz, or 2026-03-02T10:00:00Z"
    begin, finish = _parse_time(start, "start", local), _parse_time(end, "end", local)
    _check_out(out)
    settings = _settings(bundle=bundle, model=model.value if model else None)
    progress = Progress()
    try:
        answer = insight_from_settings(
            question,
            days=days,
            start=begin,
            end=finish,
            settings=settings,
            tz=tz,
            on_progress=progress,
        )
    except (PeriodError, QuestionError, BundleError) as exc:
        progress.close()
        raise _fail(str(exc)) from exc
    except Exception as exc:
        progress.close()
        raise _failure("the question", exc) from exc
    progress.close()
    chart_file = "chart.png" if answer.chart_png else None
    typer.echo(
        answer.model_dump_json(indent=2, exclude={"chart_png"})
        if fmt is AnswerFormat.json
        else insight_to_markdown(answer, chart_file if out else None)
    )
    if out is not None:
        try:
            written = _write(answer, out)
        except OSError as exc:
            raise _fail(
                f"--out {out}: could not write the answer: {exc.strerror or exc}", EXIT_FAILED
            ) from exc
        typer.echo("wrote " + ", ".join(str(p) for p in written), err=True)


def register(app: typer.Typer) -> None:
    app.command("insight")(insight)
