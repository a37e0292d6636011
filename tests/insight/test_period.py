"""The period of a metrics question: always UTC inside, stated in the asker's zone and in
UTC, with a time typed without an offset read in the asker's zone (FA2's sample shifted its
window by nine hours)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from agent.incident import TimeRange
from agent.insight.period import (
    PeriodError,
    checked_period,
    last_days,
    parse_zone,
    period_text,
    zone_name,
)

DEMO = TimeRange(
    start=datetime(2026, 3, 2, 9, 45, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
)


def test_a_utc_asker_reads_the_period_in_utc_only() -> None:
    assert period_text(DEMO, parse_zone("UTC")) == "2026-03-02 09:45 – 10:30 UTC (45 min)"


def test_tokyo_reads_nine_hours_ahead_and_the_utc_period_beside_it() -> None:
    text = period_text(DEMO, parse_zone("Asia/Tokyo"))
    assert text == (
        "2026-03-02 18:45 (JST, UTC+09:00) – 19:30 (JST, UTC+09:00) = "
        "2026-03-02 09:45 – 10:30 UTC (45 min)"
    )


def test_a_plus_nine_offset_is_a_zone_of_its_own() -> None:
    zone = parse_zone("+09:00")
    assert zone.utcoffset(None) == timedelta(hours=9)
    assert zone_name(zone) == "UTC+09:00"
    assert period_text(DEMO, zone).startswith("2026-03-02 18:45 (UTC+09:00) – 19:30 (UTC+09:00)")


def test_a_period_across_the_dst_change_states_each_end_with_its_own_offset() -> None:
    # US clocks went forward on 2026-03-08 at 02:00 EST (07:00 UTC)
    period = TimeRange(
        start=datetime(2026, 3, 8, 5, tzinfo=UTC), end=datetime(2026, 3, 8, 9, tzinfo=UTC)
    )
    text = period_text(period, parse_zone("America/New_York"))
    assert text == (
        "2026-03-08 00:00 (EST, UTC-05:00) – 05:00 (EDT, UTC-04:00) = "
        "2026-03-08 05:00 – 09:00 UTC (4 h)"
    )


def test_a_time_typed_without_an_offset_is_read_in_the_askers_zone_not_as_utc() -> None:
    period = checked_period(
        datetime(2026, 3, 2, 18, 45), datetime(2026, 3, 2, 19, 30), parse_zone("Asia/Tokyo")
    )
    assert period == DEMO


def test_a_time_with_an_offset_keeps_its_instant_whatever_the_zone() -> None:
    start = datetime(2026, 3, 2, 9, 45, tzinfo=UTC)
    end = datetime(2026, 3, 2, 19, 30, tzinfo=timezone(timedelta(hours=9)))
    assert checked_period(start, end, parse_zone("Europe/Berlin")) == DEMO


def test_a_naive_time_in_the_skipped_dst_hour_still_maps_to_one_instant() -> None:
    # 02:30 does not exist in New York on 2026-03-08; zoneinfo reads it with the EST offset
    period = checked_period(
        datetime(2026, 3, 8, 2, 30), datetime(2026, 3, 8, 4, 0), parse_zone("America/New_York")
    )
    assert period.start == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert period.end == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)


def test_the_last_days_end_at_the_current_minute() -> None:
    now = datetime(2026, 3, 10, 12, 3, 59, 123, tzinfo=UTC)
    period = last_days(7, now)
    assert period.end == datetime(2026, 3, 10, 12, 3, tzinfo=UTC)
    assert period.seconds == 7 * 86400
    assert period_text(period, parse_zone("UTC")).endswith("(7 days)")


@pytest.mark.parametrize("days", [0, 15, -1])
def test_days_outside_one_to_fourteen_are_refused(days: int) -> None:
    with pytest.raises(PeriodError, match="give 1 to 14 days"):
        last_days(days)


def test_a_period_longer_than_fourteen_days_is_refused() -> None:
    with pytest.raises(PeriodError, match="at most 14"):
        checked_period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 16, 1, tzinfo=UTC))


def test_an_end_before_the_start_is_refused() -> None:
    with pytest.raises(PeriodError, match="is not after start"):
        checked_period(datetime(2026, 3, 2, 10, tzinfo=UTC), datetime(2026, 3, 2, 9, tzinfo=UTC))


@pytest.mark.parametrize("name", ["Asia/Tokio", "JST+9", "+15:00", "Mars/Olympus"])
def test_an_unknown_zone_is_refused_with_what_to_give_instead(name: str) -> None:
    with pytest.raises(PeriodError, match="time zone"):
        parse_zone(name)
