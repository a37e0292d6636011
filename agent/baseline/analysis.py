"""From evidence to findings: the onset, the dominant error signature, the change that
explains it (if any), the faulting service, the failing target and the shifted metrics.

A change is blamed only when it relates to the failure — it touches a resource the error
lines name (not merely the function that logs them) or the AWS service the error
implicates — and happened shortly before the onset. Being the only change is not enough.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agent.baseline.signals import (
    Change,
    MetricShift,
    SignatureHit,
    alb_hot_target,
    changes,
    error_series,
    error_texts,
    faulting_services,
    is_error_rate,
    mentioned,
    metric_shifts,
    onset,
    signatures,
)
from agent.report import Evidence

BLAME_THRESHOLD = 5


@dataclass
class ScoredChange:
    change: Change
    score: int
    reasons: list[str]


@dataclass
class Findings:
    evidence: list[Evidence]
    onset: datetime | None = None
    onset_evidence: str | None = None
    peak_errors: float = 0.0
    total_errors: float = 0.0
    signatures: list[SignatureHit] = field(default_factory=list)
    changes: list[ScoredChange] = field(default_factory=list)
    faulting: list[tuple[str, float, str, str]] = field(default_factory=list)
    hot_target: tuple[str, float, float, str] | None = None
    shifts: list[MetricShift] = field(default_factory=list)
    error_lines: list[str] = field(default_factory=list)
    error_evidence: list[str] = field(default_factory=list)

    @property
    def blamed(self) -> ScoredChange | None:
        top = self.changes[0] if self.changes else None
        return top if top and top.score >= BLAME_THRESHOLD else None

    @property
    def top_signature(self) -> SignatureHit | None:
        return self.signatures[0] if self.signatures else None

    @property
    def has_errors(self) -> bool:
        return bool(self.error_lines) or self.total_errors > 0


def _emitters(log_groups: list[str]) -> set[str]:
    """Resources that log the errors (e.g. `orders-put` for /aws/lambda/orders-put): victims
    first, so naming them in an error line does not make a change to them the cause."""
    return {g.rstrip("/").rsplit("/", 1)[-1] for g in log_groups if g}


def score_change(change: Change, findings: Findings, emitters: set[str]) -> ScoredChange:
    score, reasons = 0, []
    texts = findings.error_lines
    for resource in change.resources:
        if mentioned(resource, texts):
            if resource in emitters:
                score += 1
                reasons.append(f"touches {resource}, the component that logs the errors")
            else:
                score += 3
                reasons.append(f"the error lines name {resource}, the resource it changed")
            break
    implicated = {hit.signature.service for hit in findings.signatures[:3] if hit.signature.service}
    if change.service in implicated:
        score += 3
        reasons.append(f"the errors implicate {change.service}, the service it changed")
    elif mentioned(change.service, [t.lower() for t in texts]):
        score += 1
    if findings.onset is not None:
        lead = findings.onset - change.time
        if timedelta(0) <= lead <= timedelta(minutes=10):
            score += 2
            reasons.append(f"{int(lead.total_seconds() // 60)} min before the errors began")
        elif timedelta(minutes=10) < lead <= timedelta(minutes=30):
            score += 1
        elif lead < -timedelta(minutes=1):
            score -= 3
            reasons.append("after the errors had begun")
    if change.error_code:
        score -= 2
        reasons.append(f"the call itself failed ({change.error_code})")
    return ScoredChange(change, score, reasons)


def analyse(evidence: list[Evidence], log_groups: list[str]) -> Findings:
    findings = Findings(evidence=evidence)
    for e in evidence:
        if is_error_rate(e):
            series = error_series(e)
            start = onset(series, e.time_range)
            if series:
                findings.peak_errors = max(findings.peak_errors, max(v for _, v in series))
                findings.total_errors = max(findings.total_errors, sum(v for _, v in series))
            if start and (findings.onset is None or start < findings.onset):
                findings.onset, findings.onset_evidence = start, e.id
    for e in evidence:
        texts = error_texts(e)
        if texts:
            findings.error_lines.extend(t for t, _ in texts)
            findings.error_evidence.append(e.id)
    findings.signatures = signatures(evidence)
    findings.faulting = faulting_services(evidence)
    findings.hot_target = alb_hot_target(evidence)
    emitters = _emitters(log_groups) | {
        name for name, _, _, kind in findings.faulting if _is_compute(kind)
    }
    scored = [score_change(c, findings, emitters) for c in changes(evidence)]
    findings.changes = sorted(scored, key=lambda s: (-s.score, -s.change.time.timestamp()))
    pivot = findings.onset or (findings.blamed.change.time if findings.blamed else None)
    findings.shifts = metric_shifts(evidence, pivot)
    return findings


def _is_compute(service_name: str) -> bool:
    """X-Ray nodes that run the code (they log the errors) rather than AWS dependencies."""
    return "::" not in service_name and not service_name.lower().startswith(
        ("dynamodb", "s3", "sqs", "sns")
    )


__all__ = ["Findings", "ScoredChange", "analyse"]
