"""A metrics question through the graph with a scripted chat model: the metrics tools only,
tool calls run and recorded as evidence, the model's answer checked against that evidence
(an id that does not exist is removed and flagged, as in a report), and the chart drawn from
the full series of the evidence the answer names."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import Field

from agent.chat_model import InvestigatorModel
from agent.config import Settings
from agent.insight import InsightAnswer, InsightDraft, answer_metrics_question
from agent.insight.graph import build_insight_graph
from agent.insight.render import insight_to_markdown
from agent.insight.run import insight_tools
from agent.telemetry.bundle import load_manifest
from agent.telemetry.local import LocalBackend
from tests.agent.fakes import ScriptedChatModel, ai, call
from tests.conftest import DEMO_BUNDLE

THROTTLES = {
    "namespace": "AWS/DynamoDB",
    "metric_name": "WriteThrottleEvents",
    "dimensions": {"TableName": "orders"},
    "statistic": "Sum",
    "period": 60,
}


class ScriptedInsightModel(ScriptedChatModel):
    """The investigation tests' scripted model, writing an `InsightDraft` at the end."""

    insight: InsightDraft | None = None
    bound: list[list[str]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> Runnable[Any, AIMessage]:  # type: ignore[override]
        self.bound.append([t.name for t in tools])
        return self

    def with_structured_output(
        self, schema: Any, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[Any, Any]:  # type: ignore[override]
        assert schema is InsightDraft

        def write(messages: list[BaseMessage]) -> Any:
            self.seen.append(list(messages))
            raw = AIMessage(
                content="",
                usage_metadata={"input_tokens": 900, "output_tokens": 150, "total_tokens": 1050},
            )
            return {"raw": raw, "parsed": self.insight, "parsing_error": None}

        return RunnableLambda(write)


def _ask(model: ScriptedInsightModel, question: str) -> InsightAnswer:
    settings = Settings(bundle=DEMO_BUNDLE)
    return answer_metrics_question(
        question,
        time_range=load_manifest(DEMO_BUNDLE).window,
        backend=LocalBackend(DEMO_BUNDLE, settings),
        model=InvestigatorModel(model),
        user_timezone="Asia/Tokyo",
        settings=settings,
    )


def _scripted(answer: str, **draft: Any) -> ScriptedInsightModel:
    return ScriptedInsightModel(
        turns=[
            ai(
                call("list_metrics", {"namespace": "AWS/DynamoDB"}, "tooluse_1"),
                call("get_metric_data", {"metrics": [THROTTLES]}, "tooluse_2"),
            ),
            AIMessage(content="The orders table is throttled."),
        ],
        insight=InsightDraft(answer=answer, **draft),
    )


def test_the_graph_wires_investigate_tools_and_answer() -> None:
    tools = insight_tools(LocalBackend(DEMO_BUNDLE, Settings(bundle=DEMO_BUNDLE)))
    edges = {(e.source, e.target) for e in build_insight_graph(tools).get_graph().edges}
    assert edges == {
        ("__start__", "investigate"),
        ("investigate", "tools"),
        ("investigate", "answer"),
        ("tools", "investigate"),
        ("tools", "answer"),
        ("answer", "__end__"),
    }


def test_the_model_is_offered_the_metrics_tools_only_and_reads_the_period() -> None:
    model = _scripted("Writes to orders are throttled [E2].")
    _ask(model, "Is orders throttled?")
    assert set(model.bound[0]) <= {"list_metrics", "get_metric_data", "run_metrics_insights_query"}
    assert {"list_metrics", "get_metric_data"} <= set(model.bound[0])
    system = model.seen[0][0]
    assert isinstance(system, SystemMessage)
    assert "2026-03-02 09:45:00Z – 2026-03-02 10:30:00Z" in str(system.content)
    assert "(JST, UTC+09:00)" in str(model.seen[0][1].content)


def test_scripted_tool_calls_become_evidence_with_queries_and_links() -> None:
    answer = _ask(_scripted("Writes to orders are throttled [E2]."), "Is orders throttled?")
    assert [(e.id, e.tool) for e in answer.evidence] == [
        ("E1", "list_metrics"),
        ("E2", "get_metric_data"),
    ]
    throttles = answer.evidence[1]
    assert "WriteThrottleEvents{TableName=orders} Sum/60s" in throttles.query
    assert throttles.link is not None and throttles.link.endswith("/metrics")
    assert answer.usage.input_tokens == 500 + 900 and not answer.rule_based


def test_a_citation_of_evidence_that_does_not_exist_is_removed_and_flagged() -> None:
    answer = _ask(
        _scripted("4,204 throttled writes [E2, E9]; the table was resized [E7]."),
        "Is orders throttled?",
    )
    assert answer.answer_markdown == "4,204 throttled writes [E2]; the table was resized."
    assert "removed unknown citation E9" in answer.notes
    assert "removed unknown citation E7" in answer.notes
    assert answer.supported


def test_an_answer_citing_nothing_that_exists_is_marked_unsupported() -> None:
    answer = _ask(_scripted("It is fine [E12]."), "Is orders throttled?")
    assert answer.answer_markdown == "It is fine."
    assert not answer.supported
    assert "unsupported: no valid evidence cited" in answer.notes


def test_the_chart_draws_every_point_of_the_evidence_the_answer_names() -> None:
    answer = _ask(
        _scripted(
            "Throttled from 10:02 [E2].", chart_evidence_ids=["E2"], chart_title="orders throttles"
        ),
        "Is orders throttled?",
    )
    assert answer.chart_series == ["E2 orders · WriteThrottleEvents (Sum)"]
    assert answer.chart_title == "orders throttles"
    assert answer.chart_png is not None and answer.chart_png.startswith(b"\x89PNG")
    assert answer.evidence[1].row_count == 45  # the chart read all 45 points, not the table


def test_the_markdown_lists_the_cited_evidence_with_query_and_link() -> None:
    answer = _ask(_scripted("Throttled from 10:02 [E2]."), "Is orders throttled?")
    text = insight_to_markdown(answer, chart_file="chart.png")
    assert text.startswith("# Is orders throttled?\n\n**Period:** 2026-03-02 18:45 (JST")
    assert "![Is orders throttled?](chart.png)" in text
    assert "## Evidence cited\n\n- **E2** `get_metric_data` (45 row(s))" in text
    assert "## Also read\n\n- **E1** `list_metrics`" in text


def test_an_unparsable_answer_is_written_by_the_rules_and_says_so() -> None:
    model = _scripted("unused")
    model.insight = None
    answer = _ask(model, "Is orders throttled?")
    assert answer.rule_based
    assert answer.answer_markdown.startswith("The model's answer could not be read")
    assert "[E2]" in answer.answer_markdown
