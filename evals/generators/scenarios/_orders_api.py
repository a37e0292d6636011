"""The orders API's Lambda handlers for the dynamodb-throttling scenario: `orders-put`
(Python, Powertools logger) and `orders-get` (Node.js), with what DynamoDB does to them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.common import Ids, utc
from evals.generators.lambda_logs import (
    LambdaLogs,
    node_info_line,
    plain_entry,
    powertools_line,
    unhandled_python_error,
)
from evals.generators.serverless_api import Call, Handler, HandlerResult
from evals.generators.xray import aws_call

CAPACITY_CHANGE = utc("2026-03-02T10:02:14Z")
WCU_PER_ORDER = 4  # orders are ~3.3 KB items

THROTTLE_MESSAGE = (
    "An error occurred (ProvisionedThroughputExceededException) when calling the PutItem "
    "operation (reached max retries: 9): The level of configured provisioned throughput for "
    "the table was exceeded. Consider increasing your provisioning level with the "
    "UpdateTable API."
)


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
                plain_entry(
                    call.at,
                    duration - 2,
                    "ERROR",
                    call.request_id,
                    f"Returning 500 for PUT /orders/{order_id}: storage unavailable",
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
