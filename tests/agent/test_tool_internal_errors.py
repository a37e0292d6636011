"""A bug inside a tool never ends an investigation: the model reads an error observation with
an id, the log has the traceback under that id, and the report counts such errors. The test
suite runs in strict mode (tests/conftest.py), where the same bug is raised instead."""

from __future__ import annotations

import logging
import re

import pytest
from langchain_core.messages import BaseMessage, ToolMessage

from agent.config import Settings
from agent.report.markdown import render_markdown
from agent.service import investigate
from agent.telemetry.base import QueryResult
from slack_app.messages import answer_message
from tests.agent.fakes import FakeBackend, ScriptedChatModel, ai, call, incident
from tests.agent.helpers import context, run_tool_calls

ERROR_ID = re.compile(r"internal error while running the query, id (tool-[0-9a-f]{12})")


def _sqlglot_like_assertion(query: str) -> QueryResult:
    # what sqlglot raised for `SELECT * FROM cloud_trail_logs ORDER BY 1 LIMIT 1`
    raise AssertionError


def _nesting_too_deep(query: str) -> QueryResult:
    raise RecursionError("maximum recursion depth exceeded while calling a Python object")


@pytest.fixture
def lenient(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production behaviour: no strict mode."""
    monkeypatch.delenv("FA2_RAISE_TOOL_ERRORS", raising=False)


@pytest.mark.usefixtures("lenient")
@pytest.mark.parametrize("failing", [_sqlglot_like_assertion, _nesting_too_deep])
def test_an_exception_in_a_tool_becomes_an_error_observation_with_an_id(
    settings: Settings, failing, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = context(settings, backend=FakeBackend(logs_handler=failing))
    with caplog.at_level(logging.ERROR, logger="agent.tools.base"):
        result = run_tool_calls(
            ctx, call("run_logs_insights_query", {"query": "fields @message | limit 5"}, "c1")
        )
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert message.status == "error"
    match = ERROR_ID.search(str(message.content))
    assert match, message.content
    error_id = match.group(1)
    [record] = caplog.records
    assert error_id in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is type(_exception_of(failing))
    assert ctx.budget.usage().internal_errors == 1
    assert ctx.budget.usage().internal_error_ids == [error_id]
    assert ctx.ledger.recorded[0].status == "error"


def _exception_of(failing) -> BaseException:  # type: ignore[no-untyped-def]
    try:
        failing("")
    except BaseException as exc:
        return exc
    raise AssertionError("the stand-in did not raise")


def test_in_strict_mode_the_same_exception_is_raised(settings: Settings) -> None:
    ctx = context(settings, backend=FakeBackend(logs_handler=_nesting_too_deep))
    with pytest.raises(RecursionError):
        run_tool_calls(
            ctx, call("run_logs_insights_query", {"query": "fields @message | limit 5"}, "c1")
        )


@pytest.mark.usefixtures("lenient")
def test_the_investigation_goes_on_and_the_report_counts_internal_errors(
    settings: Settings,
) -> None:
    seen: list[str] = []

    def after_the_failure(messages: list[BaseMessage]):  # type: ignore[no-untyped-def]
        seen.append(str(messages[-1].content))
        return ai(content="The logs query failed inside fa2; reporting from the rest.")

    model = ScriptedChatModel(
        turns=[
            ai(call("run_logs_insights_query", {"query": "fields @message | limit 5"}, "m1")),
            after_the_failure,
        ]
    )
    backend = FakeBackend(logs_handler=_sqlglot_like_assertion)
    report = investigate(incident(), settings=settings, backend=backend, chat_model=model)

    assert ERROR_ID.search(seen[0])
    triage_logs_queries = sum(1 for kind, _ in backend.calls if kind == "logs") - 1
    assert report.usage.internal_errors == triage_logs_queries + 1
    assert any("failed on an internal error in fa2" in note for note in report.notes)
    assert f"{report.usage.internal_errors} internal tool error(s)" in render_markdown(report)
    context_text = str(answer_message(report, thread_id="C1:1.0").blocks)
    assert f"{report.usage.internal_errors} tool call(s) failed on an internal error" in (
        context_text
    )


def test_a_report_without_internal_errors_does_not_mention_them(settings: Settings) -> None:
    model = ScriptedChatModel(turns=[ai(content="Done.")])
    report = investigate(incident(), settings=settings, backend=FakeBackend(), chat_model=model)
    assert report.usage.internal_errors == 0
    assert "internal" not in render_markdown(report)
