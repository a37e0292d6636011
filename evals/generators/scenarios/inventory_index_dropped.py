"""deployment, two hops away: checkout-web (behind the ALB that alarms) times out calling
inventory-service, whose new release ran a migration that dropped the index on stock.sku;
every stock lookup becomes a sequential scan and inventory-db's CPU saturates. checkout's
own deployment, the change nearest the onset, is the red herring."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from evals.generators.actors import CODEPIPELINE
from evals.generators.app_logs import LogGroup, json_line
from evals.generators.cloudtrail import Trail
from evals.generators.common import BundleWriter, Ids, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.metrics import mean_by_minute
from evals.generators.scenarios._harder import drive, line, update_service, web_service
from evals.generators.web_service import Request, Response, ecs_task, service_alarm
from evals.generators.xray import remote_http

NAME = "inventory-index-dropped"
START, END = utc("2026-04-07T13:30:00Z"), utc("2026-04-07T14:15:00Z")
CHECKOUT_DEPLOY = utc("2026-04-07T13:47:20Z")
INVENTORY_DEPLOY = utc("2026-04-07T13:46:40Z")
MIGRATED = INVENTORY_DEPLOY + timedelta(minutes=1, seconds=35)
INVENTORY = "inventory.internal.shop:8080"


class Checkout:
    """checkout-web asks inventory-service for stock before it reserves; a 2 s read timeout."""

    def __init__(self, ids: Ids) -> None:
        self.inventory = LogGroup("/ecs/inventory-service")
        self.streams = [f"inventory-service/inventory-service/{ids.hex(32)}" for _ in range(2)]
        self.db_cpu: list[tuple[Any, float]] = []

    def __call__(self, request: Request, ids: Ids) -> Response:
        rng = ids.rng
        slow = request.at >= MIGRATED
        query_ms = rng.lognormvariate(8.0, 0.25) if slow else rng.uniform(2, 9)
        self.db_cpu.append(
            (request.at, min(99.0, 96 + rng.random() * 3) if slow else 18 + rng.random() * 6)
        )
        stream = rng.choice(self.streams)
        sku = f"SKU-{rng.randint(10000, 99999)}"
        at = request.at + timedelta(milliseconds=4)
        if slow:
            self.inventory.emit(
                stream,
                at + timedelta(milliseconds=query_ms),
                json_line(
                    at + timedelta(milliseconds=query_ms),
                    "WARN",
                    "inventory.repo",
                    f"slow query {query_ms:.0f} ms: SELECT qty, reserved FROM stock WHERE sku = $1",
                    plan="Seq Scan on stock (rows=4210337)",
                    sku=sku,
                ),
            )
        else:
            self.inventory.emit(
                stream,
                at + timedelta(milliseconds=query_ms + 1),
                json_line(
                    at, "INFO", "inventory.api", "stock served", sku=sku, ms=round(query_ms, 1)
                ),
            )
        url = f"http://{INVENTORY}/v1/stock/{sku}"
        if query_ms >= 2000:
            end = at + timedelta(seconds=2)
            sub = remote_http(
                ids,
                "inventory-service",
                "GET",
                url,
                at,
                end,
                status=None,
                error_type="ReadTimeout",
                error_message="HTTPConnectionPool(host='inventory.internal.shop', port=8080): Read timed out. (read timeout=2.0)",
            )
            return Response(
                503,
                2.01 + rng.uniform(0.001, 0.01),
                [
                    line(
                        request,
                        2005,
                        "ERROR",
                        "checkout.cart",
                        "stock check failed; answering 503",
                        error="ReadTimeout",
                        upstream="inventory-service",
                        sku=sku,
                    )
                ],
                [sub],
                exception=("ReadTimeout", "inventory-service read timed out"),
                sent_bytes=118,
            )
        sub = remote_http(
            ids,
            "inventory-service",
            "GET",
            url,
            at,
            at + timedelta(milliseconds=query_ms + 3),
            status=200,
        )
        seconds = (query_ms + rng.uniform(15, 40)) / 1000
        return Response(
            200,
            seconds,
            [line(request, seconds * 1000, "INFO", "checkout.cart", "cart priced", sku=sku)],
            [sub],
            sent_bytes=rng.randint(700, 2400),
        )


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    update_service(
        trail,
        CHECKOUT_DEPLOY,
        CODEPIPELINE,
        cluster="shop",
        service="checkout-web",
        task_definition="checkout-web:212",
    )
    update_service(
        trail,
        INVENTORY_DEPLOY,
        CODEPIPELINE,
        cluster="shop",
        service="inventory-service",
        task_definition="inventory-service:88",
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    app = Checkout(ids)
    old = [
        ecs_task(ids, "checkout-web", ip, stop=CHECKOUT_DEPLOY + timedelta(minutes=2))
        for ip in ("10.0.40.11", "10.0.41.23")
    ]
    new = [
        ecs_task(
            ids, "checkout-web", ip, start=CHECKOUT_DEPLOY + timedelta(minutes=1), version="v5.31.0"
        )
        for ip in ("10.0.40.78", "10.0.41.92")
    ]
    service = web_service(
        ids,
        "checkout-web",
        old + new,
        app,
        alb="shop-alb",
        domain="shop.example.com",
        log_group="/ecs/checkout-web",
        trace_sample_rate=0.1,
    )
    drive(
        service,
        START,
        END,
        lambda m: 55,
        [(0.7, "POST", "/v1/cart/{n}/items"), (0.3, "GET", "/v1/cart/{n}")],
    )
    for stream in app.streams:  # the new inventory tasks migrate the schema when they start
        app.inventory.emit(
            stream,
            MIGRATED - timedelta(seconds=3),
            json_line(
                MIGRATED - timedelta(seconds=3),
                "INFO",
                "inventory.migrate",
                "applied migration 0042_drop_unused_indexes",
                statements="DROP INDEX IF EXISTS idx_stock_sku; DROP INDEX IF EXISTS idx_stock_updated_at",
            ),
        )
        break
    service.write(writer)
    writer.jsonl("logs/ecs-inventory-service.jsonl", app.inventory.sorted_events())
    metrics = service.metric_file(minutes(START, END))
    metrics.add(
        "AWS/RDS",
        "CPUUtilization",
        {"DBInstanceIdentifier": "inventory-db"},
        mean_by_minute(app.db_cpu),
        unit="Percent",
        statistic="Average",
    )
    metrics.write(writer)
    _trail(ids).write(writer)
    service.traces.write(writer)
    fired = service_alarm(
        service,
        "checkout-web-5xx",
        "Target 5XX on shop-alb",
        "HTTPCode_Target_5XX_Count",
        threshold=10.0,
    )
    writer.manifest(_manifest(fired))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="checkout-web 5XX",
        architecture="ALB shop-alb -> ECS service checkout-web -> (HTTP) ECS service "
        "inventory-service -> RDS for PostgreSQL inventory-db. Both services deploy through "
        "CodePipeline.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "inventory-service's release inventory-service:88 (UpdateService at "
            "13:46:40) ran migration 0042_drop_unused_indexes, which dropped idx_stock_sku; stock "
            "lookups became sequential scans taking seconds, inventory-db's CPU saturated, and "
            "checkout-web's 2 s calls to inventory-service time out, so checkout answers 503.",
            "categories": ["deployment", "data"],
            "must_mention": [
                ["inventory-service", "inventory"],
                ["idx_stock_sku", "index", "migration", "Seq Scan", "sequential scan"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "0042_drop_unused_indexes"},
                {"source": "cloudtrail", "contains": "inventory-service:88"},
            ],
            "red_herrings": [
                "checkout-web's own deployment (checkout-web:212) at 13:47:20, between the inventory deploy and the onset"
            ],
            "difficulty": "hard",
        },
        tags=[
            "deployment",
            "two-hops",
            "alb",
            "ecs",
            "rds",
            "logs",
            "cloudtrail",
            "alb-logs",
            "xray",
        ],
    )
