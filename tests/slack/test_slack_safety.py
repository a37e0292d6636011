"""Requests that must not start anything: forged or stale, retried, fa2's own messages,
channels outside the allowlist; and failures that reach users only as an error id."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.slack.conftest import ALERTS, Driver, load_event, serve, sign
from tests.slack.fake_slack import FakeSlack
from tests.slack.mentions import live_mentions, sent_texts
from tests.slack.payloads import event_callback, human_message, mention, own_message
from tests.slack.reports import ScriptedInvestigator

OTHER_CHANNEL = "C0RANDOM99"


def _settle() -> None:
    time.sleep(0.3)  # lazy listeners would have posted by now


def test_a_bad_signature_is_refused_with_401_and_nothing_runs(driver: Driver) -> None:
    body = json.dumps(event_callback(mention(ALERTS, "why 5xx?", "1772447300.000100")))
    forged = sign(body, int(time.time()), secret="not-the-signing-secret")
    response = driver.send(body, "application/json", signature=forged)
    _settle()
    assert response.status == 401
    assert driver.slack.of("chat.postMessage") == [] and driver.investigator.investigations == []


def test_a_stale_timestamp_is_refused_with_401_even_when_correctly_signed(driver: Driver) -> None:
    body = json.dumps(event_callback(mention(ALERTS, "why 5xx?", "1772447300.000100")))
    six_minutes_ago = int(time.time()) - 6 * 60
    response = driver.send(body, "application/json", timestamp=six_minutes_ago)
    _settle()
    assert response.status == 401
    assert driver.investigator.investigations == []


def test_a_retried_event_never_starts_a_second_investigation(driver: Driver) -> None:
    payload = event_callback(
        mention(ALERTS, "why 5xx?", "1772447300.000100"), event_id="Ev0RETRY0001"
    )
    assert driver.event(payload).status == 200
    retry = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
    assert driver.event(payload, headers=retry).status == 200
    assert driver.event(payload, headers={**retry, "x-slack-retry-num": "2"}).status == 200
    driver.slack.wait_for("files.completeUploadExternal")
    _settle()
    assert len(driver.investigator.investigations) == 1


def test_fa2_ignores_its_own_messages(driver: Driver) -> None:
    assert driver.event(event_callback(own_message(ALERTS, "1772447000.000001"))).status == 200
    _settle()
    assert driver.slack.of("chat.postMessage") == []


def test_messages_from_a_channel_outside_the_allowlist_are_ignored(driver: Driver) -> None:
    alarm = load_event("chatbot_slack_attachments.json")
    alarm["event"]["channel"] = OTHER_CHANNEL
    assert driver.event(alarm).status == 200
    assert (
        driver.event(event_callback(mention(OTHER_CHANNEL, "why 5xx?", "1772447300.000100"))).status
        == 200
    )
    _settle()
    assert driver.slack.of("chat.postMessage") == [] and driver.investigator.investigations == []


def test_the_slash_command_outside_the_allowlist_says_so_and_opens_nothing(driver: Driver) -> None:
    response = driver.command("checkout is slow", channel=OTHER_CHANNEL)
    _settle()
    assert response.status == 200 and "not enabled in this channel" in response.body
    assert driver.slack.of("views.open") == []


def test_a_mention_delivered_also_as_a_message_event_is_answered_once(driver: Driver) -> None:
    text = "why did checkout return 5xx?"
    driver.event(event_callback(mention(ALERTS, text, "1772447300.000100")))
    as_message = human_message(ALERTS, f"<@UFA2BOT01> {text}", "1772447300.000100")
    driver.event(event_callback(as_message))
    driver.slack.wait_for("files.completeUploadExternal")
    _settle()
    assert len(driver.investigator.investigations) == 1


def test_a_human_message_in_a_thread_fa2_did_not_answer_is_left_alone(driver: Driver) -> None:
    driver.event(
        event_callback(human_message(ALERTS, "lunch?", "1772447400.000200", "1772447400.000100"))
    )
    _settle()
    assert driver.slack.of("chat.postMessage") == [] and driver.investigator.questions == []


def test_an_ok_notification_gets_no_analyze_button(driver: Driver) -> None:
    ok = load_event("chatbot_slack_attachments.json")
    attachment = ok["event"]["attachments"][0]
    attachment["title"] = attachment["title"].replace(":rotating_light:", ":white_check_mark:")
    driver.event(ok)
    _settle()
    assert driver.slack.of("chat.postMessage") == []


@pytest.fixture
def failing(fake_slack: FakeSlack):  # type: ignore[no-untyped-def]
    server, drv = serve(fake_slack, ScriptedInvestigator(fail=True))
    yield drv
    server.shutdown()
    server.server_close()


def test_a_failed_investigation_shows_a_short_error_with_an_id_and_no_details(
    failing: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    failing.event(event_callback(mention(ALERTS, "why 5xx?", "1772447300.000100")))
    failing.slack.wait_until("chat.update", "The investigation failed")
    shown = json.dumps([c.params for c in failing.slack.calls], ensure_ascii=False)
    assert "The investigation failed (error id `" in shown
    assert "AccessDeniedException" not in shown and "Traceback" not in shown
    error_id = shown.split("error id `")[1][:8]
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.fixture
def one_per_channel(fake_slack: FakeSlack):  # type: ignore[no-untyped-def]
    gate = threading.Event()
    server, drv = serve(
        fake_slack, ScriptedInvestigator(gate=gate), slack_max_concurrent_per_channel=1
    )
    yield drv, gate
    gate.set()
    server.shutdown()
    server.server_close()


def test_beyond_the_per_channel_limit_people_are_told_their_place_in_line(one_per_channel) -> None:  # type: ignore[no-untyped-def]
    driver, gate = one_per_channel
    driver.event(event_callback(mention(ALERTS, "why 5xx?", "1772447300.000100")))
    driver.slack.wait_for("chat.postMessage")  # the first one's status message
    driver.event(event_callback(mention(ALERTS, "and latency?", "1772447301.000100")))
    waiting = driver.slack.wait_for("chat.postMessage", 2)[-1].params
    assert waiting["thread_ts"] == "1772447301.000100"
    assert "queued · position 1 in line" in json.dumps(waiting, ensure_ascii=False)
    assert len(driver.investigator.investigations) == 1
    gate.set()
    driver.slack.wait_for("files.completeUploadExternal", 2)
    assert len(driver.investigator.investigations) == 2


def test_when_the_form_cannot_open_the_user_alone_sees_an_error_id(
    driver: Driver, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_methods.add("views.open")
    assert driver.command("checkout is slow").status == 200
    notice = driver.slack.wait_for("chat.postEphemeral")[0].params
    assert notice["user"] == "U0ONCALL1" and "Opening the form failed (error id `" in notice["text"]
    assert "internal_error" not in json.dumps(notice)


def test_every_message_text_sent_for_a_failed_investigation_is_escaped(failing: Driver) -> None:
    failing.event(event_callback(mention(ALERTS, "why 5xx <!channel> @here?", "1772447300.000100")))
    failing.slack.wait_until("chat.update", "The investigation failed")
    sent = sent_texts(failing.slack.calls)
    assert any(where.startswith("chat.update") and where.endswith("text") for where in sent)
    assert {where: live_mentions(text) for where, text in sent.items() if live_mentions(text)} == {}
