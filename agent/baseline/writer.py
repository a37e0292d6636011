"""The rule-based report: hypotheses, timeline and next steps written from `Findings`, each
claim citing the evidence it rests on. When the evidence is thin it says so."""

from __future__ import annotations

from datetime import datetime

from agent.baseline.analysis import Findings
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
    signature = findings.top_signature
    blamed = findings.blamed
    if blamed and signature and signature.signature.service == blamed.change.service:
        return signature.signature.category
    if blamed:
        return blamed.change.kind
    if signature:
        return signature.signature.category
    return None


def write_report(findings: Findings) -> ReportDraft:
    signature, blamed = findings.top_signature, findings.blamed
    category = _category(findings)
    hypotheses: list[HypothesisDraft] = []
    target = (
        ", ".join(blamed.change.resources)
        if blamed
        else (findings.faulting[0][0] if findings.faulting else "the failing component")
    )

    onset_text = f" from {findings.onset:%H:%M}Z" if findings.onset else ""
    if blamed:
        sig_ids = signature.evidence_ids[:2] if signature else []
        moved = [m for m in findings.shifts if m.evidence_id != findings.onset_evidence][:3]
        ids = _cite(
            blamed.change.evidence_id,
            *sig_ids,
            findings.onset_evidence,
            *(m.evidence_id for m in moved),
        )
        effect = (
            f"{signature.signature.label} errors{onset_text}"
            if signature
            else f"the errors{onset_text}"
        )
        hypotheses.append(
            HypothesisDraft(
                statement=f"{blamed.change.describe()} caused {effect}.{_fmt(ids)}",
                confidence="high" if signature and blamed.score >= 7 else "medium",
                category=category,  # type: ignore[arg-type]
                reasoning=f"{RULE_BASED} The change relates to the failure: {'; '.join(blamed.reasons)}."
                + (
                    " Metrics moved with it: "
                    + "; ".join(f"{m.label} {m.before} → {m.after}" for m in moved)
                    + "."
                    if moved
                    else ""
                ),
                evidence_ids=ids,
            )
        )
    elif signature:
        fault = findings.faulting[0] if findings.faulting else None
        ids = _cite(
            *signature.evidence_ids[:2], findings.onset_evidence, fault[2] if fault else None
        )
        where = f" in {fault[0]}" if fault else ""
        hypotheses.append(
            HypothesisDraft(
                statement=f"{signature.signature.label} errors{where}{onset_text}, with no recorded change that explains them.{_fmt(ids)}",
                confidence="medium" if findings.onset else "low",
                category=category,  # type: ignore[arg-type]
                reasoning=f"{RULE_BASED} The dominant error signature points to {signature.signature.category}; no CloudTrail write relates to the failing resource.",
                evidence_ids=ids,
            )
        )
    if findings.hot_target:
        target_ip, worst, total, eid = findings.hot_target
        if total and worst / total >= 0.6:
            hypotheses.append(
                HypothesisDraft(
                    statement=f"Target {target_ip} returns {worst:.0f} of {total:.0f} 5xx responses behind the load balancer.{_fmt([eid])}",
                    confidence="medium",
                    category="resource-exhaustion" if category is None else category,  # type: ignore[arg-type]
                    reasoning=f"{RULE_BASED} One target concentrates the 5xx responses.",
                    evidence_ids=[eid],
                )
            )
    for scored in findings.changes:
        if scored is blamed or scored.score >= 5:
            continue
        if len(hypotheses) >= 3:
            break
        hypotheses.append(
            HypothesisDraft(
                statement=f"Unlikely: {scored.change.describe()} is unrelated to the failure.{_fmt([scored.change.evidence_id])}",
                confidence="low",
                category=scored.change.kind,  # type: ignore[arg-type]
                reasoning=f"{RULE_BASED} Recorded change, but it neither touches the resource the errors name nor the service they implicate"
                + (f" ({'; '.join(scored.reasons)})" if scored.reasons else "")
                + ".",
                evidence_ids=[scored.change.evidence_id],
            )
        )

    conclusive = bool(hypotheses) and hypotheses[0].confidence != "low" and (blamed or signature)
    if conclusive:
        lead = hypotheses[0].statement
        summary = f"Most likely cause ({category or 'unclassified'}): {lead} This report is rule-based: fa2's baseline investigator applied fixed rules, no LLM."
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
        f"{s.label}: {s.before} -> {s.after} [{s.evidence_id}]" for s in findings.shifts[:4]
    )
    impact = f"About {findings.total_errors:.0f} error log lines in the window (peak {findings.peak_errors:.0f}/min){_fmt(_cite(findings.onset_evidence))}."
    if shifts:
        impact += f" Metrics shifted at the onset: {shifts}."
    actions = [a.format(target=target) for a in _ACTIONS.get(category or "", [])] or [
        "Look at the error lines and recent changes by hand; the rules found no clear cause."
    ]
    unknowns = (
        [] if conclusive else ["The root cause: no error signature or change explains the alarm."]
    )
    if not findings.faulting:
        unknowns.append("Which downstream call fails (no X-Ray fault data).")
    next_queries = [
        "fields @timestamp, @message | filter @message like /Exception/ | stats count(*) by bin(5m)",
        "CloudTrail writes on the failing resource in the 24 h before the window",
    ]
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


def _timeline(findings: Findings) -> list[TimelineDraft]:
    entries: list[tuple[datetime, str, list[str]]] = []
    for scored in findings.changes[:5]:
        entries.append((scored.change.time, scored.change.describe(), [scored.change.evidence_id]))
    if findings.onset:
        label = findings.top_signature.signature.label if findings.top_signature else "errors"
        entries.append((findings.onset, f"{label} errors begin", _cite(findings.onset_evidence)))
    return [TimelineDraft(time=t, event=text, evidence_ids=ids) for t, text, ids in sorted(entries)]
