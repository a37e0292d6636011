"""The tools cannot tell the backends apart: the same calls against the local backend (the
demo bundle) and the AWS backend (moto holding the same bundle data) give results of the
same shape — source, status, columns, cell types, links — and, where moto really evaluates
the call, the same values.

moto evaluates Logs Insights `fields`/`sort`/`limit`, trace storage and retrieval, metric
statistics and alarms; it does not run SQL, so for Athena the rows DuckDB computed are
served by moto as Athena would return them and must come back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_api._internal.models import moto_api_backend

from agent.incident import MetricDimension
from agent.telemetry.aws import AwsBackend
from agent.telemetry.base import MetricQuery, QueryError, QueryResult, TelemetryBackend
from agent.telemetry.bundle import Bundle
from tests.contract.conftest import LOG_GROUP

LOGS_QUERY = "fields @timestamp, @message, @logStream | sort @timestamp desc | limit 25"
CLOUDTRAIL_SQL = (
    "SELECT eventsource, eventname, count(*) AS calls FROM cloud_trail_logs "
    "GROUP BY eventsource, eventname ORDER BY calls DESC, eventname"
)
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


def assert_same_shape(local: QueryResult, aws: QueryResult) -> None:
    assert (local.source, local.status) == (aws.source, aws.status)
    assert local.columns == aws.columns
    for result in (local, aws):
        assert all(len(row) == len(result.columns) for row in result.rows)
        assert all(cell is None or isinstance(cell, str) for row in result.rows for cell in row)
        assert result.total_rows >= len(result.rows)
        assert result.link, f"{result.source} result without a link"
        assert result.query


def column(result: QueryResult, name: str) -> list[str | None]:
    index = result.columns.index(name)
    return [row[index] for row in result.rows]


def both(
    local: TelemetryBackend, aws: AwsBackend, call: Callable[[TelemetryBackend], Any]
) -> tuple[Any, Any]:
    return call(local), call(aws)


# ---------------------------------------------------------------- Logs Insights


def test_logs_insights_returns_the_same_events(
    local_backend: TelemetryBackend, aws_backend: AwsBackend, bundle: Bundle
) -> None:
    local, aws = both(
        local_backend,
        aws_backend,
        lambda b: b.run_logs_insights(LOGS_QUERY, [LOG_GROUP], bundle.window),
    )
    assert_same_shape(local, aws)
    assert local.columns == ["@timestamp", "@message", "@logStream"]
    assert len(local.rows) == len(aws.rows) == 25
    # Events sharing a millisecond (END and REPORT lines) may come in either order.
    assert sorted(
        zip(column(local, "@message"), column(local, "@logStream"), strict=True)
    ) == sorted(zip(column(aws, "@message"), column(aws, "@logStream"), strict=True))


def test_log_groups_are_listed_alike(
    local_backend: TelemetryBackend, aws_backend: AwsBackend
) -> None:
    local, aws = both(local_backend, aws_backend, lambda b: b.list_log_groups("/aws/lambda/"))
    assert [g.name for g in local] == [g.name for g in aws]


# ---------------------------------------------------------------- Athena


def test_athena_results_keep_columns_and_rows(
    local_backend: TelemetryBackend, aws_backend: AwsBackend
) -> None:
    local = local_backend.run_athena(CLOUDTRAIL_SQL)
    assert local.status == "ok"
    header = {"Data": [{"VarCharValue": name} for name in local.columns]}
    moto_api_backend.set_athena_result(
        rows=[header]
        + [
            {"Data": [{"VarCharValue": v} if v is not None else {} for v in row]}
            for row in local.rows
        ],
        column_info=[{"Name": name, "Label": name, "Type": "varchar"} for name in local.columns],
        account_id=DEFAULT_ACCOUNT_ID,
        region="us-east-1",
    )
    aws = aws_backend.run_athena(CLOUDTRAIL_SQL)
    assert_same_shape(local, aws)
    assert aws.rows == local.rows
    assert "UpdateTable" in column(aws, "eventname")


@pytest.mark.parametrize(
    "bad_call",
    [
        pytest.param(lambda b, w: b.run_athena("DROP TABLE cloud_trail_logs"), id="athena-drop"),
        pytest.param(
            lambda b, w: b.run_athena("SELECT 1; DELETE FROM cloud_trail_logs"),
            id="athena-two-statements",
        ),
        pytest.param(
            lambda b, w: b.run_logs_insights("fields @message", [LOG_GROUP], w, limit=0),
            id="logs-limit-0",
        ),
        pytest.param(
            lambda b, w: b.get_metric_data([THROTTLES.model_copy(update={"period": 90})], w),
            id="metrics-period-90",
        ),
    ],
)
def test_invalid_requests_are_query_errors_on_both(
    local_backend: TelemetryBackend,
    aws_backend: AwsBackend,
    bundle: Bundle,
    bad_call: Callable[[TelemetryBackend, Any], Any],
) -> None:
    for backend in (local_backend, aws_backend):
        with pytest.raises(QueryError):
            bad_call(backend, bundle.window)


@pytest.mark.parametrize(
    ("over_the_limit", "message"),
    [
        pytest.param(
            lambda b, w: b.run_logs_insights(
                "fields @message", [f"/aws/lambda/f{i}" for i in range(51)], w
            ),
            "51 log groups given: Logs Insights queries at most 50",
            id="log-groups",
        ),
        pytest.param(
            lambda b, w: b.get_traces([f"1-5f84c7a1-{i:024x}" for i in range(51)]),
            "51 trace ids given: fetch at most 50",
            id="trace-ids",
        ),
    ],
)
def test_both_refuse_a_request_over_the_same_limit_with_the_same_words(
    local_backend: TelemetryBackend,
    aws_backend: AwsBackend,
    bundle: Bundle,
    over_the_limit: Callable[[TelemetryBackend, Any], Any],
    message: str,
) -> None:
    for backend in (local_backend, aws_backend):
        with pytest.raises(QueryError, match=message):
            over_the_limit(backend, bundle.window)


def test_write_statements_are_refused_by_both(
    local_backend: TelemetryBackend, aws_backend: AwsBackend
) -> None:
    for backend in (local_backend, aws_backend):
        with pytest.raises(QueryError, match="refused"):
            backend.run_athena("DROP TABLE cloud_trail_logs")


# ---------------------------------------------------------------- X-Ray


def test_trace_search_finds_the_same_traces(
    local_backend: TelemetryBackend, aws_backend: AwsBackend, bundle: Bundle
) -> None:
    local, aws = both(
        local_backend, aws_backend, lambda b: b.find_traces(None, bundle.window, limit=1000)
    )
    assert_same_shape(local, aws)
    assert sorted(column(local, "id")) == sorted(column(aws, "id"))


def test_full_traces_are_identical(
    local_backend: TelemetryBackend, aws_backend: AwsBackend, bundle: Bundle
) -> None:
    faulting = [
        row[0]
        for row in local_backend.find_traces(None, bundle.window, limit=1000).rows
        if row[7] == "true"
    ][:7]
    assert faulting, "the demo bundle has faulting traces"
    local, aws = both(local_backend, aws_backend, lambda b: b.get_traces(faulting))
    assert_same_shape(local, aws)
    assert sorted(local.rows) == sorted(aws.rows)


def test_service_graph_has_the_same_columns(
    local_backend: TelemetryBackend, aws_backend: AwsBackend, bundle: Bundle
) -> None:
    local, aws = both(local_backend, aws_backend, lambda b: b.get_service_graph(bundle.window))
    assert local.columns == aws.columns
    assert local.source == aws.source == "xray"


# ---------------------------------------------------------------- CloudWatch


def test_metric_data_gives_the_same_datapoints(
    local_backend: TelemetryBackend, aws_backend: AwsBackend, bundle: Bundle
) -> None:
    local, aws = both(
        local_backend,
        aws_backend,
        lambda b: b.get_metric_data([THROTTLES, CONSUMED], bundle.window),
    )
    assert_same_shape(local, aws)

    def points(result: QueryResult) -> list[tuple[str | None, ...]]:
        return sorted((row[0], row[2], row[3]) for row in result.rows)

    assert points(local) == points(aws)


def test_metrics_are_listed_alike(local_backend: TelemetryBackend, aws_backend: AwsBackend) -> None:
    local, aws = both(local_backend, aws_backend, lambda b: b.list_metrics("AWS/DynamoDB"))
    assert_same_shape(local, aws)
    # Which statistics exist differs by design: a bundle holds some, AWS answers any.
    assert sorted(r[:3] for r in local.rows) == sorted(r[:3] for r in aws.rows)
    assert {r[3] for r in aws.rows} == {"any"}


def test_the_alarm_is_described_alike(
    local_backend: TelemetryBackend, aws_backend: AwsBackend, bundle: Bundle
) -> None:
    name = bundle.manifest.alarm["AlarmName"]
    local = local_backend.describe_alarm(name)
    aws = aws_backend.describe_alarm(name, history_items=0)  # moto lacks DescribeAlarmHistory
    assert_same_shape(local, aws)
    same = [
        "alarm_name",
        "state",
        "state_reason",
        "namespace",
        "metric_name",
        "dimensions",
        "period",
        "threshold",
        "comparison",
    ]
    assert [column(local, c) for c in same] == [column(aws, c) for c in same]
