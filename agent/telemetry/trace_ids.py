"""X-Ray trace ids as both backends accept them: the X-Ray form
(`1-5f84c7a1-0123456789abcdef01234567`) or a W3C trace id (32 hex digits), anything else a
`QueryError` that shows the expected form."""

from __future__ import annotations

import re

from agent.telemetry.base import QueryError

TRACE_ID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")
W3C_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


def normalise_trace_id(trace_id: str) -> str:
    """The X-Ray form of `trace_id` (lower case; a W3C id split as X-Ray writes it)."""
    text = trace_id.strip().lower()
    if W3C_TRACE_ID.match(text):
        text = f"1-{text[:8]}-{text[8:]}"
    if not TRACE_ID.match(text):
        raise QueryError(
            f"not an X-Ray trace id: {trace_id!r} (expected 1-<8 hex>-<24 hex>, e.g. "
            "1-5f84c7a1-0123456789abcdef01234567, as find_traces returns)"
        )
    return text
