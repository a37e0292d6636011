"""A metrics question as a LangGraph `StateGraph`. This module only wires: the nodes live in
`agent.insight.nodes`, the tools in `agent.tools`.

    START ─▶ investigate ◀─▶ tools
                  └──────────▶ answer ─▶ END
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.tools import BaseTool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode

from agent.insight import nodes
from agent.insight.nodes import InsightContext, InsightState


def build_insight_graph(
    tools: Sequence[BaseTool],
) -> CompiledStateGraph[InsightState, InsightContext, InsightState, InsightState]:
    graph = StateGraph(InsightState, context_schema=InsightContext)
    graph.add_node("investigate", nodes.investigate)
    graph.add_node("tools", ToolNode(list(tools)))
    graph.add_node("answer", nodes.answer)
    graph.add_edge(START, "investigate")
    graph.add_conditional_edges("investigate", nodes.route_after_investigate)
    graph.add_conditional_edges("tools", nodes.route_after_tools)
    graph.add_edge("answer", END)
    return graph.compile()
