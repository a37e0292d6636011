"""Markdown rendering of a `Report` (a pure function). Text that came from telemetry or the
model is escaped: no HTML, no Slack mentions (`<!channel>`, `<@U123>`), no links or images
whose shown text hides where they go, no terminal control characters, no broken tables."""

from __future__ import annotations

import re

from agent.report import Evidence, Report
from agent.telemetry.inert_text import visible_lines

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
_BACKTICKS = re.compile(r"`+")
_ASCII_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _defuse_mentions(text: str) -> str:
    """Slack mentions and broadcast words cannot ping anyone, wherever they are."""
    text = _MENTION.sub(lambda m: "‹" + m.group(1) + "›", text)
    return (
        text.replace("@channel", "@\u200bchannel")
        .replace("@here", "@\u200bhere")
        .replace("@everyone", "@\u200beveryone")
    )


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# `[text](url)`, `![alt](url)` and a reference definition `[ref]: url` (which would also turn
# a plain `[E3]` into a link) are what make a link whose shown text is not its target, so a
# log line quoted in the report could offer "[Restore the table](https://evil)". A backslash
# before the `(` or `:` leaves the text as written and makes no link; a bare URL stays (GitHub
# links it, showing the URL itself, as the evidence's real request URLs are). A `]` already
# escaped (after an odd run of backslashes) opens nothing and is left alone.
_LINK_TARGET = re.compile(r"(?<!\\)((?:\\\\)*)\](?=[(:])")


def _defuse_links(text: str) -> str:
    return _LINK_TARGET.sub(lambda m: m.group(1) + "]\\", text)


def _split_code_spans(text: str) -> list[tuple[str, bool]]:
    """`text` as (segment, is_code_span) pieces, found as CommonMark finds them: a backtick
    run opens a span only if a later run of the same length closes it, and a backslash-escaped
    backtick opens nothing. Escaping outside the spans only is then exactly as safe as
    escaping everything: all `<` a renderer could read as HTML are outside."""
    pieces: list[tuple[str, bool]] = []
    plain_start = index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in _ASCII_PUNCTUATION:
            index += 2
            continue
        if char != "`":
            index += 1
            continue
        opener = _BACKTICKS.match(text, index)
        assert opener is not None
        fence = opener.group()
        closer = next(
            (m for m in _BACKTICKS.finditer(text, opener.end()) if m.group() == fence), None
        )
        if closer is None:  # an unmatched run is literal text
            index = opener.end()
            continue
        pieces.append((text[plain_start:index], False))
        pieces.append((text[index : closer.end()], True))
        plain_start = index = closer.end()
    pieces.append((text[plain_start:], False))
    return [(piece, code) for piece, code in pieces if piece]


def escape(text: str) -> str:
    """Neutralise markup from untrusted text: HTML and Slack mentions and links. Code spans
    are literal in markdown, so their content keeps `<`, `>` and `&` as written
    (`elb_status_code >= 500`, not `&gt;=`). Spans are looked for within one line only: a
    blank line ends a paragraph (and any span) in markdown, so a span across lines could
    leave text that a renderer reads as HTML unescaped."""
    return "\n".join(
        "".join(
            piece if code else _defuse_links(_escape_html(piece))
            for piece, code in _split_code_spans(line)
        )
        for line in _defuse_mentions(visible_lines(text)).split("\n")
    )


def code_span(text: str) -> str:
    """`text` shown literally as one inline code span on one line: fenced with more
    backticks than it contains, mentions defused, no HTML escaping (none is needed)."""
    content = _defuse_mentions(visible_lines(" ".join(text.split("\n"))))
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
    fence = "`" * (longest + 1)
    if content.startswith("`") or content.endswith("`"):
        content = f" {content} "
    return f"{fence}{content}{fence}"


def _cell(text: str | None, limit: int = 120) -> str:
    value = escape(text or "").replace("|", "\\|").replace("\n", " ")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _code_cell(text: str, limit: int = 160) -> str:
    """A query in a table cell: literal, clipped, pipes escaped (GFM splits cells first)."""
    clipped = text if len(text) <= limit else text[: limit - 1] + "…"
    return code_span(clipped).replace("|", "\\|")


def _evidence_table(evidence: list[Evidence]) -> list[str]:
    lines = ["| id | tool | rows | status | query | link |", "|---|---|---|---|---|---|"]
    for e in evidence:
        link = f"<{e.link}>" if e.link and e.link.startswith("https://") else _cell(e.link)
        rows = f"{e.row_count}{'+' if e.truncated else ''}"
        lines.append(
            f"| {e.id} | {e.tool} | {rows} | {e.status} | {_code_cell(e.query)} | {link} |"
        )
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
        out += [f"## {h['next']}", "", *(f"- {code_span(q)}" for q in report.next_queries), ""]
    if report.evidence:
        out += [f"## {h['evidence']}", "", *_evidence_table(report.evidence), ""]
    u = report.usage
    out += [
        f"## {h['usage']}",
        "",
        f"{u.steps} model step(s), {u.tool_calls} tool call(s), {u.input_tokens} input"
        + (
            f" ({u.cache_read_tokens} read from / {u.cache_write_tokens} written to the prompt cache)"
            if u.cache_read_tokens or u.cache_write_tokens
            else ""
        )
        + f" / {u.output_tokens} output tokens, "
        f"${u.cost_usd:.4f} (model ${u.model_cost_usd:.4f}, queries ${u.query_cost_usd:.4f}), {u.wall_seconds:.1f} s"
        + (f" — stopped early: {escape(u.budget_exhausted)}" if u.budget_exhausted else "")
        + (f" — {u.internal_errors} internal tool error(s)" if u.internal_errors else ""),
        "",
    ]
    if report.notes:
        out += [f"## {h['notes']}", "", *(f"- {escape(n)}" for n in report.notes), ""]
    return "\n".join(out).rstrip() + "\n"
