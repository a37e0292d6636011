"""AWS API response shapes -> `QueryResult`, shared by the AWS and the local backend.

Both backends produce the AWS-shaped response (the local one builds it from the bundle), then
call the same function here, so a tool cannot tell which backend answered. Each function
keeps the response as `raw` and flattens it into a compact table of strings: the columns an
investigator reads first, not every field of the API.

Timestamps may arrive as `datetime` (boto3), epoch seconds (X-Ray JSON) or ISO strings (AWS
CLI / local); they are all rendered as ISO 8601 UTC.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from agent.models import TimeRange
from agent.telemetry.base import QueryResult, Source

Row = list[str | None]

_FAILED_QUERY_STATES = {"Failed", "Cancelled", "Timeout", "Unknown"}


# ---------------------------------------------------------------- value formatting


def format_number(value: float | int | None) -> str | None:
    """Numbers as a person would write them: `12` not `12.0`, at most 10 significant digits."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value != value:  # NaN
        return "NaN"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".10g")


def format_timestamp(value: Any) -> str | None:
    """ISO 8601 UTC with milliseconds (`2026-03-02T10:17:00.000Z`) from any AWS time form."""
    if value is None or value == "":
        return None
    moment: datetime
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float):
        moment = datetime.fromtimestamp(float(value), tz=UTC)
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, Mapping | list):
        return json.dumps(value, default=str, separators=(",", ":"))
    return str(value)


def _dimensions_text(dimensions: Sequence[Mapping[str, Any]] | None) -> str:
    return ", ".join(f"{d.get('Name')}={d.get('Value')}" for d in dimensions or ())


def _finish(
    *,
    source: Source,
    query: str,
    columns: list[str],
    rows: list[Row],
    raw: dict[str, Any],
    time_range: TimeRange | None = None,
    link: str | None = None,
    max_rows: int | None = None,
    total_rows: int | None = None,
    truncated: bool = False,
    bytes_scanned: int = 0,
    statistics: dict[str, float] | None = None,
) -> QueryResult:
    total = len(rows) if total_rows is None else total_rows
    if max_rows is not None and len(rows) > max_rows:
        rows = rows[:max_rows]
        truncated = True
    return QueryResult(
        source=source,
        status="ok" if rows else "empty",
        query=query,
        time_range=time_range,
        columns=columns,
        rows=rows,
        total_rows=total,
        truncated=truncated or total > len(rows),
        link=link,
        bytes_scanned=bytes_scanned,
        statistics=statistics or {},
        raw=raw,
    )


# ---------------------------------------------------------------- CloudWatch Logs Insights


def from_logs_insights(
    response: dict[str, Any],
    *,
    query: str,
    time_range: TimeRange | None = None,
    link: str | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """`GetQueryResults` (Logs): `results` is a list of rows, each a list of
    `{"field", "value"}`; the internal `@ptr` field is dropped. Columns are the fields in
    order of first appearance (a field missing from a row is None there)."""
    columns: list[str] = []
    records: list[dict[str, str]] = []
    for result in response.get("results") or []:
        record: dict[str, str] = {}
        for cell in result:
            field = cell.get("field")
            if not field or field == "@ptr":
                continue
            if field not in record and field not in columns:
                columns.append(field)
            record[field] = cell.get("value")
        records.append(record)
    rows: list[Row] = [[record.get(c) for c in columns] for record in records]
    stats = {
        k: float(v)
        for k, v in (response.get("statistics") or {}).items()
        if isinstance(v, int | float)
    }
    status = response.get("status")
    if status in _FAILED_QUERY_STATES:
        return QueryResult(
            source="logs",
            status="error",
            query=query,
            time_range=time_range,
            error=f"Logs Insights query ended with status {status}",
            link=link,
            statistics=stats,
            raw=response,
        )
    return _finish(
        source="logs",
        query=query,
        time_range=time_range,
        link=link,
        columns=columns,
        rows=rows,
        raw=response,
        max_rows=max_rows,
        bytes_scanned=int(stats.get("bytesScanned", 0)),
        statistics=stats,
    )


# ---------------------------------------------------------------- Athena


def from_athena(
    result_set: dict[str, Any],
    *,
    sql: str,
    total_rows: int | None = None,
    truncated: bool = False,
    link: str | None = None,
    bytes_scanned: int = 0,
    time_range: TimeRange | None = None,
    header_row: bool | None = None,
) -> QueryResult:
    """Athena `GetQueryResults`: `ResultSet.ResultSetMetadata.ColumnInfo` and `ResultSet.Rows`
    (each `{"Data": [{"VarCharValue": ...}, {}]}`; a missing `VarCharValue` is NULL).

    Accepts the whole response or just its `ResultSet`. For SELECT, Athena's first row repeats
    the column labels: `header_row=None` drops it when it does, True/False forces it.
    """
    rs = result_set.get("ResultSet", result_set)
    infos = (rs.get("ResultSetMetadata") or {}).get("ColumnInfo") or []
    columns = [str(info.get("Label") or info.get("Name")) for info in infos]
    rows: list[Row] = [
        [cell.get("VarCharValue") for cell in row.get("Data") or []] for row in rs.get("Rows") or []
    ]
    if rows and (header_row or (header_row is None and rows[0] == columns)):
        rows = rows[1:]
    if not columns and rows:
        columns = [f"_col{i}" for i in range(len(rows[0]))]
    raw = result_set if "ResultSet" in result_set else {"ResultSet": result_set}
    return _finish(
        source="athena",
        query=sql,
        time_range=time_range,
        link=link,
        columns=columns,
        rows=rows,
        raw=raw,
        total_rows=total_rows if total_rows is not None else len(rows),
        truncated=truncated,
        bytes_scanned=bytes_scanned,
        statistics={"DataScannedInBytes": float(bytes_scanned)},
    )


# ---------------------------------------------------------------- X-Ray

TRACE_SUMMARY_COLUMNS = [
    "id",
    "start_time",
    "duration",
    "response_time",
    "http_method",
    "http_status",
    "url",
    "has_fault",
    "has_error",
    "has_throttle",
    "entry_point",
    "services",
    "root_cause_service",
    "root_cause_exception",
]


def _root_cause(summary: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Where X-Ray puts the blame: the first fault, error or response-time root cause that
    names an exception (else the first one at all), as `service > entity` and `Name: message`."""
    found: list[tuple[str | None, str | None]] = []
    for key in ("FaultRootCauses", "ErrorRootCauses", "ResponseTimeRootCauses"):
        for cause in summary.get(key) or []:
            for service in cause.get("Services") or []:
                path = service.get("EntityPath") or []
                exception = None
                for entity in path:
                    for exc in entity.get("Exceptions") or []:
                        name, message = exc.get("Name"), exc.get("Message")
                        exception = f"{name}: {message}" if name and message else (name or message)
                where = service.get("Name")
                if path and path[-1].get("Name") and path[-1].get("Name") != where:
                    where = f"{where} > {path[-1]['Name']}"
                if exception:
                    return where, exception
                found.append((where, None))
    return found[0] if found else (None, None)


def from_trace_summaries(
    response: dict[str, Any],
    *,
    query: str = "",
    time_range: TimeRange | None = None,
    link: str | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """`GetTraceSummaries`: one row per trace with its timing, HTTP facts, flags and the
    root-cause service/exception X-Ray attributes the fault (or error) to."""
    rows: list[Row] = []
    for summary in response.get("TraceSummaries") or []:
        http = summary.get("Http") or {}
        entry = (summary.get("EntryPoint") or {}).get("Name")
        names = [str(s.get("Name")) for s in summary.get("ServiceIds") or [] if s.get("Name")]
        services = ", ".join(dict.fromkeys(names))
        cause_service, cause_exception = _root_cause(summary)
        rows.append(
            [
                summary.get("Id"),
                format_timestamp(summary.get("StartTime")),
                _text(summary.get("Duration")),
                _text(summary.get("ResponseTime")),
                http.get("HttpMethod"),
                _text(http.get("HttpStatus")),
                http.get("HttpURL"),
                _text(bool(summary.get("HasFault"))),
                _text(bool(summary.get("HasError"))),
                _text(bool(summary.get("HasThrottle"))),
                entry,
                services or None,
                cause_service,
                cause_exception,
            ]
        )
    return _finish(
        source="xray",
        query=query,
        time_range=time_range,
        link=link,
        columns=list(TRACE_SUMMARY_COLUMNS),
        rows=rows,
        raw=response,
        max_rows=max_rows,
        statistics={"TracesProcessedCount": float(response.get("TracesProcessedCount") or 0)},
    )


TRACE_SEGMENT_COLUMNS = [
    "trace_id",
    "segment_id",
    "parent_id",
    "name",
    "origin",
    "operation",
    "start_time",
    "duration",
    "http_status",
    "fault",
    "error",
    "throttle",
    "exception",
]


def _walk_segment(
    trace_id: str, doc: Mapping[str, Any], parent_id: str | None, depth: int
) -> list[Row]:
    """Rows for a (sub)segment and, right after it, its subsegments in start order."""
    start, end = doc.get("start_time"), doc.get("end_time")
    duration = (float(end) - float(start)) if start is not None and end is not None else None
    http = doc.get("http") or {}
    status = (http.get("response") or {}).get("status")
    aws = doc.get("aws") or {}
    operation = aws.get("operation")
    if operation and aws.get("table_name"):
        operation = f"{operation} {aws['table_name']}"
    exception = None
    for exc in (doc.get("cause") or {}).get("exceptions") or []:
        kind, message = exc.get("type"), exc.get("message")
        exception = f"{kind}: {message}" if kind and message else (kind or message)
        break
    rows: list[Row] = [
        [
            trace_id,
            doc.get("id"),
            parent_id if parent_id is not None else doc.get("parent_id"),
            ("  " * depth) + str(doc.get("name", "")),
            doc.get("origin") or doc.get("namespace"),
            operation,
            format_timestamp(start),
            format_number(round(duration, 6)) if duration is not None else None,
            _text(status),
            _text(bool(doc.get("fault"))),
            _text(bool(doc.get("error"))),
            _text(bool(doc.get("throttle"))),
            exception,
        ]
    ]
    subsegments = sorted(
        doc.get("subsegments") or [], key=lambda sub: float(sub.get("start_time") or 0)
    )
    for sub in subsegments:
        rows.extend(_walk_segment(trace_id, sub, doc.get("id"), depth + 1))
    return rows


def from_batch_get_traces(
    response: dict[str, Any],
    *,
    query: str = "",
    time_range: TimeRange | None = None,
    link: str | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """`BatchGetTraces`: one row per segment and subsegment (names indented by depth), in
    start order within each trace; the segment `Document` JSON strings are parsed."""
    rows: list[Row] = []
    for trace in response.get("Traces") or []:
        trace_id = str(trace.get("Id"))
        documents = []
        for segment in trace.get("Segments") or []:
            document = segment.get("Document")
            documents.append(
                json.loads(document) if isinstance(document, str) else (document or {})
            )
        documents.sort(key=lambda doc: float(doc.get("start_time") or 0))
        for doc in documents:
            rows.extend(_walk_segment(trace_id, doc, None, 0))
    return _finish(
        source="xray",
        query=query
        or "BatchGetTraces " + " ".join(str(t.get("Id")) for t in response.get("Traces") or []),
        time_range=time_range,
        link=link,
        columns=list(TRACE_SEGMENT_COLUMNS),
        rows=rows,
        raw=response,
        max_rows=max_rows,
    )


SERVICE_GRAPH_COLUMNS = [
    "service",
    "type",
    "downstream",
    "requests",
    "ok",
    "errors",
    "throttles",
    "faults",
    "avg_response_time",
]


def _stats_cells(stats: Mapping[str, Any]) -> Row:
    errors = stats.get("ErrorStatistics") or {}
    faults = stats.get("FaultStatistics") or {}
    total = stats.get("TotalCount") or 0
    avg = (float(stats.get("TotalResponseTime") or 0) / total) if total else None
    return [
        _text(total),
        _text(stats.get("OkCount") or 0),
        _text(errors.get("TotalCount") or 0),
        _text(errors.get("ThrottleCount") or 0),
        _text(faults.get("TotalCount") or 0),
        format_number(round(avg, 6)) if avg is not None else None,
    ]


def from_service_graph(
    response: dict[str, Any],
    *,
    query: str = "GetServiceGraph",
    time_range: TimeRange | None = None,
    link: str | None = None,
) -> QueryResult:
    """`GetServiceGraph`: a row per service (its own statistics, `downstream` empty) followed by
    a row per outgoing edge (the calls it made to `downstream`, as the caller saw them)."""
    services = response.get("Services") or []
    names = {s.get("ReferenceId"): s.get("Name") for s in services}
    rows: list[Row] = []
    for service in services:
        rows.append(
            [
                service.get("Name"),
                service.get("Type"),
                None,
                *_stats_cells(service.get("SummaryStatistics") or {}),
            ]
        )
        for edge in service.get("Edges") or []:
            rows.append(
                [
                    service.get("Name"),
                    service.get("Type"),
                    names.get(edge.get("ReferenceId"), str(edge.get("ReferenceId"))),
                    *_stats_cells(edge.get("SummaryStatistics") or {}),
                ]
            )
    return _finish(
        source="xray",
        query=query,
        time_range=time_range,
        link=link,
        columns=list(SERVICE_GRAPH_COLUMNS),
        rows=rows,
        raw=response,
    )


# ---------------------------------------------------------------- CloudWatch metrics


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
    return _finish(
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
        [m.get("Namespace"), m.get("MetricName"), _dimensions_text(m.get("Dimensions"))]
        for m in response.get("Metrics") or []
    ]
    return _finish(
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
                _dimensions_text(alarm.get("Dimensions")) or None,
                alarm.get("Statistic") or alarm.get("ExtendedStatistic"),
                _text(alarm.get("Period")),
                _text(alarm.get("Threshold")),
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
    return _finish(
        source="alarm",
        query=query,
        link=link,
        columns=list(ALARM_COLUMNS),
        rows=rows,
        raw=response,
    )
