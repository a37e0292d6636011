"""`parse_alarm` recognises each payload kind on its own."""

from __future__ import annotations

import json

import pytest

from agent.alarm import AlarmParseError, parse_alarm
from agent.config import Settings


@pytest.mark.parametrize(
    ("fixture", "source"),
    [
        ("sns_lambda_alarm.json", "sns"),
        ("sns_http_envelope_extended_statistic.json", "sns"),
        ("sns_metric_math_message.json", "sns"),
        ("eventbridge_metric_alarm.json", "eventbridge"),
        ("eventbridge_metric_math_alarm.json", "eventbridge"),
        ("eventbridge_composite_alarm.json", "eventbridge"),
        ("chatbot_slack_attachments.json", "chatbot"),
        ("chatbot_slack_blocks.json", "chatbot"),
        ("chatbot_slack_text.json", "chatbot"),
    ],
)
def test_each_documented_payload_is_recognised(
    aws_event, settings: Settings, fixture: str, source: str
) -> None:
    payload = aws_event(fixture)

    from_dict = parse_alarm(payload, settings)
    from_text = parse_alarm(json.dumps(payload), settings)

    assert from_dict.source == source
    assert from_dict == from_text
    assert from_dict.alarm_name


def test_eventbridge_event_delivered_through_sns_is_read_as_eventbridge(
    aws_event, settings: Settings
) -> None:
    envelope = aws_event("sns_lambda_alarm.json")
    envelope["Records"][0]["Sns"]["Message"] = json.dumps(
        aws_event("eventbridge_composite_alarm.json")
    )

    incident = parse_alarm(envelope, settings)

    assert (incident.source, incident.alarm_name) == ("eventbridge", "ServiceAggregatedAlarm")


def test_plain_slack_text_is_read_as_a_chatbot_message(settings: Settings) -> None:
    text = (
        ":rotating_light: CloudWatch Alarm | orders-api-5xx | us-east-1 | Account: 123456789012\n"
        "Threshold Crossed: 1 out of the last 1 datapoints [12.0 (02/03/26 10:16:00)] was greater "
        "than the threshold (5.0)."
    )

    assert parse_alarm(text, settings).source == "chatbot"


def test_broken_json_is_refused_with_its_position(settings: Settings) -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_alarm('{"AlarmName": "orders-api-5xx",', settings)

    assert caught.value.field == "(payload)"
    assert "line 1" in caught.value.expected


def test_unrecognised_object_is_refused_naming_what_was_expected(settings: Settings) -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_alarm({"foo": 1}, settings)

    assert "EventBridge event" in caught.value.expected


def test_json_array_is_refused(settings: Settings) -> None:
    with pytest.raises(AlarmParseError):
        parse_alarm("[1, 2]", settings)
