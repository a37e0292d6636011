"""Security Hub (ASFF) and GuardDuty findings -> `SecurityFinding`, the filter both backends
apply, and the de-duplication of GuardDuty findings that also arrive through Security Hub.

Shapes as boto3 returns them (and as a bundle stores them): Security Hub `GetFindings`
answers `{"Findings": [ASFF, ...]}`; GuardDuty `GetFindings` answers `{"Findings": [...]}`
with `Id`, `Arn`, `Type`, `Severity` (a number), `Resource`, `Service` (`Archived`,
`Count`, `EventFirstSeen`, ...). A GuardDuty finding imported into Security Hub keeps its
ARN as the ASFF `Id` (`arn:aws:guardduty:REGION:ACCOUNT:detector/D/finding/F`) under the
product `arn:aws:securityhub:REGION::product/aws/guardduty`; its id `F` is how the two
copies are matched.

Links are fa2's own, never the finding's `SourceUrl` (a third-party product writes what it
likes there); a remediation URL is kept only when it points at AWS documentation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from agent.telemetry.findings_types import (
    SEVERITY_RANK,
    SecurityFinding,
    SeverityLabel,
    severity_at_least,
)
from agent.telemetry.links import console_base
from agent.telemetry.types import TimeRange, as_utc

GUARDDUTY_PRODUCT_SUFFIX = "::product/aws/guardduty"
# Security Hub workflow states that still need someone's attention.
OPEN_WORKFLOW = ("NEW", "NOTIFIED")
# Hosts whose remediation links a report repeats (AWS documentation and consoles).
_TRUSTED_LINK_HOSTS = ("docs.aws.amazon.com", "docs.amazonaws.cn")
_TRUSTED_LINK_SUFFIXES = (".console.aws.amazon.com", ".console.amazonaws.cn")


class FindingShapeError(ValueError):
    """A finding object lacks what every finding has; the message names the field."""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str) and value.strip():
        try:
            return as_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def _count(value: Any) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def label_for_normalized(score: float) -> SeverityLabel:
    """Security Hub's mapping of a Normalized severity (0-100) to its label."""
    if score >= 90:
        return "CRITICAL"
    if score >= 70:
        return "HIGH"
    if score >= 40:
        return "MEDIUM"
    if score >= 1:
        return "LOW"
    return "INFORMATIONAL"


def label_for_guardduty(score: float) -> SeverityLabel:
    """GuardDuty's severity levels: Critical 9.0-10.0, High 7.0-8.9, Medium 4.0-6.9, Low 1.0-3.9."""
    if score >= 9:
        return "CRITICAL"
    if score >= 7:
        return "HIGH"
    if score >= 4:
        return "MEDIUM"
    if score >= 1:
        return "LOW"
    return "INFORMATIONAL"


def trusted_link(url: Any) -> str | None:
    """`url` when it is an https link to AWS documentation or an AWS console, else None."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if any(c.isspace() or c in "<>\"'`" for c in url.strip()):
        return None
    if parts.scheme != "https" or not (
        host in _TRUSTED_LINK_HOSTS or host.endswith(_TRUSTED_LINK_SUFFIXES)
    ):
        return None
    return url.strip()


# ---------------------------------------------------------------- console links


# A region name as AWS writes them (us-east-1, ap-northeast-3, us-gov-west-1, cn-north-1): a
# finding's Region is data, and it becomes the host of a console link.
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")


def is_region(text: str) -> bool:
    return _REGION.fullmatch(text) is not None


def securityhub_finding_url(region: str, finding_id: str) -> str | None:
    """The Security Hub findings page filtered to this one finding (the console reads its
    search filter double URL-encoded); None for a region that is no AWS region name."""
    if not is_region(region):
        return None
    encoded = quote(quote(finding_id, safe=""), safe="")
    return (
        f"{console_base(region)}/securityhub/home?region={region}"
        f"#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A{encoded}"
    )


def guardduty_finding_url(region: str, finding_id: str) -> str | None:
    """The GuardDuty console with this finding open; None for a region that is no AWS region."""
    if not is_region(region):
        return None
    return (
        f"{console_base(region)}/guardduty/home?region={region}"
        f"#/findings?macros=current&fId={quote(finding_id, safe='')}"
    )


# ---------------------------------------------------------------- Security Hub (ASFF)


def guardduty_id_of_asff(finding: Mapping[str, Any]) -> str | None:
    """The GuardDuty finding id of an ASFF finding GuardDuty sent to Security Hub, else None."""
    if not _text(finding.get("ProductArn")).endswith(GUARDDUTY_PRODUCT_SUFFIX):
        return None
    _, marker, tail = _text(finding.get("Id")).rpartition("/finding/")
    return (tail or None) if marker else None


def guardduty_type_of_asff(asff_type: str) -> str:
    """GuardDuty's own type from the ASFF type Security Hub gives it: the last segment of
    `Namespace/Category/ThreatPurpose:ResourceType-ThreatFamily.Artifact`, its first `-`
    (which stands for GuardDuty's `/`) put back: `UnauthorizedAccess:IAMUser/TorIPCaller`."""
    last = asff_type.rsplit("/", 1)[-1]
    head, colon, tail = last.partition(":")
    return f"{head}:{tail.replace('-', '/', 1)}" if colon else asff_type


def _control_id(finding: Mapping[str, Any]) -> str | None:
    compliance = finding.get("Compliance")
    if isinstance(compliance, Mapping) and _text(compliance.get("SecurityControlId")):
        return _text(compliance.get("SecurityControlId"))
    generator = _text(finding.get("GeneratorId"))
    if generator.startswith("security-control/"):
        return generator.removeprefix("security-control/")
    fields = finding.get("ProductFields")
    if isinstance(fields, Mapping) and _text(fields.get("ControlId")):
        return _text(fields.get("ControlId"))
    return None


def from_asff(finding: Any) -> SecurityFinding:
    """One ASFF finding (an item of Security Hub's GetFindings `Findings`)."""
    if not isinstance(finding, Mapping):
        raise FindingShapeError(f"expected an ASFF finding object, got {type(finding).__name__}")
    missing = [k for k in ("Id", "ProductArn", "AwsAccountId") if not _text(finding.get(k))]
    if missing:
        raise FindingShapeError("missing " + ", ".join(missing))
    severity = finding.get("Severity") if isinstance(finding.get("Severity"), Mapping) else {}
    assert isinstance(severity, Mapping)
    label = _text(severity.get("Label")).upper()
    normalized = severity.get("Normalized")
    score = float(normalized) if isinstance(normalized, int | float) else None
    if label not in SEVERITY_RANK:
        if score is None:
            raise FindingShapeError(
                "Severity needs a Label (CRITICAL … INFORMATIONAL) or Normalized"
            )
        label = label_for_normalized(score)
    if score is None:
        score = {"CRITICAL": 90.0, "HIGH": 70.0, "MEDIUM": 40.0, "LOW": 1.0}.get(label, 0.0)
    types = finding.get("Types") or (finding.get("FindingProviderFields") or {}).get("Types") or []
    resources = finding.get("Resources") if isinstance(finding.get("Resources"), list) else []
    resource = resources[0] if resources and isinstance(resources[0], Mapping) else {}
    remediation = (finding.get("Remediation") or {}).get("Recommendation") or {}
    workflow = finding.get("Workflow") if isinstance(finding.get("Workflow"), Mapping) else {}
    assert isinstance(workflow, Mapping)
    fields = (
        finding.get("ProductFields") if isinstance(finding.get("ProductFields"), Mapping) else {}
    )
    assert isinstance(fields, Mapping)
    region = _text(finding.get("Region"))
    if not is_region(region):
        region = _region_of_arn(_text(finding.get("Id"))) or region
    guardduty_id = guardduty_id_of_asff(finding)
    finding_id = _text(finding["Id"])
    first_type = _text(types[0]) if isinstance(types, list) and types else ""
    return SecurityFinding(
        id=finding_id,
        source="securityhub",
        product_arn=_text(finding.get("ProductArn")),
        generator_id=_text(finding.get("GeneratorId")),
        type=guardduty_type_of_asff(first_type) if guardduty_id else first_type,
        title=_text(finding.get("Title")),
        description=_text(finding.get("Description")),
        severity_label=label,  # type: ignore[arg-type]
        severity_score=score,
        account_id=_text(finding.get("AwsAccountId")),
        region=region,
        resource_type=_text(resource.get("Type")),
        resource_id=_text(resource.get("Id")),
        created_at=_time(finding.get("CreatedAt")),
        updated_at=_time(finding.get("UpdatedAt")),
        first_seen=_time(finding.get("FirstObservedAt")),
        last_seen=_time(finding.get("LastObservedAt")),
        count=_count(fields.get("aws/guardduty/service/count", 1)),
        remediation_text=_text(remediation.get("Text")) or None,
        remediation_url=trusted_link(remediation.get("Url")),
        console_url=guardduty_finding_url(region, guardduty_id)
        if guardduty_id
        else securityhub_finding_url(region, finding_id),
        workflow_status=_text(workflow.get("Status"))
        or _text(finding.get("WorkflowState"))
        or None,
        record_state=_text(finding.get("RecordState")) or None,
        guardduty_id=guardduty_id,
        control_id=_control_id(finding),
    )


def _region_of_arn(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and arn.startswith("arn:") else ""


# ---------------------------------------------------------------- GuardDuty


def _guardduty_resource(resource: Mapping[str, Any]) -> tuple[str, str]:
    """(resource type, the resource a person would name) of a GuardDuty `Resource`."""
    kind = _text(resource.get("ResourceType"))
    key = resource.get("AccessKeyDetails")
    if isinstance(key, Mapping) and (key.get("UserName") or key.get("AccessKeyId")):
        # The principal, not the key id: an access key id is half a credential, and fa2
        # redacts it wherever it shows text (agent/redact.py).
        return kind or "AccessKey", _text(key.get("UserName")) or _text(key.get("AccessKeyId"))
    instance = resource.get("InstanceDetails")
    if isinstance(instance, Mapping) and instance.get("InstanceId"):
        return kind or "Instance", _text(instance.get("InstanceId"))
    buckets = resource.get("S3BucketDetails")
    if isinstance(buckets, list) and buckets and isinstance(buckets[0], Mapping):
        return kind or "S3Bucket", _text(buckets[0].get("Name") or buckets[0].get("Arn"))
    cluster = resource.get("EksClusterDetails")
    if isinstance(cluster, Mapping) and cluster.get("Name"):
        return kind or "EKSCluster", _text(cluster.get("Name"))
    function = resource.get("LambdaDetails")
    if isinstance(function, Mapping) and function.get("FunctionName"):
        return kind or "Lambda", _text(function.get("FunctionName"))
    return kind, ""


def from_guardduty(finding: Any) -> SecurityFinding:
    """One finding of GuardDuty's GetFindings `Findings`."""
    if not isinstance(finding, Mapping):
        raise FindingShapeError(
            f"expected a GuardDuty finding object, got {type(finding).__name__}"
        )
    missing = [k for k in ("Id", "Type", "AccountId", "Region") if not _text(finding.get(k))]
    severity = finding.get("Severity")
    if isinstance(severity, bool) or not isinstance(severity, int | float):
        missing.append("Severity (a number 1.0-10.0)")
    if missing:
        raise FindingShapeError("missing " + ", ".join(missing))
    assert isinstance(severity, int | float)
    service = finding.get("Service") if isinstance(finding.get("Service"), Mapping) else {}
    assert isinstance(service, Mapping)
    resource = finding.get("Resource") if isinstance(finding.get("Resource"), Mapping) else {}
    assert isinstance(resource, Mapping)
    resource_type, resource_id = _guardduty_resource(resource)
    region = _text(finding["Region"])
    finding_id = _text(finding["Id"])
    return SecurityFinding(
        id=finding_id,
        source="guardduty",
        product_arn=f"arn:aws:securityhub:{region}{GUARDDUTY_PRODUCT_SUFFIX}",
        generator_id=_text(finding.get("Arn")).partition("/finding/")[0],
        type=_text(finding["Type"]),
        title=_text(finding.get("Title")),
        description=_text(finding.get("Description")),
        severity_label=label_for_guardduty(float(severity)),
        severity_score=round(float(severity) * 10, 1),
        account_id=_text(finding["AccountId"]),
        region=region,
        resource_type=resource_type,
        resource_id=resource_id,
        created_at=_time(finding.get("CreatedAt")),
        updated_at=_time(finding.get("UpdatedAt")),
        first_seen=_time(service.get("EventFirstSeen")),
        last_seen=_time(service.get("EventLastSeen")),
        count=_count(service.get("Count", 1)),
        console_url=guardduty_finding_url(region, finding_id),
        record_state="ARCHIVED" if service.get("Archived") is True else "ACTIVE",
        guardduty_id=finding_id,
    )


# ---------------------------------------------------------------- filter and de-duplication


def in_scope(finding: SecurityFinding, time_range: TimeRange, min_severity: str) -> bool:
    """Active, still open, updated within the range and at least `min_severity`: what both
    backends keep (the AWS one also asks the services to filter; this re-check makes the two
    agree whatever a service or a stand-in did with the filters)."""
    if finding.record_state not in (None, "ACTIVE"):
        return False
    if finding.source == "securityhub" and finding.workflow_status not in (None, *OPEN_WORKFLOW):
        return False
    if finding.updated_at is None or not (time_range.start <= finding.updated_at < time_range.end):
        return False
    return severity_at_least(finding.severity_label, min_severity)


def deduplicated(findings: Iterable[SecurityFinding]) -> tuple[list[SecurityFinding], int]:
    """One finding per GuardDuty finding (the native one wins: it has GuardDuty's own type
    and resource; Security Hub's workflow status is kept on it) and per Security Hub id;
    most severe first, then most recently updated. Returns (findings, duplicates removed)."""
    kept: dict[str, SecurityFinding] = {}
    removed = 0
    for finding in findings:
        key = finding.dedup_key
        earlier = kept.get(key)
        if earlier is None:
            kept[key] = finding
            continue
        removed += 1
        native, imported = (
            (earlier, finding) if earlier.source == "guardduty" else (finding, earlier)
        )
        if native.source == "guardduty" and imported.source == "securityhub":
            kept[key] = native.model_copy(
                update={"workflow_status": imported.workflow_status or native.workflow_status}
            )
        elif _newer(finding, earlier):
            kept[key] = finding
    ordered = sorted(
        kept.values(),
        key=lambda f: (
            -SEVERITY_RANK.get(f.severity_label, 0),
            -f.severity_score,
            -(f.updated_at.timestamp() if f.updated_at else 0.0),
            f.id,
        ),
    )
    return ordered, removed


def _newer(a: SecurityFinding, b: SecurityFinding) -> bool:
    return (a.updated_at is not None) and (b.updated_at is None or a.updated_at > b.updated_at)
