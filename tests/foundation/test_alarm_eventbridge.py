"""The EventBridge "CloudWatch Alarm State Change" event: metric, metric-math, composite."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from agent.alarm import AlarmParseError, parse_eventbridge_event
from agent.config import Settings
from agent.incident import MetricDimension


def test_metric_alarm_event_gives_metric_threshold_and_state(aws_event, settings: Settings) -> None:
    incident = parse_eventbridge_event(aws_event("eventbridge_metric_alarm.json"), settings)

    assert incident.source == "eventbridge"
    assert incident.alarm_name == "ServerCpuTooHigh"
    assert incident.alarm_arn == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"
    assert incident.alarm_description == "Goes into alarm when server CPU utilization is too high!"
    assert (incident.state, incident.previous_state) == ("ALARM", "OK")
    assert (incident.namespace, incident.metric_name) == ("AWS/EC2", "CPUUtilization")
    assert incident.dimensions == [MetricDimension(name="InstanceId", value="i-12345678901234567")]
    assert (incident.statistic, incident.period) == ("Average", 300)
    assert incident.threshold == 50.0  # only in state.reasonData
    assert (incident.region, incident.account_id) == ("us-east-1", "123456789012")


def test_state_timestamp_sets_the_window(aws_event, settings: Settings) -> None:
    incident = parse_eventbridge_event(aws_event("eventbridge_metric_alarm.json"), settings)

    changed = datetime(2019, 10, 2, 17, 4, 40, 989000, tzinfo=UTC)
    assert incident.state_change_time == changed
    assert incident.window.start.isoformat() == "2019-10-02T16:34:40.989000+00:00"
    assert incident.window.end.isoformat() == "2019-10-02T17:09:40.989000+00:00"


def test_metric_math_event_keeps_expression_and_metrics(aws_event, settings: Settings) -> None:
    incident = parse_eventbridge_event(aws_event("eventbridge_metric_math_alarm.json"), settings)

    assert [(m.id, m.expression, m.metric_name) for m in incident.metrics] == [
        ("e1", "SUM(METRICS())", None),
        ("m1", None, "NetworkIn"),
        ("m2", None, "NetworkOut"),
    ]
    assert incident.metrics[0].label == "Total Network Traffic"
    assert incident.threshold == 10000.0
    assert incident.previous_state == "INSUFFICIENT_DATA"


def test_composite_alarm_event_gives_rule_and_triggering_children(
    aws_event, settings: Settings
) -> None:
    incident = parse_eventbridge_event(aws_event("eventbridge_composite_alarm.json"), settings)

    assert incident.alarm_name == "ServiceAggregatedAlarm"
    assert incident.composite_rule == "ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)"
    assert incident.triggering_alarms == ["ServerCpuTooHigh"]
    assert incident.metrics == [] and incident.metric_name is None
    assert incident.state_change_time == datetime(2022, 7, 22, 15, 57, 45, 394000, tzinfo=UTC)


def test_event_as_json_text_is_accepted(aws_event, settings: Settings) -> None:
    text = json.dumps(aws_event("eventbridge_metric_alarm.json"))

    assert parse_eventbridge_event(text, settings).alarm_name == "ServerCpuTooHigh"


def test_other_event_types_are_refused(aws_event, settings: Settings) -> None:
    event = aws_event("eventbridge_metric_alarm.json")
    event["detail-type"] = "CloudWatch Alarm Configuration Change"

    with pytest.raises(AlarmParseError) as caught:
        parse_eventbridge_event(event, settings)

    assert caught.value.field == "detail-type"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda e: e["detail"].pop("alarmName"), "detail.alarmName"),
        (lambda e: e["detail"].pop("state"), "detail.state"),
        (lambda e: e["detail"]["state"].update(value="RED"), "detail.state.value"),
        (
            lambda e: e["detail"]["state"].update(timestamp="02/10/19 17:04"),
            "detail.state.timestamp",
        ),
        (lambda e: e["detail"]["state"].update(reasonData="{not json"), "detail.state.reasonData"),
        (lambda e: e.update(source="aws.ec2"), "source"),
        (
            lambda e: e["detail"]["configuration"]["metrics"][0]["metricStat"]["metric"].pop(
                "name"
            ),
            "detail.configuration.metrics[0].metricStat.metric.name",
        ),
        (
            lambda e: e["detail"]["configuration"]["metrics"][0]["metricStat"].update(period="300"),
            "detail.configuration.metrics[0].metricStat.period",
        ),
        (lambda e: e["detail"]["configuration"].update(metrics={}), "detail.configuration.metrics"),
    ],
    ids=[
        "missing-name",
        "missing-state",
        "unknown-state",
        "bad-timestamp",
        "reason-data-not-json",
        "wrong-source",
        "metric-without-name",
        "period-as-string",
        "metrics-not-list",
    ],
)
def test_malformed_event_names_the_field(aws_event, settings: Settings, change, field: str) -> None:
    event = aws_event("eventbridge_metric_alarm.json")
    change(event)

    with pytest.raises(AlarmParseError) as caught:
        parse_eventbridge_event(event, settings)

    assert caught.value.field == field
