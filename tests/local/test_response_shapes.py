"""AWS response shapes -> QueryResult: the same flattening for the AWS and the local backend.

The responses are the examples of the AWS API references (trimmed to what matters)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from agent.telemetry import shapes


def test_logs_insights_results_drop_ptr_and_keep_field_order() -> None:
    response = {
        "results": [
            [
                {"field": "@timestamp", "value": "2026-03-02 10:05:01.123"},
                {"field": "@message", "value": "ERROR ProvisionedThroughputExceededException"},
                {"field": "@ptr", "value": "CmAKJwojMTIzNDU2Nzg5MDEyOi9hd3MvbGFtYmRh"},
            ],
            [
                {"field": "@timestamp", "value": "2026-03-02 10:05:00.001"},
                {"field": "requestId", "value": "7f0e"},
            ],
        ],
        "statistics": {"recordsMatched": 2.0, "recordsScanned": 1200.0, "bytesScanned": 524288.0},
        "status": "Complete",
    }
    result = shapes.from_logs_insights(response, query="fields @timestamp, @message", link="x")
    assert result.columns == ["@timestamp", "@message", "requestId"]
    assert result.rows[1] == ["2026-03-02 10:05:00.001", None, "7f0e"]
    assert result.bytes_scanned == 524288
    assert result.status == "ok"
    assert result.raw == response


def test_logs_insights_failed_query_is_an_error_result() -> None:
    result = shapes.from_logs_insights({"results": [], "status": "Failed"}, query="q")
    assert result.status == "error"
    assert "Failed" in (result.error or "")


def test_athena_header_row_is_dropped_and_missing_values_are_null() -> None:
    response = {
        "ResultSet": {
            "Rows": [
                {"Data": [{"VarCharValue": "target_ip"}, {"VarCharValue": "errors"}]},
                {"Data": [{"VarCharValue": "10.0.1.17"}, {"VarCharValue": "42"}]},
                {"Data": [{}, {"VarCharValue": "3"}]},
            ],
            "ResultSetMetadata": {
                "ColumnInfo": [
                    {"Name": "target_ip", "Label": "target_ip", "Type": "varchar"},
                    {"Name": "errors", "Label": "errors", "Type": "bigint"},
                ]
            },
        },
        "UpdateCount": 0,
    }
    result = shapes.from_athena(
        response, sql="SELECT ...", total_rows=5, truncated=True, bytes_scanned=10
    )
    assert result.columns == ["target_ip", "errors"]
    assert result.rows == [["10.0.1.17", "42"], [None, "3"]]
    assert (result.total_rows, result.truncated, result.bytes_scanned) == (5, True, 10)


def _faulting_summary() -> dict:
    return {
        "TraceSummaries": [
            {
                "Id": "1-67c42f2c-5a1b2c3d4e5f60718293a4b5",
                "StartTime": datetime(2026, 3, 2, 10, 5, 0, 250000, tzinfo=UTC),
                "Duration": 0.734,
                "ResponseTime": 0.73,
                "HasFault": True,
                "HasError": False,
                "HasThrottle": True,
                "Http": {
                    "HttpURL": "https://api.example.com/orders",
                    "HttpStatus": 500,
                    "HttpMethod": "PUT",
                },
                "EntryPoint": {"Name": "orders-api/prod", "Type": "AWS::ApiGateway::Stage"},
                "ServiceIds": [
                    {"Name": "orders-api/prod"},
                    {"Name": "orders-put"},
                    {"Name": "DynamoDB"},
                ],
                "FaultRootCauses": [
                    {
                        "Services": [
                            {
                                "Name": "orders-put",
                                "EntityPath": [
                                    {"Name": "orders-put"},
                                    {
                                        "Name": "DynamoDB",
                                        "Exceptions": [
                                            {
                                                "Name": "ProvisionedThroughputExceededException",
                                                "Message": "Rate of requests exceeds the allowed throughput.",
                                            }
                                        ],
                                    },
                                ],
                            }
                        ]
                    }
                ],
            }
        ],
        "TracesProcessedCount": 1,
    }


def test_trace_summary_row_names_root_cause_service_and_exception() -> None:
    result = shapes.from_trace_summaries(_faulting_summary(), query="fault")
    row = dict(zip(result.columns, result.rows[0], strict=True))
    assert row["start_time"] == "2026-03-02T10:05:00.250Z"
    assert (row["http_status"], row["has_fault"], row["has_throttle"]) == ("500", "true", "true")
    assert row["root_cause_service"] == "orders-put > DynamoDB"
    assert row["root_cause_exception"].startswith("ProvisionedThroughputExceededException:")
    assert row["services"] == "orders-api/prod, orders-put, DynamoDB"


def test_trace_summaries_are_capped_with_total_kept() -> None:
    response = {"TraceSummaries": [{"Id": f"1-0-{i}"} for i in range(5)]}
    result = shapes.from_trace_summaries(response, max_rows=2)
    assert (len(result.rows), result.total_rows, result.truncated) == (2, 5, True)


def test_batch_get_traces_flattens_subsegments_under_their_segment() -> None:
    lambda_doc = {
        "id": "a1",
        "name": "orders-put",
        "origin": "AWS::Lambda::Function",
        "start_time": 1772445900.30,
        "end_time": 1772445900.90,
        "fault": True,
        "subsegments": [
            {
                "id": "b2",
                "name": "DynamoDB",
                "namespace": "aws",
                "start_time": 1772445900.35,
                "end_time": 1772445900.85,
                "throttle": True,
                "fault": True,
                "aws": {"operation": "PutItem", "table_name": "orders"},
                "http": {"response": {"status": 400}},
                "cause": {
                    "exceptions": [
                        {
                            "type": "ProvisionedThroughputExceededException",
                            "message": "Rate exceeded",
                        }
                    ]
                },
            }
        ],
    }
    gateway_doc = {
        "id": "c3",
        "name": "orders-api/prod",
        "start_time": 1772445900.25,
        "end_time": 1772445900.98,
    }
    response = {
        "Traces": [
            {
                "Id": "1-67c42f2c-5a1b2c3d4e5f60718293a4b5",
                "Duration": 0.73,
                "Segments": [
                    {"Id": "a1", "Document": json.dumps(lambda_doc)},
                    {"Id": "c3", "Document": json.dumps(gateway_doc)},
                ],
            }
        ],
        "UnprocessedTraceIds": [],
    }
    result = shapes.from_batch_get_traces(response)
    names = [row[3] for row in result.rows]
    assert names == ["orders-api/prod", "orders-put", "  DynamoDB"]
    dynamo = dict(zip(result.columns, result.rows[2], strict=True))
    assert dynamo["parent_id"] == "a1"
    assert dynamo["operation"] == "PutItem orders"
    assert dynamo["duration"] == "0.5"
    assert dynamo["exception"] == "ProvisionedThroughputExceededException: Rate exceeded"


def test_service_graph_rows_give_node_then_edges_with_average_latency() -> None:
    response = {
        "Services": [
            {
                "ReferenceId": 0,
                "Name": "orders-put",
                "Type": "AWS::Lambda::Function",
                "SummaryStatistics": {
                    "OkCount": 8,
                    "ErrorStatistics": {"ThrottleCount": 0, "OtherCount": 0, "TotalCount": 0},
                    "FaultStatistics": {"OtherCount": 2, "TotalCount": 2},
                    "TotalCount": 10,
                    "TotalResponseTime": 3.0,
                },
                "Edges": [
                    {
                        "ReferenceId": 1,
                        "SummaryStatistics": {
                            "OkCount": 7,
                            "ErrorStatistics": {
                                "ThrottleCount": 3,
                                "OtherCount": 0,
                                "TotalCount": 3,
                            },
                            "FaultStatistics": {"OtherCount": 0, "TotalCount": 0},
                            "TotalCount": 10,
                            "TotalResponseTime": 1.25,
                        },
                    }
                ],
            },
            {"ReferenceId": 1, "Name": "orders", "Type": "AWS::DynamoDB::Table", "Edges": []},
        ]
    }
    result = shapes.from_service_graph(response)
    assert result.rows[0][:3] == ["orders-put", "AWS::Lambda::Function", None]
    assert result.rows[0][-1] == "0.3"
    edge = dict(zip(result.columns, result.rows[1], strict=True))
    assert (edge["downstream"], edge["requests"], edge["throttles"], edge["avg_response_time"]) == (
        "orders",
        "10",
        "3",
        "0.125",
    )


def test_metric_data_is_long_format_with_iso_timestamps() -> None:
    response = {
        "MetricDataResults": [
            {
                "Id": "m1",
                "Label": "WriteThrottleEvents",
                "Timestamps": [datetime(2026, 3, 2, 10, 1, tzinfo=UTC), "2026-03-02T10:00:00Z"],
                "Values": [3.0, 0.5],
                "StatusCode": "Complete",
            }
        ]
    }
    result = shapes.from_metric_data(response)
    assert result.rows == [
        ["m1", "WriteThrottleEvents", "2026-03-02T10:00:00.000Z", "0.5"],
        ["m1", "WriteThrottleEvents", "2026-03-02T10:01:00.000Z", "3"],
    ]


def test_list_metrics_joins_dimensions() -> None:
    response = {
        "Metrics": [
            {
                "Namespace": "AWS/DynamoDB",
                "MetricName": "WriteThrottleEvents",
                "Dimensions": [
                    {"Name": "TableName", "Value": "orders"},
                    {"Name": "Operation", "Value": "PutItem"},
                ],
            }
        ]
    }
    result = shapes.from_list_metrics(response)
    assert result.rows == [
        ["AWS/DynamoDB", "WriteThrottleEvents", "TableName=orders, Operation=PutItem", "any"]
    ]


def test_describe_alarms_covers_metric_and_composite_alarms() -> None:
    response = {
        "MetricAlarms": [
            {
                "AlarmName": "orders-api-5xx",
                "StateValue": "ALARM",
                "StateReason": "Threshold Crossed",
                "StateUpdatedTimestamp": "2026-03-02T10:17:00.000+0000",
                "MetricName": "5XXError",
                "Namespace": "AWS/ApiGateway",
                "Statistic": "Sum",
                "Dimensions": [{"Name": "ApiName", "Value": "orders-api"}],
                "Period": 60,
                "Threshold": 5.0,
                "ComparisonOperator": "GreaterThanThreshold",
            }
        ],
        "CompositeAlarms": [
            {"AlarmName": "orders-any", "StateValue": "OK", "AlarmRule": "ALARM(orders-api-5xx)"}
        ],
    }
    result = shapes.from_describe_alarms(response)
    first = dict(zip(result.columns, result.rows[0], strict=True))
    assert first["state_updated"] == "2026-03-02T10:17:00.000Z"
    assert (first["dimensions"], first["threshold"], first["period"]) == (
        "ApiName=orders-api",
        "5",
        "60",
    )
    assert result.rows[1][-1] == "ALARM(orders-api-5xx)"


def test_format_number_reads_like_a_person_wrote_it() -> None:
    assert [shapes.format_number(v) for v in (12.0, 0.1 + 0.2, 7, 1234567.891)] == [
        "12",
        "0.3",
        "7",
        "1234567.891",
    ]
