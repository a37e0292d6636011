"""Building blocks shared by the harder scenarios (issue 13): a web service behind an ALB
with its request stream, a log line tied to a request, and the CloudTrail records of the
changes they make (ECS deployments, scaling, parameter groups)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from evals.generators.alb import LoadBalancer
from evals.generators.app_logs import LogGroup, json_line
from evals.generators.cloudtrail import Principal, Trail
from evals.generators.common import Ids, arrivals
from evals.generators.web_service import Handler, Request, Target, WebService

ACCOUNT = "123456789012"


def web_service(
    ids: Ids,
    name: str,
    targets: list[Target],
    handler: Handler,
    *,
    alb: str,
    domain: str,
    log_group: str,
    origin: str = "AWS::ECS::Container",
    trace_sample_rate: float = 0.0,
) -> WebService:
    """A service behind its own ALB and target group (ids derived from the seeded rng)."""
    lb = LoadBalancer(alb, ids.hex(16), f"{name}-tg", ids.hex(16), domain, ids)
    return WebService(
        name,
        lb,
        LogGroup(log_group),
        targets,
        handler,
        ids,
        origin=origin,
        trace_sample_rate=trace_sample_rate,
    )


def drive(
    service: WebService,
    start: datetime,
    end: datetime,
    per_minute: Callable[[datetime], float],
    routes: list[tuple[float, str, str]],
    *,
    user_agent: str = "shop-web/4.2 (+https://shop.example.com)",
) -> None:
    """Requests at `per_minute` over [start, end), each a route picked by weight
    (weight, method, path); `{n}` in a path becomes a random number."""
    weights = [w for w, _, _ in routes]
    rng = service.ids.rng
    for at in arrivals(rng, start, end, per_minute):
        _, method, path = rng.choices(routes, weights)[0]
        service.request(
            at, method, path.replace("{n}", str(rng.randint(100000, 999999))), user_agent=user_agent
        )


def line(
    request: Request, ms: float, level: str, logger: str, message: str, **fields: Any
) -> tuple[float, str]:
    """A JSON log line of the request `ms` milliseconds after it arrived."""
    at = request.at + timedelta(milliseconds=ms)
    return ms, json_line(at, level, logger, message, request_id=request.request_id, **fields)


def update_service(
    trail: Trail,
    at: datetime,
    who: Principal,
    *,
    cluster: str,
    service: str,
    task_definition: str | None = None,
    desired_count: int | None = None,
) -> None:
    """ECS UpdateService: a new task definition (a deployment) or a new desired count."""
    request: dict[str, Any] = {"cluster": cluster, "service": service}
    if task_definition:
        request["taskDefinition"] = task_definition
        request["forceNewDeployment"] = False
    if desired_count is not None:
        request["desiredCount"] = desired_count
    td = task_definition or f"{service}:1"
    trail.call(
        at,
        who,
        "ecs.amazonaws.com",
        "UpdateService",
        read_only=False,
        request=request,
        response={
            "service": {
                "serviceName": service,
                "clusterArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/{cluster}",
                "taskDefinition": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{td}",
                "desiredCount": desired_count if desired_count is not None else 3,
            }
        },
    )


ECS_AUTOSCALING = Principal(
    "AssumedRole",
    "AWSServiceRoleForApplicationAutoScaling_ECSService",
    "AutoScaling",
    source_ip="ecs.application-autoscaling.amazonaws.com",
    user_agent="ecs.application-autoscaling.amazonaws.com",
    role_id="AROAZ6EXAMPLEAASECS1",
)
