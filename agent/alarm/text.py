"""Incidents with no alarm event: free text plus an explicit time range (the CLI, the Slack
form, the `/fa2` command), and the manifest of an incident bundle."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from agent.alarm.common import AlarmParseError, checked_window, parse_aws_time
from agent.alarm.sns import parse_sns_notification
from agent.config import Settings
from agent.incident import Incident

if TYPE_CHECKING:
    from agent.telemetry.bundle import Bundle

TEXT_KIND = "free-text incident"
BUNDLE_KIND = "bundle manifest"
TITLE_LIMIT = 100


def incident_from_text(
    text: str,
    start: datetime | str,
    end: datetime | str,
    *,
    settings: Settings | None = None,
) -> Incident:
    """An `Incident` described in words over [start, end). Times are datetimes or ISO 8601
    text; naive times are UTC. The range must be at most `max_window_hours` long."""
    if not isinstance(text, str) or not text.strip():
        raise AlarmParseError(TEXT_KIND, "text", "a description of what went wrong", text)
    begin = parse_aws_time(start, TEXT_KIND, "start")
    finish = parse_aws_time(end, TEXT_KIND, "end")
    max_hours = (settings or Settings.model_construct()).telemetry.max_window_hours
    description = text.strip()
    first_line = description.splitlines()[0].strip()
    title = first_line if len(first_line) <= TITLE_LIMIT else first_line[: TITLE_LIMIT - 1] + "…"
    return Incident(
        source="text",
        title=title,
        alarm_description=description,
        window=checked_window(begin, finish, max_hours, TEXT_KIND),
        region=settings.aws.region if settings else None,
    )


def incident_from_bundle(bundle: Bundle, settings: Settings) -> Incident:
    """The bundle's incident: its `alarm` (SNS notification keys) over its `window`.

    A manifest with no alarm describes the incident by its title alone."""
    manifest = bundle.manifest
    window = checked_window(
        manifest.window.start, manifest.window.end, settings.telemetry.max_window_hours, BUNDLE_KIND
    )
    if not manifest.alarm:
        return Incident(source="bundle", title=manifest.title, window=window)
    incident = parse_sns_notification(manifest.alarm, settings, source="bundle", window=window)
    incident.title = manifest.title
    return incident
