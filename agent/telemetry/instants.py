"""Instants and ranges as plain values: the rules `TimeRange` validates with, for callers
that need them without pydantic (`fa2 query logs`, a whole process of its own)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple, Protocol


class TimeSpan(Protocol):
    """Anything with a UTC `start` and `end`: a `TimeRange`, or a `Span`."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...

    def label(self) -> str: ...


class Span(NamedTuple):
    """A [start, end) range already checked by `range_problem`."""

    start: datetime
    end: datetime

    def label(self) -> str:
        return range_label(self.start, self.end)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def range_problem(start: datetime, end: datetime) -> str | None:
    """What is wrong with [start, end) as a time range, None if nothing."""
    if end <= start:
        return f"time range end ({end.isoformat()}) must be after start ({start.isoformat()})"
    return None


def ranges_overlap(a: TimeSpan, b: TimeSpan) -> bool:
    """Whether the [start, end) ranges `a` and `b` share an instant (a range outside the
    bundle's window finds no data there)."""
    return a.start < b.end and b.start < a.end


def range_label(start: datetime, end: datetime) -> str:
    return f"{start:%Y-%m-%d %H:%M:%S}Z – {end:%Y-%m-%d %H:%M:%S}Z"
