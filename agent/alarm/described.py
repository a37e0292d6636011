"""An alarm as DescribeAlarms describes it (`fa2 analyze --alarm-name`) as an `Incident`,
the same one its SNS notification would have given."""

from __future__ import annotations

from agent.alarm.common import (
    ALARM_STATES,
    AlarmParseError,
    alarm_title,
    analysis_window,
    parse_alarm_arn,
    region_code,
)
from agent.config import Settings
from agent.incident import Incident, TimeRange
from agent.telemetry.types import Alarm

KIND = "CloudWatch alarm"


def incident_from_alarm(
    alarm: Alarm, settings: Settings, *, window: TimeRange | None = None
) -> Incident:
    """The incident of `alarm`; the window is `window` when given, else around the alarm's
    last state change."""
    state = alarm.state or "ALARM"
    if state not in ALARM_STATES:
        raise AlarmParseError(KIND, "StateValue", "one of " + ", ".join(ALARM_STATES), state)
    if alarm.state_updated is None:
        raise AlarmParseError(KIND, "StateUpdatedTimestamp", "the time of its last state change")
    if alarm.rule is None and (alarm.metric_name is None or alarm.namespace is None):
        raise AlarmParseError(
            KIND, "MetricName", "a metric alarm on one metric, or a composite alarm", alarm.name
        )
    from_arn = parse_alarm_arn(alarm.arn)
    incident = Incident(
        source="sns",  # what the alarm's notification would have said
        title=alarm_title(alarm.name, state),
        alarm_name=alarm.name,
        alarm_description=alarm.description or None,
        alarm_arn=alarm.arn,
        state=state,
        state_reason=alarm.state_reason or None,
        state_change_time=alarm.state_updated,
        region=from_arn[0] if from_arn else region_code(settings.aws.region),
        account_id=from_arn[1] if from_arn else None,
        composite_rule=alarm.rule,
        window=window or analysis_window(alarm.state_updated, settings),
    )
    if alarm.rule is None:
        incident.namespace = alarm.namespace
        incident.metric_name = alarm.metric_name
        incident.dimensions = list(alarm.dimensions)
        incident.statistic = alarm.statistic
        incident.period = alarm.period
        incident.threshold = alarm.threshold
        incident.comparison_operator = alarm.comparison_operator
        incident.metrics = [incident.watched_metric()]
    return incident
