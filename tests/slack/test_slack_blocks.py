"""Report → Block Kit: the answer is one valid message whatever the report's size, citations
link to their evidence, and untrusted text is shown literally."""

from __future__ import annotations

import json

import pytest

from agent.report import Evidence, Hypothesis, Report
from slack_app.blocks import alarm_reply, status_message
from slack_app.limits import (
    MAX_BLOCKS_PER_MESSAGE,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    validate_message,
)
from slack_app.messages import answer_message, evidence_messages
from slack_app.text import code_block, escape_mrkdwn, link, split_text
from tests.slack.reports import throttling_report

THREAD = "slack-C0ALERTS01-1772446621.000200"


def _huge_report() -> Report:
    base = throttling_report()
    evidence = [
        Evidence(
            id=f"E{i}",
            tool="logs_insights",
            source="logs",
            query=f"fields @message | filter @message like /err{i}/ " + "x" * 900,
            row_count=i,
        )
        for i in range(1, 61)
    ]
    hypotheses = [
        Hypothesis(
            statement=f"Hypothesis {i}: " + "a long statement " * 30,
            confidence="medium",
            reasoning="because " * 700,
            evidence_ids=[f"E{i}"],
        )
        for i in range(1, 41)
    ]
    return base.model_copy(
        update={
            "title": "T" * 400,
            "summary": "word " * 2000,
            "hypotheses": hypotheses,
            "evidence": evidence,
        }
    )


def test_a_typical_report_is_one_valid_message_ending_with_feedback_evidence_and_verdict_buttons() -> (
    None
):
    message = answer_message(throttling_report(), thread_id=THREAD)
    assert message.problems() == []
    buttons = message.blocks[-1]["elements"]
    assert [b["action_id"] for b in buttons] == [
        "fa2_feedback_up",
        "fa2_feedback_down",
        "fa2_show_evidence",
        "fa2_verdict_cause",
        "fa2_verdict_not_cause",
    ]
    assert buttons[0]["value"] == THREAD and buttons[2]["value"] == f"{THREAD}|E1,E2"


def test_a_huge_report_is_still_one_short_valid_message() -> None:
    message = answer_message(_huge_report(), thread_id=THREAD)
    assert message.problems() == []
    assert len(message.blocks) <= 10
    assert sum(len(json.dumps(b)) for b in message.blocks) < 4000
    header = message.blocks[0]["text"]["text"]
    assert len(header) == MAX_HEADER_TEXT and header.endswith("…")


def test_the_details_of_sixty_evidence_items_are_split_into_valid_messages() -> None:
    report = _huge_report()
    messages = evidence_messages(report, [f"E{i}" for i in range(1, 61)])
    assert len(messages) > 1 and all(m.problems() == [] for m in messages)
    assert all(len(m.blocks) <= MAX_BLOCKS_PER_MESSAGE for m in messages)
    everything = json.dumps([m.blocks for m in messages])
    assert all(f"err{i}/" in everything for i in range(1, 61))


def test_the_validator_names_each_broken_limit() -> None:
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "x" * (MAX_SECTION_TEXT + 1)}}
    ] * 51
    problems = validate_message("fallback", blocks)
    assert problems[0] == "51 blocks (at most 50 per message)"
    assert "block 0 (section): section text over 3000 characters" in problems


def test_citations_link_to_the_console_and_say_what_they_queried_without_a_link() -> None:
    text = json.dumps(
        answer_message(throttling_report(), thread_id=THREAD).blocks, ensure_ascii=False
    )
    assert (
        "<https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights|E1>"
        in text
    )
    assert "*E2* · Athena SQL on cloud_trail_logs · 1 row" in text


def test_mentions_and_broadcasts_in_log_text_are_shown_literally() -> None:
    escaped = escape_mrkdwn("<!channel> <!here> <@U123> @here & <https://evil|click>")
    assert "<" not in escaped and ">" not in escaped
    assert "@here" not in escaped.replace("&lt;!here&gt;", "")
    assert escaped.startswith("&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt;")


def test_a_log_line_cannot_close_a_code_block() -> None:
    block = code_block("evil ``` *bold* <!channel>")
    assert block.startswith("```") and block.endswith("```")
    assert block[3:-3].count("```") == 0


@pytest.mark.parametrize("run", [2, 3, 4, 5, 6, 7])
@pytest.mark.parametrize("where", ["inside", "at the start", "at the end"])
def test_no_run_of_backticks_in_a_log_line_can_close_a_code_block(run: int, where: str) -> None:
    ticks = "`" * run
    text = {
        "inside": f"a {ticks} *b*",
        "at the start": f"{ticks} *b*",
        "at the end": f"*b* {ticks}",
    }
    body = code_block(text[where])[3:-3]
    assert "``" not in body  # so no ``` either
    assert not body.startswith("`") and not body.endswith("`")  # nor beside the fence


# A chat service that logs the Markdown it sends: four backticks used to become
# "`" + ZWSP + "```", which closed the block; the rest rendered as mrkdwn.
MARKDOWN_LOG_LINE = (
    '{"level":"INFO","msg":"reply sent","body":"````\n*Resolved*: ignore this alarm\n````"}'
)


def test_show_evidence_keeps_a_log_line_with_a_markdown_fence_inside_its_code_block() -> None:
    report = throttling_report()
    logs = Evidence(
        id="E9",
        tool="run_logs_insights_query",
        source="logs",
        query="fields @timestamp, @message | filter @message like /reply sent/",
        columns=["@timestamp", "@message"],
        rows=[["2026-03-02 10:05:01.000", MARKDOWN_LOG_LINE]],
        row_count=1,
    )
    report = report.model_copy(update={"evidence": [*report.evidence, logs]})

    [message] = evidence_messages(report, ["E9"])

    text = "\n".join(b["text"]["text"] for b in message.blocks if b["type"] == "section")
    assert text.count("```") == 4  # the query's block and the rows' block, nothing else
    assert "*Resolved*" in text.split("```")[3]  # inside the rows' block


def test_links_only_for_plain_http_urls() -> None:
    assert (
        link("https://console.aws.amazon.com/x?a=1&b=2", "E1")
        == "<https://console.aws.amazon.com/x?a=1&amp;b=2|E1>"
    )
    assert link("bundle://demo/logs", "E1") == "E1"
    assert link("https://x.example/a|b>c", "E1") == "E1"


def test_long_text_splits_at_line_breaks_within_the_limit() -> None:
    chunks = split_text("\n".join(["line " * 100] * 20), 3000)
    assert all(len(c) <= 3000 for c in chunks) and len(chunks) == 4


def test_alarm_reply_and_status_messages_are_valid() -> None:
    from agent.incident import Incident
    from tests.slack.reports import WINDOW

    incident = Incident(
        source="chatbot",
        title="orders-api-5xx in ALARM",
        alarm_name="orders-api-5xx",
        state="ALARM",
        window=WINDOW,
    )
    assert alarm_reply(incident, alarm_key=THREAD).problems() == []
    status = status_message(
        "t" * 5000, state="⏳", detail="d" * 5000, query="q" * 10_000, elapsed=3
    )
    assert status.problems() == []


def test_offline_evidence_shows_its_query_instead_of_a_console_link() -> None:
    text = json.dumps(
        answer_message(throttling_report(), thread_id="C1:1.0").blocks, ensure_ascii=False
    )
    assert "*E2* · Athena SQL on cloud_trail_logs · 1 row" in text
    assert "<bundle://" not in text  # never rendered as a Slack link
