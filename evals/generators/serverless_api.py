"""A simulated REST API: API Gateway stage -> Lambda functions -> AWS services.

One request produces, consistently: the API Gateway access-log line, the function's log
events (START ... REPORT), an X-Ray trace when sampled (API Gateway, Lambda service and
function segments with the SDK-call subsegments), and the points behind the
AWS/ApiGateway and AWS/Lambda metrics. A scenario supplies only the handler behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from evals.generators.apigw import ApiAccessLogs, ApiRequest
from evals.generators.common import ACCOUNT_ID, REGION, BundleWriter, Ids
from evals.generators.lambda_logs import Invocation, LambdaLogs
from evals.generators.manifest import alarm_on
from evals.generators.metrics import MetricFile, add_lambda_metrics, count_by_minute, mean_by_minute
from evals.generators.xray import TraceBuilder, TraceStore


@dataclass
class Call:
    """What the simulated API receives; `at` is when the function starts, `received` when
    API Gateway received the request."""

    at: datetime
    received: datetime
    method: str
    resource_path: str
    path: str
    request_id: str  # Lambda request id
    trace_id: str
    cold_start: bool
    client_ip: str
    user_agent: str


@dataclass
class HandlerResult:
    """What the function did: its response, duration, log lines and downstream calls."""

    status: int
    duration_ms: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    subsegments: list[dict[str, Any]] = field(default_factory=list)
    # an exception the handler did not catch: (type, message) -> 502 from API Gateway
    function_error: tuple[str, str] | None = None
    timed_out: bool = False
    max_memory_mb: int = 96
    version: str = "$LATEST"  # the function version that served the call
    response_length: int = 64


Handler = Callable[[Call, Ids], HandlerResult]


@dataclass
class Route:
    method: str
    resource_path: str
    function: LambdaLogs | None  # None: a mock integration answered by API Gateway itself
    handler: Handler
    path_for: Callable[[Ids], str]


@dataclass
class ServerlessApi:
    api_name: str
    api_id: str
    stage: str
    ids: Ids
    trace_sample_rate: float = 0.1
    routes: dict[str, Route] = field(default_factory=dict)
    access: ApiAccessLogs = field(init=False)
    traces: TraceStore = field(default_factory=TraceStore)
    api_points: list[tuple[datetime, int, float]] = field(default_factory=list)
    invocation_points: dict[str, list[tuple[datetime, float, bool]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.access = ApiAccessLogs(api_id=self.api_id, stage=self.stage, ids=self.ids)

    def route(self, key: str, route: Route) -> None:
        self.routes[key] = route

    def request(
        self, key: str, at: datetime, *, client_ip: str | None = None, user_agent: str | None = None
    ) -> None:
        """One request on route `key`; the client is a random one unless given."""
        route = self.routes[key]
        ids = self.ids
        trace_id = ids.trace_id(at)
        sampled = ids.rng.random() < self.trace_sample_rate
        path = route.path_for(ids)
        call = Call(
            at=at + timedelta(milliseconds=ids.rng.randint(8, 20)),
            received=at,
            method=route.method,
            resource_path=route.resource_path,
            path=path,
            request_id=ids.uuid4(),
            trace_id=trace_id,
            cold_start=False,
            client_ip=client_ip or ids.client_ip(),
            user_agent=user_agent
            or ids.rng.choice(
                [
                    "okhttp/4.12.0",
                    "orders-web/3.4.1 (+fetch)",
                    "Mozilla/5.0",
                    "python-requests/2.31",
                ]
            ),
        )
        overhead = ids.rng.randint(9, 24)
        if route.function is None:
            result = route.handler(call, ids)
            latency = int(result.duration_ms) + overhead
            self.access.log(
                ApiRequest(
                    at=at,
                    method=route.method,
                    resource_path=route.resource_path,
                    path=path,
                    status=result.status,
                    response_latency_ms=latency,
                    response_length=result.response_length,
                    trace_id=trace_id if sampled else None,
                    source_ip=call.client_ip,
                    user_agent=call.user_agent,
                )
            )
            self.api_points.append((at, result.status, float(latency)))
            return

        function = route.function
        # the environment is chosen inside invoke(); peek whether this will be a cold start
        warm = any(not e.retired and e.busy_until <= call.at for e in function.environments)
        call.cold_start = not warm
        result = route.handler(call, ids)
        init_ms = function.invoke(
            Invocation(
                request_id=call.request_id,
                start=call.at,
                duration_ms=result.duration_ms,
                lines=result.lines,
                max_memory_mb=result.max_memory_mb,
                timed_out=result.timed_out,
                version=result.version,
            )
        )
        integration_ms = int(result.duration_ms) + ids.rng.randint(4, 12)
        if init_ms:
            integration_ms += int(init_ms)
        error_message: str | None = None
        integration_error: str | None = None
        if result.function_error or result.timed_out:
            status, integration_status = 502, 200
            error_message = "Internal server error"
            integration_error = (
                "The Lambda function returned the following error: "
                f"{(result.function_error or ('Task timed out', ''))[0]}"
            )
        else:
            status, integration_status = result.status, 200
            if status >= 500:
                error_message = "Internal server error"
        latency = integration_ms + overhead
        self.access.log(
            ApiRequest(
                at=at,
                method=route.method,
                resource_path=route.resource_path,
                path=path,
                status=status,
                response_latency_ms=latency,
                integration_status=integration_status,
                integration_latency_ms=integration_ms,
                response_length=36 if status >= 500 else result.response_length,
                error_message=error_message,
                integration_error=integration_error,
                trace_id=trace_id if sampled else None,
                source_ip=call.client_ip,
                user_agent=call.user_agent,
            )
        )
        self.api_points.append((at, status, float(latency)))
        self.invocation_points.setdefault(function.function_name, []).append(
            (call.at, result.duration_ms, bool(result.function_error or result.timed_out))
        )
        if sampled:
            self._trace(call, route, result, status, at, latency, init_ms)

    def reject(
        self,
        key: str,
        at: datetime,
        status: int,
        message: str,
        *,
        client_ip: str | None = None,
        user_agent: str | None = None,
    ) -> None:
        """API Gateway answers itself before any integration runs (a usage-plan or stage
        throttle, a missing API key): only the access-log line and the API metrics."""
        route = self.routes[key]
        latency = self.ids.rng.randint(1, 4)
        self.access.log(
            ApiRequest(
                at=at,
                method=route.method,
                resource_path=route.resource_path,
                path=route.path_for(self.ids),
                status=status,
                response_latency_ms=latency,
                response_length=len(message) + 14,
                error_message=message,
                source_ip=client_ip or self.ids.client_ip(),
                user_agent=user_agent or "okhttp/4.12.0",
            )
        )
        self.api_points.append((at, status, float(latency)))

    def _trace(
        self,
        call: Call,
        route: Route,
        result: HandlerResult,
        status: int,
        at: datetime,
        latency_ms: int,
        init_ms: float | None,
    ) -> None:
        assert route.function is not None
        trace = TraceBuilder(self.ids, call.trace_id)
        end = at + timedelta(milliseconds=latency_ms)
        function = route.function.function_name
        invoke_sub_id = self.ids.segment_id()
        invoke_end = end - timedelta(milliseconds=4)
        trace.segment(
            f"{self.api_name}/{self.stage}",
            "AWS::ApiGateway::Stage",
            at,
            end,
            http_request={
                "url": f"https://{self.api_id}.execute-api.{REGION}.amazonaws.com/"
                f"{self.stage}{call.path}",
                "method": call.method,
                "user_agent": call.user_agent,
                "client_ip": call.client_ip,
                "x_forwarded_for": True,
            },
            status=status,
            aws={
                "api_gateway": {
                    "account_id": ACCOUNT_ID,
                    "rest_api_id": self.api_id,
                    "stage": self.stage,
                    "request_id": self.ids.uuid4(),
                }
            },
            resource_arn=f"arn:aws:apigateway:{REGION}::/restapis/{self.api_id}/stages/{self.stage}",
            subsegments=[
                {
                    "id": invoke_sub_id,
                    "name": "Lambda",
                    "start_time": round(call.at.timestamp(), 3),
                    "end_time": round(invoke_end.timestamp(), 3),
                    "namespace": "aws",
                    "http": {"response": {"status": 200, "content_length": 36}},
                    "aws": {
                        "function_name": function,
                        "region": REGION,
                        "operation": "Invoke",
                        "resource_names": [function],
                    },
                }
            ],
        )
        trace.lambda_pair(
            function,
            call.at,
            invoke_end,
            parent_id=invoke_sub_id,
            request_id=call.request_id,
            calls=result.subsegments,
            cold_init_ms=init_ms,
            function_error=result.function_error,
        )
        self.traces.add(trace)

    def write_metrics(self, metrics: MetricFile, functions: list[LambdaLogs]) -> None:
        dims = {"ApiName": self.api_name}
        times = [p[0] for p in self.api_points]
        metrics.add("AWS/ApiGateway", "Count", dims, count_by_minute(times))
        for metric, series in ERROR_SERIES.items():
            metrics.add("AWS/ApiGateway", metric, dims, series(self))
        metrics.add(
            "AWS/ApiGateway",
            "Latency",
            dims,
            mean_by_minute([(p[0], p[2]) for p in self.api_points]),
            unit="Milliseconds",
            statistic="Average",
            fill=None,
        )
        for function in functions:
            points = self.invocation_points.get(function.function_name, [])
            add_lambda_metrics(metrics, function.function_name, points)

    def write(self, writer: BundleWriter, functions: list[LambdaLogs]) -> None:
        events = sorted(self.access.events, key=lambda e: (e["timestamp"], e["message"]))
        writer.jsonl(f"logs/apigateway-{self.api_name}-access.jsonl", events)
        for function in functions:
            function.write(writer)
        self.traces.write(writer)


ERROR_SERIES: dict[str, Callable[[ServerlessApi], dict[datetime, float]]] = {
    "5XXError": lambda api: count_by_minute([p[0] for p in api.api_points if p[1] >= 500]),
    "4XXError": lambda api: count_by_minute([p[0] for p in api.api_points if 400 <= p[1] < 500]),
}


def api_alarm(
    api: ServerlessApi, name: str, description: str, metric: str, *, threshold: float
) -> dict[str, Any]:
    """The alarm on the API's 5XXError or 4XXError count as it fired: at the end of the
    first minute with more than `threshold` errors."""
    return alarm_on(
        ERROR_SERIES[metric](api),
        name,
        description,
        namespace="AWS/ApiGateway",
        metric=metric,
        dimensions={"ApiName": api.api_name},
        threshold=threshold,
    )
