"""The period a metrics question covers, and how it is stated to the person who asked.

FA2's sample shifted its window by nine hours: it formatted Japan time and sent it as UTC.
Here a period is always a UTC `TimeRange`; a time typed without an offset is read in the
asker's zone (`local_time`), and the answer states the period in that zone *and* in UTC,
each end with its own offset, so a period across a daylight-saving change reads right.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.incident import TimeRange, as_utc

MIN_DAYS, MAX_DAYS = 1, 14  # what FA2's /insight offers, and what one chart reads well
MAX_PERIOD = timedelta(days=MAX_DAYS)
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.I)


class PeriodError(ValueError):
    """A period or time zone that cannot be used; the message says what to give instead."""


def parse_zone(name: str | None) -> tzinfo:
    """An IANA zone (`Asia/Tokyo`, `Europe/Berlin`), `UTC`, or a fixed offset (`+09:00`,
    `UTC+9`, `-0530`)."""
    text = (name or "UTC").strip()
    if text.upper() in {"UTC", "Z", "GMT", ""}:
        return UTC
    match = _OFFSET.match(text)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise PeriodError(f"time zone {name!r}: an offset lies between -14:00 and +14:00")
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PeriodError(
            f"unknown time zone {name!r}: give an IANA name such as Asia/Tokyo, "
            "America/New_York or Europe/Berlin, an offset such as +09:00, or UTC"
        ) from exc


def zone_name(zone: tzinfo) -> str:
    """How the zone was given back: `Asia/Tokyo`, `UTC`, `UTC+09:00`."""
    if zone is UTC:
        return "UTC"
    if isinstance(zone, ZoneInfo):
        return zone.key
    offset = zone.utcoffset(None) or timedelta(0)
    return f"UTC{_offset(offset)}"


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def local_time(value: datetime, zone: tzinfo) -> datetime:
    """A time the asker typed: with an offset it means that instant; without one it is read in
    their zone (never silently as UTC, FA2's bug)."""
    if value.tzinfo is None:
        return as_utc(value.replace(tzinfo=zone))
    return as_utc(value)


def last_days(days: int, now: datetime | None = None) -> TimeRange:
    """The `days` days up to `now` (to the minute: metrics are minute-aligned)."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise PeriodError(f"--days {days}: give {MIN_DAYS} to {MAX_DAYS} days")
    end = as_utc(now or datetime.now(UTC)).replace(second=0, microsecond=0)
    return TimeRange(start=end - timedelta(days=days), end=end)


def checked_period(start: datetime, end: datetime, zone: tzinfo = UTC) -> TimeRange:
    """[start, end) as typed (times without an offset in `zone`): ordered, at most 14 days."""
    begin, finish = local_time(start, zone), local_time(end, zone)
    if finish <= begin:
        raise PeriodError(f"end {finish.isoformat()} is not after start {begin.isoformat()}")
    if finish - begin > MAX_PERIOD:
        days = (finish - begin).total_seconds() / 86400
        raise PeriodError(f"the period spans {days:.1f} days: a question covers at most {MAX_DAYS}")
    return TimeRange(start=begin, end=finish)


def _stamp(value: datetime, zone: tzinfo, with_date: bool) -> str:
    local = value.astimezone(zone)
    abbreviation = local.tzname() or ""
    offset = _offset(local.utcoffset() or timedelta(0))
    label = (
        f"UTC{offset}"
        if abbreviation in {"", "UTC"} or abbreviation.startswith(("+", "-", "UTC"))
        else f"{abbreviation}, UTC{offset}"
    )
    when = f"{local:%Y-%m-%d %H:%M}" if with_date else f"{local:%H:%M}"
    return f"{when} ({label})"


def _utc_text(period: TimeRange) -> str:
    same_day = period.start.date() == period.end.date()
    end = f"{period.end:%H:%M}" if same_day else f"{period.end:%Y-%m-%d %H:%M}"
    return f"{period.start:%Y-%m-%d %H:%M} – {end} UTC"


def period_text(period: TimeRange, zone: tzinfo = UTC) -> str:
    """`2026-03-02 18:45 (JST, UTC+09:00) – 2026-03-02 19:30 (JST, UTC+09:00) = 2026-03-02
    09:45 – 10:30 UTC (45 min)`; UTC alone when the asker's zone is UTC."""
    length = _length(period)
    utc = _utc_text(period)
    if zone is UTC or zone_name(zone) in {"UTC", "Etc/UTC", "UTC+00:00"}:
        return f"{utc} ({length})"
    start = _stamp(period.start, zone, True)
    same_day = period.start.astimezone(zone).date() == period.end.astimezone(zone).date()
    end = _stamp(period.end, zone, not same_day)
    return f"{start} – {end} = {utc} ({length})"


def _length(period: TimeRange) -> str:
    minutes = round(period.seconds / 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes / 60
    if hours < 48:
        return f"{hours:g} h" if hours == int(hours) else f"{hours:.1f} h"
    days = hours / 24
    return f"{days:g} days" if days == int(days) else f"{days:.1f} days"
