"""A metrics answer as Block Kit: valid for Slack, the period stated, evidence ids linked to
their console pages, and telemetry text (a crafted dimension value) shown, never obeyed."""

from __future__ import annotations

from datetime import UTC, datetime

from agent.incident import TimeRange
from agent.insight import InsightAnswer
from agent.report import Evidence
from slack_app.insight_blocks import insight_blocks, insight_fallback_text
from slack_app.limits import validate_message

CONSOLE = (
    "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#metricsV2:graph=x"
)


def _answer(text: str) -> InsightAnswer:
    period = TimeRange(
        start=datetime(2026, 3, 2, 9, 45, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    )
    return InsightAnswer(
        question="Which Lambda's p99 rose most?",
        time_range=period,
        period_text="2026-03-02 18:45 (JST, UTC+09:00) – 19:30 (JST, UTC+09:00) = 2026-03-02 09:45 – 10:30 UTC (45 min)",
        answer_markdown=text,
        evidence=[
            Evidence(
                id="E2",
                tool="run_metrics_insights_query",
                source="metrics",
                query='SELECT MAX(Duration) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName',
                link=CONSOLE,
            )
        ],
        model="us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    )


def _text(blocks: list[dict]) -> str:
    return str(blocks)


def test_the_blocks_are_valid_and_state_the_period_and_the_cited_query() -> None:
    answer = _answer("**orders-put** p99 rose from 40 ms to 1.2 s [E2].")
    blocks = insight_blocks(answer)
    assert validate_message(insight_fallback_text(answer), blocks) == []
    text = _text(blocks)
    assert "(JST, UTC+09:00)" in text and "09:45 – 10:30 UTC" in text
    assert "*orders-put* p99 rose" in text  # Markdown bold as mrkdwn bold
    assert f"<{CONSOLE.replace('&', '&amp;')}|E2>" in text
    assert "SELECT MAX(Duration)" in text


def test_a_crafted_dimension_value_cannot_mention_or_broadcast() -> None:
    blocks = insight_blocks(_answer("**<!channel> <@U0123>** is slowest [E2]."))
    text = _text(blocks)
    assert "<!channel>" not in text and "<@U0123>" not in text
    assert "&lt;!channel&gt;" in text
