"""Request limits and checks both backends apply, declared once.

The numbers are AWS's own; the local backend refuses what AWS would refuse, so a request
that works offline works against AWS and the two backends cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.telemetry.base import QueryError
from agent.telemetry.trace_ids import normalise_trace_id

MAX_LOG_GROUPS = 50  # StartQuery accepts at most 50 log groups
MAX_GET_TRACES = 50  # traces fetched by one get_traces call (BatchGetTraces in batches of 5)
DEFAULT_FIND_TRACES = 50  # trace summaries returned by find_traces unless asked otherwise


def checked_log_groups(log_groups: Sequence[str]) -> list[str]:
    """The named groups, stripped and without repeats; more than StartQuery takes is refused."""
    groups = list(dict.fromkeys(g.strip() for g in log_groups if g and g.strip()))
    if len(groups) > MAX_LOG_GROUPS:
        raise QueryError(
            f"{len(groups)} log groups given: Logs Insights queries at most {MAX_LOG_GROUPS} "
            "log groups at once; split the query or pick the relevant groups"
        )
    return groups


def checked_trace_ids(trace_ids: Sequence[str]) -> list[str]:
    """The ids in X-Ray form without repeats; none, a malformed one or too many is refused."""
    ids = list(dict.fromkeys(normalise_trace_id(i) for i in trace_ids if i and i.strip()))
    if not ids:
        raise QueryError("no trace ids given: pass ids from find_traces")
    if len(ids) > MAX_GET_TRACES:
        raise QueryError(
            f"{len(ids)} trace ids given: fetch at most {MAX_GET_TRACES} traces at once"
        )
    return ids
