"""Conformance: every function of AWS's "Boolean, comparison, numeric, datetime, and other
functions" page and the stats functions, with the page's examples where it gives one."""

from __future__ import annotations

import pytest

from agent.telemetry.base import QueryError
from agent.telemetry.local.logs_insights import parse_query
from tests.logs_insights.conftest import event


def one(logs, expression: str, message: dict | str | None = None) -> str | None:
    """The value of `expression` for a single event (None when the row leaves it out)."""
    engine = logs(event(message if message is not None else {"n": 1}))
    row = engine.rows(f"fields {expression} as v")[0]
    return row.get("v")


# -- arithmetic ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2 + 3", "5"),
        ("2 - 3", "-1"),
        ("2 * 3", "6"),
        ("7 / 2", "3.5"),
        ("2 ^ 3", "8"),  # the page: 2 ^ 3 returns 8
        ("10 % 3", "1"),  # the page: 10 % 3 returns 1
        ("(1 + 2) * 3", "9"),
        ("-n + 4", "3"),
    ],
)
def test_arithmetic_operators(logs, expression, expected):
    assert one(logs, expression) == expected


def test_arithmetic_on_text_fields_that_hold_numbers(logs):
    assert one(logs, "bytes / 1024", {"bytes": "2048"}) == "2"


def test_division_by_zero_leaves_the_field_out(logs):
    assert one(logs, "n / 0") is None


# -- numeric ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("abs(-3.5)", "3.5"),
        ("ceil(2.1)", "3"),
        ("floor(2.9)", "2"),
        ("greatest(1, 7, 3)", "7"),
        ("least(4, 2, 9)", "2"),
        ("log(1)", "0"),
        ("sqrt(16)", "4"),
    ],
)
def test_numeric_functions(logs, expression, expected):
    assert one(logs, expression) == expected


# -- string -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('concat("orders", "-", "put")', "orders-put"),
        ('ltrim("   id")', "id"),
        ('rtrim("id   ")', "id"),
        ('trim("  id  ")', "id"),
        ('ltrim("xxid", "x")', "id"),  # two-argument forms remove the given characters
        ('rtrim("id!!", "!")', "id"),
        ('trim("--id--", "-")', "id"),
        ('strlen("héllo")', "5"),
        ('toupper("Put")', "PUT"),
        ('tolower("Put")', "put"),
        ('substr("ProvisionedThroughput", 11)', "Throughput"),  # start index counts from 0
        ('substr("ProvisionedThroughput", 0, 11)', "Provisioned"),
        ('replace("a-b-c", "-", "+")', "a+b+c"),  # every occurrence
        ('strcontains("ProvisionedThroughputExceeded", "Throughput")', "1"),
        ('strcontains("ok", "Throughput")', "0"),
    ],
)
def test_string_functions(logs, expression, expected):
    assert one(logs, expression) == expected


def test_string_functions_on_message_fields(logs):
    engine = logs(event({"tableName": "  orders  "}))

    assert engine.rows("fields toupper(trim(tableName)) as t, strlen(tableName) as n") == [
        {"t": "ORDERS", "n": "10"}
    ]


# -- general ------------------------------------------------------------------------------------


def test_ispresent_isempty_isblank(logs):
    engine = logs(event({"a": "", "b": "   ", "c": "x"}))

    result = engine.rows(
        "fields ispresent(a) as pa, ispresent(missing) as pm, isempty(a) as ea, isempty(missing) as em, "
        "isempty(c) as ec, isblank(b) as bb, isblank(c) as bc"
    )

    assert result == [{"pa": "1", "pm": "0", "ea": "1", "em": "1", "ec": "0", "bb": "1", "bc": "0"}]


def test_coalesce_returns_first_present_value(logs):
    engine = logs(event({"errorCode": "Throttling"}), event({"status": 200}, at=1))

    result = engine.rows(
        'fields coalesce(errorCode, status, "none") as outcome | sort @timestamp asc'
    )

    assert [r["outcome"] for r in result] == ["Throttling", "200"]


# -- datetime -----------------------------------------------------------------------------------


def test_bin_rounds_timestamps_down_to_the_period(logs):
    engine = logs(event("a", at=29_999), event("b", at=30_000), event("c", at=3_599_999))

    assert [r["bin(30s)"] for r in engine.rows("stats count(*) by bin(30s)")] == [
        "2026-03-02 10:00:00.000",
        "2026-03-02 10:00:30.000",
        "2026-03-02 10:59:30.000",
    ]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("100ms", "2026-03-02 10:17:42.500"),
        ("1m", "2026-03-02 10:17:00.000"),
        ("1h", "2026-03-02 10:00:00.000"),
        ("1d", "2026-03-02 00:00:00.000"),
        ("1w", "2026-02-26 00:00:00.000"),  # weeks count from the epoch (a Thursday)
        ("1mo", "2026-03-01 00:00:00.000"),
        ("1q", "2026-01-01 00:00:00.000"),
        ("1y", "2026-01-01 00:00:00.000"),
        ("2hrs", "2026-03-02 10:00:00.000"),
        ("1qtr", "2026-01-01 00:00:00.000"),
        ("500msec", "2026-03-02 10:17:42.500"),
    ],
)
def test_datefloor_periods(logs, period, expected):
    engine = logs(event("x", at=(17 * 60 + 42) * 1000 + 537))

    assert engine.rows(f"fields datefloor(@timestamp, {period}) as t") == [{"t": expected}]


def test_dateceil_rounds_up(logs):
    engine = logs(event("x", at=(17 * 60 + 42) * 1000))

    assert engine.rows("fields dateceil(@timestamp, 1h) as t, dateceil(@timestamp, 1mo) as m") == [
        {"t": "2026-03-02 11:00:00.000", "m": "2026-04-01 00:00:00.000"}
    ]


def test_frommillis_and_tomillis(logs):
    engine = logs(event({"startedAt": 1772445600000}, at=250))

    result = engine.rows("fields fromMillis(startedAt) as started, toMillis(@timestamp) as ms")

    assert result == [{"started": "2026-03-02 10:00:00.000", "ms": "1772445600250"}]


def test_a_period_outside_the_time_functions_is_rejected():
    with pytest.raises(QueryError, match="only valid inside bin"):
        parse_query("fields 5m as x")


def test_bin_needs_a_unit():
    with pytest.raises(QueryError, match="bin\\(\\) needs a time period"):
        parse_query("stats count(*) by bin(300)")


def test_unknown_time_unit_is_rejected():
    with pytest.raises(QueryError, match="unknown time unit 'x'"):
        parse_query("stats count(*) by bin(5x)")


# -- IP addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('isValidIp("10.0.1.5")', "1"),
        ('isValidIp("2001:db8::1")', "1"),
        ('isValidIp("10.0.1")', "0"),
        ('isValidIpV4("10.0.1.5")', "1"),
        ('isValidIpV4("2001:db8::1")', "0"),
        ('isValidIpV6("2001:db8::1")', "1"),
        ('isValidIpV6("10.0.1.5")', "0"),
        ('isIpInSubnet("192.0.2.44", "192.0.2.0/24")', "1"),
        ('isIpInSubnet("192.0.3.44", "192.0.2.0/24")', "0"),
        ('isIpInSubnet("2001:db8::1", "2001:db8::/32")', "1"),
        ('isIpv4InSubnet("192.0.2.44", "192.0.2.0/24")', "1"),
        ('isIpv4InSubnet("2001:db8::1", "2001:db8::/32")', "0"),
        ('isIpv6InSubnet("2001:db8::1", "2001:db8::/32")', "1"),
        ('isIpv6InSubnet("192.0.2.44", "192.0.2.0/24")', "0"),
    ],
)
def test_ip_functions(logs, expression, expected):
    assert one(logs, expression) == expected


def test_filter_by_subnet(logs):
    engine = logs(
        event({"srcAddr": "192.0.2.10"}, at=1),
        event({"srcAddr": "198.51.100.7"}, at=2),
        event({"x": 1}, at=3),
    )

    assert engine.rows('filter isIpv4InSubnet(srcAddr, "192.0.2.0/24") | fields srcAddr') == [
        {"srcAddr": "192.0.2.10"}
    ]


# -- aggregations -------------------------------------------------------------------------------


def stats_engine(logs):
    return logs(
        event({"ms": 10, "svc": "b"}, at=1_000, stream="s1"),
        event({"ms": 20, "svc": "a"}, at=2_000, stream="s2"),
        event({"ms": 30, "svc": "c"}, at=3_000, stream="s1"),
        event({"ms": 40, "svc": "a"}, at=4_000, stream="s3"),
    )


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        ("count(*)", "4"),
        ("count(ms)", "4"),
        ("count_distinct(svc)", "3"),
        ("sum(ms)", "100"),
        ("avg(ms)", "25"),
        ("min(ms)", "10"),
        ("max(ms)", "40"),
        ("pct(ms, 50)", "25"),
        ("pct(ms, 100)", "40"),
        ("stddev(ms)", "12.909944487358056"),
        ("earliest(svc)", "b"),
        ("latest(svc)", "a"),
        ("sortsFirst(svc)", "a"),
        ("sortsLast(svc)", "c"),
        ("min(@timestamp)", "2026-03-02 10:00:01.000"),
        ("max(@timestamp)", "2026-03-02 10:00:04.000"),
    ],
)
def test_aggregation_functions(logs, aggregation, expected):
    assert stats_engine(logs).rows(f"stats {aggregation} as v") == [{"v": expected}]


def test_aggregation_outside_stats_is_rejected():
    with pytest.raises(QueryError, match="avg\\(\\) is an aggregation and is only valid in stats"):
        parse_query("fields avg(ms)")


def test_stats_without_aggregation_is_rejected():
    with pytest.raises(QueryError, match="'ms' is not an aggregation"):
        parse_query("stats ms by svc")


def test_pct_needs_a_percentile_in_range():
    with pytest.raises(QueryError, match="percentile from 0 to 100"):
        parse_query("stats pct(ms, 101)")


def test_earliest_after_stats_is_rejected():
    with pytest.raises(QueryError, match="needs @timestamp"):
        parse_query("stats count(*) as n by svc | stats earliest(n)")


# -- errors -------------------------------------------------------------------------------------


def test_unknown_function_names_position_and_lists_functions():
    with pytest.raises(QueryError) as error:
        parse_query("fields @message, toUpperCase(@message)")

    assert "line 1, column 18" in str(error.value)
    assert "unknown function toUpperCase()" in str(error.value)
    assert "toupper" in str(error.value)
    assert error.value.position == 17


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('fields substr("abc")', "substr\\(\\) takes 2 to 3 arguments"),
        ("fields abs(1, 2)", "abs\\(\\) takes 1 argument"),
        ('fields replace("a", "b")', "replace\\(\\) takes 3 arguments"),
        ("fields greatest()", "greatest\\(\\) takes at least 1 argument"),
    ],
)
def test_wrong_argument_counts_are_rejected(query, message):
    with pytest.raises(QueryError, match=message):
        parse_query(query)


def test_function_names_are_case_insensitive(logs):
    assert one(logs, 'TOUPPER("x")') == "X"
