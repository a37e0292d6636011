"""Text that goes into a matplotlib chart, shared by every chart fa2 draws (the Slack
incident chart, the metrics-insight chart)."""

from __future__ import annotations

LABEL_CHARS = 48  # a legend entry; the report or answer file has the whole name


def short(text: str, limit: int = LABEL_CHARS) -> str:
    """At most `limit` characters, cut at the end with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def middle_short(text: str, limit: int = LABEL_CHARS) -> str:
    """At most `limit` characters, cut in the middle: series names differ at both ends
    (`orders-api-prod-eu-west-1-…-handler · Duration`)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 3 // 5
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def literal(text: str) -> str:
    """Text matplotlib draws as written: an unescaped `$` pair starts mathtext, so a CloudTrail
    event mentioning `$LATEST` twice would render as a formula, and `$\\frac{$` would fail."""
    return text.replace("$", r"\$")
