"""Alarm parsing: every door turns what it received into one typed `Incident`.

`parse_alarm` detects the kind of payload; the specific parsers are public too. Anything
malformed raises `AlarmParseError` naming the field and what was expected, so nothing
half-parsed reaches the investigation.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from agent.alarm.chatbot import parse_chatbot_message
from agent.alarm.common import BOM, AlarmParseError, analysis_window, json_loads
from agent.alarm.described import incident_from_alarm
from agent.alarm.eventbridge import parse_eventbridge_event
from agent.alarm.sns import parse_sns_notification, unwrap_sns
from agent.alarm.text import incident_from_bundle, incident_from_text
from agent.config import Settings
from agent.incident import Incident

__all__ = [
    "AlarmParseError",
    "analysis_window",
    "detect_kind",
    "incident_from_alarm",
    "incident_from_bundle",
    "incident_from_text",
    "parse_alarm",
    "parse_chatbot_message",
    "parse_eventbridge_event",
    "parse_sns_notification",
]

KIND = "alarm payload"


def detect_kind(payload: dict[str, Any]) -> str:
    """'sns', 'eventbridge' or 'chatbot' for a decoded payload."""
    if "detail-type" in payload or (
        "detail" in payload and payload.get("source") == "aws.cloudwatch"
    ):
        return "eventbridge"
    if "AlarmName" in payload or "Records" in payload:
        return "sns"
    if payload.get("Type") == "Notification" and "Message" in payload:
        return "sns"
    if any(key in payload for key in ("event", "attachments", "blocks", "text", "bot_id", "ts")):
        return "chatbot"
    raise AlarmParseError(
        KIND,
        "(top level)",
        "an SNS alarm notification (AlarmName / Records / Message), an EventBridge event "
        "(detail-type), or a Slack message (text / attachments / blocks)",
        sorted(payload)[:8],
    )


def parse_alarm(
    payload: dict[str, Any] | str,
    settings: Settings,
    *,
    received_at: datetime | None = None,
) -> Incident:
    """An `Incident` from any supported alarm payload, dict or text."""
    if isinstance(payload, str):
        stripped = payload.strip().lstrip(BOM).strip()
        if not stripped:
            raise AlarmParseError(KIND, "(payload)", "an alarm notification", payload)
        if not stripped.startswith("{"):
            # Not JSON: the text of a Chatbot message pasted from Slack.
            return parse_chatbot_message(stripped, settings, received_at=received_at)
        try:
            decoded = json_loads(stripped)
        except json.JSONDecodeError as exc:
            raise AlarmParseError(
                KIND, "(payload)", f"valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})"
            ) from exc
        return parse_alarm(decoded, settings, received_at=received_at)
    if not isinstance(payload, dict):
        raise AlarmParseError(KIND, "(payload)", "a JSON object or text", type(payload).__name__)
    kind = detect_kind(payload)
    if kind == "eventbridge":
        return parse_eventbridge_event(payload, settings)
    if kind == "sns":
        message = unwrap_sns(payload)
        if "detail-type" in message:  # an EventBridge rule that targets an SNS topic
            return parse_eventbridge_event(message, settings)
        return parse_sns_notification(message, settings)
    return parse_chatbot_message(payload, settings, received_at=received_at)
