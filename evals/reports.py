"""What an eval run writes: results.json, a markdown summary, a self-contained HTML report
and each scenario's full report (JSON)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from evals.runner import HOLDOUT_TAG, ScenarioRun, SuiteRun

MARK = {True: "✅", False: "❌"}


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def render_markdown(
    suite: SuiteRun, changes: list[str] | None = None, regressions: list[str] | None = None
) -> str:
    summary = suite.results().summary
    lines = [
        f"# fa2 eval — {suite.model}",
        "",
        f"{suite.started:%Y-%m-%d %H:%M} UTC · judge: {suite.judge} · {summary.scenarios} runs · "
        f"{suite.wall_seconds:.1f} s wall",
        "",
        "| root cause | category | evidence recall | citation validity | red herring blamed | mean steps | mean tool calls | cost |",
        "|---|---|---|---|---|---|---|---|",
        f"| {_pct(summary.root_cause_accuracy)} | {_pct(summary.category_accuracy)} | "
        f"{summary.evidence_recall:.2f} | {summary.citation_validity:.2f} | {_pct(summary.red_herring_rate)} | "
        f"{summary.mean_steps:.1f} | {summary.mean_tool_calls:.1f} | ${summary.total_cost_usd:.4f} |",
        "",
    ]
    if summary.holdout_scenarios:
        lines += [
            f"Held-out scenarios (tag `holdout`, written without looking at the baseline's rules): "
            f"{summary.holdout_scenarios} runs · passed {_pct(summary.holdout_pass_rate or 0.0)} · "
            f"root cause {_pct(summary.holdout_root_cause_accuracy or 0.0)} · category "
            f"{_pct(summary.holdout_category_accuracy or 0.0)} · evidence recall "
            f"{summary.holdout_evidence_recall or 0.0:.2f} · red herring blamed "
            f"{_pct(summary.holdout_red_herring_rate or 0.0)}",
            "",
        ]
    lines += [
        "| scenario | difficulty | passed | root cause | category | recall | citations | red herring | tool calls | tokens in/out | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in suite.runs:
        r = run.result
        truth = run.scenario.manifest.ground_truth
        difficulty = truth.difficulty if truth else ""
        held = " (holdout)" if HOLDOUT_TAG in run.scenario.manifest.tags else ""
        lines.append(
            f"| {r.name}{held} | {difficulty} | {MARK[r.passed]} | {MARK[r.root_cause_correct]} | "
            f"{MARK[r.category_correct]} | {r.evidence_recall:.2f} | {r.citation_validity:.2f} | "
            f"{'blamed' if r.red_herring_blamed else '—'} | {r.tool_calls} | "
            f"{r.input_tokens}/{r.output_tokens} | {r.wall_seconds:.1f} |"
        )
    if suite.findings:
        lines += [
            "",
            "## Security findings reports",
            "",
            "| scenario | top risk | cited findings exist | the report's top risk | expected |",
            "|---|---|---|---|---|",
        ]
        for row in suite.findings:
            shown = row.top_risk or (f"error: {row.error}" if row.error else "none")
            lines.append(
                f"| {row.name} | {MARK[row.top_risk_correct]} | {row.cited_existing}/{row.cited} | "
                f"{shown} | {row.expected_top_risk} |"
            )
    failures = [run for run in suite.runs if not run.result.passed]
    if failures:
        lines += ["", "## Not passed", ""]
        for run in failures:
            lines.append(f"- **{run.result.name}**: {_why(run)}")
    lines += _insight_markdown(suite)
    if regressions:
        lines += ["", "## Regressions against the baseline", ""] + [
            f"- {line}" for line in regressions
        ]
    if changes:
        lines += ["", "## Changed verdicts", ""] + [f"- {line}" for line in changes]
    return "\n".join(lines) + "\n"


def _insight_markdown(suite: SuiteRun) -> list[str]:
    """The metrics-insight questions: the entity named first and the citations' validity."""
    if not suite.insight:
        return []
    summary = suite.results().summary
    lines = [
        "",
        "## Metrics insight",
        "",
        f"{summary.insight_questions} questions · right entity "
        f"{_pct(summary.insight_entity_accuracy or 0.0)} · citation validity "
        f"{summary.insight_citation_validity or 0.0:.2f}",
        "",
        "| question | scenario | expected | answered | entity | citations | tool calls |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in suite.insight:
        answered = row.answered_entity or ("error: " + row.error if row.error else "—")
        lines.append(
            f"| {row.question} | {row.scenario} | {row.expected_entity or '(none)'} | {answered} | "
            f"{MARK[row.entity_correct]} | {row.citation_validity:.2f} | {row.tool_calls} |"
        )
    return lines


def _why(run: ScenarioRun) -> str:
    if run.error:
        return f"error: {run.error}"
    score = run.score
    if score is None:
        return "not scored"
    reasons = []
    if score.missing_mentions:
        reasons.append(
            "top hypothesis lacks " + "; ".join(" / ".join(g) for g in score.missing_mentions)
        )
    elif not score.root_cause_correct:
        reasons.append(
            "root cause judged wrong"
            + (f" ({score.judge_reasoning})" if score.judge_reasoning else "")
        )
    if not score.category_correct:
        truth = run.scenario.manifest.ground_truth
        reasons.append(
            f"category {score.predicted_category} not among {' / '.join(truth.categories) if truth else '?'}"
        )
    if score.red_herring_blamed:
        reasons.append("blamed a red herring (" + ", ".join(score.blamed_terms) + ")")
    if score.missing_evidence:
        reasons.append("did not cite " + ", ".join(score.missing_evidence))
    return "; ".join(reasons) or "—"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1f2328;max-width:1200px}
table{border-collapse:collapse;margin:1rem 0;width:100%}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;
text-align:left;vertical-align:top;font-size:.9rem}th{background:#f6f8fa}.pass{color:#1a7f37}.fail{color:#cf222e}
details{margin:.6rem 0;border:1px solid #d0d7de;border-radius:6px;padding:.5rem .8rem}summary{cursor:pointer;font-weight:600}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;white-space:pre-wrap;font-size:.8rem}.muted{color:#57606a}
"""


def render_html(suite: SuiteRun) -> str:
    """One self-contained page (inline CSS, no scripts); all report text is escaped."""
    e = html.escape
    summary = suite.results().summary
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>fa2 eval — {e(suite.model)}</title><style>{_CSS}</style></head><body>",
        f"<h1>fa2 eval — {e(suite.model)}</h1>",
        f"<p class='muted'>{suite.started:%Y-%m-%d %H:%M} UTC · judge {e(suite.judge)} · "
        f"{summary.scenarios} runs · {suite.wall_seconds:.1f} s wall</p>",
        "<table><tr><th>root cause accuracy</th><th>category accuracy</th><th>evidence recall</th>"
        "<th>citation validity</th><th>red herring rate</th><th>mean steps</th><th>mean tool calls</th><th>total cost</th></tr>",
        f"<tr><td>{_pct(summary.root_cause_accuracy)}</td><td>{_pct(summary.category_accuracy)}</td>"
        f"<td>{summary.evidence_recall:.2f}</td><td>{summary.citation_validity:.2f}</td>"
        f"<td>{_pct(summary.red_herring_rate)}</td><td>{summary.mean_steps:.1f}</td>"
        f"<td>{summary.mean_tool_calls:.1f}</td><td>${summary.total_cost_usd:.4f}</td></tr></table>",
    ]
    for run in suite.runs:
        parts.append(_scenario_html(run))
    parts.append("</body></html>")
    return "\n".join(parts)


def _scenario_html(run: ScenarioRun) -> str:
    e = html.escape
    r = run.result
    truth = run.scenario.manifest.ground_truth
    verdict = (
        "<span class='pass'>passed</span>" if r.passed else "<span class='fail'>not passed</span>"
    )
    out = [
        f"<details{' open' if not r.passed else ''}><summary>{e(r.name)} — {verdict}"
        f" <span class='muted'>({e(truth.difficulty if truth else '')}, {e(' / '.join(truth.categories) if truth else '')})</span></summary>",
        f"<p><b>Expected:</b> {e(truth.root_cause if truth else '')}</p>",
        f"<p><b>Verdict:</b> {e(_why(run)) if not r.passed else 'correct root cause and category, no red herring blamed'}</p>",
        f"<p class='muted'>steps {r.steps} · tool calls {r.tool_calls} · tokens {r.input_tokens}/{r.output_tokens}"
        f" · cost ${r.cost_usd:.4f} · {r.wall_seconds:.1f} s · evidence recall {r.evidence_recall:.2f}"
        f" · citation validity {r.citation_validity:.2f}</p>",
    ]
    report = run.report
    if report is not None:
        out.append(f"<p><b>Summary:</b> {e(report.summary)}</p><ol>")
        for h in report.hypotheses:
            out.append(
                f"<li>[{e(str(h.confidence))}{', ' + e(h.category) if h.category else ''}] {e(h.statement)}"
                f" <span class='muted'>cites {e(', '.join(h.evidence_ids) or 'nothing')}</span></li>"
            )
        out.append("</ol>")
        cited = {i for h in report.hypotheses for i in h.evidence_ids}
        for evidence in report.evidence:
            if evidence.id not in cited:
                continue
            rows = "\n".join(" | ".join(c or "" for c in row) for row in evidence.rows[:12])
            out.append(
                f"<p><b>{e(evidence.id)}</b> {e(evidence.tool)} ({e(evidence.source)}, {evidence.row_count} rows)</p>"
                f"<pre>{e(evidence.query)}</pre><pre>{e(' | '.join(evidence.columns))}\n{e(rows)}</pre>"
            )
    if run.error:
        out.append(f"<pre>{e(run.error)}</pre>")
    out.append("</details>")
    return "\n".join(out)


def write_outputs(suite: SuiteRun, out: Path, markdown: str) -> dict[str, Path]:
    """results.json (the contract shape), summary.md, report.html, reports/<name>[-N].json."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "results": out / "results.json",
        "markdown": out / "summary.md",
        "html": out / "report.html",
    }
    paths["results"].write_text(suite.results().model_dump_json(indent=2) + "\n", encoding="utf-8")
    paths["markdown"].write_text(markdown, encoding="utf-8")
    paths["html"].write_text(render_html(suite), encoding="utf-8")
    reports = out / "reports"
    reports.mkdir(exist_ok=True)
    for run in suite.runs:
        if run.report is not None:
            suffix = f"-{run.attempt}" if run.attempt > 1 else ""
            data = json.loads(run.report.model_dump_json())
            (reports / f"{run.result.name}{suffix}.json").write_text(
                json.dumps(data, indent=1) + "\n", encoding="utf-8"
            )
    return paths
