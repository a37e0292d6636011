"""X-Ray responses (`GetTraceSummaries`, `BatchGetTraces`, `GetServiceGraph`) -> `QueryResult`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from agent.telemetry.base import QueryResult
from agent.telemetry.shapes.values import Row, finish, format_number, format_timestamp, text
from agent.telemetry.types import TimeRange

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


def _exception_text(kind: str | None, message: str | None) -> str | None:
    """An exception as `Kind: message`, or whichever of the two X-Ray recorded."""
    return f"{kind}: {message}" if kind and message else (kind or message)


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
                        exception = _exception_text(exc.get("Name"), exc.get("Message"))
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
                text(summary.get("Duration")),
                text(summary.get("ResponseTime")),
                http.get("HttpMethod"),
                text(http.get("HttpStatus")),
                http.get("HttpURL"),
                text(bool(summary.get("HasFault"))),
                text(bool(summary.get("HasError"))),
                text(bool(summary.get("HasThrottle"))),
                entry,
                services or None,
                cause_service,
                cause_exception,
            ]
        )
    return finish(
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
        exception = _exception_text(exc.get("type"), exc.get("message"))
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
            text(status),
            text(bool(doc.get("fault"))),
            text(bool(doc.get("error"))),
            text(bool(doc.get("throttle"))),
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
    return finish(
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
        text(total),
        text(stats.get("OkCount") or 0),
        text(errors.get("TotalCount") or 0),
        text(errors.get("ThrottleCount") or 0),
        text(faults.get("TotalCount") or 0),
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
    return finish(
        source="xray",
        query=query,
        time_range=time_range,
        link=link,
        columns=list(SERVICE_GRAPH_COLUMNS),
        rows=rows,
        raw=response,
    )
