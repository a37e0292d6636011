"""What the model reads beside the rows: `describe_alarm`'s last state changes (or why the
alarm is not there), why `list_tables` found nothing, and a Logs Insights query that matches
thousands of events kept short."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from botocore.stub import Stubber
from langchain_core.messages import ToolMessage

from agent.config import Settings, load_settings
from agent.run_context import InvestigationContext
from agent.telemetry.aws import AwsBackend, clear_client_cache
from agent.telemetry.local import LocalBackend
from tests.agent.fakes import call
from tests.agent.helpers import context, run_tool_calls

DEMO_BUNDLE = Path(__file__).resolve().parents[2] / "evals" / "scenarios" / "dynamodb-throttling"

ORDERS_ALARM = {
    "AlarmName": "orders-api-5xx",
    "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-api-5xx",
    "StateValue": "ALARM",
    "StateReason": "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).",
    "StateUpdatedTimestamp": datetime(2026, 3, 2, 10, 17, tzinfo=UTC),
    "Namespace": "AWS/ApiGateway",
    "MetricName": "5XXError",
    "Dimensions": [{"Name": "ApiName", "Value": "orders-api"}],
    "Statistic": "Sum",
    "Period": 60,
    "EvaluationPeriods": 1,
    "Threshold": 5.0,
    "ComparisonOperator": "GreaterThanThreshold",
}


def _history_item(minute: int, kind: str, summary: str) -> dict:
    return {
        "AlarmName": "orders-api-5xx",
        "AlarmType": "MetricAlarm",
        "Timestamp": datetime(2026, 3, 2, 10, minute, tzinfo=UTC),
        "HistoryItemType": kind,
        "HistorySummary": summary,
    }


FLAPPING_HISTORY = [  # newest first, as DescribeAlarmHistory(ScanBy=TimestampDescending)
    _history_item(
        17, "Action", "Successfully executed action arn:aws:sns:us-east-1:123456789012:ops"
    ),
    _history_item(17, "StateUpdate", "Alarm updated from OK to ALARM"),
    _history_item(9, "StateUpdate", "Alarm updated from ALARM to OK"),
    _history_item(4, "StateUpdate", "Alarm updated from OK to ALARM"),
    _history_item(1, "ConfigurationUpdate", 'Alarm "orders-api-5xx" updated'),
]


def _aws_backend() -> AwsBackend:
    clear_client_cache()
    return AwsBackend(load_settings(region="us-east-1", model="baseline"))


def _describe(ctx: InvestigationContext) -> ToolMessage:
    result = run_tool_calls(ctx, call("describe_alarm", {}, "c1"))
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    return message


def test_describe_alarm_shows_the_last_state_changes(settings: Settings) -> None:
    backend = _aws_backend()
    ctx = context(settings, backend)
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response("describe_alarms", {"MetricAlarms": [ORDERS_ALARM]}, None)
        stub.add_response("describe_alarm_history", {"AlarmHistoryItems": FLAPPING_HISTORY}, None)
        message = _describe(ctx)
    assert "recent_state_changes" in message.content
    assert (
        "2026-03-02T10:17:00.000Z Alarm updated from OK to ALARM ; "
        "2026-03-02T10:09:00.000Z Alarm updated from ALARM to OK ; "
        "2026-03-02T10:04:00.000Z Alarm updated from OK to ALARM"
    ) in message.content
    assert "Successfully executed action" not in message.content  # only state changes
    [evidence] = ctx.ledger.recorded
    assert evidence.columns[-1] == "recent_state_changes"


def test_describe_alarm_says_when_the_history_is_not_permitted(settings: Settings) -> None:
    backend = _aws_backend()
    ctx = context(settings, backend)
    with Stubber(backend.clients.cloudwatch) as stub:
        stub.add_response("describe_alarms", {"MetricAlarms": [ORDERS_ALARM]}, None)
        stub.add_client_error(
            "describe_alarm_history",
            service_error_code="AccessDenied",
            service_message="User is not authorized to perform: cloudwatch:DescribeAlarmHistory",
            http_status_code=403,
        )
        message = _describe(ctx)
    assert "(history unavailable:" in message.content
    assert "ALARM" in message.content


def test_an_unknown_alarm_is_explained_to_the_model(settings: Settings) -> None:
    offline = settings.updated(bundle=DEMO_BUNDLE)
    ctx = context(offline, LocalBackend(DEMO_BUNDLE, offline))
    result = run_tool_calls(ctx, call("describe_alarm", {"alarm_name": "orders-api-5XX"}, "c1"))
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert "note:\n<data-" in message.content
    assert "no alarm named 'orders-api-5XX' in this bundle" in message.content
    assert "this bundle's alarm is 'orders-api-5xx'" in message.content


def test_ten_thousand_matching_events_stay_a_compact_observation(settings: Settings) -> None:
    offline = settings.updated(bundle=DEMO_BUNDLE)
    backend = LocalBackend(DEMO_BUNDLE, offline)
    ctx = context(offline, backend)
    query = "fields @timestamp, @log, @message | sort @timestamp desc | limit 10000"
    result = run_tool_calls(ctx, call("run_logs_insights_query", {"query": query}, "c1"))
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert backend.run_logs_insights(query, [], ctx.window).row_count == 10_000
    assert len(message.content) <= 6500
    assert "were not read (narrow the query or aggregate to see them)" in message.content
    [evidence] = ctx.ledger.recorded
    assert len(evidence.rows) <= 50 and evidence.truncated


def test_an_unknown_table_lists_the_tables_that_exist(settings: Settings) -> None:
    ctx = context(settings)
    result = run_tool_calls(ctx, call("list_tables", {"table": "alb_logs"}, "c1"))
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert "note:\n<data-" in message.content
    assert "no table 'alb_logs'; the tables are: aiops_db.cloud_trail_logs" in message.content


def test_a_range_outside_the_incident_window_is_explained(settings: Settings) -> None:
    ctx = context(settings)
    args = {
        "query": "fields @message",
        "start": "2026-03-09T14:30:00Z",
        "end": "2026-03-09T15:00:00Z",
    }
    result = run_tool_calls(ctx, call("run_logs_insights_query", args, "c1"))
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert message.status == "error"
    assert (
        "the range 2026-03-09T14:30:00+00:00 – 2026-03-09T15:00:00+00:00 lies outside the "
        "incident window 2026-03-02 09:45:00Z – 2026-03-02 10:30:00Z"
    ) in message.content


def test_an_end_before_the_start_is_named_as_such(settings: Settings) -> None:
    ctx = context(settings)
    args = {
        "query": "fields @message",
        "start": "2026-03-02T10:20:00Z",
        "end": "2026-03-02T10:00:00Z",
    }
    result = run_tool_calls(ctx, call("run_logs_insights_query", args, "c1"))
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert "end 2026-03-02T10:00:00+00:00 is not after start 2026-03-02T10:20:00+00:00" in (
        message.content
    )
