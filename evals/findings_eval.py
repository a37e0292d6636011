"""The security findings report, scored: scenarios whose bundle carries `findings/` and whose
ground truth says what must come first (`ground_truth.findings`) get a report over the
7 days up to the end of their window, written by the same code `fa2 findings-report` and
`/fa2 findings` run, and two checks:

- **cited findings exist**: every finding the report cites (narrative, top risks, actions)
  is one of the report's findings and one the bundle holds (by its finding id);
- **top risk**: the report's first top risk cites a finding whose type, Security Hub
  control id or resource matches one of `top_risk_matches`.
"""

from __future__ import annotations

import time
import traceback
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from agent.config import Settings
from agent.telemetry.bundle import FindingsTruth

if TYPE_CHECKING:
    from evals.runner import Scenario

REPORT_DAYS = 7


class FindingsResult(BaseModel):
    """One scenario's findings report, scored (a row of results.json's `findings`)."""

    name: str
    top_risk_correct: bool
    cited: int  # distinct findings the report cites
    cited_existing: int  # of those, the ones that exist in the report and in the bundle
    citation_validity: float  # cited_existing / cited (0 when nothing is cited)
    top_risk: str | None  # the report's first top risk, as it titles it
    expected_top_risk: str
    findings: int = 0  # findings in the report's period
    wall_seconds: float = 0.0
    error: str | None = None


def matches(finding: Any, wanted: str) -> bool:
    """`finding` (a SecurityFinding) is named by `wanted`: its type, control id, resource id,
    or the last part of its resource ARN (`sg-0e9d…` for a security group's ARN)."""
    resource = finding.resource_id or ""
    tail = resource.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return wanted in {finding.type, finding.control_id, resource, tail}


def score_findings_report(
    report: Any, truth: FindingsTruth, bundle_ids: set[str], *, name: str
) -> FindingsResult:
    """Score a FindingsReport against the scenario's truth and the finding ids it holds."""
    cited = report.cited_refs()
    existing = [
        ref
        for ref in cited
        if (row := report.finding(ref)) is not None and row.finding.id in bundle_ids
    ]
    first = report.top_risks[0] if report.top_risks else None
    correct = first is not None and any(
        (row := report.finding(ref)) is not None and matches(row.finding, wanted)
        for ref in first.finding_refs
        for wanted in truth.top_risk_matches
    )
    return FindingsResult(
        name=name,
        top_risk_correct=correct,
        cited=len(cited),
        cited_existing=len(existing),
        citation_validity=round(len(existing) / len(cited), 4) if cited else 0.0,
        top_risk=first.title if first else None,
        expected_top_risk=truth.top_risk,
        findings=len(report.current()),
    )


def run_findings_scenario(scenario: Scenario, settings: Settings) -> FindingsResult | None:
    """The scenario's findings report, scored; None when its truth declares no top risk."""
    truth = scenario.manifest.ground_truth.findings if scenario.manifest.ground_truth else None
    if truth is None:
        return None
    from agent.service import findings_report_from_settings
    from agent.telemetry.local import LocalBackend
    from agent.telemetry.types import TimeRange

    started = time.perf_counter()
    try:
        report = findings_report_from_settings(
            days=REPORT_DAYS, bundle=scenario.path, settings=settings, language="en"
        )
        backend = LocalBackend(scenario.path, settings)
        # the report's period and the one before it: every finding it can cite
        searched = TimeRange(
            start=report.time_range.start - timedelta(days=REPORT_DAYS),
            end=report.time_range.end,
        )
        held = backend.list_security_findings(searched, "INFORMATIONAL")
        ids = {f.id for f in held.findings}
        result = score_findings_report(report, truth, ids, name=scenario.name)
    except Exception as exc:  # one broken scenario must not stop the suite
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        result = FindingsResult(
            name=scenario.name,
            top_risk_correct=False,
            cited=0,
            cited_existing=0,
            citation_validity=0.0,
            top_risk=None,
            expected_top_risk=truth.top_risk,
            error=detail,
        )
    return result.model_copy(update={"wall_seconds": round(time.perf_counter() - started, 3)})


def findings_summary(rows: list[FindingsResult]) -> dict[str, float | int | None]:
    """The Summary fields of the findings reports (None when no scenario has one)."""
    if not rows:
        return {}
    return {
        "findings_scenarios": len(rows),
        "findings_top_risk_accuracy": round(sum(r.top_risk_correct for r in rows) / len(rows), 4),
        "findings_citation_validity": round(sum(r.citation_validity for r in rows) / len(rows), 4),
    }
