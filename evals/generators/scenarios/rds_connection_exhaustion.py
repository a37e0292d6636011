"""resource-exhaustion: a CPU-driven scale-out triples the inventory-api tasks; each opens a
pool of 20 PostgreSQL connections and the database runs out of connection slots. The last
tasks to start cannot get a connection and fail every request after Hikari's 30 s
timeout. The signal is clearest in metrics (DatabaseConnections flat at the limit,
RunningTaskCount 4 -> 12). A WAL checkpoint warning is the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import dashboard_poll
from evals.generators.alb import LoadBalancer
from evals.generators.app_logs import LogGroup, postgres_line, spring_line
from evals.generators.cloudtrail import Principal, Trail
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.web_service import (
    Request,
    Response,
    Target,
    WebService,
    ecs_task,
    service_alarm,
)

NAME = "rds-connection-exhaustion"
START, END = utc("2026-03-23T15:00:00Z"), utc("2026-03-23T15:45:00Z")
SCALE_OUT = utc("2026-03-23T15:06:05Z")
SLOTS = 160  # max_connections 170 minus superuser-reserved and background sessions
POOL = 20
FATAL = "remaining connection slots are reserved for non-replication superuser connections"


class InventoryApi:
    def __init__(self, targets: list[Target], db_logs: LogGroup, ids: Ids) -> None:
        self.ids = ids
        self.db_logs = db_logs
        self.pools: dict[str, int] = {}
        used = 0
        for target in sorted(targets, key=lambda t: t.start or START):
            self.pools[target.name] = max(0, min(POOL, SLOTS - used))
            used += self.pools[target.name]

    def connections_at(self, at: datetime, targets: list[Target]) -> float:
        return float(sum(self.pools[t.name] for t in targets if t.serving(at)))

    def __call__(self, request: Request, ids: Ids) -> Response:
        rng = ids.rng
        if self.pools[request.target.name] > 0:
            seconds = rng.uniform(0.01, 0.06)
            return Response(200, seconds, sent_bytes=rng.randint(300, 2400))
        thread = f"nio-8080-exec-{rng.randint(1, 50)}"
        at = request.at + timedelta(seconds=30)
        client = request.target.address.split(":")[0]
        self.db_logs.emit(
            "postgresql",
            request.at + timedelta(milliseconds=rng.randint(5, 900)),
            postgres_line(
                request.at,
                f"{client}({rng.randint(30000, 60000)})",
                "inventory",
                "inventory",
                rng.randint(20000, 40000),
                "FATAL",
                FATAL,
            ),
        )
        message = (
            spring_line(
                at,
                "ERROR",
                thread,
                "o.a.c.c.C.[.[.[/].[dispatcherServlet]",
                "Servlet.service() threw exception [Request processing failed: org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection] with root cause",
            )
            + f"\njava.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms (total=0, active=0, idle=0, waiting={rng.randint(3, 40)})\nCaused by: org.postgresql.util.PSQLException: FATAL: {FATAL}"
        )
        return Response(500, 30.0 + rng.uniform(0.001, 0.02), [(30000.0, message)], sent_bytes=250)


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=11),
        END,
        "inventory-",
        ("rds.amazonaws.com", "DescribeDBInstances", {"dBInstanceIdentifier": "inventory-db"}),
    )
    scaler = Principal(
        "AssumedRole",
        "AWSServiceRoleForApplicationAutoScaling_ECSService",
        "AutoScaling",
        source_ip="application-autoscaling.amazonaws.com",
        user_agent="application-autoscaling.amazonaws.com",
        role_id="AROAZ6EXAMPLEAASSLR1",
    )
    for at, count in ((SCALE_OUT, 8), (SCALE_OUT + timedelta(minutes=2, seconds=10), 12)):
        trail.call(
            at,
            scaler,
            "ecs.amazonaws.com",
            "UpdateService",
            read_only=False,
            request={"cluster": "inventory", "service": "inventory-api", "desiredCount": count},
            response={
                "service": {
                    "serviceName": "inventory-api",
                    "desiredCount": count,
                    "runningCount": 4,
                    "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/inventory-api:17",
                    "launchType": "FARGATE",
                }
            },
        )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    ips = [f"10.0.60.{n}" for n in (11, 24, 37, 52, 68, 73, 85, 99, 104, 117, 126, 140)]
    starts = (
        [None] * 4
        + [SCALE_OUT + timedelta(seconds=70 + 12 * i) for i in range(4)]
        + [SCALE_OUT + timedelta(minutes=3, seconds=20 + 15 * i) for i in range(4)]
    )
    targets = [
        ecs_task(ids, "inventory-api", ip, start=s) for ip, s in zip(ips, starts, strict=True)
    ]
    db_logs = LogGroup("/aws/rds/instance/inventory-db/postgresql")
    api = InventoryApi(targets, db_logs, ids)
    lb = LoadBalancer(
        "inventory-alb",
        "5e4d3c2b1a0f9e8d",
        "inventory-api-tg",
        "4c5d6e7f8a9b0c1d",
        "inventory.internal.example.com",
        ids,
    )
    service = WebService(
        "inventory-api",
        lb,
        LogGroup("/ecs/inventory-api"),
        targets,
        api,
        ids,
        trace_sample_rate=0.0,
    )
    for minute in range(0, 45, 4):  # background WAL checkpoints; one noisy warning
        at = START + timedelta(minutes=minute, seconds=31)
        db_logs.emit(
            "postgresql",
            at,
            postgres_line(
                at,
                "[local]",
                "rdsadmin",
                "rdsadmin",
                612,
                "LOG",
                f"checkpoint complete: wrote {ids.rng.randint(900, 4000)} buffers",
            ),
        )
    at = utc("2026-03-23T15:03:44Z")
    db_logs.emit(
        "postgresql",
        at,
        postgres_line(
            at,
            "",
            "",
            "",
            598,
            "LOG",
            'checkpoints are occurring too frequently (24 seconds apart)\n2026-03-23 15:03:44 UTC::@:[598]:HINT:  Consider increasing the configuration parameter "max_wal_size".',
        ),
    )
    for at in arrivals(ids.rng, START, END, lambda m: 110):
        service.request(
            at, "GET", f"/v1/stock/{ids.rng.randint(10000, 99999)}", user_agent="Go-http-client/2.0"
        )
    service.write(writer, traces=False)
    writer.jsonl("logs/rds-inventory-db-postgresql.jsonl", db_logs.sorted_events())
    metrics = service.metric_file(minutes(START, END))
    marks = metrics.marks
    running = {
        m: float(sum(1 for t in targets if t.serving(m + timedelta(seconds=59)))) for m in marks
    }
    metrics.add(
        "ECS/ContainerInsights",
        "RunningTaskCount",
        {"ClusterName": "inventory", "ServiceName": "inventory-api"},
        running,
        statistic="Average",
    )
    cpu = {
        m: 38
        + 37
        * min(1.0, max(0.0, (m - utc("2026-03-23T15:01:00Z")).total_seconds() / 240))
        * (4 / max(4.0, running[m])) ** 0.5
        for m in marks
    }
    metrics.add(
        "AWS/ECS",
        "CPUUtilization",
        {"ClusterName": "inventory", "ServiceName": "inventory-api"},
        cpu,
        unit="Percent",
        statistic="Average",
    )
    connections = {
        m: min(SLOTS, api.connections_at(m + timedelta(seconds=59), targets)) + 7 for m in marks
    }
    metrics.add(
        "AWS/RDS",
        "DatabaseConnections",
        {"DBInstanceIdentifier": "inventory-db"},
        connections,
        statistic="Maximum",
    )
    metrics.add(
        "AWS/RDS",
        "CPUUtilization",
        {"DBInstanceIdentifier": "inventory-db"},
        {m: 22 + ids.rng.uniform(0, 8) for m in marks},
        unit="Percent",
        statistic="Average",
    )
    metrics.write(writer)
    _trail(ids).write(writer)
    fired_alarm = service_alarm(
        service,
        "inventory-api-target-5xx",
        "Target 5XX on inventory-alb",
        "HTTPCode_Target_5XX_Count",
        threshold=10.0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="inventory-api 5XX during a scale-out",
        architecture="Internal ALB inventory-alb -> ECS Fargate service inventory-api (Spring "
        "Boot, HikariCP minimumIdle 20; target tracking on CPU 60 %, 4-12 tasks) -> RDS for "
        "PostgreSQL inventory-db (db.t4g.medium, max_connections 170).",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "Application Auto Scaling raised inventory-api from 4 to 12 tasks "
            "(CPU target tracking, 15:06-15:08); each task opens 20 pooled connections, so "
            "inventory-db reaches its connection limit (max_connections 170) and the last "
            "tasks get 'remaining connection slots are reserved' and fail every request after "
            "30 s. Lower the per-task pool, cap the task count, or use RDS Proxy.",
            "categories": ["resource-exhaustion", "capacity"],
            "must_mention": [
                [
                    "connection slots",
                    "max_connections",
                    "connection limit",
                    "too many",
                    "connections",
                ],
                ["scale", "tasks", "task count", "autoscaling"],
            ],
            "key_evidence": [
                {"source": "metrics", "contains": "DatabaseConnections"},
                {"source": "logs", "contains": "remaining connection slots"},
            ],
            "red_herrings": [
                "a PostgreSQL 'checkpoints are occurring too frequently' warning at 15:03"
            ],
            "difficulty": "hard",
        },
        tags=[
            "resource-exhaustion",
            "alb",
            "ecs",
            "rds",
            "metrics-led",
            "logs",
            "alb-logs",
            "cloudtrail",
        ],
    )
