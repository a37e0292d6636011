"""configuration: an engineer turns on automatic rotation for the orders database secret;
rotating at once, the single-user rotation function changes the PostgreSQL password. The
orders-api tasks read the secret only at start-up, so each pooled connection that comes
up for renewal fails with "password authentication failed". A DBA's parameter-group change
(slow-statement logging) ten minutes earlier is the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import dashboard_poll, sso_user
from evals.generators.alb import LoadBalancer
from evals.generators.app_logs import LogGroup, json_line, postgres_line
from evals.generators.cloudtrail import Trail
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.db_pool import ConnectionPool
from evals.generators.lambda_logs import LambdaLogs
from evals.generators.manifest import manifest, readme_beside
from evals.generators.secrets_rotation import Secret, rotate
from evals.generators.web_service import Request, Response, WebService, ecs_task, service_alarm
from evals.generators.xray import sql_call

NAME = "secret-rotation-broke-db-auth"
START, END = utc("2026-04-07T10:00:00Z"), utc("2026-04-07T10:45:00Z")
PARAM_CHANGE = utc("2026-04-07T10:03:48Z")
ROTATE_AT = utc("2026-04-07T10:13:52Z")
SECRET = Secret("prod/orders-api/postgres", "Xk3P9q")
DB_HOST = "orders-db.c7hq2mzy1x.us-east-1.rds.amazonaws.com"
DB_USER = "orders_app"
AUTH_ERROR = (
    f'connection to server at "{DB_HOST}" (10.0.21.37), port 5432 failed: FATAL:  '
    f'password authentication failed for user "{DB_USER}"'
)
ROUTES = [("GET", "/v2/orders/{id}", 0.6), ("GET", "/v2/orders", 0.2), ("POST", "/v2/orders", 0.2)]


class OrdersApi:
    """FastAPI + SQLAlchemy (pool_size 4, pool_recycle 300 s); the database password comes
    from the secret, read once when the task starts."""

    def __init__(self, ids: Ids, db_log: LogGroup) -> None:
        self.pool = ConnectionPool(4, timedelta(seconds=300), ids.rng)
        self.db_log = db_log
        self.password_changed: datetime | None = None
        self.sessions: list[tuple[datetime, int]] = []

    def _db_event(self, at: datetime, client: str, level: str, message: str) -> None:
        pid = 20000 + int(at.timestamp() * 1000) % 9000
        self.db_log.emit(
            "orders-db.0", at, postgres_line(at, client, DB_USER, "orders", pid, level, message)
        )

    def __call__(self, request: Request, ids: Ids) -> Response:
        rng = ids.rng
        task = request.target.name
        client = f"{request.target.address.split(':')[0]}({rng.randint(32768, 60999)})"
        slot, reconnect = self.pool.checkout(task, request.at)

        def log(level: str, message: str, ms: float, **fields: Any) -> tuple[float, str]:
            at = request.at + timedelta(milliseconds=ms)
            return ms, json_line(
                at, level, "orders.api", message, request_id=request.request_id, **fields
            )

        url = f"postgresql://{DB_HOST}:5432/orders"
        if reconnect and self.password_changed and request.at >= self.password_changed:
            self.pool.failed(task, slot)
            ms = rng.uniform(9, 16)
            at = request.at + timedelta(milliseconds=ms - 2)
            self._db_event(
                at, client, "FATAL", f'password authentication failed for user "{DB_USER}"'
            )
            self._db_event(
                at,
                client,
                "DETAIL",
                'Connection matched pg_hba.conf line 13: "hostssl all all 0.0.0.0/0 md5"',
            )
            sub = sql_call(
                ids,
                f"orders@{DB_HOST}",
                url,
                request.at,
                at,
                error=f"OperationalError: {AUTH_ERROR}",
            )
            line = log(
                "ERROR",
                "Exception in ASGI application",
                ms,
                path=request.path,
                exc_info="sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) "
                f"{AUTH_ERROR}\n(Background on this error at: https://sqlalche.me/e/20/e3q8)",
            )
            return Response(
                500,
                ms / 1000,
                [line],
                [sub],
                exception=("OperationalError", AUTH_ERROR),
                sent_bytes=21,
            )
        if reconnect:
            self.pool.connected(task, slot, request.at)
        query_ms = rng.uniform(2, 11)
        if request.at >= PARAM_CHANGE and rng.random() < 0.012:
            # the lower log_min_duration_statement now logs the occasional report query
            query_ms = rng.uniform(260, 480)
            self._db_event(
                request.at + timedelta(milliseconds=query_ms),
                client,
                "LOG",
                f"duration: {query_ms:.3f} ms  statement: SELECT o.id, o.status, o.total_cents, "
                "o.created_at FROM orders o WHERE o.customer_id = $1 ORDER BY o.created_at DESC "
                "LIMIT 50",
            )
        sub = sql_call(
            ids, f"orders@{DB_HOST}", url, request.at, request.at + timedelta(milliseconds=query_ms)
        )
        seconds = (query_ms + rng.uniform(4, 18)) / 1000
        lines = []
        if request.method == "POST":
            lines.append(log("INFO", "order created", seconds * 1000, order_id=f"o-{ids.hex(10)}"))
        status = 201 if request.method == "POST" else (404 if rng.random() < 0.03 else 200)
        return Response(status, seconds, lines, [sub], sent_bytes=rng.randint(300, 4800))


def _checkpoints(db_log: LogGroup, ids: Ids) -> None:
    """What RDS for PostgreSQL logs anyway: checkpoints every five minutes."""
    for mark in minutes(START, END)[::5]:
        at = mark + timedelta(seconds=ids.rng.randint(10, 20))
        prefix = f"{at:%Y-%m-%d %H:%M:%S} UTC::@:[{ids.rng.randint(400, 499)}]:LOG:  "
        db_log.emit("orders-db.0", at, prefix + "checkpoint starting: time")
        done = at + timedelta(seconds=ids.rng.randint(20, 40))
        db_log.emit(
            "orders-db.0",
            done,
            f"{done:%Y-%m-%d %H:%M:%S} UTC::@:[{ids.rng.randint(400, 499)}]:LOG:  checkpoint "
            f"complete: wrote {ids.rng.randint(40, 900)} buffers ({ids.rng.uniform(0.1, 5):.1f}%); "
            f"0 WAL file(s) added, 0 removed, 1 recycled; write={ids.rng.uniform(4, 26):.3f} s",
        )


def _trail(ids: Ids, rotation: LambdaLogs) -> tuple[Trail, datetime]:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=21),
        END,
        "orders-",
        ("rds.amazonaws.com", "DescribeDBInstances", {"dBInstanceIdentifier": "orders-db"}),
    )
    dba = sso_user("ravi.k@example.com", ip="198.51.100.23")
    trail.call(
        PARAM_CHANGE,
        dba,
        "rds.amazonaws.com",
        "ModifyDBParameterGroup",
        read_only=False,
        request={
            "dBParameterGroupName": "orders-pg16",
            "parameters": [
                {
                    "parameterName": "log_min_duration_statement",
                    "parameterValue": "250",
                    "applyMethod": "immediate",
                }
            ],
        },
        response={"dBParameterGroupName": "orders-pg16"},
    )
    engineer = sso_user("mia.w@example.com", ip="198.51.100.61")
    trail.call(
        ROTATE_AT - timedelta(seconds=75),
        engineer,
        "secretsmanager.amazonaws.com",
        "DescribeSecret",
        read_only=True,
        request={"secretId": SECRET.name},
    )
    password_set = rotate(
        trail,
        rotation,
        ids,
        secret=SECRET,
        requested_by=engineer,
        at=ROTATE_AT,
        db_user=DB_USER,
    )
    return trail, password_set


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    rotation = LambdaLogs("orders-db-secret-rotation", ids, memory_mb=128, timeout_s=30)
    trail, password_set = _trail(ids, rotation)
    db_log = LogGroup("/aws/rds/instance/orders-db/postgresql")
    _checkpoints(db_log, ids)
    app = OrdersApi(ids, db_log)
    app.password_changed = password_set
    targets = [
        ecs_task(ids, "orders-api", ip) for ip in ("10.0.40.23", "10.0.41.87", "10.0.40.152")
    ]
    lb = LoadBalancer(
        "orders-alb",
        "5b1c9d2e7f3a4b6c",
        "orders-api-tg",
        "2c4e6a8b0d1f3a5c",
        "api.orders.example.com",
        ids,
    )
    service = WebService("orders-api", lb, LogGroup("/ecs/orders-api"), targets, app, ids)
    for at in arrivals(ids.rng, START, END, lambda m: 70):
        method, path, _ = ids.rng.choices(ROUTES, weights=[r[2] for r in ROUTES])[0]
        service.request(at, method, path.replace("{id}", f"o-{ids.hex(10)}"))
        app.sessions.append((at, app.pool.open_connections(at)))
    service.write(writer)
    rotation.write(writer)
    writer.jsonl("logs/rds-orders-db-postgresql.jsonl", db_log.sorted_events())
    metrics = service.metric_file(minutes(START, END))
    connections: dict[datetime, float] = {}
    for at, open_now in app.sessions:
        connections[at.replace(second=0, microsecond=0)] = float(open_now + 2)  # + rdsadmin
    metrics.add(
        "AWS/RDS",
        "DatabaseConnections",
        {"DBInstanceIdentifier": "orders-db"},
        connections,
        statistic="Average",
    )
    metrics.write(writer)
    trail.write(writer)
    fired_alarm = service_alarm(
        service,
        "orders-api-target-5xx",
        "Target 5XX on orders-alb",
        "HTTPCode_Target_5XX_Count",
        threshold=10.0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="orders-api 5XX",
        architecture="ALB orders-alb -> ECS Fargate service orders-api (three tasks, FastAPI + "
        "SQLAlchemy) -> RDS for PostgreSQL orders-db. The database credentials live in the "
        f"Secrets Manager secret {SECRET.name}.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "At 10:13:52 an engineer enabled rotation of the secret "
            f"{SECRET.name} (RotateSecret, rotate immediately); the single-user rotation "
            f"function set a new password for {DB_USER} in orders-db. orders-api reads the "
            "secret only at start-up, so every pooled connection that is renewed after the "
            "rotation fails with 'password authentication failed' and the request returns 500; "
            "errors ramp up as the pools recycle. Restart the tasks (or make the app re-read "
            "the secret on authentication failure).",
            "category": "configuration",
            "must_mention": [
                ["password authentication failed", "authentication fail", "credential"],
                [
                    "RotateSecret",
                    "rotation",
                    "rotated",
                    "UpdateSecretVersionStage",
                    "PutSecretValue",
                ],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "password authentication failed"},
                {"source": "cloudtrail", "contains": "RotateSecret"},
            ],
            "red_herrings": [
                "the DBA's ModifyDBParameterGroup on orders-pg16 (log_min_duration_statement "
                "-> 250 ms) at 10:03, and the slow-statement lines it makes PostgreSQL log",
            ],
            "difficulty": "medium",
        },
        tags=[
            "holdout",
            "configuration",
            "alb",
            "ecs",
            "rds",
            "secrets-manager",
            "logs",
            "cloudtrail",
            "alb-logs",
        ],
    )
