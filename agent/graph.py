"""The investigation as a LangGraph `StateGraph`. This module only wires: the nodes live in
`agent.nodes`, the tools in `agent.tools`, the state in `agent.state`.

    START ─▶ triage ─▶ tools ◀─▶ investigate ─▶ report ─▶ END
      └──── (follow-up) ──────────▶ investigate
"""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode

from agent import nodes
from agent.run_context import InvestigationContext
from agent.state import InvestigationState
from agent.tools import ALL_TOOLS


def build_graph(
    checkpointer: BaseCheckpointSaver | None = None,
) -> CompiledStateGraph[
    InvestigationState, InvestigationContext, InvestigationState, InvestigationState
]:
    graph = StateGraph(InvestigationState, context_schema=InvestigationContext)
    graph.add_node("triage", nodes.triage)
    graph.add_node("investigate", nodes.investigate)
    # ToolNode answers invalid tool arguments with a message the model can act on; other
    # exceptions (bugs) propagate. Query errors are observations made in agent.tools.base.
    graph.add_node("tools", ToolNode(ALL_TOOLS))
    graph.add_node("report", nodes.report)

    graph.add_conditional_edges(START, nodes.route_start)
    graph.add_conditional_edges("triage", nodes.route_after_triage)
    graph.add_conditional_edges("investigate", nodes.route_after_investigate)
    graph.add_conditional_edges("tools", nodes.route_after_tools)
    graph.add_edge("report", END)
    return graph.compile(checkpointer=checkpointer)
