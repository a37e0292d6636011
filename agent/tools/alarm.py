"""`describe_alarm`: an alarm's definition, state and recent history."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryError, QueryResult
from agent.tools.base import Runtime, execute

HISTORY_COLUMN = "recent_state_changes"
MAX_STATE_CHANGES = 5


class DescribeAlarmInput(BaseModel):
    alarm_name: str | None = Field(
        None, description="Alarm name; defaults to the alarm that fired."
    )


def _state_changes(raw: dict[str, Any]) -> str | None:
    """The latest state changes from the backend's alarm history (newest first), one line
    each; None when the backend returned no history at all."""
    if raw.get("AlarmHistoryError"):
        return f"(history unavailable: {raw['AlarmHistoryError']})"
    history = raw.get("AlarmHistory")
    if not isinstance(history, dict):
        return None
    columns = list(history.get("columns") or [])
    if not {"timestamp", "type", "summary"} <= set(columns):
        return None
    at, kind, summary = (columns.index(c) for c in ("timestamp", "type", "summary"))
    changes = [
        f"{row[at]} {row[summary]}"
        for row in history.get("rows") or []
        if row[kind] == "StateUpdate"
    ][:MAX_STATE_CHANGES]
    return " ; ".join(changes) if changes else "(no state changes in the alarm history)"


def with_history(result: QueryResult) -> QueryResult:
    """The alarm row plus a column with its last few state changes, so the model sees whether
    the alarm flaps or fired once (the history otherwise only lives in `raw`)."""
    history = _state_changes(result.raw or {})
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
