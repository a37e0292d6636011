"""Running tools and the graph in tests without a model or with a scripted one."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode

from agent.budget import Budget
from agent.config import Settings
from agent.ledger import EvidenceLedger
from agent.run_context import InvestigationContext
from agent.state import InvestigationState
from agent.tools import ALL_TOOLS
from tests.agent.fakes import FakeBackend, incident


def context(
    settings: Settings, backend: Any | None = None, chat_model: Any = None
) -> InvestigationContext:
    return InvestigationContext(
        settings=settings,
        backend=backend or FakeBackend(),
        incident=incident(),
        ledger=EvidenceLedger(),
        budget=Budget(settings.budgets, settings.prices),
        chat_model=chat_model,
        log_groups=["/aws/lambda/orders-put", "/aws/lambda/orders-get"],
    )


def run_tool_calls(ctx: InvestigationContext, *calls: dict[str, Any]) -> dict[str, Any]:
    """Run one AI message's tool calls through a real ToolNode (no model at all)."""
    graph = StateGraph(InvestigationState, context_schema=InvestigationContext)
    graph.add_node("tools", ToolNode(ALL_TOOLS))
    graph.add_edge(START, "tools")
    app = graph.compile()
    return app.invoke({"messages": [AIMessage(content="", tool_calls=list(calls))]}, context=ctx)  # type: ignore[arg-type]


__all__ = ["MessagesState", "context", "run_tool_calls"]
