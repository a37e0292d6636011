"""A metrics answer as Block Kit, a pure function of `InsightAnswer`: the question, the
period in the asker's zone and in UTC, the answer with every evidence id linked to its
console page, and each cited series' query. The chart PNG and `answer.md` go up as files
next to it (the Slack door uploads `answer.chart_png`).

Dimension values and metric names come from telemetry: everything passes through
`slack_app.text`, so a crafted name cannot mention, broadcast or break the layout.
"""

from __future__ import annotations

import re

from agent.insight import InsightAnswer
from slack_app.blocks import Block, context, divider, header, sections
from slack_app.limits import MAX_BLOCKS_PER_MESSAGE
from slack_app.text import escape_mrkdwn, inline_code, link, link_evidence_ids, truncate

MAX_CITED = 8  # evidence lines under the answer; answer.md lists them all
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _mrkdwn(markdown: str) -> str:
    """The answer's Markdown as Slack mrkdwn: escaped, `**bold**` as `*bold*`."""
    return _BOLD.sub(r"*\1*", escape_mrkdwn(markdown))


def insight_blocks(answer: InsightAnswer) -> list[Block]:
    links = {e.id: e.link for e in answer.evidence if e.link}
    blocks: list[Block] = [
        header(f"📈 {answer.question}"),
        context(f"*Period:* {escape_mrkdwn(answer.period_text)}"),
        *sections(link_evidence_ids(_mrkdwn(answer.answer_markdown), links)),
    ]
    cited = answer.cited_evidence()
    if cited:
        lines = []
        for evidence in cited[:MAX_CITED]:
            label = link(evidence.link, evidence.id) if evidence.link else evidence.id
            lines.append(f"{label} {inline_code(truncate(evidence.query, 200))}")
        if len(cited) > MAX_CITED:
            lines.append(f"… and {len(cited) - MAX_CITED} more in answer.md")
        blocks += [divider(), *sections("\n".join(lines))]
    who = "fa2's rule-based baseline (no LLM)" if answer.rule_based else escape_mrkdwn(answer.model)
    footer = f"Answered by {who} · {answer.usage.tool_calls} tool call(s) · {answer.usage.wall_seconds:.1f} s"
    notes = [escape_mrkdwn(n) for n in answer.notes if not n.startswith("Answered by")]
    blocks.append(context(footer, *notes[:4]))
    return blocks[:MAX_BLOCKS_PER_MESSAGE]


def insight_fallback_text(answer: InsightAnswer) -> str:
    """The message's notification text: the question and the first line of the answer."""
    first = answer.answer_markdown.split("\n", 1)[0].replace("**", "")
    return escape_mrkdwn(truncate(f"{answer.question} — {first}", 300))
