"""The investigation graph with a scripted chat model: parallel tool calls, a corrected bad
query, budgets, citation validation, follow-ups after a restart, and its wiring."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from langchain_core.messages import BaseMessage, ToolMessage

from agent.config import Settings
from agent.graph import build_graph
from agent.report.draft import HypothesisDraft, ReportDraft
from agent.service import ask, investigate
from tests.agent.fakes import FakeBackend, ScriptedChatModel, ai, call, incident

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _last_tool_messages(messages: list[BaseMessage]) -> list[ToolMessage]:
    tail: list[ToolMessage] = []
    for message in reversed(messages):
        if not isinstance(message, ToolMessage):
            break
        tail.insert(0, message)
    return tail


def test_the_graph_wiring_matches_the_snapshot() -> None:
    mermaid = build_graph().get_graph().draw_mermaid()
    path = SNAPSHOTS / "graph.mmd"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(mermaid, encoding="utf-8")
    assert mermaid == path.read_text(encoding="utf-8")


def test_triage_runs_the_standard_first_queries_before_the_model(settings: Settings) -> None:
    model = ScriptedChatModel(turns=[ai(content="Enough.")])
    backend = FakeBackend()
    report = investigate(incident(), settings=settings, backend=backend, chat_model=model)
    kinds = [kind for kind, _ in backend.tool_calls]
    assert kinds.count("alarm") == 1  # the alarm itself, as citable evidence
    # error rate per minute, top error patterns, severity per minute, warning patterns
    assert kinds.count("logs") == 4
    assert kinds.count("xray") == 2  # service graph, faulting traces
    assert kinds.count("athena") == 2  # CloudTrail writes and callers (the fake has no ALB table)
    assert kinds.count("metrics") == 1  # the alarm's own metric
    first_turn = model.seen[0]
    assert sum(isinstance(m, ToolMessage) for m in first_turn) == 10
    assert [e.id for e in report.evidence] == [f"E{i}" for i in range(1, 11)]


def test_triage_also_runs_the_configured_default_logs_query(settings: Settings) -> None:
    own = "fields @timestamp, @message | filter @message like /OrderRejected/ | limit 20"
    model = ScriptedChatModel(turns=[ai(content="Enough.")])
    backend = FakeBackend()
    configured = settings.updated(default_logs_query=own)
    investigate(incident(), settings=configured, backend=backend, chat_model=model)
    logs_queries = [query for kind, query in backend.calls if kind == "logs"]
    # Triage runs its queries concurrently: which one reaches the backend last is not fixed.
    assert len(logs_queries) == 5 and own in logs_queries


def test_several_tool_calls_of_one_turn_run_concurrently_with_ids_in_call_order(
    settings: Settings,
) -> None:
    backend = FakeBackend(delay=0.2)
    turn = ai(
        call("run_logs_insights_query", {"query": "fields @message | limit 5"}, "a"),
        call("run_athena_query", {"sql": "SELECT eventname FROM aiops_db.cloud_trail_logs"}, "b"),
        call("get_service_graph", {}, "c"),
    )
    model = ScriptedChatModel(turns=[turn, ai(content="Enough.")])
    report = investigate(incident(), settings=settings, backend=backend, chat_model=model)
    assert backend.max_active >= 2
    by_id = report.evidence_by_id()
    assert [by_id[i].tool for i in ("E11", "E12", "E13")] == [
        "run_logs_insights_query",
        "run_athena_query",
        "get_service_graph",
    ]


def test_a_bad_query_is_corrected_on_the_next_turn(settings: Settings) -> None:
    seen_error: list[str] = []

    def corrected(messages: list[BaseMessage]):  # type: ignore[no-untyped-def]
        [observation] = _last_tool_messages(messages)
        seen_error.append(str(observation.content))
        return ai(
            call(
                "run_athena_query",
                {"sql": "SELECT eventname FROM aiops_db.cloud_trail_logs"},
                "fix",
            )
        )

    model = ScriptedChatModel(
        turns=[
            ai(call("run_athena_query", {"sql": "SELECT * FROM no_such_table"}, "bad")),
            corrected,
            ai(content="Enough."),
        ]
    )
    report = investigate(incident(), settings=settings, backend=FakeBackend(), chat_model=model)
    assert "does not exist" in seen_error[0]
    statuses = [(e.query, e.status) for e in report.evidence if e.id in ("E11", "E12")]
    assert statuses == [
        ("SELECT * FROM no_such_table", "error"),
        ("SELECT eventname FROM aiops_db.cloud_trail_logs", "ok"),
    ]


def test_an_exhausted_budget_stops_querying_and_the_report_says_so(settings: Settings) -> None:
    tight = settings.updated(max_tool_calls=12)
    greedy = [
        ai(*(call("get_service_graph", {}, f"t{turn}_{i}") for i in range(3))) for turn in range(5)
    ]
    backend = FakeBackend()
    report = investigate(
        incident(), settings=tight, backend=backend, chat_model=ScriptedChatModel(turns=greedy)
    )
    assert len(backend.tool_calls) == 12
    assert report.usage.tool_calls == 12
    assert (
        report.usage.budget_exhausted is not None
        and "tool-call budget" in report.usage.budget_exhausted
    )
    assert any("stopped early" in note for note in report.notes)


def test_a_citation_to_missing_evidence_is_removed_and_flagged(settings: Settings) -> None:
    draft = ReportDraft(
        summary="Throttling on the orders table [E5, E99].",
        hypotheses=[
            HypothesisDraft(
                statement="UpdateTable lowered WCU [E5, E99]",
                confidence="high",
                evidence_ids=["E5", "E99"],
            ),
            HypothesisDraft(statement="A ghost did it", confidence="low", evidence_ids=["E42"]),
        ],
    )
    model = ScriptedChatModel(turns=[ai(content="Enough.")], draft=draft)
    report = investigate(incident(), settings=settings, backend=FakeBackend(), chat_model=model)
    cited, ghost = report.hypotheses
    assert cited.evidence_ids == ["E5"] and cited.supported
    assert cited.flags == ["removed unknown citation E99"]
    assert cited.statement == "UpdateTable lowered WCU [E5]"
    assert report.summary == "Throttling on the orders table [E5]."
    assert ghost.evidence_ids == [] and not ghost.supported
    assert "unsupported: no valid evidence cited" in ghost.flags


def test_usage_is_always_reported(settings: Settings) -> None:
    model = ScriptedChatModel(
        turns=[
            ai(call("get_service_graph", {}, "g"), tokens=700),
            ai(content="Enough.", tokens=900),
        ]
    )
    report = investigate(incident(), settings=settings, backend=FakeBackend(), chat_model=model)
    usage = report.usage
    assert (usage.steps, usage.tool_calls) == (2, 11)
    assert usage.input_tokens == 700 + 900 + 1000  # two turns and the report
    assert usage.cost_usd > 0 and usage.wall_seconds > 0


def test_a_follow_up_after_a_restart_sees_earlier_messages_and_evidence(settings: Settings) -> None:
    first = investigate(
        incident(),
        settings=settings,
        backend=FakeBackend(),
        chat_model=ScriptedChatModel(turns=[ai(content="Enough.")]),
    )
    assert first.thread_id
    # a new model, backend, checkpointer connection and graph instance over the same SQLite file
    later = ScriptedChatModel(
        turns=[
            ai(
                call(
                    "run_logs_insights_query",
                    {"query": "fields @message | filter @message like /orders/"},
                    "q",
                )
            ),
            ai(content="It is the table."),
        ],
        draft=ReportDraft(
            summary="The orders table was throttled.",
            hypotheses=[
                HypothesisDraft(statement="x", confidence="high", evidence_ids=["E2", "E11"])
            ],
        ),
    )
    answer = ask(
        first.thread_id,
        "Which table was throttled?",
        settings=settings,
        backend=FakeBackend(),
        chat_model=later,
    )
    history = later.seen[0]
    assert any(isinstance(m, ToolMessage) and m.artifact == "E1" for m in history)
    assert str(history[-1].content) == "Which table was throttled?"
    assert [e.id for e in answer.evidence][-1] == "E11"  # numbering continues in the thread
    assert answer.hypotheses[0].evidence_ids == ["E2", "E11"]
    assert answer.thread_id == first.thread_id


def test_investigating_again_in_a_thread_continues_the_evidence_numbering(
    settings: Settings,
) -> None:
    first = investigate(
        incident(),
        settings=settings,
        backend=FakeBackend(),
        chat_model=ScriptedChatModel(turns=[ai(content="Enough.")]),
    )
    again = investigate(
        incident(),
        settings=settings,
        backend=FakeBackend(),
        thread_id=first.thread_id,
        chat_model=ScriptedChatModel(turns=[ai(content="Enough.")]),
    )
    assert [e.id for e in again.evidence] == [f"E{i}" for i in range(1, 21)]


def test_an_unparsable_model_report_is_replaced_by_the_rule_based_one(settings: Settings) -> None:
    class Garbled(ScriptedChatModel):
        def with_structured_output(self, schema, *, include_raw=False, **kwargs):  # type: ignore[no-untyped-def]
            from langchain_core.messages import AIMessage
            from langchain_core.runnables import RunnableLambda

            raw = AIMessage(content="I think it was DynamoDB, probably.")
            return RunnableLambda(
                lambda _: {"raw": raw, "parsed": None, "parsing_error": "no tool call"}
            )

    report = investigate(
        incident(),
        settings=settings,
        backend=FakeBackend(),
        chat_model=Garbled(turns=[ai(content="Enough.")]),
    )
    assert report.rule_based
    assert any("could not be parsed (no tool call)" in note for note in report.notes)
    assert "UpdateTable" in report.hypotheses[0].statement


def test_query_cost_uses_the_list_prices_as_athena_and_logs_insights_bill_them(
    settings: Settings,
) -> None:
    model = ScriptedChatModel(turns=[ai(content="Enough.")])
    report = investigate(incident(), settings=settings, backend=FakeBackend(), chat_model=model)
    costs = {e.tool: e.cost_usd for e in report.evidence if e.cost_usd}
    # Athena: 1 MB scanned is billed as the 10 MB minimum, at $5 per TB.
    assert costs["run_athena_query"] == pytest.approx(
        10e6 / 1e12 * settings.prices.athena_usd_per_tb
    )
    # Logs Insights: 50 MB scanned at $0.005 per GB.
    assert costs["run_logs_insights_query"] == pytest.approx(50e6 / 1e9 * 0.005)


def test_the_note_of_an_unparsable_report_is_one_line_however_long_the_error(
    settings: Settings,
) -> None:
    import pydantic

    from agent.report.draft import ReportDraft

    try:
        ReportDraft.model_validate({"summary": 3, "hypotheses": "x"})
    except pydantic.ValidationError as exc:
        error = exc
    assert "\n" in str(error)

    class Garbled(ScriptedChatModel):
        def with_structured_output(self, schema, *, include_raw=False, **kwargs):  # type: ignore[no-untyped-def]
            from langchain_core.messages import AIMessage
            from langchain_core.runnables import RunnableLambda

            raw = AIMessage(content="{}")
            return RunnableLambda(lambda _: {"raw": raw, "parsed": None, "parsing_error": error})

    report = investigate(
        incident(),
        settings=settings,
        backend=FakeBackend(),
        chat_model=Garbled(turns=[ai(content="Enough.")]),
    )
    note = next(n for n in report.notes if "could not be parsed" in n)
    assert "\n" not in note and "validation error" in note and len(note) < 450
