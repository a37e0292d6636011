"""`find_traces`: X-Ray trace summaries matching a filter expression."""

from __future__ import annotations

from datetime import datetime

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryResult
from agent.tools.base import END_DESCRIPTION, START_DESCRIPTION, Runtime, clamp_range, execute


class FindTracesInput(BaseModel):
    filter_expression: str | None = Field(
        None,
        description=(
            "An X-Ray filter expression, e.g. `fault = true`, `error = true OR throttle = true`, "
            '`service("orders-put") { fault = true }`, `responsetime > 3`, `http.status = 500`. '
            "Omit to list all traces."
        ),
    )
    start: datetime | None = Field(None, description=START_DESCRIPTION)
    end: datetime | None = Field(None, description=END_DESCRIPTION)
    limit: int = Field(20, ge=1, le=100, description="Most trace summaries to return.")


@tool("find_traces", args_schema=FindTracesInput)
def find_traces(
    filter_expression: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 20,
    *,
    runtime: Runtime,
) -> Command:
    """Find X-Ray trace summaries (id, duration, status, fault/error flags, services) in the
    incident window that match a filter expression. Use get_traces for the segments of a few."""

    def run(ctx: InvestigationContext) -> QueryResult:
        return ctx.backend.find_traces(filter_expression, clamp_range(ctx, start, end), limit)

    return execute(
        runtime,
        tool="find_traces",
        source="xray",
        query=filter_expression or "(all traces)",
        run=run,
        capability="xray",
    )
