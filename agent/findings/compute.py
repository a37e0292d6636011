"""The computed half of the findings report: counts, the trend against the previous period,
the top risks, the recommended actions and the resources with the most findings. Pure
functions of the findings; no model, no I/O.

Ranking (hand-written, stated in the report's docs): a risk is either the threat findings on
one resource (the Tor calls, the reconnaissance and the anomalous discovery by one leaked key
are one risk: that key), or the posture findings of one Security Hub control (or type) over
all its resources. An observed threat (a GuardDuty finding, an ASFF type under
`TTPs/`, `Effects/` or `Unusual Behaviors/`) counts one severity level higher than a posture
check, so a MEDIUM attack in progress ranks beside a HIGH misconfiguration, and before it at
equal level; then more resources, more findings, newer first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from agent.findings.model import (
    CountRow,
    Counts,
    RecommendedAction,
    ReportFinding,
    ResourceRow,
    TopRisk,
    Trend,
)
from agent.telemetry.findings_types import (
    SEVERITY_LABELS,
    SEVERITY_RANK,
    SecurityFinding,
    SeverityLabel,
)
from agent.telemetry.types import TimeRange

MAX_TOP_RISKS = 5
MAX_ROWS = 10
THREAT_PREFIXES = ("TTPs/", "Effects/", "Unusual Behaviors/")

# GuardDuty findings carry no Remediation. The user guide's remediation pages, by the kind of
# resource a finding type names (documented: "For all IAM-related findings … see
# Remediating potentially compromised AWS credentials"); other types get the index page.
GUARDDUTY_GUIDES: tuple[tuple[str, dict[str, str], str], ...] = (
    (
        ":IAMUser/",
        {
            "en": "Remediating potentially compromised AWS credentials",
            "ja": "侵害された可能性のある AWS 認証情報の修復",
        },
        "https://docs.aws.amazon.com/guardduty/latest/ug/compromised-creds.html",
    ),
    (
        ":EC2/",
        {
            "en": "Remediating a potentially compromised Amazon EC2 instance",
            "ja": "侵害された可能性のある Amazon EC2 インスタンスの修復",
        },
        "https://docs.aws.amazon.com/guardduty/latest/ug/compromised-ec2.html",
    ),
    (
        ":S3/",
        {
            "en": "Remediating a potentially compromised S3 bucket",
            "ja": "侵害された可能性のある S3 バケットの修復",
        },
        "https://docs.aws.amazon.com/guardduty/latest/ug/compromised-s3.html",
    ),
    (
        ":ECS/",
        {
            "en": "Remediating a potentially compromised ECS cluster",
            "ja": "侵害された可能性のある ECS クラスターの修復",
        },
        "https://docs.aws.amazon.com/guardduty/latest/ug/compromised-ecs.html",
    ),
)
NO_GUIDE = {
    "en": "GuardDuty gives no remediation for this finding type",
    "ja": "GuardDuty はこの種類の検出結果に修復手順を付けていません",
}
GUARDDUTY_INDEX = "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_remediate.html"


def is_threat(finding: SecurityFinding) -> bool:
    return (
        finding.source == "guardduty"
        or finding.guardduty_id is not None
        or (finding.type.startswith(THREAT_PREFIXES))
    )


def highest(labels: Iterable[SeverityLabel]) -> SeverityLabel:
    return max(labels, key=lambda label: SEVERITY_RANK.get(label, 0), default="INFORMATIONAL")


def resource_of(finding: SecurityFinding) -> str:
    return finding.resource_id or f"(no resource; account {finding.account_id})"


def cited(
    current: Sequence[SecurityFinding], previous: Sequence[SecurityFinding], period: TimeRange
) -> list[ReportFinding]:
    """The findings with their references: this period's first (most severe first), then the
    previous period's that were not updated since."""
    now_keys = {f.dedup_key for f in current}
    rows = [
        ReportFinding(
            ref=f"F{i}",
            new=f.created_at is not None and f.created_at >= period.start,
            finding=f,
        )
        for i, f in enumerate(current, start=1)
    ]
    quiet = [f for f in previous if f.dedup_key not in now_keys]
    rows += [
        ReportFinding(ref=f"F{len(rows) + i}", period="previous", finding=f)
        for i, f in enumerate(quiet, start=1)
    ]
    return rows


def _rows(groups: dict[str, list[SecurityFinding]]) -> list[CountRow]:
    rows = [
        CountRow(key=key, count=len(items), highest=highest(f.severity_label for f in items))
        for key, items in groups.items()
    ]
    rows.sort(key=lambda r: (-r.count, -SEVERITY_RANK[r.highest], r.key))
    return rows[:MAX_ROWS]


def counts(findings: Sequence[ReportFinding]) -> Counts:
    current = [f.finding for f in findings if f.period == "current"]
    by: dict[str, dict[str, list[SecurityFinding]]] = defaultdict(lambda: defaultdict(list))
    for row in findings:
        if row.period != "current":
            continue
        f = row.finding
        by["type"][row.type_key].append(f)
        by["resource"][resource_of(f)].append(f)
        by["account"][f.account_id or "?"].append(f)
        by["region"][f.region or "?"].append(f)
    severity = Counter(f.severity_label for f in current)
    return Counts(
        total=len(current),
        by_severity={label: severity.get(label, 0) for label in SEVERITY_LABELS},
        by_source=dict(Counter(f.source for f in current)),
        by_type=_rows(by["type"]),
        by_resource=_rows(by["resource"]),
        by_account=_rows(by["account"]),
        by_region=_rows(by["region"]),
    )


def trend(findings: Sequence[ReportFinding], previous_range: TimeRange) -> Trend:
    current = [f for f in findings if f.period == "current"]
    quiet = [f for f in findings if f.period == "previous"]
    new = [f for f in current if f.new]
    new_severity = Counter(f.finding.severity_label for f in new)
    quiet_severity = Counter(f.finding.severity_label for f in quiet)
    return Trend(
        previous_range=previous_range,
        previous_total=len(quiet),
        previous_by_severity={k: quiet_severity.get(k, 0) for k in SEVERITY_LABELS},
        new_refs=[f.ref for f in new],
        new_by_severity={k: new_severity.get(k, 0) for k in SEVERITY_LABELS},
        continuing=len(current) - len(new),
        quiet_refs=[f.ref for f in quiet],
    )


def short_resource(resource: str) -> str:
    """An ARN's resource part (`repository/checkout`, `user/ci-uploader`, a bucket name);
    other ids as they are."""
    parts = resource.split(":", 5)
    if resource.startswith("arn:") and len(parts) == 6 and parts[5]:
        return parts[5]
    return resource


def _kinds(rows: Sequence[ReportFinding]) -> list[str]:
    """The kinds of findings in a risk, most severe (then most often seen) first."""
    weight: dict[str, tuple[int, int]] = {}
    for row in rows:
        rank, seen = weight.get(row.type_key, (0, 0))
        weight[row.type_key] = (
            max(rank, SEVERITY_RANK[row.finding.severity_label]),
            seen + row.finding.count,
        )
    return sorted(weight, key=lambda k: (-weight[k][0], -weight[k][1], k))


def _risk_key(row: ReportFinding) -> str:
    if is_threat(row.finding):
        return "threat:" + resource_of(row.finding)
    return "posture:" + row.type_key


def _risk_title(rows: Sequence[ReportFinding], kinds: Sequence[str]) -> str:
    first = rows[0].finding
    if is_threat(first):
        return f"{short_resource(resource_of(first))}: {', '.join(kinds)}"
    if first.control_id:
        return f"{first.control_id}: {first.title}"
    return first.type or first.title


def top_risks(
    findings: Sequence[ReportFinding], actions: Sequence[RecommendedAction]
) -> list[TopRisk]:
    groups: dict[str, list[ReportFinding]] = defaultdict(list)
    for row in findings:
        if row.period == "current":
            groups[_risk_key(row)].append(row)
    action_of = {ref: a.ref for a in actions for ref in a.finding_refs}
    risks = []
    for rows in groups.values():
        kinds = _kinds(rows)
        label = highest(r.finding.severity_label for r in rows)
        threat = any(is_threat(r.finding) for r in rows)
        resources = list(dict.fromkeys(resource_of(r.finding) for r in rows))
        refs = [r.ref for r in rows]
        risks.append(
            TopRisk(
                rank=0,
                key=kinds[0],
                title=_risk_title(rows, kinds),
                severity_label=label,
                threat=threat,
                finding_refs=refs,
                resources=resources,
                occurrences=sum(r.finding.count for r in rows),
                new=sum(r.new for r in rows),
                action_ref=next((action_of[r] for r in refs if r in action_of), None),
            )
        )

    def order(risk: TopRisk) -> tuple[int, int, int, int, int, str]:
        effective = SEVERITY_RANK[risk.severity_label] + (1 if risk.threat else 0)
        return (
            -effective,
            -int(risk.threat),
            -len(risk.resources),
            -len(risk.finding_refs),
            -risk.new,
            risk.key,
        )

    risks.sort(key=order)
    return [r.model_copy(update={"rank": i}) for i, r in enumerate(risks[:MAX_TOP_RISKS], start=1)]


def _guide(finding: SecurityFinding, language: str) -> tuple[str, str]:
    """(title, url) of the GuardDuty remediation page for the finding's type."""
    for marker, titles, url in GUARDDUTY_GUIDES:
        if marker in finding.type:
            return titles[language], url
    return NO_GUIDE[language], GUARDDUTY_INDEX


def actions(findings: Sequence[ReportFinding], language: str = "en") -> list[RecommendedAction]:
    """One action per distinct recommendation, most severe findings first."""
    grouped: dict[tuple[str, str, str, str], list[ReportFinding]] = defaultdict(list)
    for row in findings:
        if row.period != "current":
            continue
        f = row.finding
        if f.remediation_text or f.remediation_url:
            title = f"{f.control_id}: {f.title}" if f.control_id else (f.type or f.title)
            key = ("remediation", title, f.remediation_text or "", f.remediation_url or "")
        elif f.source == "guardduty" or f.guardduty_id:
            title, url = _guide(f, language)
            origin = "guardduty-guide" if url != GUARDDUTY_INDEX else "none"
            key = (origin, title, "", url)
        else:
            key = ("none", f.control_id or f.type or f.title, "", "")
        grouped[key].append(row)
    ordered = sorted(
        grouped.items(),
        key=lambda item: (
            -max(SEVERITY_RANK[r.finding.severity_label] for r in item[1]),
            -len(item[1]),
            item[0][1],
        ),
    )
    return [
        RecommendedAction(
            ref=f"A{i}",
            title=title,
            text=text,
            url=url or None,
            origin=origin,  # type: ignore[arg-type]
            finding_refs=[r.ref for r in rows],
        )
        for i, ((origin, title, text, url), rows) in enumerate(ordered, start=1)
    ]


def resources(findings: Sequence[ReportFinding]) -> list[ResourceRow]:
    groups: dict[str, list[ReportFinding]] = defaultdict(list)
    for row in findings:
        if row.period == "current":
            groups[resource_of(row.finding)].append(row)
    rows = [
        ResourceRow(
            resource=name,
            resource_type=items[0].finding.resource_type,
            count=len(items),
            highest=highest(r.finding.severity_label for r in items),
            finding_refs=[r.ref for r in items],
        )
        for name, items in groups.items()
    ]
    rows.sort(key=lambda r: (-r.count, -SEVERITY_RANK[r.highest], r.resource))
    return rows[:MAX_ROWS]
