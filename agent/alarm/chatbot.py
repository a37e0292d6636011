"""A CloudWatch alarm notification as Amazon Q Developer in chat applications (formerly
AWS Chatbot, Slack app id A6L22LZNH) posts it in a Slack channel.

The notification is rendered for people, not machines, and its layout has changed over
time, so this reads every text a Slack message can carry (`text`, legacy `attachments`
with `title`/`text`/`fields`, and Block Kit `blocks`) and looks for the variants we can
document:

* the title line `:rotating_light: CloudWatch Alarm | <name> | <region> | Account: <id>`
  (legacy attachment title; the newer block layout puts the same line in a header or
  section block), with the state reason as the attachment/section text;
* the sentence `The alarm <name> changed state to <STATE>: <reason>`;
* a CloudWatch console link `https://<region>.console.aws.amazon.com/cloudwatch/home?region=<region>#alarmsV2:alarm/<name>`;
* attachment or section fields titled like `Alarm Name`, `State`, `Reason`, `Region`, `Account`.

The message holds no exact state-change time: we take, in order, a time field in the
message, the Slack message timestamp `ts` (Chatbot posts within seconds of the change),
the last datapoint stamp quoted in the threshold reason, then the caller's `received_at`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from agent.alarm.common import (
    ALARM_STATES,
    AlarmParseError,
    alarm_title,
    analysis_window,
    datapoint_time_from_reason,
    json_loads,
    parse_aws_time,
    region_code,
)
from agent.config import Settings
from agent.incident import Incident, as_utc

KIND = "Chatbot alarm message"

_TITLE = re.compile(
    r"CloudWatch Alarm\s*\|\s*(?P<name>[^|]+?)\s*\|\s*(?P<region>[^|]+?)\s*"
    r"(?:\|\s*Account:?\s*(?P<account>\d{12}))?\s*\*?$",
    re.MULTILINE,
)
_SENTENCE = re.compile(
    r"The alarm\s+(?P<name>.+?)\s+changed state (?:from \S+ )?to\s+(?P<state>ALARM|OK|INSUFFICIENT_DATA)"
    r"(?::\s*(?P<reason>[^\n]+))?",
    re.IGNORECASE,
)
_CONSOLE_LINK = re.compile(
    r"https://(?:(?P<host_region>[a-z0-9-]+)\.)?console\.aws\.amazon\.com/cloudwatch/home"
    r"\?region=(?P<region>[a-z0-9-]+)#alarmsV2:alarm/(?P<name>[^|>\s]+)"
)
# CloudWatch's own reason sentences ("Threshold Crossed: ...", "Unchecked: ...").
_REASON_LINE = re.compile(r"^\s*((?:Threshold Crossed|Unchecked|Initial alarm)\b.*)$", re.MULTILINE)
_SLACK_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
_EMOJI_STATES = {
    ":rotating_light:": "ALARM",
    ":red_circle:": "ALARM",
    ":white_check_mark:": "OK",
    ":large_green_circle:": "OK",
    ":warning:": "INSUFFICIENT_DATA",
}
_FIELD_KEYS = {
    "alarm name": "name",
    "alarm": "name",
    "name": "name",
    "state": "state",
    "new state": "state",
    "current state": "state",
    "reason": "reason",
    "alarm reason": "reason",
    "state reason": "reason",
    "region": "region",
    "account": "account",
    "account id": "account",
    "description": "description",
    "alarm description": "description",
    "time": "time",
    "timestamp": "time",
    "state change time": "time",
}


def parse_chatbot_message(
    message: dict[str, Any] | str,
    settings: Settings,
    *,
    received_at: datetime | None = None,
) -> Incident:
    """An `Incident` from a Chatbot alarm notification: a Slack message event (or the
    Events API envelope around it, or a `conversations.history` message), or its plain text."""
    event = _message_event(message)
    texts, fields = _collect(event)
    found = _recognise(texts, fields)
    name = found.get("name")
    if not name:
        raise AlarmParseError(
            KIND,
            "text",
            "a CloudWatch alarm notification: a title 'CloudWatch Alarm | <name> | <region> | "
            "Account: <id>', a sentence 'The alarm <name> changed state to <STATE>', or a "
            "CloudWatch console alarm link",
            " / ".join(texts)[:120] or None,
        )
    state = found.get("state")
    if state is not None and state not in ALARM_STATES:
        raise AlarmParseError(KIND, "state", "one of " + ", ".join(ALARM_STATES), state)
    changed_at = _state_change_time(found, event, received_at)
    return Incident(
        source="chatbot",
        title=alarm_title(name, state),
        alarm_name=name,
        alarm_description=found.get("description"),
        state=state,
        state_reason=found.get("reason"),
        state_change_time=changed_at,
        region=region_code(found.get("region")),
        account_id=found.get("account"),
        window=analysis_window(changed_at, settings),
    )


def _message_event(message: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(message, str):
        stripped = message.strip()
        if stripped.startswith("{"):
            try:
                decoded = json_loads(stripped)
            except json.JSONDecodeError as exc:
                raise AlarmParseError(
                    KIND, "(message)", "a Slack message object or its text"
                ) from exc
            return _message_event(decoded)
        return {"text": message}
    if not isinstance(message, dict):
        raise AlarmParseError(KIND, "(message)", "a Slack message object or its text", message)
    if isinstance(message.get("event"), dict):  # Events API envelope
        return _message_event(message["event"])
    if message.get("subtype") == "message_changed" and isinstance(message.get("message"), dict):
        return dict(message["message"], ts=message["message"].get("ts", message.get("ts")))
    return message


def _collect(event: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Every human-readable text of the message, and its titled fields."""
    texts: list[str] = []
    fields: dict[str, str] = {}

    def add(value: Any) -> None:
        if isinstance(value, str) and value.strip():
            texts.append(_plain(value))

    add(event.get("text"))
    for attachment in _dicts(event.get("attachments")):
        for key in ("pretext", "title", "text", "fallback", "footer"):
            add(attachment.get(key))
        add(attachment.get("title_link"))
        for field in _dicts(attachment.get("fields")):
            _add_field(fields, field.get("title"), field.get("value"))
        for block in _dicts(attachment.get("blocks")):
            _collect_block(block, add, fields)
    for block in _dicts(event.get("blocks")):
        _collect_block(block, add, fields)
    return texts, fields


def _collect_block(
    block: dict[str, Any], add: Callable[[Any], None], fields: dict[str, str]
) -> None:
    text = block.get("text")
    if isinstance(text, dict):
        add(text.get("text"))
    for field in _dicts(block.get("fields")):
        # Block Kit section fields are "*Title*\nvalue" mrkdwn texts.
        title, _, value = _plain(str(field.get("text", ""))).partition("\n")
        _add_field(fields, title, value)
        add(field.get("text"))
    for element in _dicts(block.get("elements")):
        add(element.get("text") if isinstance(element.get("text"), str) else None)
        if isinstance(element.get("text"), dict):
            add(element["text"].get("text"))
        add(element.get("url"))
        for inner in _dicts(element.get("elements")):  # rich_text sections
            add(inner.get("text"))
            add(inner.get("url"))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _add_field(fields: dict[str, str], title: Any, value: Any) -> None:
    if not isinstance(title, str) or not isinstance(value, str):
        return
    key = _FIELD_KEYS.get(_plain(title).strip(" *_:").lower())
    if key and value.strip():
        fields[key] = _plain(value).strip(" *_`")


def _plain(text: str) -> str:
    """Slack markup to plain text: `<url|label>` keeps the url, entities decoded."""
    text = _SLACK_LINK.sub(lambda m: m.group(1), text)
    return html.unescape(text)


def _recognise(texts: list[str], fields: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for text in texts:
        title = _TITLE.search(text)
        if title and "name" not in found:
            found["name"] = title.group("name").strip("* ")
            found["region"] = title.group("region").strip("* ")
            if title.group("account"):
                found["account"] = title.group("account")
            prefix = text[: title.start()]
            state = next((s for emoji, s in _EMOJI_STATES.items() if emoji in prefix), None)
            if state:
                found.setdefault("state", state)
        sentence = _SENTENCE.search(text)
        if sentence:
            found.setdefault("name", sentence.group("name").strip("*` "))
            found.setdefault("state", sentence.group("state").upper())
            if sentence.group("reason"):
                found.setdefault("reason", sentence.group("reason").strip())
        link = _CONSOLE_LINK.search(text)
        if link:
            found.setdefault("name", unquote(link.group("name")))
            found.setdefault("region", link.group("region"))
        reason = _REASON_LINE.search(text)
        if reason and "reason" not in found:
            found["reason"] = reason.group(1).strip()
    for key, value in fields.items():
        found.setdefault(key, value.upper() if key == "state" else value)
    return found


def _state_change_time(
    found: dict[str, str], event: dict[str, Any], received_at: datetime | None
) -> datetime:
    if "time" in found:
        return parse_aws_time(found["time"], KIND, "time")
    ts = event.get("ts")
    if ts is not None:
        try:
            return datetime.fromtimestamp(float(ts), tz=UTC)
        except (TypeError, ValueError, OverflowError) as exc:
            raise AlarmParseError(
                KIND, "ts", "a Slack timestamp such as 1772446620.000100", ts
            ) from exc
    from_reason = datapoint_time_from_reason(found.get("reason"))
    if from_reason is not None:
        return from_reason
    if received_at is not None:
        return as_utc(received_at)
    raise AlarmParseError(
        KIND,
        "ts",
        "the Slack message timestamp (ts), a time field, or a datapoint time in the reason "
        "to place the analysis window",
    )
