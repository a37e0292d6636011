"""CloudWatch responses (`GetMetricData`, `ListMetrics`, `DescribeAlarms`) -> `QueryResult`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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
from agent.telemetry.types import (
    Alarm,
    MetricDimension,
    MetricSeries,
    TimeRange,
    as_utc,
    metric_statistic,
)

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


# Message codes for a series that could not be answered as asked: the local backend sets
# them from what the bundle holds, the AWS backend sets NoSeries after a ListMetrics check.
NO_SERIES = "NoSeries"
REFUSED_CODES = {"StatisticUnavailable", "BadPeriod", "Unsupported"}


def series_status(series: dict[str, Any]) -> tuple[str, bool]:
    """What happened to one requested series, as the model should read it, and whether the
    request for it was wrong (so the model can fix it) rather than merely empty."""
    messages = series.get("Messages") or []
    codes = {m.get("Code") for m in messages}
    detail = "; ".join(str(m.get("Value")) for m in messages if m.get("Value"))
    points = len(series.get("Timestamps") or [])
    if codes & REFUSED_CODES:
        if "StatisticUnavailable" in codes:
            return f"statistic not available — {detail}", True
        return f"not answered — {detail}", True
    if NO_SERIES in codes:
        return f"no such metric — {detail}", False
    state = series.get("StatusCode") or "Complete"
    if state in ("Forbidden", "InternalError"):
        return f"not answered ({state}){f' — {detail}' if detail else ''}", True
    if not points:
        return "no datapoints in the range", False
    note = "" if state == "Complete" else f" ({state}: more datapoints exist)"
    extra = f" — {detail}" if detail else ""
    return f"ok, {points} datapoint(s){note}{extra}", False


def from_metric_data(
    response: dict[str, Any],
    *,
    query: str = "GetMetricData",
    time_range: TimeRange | None = None,
    link: str | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """`GetMetricData`: long format, one row per (series, timestamp), oldest first within each
    series (as every time series the model reads), and one status line per requested series
    so a series that came back empty or was refused is named, not silently missing."""
    rows: list[Row] = []
    statuses: list[str] = []
    refused = 0
    typed: list[MetricSeries] = []
    for series in response.get("MetricDataResults") or []:
        label = series.get("Label") or series.get("Id")
        points = sorted(
            zip(series.get("Timestamps") or [], series.get("Values") or [], strict=False),
            key=lambda point: format_timestamp(point[0]) or "",
        )
        for timestamp, value in points:
            rows.append(
                [series.get("Id"), label, format_timestamp(timestamp), format_number(value)]
            )
        typed.append(
            MetricSeries(
                id=str(series.get("Id") or ""),
                label=label,
                points=sorted((_as_time(stamp), float(value)) for stamp, value in points),
            )
        )
        status, wrong = series_status(series)
        refused += wrong
        statuses.append(f"{series.get('Id')}: {status}")
    result = finish(
        source="metrics",
        query=query,
        time_range=time_range,
        link=link,
        columns=["id", "label", "timestamp", "value"],
        rows=rows,
        raw=response,
        max_rows=max_rows,
    )
    result = result.model_copy(update={"series": typed})
    if not statuses:
        return result
    note = "per series — " + " | ".join(statuses)
    status = result.status if rows or not refused else "error"
    return result.model_copy(update={"error": note, "status": status})


def _as_time(value: Any) -> datetime:
    """A timestamp as boto3 gives it (datetime) or as JSON carries it (ISO 8601 text)."""
    if isinstance(value, datetime):
        return as_utc(value)
    return as_utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))


def from_list_metrics(
    response: dict[str, Any],
    *,
    query: str = "ListMetrics",
    link: str | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """`ListMetrics`: namespace, metric name and `Name=Value` dimensions per metric."""
    metrics = response.get("Metrics") or []
    rows: list[Row] = [
        [m.get("Namespace"), m.get("MetricName"), dimensions_text(m.get("Dimensions"))]
        for m in metrics
    ]
    # The local backend knows which statistics a bundle series holds and lists them; on AWS
    # every statistic can be asked of any metric (percentiles where values were published).
    for row, metric in zip(rows, metrics, strict=True):
        row.append(", ".join(metric["Statistics"]) if "Statistics" in metric else "any")
    columns = ["namespace", "metric_name", "dimensions", "statistics"]
    return finish(
        source="metrics",
        query=query,
        link=link,
        columns=columns,
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
    alarms = [_alarm(a) for a in response.get("MetricAlarms") or []]
    alarms += [_alarm(a) for a in response.get("CompositeAlarms") or []]
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
    result = finish(
        source="alarm",
        query=query,
        link=link,
        columns=list(ALARM_COLUMNS),
        rows=rows,
        raw=response,
    )
    return result.model_copy(update={"alarms": alarms})


def _alarm(alarm: dict[str, Any]) -> Alarm:
    """One DescribeAlarms entry (metric or composite) as a typed `Alarm`."""
    statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
    updated = alarm.get("StateUpdatedTimestamp")
    return Alarm(
        name=str(alarm.get("AlarmName") or ""),
        arn=alarm.get("AlarmArn"),
        description=alarm.get("AlarmDescription"),
        state=alarm.get("StateValue"),
        state_reason=alarm.get("StateReason"),
        state_updated=_as_time(updated) if updated else None,
        namespace=alarm.get("Namespace"),
        metric_name=alarm.get("MetricName"),
        dimensions=[
            MetricDimension(name=str(d.get("Name")), value=str(d.get("Value")))
            for d in alarm.get("Dimensions") or []
        ],
        statistic=(metric_statistic(str(statistic)) or str(statistic)) if statistic else None,
        period=int(alarm["Period"]) if alarm.get("Period") is not None else None,
        threshold=float(alarm["Threshold"]) if alarm.get("Threshold") is not None else None,
        comparison_operator=alarm.get("ComparisonOperator"),
        rule=alarm.get("AlarmRule"),
    )
