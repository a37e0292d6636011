"""The report file uploaded to the thread: `agent.render.render_markdown` (the same markdown
the CLI prints). A plain rendering stands in when that module is not installed."""

from __future__ import annotations

from agent.report import Report


def report_markdown(report: Report) -> str:
    try:
        from agent.render import render_markdown
    except ImportError:
        return _plain_markdown(report)
    return render_markdown(report)


def _plain_markdown(report: Report) -> str:
    lines = [f"# {report.title}", "", report.summary, ""]
    for rank, hypothesis in enumerate(report.hypotheses, start=1):
        cited = ", ".join(hypothesis.evidence_ids) or "no evidence"
        lines += [f"{rank}. **{hypothesis.statement}** ({hypothesis.confidence}; {cited})", ""]
    if report.timeline:
        lines += ["## Timeline", ""]
        lines += [
            f"- {e.time:%Y-%m-%d %H:%M:%S}Z {e.event} {' '.join(e.evidence_ids)}"
            for e in report.timeline
        ]
        lines.append("")
    if report.actions:
        lines += ["## Next actions", "", *(f"- {a}" for a in report.actions), ""]
    if report.evidence:
        lines += ["## Evidence", ""]
        for item in report.evidence:
            lines += [
                f"### {item.id} ({item.tool}, {item.row_count} rows)",
                "",
                "```",
                item.query,
                "```",
                "",
            ]
    return "\n".join(lines)
