"""`fa2 ask` on a thread whose investigation was killed before its report: the answer rests on
partial evidence and says so — to the model, in the report's notes and as a report field."""

from __future__ import annotations

import pytest
from langchain_core.messages import BaseMessage, HumanMessage

from agent.config import Settings
from agent.report.markdown import render_markdown
from agent.service import ask, investigate
from slack_app.messages import followup_message
from tests.agent.fakes import FakeBackend, ScriptedChatModel, ai, incident


class ProcessKilledError(Exception):
    """Stands for the process dying mid-investigation (a Lambda timeout, Ctrl-C, OOM)."""


def _killed(messages: list[BaseMessage]) -> BaseMessage:
    raise ProcessKilledError


def _investigation_killed_after_triage(settings: Settings) -> str:
    thread_id = "fa2-killed0001"
    with pytest.raises(ProcessKilledError):
        investigate(
            incident(),
            settings=settings,
            backend=FakeBackend(),
            chat_model=ScriptedChatModel(turns=[_killed]),
            thread_id=thread_id,
        )
    return thread_id


def test_a_follow_up_on_a_killed_investigation_says_it_never_finished(
    settings: Settings,
) -> None:
    thread_id = _investigation_killed_after_triage(settings)
    model = ScriptedChatModel(turns=[ai(content="The orders table was throttled.")])

    answer = ask(
        thread_id, "What failed?", settings=settings, backend=FakeBackend(), chat_model=model
    )

    assert answer.investigation_unfinished is True
    assert answer.evidence  # the triage evidence that was recorded before the kill
    note = answer.notes[0]
    assert "never finished" in note and "partial evidence" in note
    assert "never finished" in render_markdown(answer)
    assert "never finished" in str(followup_message(answer, thread_id="C1:1.0").blocks)
    report_prompt = str(model.seen[-1][-1].content)
    assert isinstance(model.seen[-1][-1], HumanMessage) and "never finished" in report_prompt


def test_a_follow_up_on_a_finished_investigation_says_nothing_of_the_kind(
    settings: Settings,
) -> None:
    first = investigate(
        incident(),
        settings=settings,
        backend=FakeBackend(),
        chat_model=ScriptedChatModel(turns=[ai(content="Enough.")]),
    )
    assert first.thread_id
    answer = ask(
        first.thread_id,
        "What failed?",
        settings=settings,
        backend=FakeBackend(),
        chat_model=ScriptedChatModel(turns=[ai(content="The table.")]),
    )
    assert answer.investigation_unfinished is False
    assert not any("never finished" in note for note in answer.notes)
    assert "never finished" not in str(followup_message(answer, thread_id="C1:1.0").blocks)


def test_investigating_the_thread_again_to_the_end_clears_the_mark(settings: Settings) -> None:
    thread_id = _investigation_killed_after_triage(settings)
    investigate(
        incident(),
        settings=settings,
        backend=FakeBackend(),
        chat_model=ScriptedChatModel(turns=[ai(content="Enough.")]),
        thread_id=thread_id,
    )
    answer = ask(
        thread_id,
        "What failed?",
        settings=settings,
        backend=FakeBackend(),
        chat_model=ScriptedChatModel(turns=[ai(content="The table.")]),
    )
    assert answer.investigation_unfinished is False
