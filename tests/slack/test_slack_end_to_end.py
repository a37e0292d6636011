"""The whole Slack path with the real agent: the offline baseline over the demo bundle
(`FA2_MODEL=baseline`, `FA2_BUNDLE=evals/scenarios/dynamodb-throttling`), no stand-ins
except the local Slack Web API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from slack_app.app import create_app
from slack_app.contract import ACTION_IDS
from slack_app.server import SlackServer
from slack_app.store import SqliteStore
from tests.slack.conftest import ALERTS, SIGNING_SECRET, Driver, load_event, make_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.payloads import (
    blocks_of,
    button_click,
    event_callback,
    human_message,
    mention,
    submission,
)

ALARM_TS = "1772446621.000200"
pytestmark = pytest.mark.slow


@pytest.fixture
def offline(fake_slack: FakeSlack, demo_bundle_path: Path, tmp_path: Path) -> Iterator[Driver]:
    settings = make_settings(
        fake_slack,
        model="baseline",
        bundle=demo_bundle_path,
        checkpoint_backend="sqlite",
        checkpoint_path=tmp_path / "checkpoints.sqlite",
    )
    store = SqliteStore(tmp_path / "slack.sqlite")
    app = create_app(settings, store=store, progress_interval=0.0)
    server = SlackServer(app, signing_secret=SIGNING_SECRET, port=0)
    server.start_in_thread()
    yield Driver(url=server.url, slack=fake_slack.recorder, store=store, investigator=None)  # type: ignore[arg-type]
    server.shutdown()
    server.server_close()


def test_alarm_to_report_to_follow_up_with_the_baseline_on_the_demo_bundle(offline: Driver) -> None:
    slack = offline.slack
    offline.event(load_event("chatbot_slack_attachments.json"))
    analyze = next(
        b["accessory"]
        for b in blocks_of(slack.wait_for("chat.postMessage")[0].params)
        if b.get("accessory")
    )
    offline.interaction(
        button_click(
            ACTION_IDS["analyze"],
            analyze["value"],
            channel=ALERTS,
            message_ts="1772447000.000001",
            thread_ts=ALARM_TS,
        )
    )
    view = slack.wait_for("views.open")[0].params["view"]
    assert offline.interaction(submission(view)).status == 200

    files = slack.wait_for("files.completeUploadExternal", timeout=120)[0].params
    posts = slack.of("chat.postMessage")
    assert {p.params["thread_ts"] for p in posts} == {ALARM_TS}
    updates = slack.of("chat.update")
    assert len(updates) >= 2 and len({u.params["ts"] for u in updates}) == 1
    report = json.dumps([blocks_of(p.params) for p in posts[2:]], ensure_ascii=False)
    assert "UpdateTable" in report and "ProvisionedThroughputExceededException" in report
    assert "high confidence" in report and "fa2_feedback_up" in report
    assert [f["title"] for f in json.loads(files["files"])][1] == "Alarm metric and changes"
    uploads = slack.wait_for("/upload", 2)
    assert any(u.raw.startswith(b"\x89PNG") for u in uploads)
    assert any(b"UpdateTable" in u.raw for u in uploads if not u.raw.startswith(b"\x89PNG"))

    before = len(posts)
    offline.event(
        event_callback(
            human_message(ALERTS, "Which requests failed first?", "1772447100.000100", ALARM_TS)
        )
    )
    answer = slack.wait_for("chat.postMessage", before + 2, timeout=120)[-1].params
    assert answer["thread_ts"] == ALARM_TS
    assert "Which requests failed first?" in json.dumps(blocks_of(answer), ensure_ascii=False)


def test_offline_a_question_covers_the_bundles_window_not_today(offline: Driver) -> None:
    question = "why does the orders API return 5xx?"
    offline.event(event_callback(mention(ALERTS, question, "1772447300.000100")))
    offline.slack.wait_for("files.completeUploadExternal", timeout=120)
    posts = offline.slack.of("chat.postMessage")
    report = json.dumps([blocks_of(p.params) for p in posts], ensure_ascii=False)
    assert "2026-03-02 09:45:00Z – 2026-03-02 10:30:00Z" in report
    assert "UpdateTable" in report


def test_offline_the_slash_command_form_is_prefilled_with_the_bundles_window(
    offline: Driver,
) -> None:
    offline.command("orders API errors")
    view = offline.slack.wait_for("views.open")[0].params["view"]
    start, end = (
        b["element"]["initial_date_time"]
        for b in view["blocks"]
        if b.get("block_id") in ("start", "end")
    )
    assert (start, end) == (1772444700, 1772447400)  # 09:45Z – 10:30Z on 2026-03-02


def test_a_follow_up_whose_conversation_is_gone_says_how_to_start_again(offline: Driver) -> None:
    offline.store.mark_answered(f"slack-{ALERTS}-1772440000.000100")  # answered, state lost
    offline.event(
        event_callback(human_message(ALERTS, "and now?", "1772447500.000100", "1772440000.000100"))
    )
    status = offline.slack.wait_until("chat.update", "no longer has this thread").params
    assert "Start a new one with /fa2" in json.dumps(status) and "error id" not in json.dumps(
        status
    )


def test_offline_an_alarm_posted_today_says_it_is_outside_the_bundle_and_uses_its_window(
    offline: Driver,
) -> None:
    today = load_event("chatbot_slack_attachments.json")
    today["event"]["ts"] = "1796547000.000100"  # 2026-12-06, months after the bundle
    attachment = today["event"]["attachments"][0]
    attachment["text"] = attachment["text"].replace("02/03/26 10:16:00", "06/12/26 09:29:00")
    offline.event(today)
    reply = offline.slack.wait_for("chat.postMessage")[0].params
    shown = json.dumps(blocks_of(reply), ensure_ascii=False)
    assert "outside it, so fa2 investigates the bundle's window instead" in shown
    assert "2026-03-02 09:45:00Z – 2026-03-02 10:30:00Z" in shown
    analyze = next(b["accessory"] for b in blocks_of(reply) if b.get("accessory"))
    offline.interaction(
        button_click(
            ACTION_IDS["analyze"],
            analyze["value"],
            channel=ALERTS,
            message_ts="1796547001.000001",
            thread_ts="1796547000.000100",
        )
    )
    view = offline.slack.wait_for("views.open")[0].params["view"]
    start, end = (
        b["element"]["initial_date_time"]
        for b in view["blocks"]
        if b.get("block_id") in ("start", "end")
    )
    assert (start, end) == (1772444700, 1772447400)  # the bundle's 09:45Z – 10:30Z


def test_a_verdict_in_slack_marks_the_investigation_the_agent_remembered_for_this_workspace(
    offline: Driver, tmp_path: Path
) -> None:
    from agent.memory import find_thread
    from agent.memory.sqlite import SqliteIncidentMemory

    offline.event(event_callback(mention(ALERTS, "why do orders fail?", "1772447300.000100")))
    offline.slack.wait_for("files.completeUploadExternal", timeout=120)
    thread_id = f"slack-{ALERTS}-1772447300.000100"
    memory = SqliteIncidentMemory(tmp_path / "incidents.sqlite")  # FA2_INCIDENT_MEMORY_PATH
    past = find_thread(memory, thread_id)
    assert past is not None and past.scope.startswith("T0001/") and past.feedback is None

    click = button_click(
        ACTION_IDS["verdict_cause"],
        thread_id,
        channel=ALERTS,
        message_ts="1772447301.000001",
        thread_ts="1772447300.000100",
    )
    offline.interaction(click)
    reply = offline.slack.wait_for("chat.postEphemeral")[0].params["text"]
    assert "was the cause" in reply
    marked = memory.get(past.scope, thread_id)
    assert marked is not None and marked.feedback == "confirmed"
