"""Request limits and checks both backends apply, declared once.

The numbers are AWS's own; the local backend refuses what AWS would refuse, so a request
that works offline works against AWS and the two backends cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.telemetry.base import MetricQuery, QueryError
from agent.telemetry.trace_ids import normalise_trace_id

MAX_LOG_GROUPS = 50  # StartQuery accepts at most 50 log groups
MAX_GET_TRACES = 50  # traces fetched by one get_traces call (BatchGetTraces in batches of 5)
MAX_METRIC_QUERIES = 500  # GetMetricData's MetricDataQueries maximum
FIND_TRACES_LIMIT = 50  # trace summaries returned by find_traces unless asked otherwise


def checked_log_groups(log_groups: Sequence[str]) -> list[str]:
    """The named groups, stripped and without repeats; more than StartQuery takes is refused."""
    groups = list(dict.fromkeys(g.strip() for g in log_groups if g and g.strip()))
    if len(groups) > MAX_LOG_GROUPS:
        raise QueryError(
            f"{len(groups)} log groups given: Logs Insights queries at most {MAX_LOG_GROUPS} "
            "log groups at once; split the query or pick the relevant groups"
        )
    return groups


def checked_metric_queries(queries: Sequence[MetricQuery]) -> None:
    """At least one query, no more than GetMetricData takes, and each id once."""
    if not queries:
        raise QueryError("no metric queries given")
    if len(queries) > MAX_METRIC_QUERIES:
        raise QueryError(
            f"{len(queries)} metric queries: GetMetricData takes at most {MAX_METRIC_QUERIES}"
        )
    ids = [q.id for q in queries]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate is not None:
        raise QueryError(f"metric query id {duplicate!r} is used twice; ids must be unique")


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
