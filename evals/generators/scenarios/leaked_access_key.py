"""security: the long-term access key of the CI user ci-artifacts-uploader is used from a
Tor exit node to enumerate the account; almost everything is denied, but the ECR image
pulls it is allowed succeed. CloudTrail and the CIS unauthorized-calls metric are the
evidence. A developer's own AccessDenied in the console is the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import sso_user
from evals.generators.cloudtrail import Principal, Trail, resource, table_arn
from evals.generators.common import ACCOUNT_ID, BundleWriter, Ids, minutes, seeded_rng, utc
from evals.generators.findings import (
    FindingsWriter,
    GuardDutyFinding,
    access_key_resource,
    api_call_action,
    dns_action,
    failed_control,
    instance_resource,
)
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile, count_by_minute

NAME = "leaked-access-key"
START, END = utc("2026-03-27T14:00:00Z"), utc("2026-03-27T14:45:00Z")
ABUSE = utc("2026-03-27T14:21:12Z")
USER = "ci-artifacts-uploader"
KEY = "AKIAZ6EXAMPLECIKEY07"
ATTACKER_IP = "185.220.101.47"
REPOS = ["payments-api", "checkout", "ledger-worker"]

CI = Principal(
    "IAMUser",
    USER,
    source_ip="4.175.112.61",
    access_key=KEY,
    user_agent="aws-sdk-go-v2/1.25.2 os/linux lang/go#1.21.7 md/GOOS#linux md/GOARCH#amd64 api/ecr#1.27.1",
)
ATTACKER = Principal(
    "IAMUser",
    USER,
    source_ip=ATTACKER_IP,
    access_key=KEY,
    user_agent="aws-cli/1.18.69 Python/2.7.18 Linux/5.4.0-150-generic botocore/1.16.19",
)


def _denied(action: str, resource_arn: str) -> str:
    return (
        f"User: arn:aws:iam::{ACCOUNT_ID}:user/{USER} is not authorized to perform: {action} "
        f"on resource: {resource_arn} because no identity-based policy allows the {action} action"
    )


def _ci_push(trail: Trail, ids: Ids, at: datetime) -> None:
    """A pipeline run: log in to ECR, push one image layer and the manifest."""
    repo = ids.rng.choice(REPOS)
    trail.call(
        at,
        CI,
        "ecr.amazonaws.com",
        "GetAuthorizationToken",
        read_only=True,
        request={"registryIds": [ACCOUNT_ID]},
    )
    upload = ids.uuid4()
    trail.call(
        at + timedelta(seconds=6),
        CI,
        "ecr.amazonaws.com",
        "InitiateLayerUpload",
        read_only=False,
        request={"repositoryName": repo, "registryId": ACCOUNT_ID},
        response={"uploadId": upload, "partSize": 10485760},
    )
    trail.call(
        at + timedelta(seconds=19),
        CI,
        "ecr.amazonaws.com",
        "CompleteLayerUpload",
        read_only=False,
        request={
            "repositoryName": repo,
            "uploadId": upload,
            "layerDigests": [f"sha256:{ids.hex(64)}"],
        },
        response={
            "registryId": ACCOUNT_ID,
            "repositoryName": repo,
            "uploadId": upload,
            "layerDigest": f"sha256:{ids.hex(64)}",
        },
    )
    trail.call(
        at + timedelta(seconds=21),
        CI,
        "ecr.amazonaws.com",
        "PutImage",
        read_only=False,
        request={
            "repositoryName": repo,
            "imageTag": f"git-{ids.hex(7)}",
            "imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json",
        },
        response={
            "image": {
                "registryId": ACCOUNT_ID,
                "repositoryName": repo,
                "imageId": {"imageDigest": f"sha256:{ids.hex(64)}"},
            }
        },
    )


def _abuse(trail: Trail, ids: Ids) -> None:
    at = ABUSE

    def step(seconds: float) -> datetime:
        return at + timedelta(seconds=seconds)

    trail.call(
        step(0), ATTACKER, "sts.amazonaws.com", "GetCallerIdentity", read_only=True, request=None
    )
    denied: list[tuple[str, str, str, str, dict[str, Any] | None, str]] = [
        (
            "s3.amazonaws.com",
            "ListBuckets",
            "AccessDenied",
            "s3:ListAllMyBuckets",
            None,
            "arn:aws:s3:::*",
        ),
        (
            "iam.amazonaws.com",
            "ListUsers",
            "AccessDenied",
            "iam:ListUsers",
            None,
            f"arn:aws:iam::{ACCOUNT_ID}:user/",
        ),
        (
            "iam.amazonaws.com",
            "ListAttachedUserPolicies",
            "AccessDenied",
            "iam:ListAttachedUserPolicies",
            {"userName": USER},
            f"arn:aws:iam::{ACCOUNT_ID}:user/{USER}",
        ),
        (
            "iam.amazonaws.com",
            "CreateAccessKey",
            "AccessDenied",
            "iam:CreateAccessKey",
            {"userName": USER},
            f"arn:aws:iam::{ACCOUNT_ID}:user/{USER}",
        ),
        (
            "iam.amazonaws.com",
            "CreateUser",
            "AccessDenied",
            "iam:CreateUser",
            {"userName": "support-backup"},
            f"arn:aws:iam::{ACCOUNT_ID}:user/support-backup",
        ),
        (
            "secretsmanager.amazonaws.com",
            "ListSecrets",
            "AccessDeniedException",
            "secretsmanager:ListSecrets",
            None,
            "*",
        ),
        (
            "lambda.amazonaws.com",
            "ListFunctions20150331",
            "AccessDeniedException",
            "lambda:ListFunctions",
            None,
            "*",
        ),
        (
            "dynamodb.amazonaws.com",
            "ListTables",
            "AccessDeniedException",
            "dynamodb:ListTables",
            None,
            f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/*",
        ),
    ]
    t = 4.0
    for source, name, code, action, request, arn in denied:
        t += ids.rng.uniform(1.5, 6)
        trail.call(
            step(t),
            ATTACKER,
            source,
            name,
            read_only=not name.startswith("Create"),
            request=request,
            error_code=code,
            error_message=_denied(action, arn),
        )
    for region in [
        "us-east-1",
        "us-east-2",
        "us-west-2",
        "eu-west-1",
        "eu-central-1",
        "ap-northeast-1",
        "ap-southeast-1",
        "sa-east-1",
    ]:
        for name in ("DescribeInstances", "DescribeSecurityGroups"):
            t += ids.rng.uniform(0.5, 2.5)
            trail.call(
                step(t),
                ATTACKER,
                "ec2.amazonaws.com",
                name,
                read_only=True,
                request={"maxResults": 1000},
                error_code="Client.UnauthorizedOperation",
                error_message="You are not authorized to perform this operation. User: "
                f"arn:aws:iam::{ACCOUNT_ID}:user/{USER} is not authorized to perform: ec2:{name} because no identity-based policy allows the ec2:{name} action",
                region=region,
            )
    # what the CI key is allowed to do works: list the repositories and pull their images
    t += 20
    trail.call(
        step(t),
        ATTACKER,
        "ecr.amazonaws.com",
        "DescribeRepositories",
        read_only=True,
        request=None,
        response=None,
    )
    trail.call(
        step(t + 3),
        ATTACKER,
        "ecr.amazonaws.com",
        "GetAuthorizationToken",
        read_only=True,
        request={"registryIds": [ACCOUNT_ID]},
    )
    for repo in REPOS:
        t += ids.rng.uniform(20, 50)
        trail.call(
            step(t),
            ATTACKER,
            "ecr.amazonaws.com",
            "BatchGetImage",
            read_only=True,
            request={
                "repositoryName": repo,
                "imageIds": [{"imageTag": "latest"}],
                "acceptedMediaTypes": ["application/vnd.oci.image.manifest.v1+json"],
            },
        )
    for minute in range(6, 20, 3):  # keeps probing
        trail.call(
            step(minute * 60),
            ATTACKER,
            "iam.amazonaws.com",
            "ListRoles",
            read_only=True,
            request=None,
            error_code="AccessDenied",
            error_message=_denied("iam:ListRoles", f"arn:aws:iam::{ACCOUNT_ID}:role/"),
        )
        trail.call(
            step(minute * 60 + 4),
            ATTACKER,
            "s3.amazonaws.com",
            "ListBuckets",
            read_only=True,
            request=None,
            error_code="AccessDenied",
            error_message=_denied("s3:ListAllMyBuckets", "arn:aws:s3:::*"),
        )


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    trail = Trail(ids)
    at = START + timedelta(minutes=3, seconds=14)
    while at < END:
        _ci_push(trail, ids, at)
        at += timedelta(minutes=ids.rng.randint(6, 11), seconds=ids.rng.randint(0, 59))
    developer = sso_user("lena.b@example.com", ip="198.51.100.200")
    for offset in (0, 9, 31):
        trail.call(
            utc("2026-03-27T14:05:40Z") + timedelta(seconds=offset),
            developer,
            "dynamodb.amazonaws.com",
            "DescribeTable",
            read_only=True,
            request={"tableName": "payments-ledger"},
            error_code="AccessDeniedException",
            error_message="User: arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PowerUserAccess_4f1c2a9b7e3d5c60/lena.b@example.com is not authorized to perform: dynamodb:DescribeTable on resource: "
            + table_arn("payments-ledger")
            + " with an explicit deny in a service control policy",
            resources=[resource("AWS::DynamoDB::Table", table_arn("payments-ledger"))],
        )
    _abuse(trail, ids)
    trail.write(writer)

    def unauthorized(r: dict[str, Any]) -> bool:
        return str(r.get("errorCode", "")).startswith(
            ("AccessDenied", "Client.UnauthorizedOperation")
        )

    times = [utc(r["eventTime"]) for r in trail.records if unauthorized(r)]
    per_minute = count_by_minute(times)
    metrics = MetricFile(marks=minutes(START, END))
    metrics.add("CloudTrailMetrics", "UnauthorizedAttemptCount", {}, per_minute)
    metrics.write(writer)
    fired_alarm = alarm_on(
        per_minute,
        "cis-unauthorized-api-calls",
        "CIS 4.1 unauthorized API calls",
        namespace="CloudTrailMetrics",
        metric="UnauthorizedAttemptCount",
        dimensions={},
        threshold=5.0,
    )
    _findings(writer)
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


PRINCIPAL_ID = "AIDAZ6EXAMPLECIUSER7"


def _findings(writer: BundleWriter) -> None:
    """What GuardDuty and Security Hub hold when the report runs at the end of the window: the
    key's use from Tor (new today), the account's standing control failures, last week's
    crypto-mining on a build instance (quiet since), and what is resolved or archived."""
    found = FindingsWriter(Ids(seeded_rng(NAME, salt=16)))
    key = access_key_resource(USER, KEY, PRINCIPAL_ID)
    tor = "Tor exit node (185.220.101.0/24)"
    found.add_guardduty(
        GuardDutyFinding(
            type="UnauthorizedAccess:IAMUser/TorIPCaller",
            severity=5.0,
            title="API ListUsers was invoked from a Tor exit node IP address.",
            description=f"API ListUsers was invoked from a Tor exit node IP address "
            f"{ATTACKER_IP} by IAM user {USER}. This can indicate unauthorized access to your "
            "AWS resources with the intent of hiding the true identity of the caller.",
            created=utc("2026-03-27T14:27:41.512Z"),
            updated=utc("2026-03-27T14:41:03.220Z"),
            first_seen=ABUSE,
            last_seen=utc("2026-03-27T14:39:04Z"),
            count=41,
            resource=key,
            action=api_call_action("ListUsers", "iam.amazonaws.com", ATTACKER_IP, "Germany", tor),
        )
    )
    found.add_guardduty(
        GuardDutyFinding(
            type="Recon:IAMUser/TorIPCaller",
            severity=5.0,
            title="Reconnaissance API DescribeSecurityGroups was invoked from a Tor exit node IP address.",
            description=f"API DescribeSecurityGroups, commonly used in reconnaissance attacks, was "
            f"invoked from a Tor exit node IP address {ATTACKER_IP} by IAM user {USER}.",
            created=utc("2026-03-27T14:28:10.044Z"),
            updated=utc("2026-03-27T14:41:03.561Z"),
            first_seen=utc("2026-03-27T14:21:30Z"),
            last_seen=utc("2026-03-27T14:22:24Z"),
            count=16,
            resource=key,
            action=api_call_action(
                "DescribeSecurityGroups", "ec2.amazonaws.com", ATTACKER_IP, "Germany", tor
            ),
        )
    )
    found.add_guardduty(
        GuardDutyFinding(
            type="Discovery:IAMUser/AnomalousBehavior",
            severity=2.0,
            title=f"The API ListSecrets was invoked by IAM user {USER} with anomalous behavior.",
            description=f"APIs commonly used in discovery tactics were invoked by IAM user {USER} "
            "under unusual circumstances: the user agent, the network and the APIs have not been "
            "seen for this user before.",
            created=utc("2026-03-27T14:33:52.870Z"),
            updated=utc("2026-03-27T14:33:52.870Z"),
            first_seen=utc("2026-03-27T14:21:20Z"),
            last_seen=utc("2026-03-27T14:21:36Z"),
            count=1,
            resource=key,
            action=api_call_action(
                "ListSecrets", "secretsmanager.amazonaws.com", ATTACKER_IP, "Germany", tor
            ),
        )
    )
    builder = instance_resource("i-0b7e41c29d3f5a806", "c5.2xlarge", "ami-0c7217cdde317cfec")
    found.add_guardduty(
        GuardDutyFinding(
            type="CryptoCurrency:EC2/BitcoinTool.B!DNS",
            severity=8.0,
            title="EC2 instance i-0b7e41c29d3f5a806 is querying a domain name that is "
            "associated with Bitcoin-related activity.",
            description="EC2 instance i-0b7e41c29d3f5a806 is querying a domain name that is "
            "associated with Bitcoin-related activity: xmr.pool.minergate.com.",
            created=utc("2026-03-15T03:12:45.301Z"),
            updated=utc("2026-03-16T08:50:11.902Z"),
            first_seen=utc("2026-03-15T02:58:02Z"),
            last_seen=utc("2026-03-16T08:31:40Z"),
            count=212,
            resource=builder,
            action=dns_action("xmr.pool.minergate.com"),
        )
    )
    found.add_guardduty(
        GuardDutyFinding(
            type="Recon:EC2/PortProbeUnprotectedPort",
            severity=2.0,
            title="Unprotected port on EC2 instance i-0b7e41c29d3f5a806 is being probed.",
            description="EC2 instance i-0b7e41c29d3f5a806 has an unprotected port 22 which is "
            "being probed by a known malicious host.",
            created=utc("2026-03-21T11:04:09.117Z"),
            updated=utc("2026-03-24T16:20:31.448Z"),
            first_seen=utc("2026-03-21T10:51:12Z"),
            last_seen=utc("2026-03-24T16:02:55Z"),
            count=9,
            resource=builder,
            action={"ActionType": "PORT_PROBE"},
            archived=True,  # suppressed by a rule for the build subnet
        )
    )
    user_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/{USER}"
    found.add_control(
        failed_control(
            control="IAM.3",
            resource_id=user_arn,
            created=utc("2025-12-02T06:14:51.201Z"),
            updated=utc("2026-03-27T06:14:40.982Z"),
        )
    )
    for repo, created in zip(
        REPOS,
        ("2026-02-10T06:20:11.430Z", "2026-02-10T06:20:12.019Z", "2026-02-24T06:21:37.610Z"),
        strict=True,
    ):
        found.add_control(
            failed_control(
                control="ECR.1",
                resource_id=f"arn:aws:ecr:us-east-1:{ACCOUNT_ID}:repository/{repo}",
                created=utc(created),
                updated=utc("2026-03-27T06:20:05.118Z"),
            )
        )
    found.add_control(
        failed_control(
            control="EC2.18",
            resource_id=f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:security-group/sg-0f3a9c2b71d84e615",
            created=utc("2026-03-25T09:31:18.244Z"),
            updated=utc("2026-03-27T05:02:47.903Z"),
        )
    )
    found.add_control(
        failed_control(
            control="S3.8",
            resource_id="arn:aws:s3:::ci-build-cache-123456789012",
            created=utc("2026-03-03T06:11:02.550Z"),
            updated=utc("2026-03-22T14:02:19.771Z"),
            workflow="RESOLVED",  # fixed last week
        )
    )
    found.write(writer)


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="Unauthorized API calls",
        architecture="Account 123456789012: a multi-region CloudTrail trail delivers to S3 and to "
        "CloudWatch Logs, where the CIS metric filter UnauthorizedAttemptCount counts "
        "AccessDenied / UnauthorizedOperation errors. CI (GitHub Actions) pushes container "
        "images to ECR with the IAM user ci-artifacts-uploader's access key.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": f"The long-term access key {KEY} of IAM user {USER} (normally used only "
            "by CI from GitHub Actions) is being used from 185.220.101.47, a Tor exit node, with "
            "an old aws-cli: it enumerates IAM, S3, Secrets Manager, Lambda and EC2 in eight "
            "regions (all denied) and pulls the ECR images it is allowed to read. Treat the key "
            "as compromised: deactivate it, review what the images contain, rotate secrets.",
            "category": "security",
            "must_mention": [
                [USER, KEY, "access key"],
                [ATTACKER_IP, "185.220.101", "Tor", "compromised", "leaked", "unfamiliar"],
            ],
            "key_evidence": [{"source": "cloudtrail", "contains": ATTACKER_IP}],
            "red_herrings": [
                "a developer's DescribeTable denied by an SCP at 14:05 (three calls, from the console)"
            ],
            "difficulty": "medium",
            "findings": {
                "top_risk": f"the leaked key {KEY} of {USER} used from a Tor exit node "
                "(GuardDuty UnauthorizedAccess:IAMUser/TorIPCaller and the reconnaissance with it)",
                "top_risk_matches": [
                    "UnauthorizedAccess:IAMUser/TorIPCaller",
                    "Recon:IAMUser/TorIPCaller",
                    USER,
                ],
            },
        },
        tags=["security", "cloudtrail", "iam", "ecr", "cloudtrail-led"],
    )
