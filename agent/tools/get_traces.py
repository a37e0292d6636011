"""`get_traces`: the segments of a few X-Ray traces."""

from __future__ import annotations

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryResult
from agent.tools.base import Runtime, execute


class GetTracesInput(BaseModel):
    trace_ids: list[str] = Field(
        min_length=1,
        max_length=5,
        description="1 to 5 X-Ray trace ids from find_traces, e.g. `1-65e2f1a0-8b1c2d3e4f5a6b7c8d9e0f1a`.",
    )


@tool("get_traces", args_schema=GetTracesInput)
def get_traces(trace_ids: list[str], *, runtime: Runtime) -> Command:
    """Get the segments and subsegments of up to 5 X-Ray traces: which service and which
    downstream call (e.g. DynamoDB PutItem) failed or was slow, with the exception recorded."""

    def run(ctx: InvestigationContext) -> QueryResult:
        return ctx.backend.get_traces(trace_ids)

    return execute(
        runtime,
        tool="get_traces",
        source="xray",
        query=", ".join(trace_ids),
        run=run,
        capability="xray",
    )
