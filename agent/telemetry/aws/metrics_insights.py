"""Metrics Insights on AWS: one `GetMetricData` call with the query as `Expression`.

The query is parsed here first with the local engine's parser, so a mistake comes back with
its position (CloudWatch answers a bad query with one ValidationError for the whole
expression) and the GROUP BY keys are known when the series' labels are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.telemetry.aws.cloudwatch import MAX_METRIC_PAGES, CloudWatch
from agent.telemetry.base import QueryResult
from agent.telemetry.limits import MAX_INSIGHTS_SERIES, checked_metrics_insights
from agent.telemetry.links import metric_graph_metric, metric_graph_url
from agent.telemetry.local.metrics_insights.parser import parse_metrics_insights
from agent.telemetry.shapes import from_metrics_insights
from agent.telemetry.types import TimeRange

QUERY_ID = "q1"


def label_dimensions(keys: Sequence[str], label: str) -> dict[str, str]:
    """A GROUP BY series' dimensions from its label. CloudWatch labels each series with its
    group's values, separated by spaces when there are several keys; a value holding a space
    makes that split ambiguous, and then the label alone is kept."""
    if not keys or not label:
        return {}
    if len(keys) == 1:
        return {keys[0]: label}
    values = label.split(" ")
    return dict(zip(keys, values, strict=True)) if len(values) == len(keys) else {}


def run_metrics_insights(
    cloudwatch: CloudWatch,
    expression: str,
    time_range: TimeRange,
    period_seconds: int | None = None,
    max_series: int = MAX_INSIGHTS_SERIES,
) -> QueryResult:
    request = checked_metrics_insights(expression, time_range, period_seconds, max_series)
    query = parse_metrics_insights(request.expression)
    kwargs: dict[str, Any] = {
        "MetricDataQueries": [
            {"Id": QUERY_ID, "Expression": request.expression, "Period": request.period}
        ],
        "StartTime": time_range.start,
        "EndTime": time_range.end,
        "ScanBy": "TimestampAscending",
    }
    # One query comes back as one result per series, all with the query's Id: they are told
    # apart by their labels, and a series continued on the next page is merged by label.
    series: dict[tuple[str, str], dict[str, Any]] = {}
    messages: list[dict[str, Any]] = []
    for _page in range(MAX_METRIC_PAGES):
        page = cloudwatch.call("get_metric_data", "cloudwatch:GetMetricData", **kwargs)
        for result in page.get("MetricDataResults", []):
            key = (str(result.get("Id")), str(result.get("Label") or ""))
            merged = series.setdefault(
                key,
                {
                    "Id": result.get("Id"),
                    "Label": result.get("Label"),
                    "Timestamps": [],
                    "Values": [],
                    "StatusCode": result.get("StatusCode"),
                },
            )
            merged["Timestamps"].extend(result.get("Timestamps", []))
            merged["Values"].extend(result.get("Values", []))
            merged["StatusCode"] = result.get("StatusCode", merged["StatusCode"])
            messages.extend(result.get("Messages", []))
        messages.extend(page.get("Messages", []))
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    found = list(series.values())
    results = found[: request.max_series]
    keys = [k.text for k in query.group_by]
    entry = metric_graph_metric(
        namespace=None,
        metric_name=None,
        expression=request.expression,
        options={"id": QUERY_ID, "period": request.period},
    )
    return from_metrics_insights(
        {"MetricDataResults": results, "Messages": messages},
        query=request.expression,
        aggregate_function=query.order_function or query.function,
        time_range=time_range,
        link=metric_graph_url(
            cloudwatch.settings.aws.region, [entry], time_range, period=request.period
        ),
        dimensions=[label_dimensions(keys, str(r.get("Label") or "")) for r in results],
        default_label=f"{query.function}({query.metric.text})",
        total_series=len(found),
        period=request.period,
    )
