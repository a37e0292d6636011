"""What a live Slack notification looks like in text fa2 sends, to assert there is none."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.slack.fake_slack import Call

# `<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>`, the planted `<@U123ADMIN>`, and a
# bare `@channel` / `@here` / `@everyone` (Slack notifies for those in message text too).
LIVE = re.compile(
    r"<!(channel|here|everyone|subteam)|<@U123ADMIN|(?<![\w\u200b])@(channel|here|everyone)\b",
    re.IGNORECASE,
)
MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


def live_mentions(text: str) -> list[str]:
    return [m.group(0) for m in LIVE.finditer(text)]


def sent_texts(calls: list[Call]) -> dict[str, str]:
    """Every message call's `text` param and its blocks, keyed by where they were sent."""
    sent: dict[str, str] = {}
    for number, call in enumerate(c for c in calls if c.path in MESSAGE_METHODS):
        sent[f"{call.path} #{number} text"] = str(call.params.get("text", ""))
        blocks: Any = call.params.get("blocks", [])
        if not isinstance(blocks, str):
            blocks = json.dumps(blocks, ensure_ascii=False)
        sent[f"{call.path} #{number} blocks"] = blocks
    return sent
