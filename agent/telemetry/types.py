"""Value types the telemetry boundary speaks in: a UTC time range and a metric dimension.

They sit below everything else in `agent/` (telemetry imports nothing above it);
`agent.incident` re-exports them because an `Incident` is made of them too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, field_validator, model_validator


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


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
        if self.end <= self.start:
            raise ValueError(
                f"time range end ({self.end.isoformat()}) must be after start "
                f"({self.start.isoformat()})"
            )
        return self

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M:%S}Z – {self.end:%Y-%m-%d %H:%M:%S}Z"


class MetricDimension(BaseModel):
    name: str
    value: str
