"""Where the two backends used to differ, reported by the AWS backend's author: a call
without log groups, a malformed trace id and an unknown alarm now behave alike."""

from __future__ import annotations

import pytest

from agent.telemetry.aws import AwsBackend
from agent.telemetry.base import QueryError, TelemetryBackend
from agent.telemetry.bundle import Bundle
from tests.contract.conftest import LOG_GROUP

LOGS_QUERY = "fields @timestamp, @message, @logStream | sort @timestamp desc | limit 25"


def test_no_log_groups_means_the_configured_ones_on_both(
    local_backend: TelemetryBackend, aws_backend: AwsBackend, bundle: Bundle
) -> None:
    for backend in (local_backend, aws_backend):
        implicit = backend.run_logs_insights(LOGS_QUERY, [], bundle.window)
        explicit = backend.run_logs_insights(LOGS_QUERY, [LOG_GROUP], bundle.window)
        assert implicit.status == "ok"
        assert sorted(map(tuple, implicit.rows)) == sorted(map(tuple, explicit.rows))


@pytest.mark.parametrize(
    "trace_id", ["not-a-trace", "1-69a560cc", "1-69a560cc-zzzzzzzzzzzzzzzzzzzzzzzz"]
)
def test_a_malformed_trace_id_is_a_query_error_on_both(
    local_backend: TelemetryBackend, aws_backend: AwsBackend, trace_id: str
) -> None:
    for backend in (local_backend, aws_backend):
        with pytest.raises(QueryError, match=f"not an X-Ray trace id: '{trace_id}'"):
            backend.get_traces([trace_id])


def test_an_unknown_alarm_is_empty_with_a_message_on_both(
    local_backend: TelemetryBackend, aws_backend: AwsBackend
) -> None:
    local = local_backend.describe_alarm("orders-api-5XX")
    aws = aws_backend.describe_alarm("orders-api-5XX", history_items=0)
    for result in (local, aws):
        assert result.status == "empty"
        assert result.rows == []
        assert result.error and result.error.startswith("no alarm named 'orders-api-5XX' in ")
        assert result.error.endswith("(names are case-sensitive)")
    assert local.columns == aws.columns
