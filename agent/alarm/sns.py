"""The CloudWatch alarm notification CloudWatch publishes to SNS.

Accepted wrappings: the Lambda SNS event (`{"Records": [{"Sns": {...}}]}`), the SNS
envelope an HTTP/SQS subscriber receives (`{"Type": "Notification", "Message": "..."}`),
and the bare message (`{"AlarmName": ...}`), each as a dict or as JSON text. Metric alarms
carry `Trigger.MetricName`; metric-math alarms carry `Trigger.Metrics`; composite alarms
carry `AlarmRule` and `TriggeringChildren` instead of a trigger.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from agent.alarm.common import (
    API_SPELLING,
    AlarmParseError,
    Fields,
    alarm_title,
    analysis_window,
    dimensions_from_pairs,
    json_loads,
    metric_query,
    parse_alarm_arn,
    region_code,
)
from agent.config import Settings
from agent.incident import Incident, TimeRange
from agent.telemetry.types import metric_statistic

KIND = "SNS alarm notification"


def unwrap_sns(payload: dict[str, Any] | str) -> dict[str, Any]:
    """The alarm message inside whichever SNS wrapping it came in."""
    data = _json_object(payload, "payload")
    records = data.get("Records")
    if records is not None:
        if not isinstance(records, list) or not records:
            raise AlarmParseError(KIND, "Records", "a non-empty list of SNS records", records)
        record = Fields(records[0], KIND, "Records[0]")
        data = record.child("Sns").data
        return _json_object(data.get("Message"), "Records[0].Sns.Message")
    if "Message" in data and "AlarmName" not in data:
        return _json_object(data.get("Message"), "Message")
    return data


def _json_object(value: Any, field: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            decoded = json_loads(value)
        except json.JSONDecodeError as exc:
            raise AlarmParseError(
                KIND,
                field,
                f"JSON text (invalid at line {exc.lineno} column {exc.colno}: {exc.msg})",
            ) from exc
        if isinstance(decoded, dict):
            return decoded
        raise AlarmParseError(KIND, field, "a JSON object", type(decoded).__name__)
    raise AlarmParseError(KIND, field, "a JSON object or JSON text", value)


def parse_sns_notification(
    payload: dict[str, Any] | str,
    settings: Settings,
    *,
    source: Literal["sns", "bundle"] = "sns",
    window: TimeRange | None = None,
) -> Incident:
    """An `Incident` from a CloudWatch alarm SNS notification (any wrapping, see module doc)."""
    message = Fields(unwrap_sns(payload), KIND)
    name = message.text("AlarmName")
    state = message.state("NewStateValue")
    changed_at = message.time("StateChangeTime")
    arn = message.optional_text("AlarmArn")
    from_arn = parse_alarm_arn(arn)
    region = from_arn[0] if from_arn else region_code(message.optional_text("Region"))
    account = message.optional_text("AWSAccountId") or (from_arn[1] if from_arn else None)
    previous = message.optional_text("OldStateValue")

    incident = Incident(
        source=source,
        title=alarm_title(name, state),
        alarm_name=name,
        alarm_description=message.optional_text("AlarmDescription"),
        alarm_arn=arn,
        state=state,
        previous_state=previous,
        state_reason=message.optional_text("NewStateReason"),
        state_change_time=changed_at,
        region=region,
        account_id=account,
        composite_rule=message.optional_text("AlarmRule"),
        triggering_alarms=_triggering_children(message),
        window=window or analysis_window(changed_at, settings),
    )
    trigger = message.optional_child("Trigger")
    if trigger is not None:
        _apply_trigger(incident, trigger)
    return incident


def _apply_trigger(incident: Incident, trigger: Fields) -> None:
    incident.period = trigger.optional_int("Period")
    incident.threshold = trigger.optional_number("Threshold")
    incident.comparison_operator = trigger.optional_text("ComparisonOperator")
    if trigger.has("Metrics"):
        incident.metrics = [metric_query(item, API_SPELLING) for item in trigger.items("Metrics")]
        if not incident.metrics:
            raise AlarmParseError(KIND, trigger.name("Metrics"), "at least one metric query", [])
        # Top-level metric fields name the first metric the expression reads, so a caller
        # that graphs "the alarm's metric" has one; `metrics` keeps the whole query.
        first = next((m for m in incident.metrics if m.metric_name), None)
        if first is not None:
            incident.namespace = first.namespace
            incident.metric_name = first.metric_name
            incident.dimensions = list(first.dimensions)
            incident.statistic = first.statistic
        return
    incident.metric_name = trigger.text("MetricName")
    incident.namespace = trigger.text("Namespace")
    incident.dimensions = dimensions_from_pairs(trigger.items("Dimensions"))
    incident.statistic = _statistic(trigger)
    incident.metrics = [incident.watched_metric()]


def _statistic(trigger: Fields) -> str | None:
    if trigger.optional_text("StatisticType") == "ExtendedStatistic" or (
        trigger.has("ExtendedStatistic") and not trigger.has("Statistic")
    ):
        return trigger.text("ExtendedStatistic")
    raw = trigger.optional_text("Statistic")
    if raw is None:
        return None
    # The SNS message spells statistics in upper case; the CloudWatch API wants `Sum`.
    return metric_statistic(raw) or raw


def _triggering_children(message: Fields) -> list[str]:
    names = []
    for child in message.items("TriggeringChildren"):
        parsed = parse_alarm_arn(child.optional_text("Arn"))
        if parsed:
            names.append(parsed[2])
    return names
