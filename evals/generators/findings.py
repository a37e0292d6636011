"""Security findings for scenario bundles, in the shapes the services return them:
GuardDuty `GetFindings` items and Security Hub `GetFindings` items (ASFF), including the ASFF
copy Security Hub makes of every GuardDuty finding (same `Id` as the GuardDuty ARN, product
`aws/guardduty`, `ProductFields` "aws/guardduty/service/..."), so a bundle exercises the
de-duplication the report does.

Shapes follow the AWS API references and real findings: the GuardDuty finding format
(`Service.Archived`, `Count`, `EventFirstSeen`, `ResourceRole`), Security Hub consolidated
control findings (`security-control/IAM.3/finding/<uuid>`, `Compliance.SecurityControlId`,
`Remediation.Recommendation` pointing at the control's documentation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from evals.generators.common import ACCOUNT_ID, REGION, BundleWriter, Ids, iso_ms_z

GUARDDUTY_PRODUCT = f"arn:aws:securityhub:{REGION}::product/aws/guardduty"
SECURITYHUB_PRODUCT = f"arn:aws:securityhub:{REGION}::product/aws/securityhub"
FSBP_TYPE = (
    "Software and Configuration Checks/Industry and Regulatory Standards/"
    "AWS-Foundational-Security-Best-Practices"
)


def _label(severity: float) -> str:
    if severity >= 9:
        return "CRITICAL"
    if severity >= 7:
        return "HIGH"
    if severity >= 4:
        return "MEDIUM"
    return "LOW"


@dataclass
class GuardDutyFinding:
    """One GuardDuty finding on an IAM access key or an EC2 instance."""

    type: str
    severity: float
    title: str
    description: str
    created: datetime
    updated: datetime
    first_seen: datetime
    last_seen: datetime
    count: int
    resource: dict[str, Any]
    action: dict[str, Any]
    archived: bool = False
    id: str = ""

    def native(self, detector: str) -> dict[str, Any]:
        """As GuardDuty's GetFindings returns it."""
        return {
            "AccountId": ACCOUNT_ID,
            "Arn": self.arn(detector),
            "CreatedAt": iso_ms_z(self.created),
            "Description": self.description,
            "Id": self.id,
            "Partition": "aws",
            "Region": REGION,
            "Resource": self.resource,
            "SchemaVersion": "2.0",
            "Service": {
                "Action": self.action,
                "Archived": self.archived,
                "Count": self.count,
                "DetectorId": detector,
                "EventFirstSeen": iso_ms_z(self.first_seen),
                "EventLastSeen": iso_ms_z(self.last_seen),
                "ResourceRole": "TARGET",
                "ServiceName": "guardduty",
            },
            "Severity": self.severity,
            "Title": self.title,
            "Type": self.type,
            "UpdatedAt": iso_ms_z(self.updated),
        }

    def arn(self, detector: str) -> str:
        return f"arn:aws:guardduty:{REGION}:{ACCOUNT_ID}:detector/{detector}/finding/{self.id}"

    def in_security_hub(self, detector: str) -> dict[str, Any]:
        """The ASFF copy Security Hub imports (types written `Namespace/Category/Type` with
        GuardDuty's `/` as `-`)."""
        namespace = {
            "UnauthorizedAccess": "TTPs/Initial Access",
            "Recon": "TTPs/Discovery",
            "Discovery": "TTPs/Discovery",
            "Persistence": "TTPs/Persistence",
            "CryptoCurrency": "Effects/Resource Consumption",
        }.get(self.type.split(":")[0], "Unusual Behaviors")
        label = _label(self.severity)
        return {
            "SchemaVersion": "2018-10-08",
            "Id": self.arn(detector),
            "ProductArn": GUARDDUTY_PRODUCT,
            "ProductName": "GuardDuty",
            "CompanyName": "Amazon",
            "Region": REGION,
            "GeneratorId": f"arn:aws:guardduty:{REGION}:{ACCOUNT_ID}:detector/{detector}",
            "AwsAccountId": ACCOUNT_ID,
            "Types": [f"{namespace}/{self.type.replace('/', '-')}"],
            "FirstObservedAt": iso_ms_z(self.first_seen),
            "LastObservedAt": iso_ms_z(self.last_seen),
            "CreatedAt": iso_ms_z(self.created),
            "UpdatedAt": iso_ms_z(self.updated),
            "Severity": {
                "Product": self.severity,
                "Label": label,
                "Normalized": int(self.severity * 10),
            },
            "Title": self.title,
            "Description": self.description,
            "ProductFields": {
                "aws/guardduty/service/archived": str(self.archived).lower(),
                "aws/guardduty/service/count": str(self.count),
                "aws/guardduty/service/detectorId": detector,
                "aws/guardduty/service/eventFirstSeen": iso_ms_z(self.first_seen),
                "aws/guardduty/service/eventLastSeen": iso_ms_z(self.last_seen),
                "aws/guardduty/service/resourceRole": "TARGET",
                "aws/guardduty/service/serviceName": "guardduty",
                "aws/securityhub/FindingId": f"{GUARDDUTY_PRODUCT}/{self.arn(detector)}",
                "aws/securityhub/ProductName": "GuardDuty",
                "aws/securityhub/CompanyName": "Amazon",
            },
            "Resources": [_asff_resource(self.resource)],
            "WorkflowState": "NEW",
            "Workflow": {"Status": "NEW"},
            "RecordState": "ARCHIVED" if self.archived else "ACTIVE",
            "FindingProviderFields": {
                "Severity": {"Label": label},
                "Types": [f"{namespace}/{self.type.replace('/', '-')}"],
            },
            "Sample": False,
            "ProcessedAt": iso_ms_z(self.updated),
        }


def _asff_resource(resource: dict[str, Any]) -> dict[str, Any]:
    key = resource.get("AccessKeyDetails")
    if key:
        return {
            "Type": "AwsIamAccessKey",
            "Id": f"AWS::IAM::AccessKey:{key['AccessKeyId']}",
            "Partition": "aws",
            "Region": REGION,
            "Details": {
                "AwsIamAccessKey": {
                    "PrincipalId": key["PrincipalId"],
                    "PrincipalType": key["UserType"],
                    "PrincipalName": key["UserName"],
                }
            },
        }
    instance = resource["InstanceDetails"]
    return {
        "Type": "AwsEc2Instance",
        "Id": f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:instance/{instance['InstanceId']}",
        "Partition": "aws",
        "Region": REGION,
        "Details": {"AwsEc2Instance": {"Type": instance.get("InstanceType", "")}},
    }


def access_key_resource(user: str, access_key: str, principal_id: str) -> dict[str, Any]:
    return {
        "ResourceType": "AccessKey",
        "AccessKeyDetails": {
            "AccessKeyId": access_key,
            "PrincipalId": principal_id,
            "UserName": user,
            "UserType": "IAMUser",
        },
    }


def instance_resource(instance_id: str, instance_type: str, image_id: str) -> dict[str, Any]:
    return {
        "ResourceType": "Instance",
        "InstanceDetails": {
            "InstanceId": instance_id,
            "InstanceType": instance_type,
            "ImageId": image_id,
            "InstanceState": "running",
            "AvailabilityZone": f"{REGION}a",
        },
    }


def api_call_action(api: str, service: str, ip: str, country: str, org: str) -> dict[str, Any]:
    return {
        "ActionType": "AWS_API_CALL",
        "AwsApiCallAction": {
            "Api": api,
            "CallerType": "Remote IP",
            "ServiceName": service,
            "RemoteIpDetails": {
                "IpAddressV4": ip,
                "Country": {"CountryName": country},
                "Organization": {"Asn": "0", "AsnOrg": org, "Isp": org, "Org": org},
            },
        },
    }


def dns_action(domain: str) -> dict[str, Any]:
    return {
        "ActionType": "DNS_REQUEST",
        "DnsRequestAction": {"Domain": domain, "Protocol": "UDP", "Blocked": False},
    }


@dataclass
class ControlFinding:
    """A Security Hub consolidated control finding (FSBP) that FAILED on one resource."""

    control: str
    title: str
    description: str
    severity: str
    resource_type: str
    resource_id: str
    created: datetime
    updated: datetime
    workflow: str = "NEW"
    record_state: str = "ACTIVE"
    id: str = ""

    def asff(self) -> dict[str, Any]:
        normalized = {"CRITICAL": 90, "HIGH": 70, "MEDIUM": 40, "LOW": 1}.get(self.severity, 0)
        return {
            "SchemaVersion": "2018-10-08",
            "Id": f"arn:aws:securityhub:{REGION}:{ACCOUNT_ID}:security-control/{self.control}/finding/{self.id}",
            "ProductArn": SECURITYHUB_PRODUCT,
            "ProductName": "Security Hub",
            "CompanyName": "AWS",
            "Region": REGION,
            "GeneratorId": f"security-control/{self.control}",
            "AwsAccountId": ACCOUNT_ID,
            "Types": [FSBP_TYPE],
            "FirstObservedAt": iso_ms_z(self.created),
            "LastObservedAt": iso_ms_z(self.updated),
            "CreatedAt": iso_ms_z(self.created),
            "UpdatedAt": iso_ms_z(self.updated),
            "Severity": {
                "Label": self.severity,
                "Normalized": normalized,
                "Original": self.severity,
            },
            "Title": self.title,
            "Description": self.description,
            "Remediation": {
                "Recommendation": {
                    "Text": "For information on how to correct this issue, consult the AWS "
                    "Security Hub controls documentation.",
                    "Url": f"https://docs.aws.amazon.com/console/securityhub/{self.control}/remediation",
                }
            },
            "ProductFields": {
                "RelatedAWSResources:0/name": f"securityhub-{self.control.lower().replace('.', '-')}",
                "RelatedAWSResources:0/type": "AWS::Config::ConfigRule",
                "aws/securityhub/ProductName": "Security Hub",
                "aws/securityhub/CompanyName": "AWS",
                "aws/securityhub/annotation": "The resource failed the control's check.",
                "aws/securityhub/FindingId": f"{SECURITYHUB_PRODUCT}/arn:aws:securityhub:{REGION}:{ACCOUNT_ID}:security-control/{self.control}/finding/{self.id}",
            },
            "Resources": [
                {
                    "Type": self.resource_type,
                    "Id": self.resource_id,
                    "Partition": "aws",
                    "Region": REGION,
                }
            ],
            "Compliance": {
                "Status": "FAILED",
                "SecurityControlId": self.control,
                "AssociatedStandards": [
                    {"StandardsId": "standards/aws-foundational-security-best-practices/v/1.0.0"}
                ],
            },
            "WorkflowState": "NEW" if self.workflow == "NEW" else "IN_PROGRESS",
            "Workflow": {"Status": self.workflow},
            "RecordState": self.record_state,
            "FindingProviderFields": {
                "Severity": {"Label": self.severity, "Original": self.severity},
                "Types": [FSBP_TYPE],
            },
        }


@dataclass(frozen=True)
class Control:
    """What AWS Foundational Security Best Practices says of one control: the same words on
    every finding of it, whichever scenario raises it."""

    title: str
    description: str
    severity: str
    resource_type: str


FSBP_CONTROLS: dict[str, Control] = {
    "EC2.13": Control(
        title="Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22",
        description="This control checks whether an Amazon EC2 security group allows ingress from 0.0.0.0/0 or ::/0 to port 22. The control fails if the security group allows ingress from 0.0.0.0/0 or ::/0 to port 22.",
        severity="HIGH",
        resource_type="AwsEc2SecurityGroup",
    ),
    "EC2.18": Control(
        title="Security groups should only allow unrestricted incoming traffic for authorized ports",
        description="This control checks whether an Amazon EC2 security group permits unrestricted incoming traffic from unauthorized ports.",
        severity="HIGH",
        resource_type="AwsEc2SecurityGroup",
    ),
    "EC2.19": Control(
        title="Security groups should not allow unrestricted access to ports with high risk",
        description="This control checks whether unrestricted incoming traffic for an Amazon EC2 security group is accessible to the specified ports that are considered to be high risk. This control fails if any of the rules in a security group allow ingress traffic from '0.0.0.0/0' or '::/0' to those ports.",
        severity="CRITICAL",
        resource_type="AwsEc2SecurityGroup",
    ),
    "EC2.8": Control(
        title="EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)",
        description="This control checks whether your Amazon EC2 instance metadata version is configured with Instance Metadata Service Version 2 (IMDSv2). The control passes if HttpTokens is set to required for IMDSv2.",
        severity="HIGH",
        resource_type="AwsEc2Instance",
    ),
    "ECR.1": Control(
        title="ECR private repositories should have image scanning configured",
        description="This control checks whether a private Amazon ECR repository has image scanning configured. The control fails if the repository isn't configured to scan on push or continuous scanning.",
        severity="HIGH",
        resource_type="AwsEcrRepository",
    ),
    "IAM.3": Control(
        title="IAM users' access keys should be rotated every 90 days or less",
        description="This AWS control checks whether the active access keys are rotated within the number of days specified in maxAccessKeyAge (default 90).",
        severity="MEDIUM",
        resource_type="AwsIamUser",
    ),
    "RDS.3": Control(
        title="RDS DB instances should have encryption at-rest enabled",
        description="This control checks whether storage encryption is enabled for your Amazon RDS DB instances.",
        severity="MEDIUM",
        resource_type="AwsRdsDbInstance",
    ),
    "S3.8": Control(
        title="S3 general purpose buckets should block public access",
        description="This control checks whether an Amazon S3 general purpose bucket blocks public access at the bucket level.",
        severity="HIGH",
        resource_type="AwsS3Bucket",
    ),
}


def failed_control(
    control: str,
    *,
    resource_id: str,
    created: datetime,
    updated: datetime,
    workflow: str = "NEW",
    record_state: str = "ACTIVE",
) -> ControlFinding:
    """A FAILED finding of a catalogued control on one resource."""
    known = FSBP_CONTROLS[control]
    return ControlFinding(
        control=control,
        title=known.title,
        description=known.description,
        severity=known.severity,
        resource_type=known.resource_type,
        resource_id=resource_id,
        created=created,
        updated=updated,
        workflow=workflow,
        record_state=record_state,
    )


@dataclass
class FindingsWriter:
    """Collects a scenario's findings and writes `findings/guardduty/*.json` and
    `findings/securityhub/*.json` (GuardDuty's findings also in Security Hub, as AWS does)."""

    ids: Ids
    detector: str = ""
    guardduty: list[GuardDutyFinding] = field(default_factory=list)
    controls: list[ControlFinding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.detector = self.detector or self.ids.hex(32)

    def add_guardduty(self, finding: GuardDutyFinding) -> GuardDutyFinding:
        finding.id = finding.id or self.ids.hex(32)
        self.guardduty.append(finding)
        return finding

    def add_control(self, finding: ControlFinding) -> ControlFinding:
        finding.id = finding.id or self.ids.uuid4()
        self.controls.append(finding)
        return finding

    def write(self, writer: BundleWriter) -> None:
        native = [f.native(self.detector) for f in self.guardduty]
        writer.json(
            f"findings/guardduty/{ACCOUNT_ID}_{REGION}_GetFindings.json",
            {"Findings": native},
            indent=2,
        )
        imported = [f.in_security_hub(self.detector) for f in self.guardduty]
        controls = [f.asff() for f in self.controls]
        writer.json(
            f"findings/securityhub/{ACCOUNT_ID}_{REGION}_GetFindings.json",
            {"Findings": controls + imported},
            indent=2,
        )
