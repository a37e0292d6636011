"""Metrics Insights answers alike from both backends: the local engine's answer, served to the
AWS backend as GetMetricData would return it (Stubber: moto does not evaluate Metrics Insights
expressions), comes back as the same rows and series; and both refuse the same requests with
the same words and positions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from agent.telemetry.aws import AwsBackend
from agent.telemetry.base import QueryError, TelemetryBackend
from agent.telemetry.bundle import Bundle

TOP_THROTTLED = (
    'SELECT SUM(ThrottledRequests) FROM SCHEMA("AWS/DynamoDB", TableName, Operation) '
    "GROUP BY TableName ORDER BY MAX() DESC LIMIT 3"
)
LAMBDA_DURATION = (
    'SELECT AVG(Duration) FROM SCHEMA("AWS/Lambda", FunctionName) '
    "GROUP BY FunctionName ORDER BY MAX() DESC"
)


@pytest.mark.parametrize("query", [TOP_THROTTLED, LAMBDA_DURATION])
def test_the_local_answer_served_by_cloudwatch_reads_the_same(
    local_backend: TelemetryBackend, aws_backend: AwsBackend, bundle: Bundle, query: str
) -> None:
    local = local_backend.run_metrics_insights(query, bundle.window, 300)
    assert local.status == "ok" and local.raw is not None
    with Stubber(aws_backend.clients.cloudwatch) as stub:
        stub.add_response("get_metric_data", local.raw)
        aws = aws_backend.run_metrics_insights(query, bundle.window, 300)
        stub.assert_no_pending_responses()

    assert (aws.source, aws.status, aws.columns) == (local.source, local.status, local.columns)
    assert aws.rows == local.rows
    assert [s.points for s in aws.series] == [s.points for s in local.series]
    assert aws.statistics == local.statistics
    assert aws.link and local.link


BAD_REQUESTS: list[tuple[Callable[[TelemetryBackend, Any], Any], str, int | None]] = [
    (lambda b, w: b.run_metrics_insights(LAMBDA_DURATION, w, 90), "multiple of 60", None),
    (lambda b, w: b.run_metrics_insights(LAMBDA_DURATION, w, None, 501), "1 to 500", None),
    (
        lambda b, w: b.run_metrics_insights(
            LAMBDA_DURATION, w.model_copy(update={"start": w.start - timedelta(days=15)})
        ),
        "two weeks",
        None,
    ),
    (
        lambda b, w: b.run_metrics_insights('SELECT P99(Duration) FROM "AWS/Lambda"', w),
        "unknown function 'P99'",
        7,
    ),
    (
        lambda b, w: b.run_metrics_insights(LAMBDA_DURATION.replace("DESC", "DESC LIMIT 0"), w),
        "LIMIT 0 is out of range",
        len(LAMBDA_DURATION) + 7,
    ),
]


@pytest.mark.parametrize(("bad_request", "message", "position"), BAD_REQUESTS)
def test_both_refuse_the_same_request_with_the_same_words(
    local_backend: TelemetryBackend,
    aws_backend: AwsBackend,
    bundle: Bundle,
    bad_request: Callable[[TelemetryBackend, Any], Any],
    message: str,
    position: int | None,
) -> None:
    errors = []
    for backend in (local_backend, aws_backend):
        with Stubber(aws_backend.clients.cloudwatch), pytest.raises(QueryError) as caught:
            bad_request(backend, bundle.window)
        errors.append((caught.value.message, caught.value.position))
    assert errors[0] == errors[1]
    assert message in errors[0][0]
    assert errors[0][1] == position
