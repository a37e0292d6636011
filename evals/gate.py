"""The regression gate: compare a run's summary with a stored baseline (`evals/baseline.json`)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from evals.runner import Results, Summary

# The metrics that must not drop, and how much noise a drop may contain. The findings
# report's and the metrics-insight figures are gated when both runs have them (a run of other
# scenarios has no findings; a run limited with --only/--tag skips the insight questions).
GATED = (
    "root_cause_accuracy",
    "evidence_recall",
    "findings_top_risk_accuracy",
    "findings_citation_validity",
    "insight_entity_accuracy",
    "insight_citation_validity",
)
TOLERANCE = 1e-6


class BaselineError(ValueError):
    """The baseline file cannot be read as results.json."""


def load_results(path: Path) -> Results:
    try:
        return Results.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise BaselineError(f"{path}: no such baseline file") from exc
    except (json.JSONDecodeError, ValidationError) as exc:
        raise BaselineError(
            f"{path}: not a results.json ({exc.__class__.__name__}: {exc})"
        ) from exc


def regressions(current: Summary, baseline: Summary) -> list[str]:
    """One line per gated metric that dropped below the baseline."""
    found = []
    for metric in GATED:
        now, before = getattr(current, metric), getattr(baseline, metric)
        if now is None or before is None:
            continue
        if now < before - TOLERANCE:
            found.append(f"{metric} dropped from {before:.3f} to {now:.3f}")
    return found


def scenario_changes(current: Results, baseline: Results) -> list[str]:
    """Scenarios whose verdict changed (for the report; the gate itself is on the summary)."""
    before = {r.name: r.passed for r in baseline.scenarios}
    lines = []
    for row in current.scenarios:
        if row.name in before and before[row.name] != row.passed:
            lines.append(f"{row.name}: {'now passes' if row.passed else 'no longer passes'}")
    return lines
