"""The whole suite as CI runs it: the baseline model always; Bedrock only when asked for and
credentials are present (captured at import, before the test fixtures scrub AWS_*)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.config import Settings
from evals.gate import load_results, regressions
from evals.generators import SCENARIOS_DIR
from evals.runner import discover, run_suite
from tests.conftest import CALLER_AWS_ENV

BASELINE_FILE = Path(__file__).resolve().parents[2] / "evals" / "baseline.json"
_REAL_AWS = CALLER_AWS_ENV  # the session hides it from every other test
_BEDROCK_REQUESTED = os.environ.get("FA2_EVAL_BEDROCK") == "1"
_HAS_CREDENTIALS = bool(_REAL_AWS.get("AWS_ACCESS_KEY_ID") or _REAL_AWS.get("AWS_PROFILE"))


@pytest.mark.eval
def test_baseline_model_does_not_regress_against_the_stored_baseline() -> None:
    suite = run_suite(discover(SCENARIOS_DIR), Settings(), model="baseline")
    results = suite.results()

    assert regressions(results.summary, load_results(BASELINE_FILE).summary) == []
    assert all(run.error is None for run in suite.runs), [r.error for r in suite.runs if r.error]


@pytest.mark.eval
@pytest.mark.enable_socket
@pytest.mark.skipif(
    not (_BEDROCK_REQUESTED and _HAS_CREDENTIALS),
    reason="Bedrock evals run only with FA2_EVAL_BEDROCK=1 and AWS credentials in the environment",
)
def test_bedrock_model_beats_the_baseline(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in _REAL_AWS.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        if key not in _REAL_AWS:
            monkeypatch.delenv(key, raising=False)
    baseline = load_results(BASELINE_FILE).summary

    suite = run_suite(discover(SCENARIOS_DIR), Settings(), model="bedrock")
    summary = suite.results().summary

    assert summary.root_cause_accuracy >= baseline.root_cause_accuracy
    assert summary.evidence_recall >= baseline.evidence_recall
