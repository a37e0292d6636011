"""Console deep links follow the console's documented/observed URL formats, so a person can
re-run what the agent ran."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

from agent.incident import MetricDimension, TimeRange
from agent.telemetry.links import (
    alarm_url,
    athena_query_url,
    jsurl,
    logs_insights_url,
    metric_graph_metric,
    metric_graph_url,
    xray_service_map_url,
    xray_trace_url,
    xray_traces_url,
)
from tests.aws.jsurl_reader import parse_jsurl

WINDOW = TimeRange(
    start=datetime(2026, 3, 2, 9, 45, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
)
QUERY = "fields @timestamp, @message\n| filter @message like /ProvisionedThroughputExceeded/\n| sort @timestamp desc"


def test_jsurl_encodes_objects_lists_strings_numbers_and_booleans_like_the_console() -> None:
    assert (
        jsurl({"a": "x y", "n": 60, "ok": False, "l": ["/p", 1]})
        == "~(a~'x*20y~n~60~ok~false~l~(~'*2fp~1))"
    )


def test_jsurl_escapes_dollar_as_bang_and_non_ascii_as_utf16_units() -> None:
    assert jsurl("$LATEST ✓") == "~'!LATEST*20**2713"


def test_logs_insights_link_matches_the_console_format_exactly() -> None:
    url = logs_insights_url(
        "us-east-1",
        "fields @timestamp, @message\n| sort @timestamp desc",
        ["/aws/lambda/orders-put"],
        WINDOW,
    )
    assert url == (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
        "#logsV2:logs-insights$3FqueryDetail$3D~(end~'2026-03-02T10*3a30*3a00.000Z"
        "~start~'2026-03-02T09*3a45*3a00.000Z~timeType~'ABSOLUTE~tz~'UTC"
        "~editorString~'fields*20*40timestamp*2c*20*40message*0a*7c*20sort*20*40timestamp*20desc"
        "~isLiveTail~false~source~(~'*2faws*2flambda*2forders-put))"
    )


def test_logs_insights_link_round_trips_query_groups_and_range() -> None:
    groups = ["/aws/lambda/orders-put", "/aws/apigateway/orders-api"]
    url = logs_insights_url("eu-west-1", QUERY + " | filter msg = 'it''s $5'", groups, WINDOW)
    fragment = url.split("#logsV2:logs-insights$3FqueryDetail$3D", 1)[1]
    detail = parse_jsurl(fragment)
    assert detail["editorString"] == QUERY + " | filter msg = 'it''s $5'"
    assert detail["source"] == groups
    assert (detail["start"], detail["end"]) == (
        "2026-03-02T09:45:00.000Z",
        "2026-03-02T10:30:00.000Z",
    )
    assert (detail["timeType"], detail["tz"]) == ("ABSOLUTE", "UTC")
    assert url.startswith(
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#"
    )


def test_logs_insights_link_is_safe_inside_a_url_fragment() -> None:
    url = logs_insights_url("us-east-1", 'fields @message | filter x = "a b" # c', ["/g"], WINDOW)
    fragment = url.split("#", 1)[1]
    assert (
        " " not in fragment and '"' not in fragment and "#" not in fragment and "%" not in fragment
    )


def test_athena_link_opens_the_query_execution_in_the_editor_history() -> None:
    assert athena_query_url("us-east-1", "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111") == (
        "https://us-east-1.console.aws.amazon.com/athena/home?region=us-east-1"
        "#/query-editor/history/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
    )


def test_xray_trace_link_opens_the_trace_in_the_cloudwatch_console() -> None:
    assert xray_trace_url("us-east-1", "1-5f84c7a1-0123456789abcdef01234567") == (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
        "#xray:traces/1-5f84c7a1-0123456789abcdef01234567"
    )


def test_xray_trace_list_link_uses_the_documented_time_range_and_filter_parameters() -> None:
    url = xray_traces_url("us-east-1", 'service("orders-put") { fault = true }', WINDOW)
    route, _, query = urlsplit(url).fragment.partition("?")
    assert route == "/traces"
    params = parse_qs(query)
    assert params["timeRange"] == ["2026-03-02T09:45:00~2026-03-02T10:30:00"]
    assert params["filter"] == ['service("orders-put") { fault = true }']
    assert "/xray/home?region=us-east-1#" in url


def test_xray_service_map_link_carries_the_range() -> None:
    url = xray_service_map_url("us-east-1", WINDOW)
    assert url.endswith("#/service-map?timeRange=2026-03-02T09:45:00~2026-03-02T10:30:00")


def test_metric_graph_link_holds_the_console_metric_arrays_and_the_range() -> None:
    metrics = [
        metric_graph_metric(
            namespace="AWS/DynamoDB",
            metric_name="WriteThrottleEvents",
            dimensions=[MetricDimension(name="TableName", value="orders")],
            options={"id": "m1", "stat": "Sum", "period": 60},
        ),
        metric_graph_metric(
            namespace=None, metric_name=None, expression="m1 * 2", options={"id": "e1"}
        ),
    ]
    url = metric_graph_url("us-east-1", metrics, WINDOW, period=60)
    prefix = (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#metricsV2:graph="
    )
    assert url.startswith(prefix)
    graph = parse_jsurl(url[len(prefix) :])
    assert graph["metrics"] == [
        [
            "AWS/DynamoDB",
            "WriteThrottleEvents",
            "TableName",
            "orders",
            {"id": "m1", "stat": "Sum", "period": 60},
        ],
        [{"expression": "m1 * 2", "id": "e1"}],
    ]
    assert (
        graph["view"] == "timeSeries" and graph["region"] == "us-east-1" and graph["period"] == 60
    )
    assert (graph["start"], graph["end"]) == (
        "2026-03-02T09:45:00.000Z",
        "2026-03-02T10:30:00.000Z",
    )


def test_alarm_link_escapes_the_alarm_name() -> None:
    url = alarm_url("us-east-1", "orders api 5xx/high")
    assert url.endswith("#alarmsV2:alarm/orders%20api%205xx%2Fhigh")
    assert unquote(url.split("#alarmsV2:alarm/")[1]) == "orders api 5xx/high"


def test_links_use_the_partition_console_host() -> None:
    assert athena_query_url("cn-north-1", "q").startswith(
        "https://cn-north-1.console.amazonaws.cn/"
    )
    assert xray_trace_url("us-gov-west-1", "1-5f84c7a1-0123456789abcdef01234567").startswith(
        "https://us-gov-west-1.console.amazonaws-us-gov.com/"
    )
