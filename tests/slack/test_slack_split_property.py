"""Whatever the lengths, a message is split between words and never inside a link, a
mention, a code span or block, an emoji code or an entity (property tests over random
reports with console links up to Slack's 3,000-character URL limit)."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.report import Confidence, Evidence, Hypothesis, Report
from slack_app.limits import MAX_SECTION_TEXT
from slack_app.messages import answer_message, followup_message
from slack_app.text import atoms, code_block, escape_mrkdwn, split_text
from tests.slack.reports import throttling_report

URL_CHARS = st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-._~%/?#=&:+")
console_link = st.builds(
    lambda tail: "https://us-east-1.console.aws.amazon.com/cloudwatch/home#" + tail,
    st.text(URL_CHARS, min_size=0, max_size=2900),
)
word = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\r"), min_size=1, max_size=30),
    st.sampled_from(
        [":rotating_light:", "`PutItem`", "<!channel>", "<@U123ADMIN>", "&", "E1", "[E2]", "\n"]
    ),
    st.builds(lambda n: f"E{n}", st.integers(1, 60)),
)
prose = st.lists(word, min_size=1, max_size=400).map(" ".join)

_WHOLE = re.compile(r"```.*?```|`[^`\n]*`|<[^<>\n]*>|&(?:amp|lt|gt);", re.DOTALL)


def broken_pieces(chunk: str) -> list[str]:
    """What is left of links, mentions, code blocks and entities after the whole ones are
    removed (a lone backtick from log text is text, not a broken span)."""
    rest = _WHOLE.sub("", chunk)
    return re.findall(r"[<>]|```|&(?!amp;|lt;|gt;)", rest)


@st.composite
def reports(draw: st.DrawFn) -> Report:
    count = draw(st.integers(1, 50))
    links = draw(st.lists(console_link, min_size=count, max_size=count))
    evidence = [
        Evidence(
            id=f"E{n}",
            tool="run_logs_insights_query",
            source="logs",
            query=draw(prose),
            row_count=n,
            link=url,
        )
        for n, url in enumerate(links, start=1)
    ]
    ids = [e.id for e in evidence]
    return throttling_report().model_copy(
        update={
            "summary": draw(prose) + " " + " ".join(f"[{i}]" for i in ids),
            "hypotheses": [
                Hypothesis(
                    statement=draw(prose),
                    confidence=draw(st.sampled_from(list(Confidence))),
                    evidence_ids=draw(st.lists(st.sampled_from(ids), max_size=50)),
                )
            ],
            "actions": [draw(prose) for _ in range(draw(st.integers(0, 4)))],
            "evidence": evidence,
        }
    )


def _section_texts(blocks: list[dict]) -> list[str]:  # type: ignore[type-arg]
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    texts += [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    return texts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_the_answer_never_cuts_a_link_and_every_linked_citation_is_whole(report: Report) -> None:
    for message in (
        answer_message(report, thread_id="slack-C1-1.0"),
        followup_message(report, thread_id="slack-C1-1.0"),
    ):
        assert message.problems() == []
        texts = _section_texts(message.blocks)
        assert all(len(t) <= MAX_SECTION_TEXT for t in texts)
        assert [p for t in texts for p in broken_pieces(t)] == []
        shown = json.dumps(message.blocks)
        for link in re.findall(r"<(https://[^|>]*)\|", shown):
            assert any(e.link and link == e.link.replace("&", "&amp;") for e in report.evidence)


@settings(max_examples=200, deadline=None)
@given(
    # escaped text (as every renderer produces) with links and code spans in it
    st.lists(
        st.one_of(
            word.map(escape_mrkdwn),
            console_link.map(lambda u: f"<{u.replace('&', '&amp;')}|E7>"),
            st.sampled_from(["`PutItem`", ":rotating_light:", "```SELECT 1```"]),
        ),
        max_size=300,
    ),
    st.integers(40, 3000),
)
def test_split_text_keeps_every_atom_whole_within_the_limit(parts: list[str], limit: int) -> None:
    text = " ".join(parts)
    chunks = split_text(text, limit)
    assert all(len(c) <= limit for c in chunks)
    kept = [a for c in chunks for a in atoms(c) if not a.isspace()]
    whole = [a for a in atoms(text) if not a.isspace() and len(a) <= limit]
    assert [a for a in whole if a not in kept] == []


def test_fifty_log_group_links_in_one_hypothesis_stay_whole() -> None:
    report = throttling_report()
    long_link = (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights$3FqueryDetail$3D"
        + "~(source~(~'*2faws*2flambda*2forders-put))" * 40
    )
    evidence = [
        Evidence(
            id=f"E{n}",
            tool="run_logs_insights_query",
            source="logs",
            query="fields @message",
            link=long_link,
        )
        for n in range(1, 51)
    ]
    hypothesis = report.hypotheses[0].model_copy(update={"evidence_ids": [e.id for e in evidence]})
    report = report.model_copy(update={"evidence": evidence, "hypotheses": [hypothesis]})
    message = answer_message(report, thread_id="slack-C1-1.0")
    texts = _section_texts(message.blocks)
    assert message.problems() == [] and [p for t in texts for p in broken_pieces(t)] == []
    assert sum(t.count(f"<{long_link}|E") for t in texts) == 5 + 6  # statement + evidence list
    assert "+45 more" in json.dumps(message.blocks)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="`ab *\n", max_size=60))
def test_no_text_can_close_a_code_block_early(text: str) -> None:
    body = code_block(text)[3:-3]
    assert "``" not in body
    assert not body.startswith("`") and not body.endswith("`")
