"""Feedback buttons -> incident memory: signed block_actions into the served app (local Slack
Web API stand-in), then the remembered investigation carries the mark, in its own workspace
only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.incident import Incident
from agent.memory import memory_scope
from agent.memory.record import remember
from agent.memory.sqlite import SqliteIncidentMemory
from slack_app.contract import ACTION_IDS
from tests.slack.conftest import ALERTS, Driver, load_event, serve
from tests.slack.fake_slack import FakeSlack
from tests.slack.payloads import blocks_of, button_click, submission
from tests.slack.reports import ScriptedInvestigator, throttling_report

ALARM_TS = "1772446621.000200"
THREAD = f"slack-{ALERTS}-{ALARM_TS}"
OTHER_TEAM = "T0OTHER99"


@pytest.fixture
def memory_path(tmp_path: Path) -> Path:
    return tmp_path / "incidents.sqlite"


@pytest.fixture
def driver(fake_slack: FakeSlack, memory_path: Path) -> Iterator[Driver]:
    server, drv = serve(fake_slack, ScriptedInvestigator(), incident_memory_path=memory_path)
    yield drv
    server.shutdown()
    server.server_close()


def _investigate_the_alarm(driver: Driver) -> Incident:
    """Alarm notification -> Analyze -> form -> report, as the on-call engineer does it."""
    driver.event(load_event("chatbot_slack_attachments.json"))
    reply = driver.slack.wait_for("chat.postMessage")[0].params
    analyze = next(b["accessory"] for b in blocks_of(reply) if b.get("accessory"))
    driver.interaction(
        button_click(
            ACTION_IDS["analyze"],
            analyze["value"],
            channel=ALERTS,
            message_ts="1772447000.000001",
            thread_ts=ALARM_TS,
        )
    )
    view = driver.slack.wait_for("views.open")[0].params["view"]
    driver.interaction(submission(view))
    driver.slack.wait_for("files.completeUploadExternal")
    incident, thread_id = driver.investigator.investigations[0]
    assert thread_id == THREAD
    return incident


def _remembered(driver: Driver, memory_path: Path) -> tuple[SqliteIncidentMemory, str]:
    """What agent.service leaves after the run (the scripted investigator stores nothing)."""
    incident = _investigate_the_alarm(driver)
    memory = SqliteIncidentMemory(memory_path)
    scope = memory_scope(incident.account_id, "T0001")
    report = throttling_report().model_copy(update={"thread_id": THREAD})
    remember(memory, incident, report, scope)
    return memory, scope


def _click(driver: Driver, action: str, *, team: str = "T0001") -> str:
    """Click a button on the report; the ephemeral reply fa2 shows the clicking user."""
    before = len(driver.slack.of("chat.postEphemeral"))
    payload: dict[str, Any] = button_click(
        ACTION_IDS[action],
        THREAD,
        channel=ALERTS,
        message_ts="1772447000.000009",
        thread_ts=ALARM_TS,
    )
    payload["team"] = {"id": team, "domain": "example"}
    payload["user"]["team_id"] = team
    assert driver.interaction(payload).status == 200
    return str(driver.slack.wait_for("chat.postEphemeral", before + 1)[-1].params["text"])


def test_the_report_ends_with_the_verdict_buttons_for_its_top_hypothesis(driver: Driver) -> None:
    _investigate_the_alarm(driver)
    answer = next(
        p.params
        for p in driver.slack.of("chat.postMessage")
        if "fa2_feedback_up" in str(p.params.get("blocks"))
    )
    buttons = blocks_of(answer)[-1]["elements"]
    assert [(b["text"]["text"], b["value"]) for b in buttons[-2:]] == [
        ("✅ This was the cause", THREAD),
        ("❌ This was not it", THREAD),
    ]


def test_investigations_started_from_slack_are_scoped_to_the_clicking_workspace(
    driver: Driver,
) -> None:
    _investigate_the_alarm(driver)
    assert driver.investigator.workspaces == ["T0001"]


def test_this_was_the_cause_marks_the_remembered_hypothesis_confirmed(
    driver: Driver, memory_path: Path
) -> None:
    memory, scope = _remembered(driver, memory_path)
    reply = _click(driver, "verdict_cause")
    past = memory.get(scope, THREAD)
    assert past is not None and (past.feedback, past.feedback_explicit) == ("confirmed", True)
    assert "UpdateTable lowered the write capacity" in reply and "was the cause" in reply


def test_a_thumbs_down_marks_it_wrong_and_is_kept_as_a_vote(
    driver: Driver, memory_path: Path
) -> None:
    memory, scope = _remembered(driver, memory_path)
    reply = _click(driver, "feedback_down")
    past = memory.get(scope, THREAD)
    assert past is not None and (past.feedback, past.feedback_explicit) == ("wrong", False)
    assert [f.vote for f in driver.store.feedback(THREAD)] == ["down"]
    assert reply.startswith("Thanks, fa2 recorded your feedback")


def test_a_vote_does_not_override_an_explicit_verdict(driver: Driver, memory_path: Path) -> None:
    memory, scope = _remembered(driver, memory_path)
    _click(driver, "verdict_not_cause")
    reply = _click(driver, "feedback_up")
    past = memory.get(scope, THREAD)
    assert past is not None and past.feedback == "wrong"
    assert "explicit verdict" in reply


def test_a_click_from_another_workspace_never_reaches_this_workspaces_record(
    driver: Driver, memory_path: Path
) -> None:
    memory, scope = _remembered(driver, memory_path)
    _click(driver, "verdict_cause")
    reply = _click(driver, "verdict_not_cause", team=OTHER_TEAM)
    assert "nothing to mark" in reply
    past = memory.get(scope, THREAD)
    assert past is not None and past.feedback == "confirmed"
    other_scope = scope.replace("T0001/", f"{OTHER_TEAM}/")
    assert memory.in_scope(other_scope) == []


def test_with_incident_memory_off_the_verdict_says_it_is_not_kept(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    server, driver = serve(fake_slack, ScriptedInvestigator(), incident_memory="off")
    try:
        assert "memory is off" in _click(driver, "verdict_cause")
    finally:
        server.shutdown()
        server.server_close()
