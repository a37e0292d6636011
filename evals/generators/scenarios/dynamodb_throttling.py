"""The demo incident: someone lowers the `orders` table's write capacity from 100 to 5 WCU;
PutItem is throttled, `orders-put` returns 500 (or fails with 502), the API's 5XX alarm
fires 15 minutes later once DynamoDB's burst capacity is spent and the morning peak
starts. A harmless Lambda timeout change twelve minutes earlier is the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import GRAFANA, TERRAFORM_PIPELINE, sso_user, workload_role
from evals.generators.cloudtrail import (
    Trail,
    function_arn,
    lambda_configuration,
    poll,
    resource,
    table_arn,
)
from evals.generators.common import BundleWriter, Ids, arrivals, seeded_rng, utc
from evals.generators.lambda_logs import (
    LambdaLogs,
    node_info_line,
    plain_line,
    powertools_line,
    unhandled_python_error,
)
from evals.generators.manifest import alarm, manifest, readme_beside
from evals.generators.metrics import MetricFile, count_by_minute, minute_key, sum_by_minute
from evals.generators.serverless_api import Call, Handler, HandlerResult, Route, ServerlessApi
from evals.generators.xray import aws_call

NAME = "dynamodb-throttling"
START, END = utc("2026-03-02T09:45:00Z"), utc("2026-03-02T10:30:00Z")
CONFIG_CHANGE = utc("2026-03-02T09:50:03Z")
CAPACITY_CHANGE = utc("2026-03-02T10:02:14Z")
WCU_PER_ORDER = 4  # orders are ~3.3 KB items

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

THROTTLE_MESSAGE = (
    "An error occurred (ProvisionedThroughputExceededException) when calling the PutItem "
    "operation (reached max retries: 9): The level of configured provisioned throughput for "
    "the table was exceeded. Consider increasing your provisioning level with the "
    "UpdateTable API."
)


def _put_rate(minute: datetime) -> float:
    """Orders per minute: steady, then the morning peak from 10:15."""
    ramp = max(0.0, min(1.0, (minute - utc("2026-03-02T10:14:00Z")).total_seconds() / 360))
    return 52 + 22 * ramp


class OrdersPut:
    """The `orders-put` handler (Python, Powertools logger) and what DynamoDB did to it."""

    def __init__(self, function: LambdaLogs, failing: set[datetime]) -> None:
        self.function = function
        self.failing = failing
        self.writes: list[tuple[datetime, float]] = []
        self.throttle_events: list[tuple[datetime, float]] = []

    def _log(
        self,
        call: Call,
        level: str,
        message: str,
        offset: float,
        location: str = "handler:41",
        **extra: Any,
    ) -> tuple[float, str]:
        at = call.at + timedelta(milliseconds=offset)
        line = powertools_line(
            level,
            message,
            at=at,
            service="orders",
            location=location,
            request_id=call.request_id,
            function_name=self.function.function_name,
            cold_start=call.cold_start,
            trace_id=call.trace_id,
            **extra,
        )
        return (offset, line)

    def __call__(self, call: Call, ids: Ids) -> HandlerResult:
        rng = ids.rng
        order_id = call.path.rsplit("/", 1)[-1]
        lines = []
        if call.cold_start:
            lines.append(
                self._log(
                    call,
                    "INFO",
                    "Loaded settings from SSM /orders/prod/config",
                    1.4,
                    location="load_settings:18",
                )
            )
        if rng.random() < 0.018:
            lines.append(
                self._log(
                    call,
                    "WARNING",
                    "Rejected order: quantity must be positive",
                    3.1,
                    location="validate:77",
                    order_id=order_id,
                )
            )
            return HandlerResult(
                400, rng.uniform(4, 9), lines, max_memory_mb=88, response_length=71
            )
        start_put = call.at + timedelta(milliseconds=6)
        throttled_now = call.at >= CAPACITY_CHANGE + timedelta(seconds=20)
        if call.received in self.failing:
            duration = rng.uniform(1900, 3400)
            self.throttle_events.append((call.at, 10.0))
            sub = aws_call(
                ids,
                "DynamoDB",
                "PutItem",
                start_put,
                start_put + timedelta(milliseconds=duration - 12),
                status=400,
                throttle=True,
                retries=9,
                resource={"table_name": "orders", "resource_names": ["orders"]},
                error_type="ProvisionedThroughputExceededException",
                error_message=THROTTLE_MESSAGE,
            )
            if rng.random() < 0.2:
                # the retry wrapper around a few code paths re-raises: unhandled -> 502
                message = unhandled_python_error(
                    "ProvisionedThroughputExceededException",
                    THROTTLE_MESSAGE,
                    [
                        ("/var/task/app.py", 58, "handler", "save_order(order)"),
                        (
                            "/var/task/orders/store.py",
                            33,
                            "save_order",
                            "table.put_item(Item=order.to_item())",
                        ),
                        (
                            "/var/runtime/botocore/client.py",
                            1021,
                            "_make_api_call",
                            "raise error_class(parsed_response, operation_name)",
                        ),
                    ],
                )
                lines.append((duration - 3, message))
                return HandlerResult(
                    502,
                    duration,
                    lines,
                    [sub],
                    max_memory_mb=97,
                    function_error=("ProvisionedThroughputExceededException", THROTTLE_MESSAGE),
                )
            lines.append(
                self._log(
                    call,
                    "ERROR",
                    f"PutItem failed for order {order_id}",
                    duration - 4,
                    location="save_order:36",
                    order_id=order_id,
                    error={
                        "code": "ProvisionedThroughputExceededException",
                        "operation": "PutItem",
                        "table": "orders",
                    },
                    exception_name="ProvisionedThroughputExceededException",
                    exception=f"botocore.errorfactory.ProvisionedThroughputExceededException: "
                    f"{THROTTLE_MESSAGE}",
                )
            )
            lines.append(
                (
                    duration - 2,
                    plain_line(
                        "ERROR",
                        call.at + timedelta(milliseconds=duration - 2),
                        call.request_id,
                        f"Returning 500 for PUT /orders/{order_id}: storage unavailable",
                    ),
                )
            )
            return HandlerResult(500, duration, lines, [sub], max_memory_mb=96, response_length=52)
        retries = 0
        if throttled_now and rng.random() < 0.22:
            retries = rng.randint(1, 4)
            self.throttle_events.append((call.at, float(retries)))
        put_ms = rng.uniform(7, 16) + retries * rng.uniform(40, 90)
        duration = put_ms + rng.uniform(14, 30)
        slow_pricing = rng.random() < 0.01
        if slow_pricing:
            duration += 400
            lines.append(
                self._log(
                    call,
                    "WARNING",
                    "Price lookup slow (pricing cache miss): 412 ms",
                    5,
                    location="price_items:52",
                    order_id=order_id,
                )
            )
        items = rng.randint(1, 6)
        lines.append(
            self._log(
                call,
                "INFO",
                "Order stored",
                duration - 3,
                location="handler:49",
                order_id=order_id,
                items=items,
                total_cents=rng.randint(900, 48000),
                consumed_wcu=WCU_PER_ORDER,
            )
        )
        self.writes.append((call.at, float(WCU_PER_ORDER)))
        end_put = start_put + timedelta(milliseconds=put_ms)
        subs = [
            aws_call(
                ids,
                "DynamoDB",
                "PutItem",
                start_put,
                end_put,
                retries=retries,
                resource={"table_name": "orders", "resource_names": ["orders"]},
            ),
            aws_call(
                ids,
                "SQS",
                "SendMessage",
                end_put,
                end_put + timedelta(milliseconds=9),
                resource={
                    "queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/order-events"
                },
            ),
        ]
        return HandlerResult(
            201, duration, lines, subs, max_memory_mb=rng.randint(86, 94), response_length=88
        )


def orders_get(function: LambdaLogs) -> Handler:
    """The `orders-get` handler (Node.js, plain console lines): reads are unaffected."""

    def handler(call: Call, ids: Ids) -> HandlerResult:
        rng = ids.rng
        order_id = call.path.rsplit("/", 1)[-1]
        get_ms = rng.uniform(3, 9)
        duration = get_ms + rng.uniform(5, 14)
        start = call.at + timedelta(milliseconds=3)
        sub = aws_call(
            ids,
            "DynamoDB",
            "GetItem",
            start,
            start + timedelta(milliseconds=get_ms),
            resource={"table_name": "orders", "resource_names": ["orders"]},
        )
        if rng.random() < 0.05:
            line = node_info_line(
                call.at + timedelta(milliseconds=duration - 1),
                call.request_id,
                f"order {order_id} not found",
            )
            return HandlerResult(
                404, duration, [(duration - 1, line)], [sub], max_memory_mb=71, response_length=34
            )
        line = node_info_line(
            call.at + timedelta(milliseconds=duration - 1),
            call.request_id,
            f"fetched order {order_id}",
        )
        return HandlerResult(
            200,
            duration,
            [(duration - 1, line)],
            [sub],
            max_memory_mb=rng.randint(68, 75),
            response_length=612,
        )

    return handler


def _order_path(ids: Ids) -> str:
    return f"/orders/ord-{ids.upper_alnum(10)}"


def _trail(ids: Ids, put: LambdaLogs) -> Trail:
    trail = Trail(ids)
    table = [resource("AWS::DynamoDB::Table", table_arn("orders"))]
    function = [resource("AWS::Lambda::Function", function_arn("orders-put"))]
    dynamodb, lambda_ = "dynamodb.amazonaws.com", "lambda.amazonaws.com"
    poll(
        trail,
        GRAFANA,
        START + timedelta(seconds=41),
        END,
        timedelta(minutes=5),
        [
            ("monitoring.amazonaws.com", "DescribeAlarms", {"alarmNamePrefix": "orders-"}),
            (dynamodb, "DescribeTable", {"tableName": "orders"}),
        ],
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
    trail.call(
        CONFIG_CHANGE,
        TERRAFORM_PIPELINE,
        lambda_,
        "UpdateFunctionConfiguration20150331v2",
        read_only=False,
        request={"functionName": "orders-put", "timeout": 15},
        response=lambda_configuration(
            "orders-put",
            modified=CONFIG_CHANGE,
            timeout=15,
            revision_id=ids.uuid4(),
            description="Create or update an order",
        ),
        resources=function,
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
    api.write(writer, [put, get])

    metrics = MetricFile(marks=[START + timedelta(minutes=i) for i in range(45)])
    api.write_metrics(metrics, [put, get])
    table = {"TableName": "orders"}
    metrics.add(
        "AWS/DynamoDB", "ConsumedWriteCapacityUnits", table, sum_by_minute(put_handler.writes)
    )
    metrics.add(
        "AWS/DynamoDB",
        "ProvisionedWriteCapacityUnits",
        table,
        {
            m: (100.0 if m < minute_key(CAPACITY_CHANGE) + timedelta(minutes=1) else 5.0)
            for m in metrics.marks
        },
        statistic="Average",
    )
    metrics.add(
        "AWS/DynamoDB", "WriteThrottleEvents", table, sum_by_minute(put_handler.throttle_events)
    )
    metrics.add(
        "AWS/DynamoDB",
        "ThrottledRequests",
        {"TableName": "orders", "Operation": "PutItem"},
        count_by_minute([t for t, _ in put_handler.throttle_events]),
    )
    metrics.write(writer)
    _trail(ids, put).write(writer)
    writer.manifest(_manifest())
    writer.readme(readme_beside(__file__))


def _manifest() -> dict[str, Any]:
    return manifest(
        title="DynamoDB throttling behind the orders API",
        architecture="API Gateway (REST, orders-api, stage prod) -> Lambda (orders-put: PUT "
        "/orders/{orderId}; orders-get: GET /orders/{orderId}) -> DynamoDB table orders "
        "(provisioned capacity); orders-put also sends to the SQS queue order-events.",
        alarm=alarm(
            "orders-api-5xx",
            "5XX errors on the orders API",
            namespace="AWS/ApiGateway",
            metric="5XXError",
            dimensions={"ApiName": "orders-api"},
            threshold=5.0,
            datapoint=12.0,
            fired=utc("2026-03-02T10:17:00Z"),
        ),
        start=START,
        end=END,
        ground_truth={
            "root_cause": "Write capacity of DynamoDB table `orders` was lowered from 100 to 5 "
            "WCU by UpdateTable at 10:02; PutItem calls are throttled "
            "(ProvisionedThroughputExceededException), and the Lambda returns 500 to API Gateway.",
            "category": "capacity",
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
