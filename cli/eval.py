"""`fa2 eval`: run the scenario suite offline, score it, write the reports, gate regressions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DEFAULT_SCENARIOS = Path(__file__).resolve().parents[1] / "evals" / "scenarios"


def _split(value: str, option: str, kinds: tuple[str, ...]) -> tuple[str, str | None]:
    kind, _, model_id = value.partition(":")
    if kind not in kinds:
        raise typer.BadParameter(
            f"expected {' or '.join(kinds)}[:MODEL_ID], got {value!r}", param_hint=option
        )
    if model_id and kind != "bedrock":
        raise typer.BadParameter(f"only bedrock takes a model id, got {value!r}", param_hint=option)
    return kind, model_id or None


def eval_command(
    scenarios: Annotated[
        Path, typer.Option(help="Folder of scenario bundles.")
    ] = DEFAULT_SCENARIOS,
    model: Annotated[str, typer.Option(help="baseline, bedrock or bedrock:MODEL_ID.")] = "baseline",
    judge: Annotated[
        str,
        typer.Option(
            help="rules, bedrock or bedrock:MODEL_ID (an LLM also grades the root cause and "
            "which citations support their claims; see docs/evals.md)."
        ),
    ] = "rules",
    repeat: Annotated[int, typer.Option(min=1, help="Runs per scenario.")] = 1,
    parallel: Annotated[int, typer.Option(min=1, help="Scenarios run at once.")] = 1,
    out: Annotated[
        Path, typer.Option(help="Output folder: results.json, summary.md, report.html, reports/.")
    ] = Path("eval-out"),
    compare: Annotated[
        Path | None,
        typer.Option(help="Baseline results.json; exit 1 when accuracy or evidence recall drops."),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option(help="Run only this scenario (repeatable).")
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(help="Run only scenarios with this tag, e.g. holdout (repeatable: any of)."),
    ] = None,
    insight: Annotated[
        bool,
        typer.Option(
            help="Also ask the metrics-insight questions (evals/insight/questions.yaml); "
            "skipped with --only or --tag."
        ),
    ] = True,
) -> None:
    """Run the eval suite: every scenario through the investigation, scored against its ground truth."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from agent.config import SettingsError, load_settings
    from cli.analyze import _check_out
    from evals import gate
    from evals.insight_eval import InsightCasesError, load_cases, run_insight_eval
    from evals.reports import render_markdown, write_outputs
    from evals.runner import ModelName, ScenarioDirError, ScenarioRun, discover, run_suite

    console = Console(stderr=True)
    _check_out(out)  # a folder that cannot be written is refused before minutes of runs
    model_kind, model_id = _split(model, "--model", ("baseline", "bedrock"))
    judge_kind, judge_id = _split(judge, "--judge", ("rules", "bedrock"))
    model_name: ModelName = "bedrock" if model_kind == "bedrock" else "baseline"
    try:
        found = discover(scenarios, only, tag)
        settings = load_settings()
        baseline = gate.load_results(compare) if compare else None
        questions = load_cases() if insight and not only and not tag else []
    except (ScenarioDirError, SettingsError, gate.BaselineError, InsightCasesError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    grader = None
    if judge_kind == "bedrock":
        from evals.judge import DEFAULT_JUDGE_MODEL, Judge

        grader = Judge(judge_id or DEFAULT_JUDGE_MODEL, region=settings.aws.region)

    total = len(found) * repeat
    with Progress(
        TextColumn("[bold]eval[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("", total=total)

        def done(run: ScenarioRun) -> None:
            mark = "[green]pass[/green]" if run.result.passed else "[red]fail[/red]"
            progress.console.print(f"{mark} {run.result.name} ({run.result.wall_seconds:.1f} s)")
            progress.update(task, advance=1, description=run.result.name)

        suite = run_suite(
            found,
            settings,
            model=model_name,
            model_id=model_id,
            judge=grader,
            repeat=repeat,
            parallel=parallel,
            on_done=done,
        )

    if questions:
        settings_for_insight = settings.updated(
            model=model_name, **({"model_id": model_id} if model_id else {})
        )
        suite.insight = run_insight_eval(questions, scenarios, settings_for_insight)
    results = suite.results()
    regressions = gate.regressions(results.summary, baseline.summary) if baseline else []
    changes = gate.scenario_changes(results, baseline) if baseline else []
    markdown = render_markdown(suite, changes, regressions)
    try:
        paths = write_outputs(suite, out, markdown)
    except OSError as exc:  # the runs are done: their summary goes to stdout, not lost
        typer.echo(markdown)
        console.print(f"[red]error:[/red] --out {out}: could not write the results: {exc}")
        raise typer.Exit(1) from exc
    s = results.summary
    console.print(
        f"root cause {s.root_cause_accuracy:.0%} · category {s.category_accuracy:.0%} · evidence recall "
        f"{s.evidence_recall:.2f} · citation validity {s.citation_validity:.2f} · red herrings "
        f"{s.red_herring_rate:.0%} · {suite.wall_seconds:.1f} s"
    )
    if s.insight_questions:
        console.print(
            f"metrics insight ({s.insight_questions} questions): right entity "
            f"{s.insight_entity_accuracy or 0.0:.0%} · citation validity "
            f"{s.insight_citation_validity or 0.0:.2f}"
        )
    if s.holdout_scenarios:
        console.print(
            f"held-out ({s.holdout_scenarios} runs): root cause {s.holdout_root_cause_accuracy:.0%} · "
            f"category {s.holdout_category_accuracy:.0%} · passed {s.holdout_pass_rate:.0%} · "
            f"evidence recall {s.holdout_evidence_recall:.2f}"
        )
    if s.findings_scenarios:
        console.print(
            f"findings reports ({s.findings_scenarios}): top risk {s.findings_top_risk_accuracy:.0%} · "
            f"cited findings exist {s.findings_citation_validity:.2f}"
        )
    console.print(f"wrote {paths['results']}, {paths['markdown']}, {paths['html']}")
    for line in changes:
        console.print(f"changed: {line}")
    if regressions:
        for line in regressions:
            console.print(f"[red]regression:[/red] {line}")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `fa2 eval` to the top-level app."""
    app.command("eval")(eval_command)
