"""Request limits and checks both backends apply, declared once.

The numbers are AWS's own; the local backend refuses what AWS would refuse, so a request
that works offline works against AWS and the two backends cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.telemetry.base import MetricQuery, QueryError
from agent.telemetry.trace_ids import normalise_trace_id
from agent.telemetry.types import TimeRange

MAX_LOG_GROUPS = 50  # StartQuery accepts at most 50 log groups
MAX_GET_TRACES = 50  # traces fetched by one get_traces call (BatchGetTraces in batches of 5)
MAX_METRIC_QUERIES = 500  # GetMetricData's MetricDataQueries maximum
FIND_TRACES_LIMIT = 50  # trace summaries returned by find_traces unless asked otherwise

# Metrics Insights ("Metrics Insights quotas" and the GetMetricData API reference)
MAX_INSIGHTS_QUERY_CHARS = 2048  # MetricDataQuery.Expression: at most 2,048 characters
MAX_INSIGHTS_SERIES = 500  # "A single query can return no more than 500 time series"
MAX_INSIGHTS_RANGE_SECONDS = 14 * 86_400  # "Query up to two weeks of data"
MAX_DATAPOINTS_PER_SERIES = 100_800  # GetMetricData returns at most 100,800 datapoints per call
# The period chosen when none is given: the shortest of these keeping a series at or under
# INSIGHTS_POINTS_TARGET datapoints (a day of one-minute points), as the console's auto period.
INSIGHTS_PERIODS = (60, 300, 900, 3600, 21_600, 86_400)
INSIGHTS_POINTS_TARGET = 1440


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


@dataclass(frozen=True)
class InsightsRequest:
    """A Metrics Insights request both backends accept: the query text, the period, the cap."""

    expression: str
    period: int
    max_series: int


def default_insights_period(time_range: TimeRange) -> int:
    """The shortest standard period keeping one series at or under INSIGHTS_POINTS_TARGET points."""
    for period in INSIGHTS_PERIODS:
        if time_range.seconds / period <= INSIGHTS_POINTS_TARGET:
            return period
    return INSIGHTS_PERIODS[-1]


def checked_metrics_insights(
    expression: str, time_range: TimeRange, period_seconds: int | None, max_series: int
) -> InsightsRequest:
    """The request as AWS accepts it, or a QueryError naming the limit it breaks."""
    text = expression.strip()
    if not text:
        raise QueryError("empty Metrics Insights query: start with SELECT FUNCTION(metricName)")
    if len(text) > MAX_INSIGHTS_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(text)} characters: a Metrics Insights query may have at most "
            f"{MAX_INSIGHTS_QUERY_CHARS}"
        )
    if time_range.seconds > MAX_INSIGHTS_RANGE_SECONDS:
        raise QueryError(
            f"the range {time_range.label()} is {time_range.seconds / 86_400:.1f} days: Metrics "
            "Insights queries at most two weeks (14 days); narrow the range"
        )
    period = default_insights_period(time_range) if period_seconds is None else period_seconds
    if period < 60 or period % 60:
        raise QueryError(
            f"period {period} s is invalid: Metrics Insights needs a multiple of 60 seconds "
            "(it has no high-resolution data)"
        )
    if time_range.seconds / period > MAX_DATAPOINTS_PER_SERIES:
        raise QueryError(
            f"period {period} s gives more than {MAX_DATAPOINTS_PER_SERIES} datapoints over "
            f"{time_range.label()}: use a longer period"
        )
    if not 1 <= max_series <= MAX_INSIGHTS_SERIES:
        raise QueryError(
            f"max_series {max_series} is out of range: Metrics Insights returns 1 to "
            f"{MAX_INSIGHTS_SERIES} series"
        )
    return InsightsRequest(expression=text, period=period, max_series=max_series)
