"""`list_log_groups` and `list_tables`: what telemetry exists, so the model can discover it."""

from __future__ import annotations

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryResult, TableSchema
from agent.tools.base import Runtime, execute


class ListLogGroupsInput(BaseModel):
    prefix: str | None = Field(
        None, description="Only log groups whose name starts with this, e.g. `/aws/lambda/`."
    )


@tool("list_log_groups", args_schema=ListLogGroupsInput)
def list_log_groups(prefix: str | None = None, *, runtime: Runtime) -> Command:
    """List the CloudWatch log groups that exist (name, stored bytes, first/last event)."""

    def run(ctx: InvestigationContext) -> QueryResult:
        groups = ctx.backend.list_log_groups(prefix)
        rows: list[list[str | None]] = [
            [
                g.name,
                str(g.stored_bytes) if g.stored_bytes is not None else None,
                str(g.events) if g.events is not None else None,
                g.first_event.isoformat() if g.first_event else None,
                g.last_event.isoformat() if g.last_event else None,
            ]
            for g in groups
        ]
        return QueryResult(
            source="catalog",
            status="ok" if rows else "empty",
            query=f"DescribeLogGroups prefix={prefix or '*'}",
            columns=["log_group", "stored_bytes", "events", "first_event", "last_event"],
            rows=rows,
            total_rows=len(rows),
        )

    return execute(
        runtime,
        tool="list_log_groups",
        source="catalog",
        query=f"DescribeLogGroups prefix={prefix or '*'}",
        run=run,
    )


def _one_table(schema: TableSchema) -> QueryResult:
    """One table is shown whole: a row per column, so no cell grows long enough to be cut."""
    name = f"{schema.database}.{schema.table}"
    rows: list[list[str | None]] = [[c.name, c.type] for c in schema.columns]
    return QueryResult(
        source="catalog",
        status="ok" if rows else "empty",
        query=f"GetTableMetadata {name}",
        columns=["column", "type"],
        rows=rows,
        total_rows=len(rows),
        error=f"{name}: {schema.description}" if schema.description else None,
    )


class ListTablesInput(BaseModel):
    table: str | None = Field(
        None, description="Only this table (its columns in full); omit for all tables."
    )


@tool("list_tables", args_schema=ListTablesInput)
def list_tables(table: str | None = None, *, runtime: Runtime) -> Command:
    """List the Athena tables (ALB access logs, CloudTrail) with their columns and types, to
    write correct SQL for run_athena_query."""

    def run(ctx: InvestigationContext) -> QueryResult:
        every = ctx.backend.table_schemas()
        schemas = [s for s in every if table in (None, s.table, f"{s.database}.{s.table}")]
        if table and len(schemas) == 1:
            return _one_table(schemas[0])
        rows: list[list[str | None]] = [
            [
                f"{s.database}.{s.table}",
                ", ".join(f"{c.name} {c.type}" for c in s.columns),
                s.description,
            ]
            for s in schemas
        ]
        known = ", ".join(f"{s.database}.{s.table}" for s in every) or "(none)"
        return QueryResult(
            source="catalog",
            status="ok" if rows else "empty",
            query=f"GetTableMetadata {table or '*'}",
            columns=["table", "columns", "description"],
            rows=rows,
            total_rows=len(rows),
            error=None if rows else f"no table {table!r}; the tables are: {known}",
        )

    return execute(
        runtime,
        tool="list_tables",
        source="catalog",
        query=f"GetTableMetadata {table or '*'}",
        run=run,
        capability="athena",
    )
