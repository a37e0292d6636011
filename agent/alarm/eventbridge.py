"""The EventBridge "CloudWatch Alarm State Change" event (source `aws.cloudwatch`).

Metric alarms list their metric queries in `detail.configuration.metrics` (a `metricStat`
per metric, or an `expression`); the threshold is only in `detail.state.reasonData`.
Composite alarms carry `detail.configuration.alarmRule` and name the children that fired
in `detail.state.reasonData.triggeringAlarms`.
"""

from __future__ import annotations

import json
from typing import Any

from agent.alarm.common import (
    EVENTBRIDGE_SPELLING,
    AlarmParseError,
    Fields,
    alarm_title,
    analysis_window,
    json_loads,
    metric_query,
    parse_alarm_arn,
)
from agent.config import Settings
from agent.incident import Incident

KIND = "EventBridge alarm event"
DETAIL_TYPE = "CloudWatch Alarm State Change"


def parse_eventbridge_event(payload: dict[str, Any] | str, settings: Settings) -> Incident:
    """An `Incident` from a CloudWatch Alarm State Change event (dict or JSON text)."""
    event = Fields(_as_object(payload), KIND)
    detail_type = event.text("detail-type")
    if detail_type != DETAIL_TYPE:
        raise AlarmParseError(KIND, "detail-type", repr(DETAIL_TYPE), detail_type)
    source = event.optional_text("source")
    if source is not None and source != "aws.cloudwatch":
        raise AlarmParseError(KIND, "source", "'aws.cloudwatch'", source)

    detail = event.child("detail")
    name = detail.text("alarmName")
    state = detail.child("state")
    value = state.state("value")
    changed_at = state.time("timestamp") if state.has("timestamp") else event.time("time")
    reason_data = _reason_data(state)
    previous = detail.optional_child("previousState")
    configuration = detail.optional_child("configuration")
    resources = event.data.get("resources")
    arn = resources[0] if isinstance(resources, list) and resources else None
    if arn is not None and not isinstance(arn, str):
        raise AlarmParseError(KIND, "resources[0]", "the alarm ARN as a string", arn)

    incident = Incident(
        source="eventbridge",
        title=alarm_title(name, value),
        alarm_name=name,
        alarm_arn=arn,
        state=value,
        previous_state=previous.optional_text("value") if previous else None,
        state_reason=state.optional_text("reason"),
        state_change_time=changed_at,
        region=event.optional_text("region") or _from_arn(arn, 0),
        account_id=event.optional_text("account") or _from_arn(arn, 1),
        triggering_alarms=_triggering_alarms(reason_data, state),
        window=analysis_window(changed_at, settings),
    )
    threshold = reason_data.get("threshold")
    if isinstance(threshold, int | float) and not isinstance(threshold, bool):
        incident.threshold = float(threshold)
    if configuration is not None:
        incident.alarm_description = configuration.optional_text("description")
        incident.composite_rule = configuration.optional_text("alarmRule")
        incident.metrics = [
            metric_query(item, EVENTBRIDGE_SPELLING) for item in configuration.items("metrics")
        ]
        _apply_primary_metric(incident)
    return incident


def _as_object(payload: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(payload, dict):
        return payload
    try:
        decoded = json_loads(payload)
    except (TypeError, json.JSONDecodeError) as exc:
        raise AlarmParseError(KIND, "(event)", "a JSON object", payload) from exc
    if not isinstance(decoded, dict):
        raise AlarmParseError(KIND, "(event)", "a JSON object", type(decoded).__name__)
    return decoded


def _from_arn(arn: str | None, index: int) -> str | None:
    parsed = parse_alarm_arn(arn)
    return parsed[index] if parsed else None


def _reason_data(state: Fields) -> dict[str, Any]:
    """`reasonData` is JSON inside a string; a composite's lists the triggering alarms."""
    raw = state.optional_text("reasonData")
    if raw is None:
        return {}
    try:
        decoded = json_loads(raw)
    except json.JSONDecodeError as exc:
        raise AlarmParseError(
            KIND, state.name("reasonData"), "a JSON object encoded as a string", raw
        ) from exc
    if not isinstance(decoded, dict):
        raise AlarmParseError(
            KIND, state.name("reasonData"), "a JSON object encoded as a string", raw
        )
    return decoded


def _triggering_alarms(reason_data: dict[str, Any], state: Fields) -> list[str]:
    triggering = Fields(reason_data, KIND, state.name("reasonData")).items("triggeringAlarms")
    names = []
    for entry in triggering:
        arn = entry.text("arn")
        parsed = parse_alarm_arn(arn)
        names.append(parsed[2] if parsed else arn)
    return names


def _apply_primary_metric(incident: Incident) -> None:
    """Top-level metric fields from the one metric a plain alarm watches (or the first one
    a metric-math expression reads)."""
    primary = next((m for m in incident.metrics if m.metric_name and m.return_data), None)
    primary = primary or next((m for m in incident.metrics if m.metric_name), None)
    if primary is None:
        return
    incident.namespace = primary.namespace
    incident.metric_name = primary.metric_name
    incident.dimensions = list(primary.dimensions)
    incident.statistic = primary.statistic
    incident.period = primary.period
