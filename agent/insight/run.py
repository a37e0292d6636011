"""`answer_metrics_question`: a free-text question about metrics over a period, answered by
the same graph machinery and evidence ledger as an investigation, with the metrics tools."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any, cast

from langchain_core.messages import HumanMessage

from agent.budget import Budget
from agent.chat_model import Briefing, InvestigatorModel
from agent.config import Settings
from agent.incident import Incident, ProgressCallback, TimeRange
from agent.insight.answer import InsightAnswer, InsightDraft, checked_answer
from agent.insight.chart import chart_lines, render_chart
from agent.insight.graph import build_insight_graph
from agent.insight.nodes import InsightContext, InsightState
from agent.insight.period import parse_zone, period_text, zone_name
from agent.insight.prompts import question_briefing
from agent.insight.series import NamedSeries, SeriesLedger
from agent.report import Evidence
from agent.telemetry.base import TelemetryBackend
from agent.tools import tools_for

# The metrics toolset; a tool the backend cannot serve is not offered (agent.tools.tools_for).
INSIGHT_TOOLS = ("list_metrics", "get_metric_data", "run_metrics_insights_query")
MAX_QUESTION_CHARS = 2000


class QuestionError(ValueError):
    """The question cannot be asked as given (empty, too long)."""


def insight_tools(backend: TelemetryBackend) -> list[Any]:
    return [t for t in tools_for(backend.capabilities) if t.name in INSIGHT_TOOLS]


def answer_metrics_question(
    question: str,
    *,
    time_range: TimeRange,
    backend: TelemetryBackend,
    model: InvestigatorModel | None = None,
    user_timezone: str = "UTC",
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> InsightAnswer:
    """Answer `question` about the metrics in `time_range` (UTC) with `model` (None: the
    rule-based baseline, which is also the fallback writer when a model's answer cannot be
    parsed). The period is stated in `user_timezone` and in UTC."""
    from agent.baseline.insight import BaselineInsightModel

    question = " ".join(question.split())
    if not question:
        raise QuestionError(
            "the question is empty: ask about a metric, e.g. 'top 5 Lambda functions by duration'"
        )
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(question)} characters long: keep it under {MAX_QUESTION_CHARS}"
        )
    zone = parse_zone(user_timezone)
    ledger = SeriesLedger()
    # The rule-based answerer reads the evidence the tool messages name from the ledger.
    briefing = Briefing(log_groups=[], find_evidence=ledger.find)
    baseline = BaselineInsightModel(
        question=question, period=time_range, timezone=user_timezone
    ).briefed(briefing)
    chat = (model or InvestigatorModel(baseline)).briefed(briefing)
    settings = settings or Settings()
    tools = insight_tools(backend)
    text = period_text(time_range, zone)
    context = InsightContext(
        settings=settings,
        backend=backend,
        incident=Incident(source="insight", title=question, window=time_range),
        ledger=ledger,
        budget=Budget(settings.budgets, settings.prices),
        chat_model=chat,
        on_progress=progress,
        question=question,
        tools=tools,
        fallback_writer=baseline,
    )
    graph = build_insight_graph(tools)
    final = graph.invoke(
        cast(InsightState, {"messages": [HumanMessage(question_briefing(question, text))]}),
        config={"recursion_limit": 2 * settings.budgets.max_steps + 10},
        context=context,
    )
    draft = InsightDraft.model_validate(final["draft"])
    evidence: list[Evidence] = final.get("evidence", [])
    known = {e.id for e in evidence}
    body, flags, supported = checked_answer(draft.answer, known)
    answered = chat.answer_source()
    rule_based = bool(final.get("rule_based"))
    notes = list(flags)
    if rule_based:
        notes.append(
            "Answered by fa2's rule-based baseline (no LLM): fixed rules over the metrics it read."
        )
    notes += [f"Model: {event}" for event in answered.events]
    if context.budget.stopped_by:
        notes.append(f"Stopped early: {context.budget.stopped_by}.")
    answer = InsightAnswer(
        question=question,
        time_range=time_range,
        timezone=zone_name(zone),
        period_text=text,
        answer_markdown=body,
        entities=draft.entities,
        evidence=evidence,
        model=baseline.model_id if rule_based and model is None else answered.model,
        rule_based=rule_based,
        usage=context.budget.usage(),
        supported=supported,
        notes=notes,
    )
    return _with_chart(answer, draft, ledger, zone)


def _with_chart(
    answer: InsightAnswer, draft: InsightDraft, ledger: SeriesLedger, zone: tzinfo
) -> InsightAnswer:
    """The chart of the series the answer relies on: the evidence the draft names for the
    chart, else the evidence it cites, in that order."""
    by_id = {e.id: e for e in answer.evidence}
    chosen = [i for i in draft.chart_evidence_ids if i in by_id] or answer.cited_ids()
    series: list[NamedSeries] = []
    for evidence_id in dict.fromkeys(chosen):
        if evidence_id in by_id:
            series += ledger.series_of(by_id[evidence_id])
    lines = chart_lines(series, set(draft.chart_per_second))
    if not lines:
        return answer
    title = draft.chart_title or answer.question
    png = render_chart(lines, title, zone)
    return answer.model_copy(
        update={
            "chart_png": png,
            "chart_title": title,
            "chart_series": [f"{line.evidence_id} {line.name}" for line in lines],
        }
    )
