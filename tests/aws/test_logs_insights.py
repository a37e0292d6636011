"""Logs Insights: StartQuery over ≤ 50 log groups, GetQueryResults polled with back-off,
StopQuery at the wall-time budget, concurrency limits retried, errors made readable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from agent.incident import TimeRange
from agent.telemetry.aws import AwsBackend
from agent.telemetry.aws.polling import Waiter
from agent.telemetry.base import QueryError, TelemetryUnavailableError
from agent.telemetry.deadline import query_time_left
from tests.aws.conftest import INCIDENT, LOG_GROUP, FakeClock, make_settings
from tests.aws.stubs import THROTTLED_PUT, logs_complete, logs_row, not_authorized, polls_within

QUERY = "fields @timestamp, @message | filter @message like /ProvisionedThroughputExceeded/ | sort @timestamp desc | limit 20"
QUERY_ID = "6c3a5b8e-2f4d-4e1a-9b7c-0d2e4f6a8b10"
START_PARAMS = {
    "logGroupNames": [LOG_GROUP],
    "startTime": int(INCIDENT.start.timestamp()),
    "endTime": int(INCIDENT.end.timestamp()),
    "queryString": QUERY,
}


def _seed_log_group(client: object, now: datetime) -> None:
    logs = client
    logs.create_log_group(logGroupName=LOG_GROUP)  # type: ignore[attr-defined]
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName="2026/03/02/[$LATEST]ab12")  # type: ignore[attr-defined]
    millis = int(now.timestamp() * 1000)
    logs.put_log_events(  # type: ignore[attr-defined]
        logGroupName=LOG_GROUP,
        logStreamName="2026/03/02/[$LATEST]ab12",
        logEvents=[
            {"timestamp": millis - 2000, "message": "START RequestId: 6f1c2a9e Version: $LATEST"},
            {"timestamp": millis - 1000, "message": THROTTLED_PUT},
        ],
    )


def _recent_window(now: datetime) -> TimeRange:
    return TimeRange(start=now - timedelta(minutes=5), end=now + timedelta(minutes=1))


# ---------------------------------------------------------------- moto


def test_query_runs_against_moto_in_process(moto_backend: AwsBackend) -> None:
    now = datetime.now(UTC)
    _seed_log_group(boto3.client("logs", region_name="us-east-1"), now)
    result = moto_backend.run_logs_insights(
        "fields @timestamp, @message | limit 10", [LOG_GROUP], _recent_window(now)
    )
    assert result.status == "ok"
    assert result.columns == ["@timestamp", "@message"]
    assert sorted(row[1] for row in result.rows) == sorted(
        ["START RequestId: 6f1c2a9e Version: $LATEST", THROTTLED_PUT]
    )
    assert result.link and "logs-insights$3FqueryDetail$3D" in result.link


def test_configured_log_groups_are_used_when_none_are_named(moto_backend: AwsBackend) -> None:
    now = datetime.now(UTC)
    _seed_log_group(boto3.client("logs", region_name="us-east-1"), now)
    result = moto_backend.run_logs_insights("fields @message", [], _recent_window(now))
    assert result.total_rows == 2


def test_query_runs_against_the_moto_server_over_http(
    server_backend: AwsBackend, moto_server: str
) -> None:
    now = datetime.now(UTC)
    _seed_log_group(boto3.client("logs", region_name="us-east-1", endpoint_url=moto_server), now)
    result = server_backend.run_logs_insights(
        "fields @message | limit 1", [LOG_GROUP], _recent_window(now)
    )
    assert result.rows == [[THROTTLED_PUT]] or result.rows == [
        ["START RequestId: 6f1c2a9e Version: $LATEST"]
    ]


def test_log_groups_are_listed_by_prefix(server_backend: AwsBackend, moto_server: str) -> None:
    logs = boto3.client("logs", region_name="us-east-1", endpoint_url=moto_server)
    for name in (LOG_GROUP, "/aws/lambda/orders-get", "/ecs/payments"):
        logs.create_log_group(logGroupName=name)
    names = [group.name for group in server_backend.list_log_groups("/aws/lambda/")]
    assert names == ["/aws/lambda/orders-get", LOG_GROUP]


# ---------------------------------------------------------------- Stubber: real result rows


def test_result_rows_statistics_and_bytes_scanned_are_kept(
    backend: AwsBackend, clock: FakeClock
) -> None:
    rows = [
        logs_row(
            "2026-03-02 10:16:58.123",
            THROTTLED_PUT,
            "CmMKKAokMTIzNDU2Nzg5MDEyOi9hd3MvbGFtYmRhL29yZGVycy1wdXQQARI1",
        ),
        logs_row(
            "2026-03-02 10:16:57.981",
            THROTTLED_PUT,
            "CmMKKAokMTIzNDU2Nzg5MDEyOi9hd3MvbGFtYmRhL29yZGVycy1wdXQQARI2",
        ),
    ]
    with Stubber(backend.clients.logs) as stub:
        stub.add_response("start_query", {"queryId": QUERY_ID}, START_PARAMS)
        stub.add_response(
            "get_query_results", {"results": [], "status": "Scheduled"}, {"queryId": QUERY_ID}
        )
        stub.add_response(
            "get_query_results", {"results": [], "status": "Running"}, {"queryId": QUERY_ID}
        )
        stub.add_response("get_query_results", logs_complete(rows), {"queryId": QUERY_ID})
        result = backend.run_logs_insights(QUERY, [LOG_GROUP], INCIDENT)
        stub.assert_no_pending_responses()
    assert result.columns == ["@timestamp", "@message"]  # @ptr is internal
    assert result.rows[0] == ["2026-03-02 10:16:58.123", THROTTLED_PUT]
    assert result.bytes_scanned == 1_843_200
    assert result.statistics["recordsScanned"] == 5120.0
    assert clock.sleeps == pytest.approx([0.1, 0.16])  # first poll at once, then short waits
    assert result.raw is not None and result.raw["queryId"] == QUERY_ID


def test_limit_is_passed_to_start_query_and_caps_rows(backend: AwsBackend) -> None:
    rows = [logs_row(f"2026-03-02 10:16:{s:02d}.000", THROTTLED_PUT, f"ptr{s}") for s in range(5)]
    with Stubber(backend.clients.logs) as stub:
        stub.add_response("start_query", {"queryId": QUERY_ID}, {**START_PARAMS, "limit": 5})
        stub.add_response("get_query_results", logs_complete(rows), {"queryId": QUERY_ID})
        result = backend.run_logs_insights(QUERY, [LOG_GROUP], INCIDENT, limit=5)
    assert len(result.rows) == 5


def test_the_range_is_widened_to_whole_seconds(backend: AwsBackend) -> None:
    window = TimeRange(
        start=INCIDENT.start + timedelta(milliseconds=900),
        end=INCIDENT.end + timedelta(milliseconds=100),
    )
    with Stubber(backend.clients.logs) as stub:
        stub.add_response(
            "start_query",
            {"queryId": QUERY_ID},
            {
                **START_PARAMS,
                "startTime": START_PARAMS["startTime"],
                "endTime": START_PARAMS["endTime"] + 1,
            },
        )
        stub.add_response("get_query_results", logs_complete([]), {"queryId": QUERY_ID})
        result = backend.run_logs_insights(QUERY, [LOG_GROUP], window)
    assert result.status == "empty"


# ---------------------------------------------------------------- Stubber: failure paths


def test_wall_time_budget_stops_the_query(settings: object, clock: FakeClock) -> None:
    backend = AwsBackend(
        make_settings(), waiter=Waiter(sleep=clock.sleep, clock=clock), query_timeout_s=12
    )
    with Stubber(backend.clients.logs) as stub:
        stub.add_response("start_query", {"queryId": QUERY_ID})
        for _ in range(polls_within(12)):
            stub.add_response(
                "get_query_results", {"results": [], "status": "Running"}, {"queryId": QUERY_ID}
            )
        stub.add_response("stop_query", {"success": True}, {"queryId": QUERY_ID})
        with pytest.raises(
            TelemetryUnavailableError, match=r"did not finish within 12 s and was stopped"
        ):
            backend.run_logs_insights(QUERY, [LOG_GROUP], INCIDENT)
        stub.assert_no_pending_responses()
    assert sum(clock.sleeps) == pytest.approx(12)
    assert max(clock.sleeps) <= 2.0  # never a long fixed sleep


def test_a_query_never_outlives_the_investigations_remaining_wall_time(clock: FakeClock) -> None:
    backend = AwsBackend(
        make_settings(), waiter=Waiter(sleep=clock.sleep, clock=clock), query_timeout_s=60
    )
    with Stubber(backend.clients.logs) as stub:
        stub.add_response("start_query", {"queryId": QUERY_ID})
        for _ in range(polls_within(5)):
            stub.add_response(
                "get_query_results", {"results": [], "status": "Running"}, {"queryId": QUERY_ID}
            )
        stub.add_response("stop_query", {"success": True}, {"queryId": QUERY_ID})
        # 5 s left of the run's budget: the 60 s per-query limit is cut to what is left.
        with (
            query_time_left(5.0),
            pytest.raises(TelemetryUnavailableError, match=r"did not finish within 5 s"),
        ):
            backend.run_logs_insights(QUERY, [LOG_GROUP], INCIDENT)
        stub.assert_no_pending_responses()
    assert sum(clock.sleeps) == pytest.approx(5, abs=0.1)


def test_service_side_timeout_is_an_error_result_with_advice(backend: AwsBackend) -> None:
    with Stubber(backend.clients.logs) as stub:
        stub.add_response("start_query", {"queryId": QUERY_ID})
        stub.add_response(
            "get_query_results", {"results": [], "status": "Timeout"}, {"queryId": QUERY_ID}
        )
        result = backend.run_logs_insights(QUERY, [LOG_GROUP], INCIDENT)
    assert result.status == "error"
    assert result.error and "timed out" in result.error and "narrow the time range" in result.error


def test_failed_query_is_an_error_result(backend: AwsBackend) -> None:
    with Stubber(backend.clients.logs) as stub:
        stub.add_response("start_query", {"queryId": QUERY_ID})
        stub.add_response(
            "get_query_results", {"results": [], "status": "Running"}, {"queryId": QUERY_ID}
        )
        stub.add_response(
            "get_query_results", {"results": [], "status": "Failed"}, {"queryId": QUERY_ID}
        )
        result = backend.run_logs_insights(QUERY, [LOG_GROUP], INCIDENT)
    assert result.status == "error"
    assert result.error and "status Failed" in result.error


def test_concurrency_limit_is_retried_with_jitter_then_succeeds(
    backend: AwsBackend, clock: FakeClock
) -> None:
    with Stubber(backend.clients.logs) as stub:
        for _ in range(2):
            stub.add_client_error(
                "start_query",
                service_error_code="LimitExceededException",
                service_message="Account maximum query concurrency limit of [30] reached.",
                http_status_code=400,
            )
        stub.add_response("start_query", {"queryId": QUERY_ID}, START_PARAMS)
        stub.add_response("get_query_results", logs_complete([]), {"queryId": QUERY_ID})
        result = backend.run_logs_insights(QUERY, [LOG_GROUP], INCIDENT)
        stub.assert_no_pending_responses()
    assert result.status == "empty"
    assert len(clock.sleeps) == 2
    assert (
        0 <= clock.sleeps[0] <= 0.5 and 0 <= clock.sleeps[1] <= 1.0
    )  # full jitter, doubling envelope


def test_concurrency_limit_that_persists_is_reported_as_unavailable(backend: AwsBackend) -> None:
    with Stubber(backend.clients.logs) as stub:
        for _ in range(6):
            stub.add_client_error(
                "start_query",
                service_error_code="LimitExceededException",
                service_message="Account maximum query concurrency limit of [30] reached.",
            )
        with pytest.raises(TelemetryUnavailableError, match="throttling"):
            backend.run_logs_insights(QUERY, [LOG_GROUP], INCIDENT)


def test_malformed_query_comes_back_as_a_query_error_with_its_position(backend: AwsBackend) -> None:
    with Stubber(backend.clients.logs) as stub:
        stub.add_client_error(
            "start_query",
            service_error_code="MalformedQueryException",
            service_message="unexpected symbol found limt at line 1 and position 36",
            modeled_fields={
                "queryCompileError": {
                    "location": {"startCharOffset": 36, "endCharOffset": 40},
                    "message": "unexpected symbol found limt at line 1 and position 36",
                }
            },
        )
        with pytest.raises(QueryError) as caught:
            backend.run_logs_insights(
                "fields @message | sort @timestamp | limt 20", [LOG_GROUP], INCIDENT
            )
    assert "at characters 36-40" in caught.value.message
    assert "limt" in caught.value.message
    assert caught.value.position == 36


def test_access_denied_names_the_missing_action_and_resource(backend: AwsBackend) -> None:
    resource = f"arn:aws:logs:us-east-1:123456789012:log-group:{LOG_GROUP}:*"
    with Stubber(backend.clients.logs) as stub:
        stub.add_client_error(
            "start_query",
            service_error_code="AccessDeniedException",
            service_message=not_authorized("logs:StartQuery", resource),
            http_status_code=400,
        )
        with pytest.raises(TelemetryUnavailableError) as caught:
            backend.run_logs_insights(QUERY, [LOG_GROUP], INCIDENT)
    assert f"`logs:StartQuery` on `{resource}`" in str(caught.value)


def test_unknown_log_group_is_a_query_error(backend: AwsBackend) -> None:
    with Stubber(backend.clients.logs) as stub:
        stub.add_client_error(
            "start_query",
            service_error_code="ResourceNotFoundException",
            service_message="Log group '/aws/lambda/orders-pot' does not exist for account ID '123456789012'",
        )
        with pytest.raises(QueryError, match="orders-pot"):
            backend.run_logs_insights(QUERY, ["/aws/lambda/orders-pot"], INCIDENT)


def test_more_than_fifty_log_groups_are_refused_before_any_call(backend: AwsBackend) -> None:
    groups = [f"/aws/lambda/fn-{i}" for i in range(51)]
    with Stubber(backend.clients.logs), pytest.raises(QueryError, match="at most 50"):
        backend.run_logs_insights(QUERY, groups, INCIDENT)


def test_no_log_groups_anywhere_is_a_query_error() -> None:
    backend = AwsBackend(make_settings(log_groups=[]))
    with Stubber(backend.clients.logs), pytest.raises(QueryError, match="no log groups"):
        backend.run_logs_insights(QUERY, [], INCIDENT)
