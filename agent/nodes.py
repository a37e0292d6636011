"""The node functions and routers of the investigation graph (`agent.graph` only wires them).

Each node reads the injected `InvestigationContext` (backend, ledger, budget, chat model)
from the LangGraph runtime; only messages, evidence and the report are checkpointed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.runtime import Runtime

from agent.baseline import BaselineChatModel
from agent.prompts import (
    BUDGET_NOTE,
    FOLLOWUP_NOTE,
    REPORT_INSTRUCTION,
    UNFINISHED_NOTE,
    incident_briefing,
    system_prompt,
)
from agent.report.draft import RULE_BASED_NOTE, ReportDraft, assemble_report
from agent.run_context import InvestigationContext
from agent.sources import describe_sources, survey
from agent.state import InvestigationState
from agent.tools import tools_for
from agent.triage import TRIAGE_NAME, plan_triage


def _system(ctx: InvestigationContext) -> SystemMessage:
    return SystemMessage(
        system_prompt(
            ctx.settings.investigator.language,
            ctx.settings.investigator.architecture_description,
            ctx.incident,
        )
    )


def _count_tokens(ctx: InvestigationContext, message: Any) -> None:
    """Count the tokens a model's reply says it used (a writer that failed may give none)."""
    if not isinstance(message, AIMessage) or message.usage_metadata is None:
        return
    usage = message.usage_metadata
    # Bedrock's prompt-cache writes come as `cache_creation` or per-TTL `ephemeral_*` keys.
    details: dict[str, Any] = dict(usage.get("input_token_details") or {})
    ctx.budget.add_tokens(
        int(usage.get("input_tokens", 0)),
        int(usage.get("output_tokens", 0)),
        cache_read=int(details.get("cache_read") or 0),
        cache_write=int(details.get("cache_creation") or 0)
        + int(details.get("ephemeral_5m_input_tokens") or 0)
        + int(details.get("ephemeral_1h_input_tokens") or 0),
    )


# --- entry ---------------------------------------------------------------------------


def route_start(state: InvestigationState) -> Literal["triage", "investigate"]:
    """A new thread starts with triage; a follow-up question goes straight to the model."""
    return "investigate" if state.get("mode") == "followup" else "triage"


def triage(state: InvestigationState, runtime: Runtime[InvestigationContext]) -> dict[str, Any]:
    ctx = runtime.context
    sources = survey(ctx)
    calls = plan_triage(ctx, turn=len(state.get("messages", [])), sources=sources)
    ctx.progress("step", f"triage: {len(calls)} standard queries in parallel")
    briefing = incident_briefing(
        ctx.incident, ctx.log_groups, ctx.settings.investigator.language, describe_sources(sources)
    )
    messages: list[AnyMessage] = [HumanMessage(briefing)]
    if calls:
        ctx.ledger.reserve(c["id"] or "" for c in calls)
        messages.append(
            AIMessage(
                content="Running the standard first queries.", tool_calls=calls, name=TRIAGE_NAME
            )
        )
    return {
        "messages": messages,
        "incident": ctx.incident,
        "mode": "investigate",
        "investigation_finished": False,
    }


def route_after_triage(state: InvestigationState) -> Literal["tools", "investigate"]:
    last = state["messages"][-1]
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else "investigate"


# --- the model loop ------------------------------------------------------------------


def investigate(
    state: InvestigationState, runtime: Runtime[InvestigationContext]
) -> dict[str, Any]:
    ctx = runtime.context
    tools = tools_for(ctx.backend.capabilities, memory=ctx.memory is not None)
    return model_turn(ctx, _system(ctx), state, tools, writes="the report")


def model_turn(
    ctx: InvestigationContext,
    system: SystemMessage,
    state: Mapping[str, Any],
    tools: Sequence[BaseTool],
    *,
    writes: str,
) -> dict[str, Any]:
    """One turn of the model with `tools` bound, counted against the budget; once the budget is
    spent, no turn (the graph goes on to write `writes`). Shared by every graph with a model
    loop (the investigation, metrics questions)."""
    reason = ctx.budget.exhausted()
    if reason:
        ctx.budget.stop(reason)
        ctx.progress("step", f"budget reached: {reason}; writing {writes}")
        return {}
    ctx.budget.add_step()
    ctx.progress(
        "step",
        f"step {ctx.budget.steps}: the model reads {len(state.get('evidence', []))} evidence item(s)",
    )
    model = ctx.chat_model.with_tools(tools)
    began = time.monotonic()
    reply = model.invoke([system, *state["messages"]])
    ctx.budget.add_model_seconds(time.monotonic() - began)
    _count_tokens(ctx, reply)
    if isinstance(reply, AIMessage) and reply.tool_calls:
        ctx.ledger.reserve(c["id"] or "" for c in reply.tool_calls)
        names = ", ".join(c["name"] for c in reply.tool_calls)
        ctx.progress(
            "step", f"step {ctx.budget.steps}: {len(reply.tool_calls)} tool call(s): {names}"
        )
    return {"messages": [reply]}


def route_after_investigate(state: InvestigationState) -> Literal["tools", "report"]:
    """Tool calls always go to the tools (each refuses itself once its budget is spent, so the
    report can read what the last allowed turn asked for); an answer goes to the report."""
    last = state["messages"][-1]
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else "report"


def route_after_tools(
    state: InvestigationState, runtime: Runtime[InvestigationContext]
) -> Literal["investigate", "report"]:
    reason = runtime.context.budget.exhausted()
    if reason:
        runtime.context.budget.stop(reason)
        return "report"
    return "investigate"


# --- report --------------------------------------------------------------------------


def _unanswered_tool_calls(messages: list[AnyMessage], reason: str) -> list[ToolMessage]:
    """Tool calls the budget stopped get an answer, so the thread stays a valid conversation."""
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    closing = []
    for message in messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                if call["id"] not in answered:
                    closing.append(
                        ToolMessage(
                            content=f"not run: {reason}",
                            tool_call_id=call["id"] or "",
                            name=call["name"],
                            status="error",
                        )
                    )
    return closing


def report(state: InvestigationState, runtime: Runtime[InvestigationContext]) -> dict[str, Any]:
    ctx = runtime.context
    language = ctx.settings.investigator.language
    stopped = ctx.budget.stopped_by
    closing = _unanswered_tool_calls(state["messages"], stopped or "the investigation ended")
    extra = BUDGET_NOTE[language].format(reason=stopped) if stopped else ""
    followup = state.get("mode") == "followup"
    unfinished = followup and bool(state.get("investigation_unfinished"))
    if unfinished:
        extra += UNFINISHED_NOTE[language]
    if followup and state.get("question"):
        extra += FOLLOWUP_NOTE[language].format(question=state["question"])
    ctx.progress("step", "writing the report")
    instruction = HumanMessage(REPORT_INSTRUCTION[language].format(extra=extra))
    writer = ctx.chat_model.report_writer(ReportDraft)
    began = time.monotonic()
    result = writer.invoke([_system(ctx), *state["messages"], *closing, instruction])
    ctx.budget.add_model_seconds(time.monotonic() - began)
    raw, draft = result.get("raw"), result.get("parsed")
    _count_tokens(ctx, raw)
    notes: list[str] = []
    answered = ctx.chat_model.answer_source()
    rule_based = answered.rule_based
    if not isinstance(draft, ReportDraft):
        draft = _rule_based_draft(ctx, [*state["messages"], *closing, instruction])
        rule_based = True
        # pydantic's error spans lines (one per field, and a link): a note is one line
        why = " ".join(str(result.get("parsing_error")).split())
        notes.append(
            f"The model's report could not be parsed ({why[:300]}); the rule-based "
            "baseline wrote this one from the same evidence."
        )
    if rule_based:
        notes.append(RULE_BASED_NOTE)
    evidence = state.get("evidence", [])
    built = assemble_report(
        draft,
        title=ctx.incident.title,
        evidence=evidence,
        usage=ctx.budget.usage(),
        model=answered.model,
        rule_based=rule_based,
        window=ctx.incident.window,
        language=language,
        notes=notes,
        investigation_unfinished=unfinished,
    )
    ctx.progress(
        "done",
        f"report ready: {len(built.hypotheses)} hypothesis(es), {len(evidence)} evidence item(s)",
    )
    answer = AIMessage(content=_conversation_summary(built.summary, built.hypotheses))
    update: dict[str, Any] = {
        "messages": [*closing, answer],
        "report": built,
    }
    if not followup:
        update["investigation_finished"] = True
    return update


def _rule_based_draft(ctx: InvestigationContext, messages: list[AnyMessage]) -> ReportDraft:
    """The baseline's report over the same messages and evidence, when the model's is unusable."""
    draft = (
        BaselineChatModel(
            language=ctx.settings.investigator.language,
            log_groups=ctx.log_groups,
            find_evidence=ctx.ledger.find,
        )
        .with_structured_output(ReportDraft)
        .invoke(messages)
    )
    assert isinstance(draft, ReportDraft)
    return draft


def _conversation_summary(summary: str, hypotheses: list[Any]) -> str:
    """What stays in the thread for follow-ups: the answer, with its citations."""
    lines = [summary]
    for index, h in enumerate(hypotheses, start=1):
        cites = ", ".join(h.evidence_ids) or "no evidence"
        lines.append(f"{index}. ({h.confidence}) {h.statement} [{cites}]")
    return "\n".join(lines)
