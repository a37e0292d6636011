"""capacity: an engineer meant to give the partners-trial usage plan tight limits and
edited partners-gold instead (UpdateUsagePlan, 50 -> 1 request/s, burst 100 -> 2). The
biggest partner's sync client now gets 429 "Too Many Requests" from API Gateway before
Lambda is invoked; the function's logs look healthy. A reserved-concurrency change on the
same function is the red herring."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from evals.generators.actors import TERRAFORM_PIPELINE, dashboard_poll, sso_user
from evals.generators.cloudtrail import Trail, function_arn, resource
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.lambda_logs import LambdaLogs, powertools_line
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile, count_by_minute
from evals.generators.serverless_api import Call, HandlerResult, Route, ServerlessApi
from evals.generators.throttle import TokenBucket
from evals.generators.xray import aws_call

NAME = "apigw-usage-plan-throttled"
START, END = utc("2026-04-16T08:00:00Z"), utc("2026-04-16T08:45:00Z")
CONCURRENCY_AT = utc("2026-04-16T08:04:51Z")
PLAN_CHANGE = utc("2026-04-16T08:12:33Z")
API_ID, GOLD_PLAN, TRIAL_PLAN = "k2m7q9x4vd", "7hq2zk", "w3n8dp"
FUNCTION = "shipments-api"
PARTNER_IP, PARTNER_AGENT = "34.201.77.12", "freightco-sync/2.3 (+https://freightco.example)"


def _handler(call: Call, ids: Ids) -> HandlerResult:
    rng = ids.rng
    write = call.method == "PUT"
    ms = rng.uniform(4, 10)
    start = call.at + timedelta(milliseconds=2)
    sub = aws_call(
        ids,
        "DynamoDB",
        "PutItem" if write else "GetItem",
        start,
        start + timedelta(milliseconds=ms),
        resource={"table_name": "shipments", "resource_names": ["shipments"]},
    )
    duration = ms + rng.uniform(3, 9)
    shipment = call.path.rsplit("/", 1)[-1]
    lines = []
    if write or rng.random() < 0.1:
        lines.append(
            (
                duration - 1,
                powertools_line(
                    "INFO",
                    "shipment status updated" if write else "shipment read",
                    at=call.at + timedelta(milliseconds=duration - 1),
                    service="shipments",
                    location="handler:48",
                    request_id=call.request_id,
                    function_name=FUNCTION,
                    cold_start=call.cold_start,
                    shipment_id=shipment,
                ),
            )
        )
    return HandlerResult(200, duration, lines, [sub], max_memory_mb=rng.randint(88, 97))


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=8),
        END,
        "partner-api-",
        ("apigateway.amazonaws.com", "GetUsagePlans", {"limit": 25}),
    )
    target = [resource("AWS::Lambda::Function", function_arn(FUNCTION))]
    trail.call(
        CONCURRENCY_AT,
        TERRAFORM_PIPELINE,
        "lambda.amazonaws.com",
        "PutFunctionConcurrency20171031",
        read_only=False,
        request={"functionName": FUNCTION, "reservedConcurrentExecutions": 50},
        response={"reservedConcurrentExecutions": 50},
        resources=target,
    )
    engineer = sso_user("lena.s@example.com", ip="198.51.100.152")
    trail.call(
        PLAN_CHANGE - timedelta(seconds=64),
        engineer,
        "apigateway.amazonaws.com",
        "GetUsagePlan",
        read_only=True,
        request={"usagePlanId": GOLD_PLAN},
    )
    trail.call(
        PLAN_CHANGE,
        engineer,
        "apigateway.amazonaws.com",
        "UpdateUsagePlan",
        read_only=False,
        request={
            "usagePlanId": GOLD_PLAN,
            "patchOperations": [
                {"op": "replace", "path": "/throttle/rateLimit", "value": "1"},
                {"op": "replace", "path": "/throttle/burstLimit", "value": "2"},
            ],
        },
        response={
            "id": GOLD_PLAN,
            "name": "partners-gold",
            "description": "Contracted partners",
            "apiStages": [{"apiId": API_ID, "stage": "prod"}],
            "throttle": {"burstLimit": 2, "rateLimit": 1.0},
            "quota": {"limit": 5000000, "offset": 0, "period": "MONTH"},
        },
        resources=[
            resource(
                "AWS::ApiGateway::UsagePlan",
                f"arn:aws:apigateway:us-east-1::/usageplans/{GOLD_PLAN}",
            )
        ],
    )
    trail.call(
        PLAN_CHANGE + timedelta(minutes=1, seconds=20),
        engineer,
        "apigateway.amazonaws.com",
        "GetUsagePlan",
        read_only=True,
        request={"usagePlanId": TRIAL_PLAN},
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    function = LambdaLogs(FUNCTION, ids, memory_mb=256, timeout_s=10)
    api = ServerlessApi("partner-api", API_ID, "prod", ids, trace_sample_rate=0.05)
    handler = _handler
    api.route(
        "put",
        Route(
            "PUT",
            "/shipments/{id}/status",
            function,
            handler,
            lambda i: f"/shipments/shp-{i.hex(10)}/status",
        ),
    )
    api.route(
        "get",
        Route("GET", "/shipments/{id}", function, handler, lambda i: f"/shipments/shp-{i.hex(10)}"),
    )
    gold = TokenBucket(rate=50, burst=100)
    partner = arrivals(ids.rng, START, END, lambda m: 120)  # freightco's sync: ~2 requests/s
    others = arrivals(ids.rng, START, END, lambda m: 25)  # smaller partners, other plans
    changed = False
    for at, is_partner in sorted([(t, True) for t in partner] + [(t, False) for t in others]):
        key = "put" if ids.rng.random() < 0.7 else "get"
        if not is_partner:
            api.request(key, at)
            continue
        if not changed and at >= PLAN_CHANGE:
            gold.set_limits(1, 2)
            changed = True
        if gold.allow(at):
            api.request(key, at, client_ip=PARTNER_IP, user_agent=PARTNER_AGENT)
        else:
            api.reject(
                key, at, 429, "Too Many Requests", client_ip=PARTNER_IP, user_agent=PARTNER_AGENT
            )
    api.write(writer, [function])
    metrics = MetricFile(marks=minutes(START, END))
    api.write_metrics(metrics, [function])
    metrics.write(writer)
    _trail(ids).write(writer)
    fourxx = count_by_minute([p[0] for p in api.api_points if p[1] == 429])
    fired_alarm = alarm_on(
        fourxx,
        "partner-api-4xx",
        "4XX responses on partner-api",
        namespace="AWS/ApiGateway",
        metric="4XXError",
        dimensions={"ApiName": "partner-api"},
        threshold=25.0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="partner-api 4XX errors",
        architecture=f"API Gateway REST API partner-api ({API_ID}, stage prod; partners call it "
        "with API keys under usage plans partners-gold and partners-trial) -> Lambda "
        "shipments-api (Python) -> DynamoDB table shipments.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "At 08:12:33 an engineer updated the partners-gold usage plan "
            f"({GOLD_PLAN}) with UpdateUsagePlan, lowering its throttle from 50 requests/s "
            "(burst 100) to 1 request/s (burst 2) — limits meant for partners-trial. "
            "freightco's sync client (~2 requests/s) now gets 429 Too Many Requests from API "
            "Gateway for about half of its calls; the Lambda function is never invoked for "
            "them and shows no errors or throttles. Restore the plan's limits.",
            "categories": ["capacity", "configuration"],
            "must_mention": [
                ["UpdateUsagePlan", "usage plan", "partners-gold"],
                ["429", "Too Many Requests", "throttl", "rate limit"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "Too Many Requests"},
                {"source": "cloudtrail", "contains": "UpdateUsagePlan"},
            ],
            "red_herrings": [
                "Terraform's PutFunctionConcurrency on shipments-api (reserved concurrency 50) "
                "at 08:04; the function records no Throttles",
            ],
            "difficulty": "easy",
        },
        tags=[
            "holdout",
            "capacity",
            "serverless",
            "apigateway",
            "usage-plan",
            "lambda",
            "logs",
            "cloudtrail",
            "metrics",
        ],
    )
