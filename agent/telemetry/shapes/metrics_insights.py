"""A Metrics Insights answer (`GetMetricData` with one `Expression`) -> `QueryResult`.

One row per returned series — its label, its dimensions, the query's aggregate over the whole
range (the ORDER BY value) and its points in compact text — because one row per datapoint is
too wide for the model; the typed `series` keep every point for charts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from agent.telemetry.base import QueryResult
from agent.telemetry.shapes.cloudwatch import _as_time
from agent.telemetry.shapes.values import Row, finish, format_number
from agent.telemetry.types import MetricSeries, TimeRange

INSIGHTS_COLUMNS = ["label", "dimensions", "aggregate", "points"]
MAX_POINTS_WRITTEN = 60  # beyond this a series' points are summarised (the chart has them all)


def series_aggregate(function: str, values: Sequence[float]) -> float | None:
    """FUNCTION() over one series' datapoints, as ORDER BY computes it."""
    if not values:
        return None
    if function == "AVG":
        return sum(values) / len(values)
    if function == "SUM":
        return float(sum(values))
    if function == "MAX":
        return max(values)
    if function == "MIN":
        return min(values)
    return float(len(values))  # COUNT


def _clock(moment: datetime, with_day: bool) -> str:
    return moment.strftime("%m-%dT%H:%M" if with_day else "%H:%M")


def points_text(points: Sequence[tuple[datetime, float]], with_day: bool) -> str:
    """`10:00=1.5, 10:01=2` — or, for a long series, its extremes and last value."""
    if len(points) <= MAX_POINTS_WRITTEN:
        return ", ".join(f"{_clock(t, with_day)}={format_number(v)}" for t, v in points)
    low = min(points, key=lambda p: p[1])
    high = max(points, key=lambda p: p[1])
    last = points[-1]
    return (
        f"{len(points)} points; min {format_number(low[1])} at {_clock(low[0], True)}, "
        f"max {format_number(high[1])} at {_clock(high[0], True)}, "
        f"last {format_number(last[1])} at {_clock(last[0], True)}"
    )


def from_metrics_insights(
    response: dict[str, Any],
    *,
    query: str,
    aggregate_function: str,
    time_range: TimeRange,
    link: str | None,
    dimensions: Sequence[Mapping[str, str]] | None = None,
    default_label: str = "",
    total_series: int | None = None,
    period: int | None = None,
    note: str | None = None,
) -> QueryResult:
    """`dimensions[i]` are the label keys and values of series i (GROUP BY keys; the AWS
    backend reads them from the label); `total_series` counts the series before LIMIT."""
    rows: list[Row] = []
    typed: list[MetricSeries] = []
    with_day = time_range.seconds > 86_400
    results = response.get("MetricDataResults") or []
    for index, series in enumerate(results):
        points = sorted(
            (_as_time(t), float(v))
            for t, v in zip(
                series.get("Timestamps") or [], series.get("Values") or [], strict=False
            )
        )
        label = series.get("Label") or default_label or str(series.get("Id") or "")
        dims = dict(dimensions[index]) if dimensions and index < len(dimensions) else {}
        aggregate = series_aggregate(aggregate_function, [v for _, v in points])
        rows.append(
            [
                label,
                ", ".join(f"{k}={v}" for k, v in dims.items()) or None,
                format_number(aggregate),
                points_text(points, with_day) or None,
            ]
        )
        typed.append(
            MetricSeries(id=f"{series.get('Id') or 'q1'}_{index + 1}", label=label, points=points)
        )
    statistics: dict[str, float] = {"series": float(len(rows))}
    if period is not None:
        statistics["period_seconds"] = float(period)
    result = finish(
        source="metrics",
        query=query,
        time_range=time_range,
        link=link,
        columns=INSIGHTS_COLUMNS,
        rows=rows,
        raw=response,
        total_rows=max(total_series or 0, len(rows)),
        statistics=statistics,
    )
    messages = [str(m.get("Value")) for m in response.get("Messages") or [] if m.get("Value")]
    if note:
        messages.insert(0, note)
    update: dict[str, Any] = {"series": typed}
    if messages:
        update["error"] = "; ".join(messages)
    return result.model_copy(update=update)
