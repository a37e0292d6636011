"""resource-exhaustion over hours: release auth-api:311 added a session cache without
eviction. Heap use grows for five hours, garbage collection pauses lengthen, and only then
do the tasks run out of memory and answer 500 until they are replaced. The change is hours
before the alarm, in a six-hour window of tens of thousands of log events; an IAM policy
change twenty minutes before the alarm is the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import CODEPIPELINE, sso_user
from evals.generators.app_logs import spring_line
from evals.generators.cloudtrail import Trail
from evals.generators.common import BundleWriter, Ids, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.metrics import mean_by_minute
from evals.generators.scenarios._harder import drive, update_service, web_service
from evals.generators.web_service import Request, Response, Target, ecs_task, service_alarm

NAME = "auth-session-cache-leak"
START, END = utc("2026-04-15T09:00:00Z"), utc("2026-04-15T15:00:00Z")
DEPLOY = utc("2026-04-15T09:12:30Z")
POLICY = utc("2026-04-15T13:58:10Z")
HEAP_MB = 2048.0
KB_PER_REQUEST = 104.0  # sessions never evicted


class AuthApi:
    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self.heap: dict[str, float] = {}
        self.sessions: dict[str, int] = {}
        self.next_stats: dict[str, datetime] = {}
        self.restarted: dict[str, datetime] = {}
        self.memory: list[tuple[datetime, float]] = []

    def __call__(self, request: Request, ids: Ids) -> Response:
        rng = ids.rng
        at = request.at
        name = request.target.name
        leaky = request.target.version == "v7.4.0"
        heap = self.heap.get(name, 420.0)
        if leaky:
            heap += KB_PER_REQUEST / 1024 * rng.uniform(0.8, 1.2)
            self.sessions[name] = self.sessions.get(name, 0) + 1
        self.heap[name] = heap
        self.memory.append((at, 100 * heap / HEAP_MB))
        lines: list[tuple[float, str]] = []

        def log(ms: float, level: str, logger: str, message: str) -> None:
            lines.append(
                (
                    ms,
                    spring_line(
                        at + timedelta(milliseconds=ms),
                        level,
                        f"http-nio-8080-exec-{rng.randint(1, 64)}",
                        logger,
                        message,
                    ),
                )
            )

        if leaky and at >= self.next_stats.get(name, at):
            self.next_stats[name] = at + timedelta(minutes=5)
            log(
                1,
                "INFO",
                "c.e.auth.session.SessionCache",
                f"session cache stats: entries={self.sessions[name]} evictions=0 hitRate=0.31",
            )
        fill = heap / HEAP_MB
        if fill >= 1.0:
            # out of memory: the task fails requests until ECS replaces it
            restarted = self.restarted.setdefault(name, at + timedelta(seconds=70))
            if at >= restarted:
                self.heap[name] = 420.0
                self.sessions[name] = 0
                self.restarted.pop(name)
            log(
                3,
                "ERROR",
                "o.a.c.c.C.[.[.[/].[dispatcherServlet]",
                "Servlet.service() for servlet [dispatcherServlet] threw exception [Handler dispatch failed: java.lang.OutOfMemoryError: Java heap space]",
            )
            return Response(
                500,
                rng.uniform(0.2, 0.9),
                lines,
                exception=("OutOfMemoryError", "Java heap space"),
                sent_bytes=120,
            )
        pause_ms = 0.0
        if fill > 0.72 and rng.random() < (fill - 0.7) * 0.6:
            pause_ms = 40 + 2600 * (fill - 0.72) ** 1.5 * rng.uniform(0.8, 1.2)
            log(
                0,
                "WARN",
                "gc",
                f"GC pause (G1 Evacuation Pause) {pause_ms:.0f}ms, heap {heap:.0f}M->{heap * 0.97:.0f}M({HEAP_MB:.0f}M)",
            )
        seconds = (rng.uniform(8, 30) + pause_ms) / 1000
        log(
            seconds * 1000,
            "INFO",
            "c.e.auth.web.AccessLog",
            f"{request.method} {request.path} 200 {seconds * 1000:.0f}ms client={request.client_ip}",
        )
        return Response(200, seconds, lines, sent_bytes=rng.randint(300, 900))


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    update_service(
        trail,
        DEPLOY,
        CODEPIPELINE,
        cluster="identity",
        service="auth-api",
        task_definition="auth-api:311",
    )
    admin = sso_user("sec-eng@example.com", cli_command="iam.put-role-policy", ip="198.51.100.61")
    trail.call(
        POLICY,
        admin,
        "iam.amazonaws.com",
        "PutRolePolicy",
        read_only=False,
        request={
            "roleName": "auth-api-task",
            "policyName": "kms-token-signing",
            "policyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Sign","kms:GetPublicKey"],"Resource":"arn:aws:kms:us-east-1:123456789012:key/7c1e5a9b-2d34-4f60-8a1b-9e0c3d5f7a21"}]}',
        },
        response=None,
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    old: list[Target] = [
        ecs_task(ids, "auth-api", ip, stop=DEPLOY + timedelta(minutes=2), version="v7.3.2")
        for ip in ("10.0.80.14", "10.0.81.22")
    ]
    new = [
        ecs_task(ids, "auth-api", ip, start=DEPLOY + timedelta(minutes=1), version="v7.4.0")
        for ip in ("10.0.80.91", "10.0.81.57")
    ]
    app = AuthApi(ids)
    service = web_service(
        ids,
        "auth-api",
        old + new,
        app,
        alb="identity-alb",
        domain="auth.example.com",
        log_group="/ecs/auth-api",
    )
    drive(
        service,
        START,
        END,
        lambda m: 110,
        [(0.7, "POST", "/oauth2/token"), (0.3, "GET", "/oauth2/userinfo")],
        user_agent="okhttp/4.12.0",
    )
    # The ALB's access logs are not enabled for this load balancer: app logs and metrics only.
    writer.jsonl("logs/ecs-auth-api.jsonl", service.logs.sorted_events())
    metrics = service.metric_file(minutes(START, END))
    metrics.add(
        "AWS/ECS",
        "MemoryUtilization",
        {"ClusterName": "identity", "ServiceName": "auth-api"},
        mean_by_minute(app.memory),
        unit="Percent",
        statistic="Average",
    )
    metrics.write(writer)
    _trail(ids).write(writer)
    fired = service_alarm(
        service,
        "auth-api-5xx",
        "Target 5XX on identity-alb",
        "HTTPCode_Target_5XX_Count",
        threshold=10.0,
    )
    writer.manifest(_manifest(fired))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="auth-api 5XX",
        architecture="ALB identity-alb (access logs not enabled) -> ECS service auth-api (two "
        "tasks, Spring Boot, 2 GiB heap) -> DynamoDB sessions table; KMS for token signing.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "Release auth-api:311 (v7.4.0, UpdateService at 09:12:30, five hours "
            "before the alarm) added an in-memory session cache that never evicts; heap use "
            "grows with every request, GC pauses lengthen, and after ~5 h the tasks fail with "
            "java.lang.OutOfMemoryError: Java heap space until ECS replaces them.",
            "categories": ["resource-exhaustion", "deployment"],
            "must_mention": [
                ["OutOfMemoryError", "heap", "memory leak", "leak"],
                ["auth-api:311", "v7.4.0", "session cache", "SessionCache", "evictions=0"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "OutOfMemoryError"},
                {"source": "cloudtrail", "contains": "auth-api:311"},
            ],
            "red_herrings": [
                "the PutRolePolicy on auth-api-task (KMS signing) 20 minutes before the alarm"
            ],
            "difficulty": "hard",
        },
        tags=[
            "resource-exhaustion",
            "slow-leak",
            "long-window",
            "ecs",
            "logs",
            "cloudtrail",
            "holdout",
        ],
    )
