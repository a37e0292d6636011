"""Block Kit for fa2's Slack messages, as pure functions of typed models.

The report becomes one or more messages (a long report is split, never cut or rejected):
summary, ranked hypotheses with confidence, every citation a link to its evidence (console
deep link, or the exact query text when there is no link), timeline, next actions, and the
👍/👎 feedback buttons. All text that may come from telemetry goes through `slack_app.text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.incident import Incident
from agent.report import Confidence, Evidence, Hypothesis, Report
from slack_app.contract import ACTION_IDS
from slack_app.limits import (
    MAX_BLOCKS_PER_MESSAGE,
    MAX_BUTTON_VALUE,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    validate_message,
)
from slack_app.text import (
    code_block,
    escape_mrkdwn,
    fallback_text,
    inline_code,
    link,
    plain,
    split_text,
    truncate,
)

Block = dict[str, Any]

CONFIDENCE_BADGE = {
    Confidence.high: "🔴 high confidence",
    Confidence.medium: "🟠 medium confidence",
    Confidence.low: "⚪ low confidence",
}
QUERY_PREVIEW_CHARS = 600  # a query longer than this is shown cut; the file has it whole


@dataclass
class SlackMessage:
    """What `chat.postMessage` / `chat.update` take: fallback text plus blocks.

    `text` is parsed as mrkdwn and shown in notifications: build it with
    `slack_app.text.fallback_text` (or from already-escaped mrkdwn), never from raw telemetry.
    """

    text: str
    blocks: list[Block] = field(default_factory=list)

    def problems(self) -> list[str]:
        return validate_message(self.text, self.blocks)


# --- building blocks -------------------------------------------------------------------


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": truncate(plain(text), MAX_HEADER_TEXT),
            "emoji": True,
        },
    }


def sections(mrkdwn: str) -> list[Block]:
    """One section per ≤3000-character chunk, so long text is split, not rejected."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in split_text(mrkdwn, MAX_SECTION_TEXT)
        if chunk.strip()
    ]


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": truncate(value, MAX_BUTTON_VALUE, marker=""),
    }
    if style:
        element["style"] = style
    return element


# --- the report ------------------------------------------------------------------------


def citation(evidence_id: str, evidence: dict[str, Evidence]) -> str:
    """`E3` as a link to the console when the evidence has an http(s) link, else bold text."""
    found = evidence.get(evidence_id)
    if found is not None and found.link and found.link.startswith(("https://", "http://")):
        return link(found.link, evidence_id)
    return f"*{escape_mrkdwn(evidence_id)}*"


def citations(ids: list[str], evidence: dict[str, Evidence]) -> str:
    return " ".join(f"[{citation(i, evidence)}]" for i in ids)


def _hypothesis_text(rank: int, hypothesis: Hypothesis, evidence: dict[str, Evidence]) -> str:
    lines = [
        f"*{rank}. {escape_mrkdwn(hypothesis.statement)}*",
        f"{CONFIDENCE_BADGE[hypothesis.confidence]}"
        + (f" · {escape_mrkdwn(hypothesis.category)}" if hypothesis.category else "")
        + ("" if hypothesis.supported else " · ⚠️ no valid evidence left"),
    ]
    if hypothesis.reasoning:
        lines.append(escape_mrkdwn(hypothesis.reasoning))
    if hypothesis.evidence_ids:
        lines.append("Evidence: " + citations(hypothesis.evidence_ids, evidence))
    lines += [f"_{escape_mrkdwn(flag)}_" for flag in hypothesis.flags]
    return "\n".join(lines)


def _evidence_text(item: Evidence) -> str:
    if item.link and item.link.startswith(("https://", "http://")):
        where = link(item.link, "open in console")
    else:  # offline evidence: the bundle reference is not a link anyone can open
        where = escape_mrkdwn(item.link or item.source)
    status = f"{item.row_count} rows" if item.status == "ok" else escape_mrkdwn(item.status)
    lines = [f"*{escape_mrkdwn(item.id)}* · {escape_mrkdwn(item.tool)} · {status} · {where}"]
    if item.time_range is not None:
        lines[0] += f" · {escape_mrkdwn(item.time_range.label())}"
    lines.append(code_block(truncate(item.query, QUERY_PREVIEW_CHARS)))
    if item.error:
        lines.append("Error: " + escape_mrkdwn(truncate(item.error, 300)))
    return "\n".join(lines)


def _cited_ids(report: Report) -> list[str]:
    """Evidence ids in the order the report cites them (hypotheses, then timeline)."""
    seen: dict[str, None] = {}
    for hypothesis in report.hypotheses:
        seen.update(dict.fromkeys(hypothesis.evidence_ids))
    for entry in report.timeline:
        seen.update(dict.fromkeys(entry.evidence_ids))
    return list(seen)


def report_blocks(report: Report, *, thread_id: str) -> list[Block]:
    """The whole report as a flat list of blocks (possibly more than one message's worth)."""
    evidence = report.evidence_by_id()
    blocks: list[Block] = [header(f"🔎 {report.title}")]
    blocks += sections(escape_mrkdwn(report.summary))
    meta = [f"model: {escape_mrkdwn(report.model or 'unknown')}"]
    if report.rule_based:
        meta.append("rule-based baseline (no LLM)")
    if report.window is not None:
        meta.append(f"window: {report.window.label()}")
    usage = report.usage
    meta.append(
        f"{usage.steps} steps · {usage.tool_calls} queries · {usage.wall_seconds:.0f} s · "
        f"${usage.cost_usd:.4f}"
    )
    if usage.budget_exhausted:
        meta.append(f"⚠️ stopped by budget: {escape_mrkdwn(usage.budget_exhausted)}")
    if usage.internal_errors:
        meta.append(f"⚠️ {usage.internal_errors} tool call(s) failed on an internal error")
    blocks.append(context(*meta))
    if report.impact:
        blocks += sections("*Impact*\n" + escape_mrkdwn(report.impact))

    if report.hypotheses:
        blocks.append(divider())
        blocks += sections("*Hypotheses*")
        for rank, hypothesis in enumerate(report.hypotheses, start=1):
            blocks += sections(_hypothesis_text(rank, hypothesis, evidence))

    if report.timeline:
        lines = ["*Timeline (UTC)*"]
        for entry in sorted(report.timeline, key=lambda e: e.time):
            cited = f" {citations(entry.evidence_ids, evidence)}" if entry.evidence_ids else ""
            lines.append(
                f"{inline_code(f'{entry.time:%H:%M:%S}')} {escape_mrkdwn(entry.event)}{cited}"
            )
        blocks.append(divider())
        blocks += sections("\n".join(lines))

    for title, items in (
        ("Next actions", report.actions),
        ("Prevention", report.prevention),
        ("Unknowns", report.unknowns),
    ):
        if items:
            blocks += sections(f"*{title}*\n" + "\n".join(f"• {escape_mrkdwn(i)}" for i in items))

    cited_evidence = [evidence[i] for i in _cited_ids(report) if i in evidence]
    if cited_evidence:
        blocks.append(divider())
        blocks += sections("*Evidence cited*")
        for item in cited_evidence:
            blocks += sections(_evidence_text(item))
    if report.notes:
        blocks.append(context(*(escape_mrkdwn(truncate(n, 1000)) for n in report.notes)))
    blocks.append(feedback_actions(thread_id))
    return blocks


def feedback_actions(thread_id: str) -> Block:
    return {
        "type": "actions",
        "block_id": "fa2_feedback",
        "elements": [
            button("👍 Helpful", ACTION_IDS["feedback_up"], thread_id),
            button("👎 Not helpful", ACTION_IDS["feedback_down"], thread_id),
        ],
    }


def paginate(blocks: list[Block], fallback: str) -> list[SlackMessage]:
    """Pack blocks into messages of at most 50 blocks; each later message says it continues."""
    per_message = MAX_BLOCKS_PER_MESSAGE - 1  # room for the "continued" context line
    pages = [blocks[i : i + per_message] for i in range(0, len(blocks), per_message)] or [[]]
    messages = []
    for number, page in enumerate(pages, start=1):
        if len(pages) > 1:
            page = [*page, context(f"part {number} of {len(pages)}")]
        text = fallback if number == 1 else f"{fallback} (part {number} of {len(pages)})"
        messages.append(SlackMessage(text=text, blocks=page))
    return messages


def report_messages(report: Report, *, thread_id: str) -> list[SlackMessage]:
    """The report as messages that each pass Slack's limits."""
    fallback = fallback_text(f"fa2: {report.title} — {report.summary}")
    return paginate(report_blocks(report, thread_id=thread_id), fallback)


# --- the other messages ----------------------------------------------------------------


def alarm_reply(incident: Incident, *, alarm_key: str) -> SlackMessage:
    """The reply under an alarm notification: what fa2 understood, and the Analyze button."""
    when = f"{incident.state_change_time:%Y-%m-%d %H:%M:%S}Z" if incident.state_change_time else "?"
    metric = " / ".join(p for p in (incident.namespace, incident.metric_name) if p)
    text = f"*{escape_mrkdwn(incident.alarm_name or incident.title)}* went to {escape_mrkdwn(incident.state or 'ALARM')} at {when}"
    if metric:
        text += f"\nMetric: {escape_mrkdwn(metric)}"
    return SlackMessage(
        text=fallback_text(f"fa2 can investigate {incident.alarm_name or incident.title}"),
        blocks=[
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)},
                "accessory": button("🔎 Analyze", ACTION_IDS["analyze"], alarm_key, "primary"),
            },
            context(
                "fa2 opens a form with the time range prefilled; nothing runs until you submit."
            ),
        ],
    )


def status_message(
    title: str, *, state: str, detail: str = "", query: str = "", elapsed: float = 0.0
) -> SlackMessage:
    """The one status message of an investigation, updated in place."""
    lines = [f"{state} *{escape_mrkdwn(title)}* · {elapsed:.0f} s"]
    if detail:
        lines.append(escape_mrkdwn(truncate(detail, 500)))
    blocks = sections("\n".join(lines))
    if query:
        blocks += sections("Running:\n" + code_block(truncate(query, 1200)))
    return SlackMessage(text=fallback_text(f"fa2: {title} — {detail}"), blocks=blocks)


def notice(text: str) -> SlackMessage:
    """A short message from fa2 itself, as already-escaped mrkdwn (also its fallback text)."""
    return SlackMessage(text=text, blocks=sections(text))


def error_message(error_id: str, what: str = "The investigation failed") -> SlackMessage:
    """What a user sees when something breaks: short, with an id to find the logs by."""
    return notice(
        f"⚠️ {escape_mrkdwn(what)} (error id `{escape_mrkdwn(error_id)}`). "
        "The details are in fa2's logs."
    )
