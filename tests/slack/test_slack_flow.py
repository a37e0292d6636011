"""The whole path through the served app: alarm message → Analyze → form → status updates →
report + files in the thread → follow-up, with a scripted investigator."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from slack_app.contract import ACTION_IDS
from tests.slack.conftest import ALERTS, Driver, load_event
from tests.slack.mentions import live_mentions, sent_texts
from tests.slack.payloads import (
    blocks_of,
    button_click,
    event_callback,
    human_message,
    mention,
    submission,
)


def dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


ALARM_TS = "1772446621.000200"  # 2026-03-02 10:17:01 UTC


def _alarm_reply(driver: Driver) -> tuple[str, dict]:
    """Post the Chatbot alarm notification; return the Analyze button's value and the reply."""
    assert driver.event(load_event("chatbot_slack_attachments.json")).status == 200
    reply = driver.slack.wait_for("chat.postMessage")[0].params
    analyze = next(b["accessory"] for b in blocks_of(reply) if b.get("accessory"))
    return analyze["value"], reply


def _open_form(driver: Driver) -> dict:
    value, _ = _alarm_reply(driver)
    click = button_click(
        ACTION_IDS["analyze"],
        value,
        channel=ALERTS,
        message_ts="1772447000.000001",
        thread_ts=ALARM_TS,
    )
    assert driver.interaction(click).status == 200
    return driver.slack.wait_for("views.open")[0].params["view"]


def test_alarm_notification_gets_an_analyze_button_in_its_thread(driver: Driver) -> None:
    value, reply = _alarm_reply(driver)
    assert reply["channel"] == ALERTS and reply["thread_ts"] == ALARM_TS
    assert "orders-api-5xx" in dump(blocks_of(reply))
    assert value == f"slack-{ALERTS}-{ALARM_TS}"
    assert driver.investigator.investigations == []  # nothing runs until someone submits


def test_analyze_opens_the_form_prefilled_around_the_alarm_in_the_users_timezone(
    driver: Driver,
) -> None:
    view = _open_form(driver)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert "orders-api-5xx" in inputs["description"]["initial_value"]
    assert "Threshold Crossed" in inputs["description"]["initial_value"]
    start = datetime.fromtimestamp(inputs["start"]["initial_date_time"], UTC)
    end = datetime.fromtimestamp(inputs["end"]["initial_date_time"], UTC)
    assert (start, end) == (
        datetime(2026, 3, 2, 9, 47, tzinfo=UTC),
        datetime(2026, 3, 2, 10, 22, tzinfo=UTC),
    )
    note = dump(view)
    assert "Asia/Tokyo (UTC+09:00)" in note and "09:47Z" in note
    assert driver.slack.of("users.info")[0].params["user"] == "U0ONCALL1"


def test_submitting_the_form_investigates_and_answers_in_the_alarm_thread(driver: Driver) -> None:
    view = _open_form(driver)
    response = driver.interaction(submission(view, context="deploy at 10:00"))
    assert response.status == 200 and response.body == ""

    files = driver.slack.wait_for("files.completeUploadExternal")[0].params
    incident, thread_id = driver.investigator.investigations[0]
    assert thread_id == f"slack-{ALERTS}-{ALARM_TS}"
    assert incident.alarm_name == "orders-api-5xx"
    assert incident.window.start == datetime(2026, 3, 2, 9, 47, tzinfo=UTC)
    assert "deploy at 10:00" in (incident.extra_context or "")

    posts = driver.slack.of("chat.postMessage")
    assert all(p.params["thread_ts"] == ALARM_TS for p in posts)
    status_ts = {u.params["ts"] for u in driver.slack.of("chat.update")}
    assert len(status_ts) == 1, "progress goes to one status message, updated in place"
    final_status = dump(blocks_of(driver.slack.of("chat.update")[-1].params))
    assert "✅" in final_status and "7 queries" in final_status
    report = dump([blocks_of(p.params) for p in posts])
    assert "DynamoDB write throttling" in report and "high confidence" in report
    assert "|E1>" in report, "a citation links to its evidence in the console"
    assert "Athena SQL on cloud_trail_logs" in report, (
        "evidence without a console link shows its query"
    )
    assert files["thread_ts"] == ALARM_TS and files["channel_id"] == ALERTS
    titles = [f["title"] for f in json.loads(files["files"])]
    assert any(t.startswith("fa2 report") for t in titles) and "Alarm metric and changes" in titles
    uploads = driver.slack.wait_for("/upload", 2)
    assert any(u.raw.startswith(b"\x89PNG") for u in uploads)
    assert any(b"DynamoDB write throttling" in u.raw for u in uploads)


def test_log_text_in_the_report_cannot_mention_anyone(driver: Driver) -> None:
    view = _open_form(driver)
    driver.interaction(submission(view))
    driver.slack.wait_for("files.completeUploadExternal")
    sent = sent_texts(driver.slack.calls)  # the `text` param and blocks of every message call
    assert {where: live_mentions(text) for where, text in sent.items() if live_mentions(text)} == {}
    report_texts = [p.params["text"] for p in driver.slack.of("chat.postMessage")]
    assert any("&lt;!channel&gt;" in t and "&lt;@U123ADMIN&gt;" in t for t in report_texts)
    assert "&lt;!channel&gt;" in dump(
        [blocks_of(p.params) for p in driver.slack.of("chat.postMessage")]
    )


def test_a_message_in_an_answered_thread_is_a_follow_up_in_the_same_conversation(
    driver: Driver,
) -> None:
    driver.interaction(submission(_open_form(driver)))
    driver.slack.wait_for("files.completeUploadExternal")
    before = len(driver.slack.of("chat.postMessage"))
    driver.event(
        event_callback(
            human_message(ALERTS, "Which requests failed first?", "1772447100.000100", ALARM_TS)
        )
    )
    driver.slack.wait_for("chat.postMessage", before + 2)
    assert driver.investigator.questions == [
        (f"slack-{ALERTS}-{ALARM_TS}", "Which requests failed first?")
    ]
    answer = driver.slack.wait_for("chat.postMessage", before + 2)[-1].params
    assert answer["thread_ts"] == ALARM_TS


def test_a_mention_in_an_answered_thread_is_a_follow_up(driver: Driver) -> None:
    driver.interaction(submission(_open_form(driver)))
    driver.slack.wait_for("files.completeUploadExternal")
    before = len(driver.slack.of("chat.postMessage"))
    question = mention(ALERTS, "was it only PutItem?", "1772447200.000100", ALARM_TS)
    driver.event(event_callback(question))
    driver.slack.wait_for("chat.postMessage", before + 2)
    assert driver.investigator.questions == [(f"slack-{ALERTS}-{ALARM_TS}", "was it only PutItem?")]
    assert driver.investigator.investigations[1:] == [], "no second investigation"


def test_a_mention_outside_a_thread_investigates_the_question_in_a_new_thread(
    driver: Driver,
) -> None:
    driver.event(
        event_callback(mention(ALERTS, "why did checkout return 5xx?", "1772447300.000100"))
    )
    driver.slack.wait_for("files.completeUploadExternal")
    incident, thread_id = driver.investigator.investigations[0]
    assert incident.source == "text" and incident.title == "why did checkout return 5xx?"
    assert thread_id == f"slack-{ALERTS}-1772447300.000100"
    assert all(
        p.params["thread_ts"] == "1772447300.000100" for p in driver.slack.of("chat.postMessage")
    )


def test_feedback_is_recorded_with_the_thread_id(driver: Driver) -> None:
    thread_id = f"slack-{ALERTS}-{ALARM_TS}"
    click = button_click(
        ACTION_IDS["feedback_down"],
        thread_id,
        channel=ALERTS,
        message_ts="1772447000.000009",
        thread_ts=ALARM_TS,
    )
    assert driver.interaction(click).status == 200
    driver.slack.wait_for("chat.postEphemeral")
    [feedback] = driver.store.feedback(thread_id)
    assert (feedback.vote, feedback.user, feedback.message_ts) == (
        "down",
        "U0ONCALL1",
        "1772447000.000009",
    )


def test_the_slash_command_opens_the_form_and_starts_a_thread_for_the_answer(
    driver: Driver,
) -> None:
    assert driver.command("checkout is slow").status == 200
    view = driver.slack.wait_for("views.open")[0].params["view"]
    driver.interaction(submission(view))
    driver.slack.wait_for("files.completeUploadExternal")
    root, *rest = driver.slack.of("chat.postMessage")
    assert "thread_ts" not in root.params or root.params["thread_ts"] is None
    assert "checkout is slow" in dump(blocks_of(root.params))
    assert {p.params["thread_ts"] for p in rest} == {"1772447000.000001"}


@pytest.mark.parametrize("layout", ["chatbot_slack_blocks.json", "chatbot_slack_text.json"])
def test_every_chatbot_layout_gets_the_analyze_button(driver: Driver, layout: str) -> None:
    message = load_event(layout)  # the message event alone; Slack wraps it in an envelope
    driver.event(event_callback(message))
    reply = driver.slack.wait_for("chat.postMessage")[0].params
    assert reply["thread_ts"] == message["ts"]
    assert any(
        b.get("accessory", {}).get("action_id") == ACTION_IDS["analyze"] for b in blocks_of(reply)
    )
