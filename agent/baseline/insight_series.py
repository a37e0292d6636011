"""The series a metrics question is about, picked by rules from what `list_metrics` listed,
and the figures read back from `get_metric_data` evidence (its long table: id, label,
timestamp, value), per series the baseline asked for."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.baseline.insight_question import Intent, usual_statistic
from agent.baseline.signals import number, parse_time, rows_as_dicts
from agent.incident import TimeRange
from agent.report import Evidence

MAX_SERIES = 10  # get_metric_data's limit per call
MAX_POINTS = 45  # points per series read back in one call (evidence keeps 50 rows)
# Dimensions that name one resource, the most specific first (ServiceName before ClusterName).
RESOURCE_DIMENSIONS = (
    "FunctionName",
    "TableName",
    "InstanceId",
    "DBInstanceIdentifier",
    "QueueName",
    "StreamName",
    "ServiceName",
    "ApiName",
    "LoadBalancer",
    "TargetGroup",
    "ClusterName",
    "CacheClusterId",
    "BucketName",
)


@dataclass(frozen=True)
class SeriesSpec:
    """One series as ListMetrics names it, and the statistic the baseline reads it with."""

    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    substituted: str | None = None  # the statistic asked for, when the data lacks it

    @property
    def entity(self) -> str:
        """What the answer calls it: the resource dimension's value (`orders-put`, `i-0abc`),
        else every dimension value."""
        named = dict(self.dimensions)
        for name in RESOURCE_DIMENSIONS:
            if name in named:
                return named[name]
        return " ".join(v for _, v in self.dimensions) or self.namespace

    def as_tool_metric(self, period: int, statistic: str | None = None) -> dict[str, object]:
        return {
            "namespace": self.namespace,
            "metric_name": self.metric,
            "dimensions": dict(self.dimensions),
            "statistic": statistic or self.statistic,
            "period": period,
        }


def _dimensions(text: str | None) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in (text or "").split(", "):
        name, _, value = part.partition("=")
        if name and value:
            pairs.append((name, value))
    return tuple(pairs)


def listed(evidence: list[Evidence]) -> list[tuple[str, str, tuple[tuple[str, str], ...], str]]:
    """(namespace, metric, dimensions, statistics) of every metric listed."""
    found = []
    for item in evidence:
        if item.tool != "list_metrics":
            continue
        for row in rows_as_dicts(item):
            found.append(
                (
                    row.get("namespace") or "",
                    row.get("metric_name") or "",
                    _dimensions(row.get("dimensions")),
                    row.get("statistics") or "any",
                )
            )
    return list(dict.fromkeys(found))


def _statistic(asked: str | None, metric: str, available: str) -> tuple[str, str | None]:
    wanted = asked or usual_statistic(metric)
    if available == "any":
        return wanted, None
    have = [s.strip() for s in available.split(",")]
    if wanted in have:
        return wanted, None
    for fallback in ("Average", "Maximum", "Sum"):
        if fallback in have:
            return fallback, wanted
    return have[0], wanted


def pick_series(intent: Intent, evidence: list[Evidence]) -> tuple[list[SeriesSpec], int]:
    """The series to read (at most `MAX_SERIES`) and how many matched in all: the first
    candidate metric that exists, in the service's namespace (or any namespace with the
    service's resource dimension), one resource dimension per series where possible."""
    rows = listed(evidence)
    for metric in intent.metrics:
        matches = [r for r in rows if r[1] == metric]
        if intent.service is not None:
            own = [r for r in matches if r[0] == intent.service.namespace]
            keyed = [r for r in matches if intent.service.entity in dict(r[2])]
            matches = own or keyed or matches
        if not matches:
            continue
        fewest = min(len(r[2]) for r in matches)
        matches = [r for r in matches if len(r[2]) == fewest]
        if intent.resource:
            named = [r for r in matches if intent.resource in dict(r[2]).values()]
            matches = named or matches
        specs = []
        for namespace, name, dimensions, available in matches[:MAX_SERIES]:
            statistic, substituted = _statistic(intent.statistic, name, available)
            specs.append(SeriesSpec(namespace, name, dimensions, statistic, substituted))
        return specs, len(matches)
    return [], 0


def whole_period(period: TimeRange) -> int:
    """A period (multiple of 60 s) that covers the whole range in one or two points."""
    return max(60, math.ceil(period.seconds / 60) * 60)


def fine_period(period: TimeRange, points: int = MAX_POINTS) -> int:
    """The shortest period (multiple of 60 s) that gives at most `points` points."""
    return max(60, math.ceil(period.seconds / points / 60) * 60)


def halves(period: TimeRange) -> tuple[TimeRange, TimeRange]:
    middle = period.start + timedelta(seconds=period.seconds / 2)
    middle = middle.replace(second=0, microsecond=0)
    return TimeRange(start=period.start, end=middle), TimeRange(start=middle, end=period.end)


def points_by_id(evidence: Evidence) -> dict[str, list[tuple[datetime, float]]]:
    """The datapoints of each series (`m1`, `m2`, ...) of a get_metric_data result."""
    found: dict[str, list[tuple[datetime, float]]] = {}
    for row in rows_as_dicts(evidence):
        when = parse_time(row.get("timestamp"))
        if when is None or row.get("value") in (None, ""):
            continue
        found.setdefault(row.get("id") or "", []).append((when, number(row.get("value"))))
    return {k: sorted(v) for k, v in found.items()}


def combine(values: list[float], statistic: str) -> float | None:
    """Several period values of one statistic as one (a range split by period alignment)."""
    if not values:
        return None
    if statistic in ("Sum", "SampleCount"):
        return sum(values)
    if statistic == "Minimum":
        return min(values)
    if statistic == "Maximum" or statistic.startswith("p"):
        return max(values)  # for a percentile: an upper bound
    return sum(values) / len(values)


# Metrics Insights aggregates by the GetMetricData statistic they stand for (no percentiles).
INSIGHTS_FUNCTIONS = {
    "Average": "AVG",
    "Maximum": "MAX",
    "Minimum": "MIN",
    "Sum": "SUM",
    "SampleCount": "COUNT",
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _name(text: str) -> str:
    return text if _NAME.match(text) else '"' + text.replace('"', '\\"') + '"'


def entity_dimension(names: list[str]) -> str | None:
    return next((d for d in RESOURCE_DIMENSIONS if d in names), names[0] if names else None)


def insights_query(specs: list[SeriesSpec], count: int, lowest: bool) -> str | None:
    """The Metrics Insights top-N query over the series picked (one namespace and metric, the
    same dimension names), e.g. `SELECT MAX(Duration) FROM SCHEMA("AWS/Lambda", FunctionName)
    GROUP BY FunctionName ORDER BY MAX() DESC LIMIT 5`; None when it cannot say it (a
    percentile, series with different dimension names)."""
    if not specs:
        return None
    first = specs[0]
    # Metrics Insights computes the asked statistic from what is stored (the engine says when
    # that is an approximation), so a substitution made for get_metric_data is undone here.
    # A percentile it cannot compute at all: get_metric_data reads it (or says it is missing).
    if first.substituted and first.substituted not in INSIGHTS_FUNCTIONS:
        return None
    function = INSIGHTS_FUNCTIONS.get(first.substituted or first.statistic)
    keys = [name for name, _ in first.dimensions]
    if function is None or any([n for n, _ in s.dimensions] != keys for s in specs):
        return None
    entity = entity_dimension(keys)
    schema = ", ".join([f'"{first.namespace}"', *(_name(k) for k in keys)])
    group = f" GROUP BY {_name(entity)}" if entity else ""
    order = "ASC" if lowest else "DESC"
    return (
        f"SELECT {function}({_name(first.metric)}) FROM SCHEMA({schema}){group} "
        f"ORDER BY {function}() {order} LIMIT {count}"
    )
