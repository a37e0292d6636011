"""The nodes of the metrics-question graph (`agent.insight.graph` wires them). They run on
the investigation's machinery: the same injected context (backend, ledger, budget, chat
model), the same tools and ToolNode, the same budget stops; only the toolset (metrics), the
prompt and the final structured answer (`InsightDraft`) differ."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langchain_core.tools import BaseTool
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime

from agent.insight.answer import InsightDraft
from agent.insight.prompts import ANSWER_INSTRUCTION, BUDGET_NOTE, system_prompt
from agent.nodes import _count_tokens, _unanswered_tool_calls, model_turn
from agent.report import Evidence
from agent.run_context import InvestigationContext
from agent.state import merge_evidence


class InsightState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    evidence: Annotated[list[Evidence], merge_evidence]
    draft: dict[str, Any] | None  # the InsightDraft JSON
    rule_based: bool  # the rule-based baseline wrote the answer


@dataclass
class InsightContext(InvestigationContext):
    """The investigation's run context plus the question and the metrics tools offered."""

    question: str = ""
    tools: list[BaseTool] = field(default_factory=list)
    # The rule-based writer of the answer when the model's cannot be parsed.
    fallback_writer: Any = None


def _system(ctx: InsightContext) -> SystemMessage:
    names = {t.name for t in ctx.tools}
    return SystemMessage(
        system_prompt(ctx.window, metrics_insights="run_metrics_insights_query" in names)
    )


def investigate(state: InsightState, runtime: Runtime[InsightContext]) -> dict[str, Any]:
    ctx = runtime.context
    return model_turn(ctx, _system(ctx), state, ctx.tools, writes="the answer")


def route_after_investigate(state: InsightState) -> Literal["tools", "answer"]:
    last = state["messages"][-1]
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else "answer"


def route_after_tools(
    state: InsightState, runtime: Runtime[InsightContext]
) -> Literal["investigate", "answer"]:
    reason = runtime.context.budget.exhausted()
    if reason:
        runtime.context.budget.stop(reason)
        return "answer"
    return "investigate"


def answer(state: InsightState, runtime: Runtime[InsightContext]) -> dict[str, Any]:
    ctx = runtime.context
    stopped = ctx.budget.stopped_by
    closing = _unanswered_tool_calls(state["messages"], stopped or "the run ended")
    extra = BUDGET_NOTE.format(reason=stopped) if stopped else ""
    instruction = HumanMessage(ANSWER_INSTRUCTION.format(question=ctx.question, extra=extra))
    ctx.progress("step", "writing the answer")
    messages: list[AnyMessage] = [_system(ctx), *state["messages"], *closing, instruction]
    began = time.monotonic()
    result = ctx.chat_model.report_writer(InsightDraft).invoke(messages)
    ctx.budget.add_model_seconds(time.monotonic() - began)
    _count_tokens(ctx, result.get("raw"))
    draft = result.get("parsed")
    rule_based = ctx.chat_model.answer_source().rule_based
    if not isinstance(draft, InsightDraft):
        draft = ctx.fallback_writer.with_structured_output(InsightDraft).invoke(messages)
        rule_based = True
    return {
        "messages": [*closing, AIMessage(content=draft.answer)],
        "draft": draft.model_dump(mode="json"),
        "rule_based": rule_based,
    }
