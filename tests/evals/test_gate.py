"""The regression gate compares a run's summary with the stored baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.gate import BaselineError, load_results, regressions, scenario_changes
from evals.runner import Results, Summary
from evals.scoring import ScenarioResult

BASELINE_FILE = Path(__file__).resolve().parents[2] / "evals" / "baseline.json"


def _summary(**changes: float | None) -> Summary:
    values = {
        "scenarios": 14,
        "root_cause_accuracy": 0.5,
        "category_accuracy": 0.6,
        "evidence_recall": 0.7,
        "citation_validity": 1.0,
        "red_herring_rate": 0.0,
        "mean_steps": 2.0,
        "mean_tool_calls": 9.0,
        "total_cost_usd": 0.0,
    }
    values.update(changes)
    return Summary.model_validate(values)


def _row(name: str, passed: bool) -> ScenarioResult:
    return ScenarioResult(
        name=name,
        passed=passed,
        root_cause_correct=passed,
        category_correct=passed,
        evidence_recall=1.0,
        citation_validity=1.0,
        red_herring_blamed=False,
        steps=2,
        tool_calls=8,
        input_tokens=0,
        output_tokens=0,
        cost_usd=0.0,
        wall_seconds=0.3,
        top_hypothesis=None,
    )


def test_a_drop_in_root_cause_accuracy_is_a_regression() -> None:
    found = regressions(_summary(root_cause_accuracy=0.43), _summary())

    assert found == ["root_cause_accuracy dropped from 0.500 to 0.430"]


def test_a_drop_in_evidence_recall_is_a_regression() -> None:
    assert regressions(_summary(evidence_recall=0.65), _summary()) == [
        "evidence_recall dropped from 0.700 to 0.650"
    ]


def test_equal_or_better_scores_pass_the_gate() -> None:
    assert regressions(_summary(), _summary()) == []
    assert regressions(_summary(root_cause_accuracy=0.6, evidence_recall=0.8), _summary()) == []


def test_other_metrics_do_not_gate() -> None:
    assert regressions(_summary(category_accuracy=0.1, mean_tool_calls=30), _summary()) == []


def test_a_drop_in_the_insight_entity_accuracy_or_citations_is_a_regression() -> None:
    before = _summary(insight_entity_accuracy=1.0, insight_citation_validity=1.0)
    now = _summary(insight_entity_accuracy=0.875, insight_citation_validity=0.9)
    assert regressions(now, before) == [
        "insight_entity_accuracy dropped from 1.000 to 0.875",
        "insight_citation_validity dropped from 1.000 to 0.900",
    ]


def test_insight_figures_gate_only_when_both_runs_measured_them() -> None:
    measured = _summary(insight_entity_accuracy=1.0, insight_citation_validity=1.0)
    assert regressions(_summary(), measured) == []  # a run limited with --only skips them
    assert regressions(measured, _summary()) == []  # an older baseline has none


def test_changed_verdicts_are_listed_by_scenario() -> None:
    before = Results(summary=_summary(), scenarios=[_row("a", True), _row("b", False)])
    now = Results(summary=_summary(), scenarios=[_row("a", False), _row("b", True)])

    assert scenario_changes(now, before) == ["a: no longer passes", "b: now passes"]


def test_the_stored_baseline_is_a_valid_results_file() -> None:
    stored = load_results(BASELINE_FILE)

    assert stored.summary.scenarios == len(stored.scenarios) >= 14


def test_a_baseline_that_is_not_results_json_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text(json.dumps({"summary": {"scenarios": "many"}}))

    with pytest.raises(BaselineError, match=r"not a results\.json"):
        load_results(bad)
    with pytest.raises(BaselineError, match="no such baseline file"):
        load_results(tmp_path / "missing.json")


def test_a_findings_report_whose_top_risk_is_now_wrong_is_a_regression() -> None:
    before = _summary(findings_scenarios=2, findings_top_risk_accuracy=1.0)
    now = _summary(findings_scenarios=2, findings_top_risk_accuracy=0.5)

    assert regressions(now, before) == ["findings_top_risk_accuracy dropped from 1.000 to 0.500"]


def test_a_cited_finding_that_no_longer_exists_is_a_regression() -> None:
    before = _summary(findings_scenarios=2, findings_citation_validity=1.0)
    now = _summary(findings_scenarios=2, findings_citation_validity=0.9)

    assert regressions(now, before) == ["findings_citation_validity dropped from 1.000 to 0.900"]


def test_findings_figures_are_not_compared_when_a_run_has_none() -> None:
    before = _summary(findings_scenarios=2, findings_top_risk_accuracy=1.0)

    assert regressions(_summary(), before) == []  # e.g. --only a scenario without findings
