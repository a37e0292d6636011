"""Running scenarios through the real investigation (baseline model, local backend)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.config import Settings
from evals.generators import SCENARIOS_DIR
from evals.reports import render_html, render_markdown, write_outputs
from evals.runner import ScenarioDirError, discover, run_suite, scenario_settings

pytestmark = pytest.mark.eval

RESULT_KEYS = [
    "name",
    "passed",
    "root_cause_correct",
    "category_correct",
    "evidence_recall",
    "citation_validity",
    "red_herring_blamed",
    "steps",
    "tool_calls",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "wall_seconds",
    "top_hypothesis",
    "error",
]
SUMMARY_KEYS = [
    "scenarios",
    "root_cause_accuracy",
    "category_accuracy",
    "evidence_recall",
    "citation_validity",
    "red_herring_rate",
    "mean_steps",
    "mean_tool_calls",
    "total_cost_usd",
    "holdout_scenarios",
    "holdout_root_cause_accuracy",
    "holdout_category_accuracy",
    "holdout_evidence_recall",
    "holdout_red_herring_rate",
    "holdout_pass_rate",
    "errored",
    "findings_scenarios",
    "findings_top_risk_accuracy",
    "findings_citation_validity",
    "insight_questions",
    "insight_entity_accuracy",
    "insight_citation_validity",
]


def test_discover_lists_every_committed_scenario_in_name_order() -> None:
    names = [s.name for s in discover(SCENARIOS_DIR)]

    assert names == sorted(names) and len(names) >= 14 and "dynamodb-throttling" in names


def test_discover_names_unknown_scenarios_and_missing_folders(tmp_path: Path) -> None:
    with pytest.raises(ScenarioDirError, match="unknown scenario"):
        discover(SCENARIOS_DIR, ["no-such-scenario"])
    with pytest.raises(ScenarioDirError, match="no such scenarios folder"):
        discover(tmp_path / "missing")
    with pytest.raises(ScenarioDirError, match="no scenario bundles"):
        discover(tmp_path)


def test_each_scenario_runs_offline_with_its_own_bundle_and_an_in_memory_thread_store() -> None:
    scenario = discover(SCENARIOS_DIR, ["dynamodb-throttling"])[0]
    base = Settings(log_groups=["/aws/lambda/other"], architecture_description="something else")

    settings = scenario_settings(base, scenario, "baseline", None)

    assert settings.telemetry.bundle == scenario.path
    assert settings.investigator.model == "baseline" and settings.checkpoints.backend == "memory"
    assert (
        settings.telemetry.log_groups == [] and settings.investigator.architecture_description == ""
    )


def test_the_demo_scenario_passes_with_the_baseline_and_writes_every_report(tmp_path: Path) -> None:
    scenarios = discover(SCENARIOS_DIR, ["dynamodb-throttling"])

    suite = run_suite(scenarios, Settings(), model="baseline")
    paths = write_outputs(suite, tmp_path, render_markdown(suite))

    results = json.loads(paths["results"].read_text())
    assert list(results) == ["summary", "scenarios", "findings", "insight"]
    assert list(results["summary"]) == SUMMARY_KEYS
    assert results["findings"] == [] and results["summary"]["findings_scenarios"] == 0
    assert [list(row) for row in results["scenarios"]] == [RESULT_KEYS]
    row = results["scenarios"][0]
    assert row["passed"] and row["evidence_recall"] == 1.0 and row["citation_validity"] == 1.0
    assert "UpdateTable" in row["top_hypothesis"]
    assert (tmp_path / "reports" / "dynamodb-throttling.json").is_file()
    assert "| dynamodb-throttling | easy | ✅ |" in paths["markdown"].read_text()
    page = paths["html"].read_text()
    assert page.startswith("<!doctype html>") and "<script" not in page


def test_a_crashing_scenario_is_recorded_as_failed_and_the_suite_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import agent.service

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("backend went away")

    monkeypatch.setattr(agent.service, "investigate", explode)
    scenarios = discover(SCENARIOS_DIR, ["dynamodb-throttling", "leaked-access-key"])

    suite = run_suite(scenarios, Settings(), repeat=2)

    assert [r.result.name for r in suite.runs] == ["dynamodb-throttling"] * 2 + [
        "leaked-access-key"
    ] * 2
    assert all(
        r.error == "RuntimeError: backend went away" and not r.result.passed for r in suite.runs
    )
    results = suite.results()
    assert results.summary.root_cause_accuracy == 0.0
    # results.json says why, so a crash is not mistaken for a wrong answer
    assert results.summary.errored == 4
    assert all(row.error == "RuntimeError: backend went away" for row in results.scenarios)
    assert "error: RuntimeError: backend went away" in render_markdown(suite)


def test_report_text_from_telemetry_is_escaped_in_the_html_page() -> None:
    scenarios = discover(SCENARIOS_DIR, ["dynamodb-throttling"])
    suite = run_suite(scenarios, Settings())
    report = suite.runs[0].report
    assert report is not None
    report.summary = "<img src=x onerror=alert(1)> from a log line"

    page = render_html(suite)

    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_bedrock_run_answered_by_the_rule_based_fallback_counts_as_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import agent.service

    real = agent.service.investigate

    def fell_back(*args: object, **kwargs: object) -> object:
        report = real(*args, **kwargs)  # type: ignore[arg-type]
        report.notes.append(
            "Model: us.anthropic.claude-sonnet-4-5 unavailable (EndpointConnectionError)"
        )
        return report

    monkeypatch.setattr(agent.service, "investigate", fell_back)
    scenarios = discover(SCENARIOS_DIR, ["leaked-access-key"])
    base = Settings(model="baseline")

    run = run_suite(scenarios, base, model="bedrock").runs[0]

    assert run.error is not None and run.error.startswith("Bedrock was not used")
    assert "EndpointConnectionError" in run.error
    assert not run.result.passed and not run.result.root_cause_correct
