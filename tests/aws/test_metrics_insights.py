"""Metrics Insights on AWS: GetMetricData with one `Expression`, driven by Stubber with the
API's real response shape (moto does not evaluate Metrics Insights: it answers a GROUP BY
query with one series labelled with the query id)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.stub import Stubber

from agent.telemetry.aws import AwsBackend
from agent.telemetry.aws.metrics_insights import label_dimensions
from agent.telemetry.base import QueryError, TelemetryUnavailableError
from tests.aws.conftest import INCIDENT
from tests.aws.stubs import not_authorized

TOP_CPU = (
    'SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) '
    "GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 10"
)


def _minutes(*offsets: int) -> list[datetime]:
    return [INCIDENT.start + timedelta(minutes=m) for m in offsets]


def _request(expression: str, period: int = 60) -> dict:
    return {
        "MetricDataQueries": [{"Id": "q1", "Expression": expression, "Period": period}],
        "StartTime": INCIDENT.start,
        "EndTime": INCIDENT.end,
        "ScanBy": "TimestampAscending",
    }


def _series(label: str, values: list[float]) -> dict:
    return {
        "Id": "q1",
        "Label": label,
        "Timestamps": _minutes(*range(len(values))),
        "Values": values,
        "StatusCode": "Complete",
    }


def test_a_top_n_query_is_one_expression_and_each_series_one_row(backend: AwsBackend) -> None:
    response = {
        "MetricDataResults": [
            _series("i-0b22c3d4e5f6a7b8c", [71.5, 93.0, 88.25]),
            _series("i-0a11b2c3d4e5f6a7b", [40.0, 42.5, 41.0]),
        ],
        "Messages": [],
    }
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response("get_metric_data", response, _request(TOP_CPU))
        result = backend.run_metrics_insights(TOP_CPU, INCIDENT)
        stub.assert_no_pending_responses()

    assert result.columns == ["label", "dimensions", "aggregate", "points"]
    assert [row[:3] for row in result.rows] == [
        ["i-0b22c3d4e5f6a7b8c", "InstanceId=i-0b22c3d4e5f6a7b8c", "93"],
        ["i-0a11b2c3d4e5f6a7b", "InstanceId=i-0a11b2c3d4e5f6a7b", "42.5"],
    ]
    assert result.rows[1][3] == "09:45=40, 09:46=42.5, 09:47=41"
    assert [len(s.points) for s in result.series] == [3, 3]
    assert result.query == TOP_CPU
    assert result.statistics["period_seconds"] == 60


def test_the_link_opens_the_query_in_the_metrics_console(backend: AwsBackend) -> None:
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response("get_metric_data", {"MetricDataResults": []}, _request(TOP_CPU))
        result = backend.run_metrics_insights(TOP_CPU, INCIDENT)
    assert result.status == "empty"
    assert result.link is not None
    assert result.link.startswith("https://us-east-1.console.aws.amazon.com/cloudwatch/home")
    assert "#metricsV2:graph=" in result.link
    # the console's JSURL encoding writes a space as *20 and a parenthesis as *28 / *29
    assert "GROUP*20BY*20InstanceId*20ORDER*20BY*20MAX*28*29*20DESC" in result.link


def test_a_series_continued_on_the_next_page_is_merged_by_label(backend: AwsBackend) -> None:
    query = 'SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName'
    first = {
        "MetricDataResults": [{**_series("orders-put", [3.0, 5.0]), "StatusCode": "PartialData"}],
        "NextToken": "page-2",
    }
    second = {
        "MetricDataResults": [
            {
                **_series("orders-put", [8.0]),
                "Timestamps": _minutes(2),
            },
            _series("orders-get", [0.0, 0.0, 1.0]),
        ]
    }
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response("get_metric_data", first, _request(query))
        stub.add_response("get_metric_data", second, {**_request(query), "NextToken": "page-2"})
        result = backend.run_metrics_insights(query, INCIDENT)
    assert [(row[0], row[2]) for row in result.rows] == [("orders-put", "16"), ("orders-get", "1")]
    assert [v for _, v in result.series[0].points] == [3.0, 5.0, 8.0]


def test_the_period_defaults_by_range_and_can_be_given(backend: AwsBackend) -> None:
    query = 'SELECT AVG(CPUUtilization) FROM "AWS/EC2"'
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response("get_metric_data", {"MetricDataResults": []}, _request(query, 300))
        backend.run_metrics_insights(query, INCIDENT, period_seconds=300)
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ('SELECT P99(Duration) FROM "AWS/Lambda"', 7),
        ("SELECT AVG(CPUUtilization) FROM AWS/EC2", 35),
        ("SELECT AVG(CPUUtilization) FROM \"AWS/EC2\" WHERE InstanceId IN ('a')", 59),
    ],
)
def test_a_bad_query_is_refused_with_its_position_before_any_call(
    backend: AwsBackend, query: str, position: int
) -> None:
    with Stubber(backend.clients.cloudwatch), pytest.raises(QueryError) as caught:
        backend.run_metrics_insights(query, INCIDENT)
    assert caught.value.position == position


def test_cloudwatch_rejecting_the_expression_is_a_query_error(backend: AwsBackend) -> None:
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_client_error(
            "get_metric_data",
            service_error_code="ValidationError",
            service_message="Invalid Metrics Insights query: unknown namespace",
            http_status_code=400,
        )
        with pytest.raises(QueryError, match="Metrics Insights"):
            backend.run_metrics_insights(TOP_CPU, INCIDENT)


def test_access_denied_names_the_action(backend: AwsBackend) -> None:
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_client_error(
            "get_metric_data",
            service_error_code="AccessDenied",
            service_message=not_authorized("cloudwatch:GetMetricData", "*"),
            http_status_code=403,
        )
        with pytest.raises(TelemetryUnavailableError, match="`cloudwatch:GetMetricData`"):
            backend.run_metrics_insights(TOP_CPU, INCIDENT)


@pytest.mark.parametrize(
    ("keys", "label", "dimensions"),
    [
        (["InstanceId"], "i-0abc", {"InstanceId": "i-0abc"}),
        (["ClusterName", "ServiceName"], "prod web", {"ClusterName": "prod", "ServiceName": "web"}),
        (["ClusterName", "ServiceName"], "prod my web", {}),
        ([], "q1", {}),
    ],
)
def test_dimensions_are_read_from_the_label_when_unambiguous(
    keys: list[str], label: str, dimensions: dict[str, str]
) -> None:
    assert label_dimensions(keys, label) == dimensions


def test_a_range_longer_than_two_weeks_is_refused(backend: AwsBackend) -> None:
    long = INCIDENT.model_copy(update={"start": datetime(2026, 2, 1, tzinfo=UTC)})
    with Stubber(backend.clients.cloudwatch), pytest.raises(QueryError, match="two weeks"):
        backend.run_metrics_insights(TOP_CPU, long)
