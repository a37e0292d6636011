"""insufficient evidence: for about a minute every search-api task answers slowly, with no
errors, no deployment, no change in traffic and no downstream telemetry; then it is over.
The honest report says the data does not show the cause. A target-group attribute change
17 minutes earlier is the tempting but unsupported explanation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from evals.generators.actors import TERRAFORM_PIPELINE, dashboard_poll
from evals.generators.alb import LoadBalancer
from evals.generators.app_logs import LogGroup, json_line
from evals.generators.cloudtrail import Trail
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.web_service import Request, Response, WebService, ecs_task, service_alarm

NAME = "latency-blip-no-cause"
START, END = utc("2026-04-01T16:00:00Z"), utc("2026-04-01T16:45:00Z")
BLIP = (utc("2026-04-01T16:21:04Z"), utc("2026-04-01T16:21:52Z"))
TG_CHANGE = utc("2026-04-01T16:04:13Z")
TG_ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/search-api-tg/0a9b8c7d6e5f4a3b"
)


def handler(request: Request, ids: Ids) -> Response:
    rng = ids.rng
    seconds = rng.uniform(0.025, 0.11)
    if BLIP[0] <= request.at < BLIP[1]:
        seconds += rng.uniform(0.5, 2.4)
    lines = []
    if seconds > 1.0:
        at = request.at + timedelta(seconds=seconds)
        lines.append(
            (
                seconds * 1000,
                json_line(
                    at,
                    "WARN",
                    "search.http",
                    "slow request",
                    path=request.path,
                    duration_ms=round(seconds * 1000),
                    trace_id=request.trace_id,
                ),
            )
        )
    elif rng.random() < 0.05:
        at = request.at + timedelta(seconds=seconds)
        lines.append(
            (
                seconds * 1000,
                json_line(
                    at,
                    "INFO",
                    "search.http",
                    "request",
                    path=request.path,
                    status=200,
                    duration_ms=round(seconds * 1000),
                ),
            )
        )
    status = 200 if rng.random() > 0.02 else 400
    return Response(status, seconds, lines, sent_bytes=rng.randint(800, 9000))


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=44),
        END,
        "search-",
        (
            "elasticloadbalancing.amazonaws.com",
            "DescribeTargetHealth",
            {"targetGroupArn": TG_ARN},
        ),
    )
    trail.call(
        TG_CHANGE,
        TERRAFORM_PIPELINE,
        "elasticloadbalancing.amazonaws.com",
        "ModifyTargetGroupAttributes",
        read_only=False,
        request={
            "targetGroupArn": TG_ARN,
            "attributes": [{"key": "deregistration_delay.timeout_seconds", "value": "60"}],
        },
        response={
            "attributes": [
                {"key": "deregistration_delay.timeout_seconds", "value": "60"},
                {"key": "stickiness.enabled", "value": "false"},
                {"key": "load_balancing.algorithm.type", "value": "round_robin"},
            ]
        },
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    targets = [ecs_task(ids, "search-api", ip) for ip in ("10.0.70.21", "10.0.71.36", "10.0.70.58")]
    lb = LoadBalancer(
        "search-alb",
        "6f5e4d3c2b1a0f9e",
        "search-api-tg",
        "0a9b8c7d6e5f4a3b",
        "search.example.com",
        ids,
    )
    service = WebService(
        "search-api", lb, LogGroup("/ecs/search-api"), targets, handler, ids, trace_sample_rate=0.0
    )
    for at in arrivals(ids.rng, START, END, lambda m: 80):
        service.request(
            at, "GET", f"/v1/search?q={ids.alnum(4).lower()}", user_agent="search-web/8.1"
        )
    service.write(writer, traces=False)
    service.metric_file(minutes(START, END)).write(writer)
    _trail(ids).write(writer)
    fired_alarm = service_alarm(
        service,
        "search-api-latency",
        "Average target response time above 400 ms",
        "TargetResponseTime",
        threshold=0.4,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="search-api latency alarm",
        architecture="ALB search-alb -> ECS Fargate service search-api (three tasks) -> an "
        "OpenSearch domain (not instrumented; no telemetry from it in this bundle).",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "Not determinable from this telemetry: between 16:21:04 and 16:21:52 all "
            "three tasks answered 0.5-2.5 s slower with no errors, no change in traffic, no "
            "deployment or relevant configuration change, and no data from the search backend. "
            "The honest conclusion is insufficient evidence; the next step is the OpenSearch "
            "domain's metrics and slow logs for that minute.",
            "category": "insufficient-evidence",
            "must_mention": [
                [
                    "insufficient",
                    "not enough evidence",
                    "inconclusive",
                    "cannot determine",
                    "undetermined",
                ]
            ],
            "key_evidence": [{"source": "logs", "contains": "slow request"}],
            "red_herrings": [
                "Terraform's ModifyTargetGroupAttributes (deregistration delay 300 -> 60 s) at 16:04"
            ],
            "difficulty": "medium",
        },
        tags=["insufficient-evidence", "alb", "ecs", "logs", "alb-logs", "cloudtrail"],
    )
