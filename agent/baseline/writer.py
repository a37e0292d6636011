"""The rule-based report: hypotheses, timeline and next steps written from `Findings`, each
claim citing the evidence it rests on. When the evidence is thin it says so."""

from __future__ import annotations

import re
from datetime import datetime

from agent.baseline.analysis import Findings
from agent.baseline.signals import NOTICE_QUERY
from agent.reporting import HypothesisDraft, ReportDraft, TimelineDraft

RULE_BASED = "(rule-based baseline, no LLM)"

_ACTIONS = {
    "capacity": [
        "Restore the capacity of {target} (or switch it to on-demand) and watch the throttle metrics fall."
    ],
    "permissions": [
        "Restore the permission removed from {target}; compare the policy with its previous version."
    ],
    "deployment": ["Roll back {target} to the previous version."],
    "configuration": ["Revert the configuration change on {target}."],
    "network": ["Revert the network change ({target}) and check security groups, routes and DNS."],
    "dependency": [
        "Check the health of the failing dependency ({target}); add timeouts and circuit breaking."
    ],
    "resource-exhaustion": [
        "Raise the exhausted limit of {target} (memory, connections, disk) and find what consumes it."
    ],
    "traffic": ["Shed or throttle the surge of traffic at the edge; scale {target}."],
    "security": ["Investigate the suspicious activity on {target}; rotate credentials if exposed."],
    "data": ["Find and quarantine the malformed input hitting {target}; add validation."],
}
_PREVENTION = {
    "capacity": "Alarm on throttle metrics and use auto scaling or on-demand capacity; review capacity changes before applying them.",
    "permissions": "Manage IAM policies as code with review, and test the application's permissions in CI.",
    "deployment": "Deploy gradually (canary / linear) with automatic rollback on the error alarm.",
    "configuration": "Validate configuration changes in a staging environment and deploy them like code.",
    "network": "Manage network rules as code with review; add synthetic checks of critical paths.",
    "dependency": "Add timeouts, retries with back-off and a fallback for the dependency.",
    "resource-exhaustion": "Alarm on utilisation before exhaustion and load-test the limits.",
    "traffic": "Add rate limiting and auto scaling sized for peak traffic.",
    "security": "Enable GuardDuty and alert on anomalous API activity.",
    "data": "Validate inputs at the edge and alarm on validation errors.",
}


def _cite(*ids: str | None) -> list[str]:
    return list(dict.fromkeys(i for i in ids if i))


def _fmt(ids: list[str]) -> str:
    return " [" + ", ".join(ids) + "]" if ids else ""


def _category(findings: Findings) -> str | None:
    """The category of the leading cause: a change whose settings explain the error is that
    kind of change (a memory setting that causes out-of-memory is configuration); otherwise
    the error names the mechanism when it is an exhausted resource or concerns the changed
    service (a scale-out that exhausts database connections is exhaustion)."""
    signature = findings.top_signature
    blamed = findings.blamed
    if blamed and blamed.sets_cause:
        return blamed.change.kind
    if (
        blamed
        and signature
        and (
            signature.signature.service == blamed.change.service
            or signature.signature.category == "resource-exhaustion"
        )
    ):
        return signature.signature.category
    if blamed:
        return blamed.change.kind
    if signature:
        return signature.signature.category
    return None


def _change_hypothesis(findings: Findings, category: str | None) -> HypothesisDraft | None:
    blamed, signature = findings.blamed, findings.top_signature
    if blamed is None:
        return None
    onset_text = f" from {findings.onset:%H:%M}Z" if findings.onset else ""
    moved = [m for m in findings.shifts if m.evidence_id != findings.onset_evidence][:3]
    ids = _cite(
        blamed.change.evidence_id,
        *(signature.evidence_ids[:2] if signature else []),
        findings.onset_evidence,
        *(m.evidence_id for m in moved),
    )
    effect = f"{signature.name} errors{onset_text}" if signature else f"the errors{onset_text}"
    metrics = "; ".join(f"{m.label} {m.before} → {m.after}" for m in moved)
    return HypothesisDraft(
        statement=f"{blamed.change.describe()} caused {effect}.{_fmt(ids)}",
        confidence="high" if signature and blamed.score >= 7 else "medium",
        category=category,  # type: ignore[arg-type]
        reasoning=f"{RULE_BASED} The change relates to the failure: {'; '.join(blamed.reasons)}."
        + (f" Metrics moved with it: {metrics}." if metrics else "")
        + (f' Sample error: "{signature.sample}"' if signature and signature.sample else ""),
        evidence_ids=ids,
    )


def _security_hypothesis(findings: Findings) -> HypothesisDraft | None:
    if not findings.callers:
        return None
    c = findings.callers[0]
    return HypothesisDraft(
        statement=(
            f"Credentials of {c.principal} are used from {c.address} to probe {c.apis:.0f} APIs in "
            f"{c.regions:.0f} region(s); {c.failed:.0f} of {c.calls:.0f} calls were denied.{_fmt([c.evidence_id])}"
        ),
        confidence="high" if c.regions >= 3 else "medium",
        category="security",
        reasoning=f"{RULE_BASED} Many different APIs refused for one principal from one address is enumeration with misused credentials, not an application fault.",
        evidence_ids=[c.evidence_id],
    )


def _traffic_hypothesis(findings: Findings) -> HypothesisDraft | None:
    t = findings.traffic
    if t is None:
        return None
    ids = _cite(t.evidence_id, findings.hot_target[3] if findings.hot_target else None)
    return HypothesisDraft(
        statement=(
            f"A traffic surge from {t.clients:.0f} client address(es) with user agent '{t.user_agent}' "
            f"({t.requests:.0f} requests, {t.share:.0%} of all, first seen {t.first_seen}) overloads the service; "
            f"{findings.alb_5xx:.0f} 5xx responses in the window.{_fmt(ids)}"
        ),
        confidence="high" if t.share >= 0.5 else "medium",
        category="traffic",
        reasoning=f"{RULE_BASED} One user agent from few addresses sends a large share of the requests while 5xx rise on every target.",
        evidence_ids=ids,
    )


def _signature_hypothesis(findings: Findings, category: str | None) -> HypothesisDraft | None:
    signature = findings.top_signature
    if signature is None:
        return None
    fault = findings.faulting[0] if findings.faulting else None
    edge, memory = findings.edge, findings.memory
    ids = _cite(
        *signature.evidence_ids[:2],
        findings.onset_evidence,
        edge.evidence_id if edge else (fault[2] if fault else None),
        memory.evidence_id if memory else None,
    )
    if edge:
        slow = f", slow: {edge.avg_seconds:.2f} s on average" if edge.avg_seconds >= 1 else ""
        where = f" in calls from {edge.caller} to {edge.downstream} ({edge.bad:.0f} of {edge.requests:.0f} failed{slow})"
    else:
        where = f" in {fault[0]}" if fault else ""
    if memory:
        where += (
            f"; Max Memory Used reaches {memory.peak_mb:.0f} MB of {memory.size_mb:.0f} MB "
            f"(average {memory.first_avg_mb:.0f} → {memory.last_avg_mb:.0f} MB)"
        )
    onset_text = f" from {findings.onset:%H:%M}Z" if findings.onset else ""
    return HypothesisDraft(
        statement=f"{signature.name} errors{where}{onset_text}, with no recorded change that explains them.{_fmt(ids)}",
        confidence="medium" if findings.onset or signature.weight >= 5 else "low",
        category=category,  # type: ignore[arg-type]
        reasoning=f"{RULE_BASED} The dominant error signature points to {signature.signature.category}; no CloudTrail write relates to the failing resource."
        + (f' Sample error: "{signature.sample}"' if signature.sample else ""),
        evidence_ids=ids,
    )


def _target_hypothesis(findings: Findings, category: str | None) -> HypothesisDraft | None:
    if not findings.hot_target:
        return None
    target_ip, worst, total, eid = findings.hot_target
    if not total or worst / total < 0.6:
        return None
    return HypothesisDraft(
        statement=f"Target {target_ip} returns {worst:.0f} of {total:.0f} 5xx responses behind the load balancer.{_fmt([eid])}",
        confidence="medium",
        category=category or "resource-exhaustion",  # type: ignore[arg-type]
        reasoning=f"{RULE_BASED} One target concentrates the 5xx responses.",
        evidence_ids=[eid],
    )


def _observations(findings: Findings) -> list[HypothesisDraft]:
    """What moved with nothing to explain it: recorded so the next person starts there."""
    observed = []
    if findings.shifts:
        moved = findings.shifts[:4]
        at = f" around {findings.pivot:%H:%M}Z" if findings.pivot else ""
        text = "; ".join(f"{m.label} {m.before:g} → {m.after:g}" for m in moved)
        observed.append(
            HypothesisDraft(
                statement=f"Observed without an explanation{at}: {text}.{_fmt(_cite(*(m.evidence_id for m in moved)))}",
                confidence="low",
                reasoning=f"{RULE_BASED} These metrics moved, but no error, change or caller in the evidence explains why.",
                evidence_ids=_cite(*(m.evidence_id for m in moved)),
            )
        )
    if findings.notices:
        sample, eid = findings.notices
        observed.append(
            HypothesisDraft(
                statement=f'Warnings without errors: "{sample}".{_fmt([eid])}',
                confidence="low",
                reasoning=f"{RULE_BASED} The logs show warnings or slow requests, not failures; they locate the symptom, not its cause.",
                evidence_ids=[eid],
            )
        )
    return observed


def _hypotheses(findings: Findings) -> list[HypothesisDraft]:
    category = _category(findings)
    if findings.blamed:
        ranked = [
            _change_hypothesis(findings, category),
            _security_hypothesis(findings),
            _traffic_hypothesis(findings),
        ]
    else:
        ranked = [
            _security_hypothesis(findings),
            _traffic_hypothesis(findings),
            _signature_hypothesis(findings, category),
        ]
    hypotheses = [h for h in ranked if h is not None]
    if not hypotheses or hypotheses[0].confidence == "low":
        hypotheses.extend(_observations(findings))
    target = _target_hypothesis(findings, category)
    if target:
        hypotheses.append(target)
    for scored in findings.changes:
        if scored is findings.blamed or len(hypotheses) >= 4:
            continue
        why = (
            "; ".join(scored.reasons)
            if scored.reasons
            else "it touches neither the resource the errors name nor the service they implicate"
        )
        hypotheses.append(
            HypothesisDraft(
                statement=f"Unlikely: {scored.change.describe()} is unrelated to the failure.{_fmt([scored.change.evidence_id])}",
                confidence="low",
                category=scored.change.kind,  # type: ignore[arg-type]
                reasoning=f"{RULE_BASED} Recorded change, but not enough ties it to the failure: {why}.",
                evidence_ids=[scored.change.evidence_id],
            )
        )
    return hypotheses


def write_report(findings: Findings) -> ReportDraft:
    hypotheses = _hypotheses(findings)
    lead = hypotheses[0] if hypotheses else None
    conclusive = (
        lead is not None and lead.confidence != "low" and not lead.statement.startswith("Unlikely")
    )
    category = lead.category if conclusive and lead else None
    blamed = findings.blamed
    target = (
        ", ".join(blamed.change.resources)
        if blamed
        else (findings.faulting[0][0] if findings.faulting else "the failing component")
    )
    if conclusive and lead:
        summary = f"Most likely cause ({category or 'unclassified'}): {lead.statement} This report is rule-based: fa2's baseline investigator applied fixed rules, no LLM."
    else:
        searched = ", ".join(sorted({e.tool for e in findings.evidence})) or "no source"
        summary = (
            "Inconclusive: insufficient evidence to name a root cause. "
            f"The rule-based baseline searched {searched} and found "
            + (
                "error lines but no known signature or related change."
                if findings.has_errors
                else "no error lines in the window."
            )
        )
    timeline = _timeline(findings)
    shifts = "; ".join(
        f"{m.label}: {m.before} → {m.after} [{m.evidence_id}]" for m in findings.shifts[:4]
    )
    impact = f"About {findings.total_errors:.0f} error log lines in the window (peak {findings.peak_errors:.0f}/min){_fmt(_cite(findings.onset_evidence))}."
    if findings.alb_5xx:
        impact += f" {findings.alb_5xx:.0f} 5xx responses at the load balancer."
    if shifts:
        impact += f" Metrics shifted at the onset: {shifts}."
    actions = [a.format(target=target) for a in _ACTIONS.get(category or "", [])] or [
        "Look at the error lines and recent changes by hand; the rules found no clear cause."
    ]
    unknowns = (
        []
        if conclusive
        else ["The root cause: no error signature, caller or change explains the alarm."]
    )
    if not findings.faulting:
        unknowns.append("Which downstream call fails (no X-Ray fault data).")
    next_queries = _next_queries(findings)
    return ReportDraft(
        summary=summary,
        hypotheses=hypotheses,
        timeline=timeline,
        impact=impact,
        actions=actions,
        prevention=[_PREVENTION[category]] if category in _PREVENTION else [],
        unknowns=unknowns,
        next_queries=next_queries,
    )


def _next_queries(findings: Findings) -> list[str]:
    """Concrete queries to confirm or refute the lead: how the error evolves, and the history
    of the resources involved beyond the window."""
    queries = []
    top = findings.top_signature
    if top:
        needle = re.escape(top.detail or top.signature.label).replace("/", "\\/")
        queries.append(
            f"fields @timestamp, @log, @message | filter @message like /{needle}/ | stats count(*) by bin(5m), @log"
        )
    else:
        queries.append(NOTICE_QUERY)
    trail = next(
        (e for e in findings.evidence if e.tool == "run_athena_query" and "eventname" in e.columns),
        None,
    )
    table = re.search(r"\bFROM\s+(\S+)", trail.query, re.I) if trail else None
    resources = (
        findings.blamed.change.resources
        if findings.blamed
        else [r for c in findings.changes[:1] for r in c.change.resources]
    )
    if table and resources:
        queries.append(
            f"SELECT eventtime, eventname, useridentity.arn, requestparameters FROM {table.group(1)} "
            f"WHERE requestparameters LIKE '%{resources[0]}%' ORDER BY eventtime DESC LIMIT 50  -- widen the time range to 7 days"
        )
    return queries


def _timeline(findings: Findings) -> list[TimelineDraft]:
    entries: list[tuple[datetime, str, list[str]]] = []
    for scored in findings.changes[:5]:
        entries.append((scored.change.time, scored.change.describe(), [scored.change.evidence_id]))
    if findings.onset:
        label = findings.top_signature.name if findings.top_signature else "errors"
        entries.append((findings.onset, f"{label} errors begin", _cite(findings.onset_evidence)))
    for shift in findings.shifts[:4]:
        if shift.at:
            event = f"{shift.label} at a new level: {shift.before:g} before, {shift.after:g} after"
            entries.append((shift.at, event, [shift.evidence_id]))
    when = findings.onset or findings.pivot or (findings.window.start if findings.window else None)
    if findings.alb_5xx and when:
        targets = ", ".join(f"{ip} ({n:.0f})" for ip, n in findings.alb_targets[:4])
        ids = _cite(findings.alb_evidence, findings.hot_target_detail)
        entries.append(
            (when, f"{findings.alb_5xx:.0f} 5xx at the load balancer, by target: {targets}", ids)
        )
    return [
        TimelineDraft(time=t, event=text, evidence_ids=ids)
        for t, text, ids in sorted(entries, key=lambda e: e[0])
    ]
