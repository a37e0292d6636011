"""capacity, a change the day before: yesterday afternoon Terraform switched the carts table
from on-demand to provisioned capacity (400 WCU) as a cost saving. It held all day; tonight's
peak needs more and writes are throttled. The change is outside the incident window (the
triage's CloudTrail query over the window does not show it); a description-only Lambda
update during the peak is the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import TERRAFORM_PIPELINE, sso_user
from evals.generators.cloudtrail import Trail, table_arn
from evals.generators.common import BundleWriter, Ids, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.metrics import sum_by_minute
from evals.generators.scenarios._harder import drive, line, web_service
from evals.generators.web_service import Request, Response, ecs_task, service_alarm

NAME = "carts-table-provisioned-day-before"
START, END = utc("2026-04-17T18:20:00Z"), utc("2026-04-17T19:05:00Z")
SWITCHED = utc("2026-04-16T15:02:17Z")
DESCRIPTION = utc("2026-04-17T18:41:05Z")
WCU = 400
WCU_PER_REQUEST = 100  # a BatchWriteItem of 25 cart lines of ~4 KB


def rate(m: datetime) -> float:
    """The evening peak: ~150 requests a minute, rising to ~360 by 18:55."""
    minutes_in = (m - START).total_seconds() / 60
    return 150 + min(210, max(0.0, minutes_in - 8) * 8)


class Carts:
    def __init__(self) -> None:
        self.consumed: list[tuple[datetime, float]] = []
        self.throttled: list[tuple[datetime, float]] = []

    def __call__(self, request: Request, ids: Ids) -> Response:
        rng = ids.rng
        if request.method == "GET":
            return Response(200, rng.uniform(0.01, 0.03), [], sent_bytes=rng.randint(800, 4000))
        per_second = rate(request.at.replace(second=0, microsecond=0)) / 60 * WCU_PER_REQUEST
        over = max(0.0, (per_second - WCU) / per_second)
        if rng.random() < over * 1.6:
            self.throttled.append((request.at, float(WCU_PER_REQUEST)))
            error = (
                "botocore.errorfactory.ProvisionedThroughputExceededException: An error occurred "
                "(ProvisionedThroughputExceededException) when calling the BatchWriteItem operation "
                "(reached max retries: 3): The level of configured provisioned throughput for the "
                "table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
            )
            return Response(
                500,
                rng.uniform(0.3, 0.9),
                [
                    line(
                        request,
                        400,
                        "ERROR",
                        "carts.store",
                        "saving cart failed",
                        error=error,
                        table="carts",
                    )
                ],
                exception=("ProvisionedThroughputExceededException", "BatchWriteItem throttled"),
                sent_bytes=140,
            )
        self.consumed.append((request.at, float(WCU_PER_REQUEST)))
        return Response(200, rng.uniform(0.02, 0.06), [], sent_bytes=220)


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    trail.call(
        SWITCHED,
        TERRAFORM_PIPELINE,
        "dynamodb.amazonaws.com",
        "UpdateTable",
        read_only=False,
        request={
            "tableName": "carts",
            "billingMode": "PROVISIONED",
            "provisionedThroughput": {"readCapacityUnits": 600, "writeCapacityUnits": WCU},
        },
        response={
            "tableDescription": {
                "tableName": "carts",
                "tableStatus": "UPDATING",
                "tableArn": table_arn("carts"),
                "billingModeSummary": {"billingMode": "PROVISIONED"},
                "provisionedThroughput": {
                    "readCapacityUnits": 600,
                    "writeCapacityUnits": WCU,
                    "numberOfDecreasesToday": 0,
                },
            }
        },
        resources=[
            {"accountId": "123456789012", "type": "AWS::DynamoDB::Table", "ARN": table_arn("carts")}
        ],
    )
    developer = sso_user(
        "j.mora@example.com", cli_command="lambda.update-function-configuration", ip="198.51.100.88"
    )
    trail.call(
        DESCRIPTION,
        developer,
        "lambda.amazonaws.com",
        "UpdateFunctionConfiguration20150331v2",
        read_only=False,
        request={
            "functionName": "cart-expiry",
            "description": "Expires carts idle for 30 days (see RUN-2291)",
        },
        response={
            "functionName": "cart-expiry",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:cart-expiry",
            "runtime": "python3.12",
            "description": "Expires carts idle for 30 days (see RUN-2291)",
            "timeout": 60,
            "memorySize": 256,
            "lastUpdateStatus": "InProgress",
        },
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    app = Carts()
    targets = [
        ecs_task(ids, "carts-api", ip)
        for ip in ("10.0.90.10", "10.0.91.11", "10.0.90.12", "10.0.91.13")
    ]
    service = web_service(
        ids,
        "carts-api",
        targets,
        app,
        alb="carts-alb",
        domain="carts.example.com",
        log_group="/ecs/carts-api",
    )
    drive(
        service, START, END, rate, [(0.45, "PUT", "/v1/carts/{n}"), (0.55, "GET", "/v1/carts/{n}")]
    )
    service.write(writer)
    metrics = service.metric_file(minutes(START, END))
    table = {"TableName": "carts"}
    metrics.add("AWS/DynamoDB", "ConsumedWriteCapacityUnits", table, sum_by_minute(app.consumed))
    metrics.add(
        "AWS/DynamoDB",
        "ProvisionedWriteCapacityUnits",
        table,
        {m: float(WCU) for m in minutes(START, END)},
        statistic="Average",
    )
    metrics.add(
        "AWS/DynamoDB",
        "WriteThrottleEvents",
        table,
        {m: v / WCU_PER_REQUEST * 25 for m, v in sum_by_minute(app.throttled).items()},
    )
    metrics.write(writer)
    # CloudTrail as delivered since yesterday: the export holds the trail's last day and a half
    writer.window = (SWITCHED - timedelta(hours=1), END)
    _trail(ids).write(writer)
    writer.window = (START, END)
    fired = service_alarm(
        service,
        "carts-api-5xx",
        "Target 5XX on carts-alb",
        "HTTPCode_Target_5XX_Count",
        threshold=10.0,
    )
    writer.manifest(_manifest(fired))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="carts-api 5XX during the evening peak",
        architecture="ALB carts-alb -> ECS service carts-api (four tasks) -> DynamoDB table carts "
        "(cart lines written with BatchWriteItem). Lambda cart-expiry cleans idle carts nightly.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": f"Yesterday at 15:02 (UpdateTable by Terraform) the carts table was "
            f"switched from on-demand to provisioned capacity with {WCU} WCU. That covers the "
            "day's traffic but not tonight's peak: from ~18:35 BatchWriteItem is throttled "
            "(ProvisionedThroughputExceededException) and carts-api answers 500.",
            "categories": ["capacity", "configuration"],
            "must_mention": [
                ["UpdateTable", "PROVISIONED", "provisioned", "on-demand"],
                [f"{WCU}", "write capacity", "WCU", "ProvisionedThroughputExceeded"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "ProvisionedThroughputExceededException"},
                {"source": "cloudtrail", "contains": "UpdateTable"},
            ],
            "red_herrings": [
                "the evening traffic peak itself (it is normal; the capacity is what changed)",
                "the description-only UpdateFunctionConfiguration of cart-expiry at 18:41",
            ],
            "difficulty": "hard",
        },
        tags=[
            "capacity",
            "change-day-before",
            "alb",
            "ecs",
            "dynamodb",
            "logs",
            "cloudtrail",
            "alb-logs",
            "holdout",
        ],
    )
