"""Findings in the shapes the services return them, built with the eval generators' own
builders (the same shapes the demo bundle holds)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from evals.generators.common import Ids, seeded_rng, utc
from evals.generators.findings import (
    ControlFinding,
    GuardDutyFinding,
    access_key_resource,
    api_call_action,
    instance_resource,
)

DETECTOR = "6ec4a1f2b9d83e7c50a1f29d4b7e3c18"
TOR_IP = "185.220.101.47"


def tor_caller(
    *, updated: str = "2026-03-27T14:41:03.220Z", archived: bool = False, finding_id: str = ""
) -> GuardDutyFinding:
    return GuardDutyFinding(
        type="UnauthorizedAccess:IAMUser/TorIPCaller",
        severity=5.0,
        title="API ListUsers was invoked from a Tor exit node IP address.",
        description=f"API ListUsers was invoked from a Tor exit node IP address {TOR_IP} by "
        "IAM user ci-artifacts-uploader.",
        created=utc("2026-03-27T14:27:41.512Z"),
        updated=utc(updated),
        first_seen=utc("2026-03-27T14:21:12Z"),
        last_seen=utc("2026-03-27T14:39:04Z"),
        count=41,
        resource=access_key_resource(
            "ci-artifacts-uploader", "AKIAZ6EXAMPLECIKEY07", "AIDAZ6EXAMPLECIUSER7"
        ),
        action=api_call_action("ListUsers", "iam.amazonaws.com", TOR_IP, "Germany", "Tor"),
        archived=archived,
        id=finding_id or "3ac7b1e0f94d2c6a8e5b7d1f0c2a4e69",
    )


def crypto_miner(*, severity: float = 8.0, finding_id: str = "") -> GuardDutyFinding:
    return GuardDutyFinding(
        type="CryptoCurrency:EC2/BitcoinTool.B!DNS",
        severity=severity,
        title="EC2 instance i-0b7e41c29d3f5a806 is querying a domain name that is associated "
        "with Bitcoin-related activity.",
        description="EC2 instance i-0b7e41c29d3f5a806 is querying xmr.pool.minergate.com.",
        created=utc("2026-03-25T03:12:45.301Z"),
        updated=utc("2026-03-26T08:50:11.902Z"),
        first_seen=utc("2026-03-25T02:58:02Z"),
        last_seen=utc("2026-03-26T08:31:40Z"),
        count=212,
        resource=instance_resource("i-0b7e41c29d3f5a806", "c5.2xlarge", "ami-0c7217cdde317cfec"),
        action={"ActionType": "DNS_REQUEST"},
        id=finding_id or "8d2f6a1c0b9e4d7f3a5c1e8b6d0f2a47",
    )


def control(
    control_id: str = "ECR.1",
    *,
    severity: str = "HIGH",
    resource_id: str = "arn:aws:ecr:us-east-1:123456789012:repository/payments-api",
    updated: str = "2026-03-27T06:20:05.118Z",
    created: str = "2026-02-10T06:20:11.430Z",
    workflow: str = "NEW",
    record_state: str = "ACTIVE",
    finding_id: str = "",
    title: str = "ECR private repositories should have image scanning configured",
) -> ControlFinding:
    return ControlFinding(
        control=control_id,
        title=title,
        description="This control checks whether a private Amazon ECR repository has image "
        "scanning configured.",
        severity=severity,
        resource_type="AwsEcrRepository",
        resource_id=resource_id,
        created=utc(created),
        updated=utc(updated),
        workflow=workflow,
        record_state=record_state,
        id=finding_id or Ids(seeded_rng(control_id + resource_id + updated)).uuid4(),
    )


def asff(finding: ControlFinding | GuardDutyFinding) -> dict[str, Any]:
    if isinstance(finding, GuardDutyFinding):
        return finding.in_security_hub(DETECTOR)
    return finding.asff()


def native(finding: GuardDutyFinding) -> dict[str, Any]:
    return finding.native(DETECTOR)


def at(text: str) -> datetime:
    return utc(text)
