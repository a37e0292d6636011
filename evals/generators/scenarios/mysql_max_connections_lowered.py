"""configuration, two changes at the onset: within a minute, CodePipeline deploys orders-api
and an engineer lowers max_connections on the database's parameter group (a dynamic MySQL
parameter, applied at once). New connections are refused with "Too many connections"; the
freshly started tasks of the release open new pools, so their errors come first and the
deployment looks guilty."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import CODEPIPELINE, sso_user
from evals.generators.cloudtrail import Trail
from evals.generators.common import BundleWriter, Ids, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.metrics import max_by_minute
from evals.generators.scenarios._harder import drive, line, update_service, web_service
from evals.generators.web_service import Request, Response, Target, ecs_task, service_alarm

NAME = "mysql-max-connections-lowered"
START, END = utc("2026-04-09T10:00:00Z"), utc("2026-04-09T10:45:00Z")
DEPLOY = utc("2026-04-09T10:14:05Z")
PARAMETER_CHANGE = utc("2026-04-09T10:14:48Z")
POOL, MAX_AGE = 25, timedelta(seconds=300)
REFUSED = "(1040, 'Too many connections')"


class OrdersApi:
    """SQLAlchemy pools of 25 connections per task, recycled after 300 s."""

    def __init__(self, targets: list[Target]) -> None:
        self.targets = targets
        self.pools: dict[str, list[datetime | None]] = {}
        self.connections: list[tuple[datetime, float]] = []

    def live(self, at: datetime) -> int:
        serving = {t.name for t in self.targets if t.serving(at)}
        return sum(
            1
            for name, pool in self.pools.items()
            if name in serving
            for opened in pool
            if opened is not None and at - opened < MAX_AGE
        )

    def __call__(self, request: Request, ids: Ids) -> Response:
        rng = ids.rng
        at = request.at
        pool = self.pools.setdefault(
            request.target.name,
            [at - timedelta(seconds=rng.uniform(0, 290)) for _ in range(POOL)]
            if request.target.start is None
            else [None] * POOL,
        )
        live = self.live(at)
        self.connections.append((at, float(live)))
        slot = rng.randrange(POOL)
        opened = pool[slot]
        if opened is None or at - opened >= MAX_AGE:
            limit = 400 if at < PARAMETER_CHANGE else 60
            if live >= limit:
                pool[slot] = None
                return Response(
                    500,
                    rng.uniform(0.004, 0.012),
                    [
                        line(
                            request,
                            6,
                            "ERROR",
                            "orders.db",
                            "could not get a database connection",
                            error=f"sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) {REFUSED}",
                            path=request.path,
                        )
                    ],
                    exception=("OperationalError", REFUSED),
                    sent_bytes=140,
                )
            pool[slot] = at
        seconds = rng.uniform(0.012, 0.045)
        return Response(200, seconds, [], sent_bytes=rng.randint(500, 3000))


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    update_service(
        trail,
        DEPLOY,
        CODEPIPELINE,
        cluster="orders",
        service="orders-api",
        task_definition="orders-api:57",
    )
    dba = sso_user(
        "r.haddad@example.com", cli_command="rds.modify-db-parameter-group", ip="198.51.100.41"
    )
    parameters = [
        {"parameterName": "max_connections", "parameterValue": "60", "applyMethod": "immediate"},
    ]
    trail.call(
        PARAMETER_CHANGE,
        dba,
        "rds.amazonaws.com",
        "ModifyDBParameterGroup",
        read_only=False,
        request={"dBParameterGroupName": "orders-mysql80", "parameters": parameters},
        response={"dBParameterGroupName": "orders-mysql80"},
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    old = [
        ecs_task(ids, "orders-api", ip, stop=DEPLOY + timedelta(minutes=3))
        for ip in ("10.0.50.14", "10.0.51.20", "10.0.50.87")
    ]
    new = [
        ecs_task(ids, "orders-api", ip, start=DEPLOY + timedelta(seconds=70), version="v3.12.0")
        for ip in ("10.0.50.101", "10.0.51.66", "10.0.50.140")
    ]
    targets = old + new
    app = OrdersApi(targets)
    service = web_service(
        ids,
        "orders-api",
        targets,
        app,
        alb="orders-alb",
        domain="api.orders.example.com",
        log_group="/ecs/orders-api",
    )
    drive(
        service,
        START,
        END,
        lambda m: 90,
        [(0.6, "GET", "/v2/orders/{n}"), (0.4, "POST", "/v2/orders")],
    )
    service.write(writer)
    metrics = service.metric_file(minutes(START, END))
    metrics.add(
        "AWS/RDS",
        "DatabaseConnections",
        {"DBInstanceIdentifier": "orders-mysql"},
        max_by_minute(app.connections),
        statistic="Maximum",
    )
    metrics.write(writer)
    _trail(ids).write(writer)
    fired = service_alarm(
        service,
        "orders-api-5xx",
        "Target 5XX on orders-alb",
        "HTTPCode_Target_5XX_Count",
        threshold=20.0,
    )
    writer.manifest(_manifest(fired))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="orders-api 5XX",
        architecture="ALB orders-alb -> ECS service orders-api (three tasks, SQLAlchemy pools "
        "of 25) -> RDS for MySQL orders-mysql (parameter group orders-mysql80).",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "At 10:14:48 ModifyDBParameterGroup set max_connections=60 (applied "
            "immediately) on orders-mysql80, below the ~75 connections the three tasks' pools "
            "hold; new connections are refused with 1040 Too many connections. The release "
            "orders-api:57 (10:14:05) only made it show first: its new tasks open fresh pools.",
            "categories": ["configuration", "capacity"],
            "must_mention": [
                ["max_connections", "ModifyDBParameterGroup", "parameter group"],
                ["Too many connections", "1040", "connection limit"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "Too many connections"},
                {"source": "cloudtrail", "contains": "ModifyDBParameterGroup"},
            ],
            "red_herrings": ["the orders-api:57 deployment 43 s before the parameter change"],
            "difficulty": "hard",
        },
        tags=[
            "configuration",
            "two-changes",
            "alb",
            "ecs",
            "rds",
            "logs",
            "cloudtrail",
            "alb-logs",
        ],
    )
