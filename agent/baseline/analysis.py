"""From evidence to findings: the onset, the dominant error signature, the change that
explains it (if any), the faulting service, the failing target and the shifted metrics.

A change is blamed only when it relates to the failure — it touches a resource the error
lines name (not merely the function that logs them) or the AWS service the error
implicates — and happened shortly before the onset. Being the only change is not enough.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agent.baseline.changes import Change, changes
from agent.baseline.knowledge import RELEVANT_SETTINGS
from agent.baseline.resources import ResourceFault, faults
from agent.baseline.services import (
    ALB_BREAKDOWN_COLUMNS,
    AlarmPeak,
    AlbFailures,
    Caller,
    FailingEdge,
    MemoryPressure,
    MetricShift,
    TrafficSource,
    alarm_peak,
    alb_5xx_total,
    alb_failures,
    alb_hot_target,
    alb_targets,
    failing_edge,
    faulting_services,
    memory_pressure,
    metric_shifts,
    suspicious_callers,
    traffic_source,
)
from agent.baseline.signals import (
    NOTICE_QUERY,
    SignatureHit,
    error_series,
    error_texts,
    is_error_rate,
    mentioned,
    number,
    onset,
    parse_time,
    rows_as_dicts,
    sample_line,
    signatures,
)
from agent.incident import TimeRange
from agent.report import Evidence

BLAME_THRESHOLD = 5

# Metrics that say a resource is full or falling behind: connections, CPU, memory, queue
# depth and age, stream lag, concurrency. When one rises with the failure, it is evidence.
SATURATION = re.compile(
    r"Connections|CPU|Memory|Utilization|AgeOfOldest|NumberOfMessagesVisible|QueueDepth|"
    r"IteratorAge|Concurrent|Throttl|SwapUsage|DiskQueue|FreeableMemory|FreeStorage",
    re.I,
)


@dataclass
class ScoredChange:
    change: Change
    score: int
    reasons: list[str]
    sets_cause: bool = False  # its settings are what the dominant error depends on


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
    alb_5xx: float = 0.0
    callers: list[Caller] = field(default_factory=list)
    traffic: TrafficSource | None = None
    window: TimeRange | None = None
    edge: FailingEdge | None = None
    pivot: datetime | None = None  # when things changed: the error onset, else the alarm metric's
    alb_targets: list[tuple[str, float]] = field(default_factory=list)
    alb_evidence: str | None = None
    hot_target_detail: str | None = None  # the 5xx breakdown by target and status code
    alb: AlbFailures | None = None
    alarm_peak: AlarmPeak | None = None
    log_groups: list[str] = field(default_factory=list)
    notices: tuple[str, str] | None = None  # (a warning line, its evidence id)
    memory: MemoryPressure | None = None
    resource_faults: list[ResourceFault] = field(default_factory=list)

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

    @property
    def has_logs(self) -> bool:
        """Whether there are log groups to search (named in the briefing, or searched)."""
        return bool(self.log_groups) or any(e.source == "logs" for e in self.evidence)

    @property
    def saturation(self) -> list[MetricShift]:
        """Shifted metrics of a resource filling up (a level rising, or free capacity
        falling), in the order of `shifts`."""
        return [
            m
            for m in self.shifts
            if SATURATION.search(m.label)
            and ((m.after > m.before) != m.label.lower().startswith(("free", "available")))
        ]


def _emitters(evidence: list[Evidence], log_groups: list[str]) -> set[str]:
    """Resources that log the errors (e.g. `orders-put` for /aws/lambda/orders-put): the log
    groups of the error lines when known, else all log groups. A change to one of them is a
    candidate, not proof: it is where the errors show, not necessarily why."""
    groups = {
        v
        for e in evidence
        if e.source == "logs"
        for row in rows_as_dicts(e)
        for k, v in row.items()
        if k == "@log" and v
    }
    return {g.rstrip("/").rsplit("/", 1)[-1] for g in (groups or set(log_groups)) if g}


def _timing(change: Change, onset: datetime | None) -> tuple[int, str | None]:
    """Points for how closely the change precedes the onset (minute bins: ±2 min is "at")."""
    if onset is None:
        return 0, None
    lead = onset - change.time
    minutes = int(lead.total_seconds() // 60)
    if -timedelta(minutes=2) <= lead <= timedelta(minutes=3):
        return 3, "right at the onset of the errors"
    if timedelta(minutes=3) < lead <= timedelta(minutes=10):
        return 2, f"{minutes} min before the errors began"
    if timedelta(minutes=10) < lead <= timedelta(minutes=30):
        return 1, None
    if lead < -timedelta(minutes=2):
        return -3, "after the errors had begun"
    return 0, None


def score_change(change: Change, findings: Findings, emitters: set[str]) -> ScoredChange:
    score, reasons = 0, []
    texts = findings.error_lines
    touched_emitter = [r for r in change.resources if r in emitters]
    named = [r for r in change.resources if r not in emitters and mentioned(r, texts)]
    if named:
        score += 3
        reasons.append(f"the error lines name {named[0]}, the resource it changed")
    if touched_emitter:
        if change.kind == "deployment":
            score += 3
            reasons.append(f"it deploys new code to {touched_emitter[0]}, which logs the errors")
        else:
            score += 2
            reasons.append(f"it changes {touched_emitter[0]}, which logs the errors")
    implicated = {hit.signature.service for hit in findings.signatures[:3] if hit.signature.service}
    if change.service in implicated:
        score += 3
        reasons.append(f"the errors implicate {change.service}, the service it changed")
    elif "code" in implicated and change.kind == "deployment" and touched_emitter:
        score += 2
        reasons.append("the errors are code errors, which new code explains")
    elif mentioned(change.service, [t.lower() for t in texts]):
        score += 1
    points, why = _timing(change, findings.onset)
    score += points
    if why:
        reasons.append(why)
    sets_cause = False
    top = findings.top_signature
    relevant = RELEVANT_SETTINGS.get(top.signature.category) if top else None
    setting = relevant.search(change.parameters) if relevant and change.parameters else None
    if top and setting:
        sets_cause = True
        score += 3
        reasons.append(
            f"it sets {change.settings() or setting.group(0)}, which the {top.name} errors depend on"
        )
    direction = _capacity_direction(change, findings)
    if direction is not None:
        before, after = direction
        if after > before * 1.1:  # a veto: whatever else points at it
            score = min(score - 6, 0)
            reasons.append(
                f"it raised the provisioned capacity ({before:g} → {after:g}); more capacity cannot cause throttling"
            )
        elif after < before * 0.9:
            score += 2
            reasons.append(f"it lowered the provisioned capacity ({before:g} → {after:g})")
    if change.error_code:
        score -= 2
        reasons.append(f"the call itself failed ({change.error_code})")
    return ScoredChange(change, score, reasons, sets_cause)


def _capacity_direction(change: Change, findings: Findings) -> tuple[float, float] | None:
    """Provisioned capacity of the changed resource before and after a capacity change, from
    the Provisioned* metrics in the evidence."""
    top = findings.top_signature
    if (
        change.kind != "capacity"
        or not top
        or top.signature.category not in ("capacity", "traffic")
    ):
        return None
    for e in findings.evidence:
        if e.tool != "get_metric_data" or "Provisioned" not in e.query:
            continue
        if not any(f"={r}" in e.query for r in change.resources):
            continue
        series = [
            (at, number(row.get("value")))
            for row in rows_as_dicts(e)
            if (at := parse_time(row.get("timestamp"))) is not None
        ]
        before = [v for at, v in series if at < change.time - timedelta(minutes=5)]
        after = [v for at, v in series if at >= change.time]
        if before and after:
            return sum(before) / len(before), sum(after) / len(after)
    return None


def analyse(evidence: list[Evidence], log_groups: list[str]) -> Findings:
    findings = Findings(evidence=evidence, log_groups=list(log_groups))
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
        texts = error_texts(e) if e.query != NOTICE_QUERY else []  # warnings are not errors
        if texts:
            findings.error_lines.extend(t for t, _ in texts)
            findings.error_evidence.append(e.id)
    findings.signatures = signatures(evidence)
    findings.faulting = faulting_services(evidence)
    findings.hot_target = alb_hot_target(evidence)
    findings.alb_5xx = alb_5xx_total(evidence)
    findings.alb_targets, findings.alb_evidence = alb_targets(evidence)
    findings.hot_target_detail = next(
        (e.id for e in evidence if e.status == "ok" and set(e.columns) >= ALB_BREAKDOWN_COLUMNS),
        None,
    )
    findings.alb = alb_failures(evidence)
    findings.alarm_peak = alarm_peak(evidence)
    findings.notices = next(
        (
            (sample_line(str(e.rows[0][-1] or ""), 200), e.id)
            for e in evidence
            if e.query == NOTICE_QUERY and e.rows
        ),
        None,
    )
    findings.callers = suspicious_callers(evidence)
    findings.traffic = traffic_source(evidence)
    findings.edge = failing_edge(evidence)
    findings.memory = memory_pressure(evidence)
    findings.resource_faults = faults(evidence)
    findings.window = next((e.time_range for e in evidence if e.time_range), None)
    emitters = _emitters(evidence, log_groups) | {
        name for name, _, _, kind in findings.faulting if _is_compute(kind)
    }
    scored = [score_change(c, findings, emitters) for c in changes(evidence)]
    findings.changes = sorted(scored, key=lambda s: (-s.score, -s.change.time.timestamp()))
    findings.pivot = (
        findings.onset
        or (findings.blamed.change.time if findings.blamed else None)
        or _alarm_onset(evidence)
    )
    shifts = metric_shifts(evidence, findings.pivot)
    implicated = {h.signature.service for h in findings.signatures[:2] if h.signature.service}
    # metrics of the service the errors implicate first (AWS/RDS for connection errors)
    findings.shifts = sorted(
        shifts, key=lambda m: not any(f"aws/{svc}" in m.query.lower() for svc in implicated)
    )
    return findings


def _alarm_onset(evidence: list[Evidence]) -> datetime | None:
    """With no error lines, when the alarm's own metric (the first metric fetched) left its level."""
    for e in evidence:
        if e.tool == "get_metric_data" and e.status == "ok" and "timestamp" in e.columns:
            series = [
                (at, number(row.get("value")))
                for row in rows_as_dicts(e)
                if (at := parse_time(row.get("timestamp"))) is not None
            ]
            return onset(sorted(series), e.time_range)
    return None


def _is_compute(service_name: str) -> bool:
    """X-Ray nodes that run the code (they log the errors) rather than AWS dependencies."""
    return "::" not in service_name and not service_name.lower().startswith(
        ("dynamodb", "s3", "sqs", "sns")
    )


__all__ = ["Findings", "ScoredChange", "analyse"]
