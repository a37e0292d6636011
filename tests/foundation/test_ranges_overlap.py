"""Whether two [start, end) ranges share an instant: the rule every door uses to say a
range is outside the bundle's window (`fa2 analyze`, `query logs`/`sql`, `insight`, MCP)."""

from __future__ import annotations

from datetime import UTC, datetime

from agent.incident import TimeRange
from agent.telemetry.instants import Span, ranges_overlap

BUNDLE = TimeRange(
    start=datetime(2026, 3, 2, 9, 45, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
)


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC)


def test_a_range_inside_or_across_the_window_overlaps_it() -> None:
    assert ranges_overlap(Span(_at(10, 0), _at(10, 5)), BUNDLE)
    assert ranges_overlap(Span(_at(9, 0), _at(9, 46)), BUNDLE)
    assert ranges_overlap(BUNDLE, Span(_at(10, 29), _at(11, 0)))


def test_ranges_that_only_touch_share_no_instant() -> None:
    assert not ranges_overlap(Span(_at(9, 0), _at(9, 45)), BUNDLE)
    assert not ranges_overlap(Span(_at(10, 30), _at(11, 0)), BUNDLE)
