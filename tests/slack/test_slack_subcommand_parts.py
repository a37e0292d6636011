"""The parts `/fa2 insight` and `/fa2 findings` share: reading their arguments, and which
failures are told to the user as they are (what to fix) rather than as an error id."""

from __future__ import annotations

import pytest

from agent.insight.period import PeriodError
from agent.telemetry.base import QueryError, TelemetryUnavailableError
from slack_app.insight_command import InsightRequest, parse
from slack_app.subcommands import ArgumentError, explain_failure, parse_days


@pytest.mark.parametrize(
    ("arguments", "request_"),
    [
        ("which Lambda's p99 rose most?", InsightRequest(question="which Lambda's p99 rose most?")),
        ("--days 3 which Lambda's p99 rose most?", InsightRequest(question="which Lambda's p99 rose most?", days=3)),
        ("--days=14 is orders throttled?", InsightRequest(question="is orders throttled?", days=14)),
        ("--days 2", InsightRequest(question="", days=2)),
        ("", InsightRequest(question="")),
    ],
)  # fmt: skip
def test_insight_reads_an_optional_days_option_then_the_question(
    arguments: str, request_: InsightRequest
) -> None:
    assert parse(arguments) == request_


def test_an_insight_question_over_the_limit_is_refused_with_its_length() -> None:
    with pytest.raises(ArgumentError, match="the question is 1001 characters"):
        parse("x" * 1001)


def test_days_default_when_absent_and_are_bounded() -> None:
    assert parse_days(" ", low=1, high=45, default=7, usage="/fa2 findings [days]") == 7
    assert parse_days("45", low=1, high=45, default=7, usage="/fa2 findings [days]") == 45
    with pytest.raises(ArgumentError, match=r"days must be from 1 to 45; got 46"):
        parse_days("46", low=1, high=45, default=7, usage="/fa2 findings [days]")


def test_a_missing_iam_permission_is_told_as_the_permission_to_grant() -> None:
    denied = TelemetryUnavailableError(
        "access denied: the role fa2 runs as needs IAM permission securityhub:GetFindings on "
        "arn:aws:securityhub:eu-west-1:123456789012:hub/default"
    )
    message = explain_failure(denied)
    assert message is not None
    assert message.startswith("fa2 could not read the data: access denied")
    assert "securityhub:GetFindings" in message


@pytest.mark.parametrize(
    "error",
    [QueryError("unknown namespace AWS/Lamda"), PeriodError("the period ends in the future")],
)
def test_a_query_or_period_fa2_cannot_run_is_told_as_it_is(error: Exception) -> None:
    message = explain_failure(error)
    assert message is not None and message.startswith("fa2 could not answer: ")


def test_anything_else_is_not_explained_and_gets_an_error_id() -> None:
    assert explain_failure(KeyError("Findings")) is None


def test_the_status_message_shows_a_failure_quoting_markup_escaped_once() -> None:
    from slack_app.blocks import status_message

    error = QueryError("Malformed query: expected a number after `<` in SUM(Errors) < <!channel>")

    message = status_message("metrics question", state="⚠️", detail=explain_failure(error) or "")

    text = message.blocks[0]["text"]["text"]
    assert "&lt; &lt;!channel&gt;" in text and "&amp;lt;" not in text
    assert "&amp;lt;" not in message.text
