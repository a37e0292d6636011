"""Block Kit building blocks and fa2's short messages (the alarm reply, the status message,
notices, errors), as pure functions of typed models. The answers themselves (investigation,
follow-up, evidence details) are in `slack_app.messages`. All text that may come from
telemetry goes through `slack_app.text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.incident import Incident
from slack_app.contract import ACTION_IDS
from slack_app.limits import (
    MAX_BLOCKS_PER_MESSAGE,
    MAX_BUTTON_VALUE,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    validate_message,
)
from slack_app.text import (
    code_block,
    escape_mrkdwn,
    fallback_text,
    plain,
    split_text,
    truncate,
)

Block = dict[str, Any]


@dataclass
class SlackMessage:
    """What `chat.postMessage` / `chat.update` take: fallback text plus blocks.

    `text` is parsed as mrkdwn and shown in notifications: build it with
    `slack_app.text.fallback_text` (or from already-escaped mrkdwn), never from raw telemetry.
    """

    text: str
    blocks: list[Block] = field(default_factory=list)

    def problems(self) -> list[str]:
        return validate_message(self.text, self.blocks)


# --- building blocks -------------------------------------------------------------------


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": truncate(plain(text), MAX_HEADER_TEXT),
            "emoji": True,
        },
    }


def sections(mrkdwn: str) -> list[Block]:
    """One section per ≤3000-character chunk, so long text is split, not rejected."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in split_text(mrkdwn, MAX_SECTION_TEXT)
        if chunk.strip()
    ]


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": truncate(value, MAX_BUTTON_VALUE, marker=""),
    }
    if style:
        element["style"] = style
    return element


# --- pages ------------------------------------------------------------------------------


def paginate(blocks: list[Block], fallback: str) -> list[SlackMessage]:
    """Pack blocks into messages of at most 50 blocks; each later message says it continues."""
    per_message = MAX_BLOCKS_PER_MESSAGE - 1  # room for the "continued" context line
    pages = [blocks[i : i + per_message] for i in range(0, len(blocks), per_message)] or [[]]
    messages = []
    for number, page in enumerate(pages, start=1):
        if len(pages) > 1:
            page = [*page, context(f"part {number} of {len(pages)}")]
        text = fallback if number == 1 else f"{fallback} (part {number} of {len(pages)})"
        messages.append(SlackMessage(text=text, blocks=page))
    return messages


# --- the other messages ----------------------------------------------------------------


def alarm_reply(incident: Incident, *, alarm_key: str, note: str | None = None) -> SlackMessage:
    """The reply under an alarm notification: what fa2 understood, and the Analyze button;
    `note` (already-escaped mrkdwn) says what fa2 changed, e.g. the window offline."""
    when = f"{incident.state_change_time:%Y-%m-%d %H:%M:%S}Z" if incident.state_change_time else "?"
    metric = " / ".join(p for p in (incident.namespace, incident.metric_name) if p)
    text = f"*{escape_mrkdwn(incident.alarm_name or incident.title)}* went to {escape_mrkdwn(incident.state or 'ALARM')} at {when}"
    if metric:
        text += f"\nMetric: {escape_mrkdwn(metric)}"
    return SlackMessage(
        text=fallback_text(f"fa2 can investigate {incident.alarm_name or incident.title}"),
        blocks=[
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)},
                "accessory": button("🔎 Analyze", ACTION_IDS["analyze"], alarm_key, "primary"),
            },
            *([context(note)] if note else []),
            context(
                "fa2 opens a form with the time range prefilled; nothing runs until you submit."
            ),
        ],
    )


def status_message(
    title: str, *, state: str, detail: str = "", query: str = "", elapsed: float = 0.0
) -> SlackMessage:
    """The one status message of an investigation, updated in place."""
    lines = [f"{state} *{escape_mrkdwn(title)}* · {elapsed:.0f} s"]
    if detail:
        lines.append(escape_mrkdwn(truncate(detail, 500)))
    blocks = sections("\n".join(lines))
    if query:
        blocks += sections("Running:\n" + code_block(truncate(query, 1200)))
    return SlackMessage(text=fallback_text(f"fa2: {title} — {detail}"), blocks=blocks)


def notice(text: str) -> SlackMessage:
    """A short message from fa2 itself, as already-escaped mrkdwn (also its fallback text)."""
    return SlackMessage(text=text, blocks=sections(text))


def error_message(error_id: str, what: str = "The investigation failed") -> SlackMessage:
    """What a user sees when something breaks: short, with an id to find the logs by."""
    return notice(
        f"⚠️ {escape_mrkdwn(what)} (error id `{escape_mrkdwn(error_id)}`). "
        "The details are in fa2's logs."
    )
