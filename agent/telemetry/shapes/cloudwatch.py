"""CloudWatch responses (`GetMetricData`, `ListMetrics`, `DescribeAlarms`) -> `QueryResult`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.telemetry.base import MetricQuery, QueryResult
from agent.telemetry.shapes.values import (
    Row,
    dimensions_text,
    finish,
    format_number,
    format_timestamp,
    text,
)
from agent.telemetry.types import MetricDimension, TimeRange

# ---------------------------------------------------------------- CloudWatch metrics


def metric_data_query(queries: Sequence[MetricQuery]) -> str:
    """The `query` text of a GetMetricData result: each query as `id = what it reads`."""
    return "GetMetricData " + "; ".join(_describe_metric_query(q) for q in queries)


def _describe_metric_query(query: MetricQuery) -> str:
    if query.expression is not None:
        return f"{query.id} = {query.expression}"
    dims = ",".join(f"{d.name}={d.value}" for d in query.dimensions)
    return f"{query.id} = {query.namespace} {query.metric_name}{{{dims}}} {query.statistic}/{query.period}s"


def list_metrics_query(
    namespace: str | None, metric_name: str | None, dimensions: Sequence[MetricDimension]
) -> str:
    """The `query` text of a ListMetrics result: the filters given, or `(all)`."""
    parts = [f"{k}={v}" for k, v in (("namespace", namespace), ("metric", metric_name)) if v]
    parts += [f"{d.name}={d.value}" for d in dimensions]
    return "ListMetrics " + (" ".join(parts) or "(all)")


def from_metric_data(
    response: dict[str, Any],
    *,
    query: str = "GetMetricData",
    time_range: TimeRange | None = None,
    link: str | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """`GetMetricData`: long format, one row per (series, timestamp), in the order the API
    returned them (timestamps descending by default)."""
    rows: list[Row] = []
    for series in response.get("MetricDataResults") or []:
        label = series.get("Label") or series.get("Id")
        for timestamp, value in zip(
            series.get("Timestamps") or [], series.get("Values") or [], strict=False
        ):
            rows.append(
                [series.get("Id"), label, format_timestamp(timestamp), format_number(value)]
            )
    return finish(
        source="metrics",
        query=query,
        time_range=time_range,
        link=link,
        columns=["id", "label", "timestamp", "value"],
        rows=rows,
        raw=response,
        max_rows=max_rows,
    )


def from_list_metrics(
    response: dict[str, Any],
    *,
    query: str = "ListMetrics",
    link: str | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """`ListMetrics`: namespace, metric name and `Name=Value` dimensions per metric."""
    rows: list[Row] = [
        [m.get("Namespace"), m.get("MetricName"), dimensions_text(m.get("Dimensions"))]
        for m in response.get("Metrics") or []
    ]
    return finish(
        source="metrics",
        query=query,
        link=link,
        columns=["namespace", "metric_name", "dimensions"],
        rows=rows,
        raw=response,
        max_rows=max_rows,
    )


ALARM_COLUMNS = [
    "alarm_name",
    "state",
    "state_reason",
    "state_updated",
    "namespace",
    "metric_name",
    "dimensions",
    "statistic",
    "period",
    "threshold",
    "comparison",
    "description",
    "rule",
]


def from_describe_alarms(
    response: dict[str, Any],
    *,
    query: str = "DescribeAlarms",
    link: str | None = None,
) -> QueryResult:
    """`DescribeAlarms`: one row per metric alarm (its metric, statistic, threshold) and per
    composite alarm (its `AlarmRule` in `rule`)."""
    rows: list[Row] = []
    for alarm in response.get("MetricAlarms") or []:
        metric_name = alarm.get("MetricName")
        if metric_name is None and alarm.get("Metrics"):  # metric-math alarm
            metric_name = ", ".join(
                str(
                    m.get("Expression")
                    or (m.get("MetricStat") or {}).get("Metric", {}).get("MetricName")
                )
                for m in alarm["Metrics"]
            )
        rows.append(
            [
                alarm.get("AlarmName"),
                alarm.get("StateValue"),
                alarm.get("StateReason"),
                format_timestamp(alarm.get("StateUpdatedTimestamp")),
                alarm.get("Namespace"),
                metric_name,
                dimensions_text(alarm.get("Dimensions")) or None,
                alarm.get("Statistic") or alarm.get("ExtendedStatistic"),
                text(alarm.get("Period")),
                text(alarm.get("Threshold")),
                alarm.get("ComparisonOperator"),
                alarm.get("AlarmDescription"),
                None,
            ]
        )
    for alarm in response.get("CompositeAlarms") or []:
        rows.append(
            [
                alarm.get("AlarmName"),
                alarm.get("StateValue"),
                alarm.get("StateReason"),
                format_timestamp(alarm.get("StateUpdatedTimestamp")),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                alarm.get("AlarmDescription"),
                alarm.get("AlarmRule"),
            ]
        )
    return finish(
        source="alarm",
        query=query,
        link=link,
        columns=list(ALARM_COLUMNS),
        rows=rows,
        raw=response,
    )
