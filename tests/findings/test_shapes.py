"""Reading Security Hub (ASFF) and GuardDuty findings, the filter both backends apply, and
the de-duplication of GuardDuty findings Security Hub also returns."""

from __future__ import annotations

import pytest

from agent.telemetry.shapes.findings import (
    FindingShapeError,
    deduplicated,
    from_asff,
    from_guardduty,
    in_scope,
)
from agent.telemetry.types import TimeRange
from tests.findings.samples import DETECTOR, asff, at, control, crypto_miner, native, tor_caller

WEEK = TimeRange(start=at("2026-03-20T14:45:00Z"), end=at("2026-03-27T14:45:00Z"))


def test_a_control_finding_names_its_control_resource_remediation_and_console_link() -> None:
    finding = from_asff(asff(control("ECR.1")))

    assert finding.source == "securityhub"
    assert finding.control_id == "ECR.1"
    assert finding.severity_label == "HIGH" and finding.severity_score == 70
    assert finding.resource_type == "AwsEcrRepository"
    assert finding.resource_id.endswith(":repository/payments-api")
    assert (
        finding.remediation_url
        == "https://docs.aws.amazon.com/console/securityhub/ECR.1/remediation"
    )
    assert finding.workflow_status == "NEW" and finding.record_state == "ACTIVE"
    assert finding.guardduty_id is None
    assert finding.console_url is not None
    assert finding.console_url.startswith(
        "https://us-east-1.console.aws.amazon.com/securityhub/home?region=us-east-1#/findings?search=Id%3D"
    )
    # the id is in the filter, double URL-encoded as the console reads it
    assert "arn%253Aaws%253Asecurityhub" in finding.console_url


def test_a_guardduty_finding_reads_its_type_severity_principal_and_count() -> None:
    finding = from_guardduty(native(tor_caller()))

    assert finding.id == "3ac7b1e0f94d2c6a8e5b7d1f0c2a4e69" == finding.guardduty_id
    assert finding.type == "UnauthorizedAccess:IAMUser/TorIPCaller"
    assert finding.severity_label == "MEDIUM" and finding.severity_score == 50
    assert (finding.resource_type, finding.resource_id) == ("AccessKey", "ci-artifacts-uploader")
    assert finding.count == 41
    assert finding.first_seen == at("2026-03-27T14:21:12Z")
    assert finding.remediation_text is None  # GuardDuty findings carry no Remediation
    assert finding.console_url == (
        "https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1"
        "#/findings?macros=current&fId=3ac7b1e0f94d2c6a8e5b7d1f0c2a4e69"
    )


def test_the_security_hub_copy_of_a_guardduty_finding_carries_the_guardduty_id() -> None:
    copy = from_asff(asff(tor_caller()))

    assert (
        copy.id
        == f"arn:aws:guardduty:us-east-1:123456789012:detector/{DETECTOR}/finding/3ac7b1e0f94d2c6a8e5b7d1f0c2a4e69"
    )
    assert copy.guardduty_id == "3ac7b1e0f94d2c6a8e5b7d1f0c2a4e69"
    # ASFF writes TTPs/Initial Access/UnauthorizedAccess:IAMUser-TorIPCaller
    assert copy.type == "UnauthorizedAccess:IAMUser/TorIPCaller"
    assert copy.count == 41  # from ProductFields aws/guardduty/service/count
    assert copy.console_url is not None and "guardduty/home" in copy.console_url


@pytest.mark.parametrize(
    ("severity", "label"),
    [(9.5, "CRITICAL"), (8.9, "HIGH"), (7.0, "HIGH"), (5.0, "MEDIUM"), (3.9, "LOW"), (1.0, "LOW")],
)
def test_guardduty_severity_values_map_to_guardduty_levels(severity: float, label: str) -> None:
    assert from_guardduty(native(crypto_miner(severity=severity))).severity_label == label


def test_a_remediation_link_outside_aws_documentation_is_dropped() -> None:
    document = asff(control())
    document["Remediation"]["Recommendation"]["Url"] = "https://evil.example/fix-now"

    finding = from_asff(document)

    assert finding.remediation_url is None
    assert finding.remediation_text is not None


def test_a_finding_without_its_id_is_refused_naming_the_field() -> None:
    document = asff(control())
    del document["Id"]
    with pytest.raises(FindingShapeError, match="missing Id"):
        from_asff(document)
    with pytest.raises(FindingShapeError, match="Severity"):
        from_guardduty({**native(tor_caller()), "Severity": "high"})


def test_in_scope_keeps_only_active_open_recent_findings_at_the_minimum_severity() -> None:
    kept = from_asff(asff(control()))
    resolved = from_asff(asff(control(workflow="RESOLVED")))
    archived = from_asff(asff(control(record_state="ARCHIVED")))
    old = from_asff(asff(control(updated="2026-03-10T06:20:05Z")))
    archived_guardduty = from_guardduty(native(tor_caller(archived=True)))

    assert in_scope(kept, WEEK, "LOW")
    assert not in_scope(kept, WEEK, "CRITICAL")
    assert not in_scope(resolved, WEEK, "LOW")
    assert not in_scope(archived, WEEK, "LOW")
    assert not in_scope(old, WEEK, "LOW")
    assert not in_scope(archived_guardduty, WEEK, "LOW")
    assert not in_scope(kept, TimeRange(start=WEEK.start, end=kept.updated_at or WEEK.end), "LOW")


def test_a_guardduty_finding_seen_twice_is_kept_once_as_guardduty_wrote_it() -> None:
    imported = from_asff(asff(tor_caller())).model_copy(update={"workflow_status": "NOTIFIED"})
    native_copy = from_guardduty(native(tor_caller()))
    other = from_asff(asff(control()))

    findings, removed = deduplicated([imported, other, native_copy])

    assert removed == 1
    assert [f.source for f in findings] == ["securityhub", "guardduty"]  # HIGH first
    kept = findings[1]
    assert kept.type == "UnauthorizedAccess:IAMUser/TorIPCaller"
    assert kept.workflow_status == "NOTIFIED"  # Security Hub's workflow is kept


def test_findings_are_ordered_most_severe_then_most_recent() -> None:
    newer = from_asff(asff(control(resource_id="arn:aws:ecr:us-east-1:123456789012:repository/a")))
    older = from_asff(
        asff(
            control(
                resource_id="arn:aws:ecr:us-east-1:123456789012:repository/b",
                updated="2026-03-25T06:20:05Z",
            )
        )
    )
    medium = from_asff(asff(control("IAM.3", severity="MEDIUM")))

    findings, _ = deduplicated([medium, older, newer])

    assert [f.id for f in findings] == [newer.id, older.id, medium.id]


def test_a_region_that_is_no_aws_region_gets_no_console_link() -> None:
    # a finding's Region becomes the host of the console link: "evil.example/#" would not
    document = asff(control())
    document["Region"] = "evil.example/#"
    document["Id"] = "custom-finding-1"
    hostile_hub = from_asff(document)
    hostile_duty = from_guardduty({**native(tor_caller()), "Region": "evil.example/#"})

    assert hostile_hub.console_url is None and hostile_duty.console_url is None
    assert from_asff(asff(control())).console_url is not None
