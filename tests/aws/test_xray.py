"""X-Ray: GetTraceSummaries (filter expression, TimeRangeType, pages, ranges longer than the
API's 24-hour maximum split into slices), BatchGetTraces in batches of 5, GetServiceGraph."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from agent.incident import TimeRange
from agent.telemetry.aws import AwsBackend
from agent.telemetry.aws.xray import split_range
from agent.telemetry.base import QueryError, TelemetryUnavailableError
from tests.aws.conftest import INCIDENT
from tests.aws.stubs import not_authorized

TRACE = "1-65e2f3a4-5b6c7d8e9f0a1b2c3d4e5f60"
FAULT_FILTER = 'service("orders-put") { fault = true }'
T0 = datetime(2026, 3, 2, 10, 17, 1, tzinfo=UTC).timestamp()


def _segment(trace_id: str, seg_id: str, start: float, fault: bool) -> str:
    return json.dumps(
        {
            "trace_id": trace_id,
            "id": seg_id,
            "name": "orders-put",
            "origin": "AWS::Lambda::Function",
            "start_time": start,
            "end_time": start + 0.524,
            "fault": fault,
            "http": {"response": {"status": 500 if fault else 200}},
            "subsegments": [
                {
                    "id": "5d8c2f1a9b3e4c70",
                    "name": "DynamoDB",
                    "namespace": "aws",
                    "start_time": start + 0.01,
                    "end_time": start + 0.51,
                    "fault": fault,
                    "aws": {"operation": "PutItem", "table_name": "orders", "retries": 9},
                    "cause": {
                        "exceptions": [
                            {
                                "id": "3c1e0f9a7b2d4e61",
                                "type": "ProvisionedThroughputExceededException",
                                "message": "Rate of requests exceeds the allowed throughput.",
                            }
                        ]
                    }
                    if fault
                    else {},
                }
            ],
        }
    )


def _summary(trace_id: str) -> dict[str, Any]:
    return {
        "Id": trace_id,
        "StartTime": datetime(2026, 3, 2, 10, 17, 1, tzinfo=UTC),
        "Duration": 0.524,
        "ResponseTime": 0.521,
        "HasFault": True,
        "HasError": False,
        "HasThrottle": False,
        "IsPartial": False,
        "Http": {
            "HttpURL": "https://orders.example.com/prod/orders",
            "HttpStatus": 500,
            "HttpMethod": "PUT",
        },
        "ServiceIds": [
            {"Name": "orders-put", "Names": ["orders-put"], "Type": "AWS::Lambda::Function"}
        ],
        "EntryPoint": {
            "Name": "orders-api/prod",
            "Names": ["orders-api/prod"],
            "Type": "AWS::ApiGateway::Stage",
        },
        "FaultRootCauses": [
            {
                "Services": [
                    {
                        "Name": "orders-put",
                        "Names": ["orders-put"],
                        "Type": "AWS::Lambda::Function",
                        "EntityPath": [
                            {"Name": "orders-put", "Exceptions": [], "Remote": False},
                            {
                                "Name": "DynamoDB",
                                "Exceptions": [
                                    {
                                        "Name": "ProvisionedThroughputExceededException",
                                        "Message": "Rate of requests exceeds the allowed throughput.",
                                    }
                                ],
                                "Remote": True,
                            },
                        ],
                        "Inferred": False,
                    }
                ],
                "ClientImpacting": True,
            }
        ],
    }


# ---------------------------------------------------------------- moto


def test_traces_are_found_and_fetched_in_moto(server_backend: AwsBackend, moto_server: str) -> None:
    xray = boto3.client("xray", region_name="us-east-1", endpoint_url=moto_server)
    ids = [f"1-65e2f3a4-5b6c7d8e9f0a1b2c3d4e5f6{i}" for i in range(3)]
    xray.put_trace_segments(
        TraceSegmentDocuments=[
            _segment(t, f"70de5b6f19ff9a0{i}", T0 + i, fault=i == 0) for i, t in enumerate(ids)
        ]
    )
    found = server_backend.find_traces(None, INCIDENT, limit=2)
    assert found.total_rows == 3 and len(found.rows) == 2 and found.truncated
    fetched = server_backend.get_traces([ids[0]])
    assert [row[3] for row in fetched.rows] == ["orders-put", "  DynamoDB"]
    assert (
        fetched.rows[1][12]
        == "ProvisionedThroughputExceededException: Rate of requests exceeds the allowed throughput."
    )


def test_missing_traces_are_reported(moto_backend: AwsBackend) -> None:
    result = moto_backend.get_traces([TRACE])
    assert result.status == "empty"
    assert result.error and TRACE in result.error


def test_service_graph_call_works_in_moto(moto_backend: AwsBackend) -> None:
    result = moto_backend.get_service_graph(INCIDENT)
    assert result.columns[:3] == ["service", "type", "downstream"]
    assert (
        result.link
        and "#/service-map?timeRange=2026-03-02T09:45:00~2026-03-02T10:30:00" in result.link
    )


# ---------------------------------------------------------------- Stubber


def test_filter_expression_and_time_range_type_are_sent(backend: AwsBackend) -> None:
    with Stubber(backend.clients.xray) as stub:
        stub.add_response(
            "get_trace_summaries",
            {
                "TraceSummaries": [_summary(TRACE)],
                "TracesProcessedCount": 412,
                "ApproximateTime": INCIDENT.end,
            },
            {
                "StartTime": INCIDENT.start,
                "EndTime": INCIDENT.end,
                "TimeRangeType": "TraceId",
                "FilterExpression": FAULT_FILTER,
            },
        )
        result = backend.find_traces(FAULT_FILTER, INCIDENT)
    assert result.rows[0][0] == TRACE
    assert result.statistics["TracesProcessedCount"] == 412
    assert result.query == f"GetTraceSummaries {FAULT_FILTER}"
    assert result.link and "filter=service%28%22orders-put%22%29" in result.link


def test_pages_are_followed(backend: AwsBackend) -> None:
    second = "1-65e2f3a4-00000000000000000000beef"
    with Stubber(backend.clients.xray) as stub:
        stub.add_response(
            "get_trace_summaries", {"TraceSummaries": [_summary(TRACE)], "NextToken": "p2"}, None
        )
        stub.add_response(
            "get_trace_summaries",
            {"TraceSummaries": [_summary(second)]},
            {
                "StartTime": INCIDENT.start,
                "EndTime": INCIDENT.end,
                "TimeRangeType": "TraceId",
                "NextToken": "p2",
            },
        )
        result = backend.find_traces(None, INCIDENT)
        stub.assert_no_pending_responses()
    assert [row[0] for row in result.rows] == [TRACE, second]


def test_paging_stops_once_the_limit_is_reached(backend: AwsBackend) -> None:
    with Stubber(backend.clients.xray) as stub:
        stub.add_response(
            "get_trace_summaries", {"TraceSummaries": [_summary(TRACE)], "NextToken": "p2"}, None
        )
        result = backend.find_traces(None, INCIDENT, limit=1)
        stub.assert_no_pending_responses()
    assert result.rows[0][0] == TRACE
    assert result.truncated


def test_ranges_longer_than_24_hours_are_split_newest_first(backend: AwsBackend) -> None:
    end = datetime(2026, 3, 3, 12, tzinfo=UTC)
    window = TimeRange(start=end - timedelta(hours=50), end=end)
    with Stubber(backend.clients.xray) as stub:
        for hours_back in (0, 24, 48):
            slice_end = end - timedelta(hours=hours_back)
            slice_start = max(window.start, slice_end - timedelta(hours=24))
            stub.add_response(
                "get_trace_summaries",
                {"TraceSummaries": [], "TracesProcessedCount": 0},
                {"StartTime": slice_start, "EndTime": slice_end, "TimeRangeType": "TraceId"},
            )
        result = backend.find_traces(None, window)
        stub.assert_no_pending_responses()
    assert result.status == "empty"


def test_split_range_covers_the_window_exactly() -> None:
    window = TimeRange(start=INCIDENT.start, end=INCIDENT.start + timedelta(hours=49, minutes=5))
    slices = list(split_range(window))
    assert len(slices) == 3
    assert slices[0][1] == window.end and slices[-1][0] == window.start
    assert all(end - start <= timedelta(hours=24) for start, end in slices)
    assert all(a[0] == b[1] for a, b in itertools.pairwise(slices))


def test_trace_ids_are_fetched_five_per_call(backend: AwsBackend) -> None:
    ids = [f"1-65e2f3a4-{i:024x}" for i in range(12)]
    with Stubber(backend.clients.xray) as stub:
        for batch in (ids[0:5], ids[5:10], ids[10:12]):
            stub.add_response(
                "batch_get_traces",
                {
                    "Traces": [
                        {
                            "Id": t,
                            "Duration": 0.524,
                            "LimitExceeded": False,
                            "Segments": [
                                {
                                    "Id": "70de5b6f19ff9a0a",
                                    "Document": _segment(t, "70de5b6f19ff9a0a", T0, True),
                                }
                            ],
                        }
                        for t in batch
                    ],
                    "UnprocessedTraceIds": [],
                },
                {"TraceIds": batch},
            )
        result = backend.get_traces(ids)
        stub.assert_no_pending_responses()
    assert len({row[0] for row in result.rows}) == 12
    assert result.link and result.link.endswith(f"#xray:traces/{ids[0]}")


def test_w3c_trace_ids_are_accepted_and_bad_ids_refused(backend: AwsBackend) -> None:
    with Stubber(backend.clients.xray) as stub:
        stub.add_response(
            "batch_get_traces",
            {"Traces": [], "UnprocessedTraceIds": [TRACE]},
            {"TraceIds": [TRACE]},
        )
        backend.get_traces(["65e2f3a45b6c7d8e9f0a1b2c3d4e5f60"])
    with pytest.raises(QueryError, match="not an X-Ray trace id"):
        backend.get_traces(["req-7f3a"])


def test_invalid_filter_expression_is_a_query_error(backend: AwsBackend) -> None:
    with Stubber(backend.clients.xray) as stub:
        stub.add_client_error(
            "get_trace_summaries",
            service_error_code="InvalidRequestException",
            service_message="Invalid filter expression: unexpected token '{' at position 8",
        )
        with pytest.raises(QueryError, match="Invalid filter expression"):
            backend.find_traces("service{", INCIDENT)


def test_access_denied_names_the_xray_action(backend: AwsBackend) -> None:
    with Stubber(backend.clients.xray) as stub:
        stub.add_client_error(
            "get_service_graph",
            service_error_code="AccessDeniedException",
            service_message=not_authorized("xray:GetServiceGraph", "*"),
        )
        with pytest.raises(TelemetryUnavailableError, match="`xray:GetServiceGraph` on `\\*`"):
            backend.get_service_graph(INCIDENT)


def test_service_graph_pages_are_merged(backend: AwsBackend) -> None:
    lambda_node = {
        "ReferenceId": 1,
        "Name": "orders-put",
        "Names": ["orders-put"],
        "Type": "AWS::Lambda::Function",
        "Edges": [
            {
                "ReferenceId": 2,
                "StartTime": INCIDENT.start,
                "EndTime": INCIDENT.end,
                "SummaryStatistics": {
                    "OkCount": 10,
                    "ErrorStatistics": {"ThrottleCount": 0, "OtherCount": 0, "TotalCount": 0},
                    "FaultStatistics": {"OtherCount": 31, "TotalCount": 31},
                    "TotalCount": 41,
                    "TotalResponseTime": 20.5,
                },
            }
        ],
        "SummaryStatistics": {
            "OkCount": 10,
            "ErrorStatistics": {"ThrottleCount": 0, "OtherCount": 0, "TotalCount": 0},
            "FaultStatistics": {"OtherCount": 31, "TotalCount": 31},
            "TotalCount": 41,
            "TotalResponseTime": 21.3,
        },
    }
    table_node = {
        "ReferenceId": 2,
        "Name": "orders",
        "Names": ["orders"],
        "Type": "AWS::DynamoDB::Table",
        "Edges": [],
    }
    with Stubber(backend.clients.xray) as stub:
        stub.add_response(
            "get_service_graph",
            {
                "StartTime": INCIDENT.start,
                "EndTime": INCIDENT.end,
                "Services": [lambda_node],
                "NextToken": "n",
            },
            None,
        )
        stub.add_response("get_service_graph", {"Services": [table_node]}, None)
        result = backend.get_service_graph(INCIDENT)
    assert [row[:3] for row in result.rows] == [
        ["orders-put", "AWS::Lambda::Function", None],
        ["orders-put", "AWS::Lambda::Function", "orders"],
        ["orders", "AWS::DynamoDB::Table", None],
    ]
    assert result.rows[1][7] == "31"  # faults on the edge to the table
