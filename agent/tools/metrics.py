"""`get_metric_data` and `list_metrics`: CloudWatch metric series in the incident window."""

from __future__ import annotations

from datetime import datetime

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.incident import MetricDimension
from agent.run_context import InvestigationContext
from agent.telemetry.base import MetricQuery, QueryResult
from agent.tools.base import END_DESCRIPTION, START_DESCRIPTION, Runtime, clamp_range, execute


class MetricInput(BaseModel):
    namespace: str = Field(
        description="CloudWatch namespace, e.g. `AWS/DynamoDB`, `AWS/Lambda`, `AWS/ApplicationELB`."
    )
    metric_name: str = Field(
        description="Metric name, e.g. `WriteThrottleEvents`, `Errors`, `HTTPCode_Target_5XX_Count`."
    )
    dimensions: dict[str, str] = Field(
        default_factory=dict, description='Dimension name to value, e.g. {"TableName": "orders"}.'
    )
    statistic: str = Field(
        "Sum", description="Sum, Average, Minimum, Maximum, SampleCount or a percentile like p99."
    )
    period: int = Field(60, ge=1, description="Seconds per datapoint (60 or a multiple of 60).")


class GetMetricDataInput(BaseModel):
    metrics: list[MetricInput] = Field(
        min_length=1, max_length=10, description="1 to 10 metric series to fetch."
    )
    start: datetime | None = Field(None, description=START_DESCRIPTION)
    end: datetime | None = Field(None, description=END_DESCRIPTION)


def to_metric_queries(metrics: list[MetricInput]) -> list[MetricQuery]:
    return [
        MetricQuery(
            id=f"m{index}",
            namespace=m.namespace,
            metric_name=m.metric_name,
            dimensions=[MetricDimension(name=k, value=v) for k, v in m.dimensions.items()],
            statistic=m.statistic,
            period=m.period,
        )
        for index, m in enumerate(metrics, start=1)
    ]


def describe_queries(queries: list[MetricQuery]) -> str:
    parts = []
    for q in queries:
        dims = ",".join(f"{d.name}={d.value}" for d in q.dimensions)
        parts.append(
            q.expression or f"{q.namespace}/{q.metric_name}{{{dims}}} {q.statistic}/{q.period}s"
        )
    return "; ".join(parts)


@tool("get_metric_data", args_schema=GetMetricDataInput)
def get_metric_data(
    metrics: list[MetricInput],
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    runtime: Runtime,
) -> Command:
    """Fetch CloudWatch metric datapoints (timestamp, value per series) in the incident window,
    e.g. throttles, errors, latency, CPU or request counts around the alarm."""
    queries = to_metric_queries(metrics)

    def run(ctx: InvestigationContext) -> QueryResult:
        return ctx.backend.get_metric_data(queries, clamp_range(ctx, start, end))

    return execute(
        runtime,
        tool="get_metric_data",
        source="metrics",
        query=describe_queries(queries),
        run=run,
        capability="metrics",
    )


class ListMetricsInput(BaseModel):
    namespace: str | None = Field(None, description="Only this namespace, e.g. `AWS/DynamoDB`.")
    metric_name: str | None = Field(None, description="Only this metric name.")


@tool("list_metrics", args_schema=ListMetricsInput)
def list_metrics(
    namespace: str | None = None, metric_name: str | None = None, *, runtime: Runtime
) -> Command:
    """List the CloudWatch metrics (namespace, name, dimensions) that exist, to discover what
    get_metric_data can fetch."""
    query = f"ListMetrics namespace={namespace or '*'} metric={metric_name or '*'}"

    def run(ctx: InvestigationContext) -> QueryResult:
        return ctx.backend.list_metrics(namespace, metric_name)

    return execute(
        runtime, tool="list_metrics", source="metrics", query=query, run=run, capability="metrics"
    )
