"""The two kinds of answer fa2 posts in a thread, and the evidence details behind them.

- The investigation's answer fits one laptop screen: the conclusion in two or three
  sentences, the top hypothesis with its confidence, what to do now, a compact evidence list
  (id · what · rows · link), one line of run facts, and 👍 / 👎 / Show evidence. The whole
  report is the markdown file attached next to it.
- A follow-up's answer is a threaded reply with only the answer and the evidence it cites
  (earlier and new ids alike), each with its console link or its query.
- "Show evidence" opens the details of the cited evidence (query, time range, rows), as a
  message only the clicking user sees.

Every `E<n>` is a link wherever it appears when its evidence has one; `text.split_text`
never cuts inside a link. All telemetry text goes through `slack_app.text`.
"""

from __future__ import annotations

import re

from agent.report import Confidence, Evidence, Report
from agent.report.draft import states_a_run_fact
from slack_app.blocks import (
    Block,
    SlackMessage,
    button,
    context,
    header,
    paginate,
    sections,
)
from slack_app.contract import ACTION_IDS
from slack_app.limits import MAX_BLOCKS_PER_MESSAGE, MAX_BUTTON_VALUE
from slack_app.text import (
    code_block,
    escape_mrkdwn,
    fallback_text,
    inline_code,
    link,
    link_evidence_ids,
    truncate,
)

CONFIDENCE_BADGE = {
    Confidence.high: "🔴 high confidence",
    Confidence.medium: "🟠 medium confidence",
    Confidence.low: "⚪ low confidence",
}
CONCLUSION_SENTENCES = 3
CONCLUSION_CHARS = 700
ACTIONS_SHOWN = 3
EVIDENCE_SHOWN = 6
IDS_SHOWN = 5  # citations after a statement; the file lists them all
QUERY_PREVIEW_CHARS = 36  # in the compact list; "Show evidence" and the file have it whole
FOLLOWUP_QUERY_CHARS = 40  # a follow-up names each cited query (its link or its text)
CELL_CHARS = 160  # a cell in "Show evidence"; the report file has the rows whole
SOURCE_NAMES = {"run_logs_insights_query": "Logs Insights", "run_athena_query": "Athena"}
_METRIC = re.compile(r"(?P<ns>AWS/[\w.]+) (?P<name>\w+)\{[^}]*\} (?P<stat>\w+)/")
_FROM_TABLE = re.compile(r"\bFROM\s+([\w.\"]+)", re.I)
DETAIL_QUERY_CHARS = 1500
NOTES_SHOWN = 2  # beside the run's facts; the report file has every note
NOTE_CHARS = 240
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")
_EVIDENCE_ID = re.compile(r"(?<![A-Za-z0-9_])E\d{1,4}(?![A-Za-z0-9_])")
# An STS session ARN says who acted; its account id and the SSO role's hash suffix only make
# a line longer (the file keeps the whole ARN).
_ASSUMED_ROLE = re.compile(
    r"(?:arn:aws:sts::\d{12}:)?assumed-role/(?P<role>[\w+=,.@-]+?)(?:_[0-9a-f]{16})?/(?P<who>[\w+=,.@-]+)"
)
FULL_REPORT = re.compile(r"full report|whole report|entire report|レポート全体|全文", re.I)


def shorten_arns(text: str) -> str:
    return _ASSUMED_ROLE.sub(lambda m: f"{m['who']} (role {m['role']})", text)


def evidence_links(report: Report) -> dict[str, str]:
    """The http(s) link of each evidence id that has one."""
    return {
        e.id: e.link
        for e in report.evidence
        if e.link and e.link.startswith(("https://", "http://"))
    }


def cited_ids(text: str) -> list[str]:
    """Evidence ids in `text`, in order of first mention."""
    return list(dict.fromkeys(_EVIDENCE_ID.findall(text)))


def conclusion(summary: str, *, rule_based: bool = False) -> str:
    """The first two or three sentences of the summary (the rest is in the file). A rule-based
    report's own disclaimer is left out: the run facts line says it once."""
    sentences = _SENTENCE_END.split(summary.strip())
    if rule_based:
        sentences = [s for s in sentences if "rule-based" not in s] or sentences
    return truncate(" ".join(sentences[:CONCLUSION_SENTENCES]), CONCLUSION_CHARS)


def rich(text: str, links: dict[str, str]) -> str:
    """Telemetry text as safe mrkdwn with every evidence id linked."""
    return link_evidence_ids(escape_mrkdwn(shorten_arns(text)), links)


def _ids(ids: list[str], links: dict[str, str]) -> str:
    shown = " ".join(f"[{link_evidence_ids(escape_mrkdwn(i), links)}]" for i in ids[:IDS_SHOWN])
    return shown + (f" +{len(ids) - IDS_SHOWN} more" if len(ids) > IDS_SHOWN else "")


def _fit(blocks: list[Block]) -> list[Block]:
    """At most 50 blocks, the buttons kept last; a cut says where the rest is."""
    if len(blocks) <= MAX_BLOCKS_PER_MESSAGE:
        return blocks
    note = context("_Shortened to fit one message: the report file has everything._")
    return [*blocks[: MAX_BLOCKS_PER_MESSAGE - 2], note, blocks[-1]]


def evidence_line(item: Evidence, *, query_chars: int = 0) -> str:
    """`E3 · Athena SQL on cloud_trail_logs · 2 rows`, the id linked to the console; without a
    link (offline) and with `query_chars`, followed by the start of its query."""
    status = (
        f"{item.row_count} row{'' if item.row_count == 1 else 's'}"
        if item.status == "ok"
        else escape_mrkdwn(item.status)
    )
    what = f"{describe(item)} · {status}"
    if item.link and item.link.startswith(("https://", "http://")):
        return f"{link(item.link, item.id)} · {what}"  # the id is the console link
    line = f"*{escape_mrkdwn(item.id)}* · {what}"
    if query_chars and "`" not in what:
        line += " · " + inline_code(truncate(" ".join(item.query.split()), query_chars))
    return line


def describe(item: Evidence) -> str:
    """What a piece of evidence looked at, in a few words (its query is one click away)."""
    query = " ".join(item.query.split())
    metric = _METRIC.search(query)
    if metric:
        return f"CloudWatch {escape_mrkdwn(metric['name'])} ({escape_mrkdwn(metric['stat'])})"
    table = _FROM_TABLE.search(query)
    if "athena" in item.tool and table:
        return f"Athena SQL on {escape_mrkdwn(table.group(1).split('.')[-1].strip(chr(34)))}"
    source = SOURCE_NAMES.get(item.tool, item.tool)
    return f"{escape_mrkdwn(source)} {inline_code(truncate(query, QUERY_PREVIEW_CHARS))}"


def actions_block(thread_id: str, evidence_ids: list[str], *, verdict: bool = False) -> Block:
    """👍/👎 and "Show evidence"; with `verdict`, also the explicit choice on the top
    hypothesis, which fa2 remembers for later incidents (slack_app/feedback.py)."""
    value = truncate(f"{thread_id}|{','.join(evidence_ids)}", MAX_BUTTON_VALUE, marker="")
    value = value[: value.rfind(",")] if len(value) == MAX_BUTTON_VALUE else value
    elements = [
        button("👍 Helpful", ACTION_IDS["feedback_up"], thread_id),
        button("👎 Not helpful", ACTION_IDS["feedback_down"], thread_id),
        button("🔍 Show evidence", ACTION_IDS["show_evidence"], value),
    ]
    if verdict:
        elements += [
            button("✅ This was the cause", ACTION_IDS["verdict_cause"], thread_id),
            button("❌ This was not it", ACTION_IDS["verdict_not_cause"], thread_id),
        ]
    return {"type": "actions", "block_id": "fa2_feedback", "elements": elements}


def parse_show_evidence(value: str) -> tuple[str, list[str]]:
    """The thread id and evidence ids a "Show evidence" button carries."""
    thread_id, _, ids = value.partition("|")
    return thread_id, [i for i in ids.split(",") if _EVIDENCE_ID.fullmatch(i)]


def run_facts(report: Report) -> str:
    usage = report.usage
    model = "rule-based baseline (no LLM)" if report.rule_based else report.model or "unknown"
    facts = [escape_mrkdwn(model)]
    if report.window is not None:
        facts.append(f"window {escape_mrkdwn(report.window.label())}")
    # no seconds here: the status message above has the investigation's one clock
    facts.append(f"{usage.tool_calls} queries · ${usage.cost_usd:.4f}")
    if usage.budget_exhausted:
        facts.append(f"⚠️ stopped by budget: {escape_mrkdwn(usage.budget_exhausted)}")
    if usage.internal_errors:
        facts.append(f"⚠️ {usage.internal_errors} tool call(s) failed on an internal error")
    return " · ".join(facts)


def gap_notes(report: Report) -> list[str]:
    """The report's notes on what the run could not see or do (a source it could not read, a
    model that was unavailable, citations it removed), which a reader must weigh with the
    answer: the first few, each cut short, and how many more the report file has. Notes that
    restate a run fact (`run_facts` shows those) are left out."""
    notes = [n for n in report.notes if not states_a_run_fact(n)]
    shown = [f"⚠️ {escape_mrkdwn(truncate(n, NOTE_CHARS))}" for n in notes[:NOTES_SHOWN]]
    if len(notes) > NOTES_SHOWN:
        shown.append(f"_… {len(notes) - NOTES_SHOWN} more note(s) in the report file_")
    return shown


def hypothesis_counts(report: Report) -> tuple[int, int]:
    """(hypotheses still standing, hypotheses ruled out as unlikely)."""
    ruled_out = [h for h in report.hypotheses if h.confidence == Confidence.low]
    return len(report.hypotheses) - len(ruled_out), len(ruled_out)


def _already_said(statement: str, summary: str) -> bool:
    """True when the conclusion already states the hypothesis (the baseline's summary does)."""
    head = " ".join(statement.split())[:80]
    return bool(head) and head in " ".join(summary.split())


def answer_message(report: Report, *, thread_id: str) -> SlackMessage:
    """The investigation's answer: one screen; the attached file has the whole report."""
    links = evidence_links(report)
    blocks: list[Block] = [header(f"🔎 {report.title}")]
    blocks += sections(rich(conclusion(report.summary, rule_based=report.rule_based), links))
    top = report.hypotheses[0] if report.hypotheses else None
    if top is not None:
        standing, ruled_out = hypothesis_counts(report)
        badge = f"*Most likely* · {CONFIDENCE_BADGE[top.confidence]}" + (
            "" if top.supported else " · ⚠️ no valid evidence left"
        )
        said = _already_said(top.statement, report.summary)
        cites = _ids(top.evidence_ids, links)
        lines = [f"{badge} · {cites}" if said and cites else badge]
        if not said:  # the statement's own [E…] list stands; else its evidence follows it
            extra = "" if cited_ids(top.statement) else cites
            lines.append(" ".join(p for p in (rich(top.statement, links), extra) if p))
        others = []
        if standing > 1:
            others.append(f"{standing - 1} other hypothesis" + ("" if standing == 2 else "es"))
        if ruled_out:
            others.append(f"{ruled_out} ruled out")
        if others:
            lines.append(f"_{' · '.join(others)}: see the report file_")
        blocks += sections("\n".join(lines))
    if report.actions:
        shown = report.actions[:ACTIONS_SHOWN]
        blocks += sections("*Do now*\n" + "\n".join(f"• {rich(a, links)}" for a in shown))
    cited = _cited_evidence(report)
    if cited:
        lines = ["*Evidence*"] + [evidence_line(e) for e in cited[:EVIDENCE_SHOWN]]
        if len(cited) > EVIDENCE_SHOWN:
            lines.append(f"_… {len(cited) - EVIDENCE_SHOWN} more in the report file_")
        blocks += sections("\n".join(lines))
    blocks.append(context(run_facts(report), *gap_notes(report)))
    # the explicit verdict needs a hypothesis to judge
    blocks.append(actions_block(thread_id, [e.id for e in cited], verdict=top is not None))
    text = fallback_text(f"fa2: {report.title} — {conclusion(report.summary)}")
    return SlackMessage(text=text, blocks=_fit(blocks))


def _cited_evidence(report: Report) -> list[Evidence]:
    """The evidence the answer cites, in order: summary, hypotheses, timeline."""
    order = cited_ids(report.summary)
    for hypothesis in report.hypotheses:
        order += hypothesis.evidence_ids
    for entry in report.timeline:
        order += entry.evidence_ids
    by_id = report.evidence_by_id()
    return [by_id[i] for i in dict.fromkeys(order) if i in by_id]


UNFINISHED_WARNING = (
    "⚠️ The investigation of this thread never finished: this answer rests on partial evidence."
)


def followup_message(report: Report, *, thread_id: str) -> SlackMessage:
    """A follow-up's answer: the answer and the evidence it cites, nothing else."""
    links = evidence_links(report)
    by_id = report.evidence_by_id()
    cited = [by_id[i] for i in cited_ids(report.summary) if i in by_id]
    blocks: list[Block] = sections(rich(report.summary, links))
    if report.investigation_unfinished:
        blocks.append(context(UNFINISHED_WARNING))
    if cited:
        lines = [evidence_line(e, query_chars=FOLLOWUP_QUERY_CHARS) for e in cited[:EVIDENCE_SHOWN]]
        if len(cited) > EVIDENCE_SHOWN:
            lines.append(f"_… {len(cited) - EVIDENCE_SHOWN} more: Show evidence_")
        blocks += sections("\n".join(lines))
    blocks.append(actions_block(thread_id, [e.id for e in cited]))
    return SlackMessage(text=fallback_text(f"fa2: {report.summary}"), blocks=_fit(blocks))


def evidence_detail(item: Evidence) -> str:
    lines = [evidence_line(item)]
    if item.time_range is not None:
        lines.append(f"time range: {escape_mrkdwn(item.time_range.label())}")
    lines.append(code_block(truncate(item.query, DETAIL_QUERY_CHARS)))
    if item.rows:
        head = " | ".join(item.columns)
        body = "\n".join(
            " | ".join(truncate(v or "", CELL_CHARS) for v in row) for row in item.rows[:5]
        )
        lines.append(code_block(truncate(f"{head}\n{body}", DETAIL_QUERY_CHARS)))
    if item.error:
        lines.append("Error: " + escape_mrkdwn(truncate(item.error, 300)))
    return "\n".join(lines)


def evidence_messages(report: Report, ids: list[str]) -> list[SlackMessage]:
    """The details of evidence `ids` (all cited evidence when empty), for "Show evidence"."""
    by_id = report.evidence_by_id()
    chosen = [by_id[i] for i in ids if i in by_id] or _cited_evidence(report)
    blocks: list[Block] = []
    for item in chosen:
        blocks += sections(evidence_detail(item))
    if not blocks:
        blocks = sections("_No evidence is recorded for this answer._")
    return paginate(blocks, fallback_text(f"fa2: evidence for {report.title}"))
