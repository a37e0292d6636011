"""CloudWatch: GetMetricData (several series in one call), ListMetrics, DescribeAlarms
(metric and composite) with the alarm's recent history (DescribeAlarmHistory)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from agent.config import Settings
from agent.telemetry.aws.clients import AwsClients
from agent.telemetry.aws.errors import call
from agent.telemetry.base import MetricQuery, QueryError, QueryResult, TelemetryUnavailableError
from agent.telemetry.limits import checked_metric_queries
from agent.telemetry.links import (
    alarm_url,
    metric_graph_metric,
    metric_graph_url,
    metrics_browser_url,
)
from agent.telemetry.shapes import (
    format_timestamp,
    from_describe_alarms,
    from_list_metrics,
    from_metric_data,
    list_metrics_query,
    metric_data_query,
)
from agent.telemetry.types import AlarmHistory, AlarmHistoryItem, MetricDimension, TimeRange

LABEL = "CloudWatch"
MAX_LIST_METRICS = 500
MAX_METRIC_PAGES = 20
QUERY_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
HIGH_RESOLUTION_PERIODS = (1, 5, 10, 30)
HISTORY_COLUMNS = ["timestamp", "type", "summary"]


def _alarm_arn(region: str, name: str) -> str:
    return f"arn:aws:cloudwatch:{region}:*:alarm:{name}"


def _validate(query: MetricQuery) -> None:
    if not QUERY_ID.match(query.id):
        raise QueryError(
            f"metric query id {query.id!r} is invalid: it must start with a lowercase letter and "
            "contain only letters, digits and underscores (e.g. m1, errors_5xx)"
        )
    if query.expression is None and not (query.namespace and query.metric_name):
        raise QueryError(
            f"metric query {query.id!r} needs a namespace and a metric name (or a metric-math "
            "expression); list_metrics shows what exists"
        )
    if query.period not in HIGH_RESOLUTION_PERIODS and query.period % 60 != 0:
        raise QueryError(
            f"metric query {query.id!r}: period {query.period} s is invalid; use 1, 5, 10, 30 or "
            "a multiple of 60"
        )


def _dimensions(dimensions: Sequence[MetricDimension]) -> list[dict[str, str]]:
    return [{"Name": d.name, "Value": d.value} for d in dimensions]


def _request_query(query: MetricQuery) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": query.id, "ReturnData": True}
    if query.label:
        entry["Label"] = query.label
    if query.expression is not None:
        entry["Expression"] = query.expression
        entry["Period"] = query.period
        return entry
    entry["MetricStat"] = {
        "Metric": {
            "Namespace": query.namespace,
            "MetricName": query.metric_name,
            "Dimensions": _dimensions(query.dimensions),
        },
        "Period": query.period,
        "Stat": query.statistic,
    }
    return entry


def _dimension_key(metric: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])))


def _graph_entry(query: MetricQuery) -> list[Any]:
    options = {"id": query.id, "label": query.label, "period": query.period}
    if query.expression is None:
        options["stat"] = query.statistic
    return metric_graph_metric(
        namespace=query.namespace,
        metric_name=query.metric_name,
        dimensions=query.dimensions,
        expression=query.expression,
        options=options,
    )


class CloudWatch:
    def __init__(self, settings: Settings, clients: AwsClients) -> None:
        self.settings = settings
        self.clients = clients

    def call(self, method: str, action: str, resource: str = "*", **kwargs: Any) -> dict[str, Any]:
        return call(
            getattr(self.clients.cloudwatch, method),
            action=action,
            resource=resource,
            service_label=LABEL,
            **kwargs,
        )

    # ------------------------------------------------------------------ metric data

    def get_metric_data(self, queries: Sequence[MetricQuery], time_range: TimeRange) -> QueryResult:
        checked_metric_queries(queries)
        for query in queries:
            _validate(query)
        kwargs: dict[str, Any] = {
            "MetricDataQueries": [_request_query(q) for q in queries],
            "StartTime": time_range.start,
            "EndTime": time_range.end,
            "ScanBy": "TimestampAscending",  # every time series the model reads is oldest first
        }
        series: dict[str, dict[str, Any]] = {}
        messages: list[dict[str, Any]] = []
        for _page in range(MAX_METRIC_PAGES):
            page = self.call("get_metric_data", "cloudwatch:GetMetricData", **kwargs)
            for result in page.get("MetricDataResults", []):
                merged = series.setdefault(
                    result["Id"],
                    {
                        "Id": result["Id"],
                        "Label": result.get("Label"),
                        "Timestamps": [],
                        "Values": [],
                        "StatusCode": result.get("StatusCode"),
                        "Messages": [],
                    },
                )
                merged["Timestamps"].extend(result.get("Timestamps", []))
                merged["Values"].extend(result.get("Values", []))
                merged["StatusCode"] = result.get("StatusCode", merged["StatusCode"])
                merged["Messages"].extend(result.get("Messages", []))
            messages.extend(page.get("Messages", []))
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        for query in queries:
            found = series.get(query.id)
            if found is not None and not found["Timestamps"] and not query.expression:
                found["Messages"].extend(self._missing_metric(query))
        response = {"MetricDataResults": list(series.values()), "Messages": messages}
        period = min(q.period for q in queries)
        link = metric_graph_url(
            self.settings.aws.region, [_graph_entry(q) for q in queries], time_range, period=period
        )
        return from_metric_data(
            response,
            query=metric_data_query(queries),
            time_range=time_range,
            link=link,
        )

    def _missing_metric(self, query: MetricQuery) -> list[dict[str, str]]:
        """GetMetricData answers an unknown metric and a quiet one alike (no datapoints); one
        ListMetrics call tells them apart, so the model is not left guessing which."""
        try:
            page = self.call(
                "list_metrics",
                "cloudwatch:ListMetrics",
                Namespace=query.namespace,
                MetricName=query.metric_name,
                Dimensions=_dimensions(query.dimensions),
            )
        except TelemetryUnavailableError:
            return []  # the datapoints answer stands; "no datapoints" is still true
        wanted = {(d.name, d.value) for d in query.dimensions}
        if any(_dimension_key(m) == tuple(sorted(wanted)) for m in page.get("Metrics", [])):
            return []
        return [
            {
                "Code": "NoSeries",
                "Value": f"no {query.namespace}/{query.metric_name} series with exactly these "
                "dimensions in the last two weeks (see list_metrics)",
            }
        ]

    def list_metrics(
        self,
        namespace: str | None = None,
        metric_name: str | None = None,
        dimensions: Sequence[MetricDimension] = (),
    ) -> QueryResult:
        kwargs: dict[str, Any] = {}
        if namespace:
            kwargs["Namespace"] = namespace
        if metric_name:
            kwargs["MetricName"] = metric_name
        if dimensions:
            kwargs["Dimensions"] = _dimensions(dimensions)
        metrics: list[dict[str, Any]] = []
        seen: set[tuple[Any, ...]] = set()
        more = False
        while True:
            page = self.call("list_metrics", "cloudwatch:ListMetrics", **kwargs)
            for metric in page.get("Metrics", []):
                # A metric can come back twice across pages while datapoints arrive; once is enough.
                key = (metric.get("Namespace"), metric.get("MetricName"), _dimension_key(metric))
                if key not in seen:
                    seen.add(key)
                    # Dimension order carries no meaning; sorted by name (as the local backend
                    # does), a metric prints the same way in every listing.
                    ordered = sorted(metric.get("Dimensions", []), key=lambda d: d["Name"])
                    metrics.append({**metric, "Dimensions": ordered})
            if not page.get("NextToken"):
                break
            if len(metrics) >= MAX_LIST_METRICS:
                more = True
                break
            kwargs["NextToken"] = page["NextToken"]
        result = from_list_metrics(
            {"Metrics": metrics},
            query=list_metrics_query(namespace, metric_name, dimensions),
            link=metrics_browser_url(self.settings.aws.region),
            max_rows=MAX_LIST_METRICS,
        )
        return result.model_copy(update={"truncated": result.truncated or more})

    # ------------------------------------------------------------------ alarms

    def describe_alarm_history(
        self,
        alarm_name: str,
        *,
        max_items: int = 10,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> QueryResult:
        """The alarm's latest history items (state changes, configuration updates, actions)."""
        kwargs: dict[str, Any] = {
            "AlarmName": alarm_name,
            "AlarmTypes": ["CompositeAlarm", "MetricAlarm"],
            "MaxRecords": max(1, min(max_items, 100)),
            "ScanBy": "TimestampDescending",
        }
        if start is not None:
            kwargs["StartDate"] = start
        if end is not None:
            kwargs["EndDate"] = end
        response = self.call(
            "describe_alarm_history",
            "cloudwatch:DescribeAlarmHistory",
            resource=_alarm_arn(self.settings.aws.region, alarm_name),
            **kwargs,
        )
        items = response.get("AlarmHistoryItems", [])
        rows: list[list[str | None]] = [
            [
                format_timestamp(i.get("Timestamp")),
                i.get("HistoryItemType"),
                i.get("HistorySummary"),
            ]
            for i in items
        ]
        typed = AlarmHistory(
            items=[
                AlarmHistoryItem(timestamp=at, kind=kind, summary=summary)
                for at, kind, summary in rows
            ]
        )
        return QueryResult(
            alarm_history=typed,
            source="alarm",
            status="ok" if rows else "empty",
            query=f"DescribeAlarmHistory {alarm_name}",
            columns=list(HISTORY_COLUMNS),
            rows=rows,
            total_rows=len(rows),
            truncated=bool(response.get("NextToken")),
            link=alarm_url(self.settings.aws.region, alarm_name),
            raw={"AlarmHistoryItems": items},
        )

    def describe_alarm(self, alarm_name: str, *, history_items: int = 5) -> QueryResult:
        """The alarm (metric or composite) and, in `alarm_history` (and the API shape in
        `raw["AlarmHistoryItems"]`), its latest `history_items` history entries."""
        name = alarm_name.strip()
        if not name:
            raise QueryError("empty alarm name")
        response = self.call(
            "describe_alarms",
            "cloudwatch:DescribeAlarms",
            resource=_alarm_arn(self.settings.aws.region, name),
            AlarmNames=[name],
            AlarmTypes=["CompositeAlarm", "MetricAlarm"],
        )
        response = {k: response.get(k, []) for k in ("MetricAlarms", "CompositeAlarms")}
        result = from_describe_alarms(
            response, query=f"DescribeAlarms {name}", link=alarm_url(self.settings.aws.region, name)
        )
        if result.status == "empty":
            return result.model_copy(
                update={
                    "error": f"no alarm named {name!r} in {self.settings.aws.region} (names are case-sensitive)"
                }
            )
        if history_items <= 0:
            return result
        raw = dict(result.raw or {})
        try:
            history = self.describe_alarm_history(name, max_items=history_items)
        except TelemetryUnavailableError as exc:
            # The alarm itself is the main answer; missing history permission must not hide it.
            raw["AlarmHistoryError"] = str(exc)
            return result.model_copy(
                update={"raw": raw, "alarm_history": AlarmHistory(error=str(exc))}
            )
        raw["AlarmHistoryItems"] = (history.raw or {}).get("AlarmHistoryItems", [])
        return result.model_copy(update={"raw": raw, "alarm_history": history.alarm_history})
