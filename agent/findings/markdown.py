"""Markdown rendering of a `FindingsReport` (a pure function), with English or Japanese
headings and labels.

Finding text (titles, resource names, the narrative, which may quote them) is untrusted: it
is redacted, every character that could start Markdown markup (links, emphasis, code, HTML,
tables) is backslash-escaped, and Slack mentions are defused, so a finding named
`[click](https://evil)` or `<!channel>` shows as that text. Links are fa2's own: each
finding reference `F1` links to the finding in its console (a reference definition at the
end), remediation links only to AWS documentation.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence

from agent.findings.compute import short_resource
from agent.findings.display import MAX_LISTED_REFS, listed, shown_actions, table_findings
from agent.findings.labels import label, severity_name
from agent.findings.model import CountRow, FindingsReport, Language
from agent.redact import redact
from agent.report.markdown import escape

# What can open Markdown markup inside a line: code, emphasis, links and images (`[`),
# table cells, strikethrough; `<`, `>` and `&` are left to `escape` (HTML entities). At the
# start of a line, block markers too (a heading, a list, a quote).
_MARKUP = re.compile(r"([\\`*_\[\]|~])")
_LINE_START = re.compile(r"^(\d*)([#>+=.)-])")
# URLs in finding text are defanged (`hxxps://`), as threat reports write them: no renderer
# (GitHub's autolinks, Slack) turns an attacker's URL into a link.
_URL_SCHEME = re.compile(r"\b(h)tt(ps?)(?=:/)", re.I)
_CITATIONS = re.compile(r"\[((?:F\d+)(?:\s*[,;]\s*F\d+)*)\]")


def text(value: str | None, limit: int | None = None, *, line_start: bool = True) -> str:
    """Untrusted text as inert Markdown on one line (`line_start`: it may begin a line, so
    a leading block marker is escaped too)."""
    flat = " ".join(redact(value or "").split())
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    inline = _MARKUP.sub(r"\\\1", _URL_SCHEME.sub(r"\1xx\2", flat))
    return escape(_LINE_START.sub(r"\1\\\2", inline) if line_start else inline)


def refs(
    items: Sequence[str], limit: int = MAX_LISTED_REFS, linked: Collection[str] | None = None
) -> str:
    """Finding references as links to their console pages (reference definitions below),
    the first `limit` of them; those not in `linked` (no console link) as plain text."""
    shown, more = listed(items, limit)
    return ", ".join(f"[{r}][]" if linked is None or r in linked else r for r in shown) + (
        f" (+{more})" if more else ""
    )


def prose(value: str, linked: Collection[str] | None = None) -> str:
    """Narrative text: escaped like any text, its `[F1, F2]` citations turned into links."""
    parts = _CITATIONS.split(value)
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(" (" + refs(re.split(r"\s*[,;]\s*", part), linked=linked) + ")")
        else:
            out.append(text(part, line_start=index == 0))
    return "".join(out).strip()


def _link(url: str | None, caption: str) -> str:
    return f"[{caption}](<{url}>)" if url else "—"


def _count_table(language: Language, rows: Sequence[CountRow], heading: str) -> list[str]:
    lines = [
        f"| {heading} | {label(language, 'count')} | {label(language, 'highest')} |",
        "|---|---:|---|",
    ]
    lines += [
        f"| {text(r.key, 120)} | {r.count} | {severity_name(language, r.highest)} |" for r in rows
    ]
    return lines


def findings_to_markdown(report: FindingsReport, language: Language | None = None) -> str:
    lang: Language = language or report.language
    L = lambda key: label(lang, key)  # noqa: E731 - a short alias keeps the template readable
    trend = report.trend
    # References link to their console page; a finding without one (no valid region) is plain.
    linked = {row.ref for row in report.findings if row.finding.console_url}
    link_refs = functools.partial(refs, linked=linked)
    link_prose = functools.partial(prose, linked=linked)
    lines = [
        f"# {L('title')}",
        "",
        f"- {L('period')}: {report.time_range.label()}",
        f"- {L('previous')}: {trend.previous_range.label()}",
        f"- {L('source')}: {', '.join(report.sources) or '—'} · "
        f"{L('min_severity')}: {severity_name(lang, report.min_severity)}",
        f"- {L('generated')}: {report.generated_at:%Y-%m-%d %H:%M:%S}Z",
        "",
        f"## {L('summary')}",
        "",
        link_prose(report.narrative.summary),
        "",
    ]
    lines += [f"- {link_prose(point)}" for point in report.narrative.highlights]
    written_by = (
        L("rules") if report.narrative.written_by == "rules" else text(report.narrative.written_by)
    )
    lines += ["", f"_{L('written_by')}: {written_by}_", ""]

    lines += [
        f"## {L('counts')}",
        "",
        f"| {L('severity')} | {L('count')} | {L('new')} | {L('quiet')} |",
        "|---|---:|---:|---:|",
    ]
    for severity, count in report.counts.by_severity.items():
        lines.append(
            f"| {severity_name(lang, severity)} | {count} | "
            f"{trend.new_by_severity.get(severity, 0)} | {trend.previous_by_severity.get(severity, 0)} |"
        )
    lines.append(
        f"| **{L('total')}** | **{report.counts.total}** | **{len(trend.new_refs)}** | "
        f"**{trend.previous_total}** |"
    )
    lines += ["", f"### {L('by_type')}", ""]
    lines += _count_table(lang, report.counts.by_type, L("type"))
    lines += ["", f"### {L('by_account')} / {L('by_region')}", ""]
    lines.append(
        ", ".join(f"{text(r.key)}: {r.count}" for r in report.counts.by_account)
        + " · "
        + ", ".join(f"{text(r.key)}: {r.count}" for r in report.counts.by_region)
    )

    lines += ["", f"## {L('trend')}", ""]
    lines.append(f"- {L('new')} ({len(trend.new_refs)}): {link_refs(trend.new_refs) or '—'}")
    lines.append(f"- {L('continuing')}: {trend.continuing}")
    lines.append(f"- {L('quiet')} ({trend.previous_total}): {link_refs(trend.quiet_refs) or '—'}")

    lines += ["", f"## {L('top_risks')}", ""]
    if report.top_risks:
        lines += [
            f"| # | {L('risk')} | {L('severity')} | {L('kind')} | {L('findings')} | "
            f"{L('resources')} | {L('action')} |",
            "|---:|---|---|---|---|---|---|",
        ]
        for risk in report.top_risks:
            resources = ", ".join(text(short_resource(r), 60) for r in risk.resources[:3])
            if len(risk.resources) > 3:
                resources += f" (+{len(risk.resources) - 3})"
            lines.append(
                f"| {risk.rank} | {text(risk.title, 160)} | "
                f"{severity_name(lang, risk.severity_label)} | "
                f"{L('threat') if risk.threat else L('posture')} | {link_refs(risk.finding_refs)} | "
                f"{resources} | {risk.action_ref or '—'} |"
            )
    else:
        lines.append(L("none"))

    lines += ["", f"## {L('actions')}", ""]
    actions, more_actions = shown_actions(report)
    for action in actions:
        body = text(action.text) if action.text else ""
        if action.origin == "none":
            body = L("no_remediation")
        link = f" {_link(action.url, 'docs')}" if action.url else ""
        lines.append(
            f"- **{action.ref}** {text(action.title, 160)}{': ' + body if body else ''}{link} "
            f"— {link_refs(action.finding_refs)}"
        )
    if not report.actions:
        lines.append("—")
    if more_actions:
        lines.append(f"- … {L('more_actions').format(n=more_actions)}")

    lines += ["", f"## {L('top_resources')}", ""]
    lines += [
        f"| {L('resource')} | {L('type')} | {L('count')} | {L('highest')} | {L('findings')} |",
        "|---|---|---:|---|---|",
    ]
    lines += [
        f"| {text(short_resource(r.resource), 100)} | {text(r.resource_type)} | {r.count} | "
        f"{severity_name(lang, r.highest)} | {link_refs(r.finding_refs)} |"
        for r in report.resources
    ]

    lines += ["", f"## {L('evidence')}", ""]
    lines += [
        f"| {L('ref')} | {L('severity')} | {L('source')} | {L('type')} | {L('title_col')} | "
        f"{L('resource')} | UpdatedAt | {L('id')} |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows, left_out = table_findings(report)
    for row in rows:
        f = row.finding
        flag = f" ({L('new_flag')})" if row.new else ""
        if row.period == "previous":
            flag = f" ({L('prev_flag')})"
        updated = f"{f.updated_at:%Y-%m-%d %H:%M}Z" if f.updated_at else "—"
        lines.append(
            f"| {link_refs([row.ref])}{flag} | {severity_name(lang, f.severity_label)} | {f.source} | "
            f"{text(f.control_id or f.type, 80)} | {text(f.title, 140)} | "
            f"{text(short_resource(f.resource_id), 80)} | {updated} | {text(f.id)} |"
        )
    if left_out:
        lines += ["", L("more_findings").format(n=left_out)]
    if report.notes:
        lines += ["", f"## {L('notes')}", ""]
        lines += [f"- {text(note)}" for note in report.notes]
    lines.append("")
    lines += [
        f"[{row.ref}]: <{row.finding.console_url}>" for row in rows if row.finding.console_url
    ]
    return "\n".join(lines) + "\n"
