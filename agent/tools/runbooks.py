"""`search_runbooks`: the team's runbooks (a Bedrock knowledge base on AWS, else a local
folder indexed with SQLite FTS5). Each passage found is evidence the report cites, like a
query result; an action that follows a runbook cites it."""

from __future__ import annotations

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryResult
from agent.tools.base import Runtime, execute

MAX_RUNBOOK_RESULTS = 20


class SearchRunbooksInput(BaseModel):
    query: str = Field(
        description="What to look up, in plain words: the alarm name, the failing resource, "
        "the symptom or error (e.g. `ProvisionedThroughputExceededException orders table`).",
        min_length=1,
        max_length=1000,
    )
    max_results: int | None = Field(
        None,
        ge=1,
        le=MAX_RUNBOOK_RESULTS,
        description="Passages to return; defaults to the configured number (usually 5).",
    )


@tool("search_runbooks", args_schema=SearchRunbooksInput)
def search_runbooks(query: str, max_results: int | None = None, *, runtime: Runtime) -> Command:
    """Search the team's runbooks for the alarm, resource or symptom at hand. Returns the
    best-matching passages (source file, heading, text). A runbook is guidance, not proof of
    the cause: confirm its diagnosis with telemetry, and cite the runbook's evidence id on any
    recommended action that follows it."""
    count = max_results or runtime.context.settings.knowledge.knowledge_base_results

    def run(ctx: InvestigationContext) -> QueryResult:
        return ctx.backend.search_runbooks(query, count)

    return execute(
        runtime,
        tool="search_runbooks",
        source="runbooks",
        query=f"search runbooks: {query}",
        run=run,
        capability="runbooks",
    )
