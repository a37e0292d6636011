"""The rule-based report: summary, hypotheses, timeline, impact and next steps written from
`Findings`, each claim citing the evidence it rests on, in the configured language. When the
evidence is thin it says so, cites the symptoms it examined and what would be needed to
conclude."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlglot import exp

from agent.baseline.analysis import Findings
from agent.baseline.hypotheses import Claim, alb_symptom, cite, marker, ranked_claims
from agent.baseline.phrases import Phrases
from agent.baseline.prior import (
    AlarmFacts,
    Weighed,
    confirmed_lead,
    failing_resources,
    recurrence_target,
    runbook_action,
    runbook_advice,
    weigh_past_lead,
)
from agent.baseline.signals import NOTICE_QUERY
from agent.report.draft import ReportDraft, TimelineDraft


def _conclusive(claims: list[Claim]) -> bool:
    lead = claims[0] if claims else None
    return lead is not None and lead.confidence != "low" and not lead.unlikely


def _symptoms(findings: Findings, t: Phrases) -> tuple[list[str], list[str]]:
    """What the telemetry shows when nothing explains it: the alarm metric at its worst,
    metrics that moved, warnings, 5xx at the load balancer (each with its evidence)."""
    items: list[str] = []
    ids: list[str] = []
    peak = findings.alarm_peak
    if peak:
        text = t("alarm_peak", label=peak.label, peak=peak.peak, at=peak.at, typical=peak.typical)
        items.append(text + marker([peak.evidence_id]))
        ids.append(peak.evidence_id)
    for shift in findings.shifts[:3]:
        if peak and shift.evidence_id == peak.evidence_id:
            continue
        items.append(
            f"{shift.label} {shift.before:g} → {shift.after:g}" + marker([shift.evidence_id])
        )
        ids.append(shift.evidence_id)
    if findings.notices:
        sample, eid = findings.notices
        items.append(t("warnings", sample=sample[:160]) + marker([eid]))
        ids.append(eid)
    alb = alb_symptom(findings, t)
    if alb:
        items.append(alb[0] + marker(alb[1]))
        ids.extend(alb[1])
    return items, cite(*ids)


def _needed(findings: Findings, t: Phrases) -> list[str]:
    """The telemetry that could settle it, from what the evidence lacks."""
    needs = []
    if not findings.has_logs or not any(
        e.source == "logs" and e.status == "ok" and e.rows for e in findings.evidence
    ):
        what = findings.shifts[0].label if findings.shifts else t("the_alarm")
        needs.append(t("need_logs", what=what))
    requests_suffer = bool(findings.notices or findings.alb or findings.has_errors)
    if requests_suffer and not any(
        e.source == "xray" and e.status == "ok" for e in findings.evidence
    ):
        needs.append(t("need_traces"))
    if findings.notices:
        needs.append(t("need_dependency"))
    return needs


def _summary(findings: Findings, claims: list[Claim], t: Phrases) -> str:
    if _conclusive(claims):
        lead = claims[0].draft(t)
        category = lead.category or t("unclassified")
        return f"{t('most_likely', category=category, statement=lead.statement)} {t('disclaimer')}"
    sources = ", ".join(sorted({e.tool for e in findings.evidence})) or t("no_source")
    logs_read = any(e.source == "logs" and e.status in ("ok", "empty") for e in findings.evidence)
    if findings.has_errors:
        found = t("found_unexplained")
    else:  # "no error lines" only when logs were actually read
        found = t("found_nothing") if logs_read else t("found_no_logs")
    parts = [t("inconclusive"), t("searched", sources=sources, found=found)]
    symptoms, _ = _symptoms(findings, t)
    if symptoms:
        parts.append(t("symptoms", items=t.separator.join(symptoms)))
    needs = _needed(findings, t)
    if needs:
        parts.append(t("needed", items=t.separator.join(needs)))
    return " ".join(parts)


def _target(findings: Findings) -> str:
    blamed = findings.blamed
    if blamed:
        return ", ".join(blamed.change.resources)
    return findings.faulting[0][0] if findings.faulting else "the failing component"


def _impact(findings: Findings, t: Phrases) -> str:
    impact = t(
        "impact",
        total=findings.total_errors,
        peak=findings.peak_errors,
        ids=marker(cite(findings.onset_evidence)),
    )
    if findings.alb_5xx:
        ids = cite(findings.alb_evidence, findings.hot_target_detail)
        impact += t("impact_alb", total=findings.alb_5xx, ids=marker(ids))
    shifts = "; ".join(
        f"{m.label}: {m.before} → {m.after} [{m.evidence_id}]" for m in findings.shifts[:4]
    )
    if shifts:
        impact += t("impact_shifts", shifts=shifts)
    return impact


def write_report(
    findings: Findings, language: str = "en", alarm: AlarmFacts | None = None
) -> ReportDraft:
    """`alarm` (from the briefing) lets a runbook titled after it, or after a failing
    resource, become an action (agent/baseline/prior.py)."""
    t = Phrases(language)
    claims = ranked_claims(findings, t)
    lead = confirmed_lead(findings.evidence)
    weighed = weigh_past_lead(claims, findings, lead, t) if lead else Weighed(claims)
    claims = weighed.claims
    conclusive = _conclusive(claims)
    category = claims[0].category if conclusive else None
    target = recurrence_target(findings) if weighed.recurrence else _target(findings)
    action = t.action(category, target) if category else None
    alarm = alarm or AlarmFacts(name=None, resources=())
    names = [n for n in (alarm.name, *failing_resources(findings, alarm)) if n]
    advice = runbook_advice(findings.evidence, names)
    followed = [runbook_action(advice, t)] if advice else []
    prevention = t.prevention(category) if category else None
    unknowns = [] if conclusive else [t("unknown_cause")]
    if not findings.faulting:
        unknowns.append(t("unknown_downstream"))
    return ReportDraft(
        summary=_summary(findings, claims, t),
        hypotheses=[c.draft(t) for c in claims],
        timeline=_timeline(findings, t),
        impact=_impact(findings, t),
        actions=([action] if action else [t("look_by_hand")]) + followed,
        prevention=[prevention] if prevention else [],
        unknowns=unknowns,
        next_queries=_next_queries(findings),
    )


_TABLE = re.compile(r"\bFROM\s+(\S+)", re.I)


def _next_queries(findings: Findings) -> list[str]:
    """Concrete queries to confirm or refute the lead: how the error evolves, and the history
    of the resources involved over the week before (both run as written on the real engines)."""
    queries = []
    top = findings.top_signature
    if top:
        needle = re.escape(top.detail or top.signature.label).replace("/", "\\/")
        queries.append(
            f"fields @timestamp, @log, @message | filter @message like /{needle}/ | stats count(*) by bin(5m), @log"
        )
    elif findings.has_logs:
        queries.append(NOTICE_QUERY)
    trail = next(
        (e for e in findings.evidence if e.tool == "run_athena_query" and "eventname" in e.columns),
        None,
    )
    table = _TABLE.search(trail.query) if trail else None
    resources = (
        findings.blamed.change.resources
        if findings.blamed
        else [r for c in findings.changes[:1] for r in c.change.resources]
    )
    when = findings.pivot or (findings.window.end if findings.window else None)
    if table and resources and when:
        since = (when - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
        # The resource name comes from CloudTrail data: quoted by sqlglot, not by hand.
        needle = exp.Literal.string(f"%{resources[0]}%").sql(dialect="trino")
        queries.append(
            f"SELECT eventtime, eventname, useridentity.arn AS principal, requestparameters FROM {table.group(1)} "
            f"WHERE requestparameters LIKE {needle} AND (readonly = 'false' OR readonly IS NULL) "
            f"AND from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp('{since}') "
            "ORDER BY eventtime DESC LIMIT 50"
        )
    return queries


def _timeline(findings: Findings, t: Phrases) -> list[TimelineDraft]:
    entries: list[tuple[datetime, str, list[str]]] = []
    for scored in findings.changes[:5]:
        entries.append((scored.change.time, scored.change.describe(), [scored.change.evidence_id]))
    if findings.onset:
        label = findings.top_signature.name if findings.top_signature else "errors"
        entries.append(
            (findings.onset, t("errors_begin", label=label), cite(findings.onset_evidence))
        )
    for shift in findings.shifts[:4]:
        if shift.at:
            event = t("new_level", label=shift.label, before=shift.before, after=shift.after)
            entries.append((shift.at, event, [shift.evidence_id]))
    when = findings.onset or findings.pivot or (findings.window.start if findings.window else None)
    if findings.alb_5xx and when:
        targets = ", ".join(f"{ip} ({n:.0f})" for ip, n in findings.alb_targets[:4])
        ids = cite(findings.alb_evidence, findings.hot_target_detail)
        entries.append((when, t("alb_timeline", total=findings.alb_5xx, targets=targets), ids))
    return [
        TimelineDraft(time=at, event=text, evidence_ids=ids)
        for at, text, ids in sorted(entries, key=lambda e: e[0])
    ]
