"""One MCP session's investigation context: the backend, the incident window, the evidence
ledger and the budget that every query tool call goes through, exactly as the agent's own
tool calls do (the same `agent.tools` functions run, in a one-node LangGraph `ToolNode`), so
an MCP client gets the same guards, redaction, budgets and evidence ids (E1, E2, ...)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.graph import START, StateGraph
from langgraph.prebuilt import ToolNode

from agent.alarm import incident_from_bundle
from agent.budget import Budget
from agent.chat_model import InvestigatorModel
from agent.config import Settings
from agent.incident import Incident, TimeRange
from agent.ledger import EvidenceLedger
from agent.memory import memory_scope, open_memory
from agent.run_context import InvestigationContext
from agent.service import build_backend, log_groups_for, with_bundle_past_incidents
from agent.state import InvestigationState
from agent.telemetry.base import TelemetryBackend
from agent.telemetry.bundle import load_bundle
from agent.tools import tools_for


def session_incident(settings: Settings) -> Incident:
    """What the query tools look at: the bundle's incident, or on AWS the last
    `max_window_hours` up to now (each tool call may narrow it with start/end)."""
    if settings.telemetry.bundle is not None:
        return incident_from_bundle(load_bundle(settings.telemetry.bundle), settings)
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(hours=settings.telemetry.max_window_hours)
    return Incident(
        source="mcp",
        title="MCP session",
        region=settings.aws.region,
        window=TimeRange(start=start, end=end),
    )


class ToolSession:
    """Runs fa2's query tools for an MCP client, one recorded, budgeted call at a time."""

    def __init__(self, settings: Settings, backend: TelemetryBackend | None = None) -> None:
        self.settings = settings
        self.backend = backend or build_backend(settings)
        self.incident = session_incident(settings)
        # The CLI's scope (account only): an MCP server is one user's local process, with no
        # Slack workspace to scope by. The bundle's own past incidents count, as in a run.
        scope = memory_scope(self.incident.account_id)
        memory = with_bundle_past_incidents(open_memory(settings), settings, scope, [])
        # Offered exactly as to the agent: without a memory, find_similar_incidents is not.
        self.tools: list[BaseTool] = tools_for(self.backend.capabilities, memory=memory is not None)
        self.context = InvestigationContext(
            settings=settings,
            backend=self.backend,
            incident=self.incident,
            ledger=EvidenceLedger(),
            budget=Budget(settings.budgets, settings.prices),
            # The query tools never call the model; investigate/ask build their own.
            chat_model=cast(InvestigatorModel, None),
            log_groups=log_groups_for(settings, self.backend),
            memory=memory,
            memory_scope=scope,
        )
        graph = StateGraph(InvestigationState, context_schema=InvestigationContext)
        graph.add_node("tools", ToolNode(self.tools))
        graph.add_edge(START, "tools")
        self._graph = graph.compile()
        self._lock = threading.Lock()

    def call(self, tool: str, arguments: dict[str, Any]) -> tuple[str, bool]:
        """The observation text the model would read (evidence id first) and whether the call
        failed."""
        call_id = f"mcp-{uuid.uuid4().hex[:12]}"
        message = AIMessage(
            content="", tool_calls=[{"name": tool, "args": arguments, "id": call_id}]
        )
        with self._lock:  # one call at a time: the budget and ledger count in order
            state: Any = {"messages": [message]}
            result = self._graph.invoke(state, context=self.context)
        replies = [m for m in result["messages"] if isinstance(m, ToolMessage)]
        reply = replies[-1]
        return str(reply.content), reply.status == "error"
