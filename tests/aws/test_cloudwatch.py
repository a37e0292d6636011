"""CloudWatch: GetMetricData with several series in one call, ListMetrics, DescribeAlarms
(metric and composite) with a short DescribeAlarmHistory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from agent.incident import MetricDimension, TimeRange
from agent.telemetry.aws import AwsBackend
from agent.telemetry.base import MetricQuery, QueryError, TelemetryUnavailableError
from tests.aws.conftest import INCIDENT
from tests.aws.stubs import not_authorized

ORDERS = [MetricDimension(name="TableName", value="orders")]
THROTTLES = MetricQuery(
    id="throttles",
    namespace="AWS/DynamoDB",
    metric_name="WriteThrottleEvents",
    dimensions=ORDERS,
    statistic="Sum",
)
CONSUMED = MetricQuery(
    id="consumed",
    namespace="AWS/DynamoDB",
    metric_name="ConsumedWriteCapacityUnits",
    dimensions=ORDERS,
    statistic="Sum",
)
ALARM_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-api-5xx"


def _seed_metrics(cloudwatch: object, now: datetime) -> None:
    for minutes, throttles, consumed in ((3, 12.0, 300.0), (2, 31.0, 300.0)):
        cloudwatch.put_metric_data(  # type: ignore[attr-defined]
            Namespace="AWS/DynamoDB",
            MetricData=[
                {
                    "MetricName": "WriteThrottleEvents",
                    "Dimensions": [{"Name": "TableName", "Value": "orders"}],
                    "Timestamp": now - timedelta(minutes=minutes),
                    "Value": throttles,
                    "Unit": "Count",
                },
                {
                    "MetricName": "ConsumedWriteCapacityUnits",
                    "Dimensions": [{"Name": "TableName", "Value": "orders"}],
                    "Timestamp": now - timedelta(minutes=minutes),
                    "Value": consumed,
                    "Unit": "Count",
                },
            ],
        )


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


# ---------------------------------------------------------------- moto


def test_several_series_come_back_from_one_get_metric_data_call(moto_backend: AwsBackend) -> None:
    now = _minute(datetime.now(UTC))
    _seed_metrics(boto3.client("cloudwatch", region_name="us-east-1"), now)
    window = TimeRange(start=now - timedelta(minutes=10), end=now)
    result = moto_backend.get_metric_data([THROTTLES, CONSUMED], window)
    assert result.columns == ["id", "label", "timestamp", "value"]
    assert sorted((row[0], row[3]) for row in result.rows) == [
        ("consumed", "300"),
        ("consumed", "300"),
        ("throttles", "12"),
        ("throttles", "31"),
    ]
    assert (
        result.link and "#metricsV2:graph=" in result.link and "WriteThrottleEvents" in result.link
    )


def test_metrics_and_alarms_work_over_the_moto_server(
    server_backend: AwsBackend, moto_server: str
) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=moto_server)
    now = _minute(datetime.now(UTC))
    _seed_metrics(cloudwatch, now)
    cloudwatch.put_metric_alarm(
        AlarmName="orders-api-5xx",
        AlarmDescription="5XX errors on the orders API",
        Namespace="AWS/ApiGateway",
        MetricName="5XXError",
        Dimensions=[{"Name": "ApiName", "Value": "orders-api"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    listed = server_backend.list_metrics("AWS/DynamoDB", dimensions=ORDERS)
    assert sorted(row[1] for row in listed.rows) == [
        "ConsumedWriteCapacityUnits",
        "WriteThrottleEvents",
    ]
    data = server_backend.get_metric_data(
        [THROTTLES], TimeRange(start=now - timedelta(minutes=10), end=now)
    )
    assert sorted(row[3] for row in data.rows) == ["12", "31"]
    # moto does not implement DescribeAlarmHistory: ask for the alarm alone here.
    alarm = server_backend.describe_alarm("orders-api-5xx", history_items=0)
    assert alarm.rows[0][:2] == ["orders-api-5xx", "OK"]
    assert alarm.rows[0][4:7] == ["AWS/ApiGateway", "5XXError", "ApiName=orders-api"]


def test_unknown_alarm_is_empty_with_a_clear_message(moto_backend: AwsBackend) -> None:
    result = moto_backend.describe_alarm("orders-api-5XX", history_items=0)
    assert result.status == "empty"
    assert result.error and "no alarm named 'orders-api-5XX'" in result.error


# ---------------------------------------------------------------- Stubber


def test_composite_alarm_comes_with_its_recent_history(backend: AwsBackend) -> None:
    composite = {
        "AlarmName": "orders-degraded",
        "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-degraded",
        "AlarmDescription": "Orders API is failing and DynamoDB is throttling",
        "AlarmRule": 'ALARM("orders-api-5xx") AND ALARM("orders-table-throttles")',
        "StateValue": "ALARM",
        "StateReason": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-api-5xx transitioned to ALARM",
        "StateUpdatedTimestamp": datetime(2026, 3, 2, 10, 17, tzinfo=UTC),
        "ActionsEnabled": True,
    }
    history = {
        "AlarmHistoryItems": [
            {
                "AlarmName": "orders-degraded",
                "AlarmType": "CompositeAlarm",
                "Timestamp": datetime(2026, 3, 2, 10, 17, tzinfo=UTC),
                "HistoryItemType": "StateUpdate",
                "HistorySummary": "Alarm updated from OK to ALARM",
                "HistoryData": '{"version":"1.0","oldState":{"stateValue":"OK"},"newState":{"stateValue":"ALARM"}}',
            }
        ]
    }
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response(
            "describe_alarms",
            {"CompositeAlarms": [composite], "MetricAlarms": []},
            {"AlarmNames": ["orders-degraded"], "AlarmTypes": ["CompositeAlarm", "MetricAlarm"]},
        )
        stub.add_response(
            "describe_alarm_history",
            history,
            {
                "AlarmName": "orders-degraded",
                "AlarmTypes": ["CompositeAlarm", "MetricAlarm"],
                "MaxRecords": 5,
                "ScanBy": "TimestampDescending",
            },
        )
        result = backend.describe_alarm("orders-degraded")
        stub.assert_no_pending_responses()
    assert result.rows[0][0] == "orders-degraded"
    assert result.rows[0][-1] == 'ALARM("orders-api-5xx") AND ALARM("orders-table-throttles")'
    assert result.alarms[0].rule == 'ALARM("orders-api-5xx") AND ALARM("orders-table-throttles")'
    assert result.alarm_history is not None
    assert [(i.timestamp, i.kind, i.summary) for i in result.alarm_history.items] == [
        ("2026-03-02T10:17:00.000Z", "StateUpdate", "Alarm updated from OK to ALARM")
    ]
    assert result.link and result.link.endswith("#alarmsV2:alarm/orders-degraded")


def test_alarm_is_still_returned_when_history_is_not_permitted(backend: AwsBackend) -> None:
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response(
            "describe_alarms",
            {
                "MetricAlarms": [
                    {
                        "AlarmName": "orders-api-5xx",
                        "StateValue": "ALARM",
                        "Namespace": "AWS/ApiGateway",
                        "MetricName": "5XXError",
                    }
                ]
            },
            None,
        )
        stub.add_client_error(
            "describe_alarm_history",
            service_error_code="AccessDenied",
            service_message=not_authorized("cloudwatch:DescribeAlarmHistory", ALARM_ARN),
            http_status_code=403,
        )
        result = backend.describe_alarm("orders-api-5xx")
    assert result.status == "ok"
    assert result.alarm_history is not None and result.alarm_history.error
    assert "cloudwatch:DescribeAlarmHistory" in result.alarm_history.error
    assert result.alarms[0].metric_name == "5XXError"


def test_alarm_history_is_exposed_on_its_own(backend: AwsBackend) -> None:
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response(
            "describe_alarm_history",
            {
                "AlarmHistoryItems": [
                    {
                        "AlarmName": "orders-api-5xx",
                        "Timestamp": datetime(2026, 3, 2, 10, 17, tzinfo=UTC),
                        "HistoryItemType": "Action",
                        "HistorySummary": "Successfully executed action arn:aws:sns:us-east-1:123456789012:ops-alerts",
                    },
                    {
                        "AlarmName": "orders-api-5xx",
                        "Timestamp": datetime(2026, 3, 2, 10, 17, tzinfo=UTC),
                        "HistoryItemType": "StateUpdate",
                        "HistorySummary": "Alarm updated from OK to ALARM",
                    },
                ],
                "NextToken": "older",
            },
            None,
        )
        result = backend.describe_alarm_history("orders-api-5xx", max_items=2)
    assert result.columns == ["timestamp", "type", "summary"]
    assert [row[1] for row in result.rows] == ["Action", "StateUpdate"]
    assert result.truncated


def test_metric_data_pages_are_merged_per_series_oldest_first(backend: AwsBackend) -> None:
    first, second = (
        datetime(2026, 3, 2, 10, 16, tzinfo=UTC),
        datetime(2026, 3, 2, 10, 17, tzinfo=UTC),
    )
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [
                    {
                        "Id": "throttles",
                        "Label": "WriteThrottleEvents",
                        "Timestamps": [second],
                        "Values": [31.0],
                        "StatusCode": "PartialData",
                    }
                ],
                "NextToken": "t2",
            },
            None,
        )
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [
                    {
                        "Id": "throttles",
                        "Label": "WriteThrottleEvents",
                        "Timestamps": [first],
                        "Values": [12.0],
                        "StatusCode": "Complete",
                    }
                ]
            },
            None,
        )
        result = backend.get_metric_data([THROTTLES], INCIDENT)
        stub.assert_no_pending_responses()
    assert [row[2:] for row in result.rows] == [
        ["2026-03-02T10:16:00.000Z", "12"],
        ["2026-03-02T10:17:00.000Z", "31"],
    ]
    assert result.raw and result.raw["MetricDataResults"][0]["StatusCode"] == "Complete"


def test_metric_data_asks_cloudwatch_for_oldest_first(backend: AwsBackend) -> None:
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [_series("throttles", [(10, 16, 4.0)])]},
            {
                "MetricDataQueries": ANY,
                "StartTime": ANY,
                "EndTime": ANY,
                "ScanBy": "TimestampAscending",
            },
        )
        backend.get_metric_data([THROTTLES], INCIDENT)
        stub.assert_no_pending_responses()


def _series(query_id: str, points: list[tuple[int, int, float]]) -> dict[str, object]:
    return {
        "Id": query_id,
        "Label": query_id,
        "Timestamps": [datetime(2026, 3, 2, h, m, tzinfo=UTC) for h, m, _ in points],
        "Values": [v for _, _, v in points],
        "StatusCode": "Complete",
    }


def test_an_empty_series_is_named_as_no_such_metric_when_list_metrics_has_none(
    backend: AwsBackend,
) -> None:
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [
                    _series("throttles", [(10, 16, 4.0), (10, 17, 9.0)]),
                    _series("consumed", []),
                ]
            },
            None,
        )
        stub.add_response(
            "list_metrics",
            {"Metrics": []},
            {
                "Namespace": "AWS/DynamoDB",
                "MetricName": "ConsumedWriteCapacityUnits",
                "Dimensions": [{"Name": "TableName", "Value": "orders"}],
            },
        )
        result = backend.get_metric_data([THROTTLES, CONSUMED], INCIDENT)
        stub.assert_no_pending_responses()
    assert result.status == "ok"
    assert [row[0] for row in result.rows] == ["throttles", "throttles"]
    assert result.error == (
        "per series — throttles: ok, 2 datapoint(s) | consumed: no such metric — no "
        "AWS/DynamoDB/ConsumedWriteCapacityUnits series with exactly these dimensions in the "
        "last two weeks (see list_metrics)"
    )


def test_an_empty_series_of_a_metric_that_exists_has_no_datapoints_in_the_range(
    backend: AwsBackend,
) -> None:
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response(
            "get_metric_data", {"MetricDataResults": [_series("throttles", [])]}, None
        )
        stub.add_response(
            "list_metrics",
            {
                "Metrics": [
                    {
                        "Namespace": "AWS/DynamoDB",
                        "MetricName": "WriteThrottleEvents",
                        "Dimensions": [{"Name": "TableName", "Value": "orders"}],
                    }
                ]
            },
            None,
        )
        result = backend.get_metric_data([THROTTLES], INCIDENT)
    assert result.status == "empty"
    assert result.error == "per series — throttles: no datapoints in the range"


def test_metric_math_is_sent_as_an_expression(backend: AwsBackend) -> None:
    ratio = MetricQuery(
        id="ratio", expression="100 * throttles / consumed", label="throttled %", period=60
    )
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": []},
            {
                "MetricDataQueries": [
                    {
                        "Id": "throttles",
                        "ReturnData": True,
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "AWS/DynamoDB",
                                "MetricName": "WriteThrottleEvents",
                                "Dimensions": [{"Name": "TableName", "Value": "orders"}],
                            },
                            "Period": 60,
                            "Stat": "Sum",
                        },
                    },
                    {
                        "Id": "consumed",
                        "ReturnData": True,
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "AWS/DynamoDB",
                                "MetricName": "ConsumedWriteCapacityUnits",
                                "Dimensions": [{"Name": "TableName", "Value": "orders"}],
                            },
                            "Period": 60,
                            "Stat": "Sum",
                        },
                    },
                    {
                        "Id": "ratio",
                        "ReturnData": True,
                        "Label": "throttled %",
                        "Expression": "100 * throttles / consumed",
                        "Period": 60,
                    },
                ],
                "StartTime": INCIDENT.start,
                "EndTime": INCIDENT.end,
                "ScanBy": "TimestampAscending",
            },
        )
        result = backend.get_metric_data([THROTTLES, CONSUMED, ratio], INCIDENT)
    assert result.status == "empty"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            MetricQuery(id="M1", namespace="AWS/DynamoDB", metric_name="WriteThrottleEvents"),
            "must start with a lowercase letter",
        ),
        (MetricQuery(id="m1", namespace="AWS/DynamoDB"), "needs a namespace and a metric name"),
        (
            MetricQuery(
                id="m1", namespace="AWS/DynamoDB", metric_name="WriteThrottleEvents", period=90
            ),
            "period 90 s is invalid",
        ),
    ],
)
def test_invalid_metric_queries_are_refused_before_any_call(
    backend: AwsBackend, query: MetricQuery, message: str
) -> None:
    with Stubber(backend.clients.cloudwatch), pytest.raises(QueryError, match=message):
        backend.get_metric_data([query], INCIDENT)


def test_cloudwatch_rejections_are_query_errors(backend: AwsBackend) -> None:
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_client_error(
            "get_metric_data",
            service_error_code="InvalidParameterValue",
            service_message="The value p101 for parameter MetricDataQueries.member.1.MetricStat.Stat is not valid.",
        )
        with pytest.raises(QueryError, match="p101"):
            backend.get_metric_data([THROTTLES.model_copy(update={"statistic": "p101"})], INCIDENT)


def test_access_denied_on_list_metrics_names_the_action(backend: AwsBackend) -> None:
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_client_error(
            "list_metrics",
            service_error_code="AccessDenied",
            service_message=not_authorized("cloudwatch:ListMetrics", "*"),
            http_status_code=403,
        )
        with pytest.raises(TelemetryUnavailableError, match="`cloudwatch:ListMetrics`"):
            backend.list_metrics("AWS/DynamoDB")
