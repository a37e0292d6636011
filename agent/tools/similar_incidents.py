"""`find_similar_incidents`: past investigations in this workspace and account with the same
alarm, a shared resource or similar error text, each with its top hypothesis and the
feedback people gave it (confirmed as the cause, or marked wrong)."""

from __future__ import annotations

import re

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.memory.record import incident_resources
from agent.memory.similar import rank_similar
from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryResult, TelemetryUnavailableError
from agent.tools.base import Runtime, execute

MAX_SIMILAR = 10
FEEDBACK_LABEL = {"confirmed": "confirmed as the cause", "wrong": "marked wrong"}


class FindSimilarIncidentsInput(BaseModel):
    error_text: str | None = Field(
        None,
        max_length=2000,
        description="Error messages or patterns seen in this incident (e.g. "
        "`ProvisionedThroughputExceededException PutItem orders`); the alarm and its "
        "resources are matched anyway.",
    )
    max_results: int = Field(5, ge=1, le=MAX_SIMILAR, description="Past incidents to return.")


@tool("find_similar_incidents", args_schema=FindSimilarIncidentsInput)
def find_similar_incidents(
    error_text: str | None = None, max_results: int = 5, *, runtime: Runtime
) -> Command:
    """Find past incidents like this one (same alarm, same resource, similar errors) with
    their top hypothesis and whether people confirmed it or marked it wrong. A past cause is a
    lead to check with telemetry, never proof: the same alarm can fire for another reason."""
    incident = runtime.context.incident
    query = f"similar incidents: alarm={incident.alarm_name or '-'} text={error_text or ''}"

    def run(ctx: InvestigationContext) -> QueryResult:
        if ctx.memory is None:
            raise TelemetryUnavailableError("incident memory is off (FA2_INCIDENT_MEMORY=off)")
        found = rank_similar(
            ctx.memory.in_scope(ctx.memory_scope),
            alarm_name=incident.alarm_name,
            resources=incident_resources(incident),
            text=" ".join(p for p in (incident.title, error_text or "") if p),
            exclude_thread=ctx.thread_id,
            limit=max_results,
        )
        rows: list[list[str | None]] = [
            [
                s.incident.thread_id,
                s.incident.window.start.isoformat(),
                s.incident.alarm_name,
                _without_citations(s.incident.top_hypothesis),
                s.incident.category,
                FEEDBACK_LABEL.get(s.incident.feedback or "", "no feedback"),
                "; ".join(s.reasons),
            ]
            for s in found
        ]
        return QueryResult(
            source="incidents",
            status="ok" if rows else "empty",
            query=query,
            columns=["thread", "started", "alarm", "top_hypothesis", "category", "feedback", "why"],
            rows=rows,
            total_rows=len(rows),
        )

    return execute(runtime, tool="find_similar_incidents", source="incidents", query=query, run=run)


_CITATIONS = re.compile(r"\s*\[E\d+(?:,\s*E\d+)*\]")


def _without_citations(statement: str | None) -> str | None:
    """A past hypothesis without its `[E3, E9]` markers: they name another thread's evidence,
    which this investigation cannot cite."""
    return _CITATIONS.sub("", statement) if statement else statement
