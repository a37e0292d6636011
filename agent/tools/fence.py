"""The `<data>` fence around untrusted text in what the model reads.

Two layers, so that no text inside can end the fence:

1. The fence carries a random id drawn for each observation (`<data-k3f9a2c1>` …
   `</data-k3f9a2c1>`); the system prompt says that only the tag with the same id ends it.
   Log text is written before the id exists, so it cannot contain the real closing tag.
2. Anything inside that a model could still read as a `data` tag is defused: an opening
   bracket followed by `data` (optionally `/`), found after undoing what hides it — letter
   case, Unicode compatibility forms (full-width `＜／ＤＡＴＡ＞`, mathematical letters),
   look-alike letters and brackets (Cyrillic `а`, `‹`, `〈`, `ᐸ`), zero-width and other
   invisible characters, combining marks, HTML entities (`&lt;`, `&#60;`, `&#x3C;`),
   percent-encoding (`%3C%2F`), and JSON/JS escapes (`\\u003c`, `\\x3c`, `<\\/data`). Its
   bracket becomes U+FFFD `�` (no reader takes it for a bracket: a look-alike such as `‹` would
   still read as one), and the invisible characters inside it are dropped. Defusing is
   idempotent and leaves nothing that reads as a tag (a property test checks both).

Hand-written: the look-alike table is the part of Unicode's confusables list (UTS #39) that
maps to the characters of `</data`; NFKD does the compatibility forms and diacritics.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import html
import re
import secrets
import unicodedata

# What a defused bracket becomes: the replacement character, which no reader takes for a
# bracket (a look-alike such as "‹" would still read as one).
DEFUSED_BRACKET = "\ufffd"

# UTS #39 confusables of "<", "/", "\\" and the letters of "data" that NFKD leaves alone.
_LOOKALIKES = str.maketrans(
    {
        # "<"
        "‹": "<",
        "〈": "<",
        "⟨": "<",
        "《": "<",
        "«": "<",
        "ᐸ": "<",
        "˂": "<",
        "❮": "<",
        "❬": "<",
        "⧼": "<",
        "𝈶": "<",
        "ᚲ": "<",
        # "/"
        "∕": "/",
        "⁄": "/",
        "⧸": "/",
        "╱": "/",
        "〳": "/",
        "ノ": "/",
        "丿": "/",
        "᜵": "/",
        "⼃": "/",
        "Ⳇ": "/",
        "ⳇ": "/",
        "∖": "\\",
        "⧵": "\\",
        "⧹": "\\",
        "﹨": "\\",
        # "d"
        "ԁ": "d",
        "ɗ": "d",
        "ᑯ": "d",
        "ꓒ": "d",
        "Ꭰ": "d",
        "ᗪ": "d",
        "ꓓ": "d",
        # "a"
        "а": "a",
        "ɑ": "a",
        "α": "a",
        "⍺": "a",
        "А": "a",
        "Α": "a",
        "ꓮ": "a",
        "Ꭺ": "a",
        "ᗅ": "a",
        # "t"
        "т": "t",
        "τ": "t",
        "Т": "t",
        "Τ": "t",
        "ꓔ": "t",
        "Ꭲ": "t",
        "ͭ": "t",
    }
)

# Escapes that a model decodes in its head, other single characters that need folding, and
# runs of plain printable ASCII (the common case, folded by `str.lower` alone).
_TOKEN = re.compile(
    r"(?P<entity>&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?)"
    r"|(?P<percent>(?:%[0-9A-Fa-f]{2})+)"  # a run: the UTF-8 bytes of one or more characters
    r"|(?P<escape>\\u\{?[0-9A-Fa-f]{4,6}\}?|\\U[0-9A-Fa-f]{8}|\\x[0-9A-Fa-f]{2})"
    r"|(?P<ascii>[\x20-\x7e]+?(?=[&%\\]|[^\x20-\x7e]|$))"
    r"|(?P<other>.)",
    re.S,
)

# A data tag in the skeleton: a bracket, up to three of "/", "\\" or spaces, then the letters
# of "data", each optionally followed by one space, "-", "." or "_" ("d-a-t-a", "d a t a").
_TAG = re.compile(r"<[\s/\\]{0,3}d[\s\-._]?a[\s\-._]?t[\s\-._]?a")
# Characters that can stand for "<": itself, what NFKD turns into it, its look-alikes, and the
# first character of an escape. Text with none of them holds no tag (the common case).
_OPENERS = "<≮﹤＜" + "".join(chr(k) for k, v in _LOOKALIKES.items() if v == "<")
_MAY_OPEN = re.compile("[" + re.escape(_OPENERS + "&%\\") + "]")
_INVISIBLE = ("Cf", "Mn", "Me")  # format characters (zero-width, bidi) and combining marks


def _decode(kind: str | None, token: str) -> str:
    if kind == "entity":
        return html.unescape(token)
    if kind == "percent":
        try:
            return bytes.fromhex(token.replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            return token
    if kind == "escape":
        try:
            return chr(int(token[2:].strip("{}"), 16))
        except (ValueError, OverflowError):
            return token
    return token


@functools.lru_cache(maxsize=4096)
def _skeleton(text: str) -> str:
    """What a reader takes `text` for: compatibility forms and look-alikes folded to their
    plain letter, invisible characters and combining marks dropped, lower case."""
    kept = (c for c in unicodedata.normalize("NFKD", text) if _visible(c))
    return "".join(kept).translate(_LOOKALIKES).casefold()


def _visible(char: str) -> bool:
    category = unicodedata.category(char)
    return category not in _INVISIBLE and (category != "Cc" or char in "\t\n\r")


def _read(text: str) -> tuple[str, list[int], list[int], list[str | None]]:
    """The reading of `text` (see `reading`) and, for each of its characters, the span of `text`
    it came from and the kind of token there."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    kinds: list[str | None] = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        if match.lastgroup == "ascii":
            pieces.append(match.group().lower())
            starts.extend(range(start, end))
            ends.extend(range(start + 1, end + 1))
            kinds.extend([None] * (end - start))
            continue
        folded = _skeleton(_decode(match.lastgroup, match.group()))
        pieces.append(folded)
        starts.extend([start] * len(folded))
        ends.extend([end] * len(folded))
        kinds.extend([match.lastgroup] * len(folded))
    return "".join(pieces), starts, ends, kinds


def reading(text: str) -> str:
    """What a reader takes `text` for: escapes decoded, compatibility forms and look-alikes
    folded to their plain character, invisible characters dropped, lower case."""
    return _read(text)[0]


def defuse(text: str) -> str:
    """`text` with every data tag it could be read as made harmless (see the module doc)."""
    if not _MAY_OPEN.search(text):
        return text
    read, starts, ends, kinds = _read(text)
    out: list[str] = []
    done = 0
    for hit in _TAG.finditer(read):
        bracket_start, bracket_end = starts[hit.start()], ends[hit.start()]
        if bracket_start < done:
            continue
        bracket = _decode(kinds[hit.start()], text[bracket_start:bracket_end])
        out.append(text[done:bracket_start])
        out.append("".join(DEFUSED_BRACKET if _skeleton(c) == "<" else c for c in bracket))
        tag_end = ends[hit.end() - 1]
        out.append("".join(c for c in text[bracket_end:tag_end] if _visible(c)))
        done = tag_end
    out.append(text[done:])
    return "".join(out)


def new_fence() -> tuple[str, str]:
    """The opening and closing tag of one fence, with a fresh random id."""
    return _tags(secrets.token_hex(4))


# Drawn when the process starts: no one who writes the fenced text can know it.
_FENCE_KEY = secrets.token_bytes(32)


def lasting_fence(text: str) -> tuple[str, str]:
    """The tags of a fence around `text` that are the same each time this process fences the
    same text: a system prompt sent again on every turn stays byte for byte the same (Bedrock's
    prompt cache holds it), while its id, keyed by a secret drawn at start, is as unknowable to
    whoever wrote `text` as a fresh one."""
    digest = hmac.new(_FENCE_KEY, text.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return _tags(digest.hexdigest()[:8])


def _tags(fence_id: str) -> tuple[str, str]:
    tag = f"data-{fence_id}"
    return f"<{tag}>", f"</{tag}>"
