"""`run_metrics_insights_query`: CloudWatch Metrics Insights, the SQL-like way to ask top-N
questions of metrics ("which instances ran hottest", "which table throttled most")."""

from __future__ import annotations

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryResult
from agent.tools.base import Runtime, execute


class MetricsInsightsInput(BaseModel):
    """A Metrics Insights query and its period (the grammar is in the tool's description)."""

    query: str = Field(
        description=(
            "The Metrics Insights query, e.g. `SELECT MAX(CPUUtilization) FROM "
            'SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 10`. '
            "Each returned series is one row: its label, dimensions, the ORDER BY aggregate "
            "over the window, and its points."
        )
    )
    period_seconds: int | None = Field(
        None,
        ge=60,
        description="Seconds per datapoint, a multiple of 60; default: chosen from the window "
        "length (60 s for windows up to a day).",
    )


@tool("run_metrics_insights_query", args_schema=MetricsInsightsInput)
def run_metrics_insights_query(
    query: str, period_seconds: int | None = None, *, runtime: Runtime
) -> Command:
    """Run a CloudWatch Metrics Insights query (SQL over metrics) in the incident window: top-N
    series across many resources at once (the Lambda functions with the most Errors, the
    DynamoDB tables with the most throttles). Grammar:
    SELECT AVG|COUNT|MAX|MIN|SUM(metricName) FROM "namespace" | SCHEMA("namespace", key, ...)
    [WHERE key = 'value' [AND key != 'value' ...]] [GROUP BY key, ...]
    [ORDER BY AVG|COUNT|MAX|MIN|SUM() ASC|DESC] [LIMIT n (1-500)].
    Double quotes for names with `/` or `.` ("AWS/EC2"), single quotes for label values.
    SCHEMA keeps only series with exactly those dimensions; a plain namespace matches any.
    No OR, IN, LIKE or percentiles (use get_metric_data for p99). Returns one row per series
    and the evidence id to cite."""

    def run(ctx: InvestigationContext) -> QueryResult:
        return ctx.backend.run_metrics_insights(query, ctx.window, period_seconds)

    return execute(
        runtime,
        tool="run_metrics_insights_query",
        source="metrics",
        query=query,
        run=run,
        capability="metrics",
    )
