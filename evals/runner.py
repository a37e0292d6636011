"""Run the scenario suite: each bundle goes through the same investigation the CLI and
Slack use (`agent.service.investigate` over a `LocalBackend`), then gets scored.

A scenario that crashes is recorded as a failed run with its error; the suite goes on.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from agent.config import Settings
from agent.report import Report
from agent.telemetry.bundle import BundleError, BundleManifest, load_bundle, load_manifest
from evals.findings_eval import FindingsResult, findings_summary, run_findings_scenario
from evals.insight_eval import InsightCaseResult, insight_summary
from evals.scoring import ScenarioResult, Score, scenario_result, score_report

if TYPE_CHECKING:
    from evals.judge import Judge

ModelName = Literal["baseline", "bedrock"]
# Scenarios written without looking at the baseline's rules carry this tag; their figures
# are reported on their own as well, since the rules were tuned on the others.
HOLDOUT_TAG = "holdout"


class Summary(BaseModel):
    scenarios: int
    root_cause_accuracy: float
    category_accuracy: float
    evidence_recall: float
    citation_validity: float
    red_herring_rate: float
    mean_steps: float
    mean_tool_calls: float
    total_cost_usd: float
    # the held-out scenarios alone (added after the first results.json; optional so older
    # files still load)
    holdout_scenarios: int = 0
    holdout_root_cause_accuracy: float | None = None
    holdout_category_accuracy: float | None = None
    holdout_evidence_recall: float | None = None
    holdout_red_herring_rate: float | None = None
    holdout_pass_rate: float | None = None
    errored: int = 0  # runs that crashed or could not be scored (see each row's `error`)
    # the security findings reports of the scenarios that declare a top risk (findings_eval)
    findings_scenarios: int = 0
    findings_top_risk_accuracy: float | None = None
    findings_citation_validity: float | None = None
    # The metrics-insight questions (evals/insight_eval.py); None when they did not run.
    insight_questions: int = 0
    insight_entity_accuracy: float | None = None
    insight_citation_validity: float | None = None


class Results(BaseModel):
    """`results.json`."""

    summary: Summary
    scenarios: list[ScenarioResult]
    findings: list[FindingsResult] = []
    insight: list[InsightCaseResult] = Field(default_factory=list)


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    manifest: BundleManifest


@dataclass
class ScenarioRun:
    scenario: Scenario
    result: ScenarioResult
    score: Score | None = None
    report: Report | None = None
    error: str | None = None
    attempt: int = 1


@dataclass
class SuiteRun:
    model: str
    judge: str
    started: datetime
    wall_seconds: float
    runs: list[ScenarioRun] = field(default_factory=list)
    findings: list[FindingsResult] = field(default_factory=list)
    insight: list[InsightCaseResult] = field(default_factory=list)

    def results(self) -> Results:
        rows = [run.result for run in self.runs]
        holdout = {
            run.result.name for run in self.runs if HOLDOUT_TAG in run.scenario.manifest.tags
        }
        summary = summarize(rows, holdout).model_copy(
            update=findings_summary(self.findings) | insight_summary(self.insight)
        )
        return Results(
            summary=summary, scenarios=rows, findings=self.findings, insight=self.insight
        )


class ScenarioDirError(ValueError):
    """The scenarios folder is missing or holds no scenario with ground truth."""


def discover(
    root: Path, only: list[str] | None = None, tags: list[str] | None = None
) -> list[Scenario]:
    """Scenario bundles under `root` (folders whose incident.yaml has ground truth); with
    `only`, those names; with `tags`, those carrying at least one of the tags."""
    if not root.is_dir():
        raise ScenarioDirError(f"{root}: no such scenarios folder")
    found = []
    for folder in sorted(p for p in root.iterdir() if (p / "incident.yaml").is_file()):
        try:
            manifest = load_manifest(folder)
        except BundleError as exc:
            raise ScenarioDirError(str(exc)) from exc
        if manifest.ground_truth is not None:
            found.append(Scenario(folder.name, folder, manifest))
    if only:
        unknown = sorted(set(only) - {s.name for s in found})
        if unknown:
            names = ", ".join(s.name for s in found)
            raise ScenarioDirError(f"unknown scenario(s) {', '.join(unknown)}; known: {names}")
        found = [s for s in found if s.name in only]
    if tags:
        in_use = sorted({t for s in found for t in s.manifest.tags})
        found = [s for s in found if set(tags) & set(s.manifest.tags)]
        if not found:
            raise ScenarioDirError(
                f"no scenario tagged {', '.join(tags)}; tags in use: {', '.join(in_use)}"
            )
    if not found:
        raise ScenarioDirError(f"{root}: no scenario bundles with ground_truth")
    return found


def _means(rows: list[ScenarioResult]) -> dict[str, float]:
    n = len(rows)

    def mean(values: list[float]) -> float:
        return round(sum(values) / n, 4) if n else 0.0

    return {
        "root_cause_accuracy": mean([float(r.root_cause_correct) for r in rows]),
        "category_accuracy": mean([float(r.category_correct) for r in rows]),
        "evidence_recall": mean([r.evidence_recall for r in rows]),
        "citation_validity": mean([r.citation_validity for r in rows]),
        "red_herring_rate": mean([float(r.red_herring_blamed) for r in rows]),
        "pass_rate": mean([float(r.passed) for r in rows]),
        "mean_steps": mean([float(r.steps) for r in rows]),
        "mean_tool_calls": mean([float(r.tool_calls) for r in rows]),
    }


def summarize(rows: list[ScenarioResult], holdout: set[str] | None = None) -> Summary:
    """The suite's figures; `holdout` names the held-out scenarios, summarized again alone."""
    every = _means(rows)
    held = [r for r in rows if r.name in (holdout or set())]
    extra: dict[str, float | int | None] = {}
    if held:
        alone = _means(held)
        extra = {"holdout_scenarios": len(held)} | {
            f"holdout_{key}": alone[key]
            for key in (
                "root_cause_accuracy",
                "category_accuracy",
                "evidence_recall",
                "red_herring_rate",
                "pass_rate",
            )
        }
    summary = Summary(
        scenarios=len(rows),
        root_cause_accuracy=every["root_cause_accuracy"],
        category_accuracy=every["category_accuracy"],
        evidence_recall=every["evidence_recall"],
        citation_validity=every["citation_validity"],
        red_herring_rate=every["red_herring_rate"],
        mean_steps=every["mean_steps"],
        mean_tool_calls=every["mean_tool_calls"],
        total_cost_usd=round(sum(r.cost_usd for r in rows), 6),
        errored=sum(1 for r in rows if r.error),
    )
    return summary.model_copy(update=extra)


def scenario_settings(
    base: Settings, scenario: Scenario, model: ModelName, model_id: str | None
) -> Settings:
    """The settings one scenario runs with: its bundle, the chosen model, an in-memory
    thread store, and nothing from the environment that describes another workload."""
    update: dict[str, object] = {
        "bundle": scenario.path,
        "model": model,
        "checkpoint_backend": "memory",
        # Scenarios are independent: none may find another's report as a "past incident".
        "incident_memory": "off",
        "log_groups": [],
        "architecture_description": "",
    }
    if model_id:
        update["model_id"] = model_id
    return base.updated(**update)


def _failed(scenario: Scenario, seconds: float, error: str) -> ScenarioResult:
    return ScenarioResult(
        name=scenario.name,
        passed=False,
        root_cause_correct=False,
        category_correct=False,
        evidence_recall=0.0,
        citation_validity=0.0,
        red_herring_blamed=False,
        steps=0,
        tool_calls=0,
        input_tokens=0,
        output_tokens=0,
        cost_usd=0.0,
        wall_seconds=round(seconds, 3),
        top_hypothesis=None,
        error=error,
    )


def run_scenario(
    scenario: Scenario,
    settings: Settings,
    *,
    judge: Judge | None = None,
    attempt: int = 1,
) -> ScenarioRun:
    from agent.alarm import incident_from_bundle
    from agent.service import investigate
    from agent.telemetry.local import LocalBackend

    started = time.perf_counter()
    try:
        bundle = load_bundle(scenario.path)
        incident = incident_from_bundle(bundle, settings)
        backend = LocalBackend(scenario.path, settings)
        report = investigate(incident, settings=settings, backend=backend)
    except Exception as exc:  # one broken scenario must not stop the suite
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return ScenarioRun(
            scenario,
            _failed(scenario, time.perf_counter() - started, detail),
            error=detail,
            attempt=attempt,
        )
    if not report.usage.wall_seconds:
        report.usage.wall_seconds = time.perf_counter() - started
    if settings.investigator.model == "bedrock" and report.rule_based:
        # the graph fell back to the baseline: this run says nothing about the LLM
        reasons = "; ".join(report.model_events) or "no reason given"
        fallback = f"Bedrock was not used, the rule-based fallback answered ({reasons})"
        failed = _failed(scenario, time.perf_counter() - started, fallback)
        return ScenarioRun(scenario, failed, report=report, error=fallback, attempt=attempt)
    score = score_report(report, scenario.manifest)
    error: str | None = None
    if judge is not None:
        try:
            verdict = judge.judge(report, scenario.manifest)
        except Exception as exc:  # an unavailable judge cannot confirm the root cause
            error = "judge: " + "".join(traceback.format_exception_only(type(exc), exc)).strip()
            score.judge_correct, score.judge_reasoning = False, error
        else:
            score.judge_correct, score.judge_reasoning = verdict.correct, verdict.reasoning
        score.root_cause_correct = score.root_cause_correct and bool(score.judge_correct)
        try:
            score.citation_validity, score.invalid_citations = judge.judge_citations(report)
        except Exception as exc:  # the rules' citation figures stand, and the run says why
            reason = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            error = (error + "; " if error else "") + f"citation judge: {reason}"
        score.citation_validity = round(score.citation_validity, 4)
    result = scenario_result(scenario.name, report, score).model_copy(update={"error": error})
    return ScenarioRun(scenario, result, score, report, error=error, attempt=attempt)


def run_suite(
    scenarios: list[Scenario],
    base: Settings,
    *,
    model: ModelName = "baseline",
    model_id: str | None = None,
    judge: Judge | None = None,
    repeat: int = 1,
    parallel: int = 1,
    on_done: Callable[[ScenarioRun], None] | None = None,
) -> SuiteRun:
    """Run every scenario `repeat` times, `parallel` at once; results keep suite order."""
    if repeat < 1 or parallel < 1:
        raise ValueError("repeat and parallel must be at least 1")
    started = datetime.now(UTC)
    clock = time.perf_counter()
    jobs = [(s, attempt) for s in scenarios for attempt in range(1, repeat + 1)]
    runs: dict[tuple[str, int], ScenarioRun] = {}

    def one(job: tuple[Scenario, int]) -> ScenarioRun:
        scenario, attempt = job
        settings = scenario_settings(base, scenario, model, model_id)
        return run_scenario(scenario, settings, judge=judge, attempt=attempt)

    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="fa2-eval") as pool:
        futures = {pool.submit(one, job): job for job in jobs}
        for future in as_completed(futures):
            run = future.result()
            runs[(run.scenario.name, run.attempt)] = run
            if on_done:
                on_done(run)
    ordered = [runs[(s.name, a)] for s, a in jobs]
    # each scenario's findings report once: it is computed, its narrative the only model part
    findings = [
        result
        for scenario in scenarios
        if (
            result := run_findings_scenario(
                scenario, scenario_settings(base, scenario, model, model_id)
            )
        )
        is not None
    ]
    label = model if not model_id else f"{model}:{model_id}"
    judge_label = "rules" if judge is None else f"bedrock:{judge.model_id}"
    wall = round(time.perf_counter() - clock, 2)
    return SuiteRun(label, judge_label, started, wall, ordered, findings)
