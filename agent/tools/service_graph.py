"""`get_service_graph`: the X-Ray service map with fault, error and latency per service."""

from __future__ import annotations

from datetime import datetime

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryResult
from agent.tools.base import END_DESCRIPTION, START_DESCRIPTION, Runtime, clamp_range, execute


class ServiceGraphInput(BaseModel):
    start: datetime | None = Field(None, description=START_DESCRIPTION)
    end: datetime | None = Field(None, description=END_DESCRIPTION)


@tool("get_service_graph", args_schema=ServiceGraphInput)
def get_service_graph(
    start: datetime | None = None, end: datetime | None = None, *, runtime: Runtime
) -> Command:
    """Get the X-Ray service graph: each service and downstream edge with request, error,
    fault and throttle counts and response times. Shows which dependency fails or is slow."""

    def run(ctx: InvestigationContext) -> QueryResult:
        return ctx.backend.get_service_graph(clamp_range(ctx, start, end))

    return execute(
        runtime,
        tool="get_service_graph",
        source="xray",
        query="GetServiceGraph",
        run=run,
        capability="xray",
    )
