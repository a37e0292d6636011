"""insufficient evidence: for about eighty seconds the load balancer answers 502 to a good
share of catalog-api's requests on all three tasks: the targets never answer those
requests, and the application logs nothing about them. No deployment, no task change, no
traffic change. The logs are full of a statsd "Connection refused" error that is always
there, and CloudTrail shows an IAM inline-policy edit on the task role shortly before:
misleading noise. The honest report says the data does not show the cause."""

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

NAME = "alb-502-burst-no-cause"
START, END = utc("2026-04-23T19:00:00Z"), utc("2026-04-23T19:45:00Z")
BURST = (utc("2026-04-23T19:26:12Z"), utc("2026-04-23T19:27:33Z"))
POLICY_AT = utc("2026-04-23T19:21:40Z")
STATSD_EVERY = timedelta(seconds=30)


def handler(request: Request, ids: Ids) -> Response:
    rng = ids.rng
    if BURST[0] <= request.at < BURST[1] and rng.random() < 0.45:
        # the connection is reset before any response; nothing reaches the application log
        return Response(None, rng.uniform(0.001, 0.004), elb_status=502)
    seconds = rng.uniform(0.008, 0.045)
    lines = []
    if request.path.startswith("/v1/") and rng.random() < 0.3:
        at = request.at + timedelta(seconds=seconds)
        lines.append(
            (
                seconds * 1000,
                json_line(
                    at,
                    "WARN",
                    "catalog.http",
                    "deprecated API version v1 requested",
                    path=request.path,
                    user_agent=request.user_agent,
                ),
            )
        )
    status = 200 if rng.random() > 0.03 else 404
    return Response(status, seconds, lines, sent_bytes=rng.randint(1500, 24000))


def _statsd_noise(service: WebService, ids: Ids) -> None:
    """The metrics sidecar was removed months ago; the client still complains every 30 s."""
    for target in service.targets:
        at = START + timedelta(seconds=ids.rng.uniform(0, 30))
        while at < END:
            service.logs.emit(
                target.log_stream,
                at,
                json_line(
                    at,
                    "ERROR",
                    "catalog.metrics",
                    "Failed to flush metrics to statsd at 127.0.0.1:8125: [Errno 111] "
                    "Connection refused",
                    dropped=ids.rng.randint(180, 420),
                ),
            )
            at += STATSD_EVERY + timedelta(milliseconds=ids.rng.randint(-200, 200))


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=52),
        END,
        "catalog-",
        (
            "ecs.amazonaws.com",
            "DescribeServices",
            {"cluster": "catalog", "services": ["catalog-api"]},
        ),
    )
    trail.call(
        POLICY_AT,
        TERRAFORM_PIPELINE,
        "iam.amazonaws.com",
        "PutRolePolicy",
        read_only=False,
        request={
            "roleName": "catalog-api-task",
            "policyName": "read-feature-flags",
            "policyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":'
            '["ssm:GetParameter","ssm:GetParametersByPath"],"Resource":"arn:aws:ssm:us-east-1:'
            '123456789012:parameter/catalog/flags/*"}]}',
        },
        region="us-east-1",
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    targets = [
        ecs_task(ids, "catalog-api", ip) for ip in ("10.0.60.31", "10.0.61.77", "10.0.60.205")
    ]
    lb = LoadBalancer(
        "catalog-alb",
        "2e7a9c1b5d3f8e0a",
        "catalog-api-tg",
        "6b8d0f2a4c6e8a0b",
        "catalog.example.com",
        ids,
    )
    service = WebService(
        "catalog-api",
        lb,
        LogGroup("/ecs/catalog-api"),
        targets,
        handler,
        ids,
        trace_sample_rate=0.0,
    )
    agents = ["shop-web/22.1", "shop-ios/9.4.2 CFNetwork/1490", "partner-feed/1.8"]
    for at in arrivals(ids.rng, START, END, lambda m: 90):
        version = "v1" if ids.rng.random() < 0.15 else "v2"
        service.request(
            at,
            "GET",
            f"/{version}/products/{ids.rng.randint(10000, 99999)}",
            user_agent=ids.rng.choice(agents),
        )
    _statsd_noise(service, ids)
    service.write(writer, traces=False)
    service.metric_file(minutes(START, END)).write(writer)
    _trail(ids).write(writer)
    fired_alarm = service_alarm(
        service,
        "catalog-alb-elb-5xx",
        "5XX generated by catalog-alb",
        "HTTPCode_ELB_5XX_Count",
        threshold=10.0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="catalog-alb 502 errors",
        architecture="ALB catalog-alb -> ECS Fargate service catalog-api (three tasks, Python "
        "gunicorn) -> ElastiCache and Aurora (no telemetry from them in this bundle).",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "Not determinable from this telemetry: between 19:26:12 and 19:27:33 "
            "the load balancer answered 502 to about 45 % of requests because the targets "
            "closed or reset the connection without a response (target status '-'), on all "
            "three tasks alike; the application logged nothing for those requests, and there "
            "was no deployment, task replacement, traffic change or relevant configuration "
            "change. The next step is data the bundle lacks: ECS task and container events, "
            "target health history, VPC flow logs for 19:26.",
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
            "key_evidence": [{"source": "alb", "contains": "502"}],
            "red_herrings": [
                "the statsd 'Connection refused' errors every 30 s per task (there all along)",
                "Terraform's PutRolePolicy on the task role catalog-api-task at 19:21",
                "'deprecated API version v1 requested' warnings",
            ],
            "difficulty": "hard",
        },
        tags=["holdout", "insufficient-evidence", "alb", "ecs", "alb-logs", "logs", "cloudtrail"],
    )
