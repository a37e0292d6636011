"""Alarm notifications as Amazon Q Developer in chat applications (AWS Chatbot) posts them in Slack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.alarm import AlarmParseError, parse_chatbot_message
from agent.config import Settings

POSTED_AT = datetime(2026, 3, 2, 10, 17, 1, 200, tzinfo=UTC)  # ts 1772446621.000200


def test_legacy_attachment_message_in_events_api_envelope(aws_event, settings: Settings) -> None:
    incident = parse_chatbot_message(aws_event("chatbot_slack_attachments.json"), settings)

    assert incident.source == "chatbot"
    assert incident.alarm_name == "orders-api-5xx"
    assert incident.state == "ALARM"  # from :rotating_light:
    assert (incident.region, incident.account_id) == ("us-east-1", "123456789012")
    assert incident.alarm_description == "5XX errors on the orders API"
    assert incident.state_reason is not None
    assert "OK -> ALARM" in incident.state_reason  # Slack's &gt; is decoded


def test_slack_message_timestamp_places_the_window(aws_event, settings: Settings) -> None:
    incident = parse_chatbot_message(aws_event("chatbot_slack_attachments.json"), settings)

    assert incident.state_change_time == POSTED_AT
    assert incident.window.start == datetime(2026, 3, 2, 9, 47, 1, 200, tzinfo=UTC)


def test_block_kit_message_gives_the_same_alarm(aws_event, settings: Settings) -> None:
    incident = parse_chatbot_message(aws_event("chatbot_slack_blocks.json"), settings)

    assert incident.alarm_name == "orders-api-5xx"
    assert (incident.state, incident.region, incident.account_id) == (
        "ALARM",
        "us-east-1",
        "123456789012",
    )
    assert incident.alarm_description == "5XX errors on the orders API"
    assert incident.state_reason is not None and incident.state_reason.startswith(
        "Threshold Crossed"
    )


def test_changed_state_sentence_with_console_link(aws_event, settings: Settings) -> None:
    incident = parse_chatbot_message(aws_event("chatbot_slack_text.json"), settings)

    assert incident.alarm_name == "orders-api-5xx"
    assert incident.state == "ALARM"
    assert incident.region == "us-east-1"  # from the console link
    assert (
        incident.state_reason is not None
        and "greater than the threshold (5.0)" in incident.state_reason
    )


def test_pasted_text_without_timestamp_uses_the_datapoint_in_the_reason(settings: Settings) -> None:
    text = (
        ":rotating_light: CloudWatch Alarm | orders-api-5xx | us-east-1 | Account: 123456789012\n"
        "Threshold Crossed: 1 out of the last 1 datapoints [12.0 (02/03/26 10:16:00)] was greater "
        "than the threshold (5.0)."
    )

    incident = parse_chatbot_message(text, settings)

    assert incident.state_change_time == datetime(2026, 3, 2, 10, 16, tzinfo=UTC)


def test_pasted_text_with_no_time_at_all_uses_received_at(settings: Settings) -> None:
    received = datetime(2026, 3, 2, 10, 18, tzinfo=UTC)

    incident = parse_chatbot_message(
        "The alarm orders-api-5xx changed state to ALARM", settings, received_at=received
    )

    assert incident.state_change_time == received


def test_pasted_text_with_no_time_and_no_received_at_is_refused(settings: Settings) -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_chatbot_message("The alarm orders-api-5xx changed state to ALARM", settings)

    assert caught.value.field == "ts"


def test_url_encoded_alarm_name_in_console_link_is_decoded(settings: Settings) -> None:
    message = {
        "ts": "1772446621.000200",
        "text": "<https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
        "#alarmsV2:alarm/orders%20api%205xx|orders api 5xx>",
    }

    incident = parse_chatbot_message(message, settings)

    assert (incident.alarm_name, incident.region) == ("orders api 5xx", "eu-west-1")


def test_message_that_is_not_an_alarm_is_refused(settings: Settings) -> None:
    message = {"type": "message", "ts": "1772446621.000200", "text": "deploy finished :tada:"}

    with pytest.raises(AlarmParseError) as caught:
        parse_chatbot_message(message, settings)

    assert caught.value.field == "text"
    assert "CloudWatch Alarm | <name>" in caught.value.expected


def test_bad_slack_timestamp_is_refused(aws_event, settings: Settings) -> None:
    message = aws_event("chatbot_slack_text.json")
    message["ts"] = "yesterday"

    with pytest.raises(AlarmParseError) as caught:
        parse_chatbot_message(message, settings)

    assert caught.value.field == "ts"


def test_edited_message_event_is_read_from_its_new_message(aws_event, settings: Settings) -> None:
    original = aws_event("chatbot_slack_blocks.json")
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C0ALERTS01",
        "message": original,
    }

    incident = parse_chatbot_message({"type": "event_callback", "event": edited}, settings)

    assert incident.alarm_name == "orders-api-5xx"
    assert incident.state_change_time == datetime(2026, 3, 2, 10, 17, 5, 300, tzinfo=UTC)
