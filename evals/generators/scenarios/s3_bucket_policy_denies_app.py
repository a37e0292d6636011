"""permissions: the security team's baseline pipeline puts a bucket policy on the media
bucket that denies any access not coming through the VPC endpoint; media-api's tasks
reach S3 through the NAT gateway, so every GetObject and PutObject is denied. The
application only logs the exception type; X-Ray's S3 subsegments carry the AccessDenied.
A lifecycle-rule change on the same bucket is the red herring."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from evals.generators.actors import TERRAFORM_PIPELINE, dashboard_poll
from evals.generators.alb import LoadBalancer
from evals.generators.app_logs import LogGroup, json_line
from evals.generators.cloudtrail import Principal, Trail, resource
from evals.generators.common import (
    ACCOUNT_ID,
    BundleWriter,
    Ids,
    arrivals,
    minutes,
    seeded_rng,
    utc,
)
from evals.generators.manifest import manifest, readme_beside
from evals.generators.web_service import Request, Response, WebService, ecs_task, service_alarm
from evals.generators.xray import aws_call

NAME = "s3-bucket-policy-denies-app"
START, END = utc("2026-04-09T13:00:00Z"), utc("2026-04-09T13:45:00Z")
LIFECYCLE_AT = utc("2026-04-09T13:06:19Z")
POLICY_AT = utc("2026-04-09T13:15:41Z")
BUCKET = "acme-media-assets-prod"
VPCE = "vpce-0c7d1e2f3a4b5c6d7"
SECURITY_PIPELINE = Principal(
    "AssumedRole",
    "security-baseline-deploy",
    "GitHubActions-security-baseline-3307",
    source_ip="4.175.112.31",
    role_id="AROAZ6EXAMPLESECBL1",
    user_agent=TERRAFORM_PIPELINE.user_agent,
)


class MediaApi:
    """Serves images from S3 behind a small in-memory cache; uploads go straight to S3."""

    def __init__(self) -> None:
        self.cached: set[str] = set()

    def __call__(self, request: Request, ids: Ids) -> Response:
        rng = ids.rng
        key = request.path.rsplit("/", 1)[-1]
        upload = request.method == "POST"
        if not upload and key in self.cached:
            return Response(200, rng.uniform(0.002, 0.006), sent_bytes=rng.randint(20_000, 90_000))
        operation = "PutObject" if upload else "GetObject"
        s3_key = f"assets/{key[:2]}/{key}.webp"
        ms = rng.uniform(9, 35)
        end = request.at + timedelta(milliseconds=ms)
        denied = request.at >= POLICY_AT
        sub = aws_call(
            ids,
            "S3",
            operation,
            request.at,
            end,
            status=403 if denied else 200,
            resource={"bucket_name": BUCKET, "key": s3_key},
            error_type="AccessDenied" if denied else None,
            error_message="Access Denied" if denied else None,
        )
        if denied:
            at = end + timedelta(milliseconds=2)
            line = json_line(
                at,
                "ERROR",
                "media.storage",
                "failed to load asset" if not upload else "failed to store asset",
                asset_id=key,
                error_type="ClientError",
                trace_id=request.trace_id,
            )
            return Response(
                500,
                (ms + 3) / 1000,
                [(ms + 2, line)],
                [sub],
                exception=("ClientError", f"storage error on {operation}"),
                sent_bytes=58,
            )
        if not upload:
            if rng.random() < 0.6:
                self.cached.add(key)
            return Response(200, (ms + 4) / 1000, [], [sub], sent_bytes=rng.randint(20_000, 90_000))
        line = json_line(
            end,
            "INFO",
            "media.upload",
            "asset stored",
            asset_id=key,
            bytes=rng.randint(40_000, 2_000_000),
        )
        return Response(201, (ms + 6) / 1000, [(ms + 5, line)], [sub], sent_bytes=112)


def _policy() -> dict[str, Any]:
    arn = f"arn:aws:s3:::{BUCKET}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyOutsideVpcEndpoint",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": f"{arn}/*",
                "Condition": {"StringNotEquals": {"aws:SourceVpce": VPCE}},
            },
        ],
    }


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=12),
        END,
        "media-",
        (
            "ecs.amazonaws.com",
            "DescribeServices",
            {"cluster": "media", "services": ["media-api"]},
        ),
    )
    bucket = [resource("AWS::S3::Bucket", f"arn:aws:s3:::{BUCKET}")]
    host = f"{BUCKET}.s3.us-east-1.amazonaws.com"
    trail.call(
        LIFECYCLE_AT,
        TERRAFORM_PIPELINE,
        "s3.amazonaws.com",
        "PutBucketLifecycleConfiguration",
        read_only=False,
        request={
            "bucketName": BUCKET,
            "Host": host,
            "lifecycle": "",
            "LifecycleConfiguration": {
                "Rule": [
                    {
                        "ID": "expire-incomplete-uploads",
                        "Status": "Enabled",
                        "Filter": {"Prefix": "uploads/tmp/"},
                        "Expiration": {"Days": 1},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    }
                ]
            },
        },
        resources=bucket,
    )
    trail.call(
        POLICY_AT - timedelta(seconds=3),
        SECURITY_PIPELINE,
        "s3.amazonaws.com",
        "GetBucketPolicy",
        read_only=True,
        request={"bucketName": BUCKET, "Host": host, "policy": ""},
        resources=bucket,
        error_code="NoSuchBucketPolicy",
        error_message="The bucket policy does not exist",
    )
    trail.call(
        POLICY_AT,
        SECURITY_PIPELINE,
        "s3.amazonaws.com",
        "PutBucketPolicy",
        read_only=False,
        request={
            "bucketName": BUCKET,
            "Host": host,
            "policy": "",
            "bucketPolicy": _policy(),
        },
        resources=bucket,
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    targets = [ecs_task(ids, "media-api", ip) for ip in ("10.0.50.14", "10.0.51.201")]
    lb = LoadBalancer(
        "media-alb",
        "0d4c7b2a9e8f1d3c",
        "media-api-tg",
        "7e1d5c3b9a2f4e6d",
        "media.example.com",
        ids,
    )
    app = MediaApi()
    service = WebService(
        "media-api", lb, LogGroup("/ecs/media-api"), targets, app, ids, trace_sample_rate=0.1
    )
    catalogue = [ids.hex(12) for _ in range(900)]
    for at in arrivals(ids.rng, START, END, lambda m: 75):
        if ids.rng.random() < 0.12:
            service.request(at, "POST", f"/v1/assets/{ids.hex(12)}", received_bytes=480_000)
        else:
            service.request(at, "GET", f"/v1/assets/{ids.rng.choice(catalogue)}")
    service.write(writer)
    service.metric_file(minutes(START, END)).write(writer)
    _trail(ids).write(writer)
    fired_alarm = service_alarm(
        service,
        "media-api-target-5xx",
        "Target 5XX on media-alb",
        "HTTPCode_Target_5XX_Count",
        threshold=15.0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="media-api 5XX",
        architecture="ALB media-alb -> ECS Fargate service media-api (two tasks, private "
        f"subnets, egress through a NAT gateway, X-Ray SDK) -> S3 bucket {BUCKET} "
        f"(account {ACCOUNT_ID}).",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": f"At 13:15:41 the security-baseline pipeline applied a bucket policy "
            f"to {BUCKET} (PutBucketPolicy) that denies s3:GetObject/PutObject unless the "
            f"request comes through VPC endpoint {VPCE}; media-api's tasks reach S3 through "
            "the NAT gateway, so every S3 call is denied (AccessDenied, 403) and uncached "
            "requests return 500. Fix: add the gateway endpoint to the tasks' route tables or "
            "allow the task role in the policy.",
            "categories": ["permissions", "configuration", "security"],
            "must_mention": [
                ["PutBucketPolicy", "bucket policy"],
                ["AccessDenied", "Access Denied", "403", "denied"],
            ],
            "key_evidence": [
                {"source": "xray", "contains": "AccessDenied"},
                {"source": "cloudtrail", "contains": "PutBucketPolicy"},
            ],
            "red_herrings": [
                "Terraform's PutBucketLifecycleConfiguration on the same bucket at 13:06 "
                "(expire uploads/tmp/ after a day)",
            ],
            "difficulty": "medium",
        },
        tags=[
            "holdout",
            "permissions",
            "alb",
            "ecs",
            "s3",
            "xray",
            "xray-led",
            "cloudtrail",
            "alb-logs",
        ],
    )
