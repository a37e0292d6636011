"""Text someone else wrote (file names in a bundle, log group names, alarm descriptions,
engine errors quoting them), kept to one visible line wherever fa2 shows it: the terminal,
the report, the model's briefing.

Control characters (a newline starts a line that reads as fa2's own, ESC drives the
terminal), the Unicode line and paragraph separators, and the invisible format characters
that reorder or hide text (U+202E and friends) are shown as Python-style escapes (`\\n`,
`\\x1b`, `\\u202e`). Everything else is left as written.
"""

from __future__ import annotations

import re

_UNSHOWN = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def one_visible_line(text: str) -> str:
    """`text` with every character that is not shown as itself written as its escape."""
    return _UNSHOWN.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
