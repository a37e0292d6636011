"""permissions: someone rolls the customer-managed policy orders-data-access back to its
version v2 (SetDefaultPolicyVersion); v2 predates the order-write feature and grants only
reads. orders-writer's PutItem calls fail with AccessDeniedException. CloudTrail shows the
call with nothing but a version id; only the policy version's document shows what it
lost. A log-retention change is the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta

from evals.generators.actors import TERRAFORM_PIPELINE, sso_user
from evals.generators.cloudtrail import Trail
from evals.generators.common import (
    ACCOUNT_ID,
    BundleWriter,
    Ids,
    arrivals,
    minutes,
    seeded_rng,
    utc,
)
from evals.generators.lambda_logs import Invocation, LambdaLogs, plain_entry
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile, add_lambda_metrics, count_by_minute
from evals.generators.resources import snapshot

NAME = "iam-policy-version-rollback"
START, END = utc("2026-04-21T08:30:00Z"), utc("2026-04-21T09:15:00Z")
RETENTION_CHANGE = utc("2026-04-21T08:41:12Z")
ROLLBACK = utc("2026-04-21T08:52:40Z")
EFFECTIVE = ROLLBACK + timedelta(seconds=6)  # IAM is eventually consistent
FUNCTION, ROLE = "orders-writer", "orders-writer-role"
POLICY = "orders-data-access"
POLICY_ARN = f"arn:aws:iam::{ACCOUNT_ID}:policy/{POLICY}"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/orders"


def _document(actions: list[str]) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OrdersTable",
                "Effect": "Allow",
                "Action": actions,
                "Resource": [TABLE_ARN, f"{TABLE_ARN}/index/*"],
            }
        ],
    }


V2 = _document(["dynamodb:GetItem", "dynamodb:Query"])
V3 = _document(["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"])


def _denied(rid: str, order: str) -> str:
    return (
        f"Failed to save order {order}: An error occurred (AccessDeniedException) when calling "
        f"the PutItem operation: User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/{ROLE}/{FUNCTION} "
        f"is not authorized to perform: dynamodb:PutItem on resource: {TABLE_ARN} because no "
        "identity-based policy allows the dynamodb:PutItem action"
    )


def _process(function: LambdaLogs, ids: Ids, at: datetime) -> tuple[datetime, float, bool]:
    rng, rid = ids.rng, ids.uuid4()
    order = f"ord-{ids.upper_alnum(10)}"
    duration = rng.uniform(38, 95)
    lines = [plain_entry(at, 1.5, "INFO", rid, f"Saving order {order}")]
    failed = at >= EFFECTIVE
    if failed:
        lines.append(plain_entry(at, duration - 3, "ERROR", rid, _denied(rid, order)))
    else:
        lines.append(plain_entry(at, duration - 3, "INFO", rid, f"Order {order} saved"))
    function.invoke(Invocation(rid, at, duration, lines, max_memory_mb=rng.randint(96, 104)))
    return at, duration, failed


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    trail.call(
        RETENTION_CHANGE,
        TERRAFORM_PIPELINE,
        "logs.amazonaws.com",
        "PutRetentionPolicy",
        read_only=False,
        request={"logGroupName": f"/aws/lambda/{FUNCTION}", "retentionInDays": 30},
    )
    engineer = sso_user("lee.k@example.com", cli_command="iam.set-default-policy-version")
    trail.call(
        ROLLBACK,
        engineer,
        "iam.amazonaws.com",
        "SetDefaultPolicyVersion",
        read_only=False,
        request={"policyArn": POLICY_ARN, "versionId": "v2"},
        region="us-east-1",
    )
    return trail


def _iam_snapshots(writer: BundleWriter) -> None:
    snapshot(writer, "iam", "ListAttachedRolePolicies", {"RoleName": ROLE}, {
        "AttachedPolicies": [
            {"PolicyName": POLICY, "PolicyArn": POLICY_ARN},
            {"PolicyName": "AWSLambdaBasicExecutionRole",
             "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
        ],
        "IsTruncated": False,
    }, slug=ROLE)  # fmt: skip
    snapshot(writer, "iam", "ListRolePolicies", {"RoleName": ROLE},
             {"PolicyNames": [], "IsTruncated": False}, slug=ROLE)  # fmt: skip
    created = {
        "v1": "2025-06-03T10:12:44Z",
        "v2": "2025-09-18T15:40:02Z",
        "v3": "2026-01-27T11:05:31Z",
    }
    snapshot(writer, "iam", "GetPolicy", {"PolicyArn": POLICY_ARN}, {"Policy": {
        "PolicyName": POLICY, "PolicyId": "ANPAZ6EXAMPLEORDERS01", "Arn": POLICY_ARN, "Path": "/",
        "DefaultVersionId": "v2", "AttachmentCount": 1, "IsAttachable": True,
        "CreateDate": created["v1"], "UpdateDate": ROLLBACK.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }}, slug=POLICY)  # fmt: skip
    snapshot(writer, "iam", "ListPolicyVersions", {"PolicyArn": POLICY_ARN}, {"Versions": [
        {"VersionId": v, "IsDefaultVersion": v == "v2", "CreateDate": created[v]} for v in ("v3", "v2", "v1")
    ], "IsTruncated": False}, slug=POLICY)  # fmt: skip
    for version, document in (("v2", V2), ("v3", V3)):
        snapshot(writer, "iam", "GetPolicyVersion", {"PolicyArn": POLICY_ARN, "VersionId": version},
                 {"PolicyVersion": {"Document": document, "VersionId": version,
                                    "IsDefaultVersion": version == "v2", "CreateDate": created[version]}},
                 slug=f"{POLICY}-{version}")  # fmt: skip


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    function = LambdaLogs(FUNCTION, ids, memory_mb=256, runtime="python3.12", timeout_s=10)
    function.role = ROLE
    function.environment = ("TABLE_NAME", "POWERTOOLS_SERVICE_NAME")
    calls = [_process(function, ids, at) for at in arrivals(ids.rng, START, END, lambda m: 20)]
    function.write(writer)
    metrics = MetricFile(marks=minutes(START, END))
    add_lambda_metrics(metrics, FUNCTION, calls)
    metrics.write(writer)
    _trail(ids).write(writer)
    _iam_snapshots(writer)
    errors = count_by_minute([c[0] for c in calls if c[2]])
    fired = alarm_on(
        errors,
        "orders-writer-errors",
        "Errors saving orders",
        namespace="AWS/Lambda",
        metric="Errors",
        dimensions={"FunctionName": FUNCTION},
        threshold=5.0,
    )
    writer.manifest(
        manifest(
            title="Orders cannot be saved",
            architecture="API -> Lambda orders-writer (role orders-writer-role, customer-managed "
            "policy orders-data-access) -> DynamoDB table orders.",
            alarm=fired,
            start=START,
            end=END,
            ground_truth={
                "root_cause": "At 08:52:40 an engineer set the default version of the "
                "customer-managed policy orders-data-access back to v2 "
                "(SetDefaultPolicyVersion; CloudTrail shows only the version id). v2 allows "
                "only dynamodb:GetItem and dynamodb:Query; v3, the version before, also allowed "
                "dynamodb:PutItem. orders-writer's PutItem calls fail with "
                "AccessDeniedException from then on.",
                "categories": ["permissions", "configuration"],
                "must_mention": [
                    ["v2", "policy version", "SetDefaultPolicyVersion", "default version"],
                    ["PutItem"],
                ],
                "key_evidence": [
                    {"source": "resources", "contains": "dynamodb:Query"},
                    {"source": "logs", "contains": "AccessDeniedException"},
                ],
                "red_herrings": [
                    "Terraform's PutRetentionPolicy on the function's log group at 08:41"
                ],
                "difficulty": "medium",
            },
            tags=["permissions", "iam", "lambda", "resources"],
            version=2,
        )
    )
    writer.readme(readme_beside(__file__))
