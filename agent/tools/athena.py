"""`run_athena_query`: one read-only Athena (Trino) SELECT over ALB access logs or CloudTrail."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.incident import TimeRange, as_utc
from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryResult
from agent.tools.base import Runtime, execute

# Timestamp literals as the SQL writes them: '2026-03-02T09:45:00Z', '2026-03-02 09:45:00.000'
_TIMESTAMP_LITERAL = re.compile(
    r"'(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)'"
)


def sql_time_range(sql: str) -> TimeRange | None:
    """The time range a query's WHERE clause covers, read from its timestamp literals (the
    earliest to the latest); None when the SQL names fewer than two instants."""
    instants = []
    for literal in _TIMESTAMP_LITERAL.findall(sql):
        try:
            instants.append(as_utc(datetime.fromisoformat(literal.replace("Z", "+00:00"))))
        except ValueError:
            continue
    if len(set(instants)) < 2:
        return None
    return TimeRange(start=min(instants), end=max(instants))


MAX_CHANGE_VALUE = 80
MAX_CHANGE_CHARS = 300


def _leaves(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, f"{path}{k}.")]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, f"{path}{i}.")]
    if value is None or value == [] or value == {}:
        return []
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if len(text) > MAX_CHANGE_VALUE:
        text = text[: MAX_CHANGE_VALUE - 1] + "…"
    return [f"{path.rstrip('.')}={text}"]


def what_changed(request_parameters: str | None) -> str | None:
    """A CloudTrail call's request as `key=value` pairs, every key kept and long values cut,
    so a description-only update and a timeout change look different at a glance."""
    if not request_parameters:
        return None
    try:
        parsed = json.loads(request_parameters)
    except ValueError:
        return None
    text = "; ".join(_leaves(parsed))
    return text if len(text) <= MAX_CHANGE_CHARS else text[: MAX_CHANGE_CHARS - 1] + "…"


def with_changes(result: QueryResult) -> QueryResult:
    """CloudTrail rows with `requestparameters` get a compact `changed` column beside it."""
    columns = [c.lower() for c in result.columns]
    if "requestparameters" not in columns or "changed" in columns:
        return result
    at = columns.index("requestparameters")
    return result.model_copy(
        update={
            "columns": [*result.columns, "changed"],
            "rows": [[*row, what_changed(row[at])] for row in result.rows],
        }
    )


class AthenaInput(BaseModel):
    sql: str = Field(
        description=(
            "One Athena (Trino SQL) SELECT statement. Tables and columns are listed by "
            "list_tables. Filter on the incident window yourself, e.g. `WHERE "
            "from_iso8601_timestamp(eventtime) BETWEEN from_iso8601_timestamp('2026-03-02T09:45:00Z') "
            "AND from_iso8601_timestamp('2026-03-02T10:30:00Z')`; aggregate with GROUP BY and LIMIT "
            "the rows. Anything but a single SELECT is refused."
        )
    )


@tool("run_athena_query", args_schema=AthenaInput)
def run_athena_query(sql: str, *, runtime: Runtime) -> Command:
    """Run one read-only SQL SELECT in Athena over the ALB access-log and CloudTrail tables.
    Returns a small table, the row count and the evidence id to cite."""

    def run(ctx: InvestigationContext) -> QueryResult:
        result = ctx.backend.run_athena(sql, max_rows=ctx.settings.budgets.max_result_rows * 4)
        return with_changes(result).model_copy(update={"time_range": sql_time_range(sql)})

    return execute(
        runtime, tool="run_athena_query", source="athena", query=sql, run=run, capability="athena"
    )
