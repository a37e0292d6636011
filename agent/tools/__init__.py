"""The LLM-facing tools: one module per query surface, a pydantic input model each whose field
descriptions and docstring are what the model reads. The backend, the incident window, the
budget and the ledger are injected through `ToolRuntime.context`, never tool arguments."""

from __future__ import annotations

from langchain_core.tools import BaseTool

from agent.telemetry.base import Capabilities
from agent.tools.alarm import describe_alarm
from agent.tools.athena import run_athena_query
from agent.tools.catalog import list_log_groups, list_tables
from agent.tools.find_traces import find_traces
from agent.tools.get_traces import get_traces
from agent.tools.logs_insights import run_logs_insights_query
from agent.tools.metrics import get_metric_data, list_metrics
from agent.tools.metrics_insights import run_metrics_insights_query
from agent.tools.resources import describe_resource, get_config_history
from agent.tools.runbooks import search_runbooks
from agent.tools.service_graph import get_service_graph
from agent.tools.similar_incidents import find_similar_incidents

ALL_TOOLS: list[BaseTool] = [
    run_logs_insights_query,
    run_athena_query,
    find_traces,
    get_traces,
    get_service_graph,
    get_metric_data,
    list_metrics,
    run_metrics_insights_query,
    describe_alarm,
    list_log_groups,
    list_tables,
    describe_resource,
    get_config_history,
    search_runbooks,
    find_similar_incidents,
]

# tool name -> the capability flag it needs (None: always available)
_NEEDS: dict[str, str | None] = {
    "run_logs_insights_query": "logs_insights",
    "list_log_groups": "logs_insights",
    "run_athena_query": "athena",
    "list_tables": "athena",
    "find_traces": "xray",
    "get_traces": "xray",
    "get_service_graph": "xray",
    "get_metric_data": "metrics",
    "list_metrics": "metrics",
    "run_metrics_insights_query": "metrics",
    "describe_alarm": "alarms",
    "describe_resource": "resources",
    "get_config_history": "config_history",
    "search_runbooks": "runbooks",
}


def tools_for(capabilities: Capabilities, *, memory: bool = True) -> list[BaseTool]:
    """The tools worth offering to the model for a backend (a missing source is not offered;
    without incident memory, `find_similar_incidents` is not)."""
    return [
        t
        for t in ALL_TOOLS
        if ((need := _NEEDS.get(t.name)) is None or capabilities.supports(need))
        and (memory or t.name != "find_similar_incidents")
    ]


__all__ = ["ALL_TOOLS", "tools_for"]
