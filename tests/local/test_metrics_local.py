"""GetMetricData / ListMetrics / DescribeAlarms over bundle series."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.incident import MetricDimension, TimeRange
from agent.telemetry.base import MetricQuery, QueryError
from agent.telemetry.local.metrics import MetricsEngine, normalize_statistic

SERIES = Path(__file__).parent / "data" / "metrics" / "series.json"
ALARM = {
    "AlarmName": "orders-api-5xx",
    "AlarmDescription": "5XX errors on the orders API",
    "NewStateValue": "ALARM",
    "NewStateReason": "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).",
    "StateChangeTime": "2026-03-02T10:17:00.000+0000",
    "Trigger": {
        "MetricName": "5XXError",
        "Namespace": "AWS/ApiGateway",
        "Statistic": "SUM",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "Dimensions": [{"name": "ApiName", "value": "orders-api"}],
    },
}
WINDOW = TimeRange(
    start=datetime(2026, 3, 2, 10, 0, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 10, tzinfo=UTC)
)
TABLE = [MetricDimension(name="TableName", value="orders")]
FUNCTION = [MetricDimension(name="FunctionName", value="orders-put")]


@pytest.fixture(scope="module")
def metrics() -> MetricsEngine:
    return MetricsEngine([SERIES], ALARM)


def _series(metrics: MetricsEngine, window: TimeRange = WINDOW, **query) -> dict:
    [result] = metrics.get_metric_data([MetricQuery(**query)], window)["MetricDataResults"]
    return result


def test_series_come_back_oldest_first_within_the_range(metrics: MetricsEngine) -> None:
    window = TimeRange(
        start=datetime(2026, 3, 2, 10, 2, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 5, tzinfo=UTC)
    )
    result = _series(
        metrics,
        window,
        namespace="AWS/DynamoDB",
        metric_name="WriteThrottleEvents",
        dimensions=TABLE,
        statistic="Sum",
    )
    assert result["Timestamps"] == [
        "2026-03-02T10:02:00+00:00",
        "2026-03-02T10:03:00+00:00",
        "2026-03-02T10:04:00+00:00",
    ]
    assert result["Values"] == [3.0, 12.0, 40.0]
    assert (result["Label"], result["StatusCode"]) == ("WriteThrottleEvents", "Complete")


def test_sum_is_re_aggregated_to_a_coarser_period(metrics: MetricsEngine) -> None:
    result = _series(
        metrics,
        namespace="AWS/DynamoDB",
        metric_name="WriteThrottleEvents",
        dimensions=TABLE,
        statistic="Sum",
        period=300,
    )
    assert result["Values"] == [55.0, 212.0]  # 10:00-10:05, 10:05-10:10


def test_coarser_periods_start_at_the_range_start_and_hold_only_points_inside_it(
    metrics: MetricsEngine,
) -> None:
    # As GetMetricData: a 4-minute period over 10:02-10:08 is 10:02-10:06 and 10:06-10:08,
    # not clock-aligned buckets that would pull in 10:00-10:01 or drop the first bucket.
    window = TimeRange(
        start=datetime(2026, 3, 2, 10, 2, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 8, tzinfo=UTC)
    )
    result = _series(
        metrics,
        window,
        namespace="AWS/DynamoDB",
        metric_name="WriteThrottleEvents",
        dimensions=TABLE,
        statistic="Sum",
        period=240,
    )
    assert result["Timestamps"] == ["2026-03-02T10:02:00+00:00", "2026-03-02T10:06:00+00:00"]
    assert result["Values"] == [3.0 + 12 + 40 + 38, 41.0 + 39]


def test_average_over_a_coarser_period_is_weighted_by_sample_count(metrics: MetricsEngine) -> None:
    result = _series(
        metrics,
        namespace="AWS/Lambda",
        metric_name="Duration",
        dimensions=FUNCTION,
        statistic="Average",
        period=300,
    )
    later = (2100 * 300 + 2000 * 100 + 2200 * 100 + 2300 * 100 + 2400 * 100) / 700
    assert result["Values"] == [
        pytest.approx((20 + 22 + 30 + 400 + 1800) / 5),
        pytest.approx(later),
    ]
    assert result["Messages"] == []


def test_maximum_takes_the_highest_finer_value(metrics: MetricsEngine) -> None:
    result = _series(
        metrics,
        namespace="AWS/Lambda",
        metric_name="Duration",
        dimensions=FUNCTION,
        statistic="Maximum",
        period=600,
    )
    assert result["Values"] == [3000.0]


def test_sum_is_derived_from_average_and_sample_count(metrics: MetricsEngine) -> None:
    result = _series(
        metrics,
        namespace="AWS/Lambda",
        metric_name="Duration",
        dimensions=FUNCTION,
        statistic="Sum",
        period=60,
    )
    assert result["Values"][0] == 20.0 * 100


def test_percentile_at_its_own_period_is_exact(metrics: MetricsEngine) -> None:
    result = _series(
        metrics,
        namespace="AWS/Lambda",
        metric_name="Duration",
        dimensions=FUNCTION,
        statistic="p99",
        period=60,
    )
    assert result["Values"][-2:] == [3000.0, 3000.0]
    assert result["Messages"] == []


def test_percentile_over_a_coarser_period_is_an_upper_bound_and_says_so(
    metrics: MetricsEngine,
) -> None:
    result = _series(
        metrics,
        namespace="AWS/Lambda",
        metric_name="Duration",
        dimensions=FUNCTION,
        statistic="P99",
        period=300,
    )
    assert result["Values"] == [2900.0, 3000.0]
    assert result["Messages"][0]["Code"] == "Approximation"
    assert "upper bound" in result["Messages"][0]["Value"]


def test_statistic_not_in_the_bundle_lists_the_available_ones(metrics: MetricsEngine) -> None:
    result = _series(
        metrics,
        namespace="AWS/DynamoDB",
        metric_name="WriteThrottleEvents",
        dimensions=TABLE,
        statistic="Minimum",
    )
    assert result["Values"] == []
    assert result["Messages"] == [
        {
            "Code": "StatisticUnavailable",
            "Value": "statistic Minimum is not in the bundle for this metric; available: Sum",
        }
    ]


def test_finer_period_than_the_bundle_is_refused(metrics: MetricsEngine) -> None:
    with pytest.raises(QueryError, match="multiple of 60"):
        _series(
            metrics,
            namespace="AWS/DynamoDB",
            metric_name="WriteThrottleEvents",
            dimensions=TABLE,
            statistic="Sum",
            period=90,
        )


def test_unmatched_dimensions_give_an_empty_series_with_a_hint(metrics: MetricsEngine) -> None:
    result = _series(
        metrics, namespace="AWS/DynamoDB", metric_name="WriteThrottleEvents", statistic="Sum"
    )
    assert result["Values"] == []
    assert "the bundle has: TableName=orders" in result["Messages"][0]["Value"]


def test_metric_math_is_refused_locally_for_that_series_only(metrics: MetricsEngine) -> None:
    [result] = metrics.get_metric_data([MetricQuery(id="e1", expression="m1 / m2 * 100")], WINDOW)[
        "MetricDataResults"
    ]
    assert result["Messages"][0]["Code"] == "Unsupported"
    assert "metric math" in result["Messages"][0]["Value"]


@pytest.mark.parametrize(
    ("given", "normal"),
    [("SUM", "Sum"), ("average", "Average"), ("P99", "p99"), ("p99.9", "p99.9")],
)
def test_statistic_names_are_normalized(given: str, normal: str) -> None:
    assert normalize_statistic(given) == normal


def test_unknown_statistic_is_refused() -> None:
    with pytest.raises(QueryError, match="unknown statistic 'Median'"):
        normalize_statistic("Median")


def test_list_metrics_filters_by_namespace_and_dimension(metrics: MetricsEngine) -> None:
    listed = metrics.list_metrics(
        namespace="AWS/Lambda",
        dimensions=[MetricDimension(name="FunctionName", value="orders-put")],
    )
    assert listed == {
        "Metrics": [
            {
                "Namespace": "AWS/Lambda",
                "MetricName": "Duration",
                "Dimensions": [{"Name": "FunctionName", "Value": "orders-put"}],
                "Statistics": ["Sum", "Average", "Maximum", "SampleCount", "p99"],
            }
        ]
    }
    assert len(metrics.list_metrics()["Metrics"]) == 2


def test_describe_alarms_reports_the_manifest_alarm(metrics: MetricsEngine) -> None:
    [alarm] = metrics.describe_alarms("orders-api-5xx")["MetricAlarms"]
    assert alarm["StateValue"] == "ALARM"
    assert alarm["Statistic"] == "Sum"
    assert alarm["Dimensions"] == [{"Name": "ApiName", "Value": "orders-api"}]
    assert alarm["StateUpdatedTimestamp"] == "2026-03-02T10:17:00+00:00"
    assert metrics.describe_alarms("other-alarm") == {"MetricAlarms": [], "CompositeAlarms": []}


@pytest.mark.parametrize(
    ("written", "spelled"),
    [
        ("SUM", "Sum"),
        ("SAMPLE_COUNT", "SampleCount"),
        ("samplecount", "SampleCount"),
        ("P95", "p95"),
    ],
    ids=["sns-upper-case", "sns-sample-count", "lower-case", "percentile"],
)
def test_one_reading_of_statistic_names_serves_alarms_and_queries(
    written: str, spelled: str
) -> None:
    from agent.telemetry.types import metric_statistic

    assert metric_statistic(written) == spelled
    assert metric_statistic("Median") is None
