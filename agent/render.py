"""Markdown rendering of a `Report` (a pure function). Text that came from telemetry or the
model is escaped: no HTML, no Slack mentions (`<!channel>`, `<@U123>`), no broken tables."""

from __future__ import annotations

import re

from agent.report import Evidence, Report

_HEADINGS = {
    "en": {
        "summary": "Summary",
        "hypotheses": "Hypotheses",
        "timeline": "Timeline",
        "impact": "Impact",
        "actions": "Recommended actions",
        "prevention": "Prevention",
        "unknowns": "Still unknown",
        "next": "Next queries",
        "evidence": "Evidence",
        "usage": "Usage",
        "notes": "Notes",
        "unsupported": "unsupported",
        "window": "Window",
        "thread": "Thread",
    },
    "ja": {
        "summary": "概要",
        "hypotheses": "仮説",
        "timeline": "タイムライン",
        "impact": "影響",
        "actions": "推奨対応",
        "prevention": "再発防止",
        "unknowns": "未解明の点",
        "next": "次のクエリ",
        "evidence": "証拠",
        "usage": "使用量",
        "notes": "注記",
        "unsupported": "根拠なし",
        "window": "対象期間",
        "thread": "スレッド",
    },
}

_MENTION = re.compile(r"<\s*([!@#][^>]*)>")


def escape(text: str) -> str:
    """Neutralise markup from untrusted text: HTML, Slack mentions and links, and table pipes."""
    text = _MENTION.sub(lambda m: "‹" + m.group(1) + "›", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        text.replace("@channel", "@\u200bchannel")
        .replace("@here", "@\u200bhere")
        .replace("@everyone", "@\u200beveryone")
    )


def _cell(text: str | None, limit: int = 120) -> str:
    value = escape(text or "").replace("|", "\\|").replace("\n", " ")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _evidence_table(evidence: list[Evidence]) -> list[str]:
    lines = ["| id | tool | rows | status | query | link |", "|---|---|---|---|---|---|"]
    for e in evidence:
        link = f"<{e.link}>" if e.link and e.link.startswith("https://") else _cell(e.link)
        query = _cell(e.query, 160).replace("`", "'")
        rows = f"{e.row_count}{'+' if e.truncated else ''}"
        lines.append(f"| {e.id} | {e.tool} | {rows} | {e.status} | `{query}` | {link} |")
    return lines


def render_markdown(report: Report) -> str:
    h = _HEADINGS.get(report.language, _HEADINGS["en"])
    out = [f"# {escape(report.title)}", ""]
    meta = []
    if report.window:
        meta.append(f"{h['window']}: {report.window.label()}")
    if report.model:
        meta.append(
            f"model: {escape(report.model)}"
            + (" (rule-based)" if report.rule_based and "rule-based" not in report.model else "")
        )
    if report.thread_id:
        meta.append(f"{h['thread']}: `{report.thread_id}`")
    if meta:
        out += [" · ".join(meta), ""]
    out += [f"## {h['summary']}", "", escape(report.summary), ""]
    if report.hypotheses:
        out += [f"## {h['hypotheses']}", ""]
        for index, hyp in enumerate(report.hypotheses, start=1):
            cites = ", ".join(hyp.evidence_ids) or "—"
            tag = f" · {hyp.category}" if hyp.category else ""
            flag = f" · **{h['unsupported']}**" if not hyp.supported else ""
            out.append(
                f"{index}. **{escape(hyp.statement)}** ({hyp.confidence.value}{tag}{flag}) — evidence: {cites}"
            )
            if hyp.reasoning:
                out.append(f"   - {escape(hyp.reasoning)}")
            for flag_text in hyp.flags:
                out.append(f"   - ⚠ {escape(flag_text)}")
        out.append("")
    if report.timeline:
        out += [f"## {h['timeline']}", ""]
        out += [
            f"- {t.time:%Y-%m-%d %H:%M:%S}Z — {escape(t.event)}"
            + (f" [{', '.join(t.evidence_ids)}]" if t.evidence_ids else "")
            for t in report.timeline
        ]
        out.append("")
    if report.impact:
        out += [f"## {h['impact']}", "", escape(report.impact), ""]
    for key, items in (
        ("actions", report.actions),
        ("prevention", report.prevention),
        ("unknowns", report.unknowns),
    ):
        if items:
            out += [f"## {h[key]}", "", *(f"- {escape(i)}" for i in items), ""]
    if report.next_queries:
        queries = [escape(q).replace("`", "'") for q in report.next_queries]
        out += [f"## {h['next']}", "", *(f"- `{q}`" for q in queries), ""]
    if report.evidence:
        out += [f"## {h['evidence']}", "", *_evidence_table(report.evidence), ""]
    u = report.usage
    out += [
        f"## {h['usage']}",
        "",
        f"{u.steps} model step(s), {u.tool_calls} tool call(s), {u.input_tokens} input / {u.output_tokens} output tokens, "
        f"${u.cost_usd:.4f} (model ${u.model_cost_usd:.4f}, queries ${u.query_cost_usd:.4f}), {u.wall_seconds:.1f} s"
        + (f" — stopped early: {escape(u.budget_exhausted)}" if u.budget_exhausted else ""),
        "",
    ]
    if report.notes:
        out += [f"## {h['notes']}", "", *(f"- {escape(n)}" for n in report.notes), ""]
    return "\n".join(out).rstrip() + "\n"
