"""CloudWatch metrics over a bundle: `GetMetricData`, `ListMetrics` and `DescribeAlarms`
(the manifest's alarm), answered in the API's response shapes.

A bundle series holds one statistic at one period. A query for a coarser period is
re-aggregated the way CloudWatch aggregates that statistic (Sum and SampleCount add up,
Minimum/Maximum take the extreme, Average is weighted by a SampleCount series when the
bundle has one); Average is derived from Sum and SampleCount, Sum from Average and
SampleCount. Percentiles cannot be re-aggregated exactly from coarser percentiles: a pNN
over a longer period is reported as the highest finer pNN (an upper bound) with a message
saying so. Metric math is not supported locally (`Capabilities.metric_math` is False).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.telemetry.base import MetricQuery, QueryError
from agent.telemetry.local.bundle_files import load_json_files
from agent.telemetry.types import MetricDimension, TimeRange, metric_statistic

_AGGREGATE: dict[str, Callable[[list[float]], float]] = {
    "Sum": sum,
    "SampleCount": sum,
    "Minimum": min,
    "Maximum": max,
}

SeriesKey = tuple[str, str, tuple[tuple[str, str], ...]]

# Message codes of a series that could not be answered (the shapes layer reads them).
NO_SERIES = "NoSeries"
STATISTIC_UNAVAILABLE = "StatisticUnavailable"


@dataclass
class Series:
    namespace: str
    metric_name: str
    # Sorted by name: CloudWatch matches dimensions as a set, and the AWS backend lists
    # them sorted by name too, so both backends list a metric alike.
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    period: int
    unit: str | None
    points: dict[float, float]  # epoch seconds -> value

    @property
    def key(self) -> SeriesKey:
        return (self.namespace, self.metric_name, self.dimensions)


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()


def normalize_statistic(statistic: str) -> str:
    """`SUM`/`sum` -> `Sum`, `P99`/`p99.0` -> `p99`; QueryError for anything else."""
    known = metric_statistic(statistic)
    if known is not None:
        return known
    raise QueryError(
        f"unknown statistic {statistic!r}: use Sum, Average, Minimum, Maximum, SampleCount or pNN (e.g. p99)"
    )


def available_statistics(have: dict[str, Series]) -> list[str]:
    """The statistics a series can be read as: those stored, plus those derived from them."""
    names = set(have)
    if {"Sum", "SampleCount"} <= names:
        names.add("Average")
    if {"Average", "SampleCount"} <= names:
        names.add("Sum")
    order = ["Sum", "Average", "Minimum", "Maximum", "SampleCount"]
    return [n for n in order if n in names] + sorted(n for n in names if n not in order)


def _dimension_key(dimensions: Sequence[MetricDimension]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((d.name, d.value) for d in dimensions))


class MetricsEngine:
    """All series of a bundle, keyed by namespace, metric and dimensions."""

    def __init__(self, files: Sequence[Path], alarm: dict[str, Any] | None = None) -> None:
        self.series: dict[SeriesKey, dict[str, Series]] = {}
        self.alarm = alarm or {}
        self.unreadable = load_json_files(files, "metrics", self._add_file)

    def _add_file(self, path: Path, document: Any) -> None:
        for item in document if isinstance(document, list) else [document]:
            self._add(item, path)

    def _add(self, item: dict[str, Any], path: Path) -> None:
        try:
            series = Series(
                namespace=str(item["Namespace"]),
                metric_name=str(item["MetricName"]),
                dimensions=tuple(
                    sorted((str(d["Name"]), str(d["Value"])) for d in item.get("Dimensions") or [])
                ),
                statistic=normalize_statistic(str(item.get("Statistic", "Average"))),
                period=int(item.get("Period", 60)),
                unit=item.get("Unit"),
                points={
                    _epoch(t): float(v)
                    for t, v in zip(item["Timestamps"], item["Values"], strict=True)
                    if v is not None
                },
            )
        except (KeyError, ValueError, TypeError, AttributeError, QueryError) as exc:
            raise ValueError(f"not a metric series as the bundle format describes ({exc})") from exc
        self.series.setdefault(series.key, {})[series.statistic] = series

    # ------------------------------------------------------------------ GetMetricData

    def get_metric_data(
        self, queries: Sequence[MetricQuery], time_range: TimeRange
    ) -> dict[str, Any]:
        results = [self._result(query, time_range) for query in queries]
        return {"MetricDataResults": results, "Messages": []}

    def _result(self, query: MetricQuery, time_range: TimeRange) -> dict[str, Any]:
        """One series' result. A series that cannot be answered (unknown metric, a statistic
        or period the bundle lacks, metric math) carries a message with a code instead of
        failing the whole call, so the other series of the request still come back."""
        label = query.label or query.metric_name or query.id

        def refused(code: str, message: str) -> dict[str, Any]:
            return {
                "Id": query.id,
                "Label": label,
                "Timestamps": [],
                "Values": [],
                "StatusCode": "Complete",
                "Messages": [{"Code": code, "Value": message}],
            }

        if query.expression:
            return refused(
                "Unsupported",
                f"metric math ({query.expression!r}) is not supported by the local backend; "
                "query each metric and compare the series instead",
            )
        if not query.namespace or not query.metric_name:
            raise QueryError(f"query {query.id!r}: namespace and metric_name are required")
        if query.period <= 0 or query.period % 60:
            raise QueryError(
                f"query {query.id!r}: period must be a positive multiple of 60 seconds (got {query.period})"
            )
        statistic = normalize_statistic(query.statistic)
        key = (query.namespace, query.metric_name, _dimension_key(query.dimensions))
        by_statistic = self.series.get(key)
        if not by_statistic:
            return refused(NO_SERIES, self._no_series_hint(query))
        start, end = time_range.start.timestamp(), time_range.end.timestamp()
        # As GetMetricData does: only datapoints in [start, end), periods counted from start.
        inside = {
            name: replace(
                series, points={t: v for t, v in series.points.items() if start <= t < end}
            )
            for name, series in by_statistic.items()
        }
        try:
            points, messages = self._derive(inside, statistic, query.period, start)
        except QueryError as exc:
            code = STATISTIC_UNAVAILABLE if exc.message.startswith("statistic") else "BadPeriod"
            return refused(code, exc.message)
        shown = sorted((t, v) for t, v in points.items() if start <= t < end)
        return {
            "Id": query.id,
            "Label": label,
            "Timestamps": [_iso(t) for t, _ in shown],
            "Values": [v for _, v in shown],
            "StatusCode": "Complete",
            "Messages": messages,
        }

    def _no_series_hint(self, query: MetricQuery) -> str:
        same_metric = [
            ", ".join(f"{n}={v}" for n, v in dims) or "(no dimensions)"
            for (ns, name, dims) in self.series
            if ns == query.namespace and name == query.metric_name
        ]
        if same_metric:
            return (
                f"no {query.namespace}/{query.metric_name} series with exactly these dimensions; "
                f"the bundle has: {'; '.join(same_metric)}"
            )
        return f"the bundle has no {query.namespace}/{query.metric_name} series (see list_metrics)"

    def _derive(
        self, have: dict[str, Series], want: str, period: int, origin: float = 0.0
    ) -> tuple[dict[float, float], list[dict[str, str]]]:
        base_period = min(s.period for s in have.values())
        if period < base_period or period % base_period:
            raise QueryError(
                f"the bundle holds this metric at a {base_period} s period: ask for {base_period} s or a multiple of it"
            )
        if want in have:
            return self._aggregate(have, want, period, origin)
        if want == "Average" and {"Sum", "SampleCount"} <= have.keys():
            sums, _ = self._aggregate(have, "Sum", period, origin)
            counts, _ = self._aggregate(have, "SampleCount", period, origin)
            return {t: sums[t] / counts[t] for t in sums if counts.get(t)}, []
        if want == "Sum" and {"Average", "SampleCount"} <= have.keys():
            averages, _ = self._aggregate(have, "Average", period, origin)
            counts, _ = self._aggregate(have, "SampleCount", period, origin)
            return {t: averages[t] * counts[t] for t in averages if t in counts}, []
        raise QueryError(
            f"statistic {want} is not in the bundle for this metric; available: "
            + ", ".join(available_statistics(have))
        )

    def _aggregate(
        self, have: dict[str, Series], statistic: str, period: int, origin: float = 0.0
    ) -> tuple[dict[float, float], list[dict[str, str]]]:
        series = have[statistic]
        if period == series.period:
            return dict(series.points), []
        buckets: dict[float, list[tuple[float, float]]] = {}
        for timestamp, value in series.points.items():
            bucket = origin + math.floor((timestamp - origin) / period) * period
            buckets.setdefault(bucket, []).append((timestamp, value))
        if statistic in _AGGREGATE:
            combine = _AGGREGATE[statistic]
            return {b: combine([v for _, v in points]) for b, points in buckets.items()}, []
        if statistic == "Average":
            counts = have.get("SampleCount")
            if counts is not None:
                out = {}
                for b, points in buckets.items():
                    weights = [counts.points.get(t, 0.0) for t, _ in points]
                    total = sum(weights)
                    out[b] = (
                        sum(w * v for w, (_, v) in zip(weights, points, strict=True)) / total
                        if total
                        else 0.0
                    )
                return out, []
            note = f"Average over {period} s is the mean of {series.period} s averages (no SampleCount series to weight by)"
            return {b: sum(v for _, v in p) / len(p) for b, p in buckets.items()}, [
                {"Code": "Approximation", "Value": note}
            ]
        note = (
            f"{statistic} over {period} s is the highest {series.period} s {statistic} "
            "(an upper bound: percentiles need the raw samples to re-aggregate)"
        )
        return {b: max(v for _, v in p) for b, p in buckets.items()}, [
            {"Code": "Approximation", "Value": note}
        ]

    # ------------------------------------------------------------------ ListMetrics

    def list_metrics(
        self,
        namespace: str | None = None,
        metric_name: str | None = None,
        dimensions: Sequence[MetricDimension] = (),
    ) -> dict[str, Any]:
        metrics = []
        for ns, name, dims in sorted(self.series):
            if (namespace and ns != namespace) or (metric_name and name != metric_name):
                continue
            present = dict(dims)
            if any(
                d.name not in present or (d.value and present[d.name] != d.value)
                for d in dimensions
            ):
                continue
            metrics.append(
                {
                    "Namespace": ns,
                    "MetricName": name,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in dims],
                    # Not part of the ListMetrics response: the bundle knows which statistics
                    # it holds, and saying so saves the model a refused request.
                    "Statistics": available_statistics(self.series[(ns, name, dims)]),
                }
            )
        return {"Metrics": metrics}

    # ------------------------------------------------------------------ DescribeAlarms

    def describe_alarms(self, alarm_name: str) -> dict[str, Any]:
        """The manifest's alarm (SNS notification keys) as `DescribeAlarms` reports it."""
        alarm = self.alarm
        if not alarm or alarm.get("AlarmName") != alarm_name:
            return {"MetricAlarms": [], "CompositeAlarms": []}
        trigger = alarm.get("Trigger") or {}
        entry: dict[str, Any] = {
            "AlarmName": alarm.get("AlarmName"),
            "AlarmArn": alarm.get("AlarmArn"),
            "AlarmDescription": alarm.get("AlarmDescription"),
            "StateValue": alarm.get("NewStateValue"),
            "StateReason": alarm.get("NewStateReason"),
            "StateUpdatedTimestamp": _sns_time(alarm.get("StateChangeTime")),
            "MetricName": trigger.get("MetricName"),
            "Namespace": trigger.get("Namespace"),
            "Dimensions": [
                {"Name": d.get("name", d.get("Name")), "Value": d.get("value", d.get("Value"))}
                for d in trigger.get("Dimensions") or []
            ],
            "Period": trigger.get("Period"),
            "EvaluationPeriods": trigger.get("EvaluationPeriods"),
            "Threshold": trigger.get("Threshold"),
            "ComparisonOperator": trigger.get("ComparisonOperator"),
            "TreatMissingData": trigger.get("TreatMissingData"),
        }
        statistic = trigger.get("Statistic") or trigger.get("ExtendedStatistic")
        if statistic:
            normalized = normalize_statistic(str(statistic))
            entry["ExtendedStatistic" if normalized.startswith("p") else "Statistic"] = normalized
        if trigger.get("Metrics"):
            entry["Metrics"] = trigger["Metrics"]
        return {
            "MetricAlarms": [{k: v for k, v in entry.items() if v is not None}],
            "CompositeAlarms": [],
        }


def _sns_time(value: Any) -> str | None:
    """SNS alarm times look like `2026-03-02T10:17:00.000+0000`; DescribeAlarms gives ISO."""
    if value is None:
        return None
    text = str(value)
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).isoformat()
    except ValueError:
        return text
