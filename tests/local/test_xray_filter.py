"""X-Ray filter expressions: each construct of the documented grammar the agent uses, and
errors that point at the position."""

from __future__ import annotations

import pytest

from agent.telemetry.base import QueryError
from agent.telemetry.local.xray_filter import parse_filter

from .conftest import FAULTING_TRACE, HEALTHY_TRACE, THROTTLED_TRACE

ALL = {FAULTING_TRACE, HEALTHY_TRACE, THROTTLED_TRACE}

CASES = {
    "fault": {FAULTING_TRACE},
    "error": {THROTTLED_TRACE},
    "throttle": {THROTTLED_TRACE},
    "ok": {HEALTHY_TRACE},
    "fault = false": {HEALTHY_TRACE, THROTTLED_TRACE},
    "responsetime > 1": {THROTTLED_TRACE},
    "duration < 0.1": {HEALTHY_TRACE},
    "http.status = 502": {FAULTING_TRACE},
    "http.status >= 400": {FAULTING_TRACE, THROTTLED_TRACE},
    'http.method = "GET"': {HEALTHY_TRACE},
    'http.url CONTAINS "ord-4"': {FAULTING_TRACE},
    'http.url BEGINSWITH "https://k7x2q9w4ab"': ALL,
    'http.url ENDSWITH "/ord-9"': {THROTTLED_TRACE},
    'http.clientip = "198.51.100.11"': {HEALTHY_TRACE},
    'http.useragent CONTAINS "python-requests"': {FAULTING_TRACE},
    'annotation.tenant = "acme"': {FAULTING_TRACE},
    "annotation.retries >= 3": {FAULTING_TRACE},
    'annotation[tenant] = "globex"': {HEALTHY_TRACE},
    'service("orders-get")': {HEALTHY_TRACE},
    'service("orders-put") { fault }': {FAULTING_TRACE},
    'service("DynamoDB") { fault }': {FAULTING_TRACE},
    'service("orders") { ok }': {HEALTHY_TRACE},
    "service() { throttle }": {THROTTLED_TRACE},
    'edge("orders-put", "orders")': {FAULTING_TRACE},
    'edge("orders-api/prod", "orders-get") { responsetime < 0.1 }': {HEALTHY_TRACE},
    'rootcause.fault.service { name = "orders-put" }': {FAULTING_TRACE},
    'rootcause.fault.entity { name = "DynamoDB" and remote }': {FAULTING_TRACE},
    'rootcause.fault.entity { exception.name = "InternalServerError" }': {FAULTING_TRACE},
    'rootcause.error.service { type = "AWS::ApiGateway::Stage" }': {THROTTLED_TRACE},
    'rootcause.responsetime.entity { name = "DynamoDB" }': {FAULTING_TRACE},
    'rootcause.responsetime.service { name = "orders-api/prod" }': {THROTTLED_TRACE},
    "fault or throttle": {FAULTING_TRACE, THROTTLED_TRACE},
    "fault || ok": {FAULTING_TRACE, HEALTHY_TRACE},
    'http.method = "PUT" and !fault': {THROTTLED_TRACE},
    'http.method = "PUT" && !(fault or error)': set(),
    '!(service("orders-get"))': {FAULTING_TRACE, THROTTLED_TRACE},
    "(fault or error) and responsetime > 0.5": {FAULTING_TRACE, THROTTLED_TRACE},
}


@pytest.mark.parametrize(("expression", "expected"), CASES.items(), ids=CASES.keys())
def test_filter_expression_selects_the_matching_traces(
    xray, incident_window, expression: str, expected: set[str]
) -> None:
    response, matched = xray.trace_summaries(expression, incident_window)
    assert {s["Id"] for s in response["TraceSummaries"]} == expected
    assert matched == len(expected)


@pytest.mark.parametrize(
    ("expression", "position", "says"),
    [
        ("responsetime >", 14, "expected a value after '>'"),
        ('service("orders"', 16, "expected ')'"),
        ("fault and", 9, "expected a keyword"),
        ("faults", 0, "unknown keyword 'faults'"),
        ("fault ok", 6, "missing 'and' / 'or'"),
        ("http.url CONTAINS 5", 18, "CONTAINS compares with a quoted string"),
        ('service("a") { http.url = "x" }', 15, "inside this { } block"),
        ("responsetime", 12, "needs a comparison"),
        ('rootcause.latency.service { name = "a" }', 0, "unsupported root-cause keyword"),
        ("fault # 1", 6, "unexpected character '#'"),
    ],
)
def test_invalid_expression_names_the_position(expression: str, position: int, says: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_filter(expression)
    assert caught.value.position == position
    assert says in caught.value.message
    assert f"at position {position}" in caught.value.message


def test_empty_expression_is_refused() -> None:
    with pytest.raises(QueryError, match="empty filter expression"):
        parse_filter("   ")


@pytest.mark.parametrize("expression", ["!" * 2000 + "fault", "(" * 200 + "fault" + ")" * 200])
def test_a_filter_nested_too_deeply_is_a_positioned_query_error(expression: str) -> None:
    # 2000 '!' raised RecursionError before.
    with pytest.raises(QueryError, match=r"too deeply nested: more than 30 levels.*position 30"):
        parse_filter(expression)
