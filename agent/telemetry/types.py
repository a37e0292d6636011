"""Value types the telemetry boundary speaks in: a UTC time range, a metric dimension, and
the typed readings of CloudWatch answers (metric series, alarms, alarm history).

They sit below everything else in `agent/` (telemetry imports nothing above it);
`agent.incident` re-exports them because an `Incident` is made of them too.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# as_utc is re-exported: agent.incident and others import it from here
from agent.telemetry.instants import as_utc as as_utc
from agent.telemetry.instants import range_label, range_problem


class TimeRange(BaseModel):
    """A closed-open UTC time range [start, end)."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return as_utc(value)

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        problem = range_problem(self.start, self.end)
        if problem is not None:
            raise ValueError(problem)
        return self

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def label(self) -> str:
        return range_label(self.start, self.end)


class MetricDimension(BaseModel):
    name: str
    value: str


# ---------------------------------------------------------------- CloudWatch values

_NAMED_STATISTICS = {s.lower(): s for s in ("Sum", "Average", "Minimum", "Maximum", "SampleCount")}
_NAMED_STATISTICS["sample_count"] = "SampleCount"  # as SNS notifications spell it (upper case)
_PERCENTILE = re.compile(r"^[pP](\d{1,2}(?:\.\d+)?)$")


def metric_statistic(statistic: str) -> str | None:
    """The statistic as GetMetricData spells it (`SUM`, `sum` -> `Sum`; `P99`, `p99.0` ->
    `p99`), or None when it is none CloudWatch knows. The one place statistic names are read."""
    text = statistic.strip()
    if text.lower() in _NAMED_STATISTICS:
        return _NAMED_STATISTICS[text.lower()]
    match = _PERCENTILE.match(text)
    return f"p{float(match.group(1)):g}" if match else None


class MetricSeries(BaseModel):
    """One series of a GetMetricData answer, points oldest first."""

    id: str
    label: str | None = None
    points: list[tuple[datetime, float]] = Field(default_factory=list)


class Alarm(BaseModel):
    """One CloudWatch alarm as DescribeAlarms describes it: a metric alarm (one metric, or
    metric math in `metrics_text`) or a composite alarm (`rule`)."""

    name: str
    arn: str | None = None
    description: str | None = None
    state: str | None = None
    state_reason: str | None = None
    state_updated: datetime | None = None
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: list[MetricDimension] = Field(default_factory=list)
    statistic: str | None = None  # as GetMetricData spells it (`Sum`, `p99`)
    period: int | None = None
    threshold: float | None = None
    comparison_operator: str | None = None
    rule: str | None = None  # a composite alarm's AlarmRule

    @field_validator("state_updated")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value) if value is not None else None


class AlarmHistoryItem(BaseModel):
    """One entry of DescribeAlarmHistory (newest first)."""

    timestamp: str | None = None
    kind: str | None = None  # StateUpdate | ConfigurationUpdate | Action
    summary: str | None = None


class AlarmHistory(BaseModel):
    """An alarm's recent history, or why it could not be read (the alarm itself still was)."""

    items: list[AlarmHistoryItem] = Field(default_factory=list)
    error: str | None = None


class RunbookPassage(BaseModel):
    """One passage a runbook search found: where it is (a file, or an S3 URI in a knowledge
    base), the heading it sits under, its text, and the search's score (higher is better)."""

    source: str
    heading: str
    text: str
    score: float | None = None
