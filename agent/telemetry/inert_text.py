"""Text someone else wrote (file names in a bundle, log group names, alarm descriptions,
engine errors quoting them), kept to one visible line wherever fa2 shows it: the terminal,
the report, the model's briefing.

Control characters (a newline starts a line that reads as fa2's own, ESC drives the
terminal), the Unicode line and paragraph separators, and the invisible format characters
that reorder or hide text (U+202E and friends) are shown as Python-style escapes (`\\n`,
`\\x1b`, `\\u202e`). Everything else is left as written.

`visible_lines` is the same for text that is meant to span lines (a workload's description):
it keeps line feeds and tabs, and escapes the rest.
"""

from __future__ import annotations

import re

_UNSHOWN = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_UNSHOWN_IN_LINES = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]"
)


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def one_visible_line(text: str) -> str:
    """`text` with every character that is not shown as itself written as its escape."""
    return _UNSHOWN.sub(_escape, text)


def visible_lines(text: str) -> str:
    """`text` with its lines and tabs kept and every other character that is not shown as
    itself written as its escape (a carriage return, ESC, U+2028, U+202E...)."""
    return _UNSHOWN_IN_LINES.sub(_escape, text)
