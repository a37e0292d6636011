"""The parts of Slack's payloads fa2 reads, as models: listeners parse on their first line.

Slack sends many more keys; unknown ones are ignored (Slack adds fields over time).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


def thread_id_for(channel: str, thread_ts: str) -> str:
    """The graph's conversation id for a Slack thread: one thread, one conversation."""
    return f"slack-{channel}-{thread_ts}"


class MessageEvent(_Payload):
    """A `message` or `app_mention` event."""

    type: str = "message"
    channel: str
    ts: str
    user: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    subtype: str | None = None
    text: str = ""
    thread_ts: str | None = None
    attachments: list[dict[str, Any]] = []
    blocks: list[dict[str, Any]] = []

    @property
    def root_ts(self) -> str:
        """The ts of the thread this message is in, or its own ts (the thread it would start)."""
        return self.thread_ts or self.ts

    @property
    def in_thread(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def thread_id(self) -> str:
        return thread_id_for(self.channel, self.root_ts)

    def mentions(self, user_id: str | None) -> bool:
        return bool(user_id) and f"<@{user_id}" in self.text


class EventCallback(_Payload):
    type: str
    event_id: str | None = None
    event: dict[str, Any] = {}


class _Id(_Payload):
    id: str


class _Action(_Payload):
    action_id: str
    value: str = ""


class _Container(_Payload):
    channel_id: str | None = None
    message_ts: str | None = None
    thread_ts: str | None = None


class _MessageRef(_Payload):
    ts: str
    thread_ts: str | None = None


class BlockAction(_Payload):
    """A button click: the Analyze button or a feedback button."""

    trigger_id: str
    user: _Id
    actions: list[_Action]
    channel: _Id | None = None
    container: _Container = _Container()
    message: _MessageRef | None = None

    @property
    def action(self) -> _Action:
        return self.actions[0]

    @property
    def channel_id(self) -> str | None:
        return self.channel.id if self.channel else self.container.channel_id

    @property
    def thread_ts(self) -> str | None:
        if self.message is None:
            return self.container.thread_ts or self.container.message_ts
        return self.message.thread_ts or self.message.ts


class SlashCommand(_Payload):
    command: str
    text: str = ""
    channel_id: str
    user_id: str
    trigger_id: str
    response_url: str | None = None

    @property
    def subcommand(self) -> str:
        """The first word, lower-cased (`/fa2 insight ...` -> "insight"); "" for no text."""
        words = self.text.split(maxsplit=1)
        return words[0].lower() if words else ""

    @property
    def arguments(self) -> str:
        """The text after the first word."""
        words = self.text.strip().split(maxsplit=1)
        return words[1].strip() if len(words) > 1 else ""


class ViewSubmission(_Payload):
    user: _Id
    view: dict[str, Any]
