"""`build_findings_report`: collect the findings of the period and of the one before it,
compute the report, then have it written (by rules, or by a model over the computed data)."""

from __future__ import annotations

from datetime import UTC, datetime

from agent.chat_model import InvestigatorModel
from agent.findings import compute
from agent.findings.model import FindingsReport, Language, Narrative
from agent.findings.narrative import model_narrative, rules_narrative
from agent.telemetry.base import TelemetryBackend
from agent.telemetry.findings_types import checked_severity
from agent.telemetry.types import TimeRange

BASELINE = "baseline (rule-based)"


def previous_period(time_range: TimeRange) -> TimeRange:
    """The period of the same length just before `time_range`."""
    length = time_range.end - time_range.start
    return TimeRange(start=time_range.start - length, end=time_range.start)


def build_findings_report(
    *,
    backend: TelemetryBackend,
    time_range: TimeRange,
    language: Language = "en",
    model: InvestigatorModel | None = None,
    min_severity: str = "LOW",
) -> FindingsReport:
    """The findings report for `time_range` (see agent/findings/__init__.py)."""
    minimum = checked_severity(min_severity)
    if language not in ("en", "ja"):
        raise ValueError(f"unknown language {language!r}: use en or ja")
    earlier = previous_period(time_range)
    current = backend.list_security_findings(time_range, minimum)
    previous = backend.list_security_findings(earlier, minimum)
    findings = compute.cited(current.findings, previous.findings, time_range)
    actions = compute.actions(findings, language)
    notes = list(dict.fromkeys([*backend.load_notes, *current.notes, *previous.notes]))
    report = FindingsReport(
        time_range=time_range,
        generated_at=datetime.now(UTC),
        language=language,
        min_severity=minimum,
        findings=findings,
        counts=compute.counts(findings),
        trend=compute.trend(findings, earlier),
        top_risks=compute.top_risks(findings, actions),
        actions=actions,
        resources=compute.resources(findings),
        narrative=Narrative(summary="", written_by="rules"),
        sources=list(current.sources),
        duplicates_removed=current.duplicates_removed,
        truncated=current.truncated or previous.truncated,
        notes=notes,
    )
    if model is None or model.answer_source().rule_based:
        return report.model_copy(update={"narrative": rules_narrative(report), "model": BASELINE})
    narrative, model_notes = model_narrative(report, model)
    answered = model.answer_source()  # after the answer: a fallback may have written it
    return report.model_copy(
        update={
            "narrative": narrative,
            "notes": [*report.notes, *model_notes, *(f"Model: {e}" for e in answered.events)],
            "model": answered.model,
            "rule_based": narrative.written_by == "rules",
        }
    )


__all__ = ["build_findings_report", "previous_period"]
