"""The CloudWatch alarm SNS notification, in each wrapping SNS delivers it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from agent.alarm import AlarmParseError, parse_sns_notification
from agent.config import Settings
from agent.incident import MetricDimension


@pytest.fixture
def message(aws_event) -> dict:
    """The alarm notification inside the Lambda SNS event, decoded."""
    decoded: dict = json.loads(aws_event("sns_lambda_alarm.json")["Records"][0]["Sns"]["Message"])
    return decoded


def test_lambda_sns_event_gives_the_alarm_and_its_metric(aws_event, settings: Settings) -> None:
    incident = parse_sns_notification(aws_event("sns_lambda_alarm.json"), settings)

    assert incident.source == "sns"
    assert incident.alarm_name == "orders-api-5xx"
    assert incident.alarm_description == "5XX errors on the orders API"
    assert (incident.state, incident.previous_state) == ("ALARM", "OK")
    assert incident.state_reason is not None and incident.state_reason.startswith(
        "Threshold Crossed"
    )
    assert incident.namespace == "AWS/ApiGateway"
    assert incident.metric_name == "5XXError"
    assert incident.dimensions == [MetricDimension(name="ApiName", value="orders-api")]
    assert incident.statistic == "Sum"  # SNS writes SUM; the CloudWatch API wants Sum
    assert (incident.period, incident.threshold) == (60, 5.0)
    assert incident.comparison_operator == "GreaterThanThreshold"
    assert (incident.region, incident.account_id) == ("us-east-1", "123456789012")


def test_state_change_time_with_plus0000_offset_parses_to_utc(
    aws_event, settings: Settings
) -> None:
    incident = parse_sns_notification(aws_event("sns_lambda_alarm.json"), settings)

    assert incident.state_change_time == datetime(2026, 3, 2, 10, 17, tzinfo=UTC)


def test_default_window_is_30_minutes_before_to_5_after(aws_event, settings: Settings) -> None:
    incident = parse_sns_notification(aws_event("sns_lambda_alarm.json"), settings)

    assert incident.window.start == datetime(2026, 3, 2, 9, 47, tzinfo=UTC)
    assert incident.window.end == datetime(2026, 3, 2, 10, 22, tzinfo=UTC)


def test_window_follows_the_settings(
    message,
) -> None:
    settings = Settings(window_before_minutes=60, window_after_minutes=0)

    incident = parse_sns_notification(message, settings)

    assert incident.window.start == datetime(2026, 3, 2, 9, 17, tzinfo=UTC)
    assert incident.window.end == datetime(2026, 3, 2, 10, 17, tzinfo=UTC)


def test_http_envelope_with_legacy_region_name_and_extended_statistic(
    aws_event, settings: Settings
) -> None:
    incident = parse_sns_notification(
        aws_event("sns_http_envelope_extended_statistic.json"), settings
    )

    assert incident.alarm_name == "checkout-latency-p99"
    assert incident.region == "eu-west-1"  # from "EU - Ireland"
    assert incident.statistic == "p99"
    assert incident.alarm_description is None


def test_bare_message_as_json_text_is_accepted(message, settings: Settings) -> None:
    incident = parse_sns_notification(json.dumps(message), settings)

    assert incident.alarm_name == "orders-api-5xx"


def test_metric_math_alarm_keeps_every_metric_query(aws_event, settings: Settings) -> None:
    incident = parse_sns_notification(aws_event("sns_metric_math_message.json"), settings)

    assert [m.id for m in incident.metrics] == ["e1", "m1", "m2"]
    expression, errors, requests = incident.metrics
    assert expression.expression == "100 * m1 / m2" and expression.return_data
    assert (errors.metric_name, errors.statistic, errors.return_data) == ("5XXError", "Sum", False)
    assert (requests.metric_name, requests.statistic) == ("Count", "SampleCount")
    assert incident.threshold == 5.0


def test_metric_math_alarm_names_the_first_metric_it_reads_at_top_level(
    aws_event, settings: Settings
) -> None:
    incident = parse_sns_notification(aws_event("sns_metric_math_message.json"), settings)

    assert (incident.namespace, incident.metric_name) == ("AWS/ApiGateway", "5XXError")


def test_composite_alarm_notification_keeps_rule_and_children(message, settings: Settings) -> None:
    del message["Trigger"]
    message["AlarmRule"] = 'ALARM("orders-api-5xx") OR ALARM("orders-put-errors")'
    message["TriggeringChildren"] = [
        {
            "Arn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-put-errors",
            "State": {"Value": "ALARM", "Timestamp": "2026-03-02T10:16:58.102+0000"},
        }
    ]

    incident = parse_sns_notification(message, settings)

    assert incident.composite_rule == message["AlarmRule"]
    assert incident.triggering_alarms == ["orders-put-errors"]
    assert incident.metric_name is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda m: m.pop("AlarmName"), "AlarmName"),
        (lambda m: m.update(AlarmName=42), "AlarmName"),
        (lambda m: m.update(NewStateValue="FIRING"), "NewStateValue"),
        (lambda m: m.pop("StateChangeTime"), "StateChangeTime"),
        (lambda m: m.update(StateChangeTime="yesterday at ten"), "StateChangeTime"),
        (lambda m: m["Trigger"].update(Threshold="five"), "Trigger.Threshold"),
        (lambda m: m["Trigger"].update(Period=-60), "Trigger.Period"),
        (lambda m: m["Trigger"].pop("MetricName"), "Trigger.MetricName"),
        (lambda m: m["Trigger"].update(Dimensions={"ApiName": "orders-api"}), "Trigger.Dimensions"),
        (lambda m: m["Trigger"]["Dimensions"][0].pop("value"), "Trigger.Dimensions[0].Value"),
        (lambda m: m.update(Trigger="5XXError > 5"), "Trigger"),
    ],
    ids=[
        "missing-name",
        "name-not-string",
        "unknown-state",
        "missing-time",
        "bad-time",
        "threshold-not-number",
        "negative-period",
        "missing-metric-name",
        "dimensions-not-list",
        "dimension-without-value",
        "trigger-not-object",
    ],
)
def test_malformed_notification_names_the_field(
    message, settings: Settings, change, field: str
) -> None:
    change(message)

    with pytest.raises(AlarmParseError) as caught:
        parse_sns_notification(message, settings)

    assert caught.value.field == field
    assert f"field '{field}'" in str(caught.value)


def test_metric_math_entry_without_expression_or_metricstat_is_refused(
    aws_event, settings: Settings
) -> None:
    message = aws_event("sns_metric_math_message.json")
    message["Trigger"]["Metrics"][1].pop("MetricStat")

    with pytest.raises(AlarmParseError) as caught:
        parse_sns_notification(message, settings)

    assert caught.value.field == "Trigger.Metrics[1].Expression"


def test_message_that_is_not_json_is_refused(aws_event, settings: Settings) -> None:
    event = aws_event("sns_lambda_alarm.json")
    event["Records"][0]["Sns"]["Message"] = "ALARM: orders-api-5xx"

    with pytest.raises(AlarmParseError) as caught:
        parse_sns_notification(event, settings)

    assert caught.value.field == "Records[0].Sns.Message"
    assert "JSON text" in caught.value.expected


def test_empty_records_list_is_refused(settings: Settings) -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_sns_notification({"Records": []}, settings)

    assert caught.value.field == "Records"
