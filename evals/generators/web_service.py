"""A simulated web service: an Application Load Balancer in front of ECS tasks or EC2
instances running one application.

One request produces, consistently: the ALB access-log line (target, times, both status
codes), the application's log lines in its CloudWatch Logs group, an X-Ray trace when
sampled (the service segment with its downstream subsegments), and the points behind the
AWS/ApplicationELB metrics. A scenario supplies the targets and the handler behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from evals.generators.alb import AlbRequest, LoadBalancer
from evals.generators.app_logs import LogGroup
from evals.generators.common import BundleWriter, Ids
from evals.generators.manifest import alarm_on
from evals.generators.metrics import MetricFile, count_by_minute, mean_by_minute
from evals.generators.xray import TraceBuilder, TraceStore


@dataclass
class Target:
    """An ECS task or EC2 instance registered in the target group while [start, stop)."""

    address: str  # ip:port as ALB logs it
    name: str  # task id or instance id
    log_stream: str
    start: datetime | None = None
    stop: datetime | None = None
    version: str = ""

    def serving(self, at: datetime) -> bool:
        return (self.start is None or self.start <= at) and (self.stop is None or at < self.stop)


@dataclass
class Request:
    at: datetime  # when the target received it
    method: str
    path: str
    target: Target
    trace_id: str
    request_id: str
    client_ip: str
    user_agent: str


@dataclass
class Response:
    """The target's answer. `status` None: no answer at all (the connection failed or ALB's
    idle time-out expired), then ALB answers `elb_status` after `seconds`."""

    status: int | None
    seconds: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    subsegments: list[dict[str, Any]] = field(default_factory=list)
    elb_status: int | None = None
    error_reason: str = "-"
    exception: tuple[str, str] | None = None
    sent_bytes: int = 512


Handler = Callable[[Request, Ids], Response]


@dataclass
class WebService:
    name: str
    lb: LoadBalancer
    logs: LogGroup
    targets: list[Target]
    handler: Handler
    ids: Ids
    origin: str = "AWS::ECS::Container"
    trace_sample_rate: float = 0.05
    traces: TraceStore = field(default_factory=TraceStore)
    points: list[tuple[datetime, int, int | None, float, str]] = field(default_factory=list)
    _next: int = 0
    # the target group's state at export (DescribeTargetGroups / DescribeTargetHealth)
    health_check_path: str = "/health"
    unhealthy: dict[str, tuple[str, str]] = field(default_factory=dict)

    def _pick(self, at: datetime) -> Target | None:
        serving = [t for t in self.targets if t.serving(at)]
        if not serving:
            return None
        self._next += 1
        return serving[self._next % len(serving)]  # round robin

    def request(
        self,
        at: datetime,
        method: str,
        path: str,
        *,
        client_ip: str | None = None,
        user_agent: str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
        received_bytes: int = 412,
    ) -> None:
        ids = self.ids
        trace_id = ids.trace_id(at)
        client = client_ip or ids.client_ip()
        url = f"https://{self.lb.domain}:443{path}"
        target = self._pick(at)
        request_seconds = ids.rng.uniform(0.000, 0.002)

        def log(
            address: str | None,
            elb_status: int,
            target_status: int | None,
            target_seconds: float | None,
            sent_bytes: int,
            **failure: Any,
        ) -> None:
            """Its access-log line (ALB adds no response-processing time to an answer)."""
            self.lb.log(
                AlbRequest(
                    at,
                    client,
                    address,
                    elb_status,
                    target_status,
                    request_seconds,
                    target_seconds,
                    None if target_seconds is None else 0.0,
                    method,
                    url,
                    user_agent,
                    received_bytes,
                    sent_bytes,
                    trace_id,
                    **failure,
                )
            )

        if target is None:
            log(None, 503, None, None, 162)
            self.points.append((at, 503, None, 0.0, "-"))
            return
        request = Request(
            at=at + timedelta(seconds=request_seconds),
            method=method,
            path=path,
            target=target,
            trace_id=trace_id,
            request_id=ids.uuid4(),
            client_ip=client,
            user_agent=user_agent,
        )
        response = self.handler(request, ids)
        for offset_ms, message in response.lines:
            self.logs.emit(
                target.log_stream, request.at + timedelta(milliseconds=offset_ms), message
            )
        if response.status is None:
            elb_status = response.elb_status or 502
            log(
                target.address,
                elb_status,
                None,
                None,
                272,
                error_reason=response.error_reason,
                failed_after=response.seconds,
            )
            self.points.append((at, elb_status, None, response.seconds, target.address))
        else:
            log(
                target.address,
                response.status,
                response.status,
                response.seconds,
                response.sent_bytes,
            )
            self.points.append(
                (at, response.status, response.status, response.seconds, target.address)
            )
        if ids.rng.random() < self.trace_sample_rate:
            self._trace(request, response)

    def _trace(self, request: Request, response: Response) -> None:
        trace = TraceBuilder(self.ids, request.trace_id)
        end = request.at + timedelta(seconds=response.seconds)
        aws: dict[str, Any] = (
            {"ecs": {"container": self.name, "container_id": request.target.name}}
            if self.origin == "AWS::ECS::Container"
            else {"ec2": {"instance_id": request.target.name, "availability_zone": "us-east-1a"}}
        )
        trace.segment(
            self.name,
            self.origin,
            request.at,
            end,
            http_request={
                "method": request.method,
                "url": f"https://{self.lb.domain}{request.path}",
                "client_ip": request.client_ip,
                "user_agent": request.user_agent,
                "x_forwarded_for": True,
            },
            status=response.status if response.status is not None else 500,
            aws=aws,
            subsegments=response.subsegments or None,
            cause=response.exception,
            annotations={"version": request.target.version} if request.target.version else None,
        )
        self.traces.add(trace)

    def metric_file(self, marks: list[datetime]) -> MetricFile:
        """A metrics file over the minutes `marks` that holds this service's ALB series; a
        scenario adds the series of the services behind it."""
        metrics = MetricFile(marks=marks)
        self.write_metrics(metrics)
        return metrics

    def write_metrics(self, metrics: MetricFile) -> None:
        dims = {"LoadBalancer": self.lb.elb}
        p = self.points
        metrics.add("AWS/ApplicationELB", "RequestCount", dims, count_by_minute([x[0] for x in p]))
        metrics.add(
            "AWS/ApplicationELB",
            "HTTPCode_Target_5XX_Count",
            dims,
            error_minutes(self),
        )
        metrics.add(
            "AWS/ApplicationELB",
            "HTTPCode_Target_4XX_Count",
            dims,
            count_by_minute([x[0] for x in p if x[2] is not None and 400 <= x[2] < 500]),
        )
        metrics.add(
            "AWS/ApplicationELB",
            "HTTPCode_ELB_5XX_Count",
            dims,
            elb_error_minutes(self),
        )
        metrics.add(
            "AWS/ApplicationELB",
            "TargetResponseTime",
            dims,
            latency_minutes(self),
            unit="Seconds",
            statistic="Average",
            fill=None,
        )

    def write(self, writer: BundleWriter, *, app_logs: bool = True, traces: bool = True) -> None:
        self.lb.write(writer)
        self.write_resources(writer)
        if app_logs:
            slug = self.logs.name.strip("/").replace("/", "-")
            writer.jsonl(f"logs/{slug}.jsonl", self.logs.sorted_events())
        if traces and self.traces.traces:
            self.traces.write(writer)

    def write_resources(self, writer: BundleWriter) -> None:
        """The target group, its targets' health and the instances, as exported after the
        window (a target stopped before the end is deregistered)."""
        from evals.generators.resources import load_balancer_snapshots

        end = writer.window[1] if writer.window else None
        targets = [
            (
                t.name,
                t.address.rsplit(":", 1)[0],
                int(t.address.rsplit(":", 1)[1]),
                t.stop is None or (end is not None and t.stop >= end),
            )
            for t in self.targets
        ]
        load_balancer_snapshots(
            writer,
            target_group=self.lb.target_group,
            target_group_arn=self.lb.target_group_arn,
            load_balancer_arn=self.lb.target_group_arn.replace(
                f"targetgroup/{self.lb.target_group}/{self.lb.target_group_id}",
                f"loadbalancer/{self.lb.elb}",
            ),
            targets=targets,
            health_check_path=self.health_check_path,
            unhealthy=self.unhealthy,
        )


def ecs_task(
    ids: Ids,
    container: str,
    ip: str,
    *,
    start: datetime | None = None,
    stop: datetime | None = None,
    version: str = "",
    port: int = 8080,
) -> Target:
    """An ECS task with the awslogs driver's stream name `<prefix>/<container>/<task id>`."""
    task_id = ids.hex(32)
    return Target(
        f"{ip}:{port}", task_id, f"{container}/{container}/{task_id}", start, stop, version
    )


def ec2_instance(
    ids: Ids,
    ip: str,
    *,
    start: datetime | None = None,
    stop: datetime | None = None,
    port: int = 80,
) -> Target:
    """An EC2 instance whose CloudWatch agent names the stream after the instance id."""
    instance_id = "i-0" + ids.hex(16)
    return Target(f"{ip}:{port}", instance_id, instance_id, start, stop)


def error_minutes(service: WebService) -> dict[datetime, float]:
    """5XX responses from the targets per minute (HTTPCode_Target_5XX_Count)."""
    return count_by_minute([p[0] for p in service.points if p[2] is not None and p[2] >= 500])


def latency_minutes(service: WebService) -> dict[datetime, float]:
    """Mean seconds the targets took to answer, per minute (TargetResponseTime; requests
    no target answered do not count)."""
    return mean_by_minute([(p[0], p[3]) for p in service.points if p[2] is not None])


def elb_error_minutes(service: WebService) -> dict[datetime, float]:
    """5XX the load balancer answered itself per minute (HTTPCode_ELB_5XX_Count): no
    target, or a target that never answered."""
    return count_by_minute([p[0] for p in service.points if p[2] is None and p[1] >= 500])


ALARM_SERIES: dict[str, Callable[[WebService], dict[datetime, float]]] = {
    "HTTPCode_Target_5XX_Count": error_minutes,
    "HTTPCode_ELB_5XX_Count": elb_error_minutes,
    "TargetResponseTime": latency_minutes,
}


def service_alarm(
    service: WebService, name: str, description: str, metric: str, *, threshold: float
) -> dict[str, Any]:
    """The alarm on one of the service's AWS/ApplicationELB metrics as it fired: at the end
    of the first minute beyond `threshold`, reporting that minute's value (a response time
    to the millisecond)."""
    latency = metric == "TargetResponseTime"
    return alarm_on(
        ALARM_SERIES[metric](service),
        name,
        description,
        namespace="AWS/ApplicationELB",
        metric=metric,
        dimensions={"LoadBalancer": service.lb.elb},
        threshold=threshold,
        statistic="AVERAGE" if latency else "SUM",
        digits=3 if latency else None,
    )
