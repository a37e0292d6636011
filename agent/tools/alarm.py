"""`describe_alarm`: an alarm's definition, state and recent history."""

from __future__ import annotations

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryError, QueryResult
from agent.tools.base import Runtime, execute


class DescribeAlarmInput(BaseModel):
    alarm_name: str | None = Field(
        None, description="Alarm name; defaults to the alarm that fired."
    )


@tool("describe_alarm", args_schema=DescribeAlarmInput)
def describe_alarm(alarm_name: str | None = None, *, runtime: Runtime) -> Command:
    """Describe a CloudWatch alarm: metric, threshold, comparison, state and state reason."""
    name = alarm_name or runtime.context.incident.alarm_name or ""

    def run(ctx: InvestigationContext) -> QueryResult:
        if not name:
            raise QueryError("this incident has no alarm name; pass alarm_name")
        return ctx.backend.describe_alarm(name)

    return execute(
        runtime,
        tool="describe_alarm",
        source="alarm",
        query=f"DescribeAlarms {name}",
        run=run,
        capability="alarms",
    )
