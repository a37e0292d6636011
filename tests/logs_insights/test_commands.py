"""Conformance: each command, with the queries of AWS's Logs Insights documentation
(CWL_QuerySyntax-*.html and the sample queries) run over small realistic events."""

from __future__ import annotations

import pytest

from agent.telemetry.base import QueryError
from tests.logs_insights.conftest import event

REPORT = (
    "REPORT RequestId: {rid}\tDuration: {d} ms\tBilled Duration: {b} ms\t"
    "Memory Size: 512 MB\tMax Memory Used: {m} MB\t"
)


def lambda_reports(logs):
    return logs(
        event(
            REPORT.format(rid="6f1c4f38-0b39-4f4e-9a55-0d0b7f7c0a01", d="102.25", b=103, m=88),
            at=1_000,
        ),
        event(
            REPORT.format(rid="0c5d7e0f-54d1-4b1e-9d4c-7a51a3f1e002", d="48.10", b=49, m=91),
            at=200_000,
        ),
        event(
            REPORT.format(rid="a3a1e3e4-5d5a-4cf2-8d3e-2c2f1d0b7003", d="2301.00", b=2301, m=140),
            at=400_000,
        ),
        event("START RequestId: a3a1e3e4-5d5a-4cf2-8d3e-2c2f1d0b7003 Version: $LATEST", at=399_000),
    )


# -- fields / display -------------------------------------------------------------------------


def test_fields_returns_named_fields_newest_first(logs):
    engine = logs(event("first", at=0), event("second", at=1_000))

    result = engine.rows("fields @timestamp, @message | sort @timestamp desc | limit 25")

    assert result == [
        {"@timestamp": "2026-03-02 10:00:01.000", "@message": "second"},
        {"@timestamp": "2026-03-02 10:00:00.000", "@message": "first"},
    ]


def test_fields_computes_expressions_with_as_aliases(logs):
    engine = logs(event({"Operation": "PutItem", "StatusCode": 400}))

    result = engine.rows('fields concat(Operation, "-", StatusCode) as opStatus')

    assert result == [{"opStatus": "PutItem-400"}]


def test_fields_commands_accumulate(logs):
    engine = logs(event({"a": 1, "b": 2}))

    assert engine.rows("fields a | fields b") == [{"a": "1", "b": "2"}]


def test_display_shows_only_its_fields(logs):
    engine = logs(event("[ERROR] disk full", at=5), event("[INFO] started", at=1))

    result = engine.rows(
        'parse @message "[*] *" as loggingType, loggingMessage '
        '| filter loggingType = "ERROR" | display loggingMessage'
    )

    assert result == [{"loggingMessage": "disk full"}]


def test_no_fields_command_shows_timestamp_and_message(logs):
    engine = logs(event("hello"))

    assert engine.rows("filter @message like /hello/") == [
        {"@timestamp": "2026-03-02 10:00:00.000", "@message": "hello"}
    ]


# -- filter -------------------------------------------------------------------------------------


def test_filter_like_regex_and_substring(logs):
    engine = logs(
        event("java.lang.IllegalStateException: boom", at=1),
        event("all good", at=2),
        event("Exception in thread main", at=3),
    )

    assert len(engine.rows("filter @message like /Exception/")) == 2
    assert len(engine.rows('filter @message like "Exception"')) == 2
    assert (
        engine.rows('filter @message like "exception"') == []
    )  # substring match is case-sensitive


def test_filter_case_insensitive_regex_flag(logs):
    engine = logs(event("ERROR one", at=1), event("error two", at=2), event("fine", at=3))

    assert len(engine.rows("filter @message like /(?i)error/")) == 2


def test_filter_not_like_excludes(logs):
    engine = logs(event("Task timed out after 3.00 seconds"), event("ok", at=1))

    result = engine.rows("filter @message not like /(?i)(Exception|error|fail|timed out)/")

    assert [r["@message"] for r in result] == ["ok"]


def test_filter_match_operator(logs):
    engine = logs(event({"statusCode": "503"}), event({"statusCode": "200"}, at=1))

    assert engine.rows("filter statusCode =~ /5\\d\\d/ | fields statusCode") == [
        {"statusCode": "503"}
    ]


def test_filter_comparisons_are_numeric_against_numbers(logs):
    engine = logs(
        event({"duration": 2500}, at=1),
        event({"duration": "1999"}, at=2),
        event({"duration": 2000}, at=3),
    )

    assert [r["duration"] for r in engine.rows("filter duration > 2000 | fields duration")] == [
        "2500"
    ]
    assert len(engine.rows("filter duration >= 2000")) == 2
    assert len(engine.rows("filter duration < 2000")) == 1
    assert len(engine.rows("filter duration <= 2000")) == 2
    assert len(engine.rows("filter duration != 2000")) == 2
    assert len(engine.rows("filter duration = 1999")) == 1


def test_filter_boolean_operators_and_parentheses(logs):
    engine = logs(
        event({"f1": 11, "f2": "abc"}, at=1),
        event({"f1": 5, "f2": "abc"}, at=2),
        event({"f1": 12, "f2": "x"}, at=3),
    )

    assert len(engine.rows('fields f1, f2 | filter (f1 > 10 and f2 = "abc")')) == 1
    assert len(engine.rows('filter f1 > 10 or f2 = "abc"')) == 3
    assert len(engine.rows('filter not (f2 = "abc")')) == 1


def test_filter_in_list_of_numbers_and_strings(logs):
    engine = logs(
        event({"statusCode": 300, "level": "WARN"}, at=1),
        event({"statusCode": 404, "level": "ERROR"}, at=2),
        event({"statusCode": 200, "level": "INFO"}, at=3),
    )

    assert len(engine.rows("filter statusCode in [300, 400, 404]")) == 2
    assert len(engine.rows('filter level in ["ERROR", "WARN"]')) == 2
    assert len(engine.rows('filter level not in ["ERROR", "WARN"]')) == 1


def test_filter_on_missing_field_matches_nothing(logs):
    engine = logs(event({"a": 1}))

    assert engine.rows("filter nosuchfield = 1") == []


def test_filter_ispresent(logs):
    engine = logs(event({"error": {"code": "Throttling"}}), event({"ok": True}, at=1))

    assert len(engine.rows("filter ispresent(error.code)")) == 1


# -- stats --------------------------------------------------------------------------------------


def test_stats_by_bin_counts_per_period(logs):
    engine = logs(
        event("Exception A", at=10_000),
        event("Exception B", at=70_000),
        event("Exception C", at=400_000),
        event("fine", at=410_000),
    )

    result = engine.rows(
        "filter @message like /Exception/ | stats count(*) as exceptionCount by bin(5m)"
    )

    assert result == [
        {"bin(5m)": "2026-03-02 10:00:00.000", "exceptionCount": "2"},
        {"bin(5m)": "2026-03-02 10:05:00.000", "exceptionCount": "1"},
    ]


def test_stats_lambda_durations_from_report_lines(logs):
    engine = lambda_reports(logs)

    result = engine.rows(
        'filter @type = "REPORT" | stats avg(@duration), max(@duration), min(@duration) by bin(1h)'
    )

    assert result == [
        {
            "bin(1h)": "2026-03-02 10:00:00.000",
            "avg(@duration)": "817.1166666666667",
            "max(@duration)": "2301",
            "min(@duration)": "48.1",
        }
    ]


def test_stats_aggregations_may_reuse_earlier_aliases(logs):
    engine = lambda_reports(logs)

    result = engine.rows(
        'filter @type = "REPORT" | stats max(@memorySize / 1000 / 1000) as provisonedMemoryMB, '
        "min(@maxMemoryUsed / 1000 / 1000) as smallestMemoryRequestMB, "
        "avg(@maxMemoryUsed / 1000 / 1000) as avgMemoryUsedMB, "
        "max(@maxMemoryUsed / 1000 / 1000) as maxMemoryUsedMB, "
        "provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB"
    )

    assert result == [
        {
            "provisonedMemoryMB": "512",
            "smallestMemoryRequestMB": "88",
            "avgMemoryUsedMB": "106.33333333333333",
            "maxMemoryUsedMB": "140",
            "overProvisionedMB": "372",
        }
    ]


def test_stats_by_several_fields_then_sort_by_aggregate(logs):
    engine = logs(
        event({"srcAddr": "10.0.1.5", "dstAddr": "10.0.2.9", "packets": 10}, at=1),
        event({"srcAddr": "10.0.1.5", "dstAddr": "10.0.2.9", "packets": 30}, at=2),
        event({"srcAddr": "10.0.1.7", "dstAddr": "10.0.2.9", "packets": 5}, at=3),
    )

    result = engine.rows(
        "stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred desc | limit 15"
    )

    assert result == [
        {"srcAddr": "10.0.1.5", "dstAddr": "10.0.2.9", "packetsTransferred": "40"},
        {"srcAddr": "10.0.1.7", "dstAddr": "10.0.2.9", "packetsTransferred": "5"},
    ]


def test_sort_by_unaliased_aggregate_name(logs):
    engine = logs(event({"ip": "a"}, at=1), event({"ip": "b"}, at=2), event({"ip": "b"}, at=3))

    assert engine.rows("stats count(*) by ip | sort count(*) desc | limit 1") == [
        {"ip": "b", "count(*)": "2"}
    ]


def test_two_stats_commands_aggregate_the_first_result(logs):
    engine = logs(event("x" * 100, at=0), event("y" * 300, at=60_000), event("z" * 50, at=400_000))

    result = engine.rows(
        "FIELDS strlen(@message) AS message_length "
        "| STATS sum(message_length) AS bytes BY bin(5m) "
        "| STATS max(bytes) AS peak_bytes, min(bytes) AS min_bytes, avg(bytes) AS avg_bytes"
    )

    assert result == [{"peak_bytes": "400", "min_bytes": "50", "avg_bytes": "225"}]


def test_stats_count_field_counts_only_present_values(logs):
    engine = logs(event({"errorCode": "AccessDenied"}), event({"ok": 1}, at=1))

    assert engine.rows("stats count(*) as all, count(errorCode) as errors") == [
        {"all": "2", "errors": "1"}
    ]


def test_stats_groups_events_missing_the_field_together(logs):
    engine = logs(
        event({"errorCode": "AccessDenied"}), event({"ok": 1}, at=1), event({"ok": 2}, at=2)
    )

    assert engine.rows("stats count(*) as n by errorCode") == [
        {"errorCode": "AccessDenied", "n": "1"},
        {"n": "2"},
    ]


def test_fields_after_stats_only_see_stats_output(logs):
    engine = logs(event({"a": 1}))

    assert engine.rows("stats count(*) as n | fields @message, n") == [{"n": "1"}]


# -- sort / limit -------------------------------------------------------------------------------


def test_sort_by_several_keys(logs):
    engine = logs(
        event({"svc": "b", "ms": 5}, at=1),
        event({"svc": "a", "ms": 7}, at=2),
        event({"svc": "a", "ms": 9}, at=3),
    )

    result = engine.rows("fields svc, ms | sort svc asc, ms desc")

    assert [(r["svc"], r["ms"]) for r in result] == [("a", "9"), ("a", "7"), ("b", "5")]


def test_sort_numbers_numerically(logs):
    engine = logs(event({"ms": 100}, at=1), event({"ms": 9}, at=2), event({"ms": 20}, at=3))

    assert [r["ms"] for r in engine.rows("fields ms | sort ms")] == ["9", "20", "100"]


def test_limit_caps_rows(logs):
    engine = logs(*(event(f"line {i}", at=i) for i in range(30)))

    result = engine.rows("fields @message | sort @timestamp asc | limit 3")

    assert [r["@message"] for r in result] == ["line 0", "line 1", "line 2"]


def test_limit_above_ten_thousand_is_rejected():
    from agent.telemetry.local.logs_insights import parse_query

    with pytest.raises(QueryError, match="from 1 to 10000"):
        parse_query("fields @message | limit 10001")


# -- parse --------------------------------------------------------------------------------------


def test_parse_glob_then_stats(logs):
    engine = logs(
        event("user=alice, method:GET, latency := 23", at=1),
        event("user=alice, method:GET, latency := 41", at=2),
        event("user=bob, method:PUT, latency := 71", at=3),
    )

    result = engine.rows(
        'parse @message "user=*, method:*, latency := *" as @user, @method, @latency '
        "| stats avg(@latency) by @method, @user"
    )

    assert result == [
        {"@method": "GET", "@user": "alice", "avg(@latency)": "32"},
        {"@method": "PUT", "@user": "bob", "avg(@latency)": "71"},
    ]


def test_parse_regex_with_named_groups(logs):
    engine = logs(event("user=carol, method:POST, latency := 12"))

    result = engine.rows(
        "parse @message /user=(?<user2>.*?), method:(?<method2>.*?), latency := (?<latency2>.*?)$/ "
        "| stats avg(latency2) by method2, user2"
    )

    assert result == [{"method2": "POST", "user2": "carol", "avg(latency2)": "12"}]


def test_parse_vpc_flow_log_eni_into_named_field(logs):
    line = "2 123456789012 eni-0a1b2c3d4e5f 10.0.1.5 10.0.2.9 443 49152 6 10 840 1700000000 1700000060 ACCEPT OK"
    engine = logs(event(line, group="vpc-flow-logs"))

    result = engine.rows(
        "parse @message /(?<NetworkInterface>eni-.*?) / | display NetworkInterface, @message"
    )

    assert result == [{"NetworkInterface": "eni-0a1b2c3d4e5f", "@message": line}]


def test_parse_keeps_events_that_do_not_match_without_the_fields(logs):
    engine = logs(event("[ERROR] disk full", at=2), event("no brackets", at=1))

    result = engine.rows('parse @message "[*] *" as level, text | fields @message')

    assert result == [
        {"@message": "[ERROR] disk full", "level": "ERROR", "text": "disk full"},
        {"@message": "no brackets"},
    ]


def test_parse_any_field_not_just_message(logs):
    engine = logs(event({"path": "/orders/ord-42/items"}))

    assert engine.rows('parse path "/orders/*/*" as order, rest | display order, rest') == [
        {"order": "ord-42", "rest": "items"}
    ]


def test_parse_glob_counts_must_match():
    from agent.telemetry.local.logs_insights import parse_query

    with pytest.raises(QueryError, match="the glob has 2 '\\*' but 1 field name"):
        parse_query('parse @message "a=* b=*" as a')


def test_parse_regex_needs_a_named_group():
    from agent.telemetry.local.logs_insights import parse_query

    with pytest.raises(QueryError, match="named group"):
        parse_query("parse @message /eni-.*? /")


# -- dedup --------------------------------------------------------------------------------------


def test_dedup_keeps_first_event_per_value_in_sort_order(logs):
    engine = logs(
        event({"server": "web-1", "severity": "ERROR", "message": "old"}, at=1),
        event({"server": "web-1", "severity": "ERROR", "message": "new"}, at=5),
        event({"server": "web-2", "severity": "WARN", "message": "only"}, at=3),
    )

    result = engine.rows(
        "fields @timestamp, server, severity, message | sort @timestamp desc | dedup server"
    )

    assert [(r["server"], r["message"]) for r in result] == [("web-1", "new"), ("web-2", "only")]


def test_only_limit_may_follow_dedup():
    from agent.telemetry.local.logs_insights import parse_query

    parse_query("fields server | dedup server | limit 5")
    with pytest.raises(QueryError, match="only limit may follow dedup"):
        parse_query("fields server | dedup server | sort server")


def test_dedup_keeps_events_missing_the_field(logs):
    engine = logs(
        event({"server": "web-1"}, at=1), event({"other": 1}, at=2), event({"other": 2}, at=3)
    )

    assert len(engine.rows("fields server | dedup server")) == 3


# -- unnest -------------------------------------------------------------------------------------


def test_unnest_expands_a_json_list_into_rows(logs):
    engine = logs(event({"events": [{"name": "exception"}, {"name": "user action"}]}))

    result = engine.rows(
        "fields jsonParse(@message) as json_message | unnest json_message.events into event "
        "| display event.name"
    )

    assert result == [{"event.name": "exception"}, {"event.name": "user action"}]


def test_unnest_then_filter_items(logs):
    engine = logs(
        event({"accounts": [{"id": "a", "type": "internal"}, {"id": "b", "type": "external"}]})
    )

    result = engine.rows(
        'fields jsonParse(@message) as js | unnest js.accounts into account | filter account.type = "internal" '
        "| display account.id"
    )

    assert result == [{"account.id": "a"}]


def test_unnest_then_aggregate(logs):
    engine = logs(
        event(
            {
                "trimmedData": '[{"accountId": "111", "droppedSpans": 4}, {"accountId": "222", "droppedSpans": 1}]'
            }
        ),
        event({"trimmedData": '[{"accountId": "111", "droppedSpans": 6}]'}, at=1),
    )

    result = engine.rows(
        "fields jsonParse(trimmedData) as accounts | unnest accounts into account "
        "| stats sum(account.droppedSpans) as n by account.accountId | sort n desc | limit 10"
    )

    assert result == [
        {"account.accountId": "111", "n": "10"},
        {"account.accountId": "222", "n": "1"},
    ]


def test_unnest_treats_a_single_value_as_a_list_of_one(logs):
    engine = logs(event({"owner": {"name": "ana"}, "tag": "red"}))

    assert engine.rows("unnest owner into o | display o.name") == [{"o.name": "ana"}]
    assert engine.rows("unnest tag into t | display t") == [{"t": "red"}]


def test_unnest_a_discovered_list_field(logs):
    engine = logs(event({"tags": ["red", "blue"]}))

    assert engine.rows("unnest tags into tag | display tag") == [{"tag": "red"}, {"tag": "blue"}]


# -- comments, backticks, case -------------------------------------------------------------------


def test_comments_are_ignored(logs):
    engine = logs(event("ERROR x"), event("fine", at=1))

    query = "# errors only\nfilter @message like /ERROR/ # the errors\n| stats count(*) as n"

    assert engine.rows(query) == [{"n": "1"}]


def test_hash_inside_strings_and_regex_is_not_a_comment(logs):
    engine = logs(event("order #42 failed"))

    assert len(engine.rows('filter @message like "#42"')) == 1
    assert len(engine.rows("filter @message like /#\\d+/")) == 1


def test_backticked_field_names(logs):
    engine = logs(event({"user-agent": "curl/8.5.0", "x": {"odd key": 1}}))

    assert engine.rows("fields `user-agent`, x.`odd key`") == [
        {"user-agent": "curl/8.5.0", "x.odd key": "1"}
    ]


def test_unsupported_command_says_so():
    from agent.telemetry.local.logs_insights import parse_query

    with pytest.raises(QueryError, match="'anomaly' command is not supported"):
        parse_query("fields @message | anomaly @message")
