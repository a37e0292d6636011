"""GetTraceSummaries derived from segment documents, BatchGetTraces and GetServiceGraph."""

from __future__ import annotations

from datetime import UTC, datetime

from agent.incident import TimeRange
from agent.telemetry import shapes
from agent.telemetry.local.xray import XRayEngine

from .conftest import FAULTING_TRACE, HEALTHY_TRACE, THROTTLED_TRACE


def _summary(xray: XRayEngine, window: TimeRange, trace_id: str) -> dict:
    response, _ = xray.trace_summaries(None, window)
    return next(s for s in response["TraceSummaries"] if s["Id"] == trace_id)


def test_faulting_trace_summary_reports_root_segment_http_and_timing(xray, incident_window) -> None:
    summary = _summary(xray, incident_window, FAULTING_TRACE)
    assert summary["StartTime"] == "2026-03-02T10:05:00.250000+00:00"
    assert (summary["Duration"], summary["ResponseTime"]) == (0.731, 0.731)
    assert summary["Http"] == {
        "HttpURL": "https://k7x2q9w4ab.execute-api.us-east-1.amazonaws.com/prod/orders/ord-42",
        "HttpStatus": 502,
        "HttpMethod": "PUT",
        "UserAgent": "python-requests/2.31",
        "ClientIp": "198.51.100.10",
    }
    assert (summary["HasFault"], summary["HasError"], summary["HasThrottle"]) == (
        True,
        False,
        False,
    )
    assert summary["EntryPoint"]["Name"] == "orders-api/prod"


def test_faulting_dynamodb_subsegment_is_the_fault_root_cause(xray, incident_window) -> None:
    summary = _summary(xray, incident_window, FAULTING_TRACE)
    [cause] = summary["FaultRootCauses"]
    [service] = cause["Services"]
    assert (service["Name"], service["Type"]) == ("orders-put", "AWS::Lambda::Function")
    path = [entity["Name"] for entity in service["EntityPath"]]
    assert path == ["orders-put", "Invocation", "DynamoDB"]
    assert service["EntityPath"][-1] == {
        "Name": "DynamoDB",
        "Exceptions": [{"Name": "InternalServerError", "Message": "Internal server error"}],
        "Remote": True,
    }
    assert cause["ClientImpacting"] is True


def test_services_include_the_inferred_dynamodb_table(xray, incident_window) -> None:
    summary = _summary(xray, incident_window, FAULTING_TRACE)
    assert [(s["Name"], s["Type"]) for s in summary["ServiceIds"]] == [
        ("orders-api/prod", "AWS::ApiGateway::Stage"),
        ("orders-put", "AWS::Lambda::Function"),
        ("orders", "AWS::DynamoDB::Table"),
    ]


def test_annotations_are_reported_with_their_types(xray, incident_window) -> None:
    annotations = _summary(xray, incident_window, FAULTING_TRACE)["Annotations"]
    assert annotations["tenant"][0]["AnnotationValue"] == {"StringValue": "acme"}
    assert annotations["retries"][0]["AnnotationValue"] == {"NumberValue": 3}


def test_throttled_request_sets_error_and_throttle(xray, incident_window) -> None:
    summary = _summary(xray, incident_window, THROTTLED_TRACE)
    assert (summary["HasFault"], summary["HasError"], summary["HasThrottle"]) == (False, True, True)


def test_summary_table_names_root_cause_and_exception(xray, incident_window) -> None:
    response, _ = xray.trace_summaries("fault", incident_window)
    table = shapes.from_trace_summaries(response)
    row = dict(zip(table.columns, table.rows[0], strict=True))
    assert (row["root_cause_service"], row["root_cause_exception"]) == (
        "orders-put > DynamoDB",
        "InternalServerError: Internal server error",
    )


def test_time_range_selects_traces_by_start_time(xray) -> None:
    window = TimeRange(
        start=datetime(2026, 3, 2, 10, 6, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 7, tzinfo=UTC)
    )
    response, matched = xray.trace_summaries(None, window)
    assert [s["Id"] for s in response["TraceSummaries"]] == [HEALTHY_TRACE]
    assert (matched, response["TracesProcessedCount"]) == (1, 1)


def test_limit_caps_summaries_but_counts_all_matches(xray, incident_window) -> None:
    response, matched = xray.trace_summaries(None, incident_window, limit=1)
    assert len(response["TraceSummaries"]) == 1
    assert matched == 3


def test_batch_get_traces_returns_full_traces_and_unprocessed_ids(xray) -> None:
    response = xray.batch_get_traces([FAULTING_TRACE, "1-00000000-000000000000000000000000"])
    [trace] = response["Traces"]
    assert trace["Id"] == FAULTING_TRACE and len(trace["Segments"]) == 2
    assert response["UnprocessedTraceIds"] == ["1-00000000-000000000000000000000000"]
    table = shapes.from_batch_get_traces(response)
    assert [row[3] for row in table.rows] == [
        "orders-api/prod",
        "  Lambda",
        "orders-put",
        "  Invocation",
        "    DynamoDB",
    ]


def test_service_graph_has_nodes_edges_and_counts(xray, incident_window) -> None:
    graph = xray.service_graph(incident_window)
    by_name = {(s["Name"], s["Type"]): s for s in graph["Services"]}
    gateway = by_name[("orders-api/prod", "AWS::ApiGateway::Stage")]
    assert gateway["Root"] is True
    assert gateway["SummaryStatistics"]["TotalCount"] == 3
    assert gateway["SummaryStatistics"]["FaultStatistics"]["TotalCount"] == 1
    assert gateway["SummaryStatistics"]["ErrorStatistics"] == {
        "ThrottleCount": 1,
        "OtherCount": 0,
        "TotalCount": 1,
    }
    names = {s["ReferenceId"]: s["Name"] for s in graph["Services"]}
    put = by_name[("orders-put", "AWS::Lambda::Function")]
    [to_table] = put["Edges"]
    assert names[to_table["ReferenceId"]] == "orders"
    assert to_table["SummaryStatistics"]["FaultStatistics"]["TotalCount"] == 1
    assert to_table["SummaryStatistics"]["TotalResponseTime"] == 0.68
    table = by_name[("orders", "AWS::DynamoDB::Table")]
    assert table["SummaryStatistics"]["TotalCount"] == 2  # a PutItem (fault) and a GetItem (ok)


def test_response_time_root_cause_follows_the_slowest_calls(xray, incident_window) -> None:
    faulting = _summary(xray, incident_window, FAULTING_TRACE)
    [cause] = faulting["ResponseTimeRootCauses"]
    assert [e["Name"] for e in cause["Services"][0]["EntityPath"]] == [
        "orders-put",
        "Invocation",
        "DynamoDB",
    ]
    healthy = _summary(xray, incident_window, HEALTHY_TRACE)
    [cause] = healthy["ResponseTimeRootCauses"]
    # The GetItem took 10 of the function's 46 ms: the time is spent in the function itself.
    assert cause["Services"][0]["Name"] == "orders-get"
    assert [e["Name"] for e in cause["Services"][0]["EntityPath"]] == ["orders-get"]
