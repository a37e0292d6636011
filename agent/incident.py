"""Typed data that crosses layers: the incident under investigation and its time window.

Every door (Slack, CLI, alarm event, eval) turns its input into an `Incident` through
`agent.alarm`; the graph, the tools and the renderers only ever see this model.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

# The value types telemetry speaks in live below it; they are part of an Incident too.
from agent.telemetry.types import MetricDimension, TimeRange, as_utc

__all__ = [
    "Incident",
    "IncidentSource",
    "MetricDimension",
    "MetricSpec",
    "ProgressCallback",
    "ProgressEvent",
    "TimeRange",
    "as_utc",
]


class MetricSpec(BaseModel):
    """One metric of an alarm (a plain alarm has one; a metric-math alarm has several)."""

    id: str | None = None
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: list[MetricDimension] = Field(default_factory=list)
    statistic: str | None = None
    period: int | None = None
    expression: str | None = None
    label: str | None = None
    return_data: bool = True


IncidentSource = Literal["sns", "eventbridge", "chatbot", "text", "bundle", "cli", "mcp", "insight"]


class Incident(BaseModel):
    """What fired and the window to investigate. Built by `agent.alarm`, never by hand in tools."""

    source: IncidentSource
    title: str
    alarm_name: str | None = None
    alarm_description: str | None = None
    alarm_arn: str | None = None
    state: str | None = None
    previous_state: str | None = None
    state_reason: str | None = None
    state_change_time: datetime | None = None
    region: str | None = None
    account_id: str | None = None
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: list[MetricDimension] = Field(default_factory=list)
    statistic: str | None = None
    period: int | None = None
    threshold: float | None = None
    comparison_operator: str | None = None
    metrics: list[MetricSpec] = Field(default_factory=list)
    composite_rule: str | None = None
    triggering_alarms: list[str] = Field(
        default_factory=list, description="Children that put a composite alarm into its state"
    )
    window: TimeRange
    extra_context: str | None = None

    def watched_metric(self) -> MetricSpec:
        """The one metric a plain metric alarm watches, as its metric query (`m1`)."""
        return MetricSpec(
            id="m1",
            namespace=self.namespace,
            metric_name=self.metric_name,
            dimensions=list(self.dimensions),
            statistic=self.statistic,
            period=self.period,
        )

    @field_validator("state_change_time")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value) if value is not None else None


class ProgressEvent(BaseModel):
    """What the investigation is doing now; doors render it (rich line, Slack chat.update)."""

    kind: Literal["step", "query", "result", "done", "error"]
    message: str
    elapsed_seconds: float = 0.0
    step: int = 0
    tool_calls: int = 0


# What a door passes to follow an investigation (a rich status line, a Slack message update).
ProgressCallback = Callable[[ProgressEvent], None]
