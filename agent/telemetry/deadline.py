"""How long the query running now may take: the backend's own per-query limit, cut short by
what is left of the investigation's wall-time budget.

The investigation sets the time left around each tool call (`query_time_left`); backends that
poll (the AWS one) ask `query_seconds(own_limit)`. A context variable carries it because the
`TelemetryBackend` methods are the same for every caller and most callers (the CLI, a test)
have no budget at all.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_DEADLINE: ContextVar[float | None] = ContextVar("fa2_query_deadline", default=None)

MIN_QUERY_SECONDS = 1.0  # a query started at all gets at least this long


@contextmanager
def query_time_left(seconds: float | None) -> Iterator[None]:
    """Queries run inside this block stop after `seconds` at the latest (None: no limit)."""
    token = _DEADLINE.set(None if seconds is None else time.monotonic() + max(seconds, 0.0))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def query_seconds(own_limit: float) -> float:
    """The time the next query may take: `own_limit`, or less when the run's budget ends sooner."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return own_limit
    return max(MIN_QUERY_SECONDS, min(own_limit, deadline - time.monotonic()))
