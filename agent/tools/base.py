"""What every tool does around its one backend call: check the capability and the budget,
report progress, turn a bad query into an observation the model can fix, record the result
as evidence in the ledger, and answer with a compact text naming the evidence id (the artifact).

No exception inside a tool ends an investigation: a bug (an `AssertionError` from a parser, a
`RecursionError` on a deeply nested query) becomes an error observation with an id, logged with
its traceback under that id and counted in the report. With `FA2_RAISE_TOOL_ERRORS=1` (the
test suite sets it for every test) such an error is raised instead, so a bug is never hidden."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from langchain_core.messages import ToolMessage
from langgraph.prebuilt import ToolRuntime
from langgraph.types import Command

from agent.incident import TimeRange, as_utc
from agent.report import Evidence
from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryError, QueryResult, Source, TelemetryUnavailableError
from agent.telemetry.cost import query_cost_usd
from agent.telemetry.deadline import query_time_left
from agent.tools.observation import format_observation, format_unavailable

Runtime = ToolRuntime[InvestigationContext]

logger = logging.getLogger(__name__)

RAISE_TOOL_ERRORS_ENV = "FA2_RAISE_TOOL_ERRORS"


def raise_tool_errors() -> bool:
    """Strict mode: an unexpected exception in a tool is raised, not turned into an observation
    (read on every call, so a test can switch it off for itself)."""
    return os.environ.get(RAISE_TOOL_ERRORS_ENV, "").strip().lower() in {"1", "true", "yes"}


def internal_error_message(error_id: str, exc: BaseException) -> str:
    """What the model reads: enough to act on (reword, simplify, switch source), nothing from the
    exception's text, which may quote data."""
    return (
        f"internal error while running the query, id {error_id} ({type(exc).__name__}); "
        "this is a fault in fa2, not a wrong answer about the data: try a simpler or differently "
        "written query, or another source"
    )


START_DESCRIPTION = (
    "Optional ISO-8601 UTC start inside the incident window (e.g. 2026-03-02T10:00:00Z) to "
    "narrow the search; defaults to the window start. Times outside the window are clamped."
)
END_DESCRIPTION = (
    "Optional ISO-8601 UTC end inside the incident window; defaults to the window end."
)


def clamp_range(
    ctx: InvestigationContext, start: datetime | None, end: datetime | None
) -> TimeRange:
    """The model may narrow the incident window, never widen it."""
    window = ctx.window
    if start and end and as_utc(end) <= as_utc(start):
        raise QueryError(
            f"end {as_utc(end).isoformat()} is not after start {as_utc(start).isoformat()}"
        )
    lo = max(as_utc(start), window.start) if start else window.start
    hi = min(as_utc(end), window.end) if end else window.end
    if hi <= lo:
        asked = f"{start.isoformat() if start else '(window start)'} – {end.isoformat() if end else '(window end)'}"
        raise QueryError(
            f"the range {asked} lies outside the incident window {window.label()}: give start "
            "and end inside it (or omit them for the whole window)"
        )
    return TimeRange(start=lo, end=hi)


def _reply(
    call_id: str | None, tool: str, text: str, evidence: Evidence | None, error: bool
) -> Command:
    """The model reads `text`; the evidence goes to the state once, and the message names it by
    id (its artifact) so a reader of the conversation finds it in the ledger."""
    message = ToolMessage(
        content=text,
        tool_call_id=call_id or tool,
        name=tool,
        artifact=evidence.id if evidence is not None else None,
        status="error" if error else "success",
    )
    update: dict[str, Any] = {"messages": [message]}
    if evidence is not None:
        update["evidence"] = [evidence]
    return Command(update=update)


def execute(
    runtime: Runtime,
    *,
    tool: str,
    source: Source,
    query: str,
    run: Callable[[InvestigationContext], QueryResult],
    capability: str | None = None,
    time_range: TimeRange | None = None,
) -> Command:
    """Run one backend call as a recorded, budgeted, error-tolerant tool call."""
    ctx = runtime.context
    if capability and not ctx.backend.capabilities.supports(capability):
        reason = f"the {ctx.backend.name} backend has no {capability} data for this incident"
        return _reply(runtime.tool_call_id, tool, format_unavailable(tool, reason), None, True)
    refusal = ctx.budget.try_tool_call()
    if refusal:
        ctx.budget.stop(refusal)
        text = format_unavailable(tool, f"{refusal}; stop querying and write the report")
        return _reply(runtime.tool_call_id, tool, text, None, True)

    ctx.progress("query", f"{tool}: {query[:160]}")
    began = time.monotonic()
    try:
        with query_time_left(ctx.budget.remaining_seconds()):
            result = run(ctx)
    except QueryError as exc:
        result = QueryResult(
            source=source, status="error", query=query, time_range=time_range, error=exc.message
        )
    except TelemetryUnavailableError as exc:
        result = QueryResult(
            source=source,
            status="error",
            query=query,
            time_range=time_range,
            error=f"source unavailable (not a problem with the query): {exc}",
        )
    except Exception as exc:  # a bug must not end the investigation (see the module docstring)
        if raise_tool_errors():
            raise
        error_id = f"tool-{uuid.uuid4().hex[:12]}"
        logger.exception("internal error %s in %s running %r", error_id, tool, query[:500])
        ctx.budget.add_internal_error(error_id)
        result = QueryResult(
            source=source,
            status="error",
            query=query,
            time_range=time_range,
            error=internal_error_message(error_id, exc),
        )
    seconds = time.monotonic() - began

    evidence = ctx.ledger.record(tool, result, call_id=runtime.tool_call_id)
    cost = query_cost_usd(result, ctx.settings)
    if cost:
        ctx.ledger.set_cost(evidence.id, cost)
        evidence = evidence.model_copy(update={"cost_usd": cost})
    text = format_observation(evidence, max_rows=ctx.settings.budgets.max_result_rows)
    ctx.budget.add_query(cost, result.bytes_scanned, seconds, len(text))
    ctx.progress(
        "result",
        f"{evidence.id} {tool}: {evidence.status}, {evidence.row_count} row(s) in {seconds:.2f} s",
    )
    return _reply(runtime.tool_call_id, tool, text, evidence, evidence.status == "error")
