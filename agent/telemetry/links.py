"""AWS console deep links, so a person can re-run exactly what the agent ran.

The CloudWatch console keeps its state in the URL fragment as JSURL (a compact JSON
notation: `~(key~'string~key~number)`, lists `~(~'a~'b)`, characters outside
`[A-Za-z0-9_.-]` written `*hh`, `$` written `!`). Logs Insights nests that under
`#logsV2:logs-insights?queryDetail=...`, with the `?` and `=` themselves escaped as
`$3F` / `$3D`; the metrics console takes it as `#metricsV2:graph=...`. Athena and X-Ray
use plain paths (X-Ray's documented `#/traces?timeRange=start~end&filter=...`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from agent.telemetry.types import MetricDimension, TimeRange, as_utc

_JSURL_SAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def _jsurl_escape(text: str) -> str:
    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        if char == "$":
            return "!"
        units = char.encode("utf-16-be")
        out = []
        for i in range(0, len(units), 2):
            code = int.from_bytes(units[i : i + 2], "big")
            out.append(f"*{code:02x}" if code < 0x100 else f"**{code:04x}")
        return "".join(out)

    return _JSURL_SAFE.sub(escape, text)


def jsurl(value: Any) -> str:
    """Encode `value` (dict, list, str, number, bool, None) as JSURL."""
    if value is None:
        return "~null"
    if isinstance(value, bool):
        return "~true" if value else "~false"
    if isinstance(value, int | float):
        return f"~{value:g}" if isinstance(value, float) else f"~{value}"
    if isinstance(value, str):
        return "~'" + _jsurl_escape(value)
    if isinstance(value, Mapping):
        body = "~".join(_jsurl_escape(str(key)) + jsurl(item) for key, item in value.items())
        return "~(" + body + ")"
    if isinstance(value, Sequence):
        return "~(" + ("".join(jsurl(item) for item in value) or "~") + ")"
    raise TypeError(f"cannot encode {type(value).__name__} as JSURL")


def console_base(region: str) -> str:
    """The console host for a region's partition (commercial, China, GovCloud)."""
    if region.startswith("cn-"):
        return f"https://{region}.console.amazonaws.cn"
    if region.startswith("us-gov-"):
        return f"https://{region}.console.amazonaws-us-gov.com"
    return f"https://{region}.console.aws.amazon.com"


def _cloudwatch_home(region: str) -> str:
    return f"{console_base(region)}/cloudwatch/home?region={region}"


def _iso_millis(moment: datetime) -> str:
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def logs_insights_url(
    region: str, query: str, log_groups: Sequence[str], time_range: TimeRange
) -> str:
    """The Logs Insights page with the query, the log groups and the absolute UTC range filled in."""
    detail = {
        "end": _iso_millis(time_range.end),
        "start": _iso_millis(time_range.start),
        "timeType": "ABSOLUTE",
        "tz": "UTC",
        "editorString": query,
        "isLiveTail": False,
        "source": list(log_groups),
    }
    return f"{_cloudwatch_home(region)}#logsV2:logs-insights$3FqueryDetail$3D{jsurl(detail)}"


def athena_query_url(region: str, query_execution_id: str) -> str:
    """The Athena query editor's history entry of one query execution."""
    return f"{console_base(region)}/athena/home?region={region}#/query-editor/history/{quote(query_execution_id, safe='')}"


def xray_trace_url(region: str, trace_id: str) -> str:
    """One trace (timeline and map) in the CloudWatch console's X-Ray pages."""
    return f"{_cloudwatch_home(region)}#xray:traces/{quote(trace_id, safe='')}"


def _xray_time_range(time_range: TimeRange) -> str:
    return (
        f"{as_utc(time_range.start):%Y-%m-%dT%H:%M:%S}~{as_utc(time_range.end):%Y-%m-%dT%H:%M:%S}"
    )


def xray_traces_url(region: str, filter_expression: str | None, time_range: TimeRange) -> str:
    """The trace list for a filter expression and time range (X-Ray's documented deep link)."""
    url = f"{console_base(region)}/xray/home?region={region}#/traces?timeRange={_xray_time_range(time_range)}"
    if filter_expression:
        url += "&filter=" + quote(filter_expression, safe="")
    return url


def xray_service_map_url(region: str, time_range: TimeRange) -> str:
    return f"{console_base(region)}/xray/home?region={region}#/service-map?timeRange={_xray_time_range(time_range)}"


def metric_graph_metric(
    *,
    namespace: str | None,
    metric_name: str | None,
    dimensions: Sequence[MetricDimension] = (),
    expression: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[Any]:
    """One entry of the console's `metrics` list: `[ns, name, dim, value, ..., {options}]`,
    or `[{"expression": ..., options}]` for metric math."""
    extra = {k: v for k, v in (options or {}).items() if v is not None}
    if expression:
        return [{"expression": expression, **extra}]
    entry: list[Any] = [namespace or "", metric_name or ""]
    for dimension in dimensions:
        entry.extend([dimension.name, dimension.value])
    if extra:
        entry.append(extra)
    return entry


def metric_graph_url(
    region: str,
    metrics: Sequence[list[Any]],
    time_range: TimeRange,
    *,
    title: str | None = None,
    period: int | None = None,
) -> str:
    """The metrics console graphing `metrics` (see `metric_graph_metric`) over the range."""
    graph: dict[str, Any] = {
        "view": "timeSeries",
        "stacked": False,
        "region": region,
        "start": _iso_millis(time_range.start),
        "end": _iso_millis(time_range.end),
        "metrics": list(metrics),
    }
    if period:
        graph["period"] = period
    if title:
        graph["title"] = title
    return f"{_cloudwatch_home(region)}#metricsV2:graph={jsurl(graph)}"


def alarm_url(region: str, alarm_name: str) -> str:
    """The alarm's page (the link CloudWatch itself puts in alarm notifications)."""
    return f"{_cloudwatch_home(region)}#alarmsV2:alarm/{quote(alarm_name, safe='')}"


def metrics_browser_url(region: str) -> str:
    """The metrics browser (ListMetrics has no per-query console view)."""
    return f"{_cloudwatch_home(region)}#metricsV2:"
