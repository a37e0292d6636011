"""network: during a cost clean-up an engineer deletes the NAT gateway of one availability
zone, believing it unused; the private route table of that zone still sends 0.0.0.0/0 to
it. payments-api tasks in that zone can no longer reach the payment provider: every
charge times out on connect after 5 s and returns 502, while the tasks in the other zone
are fine. A deployment of another service and the provider's routine card declines are
the red herrings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from evals.generators.actors import CODEPIPELINE, dashboard_poll, sso_user
from evals.generators.alb import LoadBalancer
from evals.generators.app_logs import LogGroup, json_line
from evals.generators.cloudtrail import Trail
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.web_service import Request, Response, WebService, ecs_task, service_alarm
from evals.generators.xray import aws_call

NAME = "nat-gateway-deleted-egress"
START, END = utc("2026-04-14T15:00:00Z"), utc("2026-04-14T15:45:00Z")
WORKER_DEPLOY = utc("2026-04-14T15:09:02Z")
DELETE_AT = utc("2026-04-14T15:15:27Z")
EGRESS_LOST = DELETE_AT + timedelta(seconds=38)  # the gateway stops forwarding while deleting
NAT_B = "nat-0e4b7a1c9d2f36058"
PROVIDER = "api.payprovider.example.com"
CONNECT_TIMEOUT = (
    f"requests.exceptions.ConnectTimeout: HTTPSConnectionPool(host='{PROVIDER}', port=443): "
    "Max retries exceeded with url: /v1/charges (Caused by ConnectTimeoutError("
    "<urllib3.connection.HTTPSConnection object at 0x7f3c2b1a9d90>, 'Connection to "
    f"{PROVIDER} timed out. (connect timeout=5)'))"
)
ZONE_B_PREFIX = "10.0.20."


def handler(request: Request, ids: Ids) -> Response:
    rng = ids.rng
    ddb_ms = rng.uniform(3, 8)
    subs = [
        aws_call(
            ids,
            "DynamoDB",
            "GetItem" if request.method == "GET" else "PutItem",
            request.at,
            request.at + timedelta(milliseconds=ddb_ms),
            resource={"table_name": "payments", "resource_names": ["payments"]},
        )
    ]
    if request.method == "GET":
        return Response(200, (ddb_ms + rng.uniform(3, 9)) / 1000, [], subs, sent_bytes=740)

    def log(level: str, message: str, ms: float, **fields: Any) -> tuple[float, str]:
        at = request.at + timedelta(milliseconds=ms)
        return ms, json_line(
            at, level, "payments.charges", message, request_id=request.request_id, **fields
        )

    in_zone_b = request.target.address.startswith(ZONE_B_PREFIX)
    if in_zone_b and request.at >= EGRESS_LOST:
        ms = 5000 + ddb_ms + rng.uniform(2, 9)
        line = log(
            "ERROR", "charge failed: payment provider unreachable", ms, exc_info=CONNECT_TIMEOUT
        )
        return Response(
            502,
            ms / 1000,
            [line],
            subs,
            exception=("ConnectTimeout", CONNECT_TIMEOUT),
            sent_bytes=96,
        )
    provider_ms = rng.lognormvariate(5.6, 0.25)
    ms = ddb_ms + provider_ms + rng.uniform(3, 8)
    if rng.random() < 0.06:
        line = log(
            "WARN",
            "charge declined by provider",
            ms,
            provider_status=402,
            decline_code=rng.choice(["card_declined", "insufficient_funds", "expired_card"]),
        )
        return Response(402, ms / 1000, [line], subs, sent_bytes=188)
    line = log("INFO", "charge captured", ms, amount_cents=rng.randint(500, 90_000))
    return Response(201, ms / 1000, [line], subs, sent_bytes=412)


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=41),
        END,
        "payments-",
        (
            "ecs.amazonaws.com",
            "DescribeServices",
            {"cluster": "payments", "services": ["payments-api"]},
        ),
    )
    trail.call(
        WORKER_DEPLOY,
        CODEPIPELINE,
        "ecs.amazonaws.com",
        "UpdateService",
        read_only=False,
        request={
            "cluster": "payments",
            "service": "payments-worker",
            "taskDefinition": "payments-worker:117",
            "forceNewDeployment": False,
        },
        response={
            "service": {
                "serviceName": "payments-worker",
                "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/payments",
                "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/payments-worker:117",
                "desiredCount": 2,
                "status": "ACTIVE",
            }
        },
    )
    engineer = sso_user(
        "noah.b@example.com", cli_command="ec2.delete-nat-gateway", ip="198.51.100.88"
    )
    trail.call(
        DELETE_AT - timedelta(minutes=2, seconds=11),
        engineer,
        "ec2.amazonaws.com",
        "DescribeNatGateways",
        read_only=True,
        request={"DescribeNatGatewaysRequest": {"Filter": {"Name": "state", "Value": "available"}}},
    )
    trail.call(
        DELETE_AT,
        engineer,
        "ec2.amazonaws.com",
        "DeleteNatGateway",
        read_only=False,
        request={"DeleteNatGatewayRequest": {"NatGatewayId": NAT_B}},
        response={
            "DeleteNatGatewayResponse": {
                "xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/",
                "requestId": ids.uuid4(),
                "natGatewayId": NAT_B,
            }
        },
    )
    trail.call(
        DELETE_AT + timedelta(minutes=3, seconds=4),
        engineer,
        "ec2.amazonaws.com",
        "ReleaseAddress",
        read_only=False,
        request={"allocationId": "eipalloc-0a9f8e7d6c5b4a392"},
        response={"requestId": ids.uuid4(), "_return": True},
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    addresses = ("10.0.10.41", "10.0.20.17", "10.0.10.93", "10.0.20.164")
    targets = [ecs_task(ids, "payments-api", ip) for ip in addresses]
    lb = LoadBalancer(
        "payments-alb",
        "9a3b5c7d1e2f4a6b",
        "payments-api-tg",
        "4d6f8a0c2e4b6d8f",
        "pay.example.com",
        ids,
    )
    service = WebService(
        "payments-api",
        lb,
        LogGroup("/ecs/payments-api"),
        targets,
        handler,
        ids,
        trace_sample_rate=0.0,
    )
    for at in arrivals(ids.rng, START, END, lambda m: 64):
        if ids.rng.random() < 0.5:
            service.request(at, "POST", "/v1/payments", user_agent="checkout-web/12.4")
        else:
            service.request(
                at, "GET", f"/v1/payments/pay_{ids.alnum(16)}", user_agent="checkout-web/12.4"
            )
    service.write(writer, traces=False)
    service.metric_file(minutes(START, END)).write(writer)
    _trail(ids).write(writer)
    fired_alarm = service_alarm(
        service,
        "payments-api-target-5xx",
        "Target 5XX on payments-alb",
        "HTTPCode_Target_5XX_Count",
        threshold=10.0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="payments-api 5XX",
        architecture="ALB payments-alb -> ECS Fargate service payments-api (four tasks in the "
        "private subnets of us-east-1a 10.0.10.0/24 and us-east-1b 10.0.20.0/24; one NAT "
        "gateway per zone for internet egress; DynamoDB through a gateway endpoint) -> "
        f"DynamoDB table payments and the payment provider's API ({PROVIDER}).",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": f"At 15:15:27 an engineer deleted NAT gateway {NAT_B} "
            "(DeleteNatGateway) in us-east-1b during a cost clean-up; the zone's private route "
            "table still points 0.0.0.0/0 at it, so the two payments-api tasks in 10.0.20.0/24 "
            f"lost internet egress. Their charges to {PROVIDER} time out on connect (5 s) and "
            "return 502; tasks in us-east-1a and DynamoDB reads (gateway endpoint) are "
            "unaffected.",
            "category": "network",
            "must_mention": [
                ["DeleteNatGateway", "NAT gateway", NAT_B],
                ["timeout", "timed out", "ConnectTimeout", "egress", "unreachable"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "ConnectTimeout"},
                {"source": "cloudtrail", "contains": "DeleteNatGateway"},
            ],
            "red_herrings": [
                "CodePipeline's UpdateService of payments-worker (another service) at 15:09",
                "the provider's routine 402 'charge declined by provider' warnings",
            ],
            "difficulty": "hard",
        },
        tags=["holdout", "network", "alb", "ecs", "nat-gateway", "logs", "cloudtrail", "alb-logs"],
    )
