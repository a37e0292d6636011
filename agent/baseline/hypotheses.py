"""The rule-based hypotheses, ranked: the change that explains the failure, misused
credentials, a traffic surge, the dominant error signature, a failing target, and what moved
with nothing to explain it. Each cites the evidence it rests on; the leading one also cites
the symptoms an SRE checks every time (the load balancer's 5xx by target and status, and the
resource metrics that saturate at the onset)."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.baseline.analysis import Findings
from agent.baseline.phrases import Phrases
from agent.report.draft import HypothesisDraft


def cite(*ids: str | None) -> list[str]:
    return list(dict.fromkeys(i for i in ids if i))


def marker(ids: list[str]) -> str:
    return " [" + ", ".join(ids) + "]" if ids else ""


@dataclass
class Claim:
    """A hypothesis before its citation marker is written (so symptoms can still be added)."""

    statement: str
    confidence: str
    reasoning: str
    ids: list[str]
    category: str | None = None
    symptoms: list[str] = field(default_factory=list)
    unlikely: bool = False

    def draft(self, t: Phrases) -> HypothesisDraft:
        statement = self.statement + "".join(f"{t.separator}{s}" for s in self.symptoms)
        end = "。" if t.language == "ja" else "."
        return HypothesisDraft(
            statement=f"{statement}{end}{marker(self.ids)}",
            confidence=self.confidence,  # type: ignore[arg-type]
            category=self.category,  # type: ignore[arg-type]
            reasoning=f"{t('rule_based')} {self.reasoning}",
            evidence_ids=self.ids,
        )


def alb_symptom(findings: Findings, t: Phrases) -> tuple[str, list[str]] | None:
    """The load balancer's 5xx: how many, with which status codes, from which targets."""
    alb = findings.alb
    if alb is None or alb.total <= 0:
        return None
    codes = ", ".join(f"{code} ×{n:.0f}" for code, n in alb.codes[:3])
    failing = alb.failing_targets
    if len(failing) >= alb.targets:
        where = t("alb_all_targets", n=alb.targets)
    else:
        listed = ", ".join(ip for ip, _ in failing[:4])
        where = t("alb_some_targets", k=len(failing), n=alb.targets, targets=listed)
    text = t("alb", total=alb.total, codes=f" ({codes})" if codes else "", where=where)
    return text, alb.evidence_ids


def saturation_symptom(findings: Findings, t: Phrases, skip: set[str]) -> tuple[str, list[str]]:
    """Resource metrics that fill up at the onset (not already cited)."""
    moved = [m for m in findings.saturation if m.evidence_id not in skip][:2]
    if not moved:
        return "", []
    metrics = ", ".join(f"{m.label} {m.before:g} → {m.after:g}" for m in moved)
    return t("saturation", metrics=metrics), [m.evidence_id for m in moved]


def with_symptoms(claim: Claim, findings: Findings, t: Phrases) -> Claim:
    alb = alb_symptom(findings, t)
    if alb and not set(alb[1]) <= set(claim.ids):
        claim.symptoms.append(alb[0])
        claim.ids = cite(*claim.ids, *alb[1])
    text, ids = saturation_symptom(findings, t, set(claim.ids))
    if text:
        claim.symptoms.append(text)
        claim.ids = cite(*claim.ids, *ids)
    return claim


def change_claim(findings: Findings, category: str | None, t: Phrases) -> Claim | None:
    blamed, signature = findings.blamed, findings.top_signature
    if blamed is None:
        return None
    onset = t("from_time", at=findings.onset) if findings.onset else ""
    # the resource filling up first: it is how the change did harm
    ranked = [*findings.saturation, *findings.shifts]
    moved = list(
        {m.evidence_id: m for m in ranked if m.evidence_id != findings.onset_evidence}.values()
    )[:3]
    ids = cite(
        blamed.change.evidence_id,
        *(signature.evidence_ids[:2] if signature else []),
        findings.onset_evidence,
        *(m.evidence_id for m in moved),
    )
    effect = t("errors_of", name=signature.name) + onset if signature else t("the_errors") + onset
    metrics = "; ".join(f"{m.label} {m.before} → {m.after}" for m in moved)
    return Claim(
        statement=t("change_caused", change=blamed.change.describe(), effect=effect),
        confidence="high" if signature and blamed.score >= 7 else "medium",
        category=category,
        reasoning=t("change_reasoning", reasons="; ".join(blamed.reasons))
        + (t("metrics_moved", metrics=metrics) if metrics else "")
        + (t("sample_error", sample=signature.sample) if signature and signature.sample else ""),
        ids=ids,
    )


def security_claim(findings: Findings, t: Phrases) -> Claim | None:
    if not findings.callers:
        return None
    c = findings.callers[0]
    return Claim(
        statement=t(
            "security",
            principal=c.principal,
            address=c.address,
            apis=c.apis,
            regions=c.regions,
            failed=c.failed,
            calls=c.calls,
        ),
        confidence="high" if c.regions >= 3 else "medium",
        category="security",
        reasoning=t("security_reasoning"),
        ids=[c.evidence_id],
    )


def traffic_claim(findings: Findings, t: Phrases) -> Claim | None:
    s = findings.traffic
    if s is None:
        return None
    return Claim(
        statement=t(
            "traffic",
            clients=s.clients,
            agent=s.user_agent,
            requests=s.requests,
            share=s.share,
            first=s.first_seen,
        ),
        confidence="high" if s.share >= 0.5 else "medium",
        category="traffic",
        reasoning=t("traffic_reasoning"),
        ids=cite(s.evidence_id, findings.hot_target[3] if findings.hot_target else None),
    )


def signature_claim(findings: Findings, category: str | None, t: Phrases) -> Claim | None:
    signature = findings.top_signature
    if signature is None:
        return None
    fault = findings.faulting[0] if findings.faulting else None
    edge, memory = findings.edge, findings.memory
    ids = cite(
        *signature.evidence_ids[:2],
        findings.onset_evidence,
        edge.evidence_id if edge else (fault[2] if fault else None),
        memory.evidence_id if memory else None,
    )
    if edge:
        slow = t("slow", seconds=edge.avg_seconds) if edge.avg_seconds >= 1 else ""
        where = t(
            "in_calls",
            caller=edge.caller,
            downstream=edge.downstream,
            bad=edge.bad,
            requests=edge.requests,
            slow=slow,
        )
    else:
        where = t("in_service", service=fault[0]) if fault else ""
    if memory:
        where += t(
            "memory",
            peak=memory.peak_mb,
            size=memory.size_mb,
            first=memory.first_avg_mb,
            last=memory.last_avg_mb,
        )
    onset = t("from_time", at=findings.onset) if findings.onset else ""
    return Claim(
        statement=t(
            "unexplained_errors",
            errors=t("errors_of", name=signature.name),
            where=where,
            onset=onset,
        ),
        confidence="medium" if findings.onset or signature.weight >= 5 else "low",
        category=category,
        reasoning=t("signature_reasoning", category=signature.signature.category)
        + (t("sample_error", sample=signature.sample) if signature.sample else ""),
        ids=ids,
    )


def target_claim(findings: Findings, category: str | None, t: Phrases) -> Claim | None:
    if not findings.hot_target:
        return None
    target_ip, worst, total, eid = findings.hot_target
    if not total or worst / total < 0.6:
        return None
    return Claim(
        statement=t("target", target=target_ip, worst=worst, total=total),
        confidence="medium",
        category=category or "resource-exhaustion",
        reasoning=t("target_reasoning"),
        ids=cite(eid, findings.hot_target_detail),
    )


def observations(findings: Findings, t: Phrases) -> list[Claim]:
    """What moved with nothing to explain it: recorded so the next person starts there."""
    observed = []
    if findings.shifts:
        moved = findings.shifts[:4]
        at = t("around_time", at=findings.pivot) if findings.pivot else ""
        metrics = "; ".join(f"{m.label} {m.before:g} → {m.after:g}" for m in moved)
        observed.append(
            Claim(
                statement=t("observed", at=at, metrics=metrics),
                confidence="low",
                reasoning=t("observed_reasoning"),
                ids=cite(*(m.evidence_id for m in moved)),
            )
        )
    elif findings.alarm_peak:
        peak = findings.alarm_peak
        observed.append(
            Claim(
                statement=t(
                    "peak_statement",
                    peak=t(
                        "alarm_peak",
                        label=peak.label,
                        peak=peak.peak,
                        at=peak.at,
                        typical=peak.typical,
                    ),
                ),
                confidence="low",
                reasoning=t("peak_reasoning"),
                ids=[peak.evidence_id],
            )
        )
    if findings.notices:
        sample, eid = findings.notices
        if observed:  # the warnings are where the alarm's symptom shows: one observation
            first = observed[0]
            first.symptoms.append(t("warnings", sample=sample))
            first.reasoning += " " + t("warnings_reasoning")
            first.ids = cite(*first.ids, eid)
        else:
            observed.append(
                Claim(
                    statement=t("warnings_statement", sample=sample),
                    confidence="low",
                    reasoning=t("warnings_reasoning"),
                    ids=[eid],
                )
            )
    return observed


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


def resource_claim(findings: Findings) -> Claim | None:
    """What a resource's state shows is wrong (a failing health check, a disabled trigger, a
    policy version without the denied action, a missing dead-letter queue)."""
    if not findings.resource_faults:
        return None
    fault = findings.resource_faults[0]
    signature = findings.top_signature
    return Claim(
        statement=fault.statement[:1].upper() + fault.statement[1:],
        confidence="high",
        category=fault.category,
        reasoning="The resource's current state, read with describe_resource, shows it directly"
        + (f"; it explains {signature.name}" if signature else "")
        + ".",
        ids=cite(*fault.evidence_id.split(","), *(signature.evidence_ids[:1] if signature else [])),
    )


def ranked_claims(findings: Findings, t: Phrases) -> list[Claim]:
    category = _category(findings)
    resource = resource_claim(findings)
    if resource is not None:
        claims = [c for c in (resource, change_claim(findings, category, t)) if c is not None]
        if findings.blamed and len(claims) > 1:
            # the change that set the state comes first; the state is how it did harm
            change, state = claims[1], claims[0]
            change.symptoms.append(state.statement[:1].lower() + state.statement[1:])
            change.ids = cite(*change.ids, *state.ids)
            change.confidence = "high"
            claims = [change]
        with_symptoms(claims[0], findings, t)
        return claims
    if findings.blamed:
        ranked = [
            change_claim(findings, category, t),
            security_claim(findings, t),
            traffic_claim(findings, t),
        ]
    else:
        ranked = [
            security_claim(findings, t),
            traffic_claim(findings, t),
            signature_claim(findings, category, t),
        ]
    claims = [c for c in ranked if c is not None]
    if claims and claims[0].confidence != "low":
        with_symptoms(claims[0], findings, t)
    else:
        claims.extend(observations(findings, t))
    target = target_claim(findings, category, t)
    if target:
        claims.append(target)
    for scored in findings.changes:
        if scored is findings.blamed or len(claims) >= 4:
            continue
        why = "; ".join(scored.reasons) if scored.reasons else t("unrelated_why")
        claims.append(
            Claim(
                statement=t("unlikely", change=scored.change.describe()),
                confidence="low",
                category=scored.change.kind,
                reasoning=t("unlikely_reasoning", why=why),
                ids=[scored.change.evidence_id],
                unlikely=True,
            )
        )
    return claims


__all__ = ["Claim", "cite", "marker", "ranked_claims"]
