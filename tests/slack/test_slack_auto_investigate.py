"""`FA2_SLACK_AUTO_INVESTIGATE`: on, an alarm notification is investigated at once in its
thread; off, fa2 only offers the Analyze button and waits for someone to press it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from slack_app.contract import ACTION_IDS
from tests.slack.conftest import ALERTS, Driver, load_event, serve
from tests.slack.fake_slack import FakeSlack
from tests.slack.payloads import blocks_of
from tests.slack.reports import ScriptedInvestigator

ALARM_TS = "1772446621.000200"
THREAD_ID = f"slack-{ALERTS}-{ALARM_TS}"


def _served(fake_slack: FakeSlack, auto: bool) -> Iterator[Driver]:
    server, drv = serve(fake_slack, ScriptedInvestigator(), slack_auto_investigate=auto)
    yield drv
    server.shutdown()
    server.server_close()


@pytest.fixture
def auto_on(fake_slack: FakeSlack) -> Iterator[Driver]:
    yield from _served(fake_slack, True)


@pytest.fixture
def auto_off(fake_slack: FakeSlack) -> Iterator[Driver]:
    yield from _served(fake_slack, False)


def _has_analyze_button(params: dict) -> bool:
    return any(
        b.get("accessory", {}).get("action_id") == ACTION_IDS["analyze"] for b in blocks_of(params)
    )


def test_with_auto_investigate_an_alarm_is_investigated_at_once_in_its_thread(
    auto_on: Driver,
) -> None:
    assert auto_on.event(load_event("chatbot_slack_attachments.json")).status == 200
    auto_on.slack.wait_for("files.completeUploadExternal")

    [(incident, thread_id)] = auto_on.investigator.investigations
    assert incident.alarm_name == "orders-api-5xx" and thread_id == THREAD_ID
    reply, status, *report = [p.params for p in auto_on.slack.of("chat.postMessage")]
    assert all(p["thread_ts"] == ALARM_TS for p in (reply, status, *report))
    assert _has_analyze_button(reply), "the button stays, to re-run with another window"
    updates = [u.params for u in auto_on.slack.of("chat.update")]
    assert len({u["ts"] for u in updates}) == 1, "progress edits the one status message"
    assert "✅" in json.dumps(blocks_of(updates[-1]), ensure_ascii=False)
    assert "orders-api-5xx" in json.dumps(blocks_of(status), ensure_ascii=False)
    assert report and "DynamoDB write throttling" in json.dumps(
        [blocks_of(p) for p in report], ensure_ascii=False
    )
    assert auto_on.store.is_answered(THREAD_ID)


def test_without_auto_investigate_an_alarm_only_gets_the_analyze_button(auto_off: Driver) -> None:
    assert auto_off.event(load_event("chatbot_slack_attachments.json")).status == 200
    [reply] = auto_off.slack.wait_for("chat.postMessage")
    time.sleep(0.3)  # a lazy investigation would have posted its status message by now
    sent = [c.path for c in auto_off.slack.calls if c.path.startswith(("chat.", "files."))]
    assert sent == ["chat.postMessage"]
    assert reply.params["thread_ts"] == ALARM_TS and _has_analyze_button(reply.params)
    assert auto_off.investigator.investigations == []
    assert not auto_off.store.is_answered(THREAD_ID)
