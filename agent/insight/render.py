"""The answer as Markdown (the CLI's output and `answer.md`): the question, the period in
the asker's zone and in UTC, the cited answer, then each cited series' query and link.

Metric names and dimension values come from telemetry and the answer quotes them: text is
escaped as an investigation report's is (`agent.report.markdown.escape`: no HTML, no Slack
mentions), queries are literal code spans."""

from __future__ import annotations

from agent.insight.answer import InsightAnswer
from agent.report import Evidence
from agent.report.markdown import code_span, escape

CHART_FILE = "chart.png"


def _evidence_line(evidence: Evidence) -> str:
    link = f" — [open]({evidence.link})" if evidence.link else ""
    status = evidence.status if evidence.status != "ok" else f"{evidence.row_count} row(s)"
    return f"- **{evidence.id}** `{evidence.tool}` ({status}){link}\n  {code_span(evidence.query)}"


def insight_to_markdown(answer: InsightAnswer, chart_file: str | None = None) -> str:
    """`chart_file`: where the chart PNG was written beside the markdown, to embed it."""
    lines = [
        f"# {escape(answer.question)}",
        "",
        f"**Period:** {escape(answer.period_text)}",
        "",
        escape(answer.answer_markdown),
        "",
    ]
    if answer.chart_png and chart_file:
        title = escape(answer.chart_title or "chart").replace("[", "(").replace("]", ")")
        lines += [f"![{title}]({chart_file})", ""]
    cited = answer.cited_evidence()
    if cited:
        lines += ["## Evidence cited", "", *(_evidence_line(e) for e in cited), ""]
    others = [e for e in answer.evidence if e not in cited]
    if others:
        lines += ["## Also read", "", *(_evidence_line(e) for e in others), ""]
    footer = (
        "Answered by fa2's rule-based baseline (no LLM)"
        if answer.rule_based
        else f"Answered by {escape(answer.model)}"
    )
    usage = answer.usage
    footer += f" · {usage.tool_calls} tool call(s) · {usage.wall_seconds:.1f} s"
    if usage.cost_usd:
        footer += f" · ${usage.cost_usd:.4f}"
    lines += [f"_{footer}_"]
    if answer.notes:
        lines += ["", *(f"> {escape(note)}" for note in answer.notes)]
    return "\n".join(lines) + "\n"
