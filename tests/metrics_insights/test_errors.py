"""Every mistake is refused before anything runs, with the offset of the offending token (the
`position` of the QueryError, and a caret under it in the message) and what to write instead."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.telemetry.base import QueryError
from agent.telemetry.local import LocalBackend
from agent.telemetry.types import TimeRange
from tests.metrics_insights.conftest import HOUR

EC2 = 'FROM SCHEMA("AWS/EC2", InstanceId)'

# (query, the text at the error position, a phrase of the message)
POSITIONED = [
    ("", "", "empty Metrics Insights query"),
    ('AVG(CPUUtilization) FROM "AWS/EC2"', "AVG", "expected SELECT"),
    ('SELECT P99(Duration) FROM "AWS/Lambda"', "P99", "unknown function 'P99'"),
    ('SELECT STDDEV(Duration) FROM "AWS/Lambda"', "STDDEV", "use AVG, COUNT, MAX, MIN or SUM"),
    ("SELECT AVG(CPUUtilization)", "", "expected FROM"),
    ("SELECT AVG(CPUUtilization) WHERE InstanceId = 'x'", "WHERE", "expected FROM"),
    ("SELECT AVG(CPUUtilization) FROM AWS/EC2", "/EC2", 'must be double-quoted: "AWS/EC2"'),
    (
        "SELECT AVG(CPUUtilization) FROM 'AWS/EC2'",
        "'AWS/EC2'",
        "single quotes are for label values",
    ),
    ('SELECT AVG(CPUUtilization) FROM "AWS/EC3"', '"AWS/EC3"', 'it has: "AWS/ApplicationELB"'),
    ('SELECT AVG(CPUUtilisation) FROM "AWS/EC2"', "CPUUtilisation", "it has: CPUUtilization"),
    (f"SELECT AVG(CPUUtilization) {EC2} GROUP BY instanceid", "instanceid", "case-sensitive"),
    (
        'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", Instance)',
        "Instance)",
        "dimensions: AutoScalingGroupName, InstanceId",
    ),
    (f"SELECT AVG(CPUUtilization) {EC2} WHERE InstanceId = i-0", "-0", "single-quoted: 'i-0abc'"),
    (f'SELECT AVG(CPUUtilization) {EC2} WHERE InstanceId = "i-0"', '"i-0"', "single quotes"),
    (
        f"SELECT AVG(CPUUtilization) {EC2} WHERE InstanceId = 'a' OR InstanceId = 'b'",
        "OR",
        "OR is not part",
    ),
    (f"SELECT AVG(CPUUtilization) {EC2} WHERE InstanceId IN ('a')", "IN", "IN is not part"),
    (f"SELECT AVG(CPUUtilization) {EC2} WHERE InstanceId LIKE 'i-%'", "LIKE", "LIKE is not part"),
    (f"SELECT AVG(CPUUtilization) {EC2} WHERE InstanceId > 'a'", ">", "expected = or !="),
    (f"SELECT AVG(CPUUtilization) {EC2} WHERE InstanceId = 'a", "'a", "unterminated label value"),
    (f"SELECT AVG(CPUUtilization) {EC2} GROUP InstanceId", "InstanceId", "expected BY after GROUP"),
    (
        f"SELECT AVG(CPUUtilization) {EC2} ORDER BY AVG(CPUUtilization)",
        "CPUUtilization)",
        "takes no argument",
    ),
    (f"SELECT AVG(CPUUtilization) {EC2} ORDER BY P90()", "P90", "unknown function"),
    (f"SELECT AVG(CPUUtilization) {EC2} LIMIT 0", "0", "LIMIT 0 is out of range"),
    (f"SELECT AVG(CPUUtilization) {EC2} LIMIT 501", "501", "1 to 500"),
    (f"SELECT AVG(CPUUtilization) {EC2} LIMIT ten", "ten", "whole number"),
    (f"SELECT AVG(CPUUtilization) {EC2} LIMIT 5 GROUP BY InstanceId", "GROUP", "out of place"),
    (f"SELECT AVG(CPUUtilization) {EC2} LIMIT 5 5", "5", "unexpected '5'"),
    (
        'SELECT SUM(5XXError) FROM "AWS/ApiGateway"',
        "5XXError",
        'starts with a digit: write it in double quotes, "5XXError"',
    ),
    (
        'SELECT AVG(LIMIT) FROM "AWS/EC2"',
        "LIMIT",
        'reserved keyword: write it in double quotes ("LIMIT")',
    ),
    ("SELECT AVG(CPUUtilization) FROM SCHEMA()", ")", "SCHEMA needs at least the namespace"),
    (
        'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId, InstanceId)',
        "InstanceId)",
        "repeated",
    ),
    ('SELECT AVG(CPUUtilization) FROM "AWS/EC2" ; DROP TABLE x', ";", "unexpected character"),
]


@pytest.mark.parametrize(("query", "at", "phrase"), POSITIONED, ids=range(len(POSITIONED)))
def test_mistake_is_refused_at_its_position(
    backend: LocalBackend, query: str, at: str, phrase: str
) -> None:
    with pytest.raises(QueryError) as caught:
        backend.run_metrics_insights(query, HOUR)
    error = caught.value
    if query:
        assert error.position is not None
        assert query[error.position :].startswith(at), (error.position, error.message)
        assert "^" in error.message
    assert phrase in error.message


def test_the_caret_sits_under_the_fault_on_its_own_line(backend: LocalBackend) -> None:
    query = 'SELECT MAX(CPUUtilization)\nFROM "AWS/EC2"\nGROUP BY Instance'
    with pytest.raises(QueryError) as caught:
        backend.run_metrics_insights(query, HOUR)
    assert "line 3, column 10" in caught.value.message
    assert caught.value.message.endswith("  GROUP BY Instance\n           ^")


@pytest.mark.parametrize(
    ("period", "max_series", "range_days", "phrase"),
    [
        (90, 500, 0, "multiple of 60"),
        (30, 500, 0, "multiple of 60"),
        (None, 501, 0, "1 to 500"),
        (None, 0, 0, "1 to 500"),
        (None, 500, 15, "two weeks"),
    ],
)
def test_request_limits_are_checked_before_the_query_runs(
    backend: LocalBackend, period: int | None, max_series: int, range_days: int, phrase: str
) -> None:
    window = TimeRange(start=HOUR.start - timedelta(days=range_days), end=HOUR.end)
    with pytest.raises(QueryError, match=phrase):
        backend.run_metrics_insights(
            'SELECT AVG(CPUUtilization) FROM "AWS/EC2"', window, period, max_series
        )


def test_a_query_longer_than_aws_accepts_is_refused(backend: LocalBackend) -> None:
    long_value = "x" * 2100
    with pytest.raises(QueryError, match="at most 2048"):
        backend.run_metrics_insights(
            f"SELECT AVG(CPUUtilization) FROM \"AWS/EC2\" WHERE InstanceId = '{long_value}'", HOUR
        )
