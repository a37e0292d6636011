"""traffic: one tenant's backfill job writes thousands of items a minute under a single
partition key; that key range hits DynamoDB's per-partition limit and throttles, although
the table has three times the capacity it consumes. The engineer who planned the
backfill had raised the table's WCU minutes before: an UpdateTable right before the
throttling, like the demo incident, but this time it is the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import dashboard_poll, sso_user
from evals.generators.cloudtrail import Trail, resource, table_arn
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.knowledge import runbook
from evals.generators.lambda_logs import LambdaLogs, powertools_line
from evals.generators.manifest import manifest, readme_beside
from evals.generators.metrics import MetricFile, add_table_write_metrics
from evals.generators.serverless_api import Call, HandlerResult, Route, ServerlessApi, api_alarm
from evals.generators.xray import aws_call

NAME = "dynamodb-hot-partition"
START, END = utc("2026-04-08T13:00:00Z"), utc("2026-04-08T13:45:00Z")
CAPACITY_RAISE = utc("2026-04-08T13:01:20Z")
BACKFILL = utc("2026-04-08T13:06:00Z")
HOT_KEY = "globex#2026-04-08"
BACKFILL_UA = "globex-backfill/1.0 python-requests/2.31.0"
BACKFILL_IP = "34.201.77.18"
TENANTS = ["acme", "initech", "umbrella", "hooli", "stark", "wayne", "globex"]
THROTTLED = (
    "An error occurred (ProvisionedThroughputExceededException) when calling the BatchWriteItem "
    "operation (reached max retries: 9): The level of configured provisioned throughput for the "
    "table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
)
REASONS = [{"reason": "TableWriteKeyRangeThroughputExceeded", "resource": table_arn("events")}]


class EventsIngest:
    """`events-ingest`: POST /events (one item) and POST /events/batch (25 items, BatchWriteItem)."""

    def __init__(self, function: LambdaLogs) -> None:
        self.function = function
        self.consumed: list[tuple[datetime, float]] = []
        self.throttles: list[tuple[datetime, float]] = []

    def _line(
        self, call: Call, level: str, message: str, offset: float, **extra: Any
    ) -> tuple[float, str]:
        at = call.at + timedelta(milliseconds=offset)
        return offset, powertools_line(
            level,
            message,
            at=at,
            service="events",
            location="ingest:58",
            request_id=call.request_id,
            function_name="events-ingest",
            cold_start=call.cold_start,
            trace_id=call.trace_id,
            **extra,
        )

    def __call__(self, call: Call, ids: Ids) -> HandlerResult:
        rng = ids.rng
        batch = call.path.endswith("/batch")
        tenant = "globex" if batch else rng.choice(TENANTS)
        key = HOT_KEY if batch else f"{tenant}#2026-04-08"
        items, wcu_each = (25, 40) if batch else (1, 2)  # backfilled events carry ~40 KB
        start = call.at + timedelta(milliseconds=4)
        operation = "BatchWriteItem" if batch else "PutItem"
        # the backfill's key range is saturated; a small tenant sharing that partition suffers too
        hot = call.at >= BACKFILL and (
            (batch and rng.random() < 0.55) or (tenant == "globex" and rng.random() < 0.3)
        )
        if hot:
            duration = rng.uniform(1800, 3200)
            self.throttles.append((call.at, 10.0))
            sub = aws_call(
                ids,
                "DynamoDB",
                operation,
                start,
                start + timedelta(milliseconds=duration - 10),
                status=400,
                throttle=True,
                retries=9,
                resource={"table_name": "events", "resource_names": ["events"]},
                error_type="ProvisionedThroughputExceededException",
                error_message=THROTTLED,
            )
            line = self._line(
                call,
                "ERROR",
                f"{operation} failed for {items} event(s)",
                duration - 3,
                tenant=tenant,
                partition_key=key,
                error={
                    "code": "ProvisionedThroughputExceededException",
                    "operation": operation,
                    "table": "events",
                    "throttling_reasons": REASONS,
                },
                exception_name="ProvisionedThroughputExceededException",
                exception=f"botocore.errorfactory.ProvisionedThroughputExceededException: {THROTTLED.replace('BatchWriteItem', operation)}",
            )
            return HandlerResult(500, duration, [line], [sub], response_length=49)
        retries = rng.randint(1, 3) if batch and call.at >= BACKFILL else 0
        if retries:
            self.throttles.append((call.at, float(retries)))
        put_ms = (rng.uniform(12, 30) if batch else rng.uniform(4, 9)) + retries * rng.uniform(
            50, 120
        )
        duration = put_ms + rng.uniform(8, 20)
        self.consumed.append((call.at, float(items * wcu_each)))
        sub = aws_call(
            ids,
            "DynamoDB",
            operation,
            start,
            start + timedelta(milliseconds=put_ms),
            retries=retries,
            resource={"table_name": "events", "resource_names": ["events"]},
        )
        lines = []
        if batch or rng.random() < 0.2:
            lines.append(
                self._line(
                    call,
                    "INFO",
                    f"Stored {items} event(s)",
                    duration - 2,
                    tenant=tenant,
                    partition_key=key,
                )
            )
        return HandlerResult(202, duration, lines, [sub], response_length=31)


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    table = [resource("AWS::DynamoDB::Table", table_arn("events"))]
    dashboard_poll(
        trail,
        START + timedelta(seconds=37),
        END,
        "events-",
        ("dynamodb.amazonaws.com", "DescribeTable", {"tableName": "events"}),
    )
    engineer = sso_user(
        "priya.n@example.com", cli_command="dynamodb.update-table", ip="198.51.100.88"
    )
    trail.call(
        CAPACITY_RAISE,
        engineer,
        "dynamodb.amazonaws.com",
        "UpdateTable",
        read_only=False,
        request={
            "tableName": "events",
            "provisionedThroughput": {"readCapacityUnits": 500, "writeCapacityUnits": 3000},
        },
        response={
            "tableDescription": {
                "tableName": "events",
                "tableStatus": "UPDATING",
                "tableArn": table_arn("events"),
                "keySchema": [
                    {"attributeName": "pk", "keyType": "HASH"},
                    {"attributeName": "sk", "keyType": "RANGE"},
                ],
                "provisionedThroughput": {
                    "numberOfDecreasesToday": 0,
                    "readCapacityUnits": 500,
                    "writeCapacityUnits": 1000,
                },
            }
        },
        resources=table,
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    function = LambdaLogs("events-ingest", ids, memory_mb=512, runtime="python3.12", timeout_s=15)
    ingest = EventsIngest(function)
    api = ServerlessApi("events-api", "e9v3n7t2s1", "prod", ids, trace_sample_rate=0.05)
    api.route("single", Route("POST", "/events", function, ingest, lambda ids: "/events"))
    api.route(
        "batch", Route("POST", "/events/batch", function, ingest, lambda ids: "/events/batch")
    )
    schedule = [(at, "single") for at in arrivals(ids.rng, START, END, lambda m: 70)]
    schedule += [(at, "batch") for at in arrivals(ids.rng, BACKFILL, END, lambda m: 90)]
    for at, key in sorted(schedule):
        if key == "batch":
            api.request(key, at, client_ip=BACKFILL_IP, user_agent=BACKFILL_UA)
        else:
            api.request(key, at)
    api.write(writer, [function])
    metrics = MetricFile(marks=minutes(START, END))
    api.write_metrics(metrics, [function])
    add_table_write_metrics(
        metrics,
        "events",
        consumed=ingest.consumed,
        provisioned=lambda m: 1000.0 if m <= CAPACITY_RAISE else 3000.0,
        throttles=ingest.throttles,
    )
    metrics.write(writer)
    _trail(ids).write(writer)
    fired_alarm = api_alarm(
        api, "events-api-5xx", "5XX errors on the events API", "5XXError", threshold=5.0
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))
    runbook(writer, "events-api-5xx", RUNBOOK)
    runbook(writer, "dynamodb-provisioned-throttling", CAPACITY_RUNBOOK)


# The runbook for this alarm (its title names it), and the generic capacity runbook whose
# advice (raise WCU) is wrong for a hot key: its title names neither the alarm nor a
# failing resource, so the rules do not follow it.
RUNBOOK = """
# events-api-5xx: 5xx from the events API

## Diagnose
1. Split DynamoDB throttling by reason: `TableWriteKeyRangeThroughputExceeded` is one hot
   partition key, not the table's capacity; raising WCU does not help.
2. Find the writer: group the API access logs by user agent and tenant.

## Mitigate
1. Throttle or pause the tenant whose job writes under one partition key, then ask it to spread its keys (write sharding).
"""

CAPACITY_RUNBOOK = """
# DynamoDB provisioned-capacity throttling

## Mitigate
1. Raise the table's provisioned WCU with `UpdateTable`, or switch it to on-demand.
"""


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="events-api 5XX",
        architecture="API Gateway (REST, events-api) -> Lambda events-ingest (Python) -> DynamoDB "
        "table events (provisioned; partition key pk = '<tenant>#<day>', sort key sk). Tenants "
        "post single events; bulk loads use POST /events/batch (BatchWriteItem, 25 items).",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": f"From 13:06 tenant globex's backfill job ({BACKFILL_UA}) writes ~2,250 "
            f"items a minute (~1,500 WCU/s), all under one partition key ({HOT_KEY}); that key range exceeds "
            "DynamoDB's per-partition write throughput (ThrottlingReasons "
            "TableWriteKeyRangeThroughputExceeded) while the table as a whole stays far below its "
            "provisioned capacity. Spread the backfill's keys (write sharding) or slow it down.",
            "categories": ["traffic", "capacity"],
            "must_mention": [
                [
                    "hot partition",
                    "hot key",
                    "partition key",
                    "single partition",
                    "one partition",
                    "KeyRange",
                ],
                ["globex", "backfill"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "TableWriteKeyRangeThroughputExceeded"},
                {"source": "logs", "contains": "globex-backfill"},
            ],
            "red_herrings": [
                "the UpdateTable at 13:01 that raised the table's write capacity 1000 -> 3000 WCU "
                "(more capacity cannot cause throttling; the table is far from its limit)",
            ],
            "difficulty": "hard",
        },
        tags=[
            "traffic",
            "serverless",
            "dynamodb",
            "hot-partition",
            "logs",
            "cloudtrail",
            "metrics",
        ],
    )
