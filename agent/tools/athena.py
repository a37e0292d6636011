"""`run_athena_query`: one read-only Athena (Trino) SELECT over ALB access logs or CloudTrail."""

from __future__ import annotations

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryResult
from agent.tools.base import Runtime, execute


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
        return ctx.backend.run_athena(sql, max_rows=ctx.settings.budgets.max_result_rows * 4)

    return execute(
        runtime, tool="run_athena_query", source="athena", query=sql, run=run, capability="athena"
    )
