"""capacity, warnings only: a scheduled scale-in takes catalog-api from six tasks to two at
18:00, just as the evening traffic rises. Each remaining task's connection pool saturates;
requests wait for a connection and the latency alarm fires. Nothing fails: every response
is a 200 and no line says ERROR, only WARN lines about the pool."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import sso_user
from evals.generators.app_logs import spring_line
from evals.generators.cloudtrail import Trail
from evals.generators.common import BundleWriter, Ids, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.scenarios._harder import ECS_AUTOSCALING, drive, update_service, web_service
from evals.generators.web_service import Request, Response, ecs_task, service_alarm

NAME = "catalog-scaled-in-warn-only"
START, END = utc("2026-04-10T17:40:00Z"), utc("2026-04-10T18:25:00Z")
SCALE_IN = utc("2026-04-10T18:00:00Z")
STOPPED = SCALE_IN + timedelta(seconds=40)


class Catalog:
    """Spring Boot with HikariCP (50 connections); a query holds a connection ~25 ms."""

    def __init__(self) -> None:
        self.busy: dict[str, list[datetime]] = {}

    def __call__(self, request: Request, ids: Ids) -> Response:
        rng = ids.rng
        at = request.at
        # requests per task per second decide how long a request waits for a connection
        load = 3.0 if at >= STOPPED else 1.0
        wait_ms = 0.0
        lines = []
        if load > 1 and rng.random() < 0.8:
            wait_ms = rng.lognormvariate(6.9, 0.45)
            waiting = int(40 + wait_ms / 25 + rng.randint(0, 20))
            lines.append(
                (
                    wait_ms,
                    spring_line(
                        at + timedelta(milliseconds=wait_ms),
                        "WARN",
                        f"http-nio-8080-exec-{rng.randint(1, 200)}",
                        "com.zaxxer.hikari.pool.HikariPool",
                        f"HikariPool-1 - pool exhausted, waited {wait_ms:.0f}ms "
                        f"(active=50, idle=0, waiting={waiting})",
                    ),
                )
            )
        query_ms = rng.uniform(12, 38)
        seconds = (wait_ms + query_ms + rng.uniform(4, 15)) / 1000
        return Response(200, seconds, lines, sent_bytes=rng.randint(2000, 9000))


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    editor = sso_user("content-team@example.com", ip="198.51.100.23")
    trail.call(
        SCALE_IN - timedelta(minutes=1, seconds=12),
        editor,
        "cloudfront.amazonaws.com",
        "CreateInvalidation",
        read_only=False,
        request={
            "distributionId": "E2QWRUHAPOMQZL",
            "invalidationBatch": {
                "paths": {"quantity": 1, "items": ["/catalog/*"]},
                "callerReference": "spring-sale-banner",
            },
        },
        response={"invalidation": {"id": "I2J0I21PCUYOIK", "status": "InProgress"}},
    )
    update_service(
        trail,
        SCALE_IN + timedelta(seconds=2),
        ECS_AUTOSCALING,
        cluster="shop",
        service="catalog-api",
        desired_count=2,
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    kept = [ecs_task(ids, "catalog-api", ip) for ip in ("10.0.60.12", "10.0.61.40")]
    removed = [
        ecs_task(ids, "catalog-api", ip, stop=STOPPED)
        for ip in ("10.0.60.77", "10.0.61.9", "10.0.60.201", "10.0.61.133")
    ]
    service = web_service(
        ids,
        "catalog-api",
        kept + removed,
        Catalog(),
        alb="catalog-alb",
        domain="catalog.example.com",
        log_group="/ecs/catalog-api",
    )

    def rate(m: datetime) -> float:
        return 120 + 2.0 * (m - START).total_seconds() / 60  # the evening ramp

    drive(
        service,
        START,
        END,
        rate,
        [(0.8, "GET", "/v1/products/{n}"), (0.2, "GET", "/v1/search?q=lamp")],
    )
    service.write(writer)
    service.metric_file(minutes(START, END)).write(writer)
    _trail(ids).write(writer)
    fired = service_alarm(
        service,
        "catalog-api-latency",
        "Average target response time above 0.8 s",
        "TargetResponseTime",
        threshold=0.8,
    )
    writer.manifest(_manifest(fired))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="catalog-api latency",
        architecture="CloudFront -> ALB catalog-alb -> ECS service catalog-api (Spring Boot, "
        "HikariCP pool of 50 per task, Application Auto Scaling with scheduled actions) -> "
        "Aurora PostgreSQL catalog-db.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "At 18:00 a scheduled scale-in (UpdateService desiredCount=2 by "
            "Application Auto Scaling) stopped four of catalog-api's six tasks while the evening "
            "traffic rose; the two left get three times the load, their HikariCP pools (50) are "
            "exhausted and requests wait over a second for a connection. No request fails.",
            "categories": ["capacity", "configuration"],
            "must_mention": [
                ["scale-in", "scaled in", "desiredCount", "two tasks", "2 tasks", "scheduled"],
                ["pool", "connection", "HikariPool"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "pool exhausted"},
                {"source": "cloudtrail", "contains": "desiredCount"},
            ],
            "red_herrings": ["the CloudFront CreateInvalidation at 17:58"],
            "difficulty": "hard",
        },
        tags=["capacity", "warn-only", "alb", "ecs", "logs", "cloudtrail", "alb-logs", "holdout"],
    )
