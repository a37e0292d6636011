"""`BaselineInsightModel`: the rule-based answerer of metrics questions (`--model baseline`),
with the tool interface of a chat model (bind_tools / with_structured_output(InsightDraft)).

It is told the question and the period when it is made (it never parses its own prompt), and
plays fixed rounds: 1. list the metrics the question names; 2. read them as the question's
form needs (one aggregate per series, each half of the period, or the series at a fine
period); 3. for a ranking, the top series for the chart; then it answers. Every figure cites
the evidence it was read from. A question it cannot map to a form gets an answer that says
what it looked at, not a guess.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, NamedTuple

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda

from agent.baseline import insight_answers as answers
from agent.baseline.insight_answers import Read
from agent.baseline.insight_question import Intent, read_question
from agent.baseline.insight_series import (
    SeriesSpec,
    combine,
    fine_period,
    halves,
    insights_query,
    listed,
    pick_series,
    whole_period,
)
from agent.baseline.model import EvidenceFinder, RuleBasedChatModel
from agent.incident import TimeRange
from agent.insight.answer import InsightDraft
from agent.insight.period import parse_zone
from agent.report import Evidence

_ZERO_USAGE = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
PREFIX = "insight"
PLAN_KEY = "fa2_insight_plan"  # in a tool-calling message's response_metadata
FORMS = "top-N by a statistic, the biggest change between the two halves of the period, a series crossing a threshold, or a DynamoDB table running out of capacity"
EXAMPLES = (
    '"top 5 Lambda functions by Duration", "which function\'s errors rose most?", '
    '"is the orders table running out of write capacity?", "did any instance go above 80% CPU?"'
)


class _Run:
    """What the baseline's earlier rounds asked and what came back (the evidence each tool
    message names, from the run's ledger)."""

    def __init__(self, messages: list[BaseMessage], find: EvidenceFinder | None) -> None:
        self.calls: dict[str, ToolCall] = {}
        self.plan: dict[str, tuple[str, str]] = {}  # call id -> (round, role)
        self.evidence: dict[str, Evidence] = {}
        for message in messages:
            if isinstance(message, AIMessage):
                for call in message.tool_calls:
                    self.calls[call["id"] or ""] = call
                for call_id, (turn, role) in message.response_metadata.get(PLAN_KEY, {}).items():
                    self.plan[call_id] = (str(turn), str(role))
            elif isinstance(message, ToolMessage) and isinstance(message.artifact, str):
                if find is None:
                    raise RuntimeError(
                        "the insight baseline reads the evidence from the run's ledger: brief "
                        "it (InvestigatorModel.briefed) before it reads tool results"
                    )
                evidence = find(message.artifact)
                if evidence is not None:
                    self.evidence[message.tool_call_id] = evidence

    def rounds(self) -> set[str]:
        return {turn for turn, _ in self.plan.values()}

    def listings(self) -> list[Evidence]:
        return [e for e in self.evidence.values() if e.tool == "list_metrics"]

    def insights(self) -> list[Evidence]:
        """The evidence of the baseline's Metrics Insights query, if it ran one."""
        return [
            e
            for call_id, e in self.evidence.items()
            if self.plan.get(call_id, ("", ""))[1] == "insights"
            and e.tool == "run_metrics_insights_query"
        ]

    def reads(self, role: str) -> list[Read]:
        found = []
        for call_id, call in self.calls.items():
            if call_id not in self.plan or self.plan[call_id][1] != role:
                continue
            evidence = self.evidence.get(call_id)
            if evidence is None or call["name"] != "get_metric_data":
                continue
            metrics = call["args"].get("metrics") or []
            specs = [
                SeriesSpec(
                    m["namespace"],
                    m["metric_name"],
                    tuple(sorted((m.get("dimensions") or {}).items())),
                    m.get("statistic", "Average"),
                    m.get("_asked"),
                )
                for m in metrics
            ]
            period = int(metrics[0].get("period", 60)) if metrics else 60
            found.append(Read(role, specs, evidence, period))
        return found


class _Planned(NamedTuple):
    """A tool call with the round and the role it plays in the rules (said in the message's
    metadata, `PLAN_KEY`, never read back from the call id)."""

    call: ToolCall
    turn: str
    role: str


def _call(name: str, args: dict[str, Any], turn: str, role: str, n: int, at: int) -> _Planned:
    call = ToolCall(name=name, args=args, id=f"{PREFIX}_{turn}_{role}_{n}_{at}", type="tool_call")
    return _Planned(call, turn, role)


def _metric_args(spec: SeriesSpec, period: int) -> dict[str, Any]:
    args = spec.as_tool_metric(period)
    if spec.substituted:
        args["_asked"] = spec.substituted
    return args


class BaselineInsightModel(RuleBasedChatModel):
    """The offline answerer of one metrics question over one period."""

    question: str
    period: TimeRange
    timezone: str = "UTC"

    @property
    def _llm_type(self) -> str:
        return "fa2-baseline-insight"

    @property
    def intent(self) -> Intent:
        return read_question(self.question)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        tool_names: list[str] | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        run = _Run(messages, self.find_evidence)
        planned = self._next_calls(run, set(tool_names or []), len(messages))
        message = (
            AIMessage(
                content="",
                tool_calls=[p.call for p in planned],
                usage_metadata=_ZERO_USAGE,  # type: ignore[arg-type]
                response_metadata={PLAN_KEY: {p.call["id"]: [p.turn, p.role] for p in planned}},
            )
            if planned
            else AIMessage(content=self._draft(run).answer, usage_metadata=_ZERO_USAGE)  # type: ignore[arg-type]
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def with_structured_output(
        self, schema: Any, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[Any, Any]:  # type: ignore[override]
        if schema is not InsightDraft:
            raise ValueError(
                "the baseline insight model writes only InsightDraft structured output"
            )

        def write(messages: list[BaseMessage]) -> Any:
            draft = self._draft(_Run(messages, self.find_evidence))
            if not include_raw:
                return draft
            raw = AIMessage(content=draft.model_dump_json(), usage_metadata=_ZERO_USAGE)  # type: ignore[arg-type]
            return {"raw": raw, "parsed": draft, "parsing_error": None}

        return RunnableLambda(write, name="baseline_insight_answer")

    # --- the rounds ------------------------------------------------------------------

    def _next_calls(self, run: _Run, tools: set[str], at: int) -> list[_Planned]:
        done = run.rounds()
        intent = self.intent
        if "1" not in done and "list_metrics" in tools:
            return self._listing(intent, at)
        if "get_metric_data" not in tools:
            return []
        if "2" not in done:
            return self._reading(intent, run, at, tools)
        if "3" not in done and intent.form in ("top", "change") and not run.insights():
            return self._charting(intent, run, at)
        return []

    def _listing(self, intent: Intent, at: int) -> list[_Planned]:
        if intent.form == "capacity":
            queries: list[dict[str, Any]] = [{"namespace": "AWS/DynamoDB"}]
        elif intent.metrics:
            queries = [{"metric_name": name} for name in intent.metrics[:3]]
        elif intent.service is not None:
            queries = [{"namespace": intent.service.namespace}]
        else:
            queries = [{}]
        return [_call("list_metrics", q, "1", "list", i, at) for i, q in enumerate(queries, 1)]

    def _reading(self, intent: Intent, run: _Run, at: int, tools: set[str]) -> list[_Planned]:
        if intent.form == "capacity":
            return self._capacity_reads(intent, run, at)
        if intent.form == "unknown":
            return []
        specs, _ = pick_series(intent, run.listings())
        if not specs:
            return []
        query = insights_query(specs, intent.count, intent.lowest)
        if intent.form == "top" and query and "run_metrics_insights_query" in tools:
            # one Metrics Insights query ranks every series and returns them for the chart
            return [_call("run_metrics_insights_query", {"query": query}, "2", "insights", 1, at)]
        if intent.form == "top":
            period = whole_period(self.period)
            ranked: dict[str, Any] = {"metrics": [_metric_args(s, period) for s in specs]}
            return [_call("get_metric_data", ranked, "2", "rank", 1, at)]
        if intent.form == "change":
            calls = []
            for n, (role, half) in enumerate(
                zip(("first", "second"), halves(self.period), strict=True), 1
            ):
                period = whole_period(half)
                half_args: dict[str, Any] = {
                    "metrics": [_metric_args(s, period) for s in specs],
                    "start": half.start.isoformat(),
                    "end": half.end.isoformat(),
                }
                calls.append(_call("get_metric_data", half_args, "2", role, n, at))
            return calls
        period = fine_period(self.period)
        return [
            _call("get_metric_data", {"metrics": [_metric_args(s, period)]}, "2", "level", n, at)
            for n, s in enumerate(specs[:5], 1)
        ]

    def _capacity_reads(self, intent: Intent, run: _Run, at: int) -> list[_Planned]:
        kind = intent.capacity
        wanted = {
            "consumed": (f"Consumed{kind}CapacityUnits", "Sum"),
            "provisioned": (f"Provisioned{kind}CapacityUnits", "Average"),
            "throttles": (f"{kind}ThrottleEvents", "Sum"),
        }
        rows = [r for r in listed(run.listings()) if r[0] == "AWS/DynamoDB"]
        names = (dict(r[2]).get("TableName") for r in rows if len(r[2]) == 1)
        tables = [t for t in dict.fromkeys(names) if t]
        if intent.resource and intent.resource in tables:
            tables = [intent.resource]
        period = fine_period(self.period)
        calls: list[_Planned] = []
        for table in tables[:3]:
            for role, (metric, statistic) in wanted.items():
                if any(r[1] == metric and dict(r[2]) == {"TableName": table} for r in rows):
                    spec = SeriesSpec("AWS/DynamoDB", metric, (("TableName", table),), statistic)
                    args = {"metrics": [_metric_args(spec, period)]}
                    calls.append(_call("get_metric_data", args, "2", role, len(calls) + 1, at))
        return calls

    def _charting(self, intent: Intent, run: _Run, at: int) -> list[_Planned]:
        if intent.form == "top":
            reads = run.reads("rank")
            if not reads:
                return []
            scored = [
                (spec, combine([v for _, v in points], spec.statistic))
                for spec, points in answers.values_of(reads[0])
            ]
            ordered = sorted(
                ((s, v) for s, v in scored if v is not None),
                key=lambda p: p[1],
                reverse=not intent.lowest,
            )
            top = [s for s, _ in ordered[: intent.count]]
        else:
            first, second = run.reads("first"), run.reads("second")
            if not first or not second:
                return []
            top = [
                c[0] for c in answers.ranked_changes(intent, first[0], second[0])[: intent.count]
            ]
        if not top:
            return []
        period = fine_period(self.period, points=300)
        args = {"metrics": [_metric_args(s, period) for s in top]}
        return [_call("get_metric_data", args, "3", "chart", 1, at)]

    # --- the answer ------------------------------------------------------------------

    def _draft(self, run: _Run) -> InsightDraft:
        intent = self.intent
        zone = parse_zone(self.timezone) if self.timezone else UTC
        listings = run.listings()
        if not run.rounds():
            return _not_by_rules(run)
        chart = next(iter(run.reads("chart")), None)
        if intent.form == "top" and (ranked := run.insights()):
            return answers.insights_ranking(intent, ranked[0])
        if intent.form == "top" and (rank := run.reads("rank")):
            _, matched = pick_series(intent, listings)
            return answers.ranking(intent, rank[0], chart, matched)
        if intent.form == "change" and run.reads("first") and run.reads("second"):
            return answers.change(intent, run.reads("first")[0], run.reads("second")[0], chart)
        if intent.form == "threshold" and (levels := run.reads("level")):
            return answers.crossing(intent, levels, zone)
        capacity = [r for role in ("consumed", "provisioned", "throttles") for r in run.reads(role)]
        if intent.form == "capacity" and capacity:
            return answers.capacity(intent, capacity, zone)
        return _what_it_looked_at(intent, listings)


def _what_it_looked_at(intent: Intent, listings: list[Evidence]) -> InsightDraft:
    """The honest answer to a question the rules cannot answer: what was looked at."""
    cites = f" [{', '.join(e.id for e in listings)}]" if listings else ""
    rows = listed(listings)
    namespaces = sorted({r[0] for r in rows})
    seen = (
        f"It listed {len(rows)} metric(s) in {', '.join(namespaces)}{cites}."
        if rows
        else f"It listed the metrics and found none that match{cites}."
    )
    if intent.form == "unknown":
        lead = (
            f"The rule-based baseline cannot map this question to the forms it answers ({FORMS})."
        )
    elif intent.form == "capacity":
        lead = f"No DynamoDB table with {intent.capacity.lower()} capacity metrics was found."
    else:
        wanted = ", ".join(intent.metrics) or "the metric named"
        where = (
            f" for {intent.service.noun}s ({intent.service.namespace})" if intent.service else ""
        )
        lead = f"No series of {wanted}{where} was found, so the question cannot be answered from the metrics."
    return InsightDraft(
        answer=f"{lead} {seen} It did not guess. Questions it answers look like: {EXAMPLES}."
    )


def _not_by_rules(run: _Run) -> InsightDraft:
    """The fallback writer after a model whose answer could not be parsed: what was read."""
    lines = ["The model's answer could not be read; these are the metrics it fetched:"]
    for evidence in run.evidence.values():
        lines.append(
            f"- [{evidence.id}] {evidence.tool}: {evidence.query[:160]} ({evidence.row_count} row(s))"
        )
    if len(lines) == 1:
        lines = ["No metrics were read, so the question is not answered."]
    return InsightDraft(answer="\n".join(lines))
