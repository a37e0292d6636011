"""The demo incident: someone lowers the `orders` table's write capacity from 100 to 5 WCU;
PutItem is throttled, `orders-put` returns 500 (or fails with 502), the API's 5XX alarm
fires 15 minutes later once DynamoDB's burst capacity is spent and the morning peak
starts. A harmless Lambda timeout change twelve minutes earlier is the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import (
    GRAFANA,
    TERRAFORM_PIPELINE,
    dashboard_poll,
    sso_user,
    workload_role,
)
from evals.generators.cloudtrail import (
    Trail,
    function_arn,
    poll,
    resource,
    table_arn,
    update_function_configuration,
)
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.lambda_logs import LambdaLogs
from evals.generators.manifest import manifest, readme_beside
from evals.generators.metrics import (
    MetricFile,
    add_table_write_metrics,
    count_by_minute,
    minute_key,
)
from evals.generators.scenarios._orders_api import CAPACITY_CHANGE, OrdersPut, orders_get
from evals.generators.serverless_api import HandlerResult, Route, ServerlessApi, api_alarm

NAME = "dynamodb-throttling"
START, END = utc("2026-03-02T09:45:00Z"), utc("2026-03-02T10:30:00Z")
CONFIG_CHANGE = utc("2026-03-02T09:50:03Z")

# PutItem calls that still fail after the SDK's 10 attempts, per minute after the change:
# DynamoDB's burst capacity hides most throttling at first; at 10:16 it is spent.
FAILURES = {
    4: 1,
    5: 1,
    6: 2,
    7: 1,
    8: 3,
    9: 2,
    10: 3,
    11: 4,
    12: 3,
    13: 5,
    14: 4,
    15: 5,
    16: 12,
    17: 16,
    18: 19,
    19: 21,
    20: 23,
    21: 22,
    22: 25,
    23: 24,
    24: 26,
    25: 27,
    26: 25,
    27: 28,
    28: 26,
    29: 27,
}


def _put_rate(minute: datetime) -> float:
    """Orders per minute: steady, then the morning peak from 10:15."""
    ramp = max(0.0, min(1.0, (minute - utc("2026-03-02T10:14:00Z")).total_seconds() / 360))
    return 52 + 22 * ramp


def _order_path(ids: Ids) -> str:
    return f"/orders/ord-{ids.upper_alnum(10)}"


def _trail(ids: Ids, put: LambdaLogs) -> Trail:
    trail = Trail(ids)
    table = [resource("AWS::DynamoDB::Table", table_arn("orders"))]
    function = [resource("AWS::Lambda::Function", function_arn("orders-put"))]
    dynamodb, lambda_ = "dynamodb.amazonaws.com", "lambda.amazonaws.com"
    dashboard_poll(
        trail,
        START + timedelta(seconds=41),
        END,
        "orders-",
        (dynamodb, "DescribeTable", {"tableName": "orders"}),
    )
    poll(
        trail,
        GRAFANA,
        START + timedelta(minutes=7, seconds=12),
        END,
        timedelta(minutes=15),
        [(dynamodb, "ListTables", None)],
    )

    # the red herring: the pipeline raises orders-put's timeout from 10 s to 15 s
    trail.call(
        CONFIG_CHANGE - timedelta(seconds=2),
        TERRAFORM_PIPELINE,
        lambda_,
        "GetFunction20150331v2",
        read_only=True,
        request={"functionName": "orders-put"},
        resources=function,
    )
    update_function_configuration(
        trail,
        CONFIG_CHANGE,
        TERRAFORM_PIPELINE,
        "orders-put",
        {"timeout": 15},
        timeout=15,
        description="Create or update an order",
    )

    # the cause: an engineer sets the production table to 5 WCU (meant for orders-staging)
    human = sso_user("jane.doe@example.com", cli_command="dynamodb.update-table")
    trail.call(
        CAPACITY_CHANGE - timedelta(seconds=34),
        human,
        dynamodb,
        "DescribeTable",
        read_only=True,
        request={"tableName": "orders"},
        resources=table,
    )
    trail.call(
        CAPACITY_CHANGE,
        human,
        dynamodb,
        "UpdateTable",
        read_only=False,
        request={
            "tableName": "orders",
            "provisionedThroughput": {"readCapacityUnits": 100, "writeCapacityUnits": 5},
        },
        response={
            "tableDescription": {
                "tableName": "orders",
                "tableStatus": "UPDATING",
                "tableArn": table_arn("orders"),
                "tableId": "8f0a3c52-1d7e-4b9a-a6f4-2c0e9d3b7a15",
                "itemCount": 1843920,
                "tableSizeBytes": 6127841230,
                "creationDateTime": "Sep 3, 2024, 9:41:55 AM",
                "keySchema": [{"attributeName": "orderId", "keyType": "HASH"}],
                "attributeDefinitions": [{"attributeName": "orderId", "attributeType": "S"}],
                "provisionedThroughput": {
                    "lastIncreaseDateTime": "Feb 11, 2026, 4:12:09 PM",
                    "numberOfDecreasesToday": 0,
                    "readCapacityUnits": 100,
                    "writeCapacityUnits": 100,
                },
                "deletionProtectionEnabled": True,
            }
        },
        resources=table,
    )
    trail.call(
        CAPACITY_CHANGE + timedelta(minutes=23, seconds=5),
        human,
        dynamodb,
        "DescribeTable",
        read_only=True,
        request={"tableName": "orders-staging"},
        resources=[resource("AWS::DynamoDB::Table", table_arn("orders-staging"))],
    )

    # cold starts: the execution role decrypts its environment variables
    role = workload_role("orders-put-role", "orders-put")
    key = "arn:aws:kms:us-east-1:123456789012:key/2c5f7e1a-93b4-4d2e-8a61-0f9c3b7d4e28"
    for cold in put.cold_starts:
        trail.call(
            cold - timedelta(milliseconds=300),
            role,
            "kms.amazonaws.com",
            "Decrypt",
            read_only=True,
            request={
                "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                "encryptionContext": {"LambdaFunctionName": "orders-put"},
            },
            resources=[resource("AWS::KMS::Key", key)],
        )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    put = LambdaLogs("orders-put", ids, memory_mb=512, runtime="python3.12", timeout_s=10)
    get = LambdaLogs("orders-get", ids, memory_mb=256, runtime="nodejs20.x", timeout_s=6)
    api = ServerlessApi("orders-api", "k7x2q9w4ab", "prod", ids, trace_sample_rate=0.1)

    put_times = arrivals(ids.rng, START, END, _put_rate)
    failing: set[datetime] = set()
    for minute_offset, count in FAILURES.items():
        mark = utc("2026-03-02T10:00:00Z") + timedelta(minutes=minute_offset)
        candidates = [t for t in put_times if minute_key(t) == mark]
        failing.update(ids.rng.sample(candidates, min(count, len(candidates))))
    put_handler = OrdersPut(put, failing)

    api.route("put", Route("PUT", "/orders/{orderId}", put, put_handler, _order_path))
    api.route("get", Route("GET", "/orders/{orderId}", get, orders_get(get), _order_path))
    api.route(
        "health",
        Route(
            "GET",
            "/health",
            None,
            lambda call, ids: HandlerResult(200, 1, response_length=15),
            lambda ids: "/health",
        ),
    )
    schedule = [(t, "put") for t in put_times]
    schedule += [(t, "get") for t in arrivals(ids.rng, START, END, lambda m: 24)]
    schedule += [(t, "health") for t in arrivals(ids.rng, START, END, lambda m: 2)]
    recycled = False
    for at, key in sorted(schedule):
        if not recycled and at >= CONFIG_CHANGE + timedelta(seconds=2):
            put.recycle_environments()  # new configuration: fresh environments
            recycled = True
        api.request(key, at)
    put.timeout_s, put.last_modified = 15, CONFIG_CHANGE  # Terraform's change, as exported
    api.write(writer, [put, get])

    metrics = MetricFile(marks=minutes(START, END))
    api.write_metrics(metrics, [put, get])
    add_table_write_metrics(
        metrics,
        "orders",
        consumed=put_handler.writes,
        provisioned=lambda m: (
            100.0 if m < minute_key(CAPACITY_CHANGE) + timedelta(minutes=1) else 5.0
        ),
        throttles=put_handler.throttle_events,
    )
    metrics.add(
        "AWS/DynamoDB",
        "ThrottledRequests",
        {"TableName": "orders", "Operation": "PutItem"},
        count_by_minute([t for t, _ in put_handler.throttle_events]),
    )
    metrics.write(writer)
    _trail(ids, put).write(writer)
    fired_alarm = api_alarm(
        api, "orders-api-5xx", "5XX errors on the orders API", "5XXError", threshold=5.0
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="DynamoDB throttling behind the orders API",
        architecture="API Gateway (REST, orders-api, stage prod) -> Lambda (orders-put: PUT "
        "/orders/{orderId}; orders-get: GET /orders/{orderId}) -> DynamoDB table orders "
        "(provisioned capacity); orders-put also sends to the SQS queue order-events.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "Write capacity of DynamoDB table `orders` was lowered from 100 to 5 "
            "WCU by UpdateTable at 10:02; PutItem calls are throttled "
            "(ProvisionedThroughputExceededException), and the Lambda returns 500 to API Gateway.",
            "categories": ["capacity", "configuration"],
            "must_mention": [
                ["ProvisionedThroughputExceededException", "throttl"],
                ["UpdateTable", "write capacity", "WCU"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "ProvisionedThroughputExceededException"},
                {"source": "cloudtrail", "contains": "UpdateTable"},
            ],
            "red_herrings": [
                "a benign Lambda UpdateFunctionConfiguration (timeout 10s -> 15s) at 09:50",
            ],
            "difficulty": "easy",
            "notes": "Seed scenario and the `make demo` bundle.",
        },
        tags=["capacity", "serverless", "dynamodb", "logs", "cloudtrail", "xray", "metrics"],
    )
