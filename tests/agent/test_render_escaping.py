"""The markdown report shows queries exactly as they ran (code spans are literal in
markdown: no `&gt;` inside them) while text from telemetry outside code stays defused."""

from __future__ import annotations

import re

from agent.report import Evidence, Report
from agent.report.markdown import code_span, escape, render_markdown

ALB_5XX_SQL = (
    "SELECT target_ip, count(*) AS errors FROM alb_access_logs "
    "WHERE elb_status_code >= 500 AND target_status_code <> '200' GROUP BY 1"
)
LOGS_QUERY = "fields @timestamp, @message | filter @message like /ERROR|Exception/ | limit 20"


def _report(**fields: object) -> Report:
    return Report.model_validate({"title": "Checkout 5XX", "summary": "", **fields})


def test_evidence_queries_are_shown_literally() -> None:
    evidence = Evidence(id="E1", tool="run_athena_query", source="athena", query=ALB_5XX_SQL)
    markdown = render_markdown(_report(evidence=[evidence]))
    assert "`SELECT target_ip" in markdown
    assert "elb_status_code >= 500 AND target_status_code <> '200'" in markdown
    assert "&gt;" not in markdown and "&lt;" not in markdown


def test_pipes_in_a_query_stay_inside_their_table_cell() -> None:
    evidence = Evidence(id="E2", tool="run_logs_insights_query", source="logs", query=LOGS_QUERY)
    [row] = [
        line
        for line in render_markdown(_report(evidence=[evidence])).splitlines()
        if "| E2 |" in line
    ]
    assert (
        "`fields @timestamp, @message \\| filter @message like /ERROR\\|Exception/ \\| limit 20`"
        in row
    )
    assert len(re.findall(r"(?<!\\)\|", row)) == 7  # six cells, no extra column


def test_next_queries_keep_operators_and_backticks() -> None:
    markdown = render_markdown(_report(next_queries=["fields `request.id` | filter status >= 500"]))
    assert "- ``fields `request.id` | filter status >= 500``" in markdown


def test_a_query_with_backticks_gets_a_longer_fence() -> None:
    assert code_span("a `b` c") == "``a `b` c``"
    assert code_span("`x`") == "`` `x` ``"
    assert code_span("line one\nline two") == "`line one line two`"


def test_model_text_keeps_its_code_spans_literal_and_escapes_the_rest() -> None:
    text = "E3 shows `elb_status_code >= 500` rising; <script>alert(1)</script> & more"
    assert escape(text) == (
        "E3 shows `elb_status_code >= 500` rising; &lt;script&gt;alert(1)&lt;/script&gt; &amp; more"
    )


def test_an_unclosed_backtick_does_not_shield_html() -> None:
    assert escape("`<img src=x onerror=alert(1)>") == "`&lt;img src=x onerror=alert(1)&gt;"
    assert escape("\\`<b>` x") == "\\`&lt;b&gt;` x"  # an escaped backtick opens no span


def test_a_span_across_a_blank_line_does_not_shield_html() -> None:
    # Markdown ends the paragraph at the blank line: the tag would be live HTML.
    assert escape("a `b\n\n<img src=x>` c") == "a `b\n\n&lt;img src=x&gt;` c"


def test_slack_mentions_are_defused_inside_code_spans_too() -> None:
    assert escape("`<!channel> <@U024BE7LH>` @here") == "`‹!channel› ‹@U024BE7LH›` @\u200bhere"
    assert code_span("filter @message like /<!here>/") == "`filter @message like /‹!here›/`"


def test_a_quoted_log_line_cannot_offer_a_link_that_hides_its_target() -> None:
    line = (
        "ERROR [Restore the orders table](https://evil.example/fix) "
        "![pixel](https://evil.example/p.png)"
    )
    markdown = escape(line)
    assert "](" not in markdown
    assert "[Restore the orders table]\\(https://evil.example/fix)" in markdown


def test_a_reference_definition_in_the_data_cannot_turn_citations_into_links() -> None:
    report = _report(
        summary="PutItem was throttled [E1].",
        notes=["[E1]: https://evil.example/phish"],
    )
    markdown = render_markdown(report)
    assert "]: https://evil" not in markdown and "[E1]\\: https://evil.example/phish" in markdown


def test_citations_and_code_spans_keep_their_brackets_as_written() -> None:
    assert escape("throttled [E3] after `arr[0](x)`") == "throttled [E3] after `arr[0](x)`"


def test_control_characters_from_the_data_reach_no_terminal() -> None:
    markdown = render_markdown(_report(summary="ok\x1b]0;pwned\x07\x1b[2J done\r\nnext\tline"))
    assert "\x1b" not in markdown and "\x07" not in markdown and "\r" not in markdown
    assert "ok\\x1b]0;pwned\\x07\\x1b[2J done\\r\nnext\tline" in markdown


def test_an_escaped_bracket_is_left_alone_and_an_escaped_backslash_does_not_shield_a_link() -> None:
    assert escape("\\[click\\](x)") == "\\[click\\](x)"
    assert escape("[click\\\\](https://evil.example)") == "[click\\\\]\\(https://evil.example)"
