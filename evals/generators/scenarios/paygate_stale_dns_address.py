"""dependency outside AWS, client-side symptoms only: the payment partner moved
api.paygate.example.com to new addresses at 20:31. The JVMs of payments-api cache DNS
answers for the life of the process, so the two tasks started before the move keep calling
the old address, which now refuses connections; the two started by a scale-out after it
work. Errors come from half the tasks and name only an IP. A security-group egress change
two minutes before the onset is the red herring."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from evals.generators.actors import sso_user
from evals.generators.app_logs import spring_line
from evals.generators.cloudtrail import Trail
from evals.generators.common import BundleWriter, Ids, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.scenarios._harder import ECS_AUTOSCALING, drive, update_service, web_service
from evals.generators.web_service import Request, Response, ecs_task, service_alarm
from evals.generators.xray import remote_http

NAME = "paygate-stale-dns-address"
START, END = utc("2026-04-18T20:10:00Z"), utc("2026-04-18T20:55:00Z")
SCALE_OUT = utc("2026-04-18T20:14:30Z")
EGRESS = utc("2026-04-18T20:29:02Z")
MOVED = utc("2026-04-18T20:31:00Z")
HOST = "api.paygate.example.com"
OLD_IP, NEW_IP = "203.0.113.50", "198.51.100.200"


class Payments:
    def __init__(self, cached_old: set[str]) -> None:
        self.cached_old = cached_old

    def __call__(self, request: Request, ids: Ids) -> Response:
        rng = ids.rng
        at = request.at
        address = OLD_IP if request.target.name in self.cached_old else NEW_IP
        url = f"https://{HOST}/v3/charges"
        thread = f"http-nio-8080-exec-{rng.randint(1, 120)}"
        if address == OLD_IP and at >= MOVED:
            end = at + timedelta(milliseconds=rng.uniform(2, 9))
            message = f"Connect to {HOST}:443 [{HOST}/{OLD_IP}] failed: Connection refused"
            sub = remote_http(
                ids,
                HOST,
                "POST",
                url,
                at,
                end,
                status=None,
                error_type="HttpHostConnectException",
                error_message=message,
            )
            return Response(
                502,
                (end - at).total_seconds() + 0.004,
                [
                    (
                        8,
                        spring_line(
                            end,
                            "ERROR",
                            thread,
                            "c.e.payments.ChargeController",
                            f"charge failed: org.apache.http.conn.HttpHostConnectException: {message}",
                        ),
                    )
                ],
                [sub],
                exception=("HttpHostConnectException", message),
                sent_bytes=130,
            )
        ms = rng.lognormvariate(5.4, 0.25)
        end = at + timedelta(milliseconds=ms)
        sub = remote_http(ids, HOST, "POST", url, at, end, status=201)
        return Response(201, ms / 1000 + 0.01, [], [sub], sent_bytes=410)


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    update_service(
        trail,
        SCALE_OUT,
        ECS_AUTOSCALING,
        cluster="payments",
        service="payments-api",
        desired_count=4,
    )
    netops = sso_user(
        "netops@example.com", cli_command="ec2.authorize-security-group-egress", ip="198.51.100.14"
    )
    trail.call(
        EGRESS,
        netops,
        "ec2.amazonaws.com",
        "AuthorizeSecurityGroupEgress",
        read_only=False,
        request={
            "groupId": "sg-0b7e3f1a9c2d4e605",
            "ipPermissions": {
                "items": [
                    {
                        "ipProtocol": "tcp",
                        "fromPort": 6379,
                        "toPort": 6379,
                        "groups": {
                            "items": [
                                {"groupId": "sg-0e1f2a3b4c5d6e7f8", "description": "payments-cache"}
                            ]
                        },
                        "ipRanges": {},
                        "ipv6Ranges": {},
                        "prefixListIds": {},
                    }
                ]
            },
        },
        response={"requestId": ids.uuid4(), "_return": True},
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    early = [ecs_task(ids, "payments-api", ip) for ip in ("10.0.100.21", "10.0.101.34")]
    later = [
        ecs_task(ids, "payments-api", ip, start=SCALE_OUT + timedelta(seconds=75))
        for ip in ("10.0.100.77", "10.0.101.90")
    ]
    app = Payments({t.name for t in early})
    service = web_service(
        ids,
        "payments-api",
        early + later,
        app,
        alb="payments-alb",
        domain="pay.example.com",
        log_group="/ecs/payments-api",
        trace_sample_rate=0.2,
    )
    drive(
        service,
        START,
        END,
        lambda m: 70,
        [(1.0, "POST", "/v1/payments")],
        user_agent="checkout-web/5.31 (+https://shop.example.com)",
    )
    service.write(writer)
    service.metric_file(minutes(START, END)).write(writer)
    _trail(ids).write(writer)
    fired = service_alarm(
        service,
        "payments-api-5xx",
        "Target 5XX on payments-alb",
        "HTTPCode_Target_5XX_Count",
        threshold=10.0,
    )
    writer.manifest(_manifest(fired))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="payments-api 5XX",
        architecture="ALB payments-alb -> ECS service payments-api (Java 17, Apache HttpClient, "
        f"X-Ray SDK) -> the payment partner's API {HOST} over HTTPS through a NAT gateway.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": f"The payment partner moved {HOST} to new addresses at ~20:31; the JVMs "
            f"of the two payments-api tasks started before the move cache the old address "
            f"({OLD_IP}) for the life of the process and get Connection refused, while the two "
            "tasks started at 20:15 resolve the new address and work. Restart the old tasks and "
            "bound the JVM DNS cache (networkaddress.cache.ttl).",
            "categories": ["dependency", "network"],
            "must_mention": [
                ["DNS", "address", "cache", "resolv"],
                [HOST, "paygate", "partner"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "Connection refused"},
                {"source": "alb", "contains": "10.0.100.21"},
            ],
            "red_herrings": [
                "the AuthorizeSecurityGroupEgress (Redis 6379) on the payments security group at 20:29",
                "the scale-out at 20:14 (its tasks are the healthy ones)",
            ],
            "difficulty": "hard",
        },
        tags=[
            "dependency",
            "outside-aws",
            "dns",
            "alb",
            "ecs",
            "xray",
            "logs",
            "cloudtrail",
            "alb-logs",
        ],
    )
