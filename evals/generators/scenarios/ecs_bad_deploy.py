"""deployment: a new checkout image (v2.8.0) throws a NullPointerException whenever a cart
carries a coupon; only the new tasks' targets return 500. A DBA's benign RDS backup-window
change shortly before is the red herring."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from evals.generators.actors import CODEPIPELINE, dashboard_poll, sso_user
from evals.generators.alb import LoadBalancer
from evals.generators.app_logs import LogGroup, spring_line
from evals.generators.cloudtrail import Principal, Trail
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.web_service import Request, Response, WebService, ecs_task, service_alarm
from evals.generators.xray import sql_call

NAME = "ecs-bad-deploy"
START, END = utc("2026-03-09T14:00:00Z"), utc("2026-03-09T14:45:00Z")
REGISTER, UPDATE = utc("2026-03-09T14:12:41Z"), utc("2026-03-09T14:12:44Z")
DB_CHANGE = utc("2026-03-09T14:05:12Z")
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/checkout"
NPE = (
    'java.lang.NullPointerException: Cannot invoke "com.example.checkout.pricing.Coupon'
    '.getDiscountRate()" because "coupon" is null'
)
STACK = (
    "\n\tat com.example.checkout.pricing.CartPricingService.applyCoupon(CartPricingService.java:88)"
    "\n\tat com.example.checkout.pricing.CartPricingService.price(CartPricingService.java:41)"
    "\n\tat com.example.checkout.web.CartController.{handler}(CartController.java:57)"
    "\n\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(Unknown Source)"
    "\n\tat org.springframework.web.method.support.InvocableHandlerMethod.doInvoke"
    "(InvocableHandlerMethod.java:255)"
)
ROUTES = [
    ("GET", "/api/products", 0.55),
    ("GET", "/api/cart", 0.25),
    ("POST", "/api/checkout", 0.2),
]
DB_URL = "jdbc:postgresql://orders-db.c9akciq32.us-east-1.rds.amazonaws.com:5432/orders"


def handler(request: Request, ids: Ids) -> Response:
    rng = ids.rng
    thread = f"nio-8080-exec-{rng.randint(1, 24)}"
    query_ms = rng.uniform(2, 9)
    subs = [
        sql_call(
            ids,
            "orders@orders-db",
            DB_URL,
            request.at,
            request.at + timedelta(milliseconds=query_ms),
        )
    ]
    if request.path == "/api/products":
        if rng.random() < 0.03:
            return Response(404, rng.uniform(0.004, 0.01), subsegments=subs, sent_bytes=190)
        return Response(200, rng.uniform(0.012, 0.05), subsegments=subs, sent_bytes=4212)
    has_coupon = rng.random() < 0.42
    seconds = rng.uniform(0.03, 0.12) if request.method == "POST" else rng.uniform(0.015, 0.04)
    if has_coupon and request.target.version == "v2.8.0":
        name = "checkout" if request.method == "POST" else "getCart"
        at = request.at + timedelta(seconds=seconds)
        line = (
            spring_line(
                at,
                "ERROR",
                thread,
                "c.e.c.web.GlobalExceptionHandler",
                f"Unhandled exception on {request.method} {request.path} [traceId={request.trace_id}]",
            )
            + "\n"
            + NPE
            + STACK.format(handler=name)
        )
        return Response(
            500,
            seconds,
            [(seconds * 1000, line)],
            subs,
            sent_bytes=301,
            exception=("NullPointerException", NPE.split(": ", 1)[1]),
        )
    lines = []
    if request.method == "POST":
        total = rng.randint(1200, 38000)
        lines.append(
            (
                seconds * 1000,
                spring_line(
                    request.at + timedelta(seconds=seconds),
                    "INFO",
                    thread,
                    "c.e.c.service.CheckoutService",
                    f"Order placed: items={rng.randint(1, 7)} total_cents={total} coupon={has_coupon}",
                ),
            )
        )
    return Response(201 if request.method == "POST" else 200, seconds, lines, subs, sent_bytes=920)


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=17),
        END,
        "shop-",
        (
            "ecs.amazonaws.com",
            "DescribeServices",
            {"cluster": "shop", "services": ["checkout"]},
        ),
    )
    dba = sso_user("ravi.k@example.com", ip="198.51.100.23")
    trail.call(
        DB_CHANGE,
        dba,
        "rds.amazonaws.com",
        "ModifyDBInstance",
        read_only=False,
        request={
            "dBInstanceIdentifier": "orders-db",
            "applyImmediately": False,
            "preferredBackupWindow": "03:00-03:30",
        },
        response={
            "dBInstanceIdentifier": "orders-db",
            "dBInstanceClass": "db.r6g.large",
            "engine": "postgres",
            "dBInstanceStatus": "available",
            "preferredBackupWindow": "03:00-03:30",
            "multiAZ": True,
            "engineVersion": "16.2",
        },
    )
    container = {
        "name": "checkout",
        "image": f"{IMAGE}:v2.8.0",
        "cpu": 512,
        "memory": 1024,
        "essential": True,
        "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": "/ecs/checkout",
                "awslogs-region": "us-east-1",
                "awslogs-stream-prefix": "checkout",
            },
        },
    }
    td_arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:42"
    trail.call(
        REGISTER,
        CODEPIPELINE,
        "ecs.amazonaws.com",
        "RegisterTaskDefinition",
        read_only=False,
        request={
            "family": "checkout",
            "networkMode": "awsvpc",
            "cpu": "512",
            "memory": "1024",
            "requiresCompatibilities": ["FARGATE"],
            "containerDefinitions": [container],
        },
        response={
            "taskDefinition": {
                "taskDefinitionArn": td_arn,
                "family": "checkout",
                "revision": 42,
                "status": "ACTIVE",
                "containerDefinitions": [container],
            }
        },
    )
    trail.call(
        UPDATE,
        CODEPIPELINE,
        "ecs.amazonaws.com",
        "UpdateService",
        read_only=False,
        request={
            "cluster": "shop",
            "service": "checkout",
            "taskDefinition": "checkout:42",
            "forceNewDeployment": False,
        },
        response={
            "service": {
                "serviceName": "checkout",
                "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/shop",
                "taskDefinition": td_arn,
                "desiredCount": 2,
                "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100},
            }
        },
    )
    ecs = Principal(
        "AssumedRole",
        "AWSServiceRoleForECS",
        "ecs-service-scheduler",
        source_ip="ecs.amazonaws.com",
        user_agent="ecs.amazonaws.com",
        role_id="AROAZ6EXAMPLEECSSLR1",
    )
    tg = (
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/checkout-tg/"
        "6d0ecf831eec9f09"
    )
    for at, name, ips in [
        (utc("2026-03-09T14:14:28Z"), "RegisterTargets", ["10.0.12.31", "10.0.13.58"]),
        (utc("2026-03-09T14:16:55Z"), "DeregisterTargets", ["10.0.12.204", "10.0.13.17"]),
    ]:
        trail.call(
            at,
            ecs,
            "elasticloadbalancing.amazonaws.com",
            name,
            read_only=False,
            request={"targetGroupArn": tg, "targets": [{"id": ip, "port": 8080} for ip in ips]},
            response=None,
        )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    cutover, drained = utc("2026-03-09T14:14:30Z"), utc("2026-03-09T14:17:00Z")
    targets = [
        ecs_task(ids, "checkout", "10.0.12.204", stop=drained, version="v2.7.3"),
        ecs_task(ids, "checkout", "10.0.13.17", stop=drained, version="v2.7.3"),
        ecs_task(ids, "checkout", "10.0.12.31", start=cutover, version="v2.8.0"),
        ecs_task(ids, "checkout", "10.0.13.58", start=cutover, version="v2.8.0"),
    ]
    lb = LoadBalancer(
        "shop-alb", "50dc6c495c0c9188", "checkout-tg", "6d0ecf831eec9f09", "shop.example.com", ids
    )
    service = WebService("checkout", lb, LogGroup("/ecs/checkout"), targets, handler, ids)
    # a housekeeping warning on an old task, well before the deployment
    service.logs.emit(
        targets[0].log_stream,
        utc("2026-03-09T14:06:02Z"),
        spring_line(
            utc("2026-03-09T14:06:02Z"),
            "WARN",
            "l-1 housekeeper",
            "com.zaxxer.hikari.pool.HikariPool",
            "HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta=1m2s).",
        ),
    )
    for target in targets:
        if target.start is None:  # started before the window
            continue
        at = target.start
        service.logs.emit(
            target.log_stream,
            at - timedelta(seconds=9),
            spring_line(
                at - timedelta(seconds=9),
                "INFO",
                "main",
                "c.e.checkout.CheckoutApplication",
                f"Started CheckoutApplication {target.version} in 7.912 seconds",
            ),
        )
    for at in arrivals(ids.rng, START, END, lambda m: 70):
        method, path = _route(ids)
        service.request(at, method, path)
    service.write(writer)
    service.metric_file(minutes(START, END)).write(writer)
    _trail(ids).write(writer)
    fired_alarm = service_alarm(
        service,
        "shop-checkout-target-5xx",
        "Target 5XX responses on shop-alb",
        "HTTPCode_Target_5XX_Count",
        threshold=10.0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _route(ids: Ids) -> tuple[str, str]:
    roll = ids.rng.random()
    for method, path, share in ROUTES:
        if roll < share:
            return method, path
        roll -= share
    return ROUTES[-1][0], ROUTES[-1][1]


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="Checkout 5XX after a deployment",
        architecture="ALB shop-alb -> ECS Fargate service checkout (cluster shop, Spring Boot, "
        "target group checkout-tg) -> RDS for PostgreSQL orders-db. Deployed by CodePipeline "
        "(rolling update, ECS service scheduler registers the new tasks).",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "The deployment of checkout v2.8.0 (task definition checkout:42, "
            "UpdateService at 14:12) introduced a NullPointerException in "
            "CartPricingService.applyCoupon for carts with a coupon; only the new tasks "
            "(10.0.12.31, 10.0.13.58) return 500. Roll back to checkout:41.",
            "category": "deployment",
            "must_mention": [
                ["v2.8.0", "checkout:42", "deploy", "UpdateService", "task definition"],
                ["NullPointerException", "coupon"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "NullPointerException"},
                {"source": "cloudtrail", "contains": "UpdateService"},
                {"source": "alb", "contains": "10.0.12.31"},
            ],
            "red_herrings": [
                "an RDS ModifyDBInstance (backup window, not applied immediately) at 14:05",
                "a HikariPool housekeeper warning on an old task at 14:06",
            ],
            "difficulty": "medium",
        },
        tags=["deployment", "alb", "ecs", "rds", "logs", "cloudtrail", "alb-logs"],
    )
