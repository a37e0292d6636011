"""`describe_alarm`: an alarm's definition, state and recent history."""

from __future__ import annotations

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryError, QueryResult
from agent.telemetry.types import AlarmHistory
from agent.tools.base import Runtime, execute

HISTORY_COLUMN = "recent_state_changes"
MAX_STATE_CHANGES = 5


class DescribeAlarmInput(BaseModel):
    alarm_name: str | None = Field(
        None, description="Alarm name; defaults to the alarm that fired."
    )


def _state_changes(history: AlarmHistory | None) -> str | None:
    """The latest state changes from the backend's alarm history (newest first), one line
    each; None when the backend returned no history at all."""
    if history is None:
        return None
    if history.error:
        return f"(history unavailable: {history.error})"
    changes = [
        f"{item.timestamp} {item.summary}" for item in history.items if item.kind == "StateUpdate"
    ][:MAX_STATE_CHANGES]
    return " ; ".join(changes) if changes else "(no state changes in the alarm history)"


def with_history(result: QueryResult) -> QueryResult:
    """The alarm row plus a column with its last few state changes, so the model sees whether
    the alarm flaps or fired once."""
    history = _state_changes(result.alarm_history)
    if history is None or not result.rows:
        return result
    return result.model_copy(
        update={
            "columns": [*result.columns, HISTORY_COLUMN],
            "rows": [[*row, history] for row in result.rows],
        }
    )


@tool("describe_alarm", args_schema=DescribeAlarmInput)
def describe_alarm(alarm_name: str | None = None, *, runtime: Runtime) -> Command:
    """Describe a CloudWatch alarm: metric, threshold, comparison, state and state reason,
    and its last few state changes when the alarm history is available."""
    name = alarm_name or runtime.context.incident.alarm_name or ""

    def run(ctx: InvestigationContext) -> QueryResult:
        if not name:
            raise QueryError("this incident has no alarm name; pass alarm_name")
        return with_history(ctx.backend.describe_alarm(name))

    return execute(
        runtime,
        tool="describe_alarm",
        source="alarm",
        query=f"DescribeAlarms {name}",
        run=run,
        capability="alarms",
    )
