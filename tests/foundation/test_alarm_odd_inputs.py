"""Alarm payloads that parse as JSON but used to end in a traceback or in the wrong parser:
a state-change time at the edge of the calendar, and SNS JSON saved with a UTF-8 BOM."""

from __future__ import annotations

import json

import pytest

from agent.alarm import AlarmParseError, parse_alarm, parse_eventbridge_event
from agent.config import Settings


def _sns_message(aws_event, state_change_time: str) -> dict:
    message: dict = json.loads(aws_event("sns_lambda_alarm.json")["Records"][0]["Sns"]["Message"])
    message["StateChangeTime"] = state_change_time
    return message


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59.000+0000", "0001-01-01T00:00:00.000+0000"])
def test_a_state_change_at_the_edge_of_the_calendar_is_a_clear_error(
    aws_event, settings: Settings, stamp: str
) -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_alarm(_sns_message(aws_event, stamp), settings)
    message = str(caught.value)
    assert "'StateChangeTime'" in message and stamp in message
    assert "between 1970 and 2999" in message


def test_an_eventbridge_time_in_year_9999_is_a_clear_error(aws_event, settings: Settings) -> None:
    event = aws_event("eventbridge_metric_alarm.json")
    event["detail"]["state"]["timestamp"] = "9999-12-31T23:59:59.000+0000"
    with pytest.raises(AlarmParseError, match=r"detail\.state\.timestamp"):
        parse_eventbridge_event(event, settings)


def test_sns_json_saved_with_a_utf8_bom_is_read_as_sns(aws_event, settings: Settings) -> None:
    text = json.dumps(aws_event("sns_lambda_alarm.json"))
    with_bom = text.encode("utf-8-sig").decode("utf-8")  # what `read_text("utf-8")` returns
    assert with_bom.startswith("\ufeff")
    incident = parse_alarm(with_bom, settings)
    assert incident.source == "sns" and incident.alarm_name == "orders-api-5xx"


def test_an_sns_message_field_with_a_bom_is_read_too(aws_event, settings: Settings) -> None:
    envelope = aws_event("sns_lambda_alarm.json")
    record = envelope["Records"][0]["Sns"]
    record["Message"] = "\ufeff" + record["Message"]
    assert parse_alarm(envelope, settings).alarm_name == "orders-api-5xx"
