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
_BACKTICK_PAIR = re.compile(r"`(?=`)")  # a backtick followed by another


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
    """A fenced code block whose content cannot close the fence early: no two backticks of
    it stay side by side, nor one beside the fence (replacing ``` once left ```` as
    "`" + ZWSP + "```", which closed the block and let the rest render as mrkdwn)."""
    return _fenced(_BACKTICK_PAIR.sub("`" + ZERO_WIDTH_SPACE, escape_mrkdwn(text)))


def _fenced(body: str) -> str:
    """```body``` with a zero-width space between the fence and a backtick beside it."""
    if body.startswith("`"):
        body = ZERO_WIDTH_SPACE + body
    if body.endswith("`"):
        body += ZERO_WIDTH_SPACE
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


# The pieces of mrkdwn that must never be cut: a code block, a code span, a link or mention
# (`<…>`), an emoji code, an entity. Everything else is words, spaces and line breaks.
_ATOM = re.compile(
    r"```.*?```"  # a code block (escaped content cannot hold ```, see `code_block`)
    r"|`[^`\n]*`"  # a code span
    r"|<[^<>\n]*>"  # a link, a mention, a channel
    r"|:[a-z0-9_+'-]+:"  # an emoji code
    r"|&(?:amp|lt|gt);"  # an entity
    r"|\n"
    r"|[ \t]+"
    r"|[^\s`<:&]+"  # a word up to the next possible atom
    r"|.",  # a lone `, <, :, & that starts no atom
    re.DOTALL,
)
_EVIDENCE_ID = re.compile(r"(?<![A-Za-z0-9_])E\d{1,4}(?![A-Za-z0-9_])")


def atoms(mrkdwn: str) -> list[str]:
    """`mrkdwn` as indivisible pieces; joined they give the text back unchanged."""
    return _ATOM.findall(mrkdwn)


def _split_atom(atom: str, limit: int) -> list[str]:
    """An atom longer than `limit`, made into pieces that each still render whole: a code
    block or span becomes several, a link its label, a word is cut (it has no entity)."""
    if atom.startswith("```") and limit > 8:
        body = atom[3:-3]
        size = limit - 8  # room for a zero-width space at either end (see `code_block`)
        return [_fenced(body[i : i + size]) for i in range(0, len(body), size)]
    if atom.startswith("`") and limit > 2:
        body = atom[1:-1]
        size = limit - 2
        return [f"`{body[i : i + size]}`" for i in range(0, len(body), size)]
    if atom.startswith("<") and "|" in atom:
        label = atom[1:-1].split("|", 1)[1]
        return [p for a in atoms(label) for p in (_split_atom(a, limit) if len(a) > limit else [a])]
    return [atom[i : i + limit] for i in range(0, len(atom), limit)]


def split_text(text: str, limit: int) -> list[str]:
    """Split mrkdwn into chunks of at most `limit` characters, so that a long section becomes
    several blocks instead of being cut or rejected.

    Chunks end at a line break when one is in the second half of the chunk, else at a space,
    and never inside a link, a mention, a code span or block, an emoji code or an entity
    (`tests/slack/test_slack_split_property.py` checks this over random reports).
    """
    pieces: list[str] = []
    for atom in atoms(text):
        pieces += _split_atom(atom, limit) if len(atom) > limit else [atom]
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece in pieces:
        if size + len(piece) > limit and current:
            cut = _break_at(current, limit)
            head, rest = (current[:cut], current[cut + 1 :]) if cut is not None else (current, [])
            chunks.append("".join(head))
            current, size = rest, sum(len(p) for p in rest)
            if size + len(piece) > limit:
                chunks.append("".join(current))
                current, size = [], 0
        current.append(piece)
        size += len(piece)
    if current or not chunks:
        chunks.append("".join(current))
    return chunks


def _break_at(pieces: list[str], limit: int) -> int | None:
    """Where to end a full chunk: its last line break past half the limit, else its last
    space, else its last line break; None to end it after its last piece."""
    newlines = [i for i, p in enumerate(pieces) if p == "\n"]
    spaces = [i for i, p in enumerate(pieces) if p.isspace() and p != "\n"]
    offset = 0
    late_newline = None
    for i, p in enumerate(pieces):
        if p == "\n" and offset >= limit // 2:
            late_newline = i
        offset += len(p)
    for choice in (
        late_newline,
        spaces[-1] if spaces else None,
        newlines[-1] if newlines else None,
    ):
        if choice is not None and choice > 0:
            return choice
    return None


def link_evidence_ids(mrkdwn: str, links: dict[str, str]) -> str:
    """Every `E<n>` in already-escaped mrkdwn made a link to its evidence, when `links` has
    an http(s) URL for it; ids inside code, links and mentions are left as they are."""
    if not links:
        return mrkdwn

    def one(match: re.Match[str]) -> str:
        url = links.get(match.group(0))
        return link(url, match.group(0)) if url else match.group(0)

    return "".join(
        _EVIDENCE_ID.sub(one, a) if not a.startswith(("`", "<", ":", "&")) else a
        for a in atoms(mrkdwn)
    )


def strip_mentions(text: str) -> str:
    """The question in `@fa2 why did it fail?`: user mentions removed, whitespace squeezed."""
    return re.sub(r"<@[A-Z0-9]+(\|[^>]*)?>", "", text).strip()
