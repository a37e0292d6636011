"""`/fa2 insight` and `/fa2 findings`: what a user who typed them wrong, or where fa2 may not
answer, is told (privately, at once, never a traceback), and the insight form."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from slack_app.insight_command import CALLBACK_ID, InsightOrigin, insight_modal
from tests.slack.conftest import ALERTS, Driver, serve
from tests.slack.fake_slack import FakeSlack
from tests.slack.payloads import ONCALL, blocks_of, submission
from tests.slack.reports import ScriptedInvestigator


@pytest.fixture
def features_off(fake_slack: FakeSlack) -> Iterator[Driver]:
    server, drv = serve(
        fake_slack, ScriptedInvestigator(), insight_enabled=False, findings_report_enabled=False
    )
    yield drv
    server.shutdown()
    server.server_close()


def _private_reply(response_body: str) -> str:
    """The ack's body: Slack shows a slash command's plain-text ack to the asker only."""
    return response_body


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("insight --days 30 which lambda's p99 rose most?", "days must be from 1 to 14; got 30"),
        ("insight --days soon what changed?", "`soon` is not a number of days"),
        ("findings 0", "days must be from 1 to 45; got 0"),
        ("findings 90", "days must be from 1 to 45; got 90"),
        ("findings last-week", "`last-week` is not a number of days"),
    ],
)
def test_bad_days_are_answered_privately_with_the_usage(
    driver: Driver, text: str, reply: str
) -> None:
    response = driver.command(text)

    assert response.status == 200
    message = _private_reply(response.body)
    assert reply in message and "Usage: `/fa2 " in message
    assert driver.slack.of("chat.postMessage") == []
    assert driver.slack.of("views.open") == []


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        ("insight which lambda is slowest?", "insight_enabled"),
        ("findings", "findings_report_enabled"),
    ],
)
def test_a_feature_turned_off_refuses_its_subcommand_naming_the_setting(
    features_off: Driver, text: str, setting: str
) -> None:
    reply = _private_reply(features_off.command(text).body)

    assert "turned off in this deployment" in reply and f"`{setting} = false`" in reply
    assert features_off.slack.of("chat.postMessage") == []


def test_insight_with_no_question_opens_the_form_with_the_days_given(driver: Driver) -> None:
    assert driver.command("insight --days 3").status == 200

    view = driver.slack.wait_for("views.open")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == CALLBACK_ID
    days = next(b for b in view["blocks"] if b["block_id"] == "days")["element"]
    assert days["type"] == "number_input" and days["initial_value"] == "3"
    assert (days["min_value"], days["max_value"]) == ("1", "14")
    assert InsightOrigin.model_validate_json(view["private_metadata"]) == InsightOrigin(
        channel=ALERTS, user=ONCALL
    )


def test_an_empty_question_in_the_form_is_a_field_error(driver: Driver) -> None:
    view = insight_modal(InsightOrigin(channel=ALERTS, user=ONCALL))

    response = driver.interaction(submission(view, question="   "))

    assert response.json() == {
        "response_action": "errors",
        "errors": {"question": "Ask a question about your metrics."},
    }
    assert driver.slack.of("chat.postMessage") == []


def test_where_fa2_may_not_post_the_asker_is_told_why_through_the_response_url(
    driver: Driver, fake_slack: FakeSlack
) -> None:
    fake_slack.method_errors["chat.postMessage"] = "not_in_channel"

    question = "insight which Lambda's p99 rose most?"
    assert driver.command(question, response_url=fake_slack.response_url).status == 200

    reply = driver.slack.wait_until("commands/response", "not_in_channel").params
    assert reply["response_type"] == "ephemeral"
    assert "/invite @fa2" in reply["text"]
    assert "Traceback" not in json.dumps(reply)


def test_the_help_names_both_subcommands(driver: Driver) -> None:
    from tests.slack.payloads import event_callback, mention

    driver.event(event_callback(mention(ALERTS, "", "1772447100.000100")))

    help_text = json.dumps(blocks_of(driver.slack.wait_for("chat.postMessage")[0].params))
    assert "/fa2 insight QUESTION" in help_text and "/fa2 findings [days]" in help_text


@pytest.mark.parametrize("text", ["insight", "insight --days 3"])
def test_a_mention_of_insight_without_a_question_is_told_the_usage_not_investigated(
    driver: Driver, text: str
) -> None:
    from tests.slack.payloads import event_callback, mention

    driver.event(event_callback(mention(ALERTS, text, "1772447200.000100")))

    told = driver.slack.wait_for("chat.postEphemeral")[0].params
    assert told["user"] == ONCALL
    assert "`@fa2 insight [--days N] QUESTION`" in told["text"]
    assert driver.slack.of("chat.postMessage") == []  # no investigation of the word "insight"
