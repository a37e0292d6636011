"""Held-out scenarios: written without looking at the baseline's rules, tagged `holdout`,
selectable with `--tag`, and summarized on their own in results.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.telemetry.bundle import load_bundle
from cli import app
from evals.gate import load_results
from evals.generators import SCENARIOS_DIR
from evals.runner import HOLDOUT_TAG, ScenarioDirError, discover, summarize
from evals.scoring import ScenarioResult

runner = CliRunner()


def _row(name: str, *, passed: bool, recall: float) -> ScenarioResult:
    return ScenarioResult(
        name=name,
        passed=passed,
        root_cause_correct=passed,
        category_correct=passed,
        evidence_recall=recall,
        citation_validity=1.0,
        red_herring_blamed=False,
        steps=3,
        tool_calls=12,
        input_tokens=0,
        output_tokens=0,
        cost_usd=0.0002,
        wall_seconds=0.3,
        top_hypothesis="UpdateTable on orders caused ProvisionedThroughputExceededException",
    )


def test_tag_selects_only_the_held_out_scenarios() -> None:
    held = discover(SCENARIOS_DIR, tags=[HOLDOUT_TAG])

    assert len(held) >= 6
    assert all(HOLDOUT_TAG in s.manifest.tags for s in held)
    assert len(discover(SCENARIOS_DIR)) > len(held)


def test_an_unknown_tag_is_refused_with_the_tags_in_use() -> None:
    with pytest.raises(
        ScenarioDirError, match=r"no scenario tagged no-such-tag; tags in use: .*holdout"
    ):
        discover(SCENARIOS_DIR, tags=["no-such-tag"])


def test_held_out_scenarios_span_several_categories_and_difficulties() -> None:
    truths = [s.manifest.ground_truth for s in discover(SCENARIOS_DIR, tags=[HOLDOUT_TAG])]

    assert len({t.category for t in truths if t}) >= 5
    assert {t.difficulty for t in truths if t} == {"easy", "medium", "hard"}
    assert any(t.category == "insufficient-evidence" for t in truths if t)


@pytest.mark.parametrize(
    "scenario", discover(SCENARIOS_DIR, tags=[HOLDOUT_TAG]), ids=lambda s: s.name
)
def test_each_held_out_bundle_stays_under_1_5_mb_and_says_it_is_held_out(scenario: object) -> None:
    path: Path = scenario.path  # type: ignore[attr-defined]
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())

    assert size < 1.5 * 1024 * 1024
    assert "**Holdout**" in (path / "README.md").read_text(encoding="utf-8")
    assert load_bundle(path).unknown_files == []


def test_summary_gives_the_held_out_figures_alongside_the_whole_suite() -> None:
    rows = [
        _row("tuned-a", passed=True, recall=1.0),
        _row("tuned-b", passed=True, recall=1.0),
        _row("held-a", passed=True, recall=0.5),
        _row("held-b", passed=False, recall=0.0),
    ]

    summary = summarize(rows, {"held-a", "held-b"})

    assert summary.scenarios == 4 and summary.root_cause_accuracy == 0.75
    assert summary.holdout_scenarios == 2
    assert summary.holdout_root_cause_accuracy == 0.5
    assert summary.holdout_pass_rate == 0.5
    assert summary.holdout_evidence_recall == 0.25


def test_without_held_out_runs_the_holdout_fields_stay_empty() -> None:
    summary = summarize([_row("tuned-a", passed=True, recall=1.0)])

    assert summary.holdout_scenarios == 0 and summary.holdout_root_cause_accuracy is None


def test_a_results_file_from_before_the_holdout_fields_still_loads(tmp_path: Path) -> None:
    older = {
        "summary": {
            "scenarios": 1,
            "root_cause_accuracy": 1.0,
            "category_accuracy": 1.0,
            "evidence_recall": 1.0,
            "citation_validity": 1.0,
            "red_herring_rate": 0.0,
            "mean_steps": 3.0,
            "mean_tool_calls": 12.0,
            "total_cost_usd": 0.0002,
        },
        "scenarios": [json.loads(_row("tuned-a", passed=True, recall=1.0).model_dump_json())],
    }
    path = tmp_path / "results.json"
    path.write_text(json.dumps(older))

    assert load_results(path).summary.holdout_scenarios == 0


def test_eval_cli_refuses_an_unknown_tag_without_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "--tag", "no-such-tag", "--out", str(tmp_path)])

    assert result.exit_code == 2
    assert "no scenario tagged no-such-tag" in result.output


@pytest.mark.eval
def test_eval_cli_runs_the_tagged_scenarios_and_reports_them_apart(tmp_path: Path) -> None:
    out = tmp_path / "run"

    result = runner.invoke(
        app,
        ["eval", "--tag", HOLDOUT_TAG, "--only", "nat-gateway-deleted-egress", "--out", str(out)],
    )

    assert result.exit_code == 0, result.output
    assert "held-out (1 runs)" in result.output
    summary = json.loads((out / "results.json").read_text())["summary"]
    assert summary["scenarios"] == 1 and summary["holdout_scenarios"] == 1
    assert "nat-gateway-deleted-egress (holdout)" in (out / "summary.md").read_text()
