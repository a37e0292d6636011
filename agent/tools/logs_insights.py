"""`run_logs_insights_query`: CloudWatch Logs Insights over the workload's log groups."""

from __future__ import annotations

from datetime import datetime

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryResult
from agent.tools.base import END_DESCRIPTION, START_DESCRIPTION, Runtime, clamp_range, execute


class LogsInsightsInput(BaseModel):
    query: str = Field(
        description=(
            "A CloudWatch Logs Insights query, e.g. `fields @timestamp, @message | filter "
            "@message like /Exception/ | sort @timestamp desc | limit 20` or `stats count(*) by "
            "bin(1m)`. Aggregate (stats, pattern) rather than listing thousands of lines. "
            "stats functions: count(*), count(field), count_distinct, sum, avg, min, max, "
            "pct(field, 99), stddev, earliest, latest, sortsFirst, sortsLast; there is no "
            "count_if: count matching lines with `sum(@message like /timeout/)` or a filter. "
            "Split by instance or container with `by @logStream`, by log group with `by @log`."
        )
    )
    log_groups: list[str] | None = Field(
        None,
        description="Log group names to search (see list_log_groups); defaults to all of the workload's log groups.",
    )
    start: datetime | None = Field(None, description=START_DESCRIPTION)
    end: datetime | None = Field(None, description=END_DESCRIPTION)


@tool("run_logs_insights_query", args_schema=LogsInsightsInput)
def run_logs_insights_query(
    query: str,
    log_groups: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    runtime: Runtime,
) -> Command:
    """Run a CloudWatch Logs Insights query over the incident's log groups and time window.
    Returns a small table, the row count and the evidence id to cite."""

    def run(ctx: InvestigationContext) -> QueryResult:
        groups = log_groups or ctx.log_groups
        window = clamp_range(ctx, start, end)
        return ctx.backend.run_logs_insights(
            query, groups, window, ctx.settings.budgets.max_result_rows * 4
        )

    return execute(
        runtime,
        tool="run_logs_insights_query",
        source="logs",
        query=query,
        run=run,
        capability="logs_insights",
    )
