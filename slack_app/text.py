"""Making untrusted text safe for Slack.

Everything fa2 shows in Slack may come from telemetry (log lines, CloudTrail request
parameters, error messages), which is attacker-influenced. Slack's mrkdwn turns `<!channel>`,
`<!here>`, `<@U123>` and `<url|label>` into broadcasts, mentions and links, and a stray
``` or `*` breaks the layout. These helpers escape text so it shows literally.
"""

from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_LINK_UNSAFE = re.compile(r"[<>|\s]")
_SPECIAL_TOKEN = re.compile(r"<(?=[!@#])")  # `<!channel>`, `<@U123>`, `<#C123>`
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")  # `&am` left by cutting `&amp;`


def escape_mrkdwn(text: str) -> str:
    """Escape `&`, `<`, `>` (Slack's control characters) and defuse plain `@channel`/`@here`.

    After this, `<!channel>` shows as text and cannot notify anyone; neither can `<@U123>`.
    """
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@" + ZERO_WIDTH_SPACE + m.group(1), escaped)


def plain(text: str) -> str:
    """Text for fields Slack shows as typed (`plain_text` objects, input prefill, file titles).

    No entity escaping (`&amp;` would show as typed), but broadcasts are defused and `<!…>`,
    `<@…>`, `<#…>` are broken with a zero-width space, so the text stays harmless (and looks
    the same) even where Slack does parse it.
    """
    defused = _BROADCAST.sub(lambda m: "@" + ZERO_WIDTH_SPACE + m.group(1), text)
    return _SPECIAL_TOKEN.sub("<" + ZERO_WIDTH_SPACE, defused)


def fallback_text(text: str, limit: int = 3000) -> str:
    """The `text` of `chat.postMessage` / `chat.update` / `chat.postEphemeral`.

    Slack parses it as mrkdwn and shows it in notifications, so it is escaped exactly like a
    section; when cut to `limit`, an entity is never left half-written.
    """
    escaped = escape_mrkdwn(text)
    if len(escaped) <= limit:
        return escaped
    return _PARTIAL_ENTITY.sub("", escaped[: max(limit - 1, 0)]) + "…"


def code_block(text: str) -> str:
    """A fenced code block whose content cannot close the fence early."""
    body = escape_mrkdwn(text).replace("```", "`" + ZERO_WIDTH_SPACE + "``")
    return f"```{body}```"


def inline_code(text: str) -> str:
    """An inline code span; backticks inside are replaced so the span cannot end early."""
    body = escape_mrkdwn(text).replace("`", "'").replace("\n", " ")
    return f"`{body}`"


def link(url: str, label: str) -> str:
    """A mrkdwn link, or the escaped label alone when the URL is not a plain http(s) URL."""
    if not url.startswith(("https://", "http://")) or _LINK_UNSAFE.search(url):
        return escape_mrkdwn(label)
    safe_label = escape_mrkdwn(label).replace("|", "¦")
    return f"<{url.replace('&', '&amp;')}|{safe_label}>"


def truncate(text: str, limit: int, marker: str = "…") -> str:
    """Cut `text` to at most `limit` characters, ending with `marker` when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(marker), 0)] + marker


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into chunks of at most `limit` characters, at line breaks when possible.

    Used so that long sections become several blocks instead of being cut or rejected.
    """
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single over-long line is cut hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


def strip_mentions(text: str) -> str:
    """The question in `@fa2 why did it fail?`: user mentions removed, whitespace squeezed."""
    return re.sub(r"<@[A-Z0-9]+(\|[^>]*)?>", "", text).strip()
