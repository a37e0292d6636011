"""resource-exhaustion on one of eight instances: the root volume of one media-upload
instance fills up (a log rotation that stopped months ago), and uploads it spools to /tmp
fail with ENOSPC. Errors are intermittent from the client's view (one request in sixteen);
a load-balancer attribute change by Terraform two minutes before the onset is the red
herring."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from evals.generators.actors import TERRAFORM_PIPELINE
from evals.generators.cloudtrail import Trail
from evals.generators.common import BundleWriter, Ids, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.scenarios._harder import drive, line, web_service
from evals.generators.web_service import Request, Response, ec2_instance, service_alarm

NAME = "upload-disk-full-one-instance"
START, END = utc("2026-04-12T08:50:00Z"), utc("2026-04-12T09:35:00Z")
ATTRIBUTES = utc("2026-04-12T09:09:51Z")
FULL = utc("2026-04-12T09:12:00Z")
IPS = [
    "10.0.70.11",
    "10.0.71.12",
    "10.0.70.13",
    "10.0.71.14",
    "10.0.70.15",
    "10.0.71.16",
    "10.0.70.17",
    "10.0.71.18",
]
BAD_IP = "10.0.71.16"


class Uploads:
    def __init__(self, bad: str) -> None:
        self.bad = bad

    def __call__(self, request: Request, ids: Ids) -> Response:
        rng = ids.rng
        if request.method == "POST":
            spool = f"/tmp/tmp{ids.alnum(8).lower()}.upload"
            if request.target.name == self.bad and request.at >= FULL and rng.random() < 0.9:
                error = f"OSError: [Errno 28] No space left on device: '{spool}'"
                return Response(
                    500,
                    rng.uniform(0.05, 0.3),
                    [
                        line(
                            request,
                            40,
                            "ERROR",
                            "media.upload",
                            "upload failed",
                            error=error,
                            path=request.path,
                        )
                    ],
                    exception=("OSError", "[Errno 28] No space left on device"),
                    sent_bytes=150,
                )
            seconds = rng.uniform(0.3, 1.2)
            return Response(
                201,
                seconds,
                [
                    line(
                        request,
                        seconds * 1000,
                        "INFO",
                        "media.upload",
                        "upload stored",
                        bytes=rng.randint(200_000, 8_000_000),
                    )
                ],
                sent_bytes=300,
            )
        return Response(200, rng.uniform(0.01, 0.05), [], sent_bytes=rng.randint(3000, 90000))


def _disk(instance: str, bad: str) -> dict[datetime, float]:
    marks = minutes(START, END)
    if instance != bad:
        return {m: 41.0 + sum(map(ord, instance)) % 9 for m in marks}
    return {m: min(100.0, 97.2 + 0.14 * i) for i, m in enumerate(marks)}


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    trail.call(
        ATTRIBUTES,
        TERRAFORM_PIPELINE,
        "elasticloadbalancing.amazonaws.com",
        "ModifyLoadBalancerAttributes",
        read_only=False,
        request={
            "loadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/media-alb/5e2a9c1d7f3b4a60",
            "attributes": [{"key": "idle_timeout.timeout_seconds", "value": "120"}],
        },
        response={"attributes": [{"key": "idle_timeout.timeout_seconds", "value": "120"}]},
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    targets = [ec2_instance(ids, ip) for ip in IPS]
    bad = next(t.name for t in targets if t.address.startswith(BAD_IP + ":"))
    service = web_service(
        ids,
        "media-upload",
        targets,
        Uploads(bad),
        alb="media-alb",
        domain="media.example.com",
        log_group="/app/media-upload",
        origin="AWS::EC2::Instance",
    )
    drive(
        service,
        START,
        END,
        lambda m: 160,
        [(0.55, "POST", "/v1/uploads"), (0.45, "GET", "/v1/media/{n}")],
        user_agent="media-client/2.3 (android)",
    )
    service.write(writer)
    metrics = service.metric_file(minutes(START, END))
    for target in targets:
        metrics.add(
            "CWAgent",
            "disk_used_percent",
            {"InstanceId": target.name, "path": "/", "fstype": "xfs"},
            _disk(target.name, bad),
            unit="Percent",
            statistic="Average",
        )
    metrics.write(writer)
    _trail(ids).write(writer)
    fired = service_alarm(
        service,
        "media-upload-5xx",
        "Target 5XX on media-alb",
        "HTTPCode_Target_5XX_Count",
        threshold=5.0,
    )
    writer.manifest(_manifest(fired, bad))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any], bad: str) -> dict[str, Any]:
    return manifest(
        title="media-upload 5XX",
        architecture="ALB media-alb -> eight EC2 instances of media-upload (Auto Scaling group "
        "media-upload-asg; uploads are spooled to /tmp before they go to S3); CloudWatch agent "
        "on every instance.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": f"The root volume of one instance, {bad} ({BAD_IP}), is full: from "
            "09:12 the uploads it spools to /tmp fail with OSError [Errno 28] No space left on "
            "device. The other seven instances are healthy; replace or clean that instance.",
            "categories": ["resource-exhaustion"],
            "must_mention": [
                [bad, BAD_IP, "one instance", "single instance"],
                ["No space left", "disk", "ENOSPC", "Errno 28"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "No space left on device"},
                {"source": "alb", "contains": BAD_IP},
            ],
            "red_herrings": [
                "Terraform's ModifyLoadBalancerAttributes (idle timeout 120 s) at 09:09:51"
            ],
            "difficulty": "hard",
        },
        tags=[
            "resource-exhaustion",
            "one-instance",
            "alb",
            "ec2",
            "logs",
            "cloudtrail",
            "alb-logs",
        ],
    )
