"""Rule-based answers to follow-up questions, written from the investigation's findings and
the evidence the follow-up queries returned, each fact with its evidence id."""

from __future__ import annotations

import re
from collections.abc import Callable

from agent.baseline.analysis import Findings
from agent.baseline.changes import changes
from agent.baseline.followup import LINES_QUERY, identifiers, intents, keywords
from agent.baseline.hypotheses import alb_symptom, marker
from agent.baseline.phrases import Phrases
from agent.baseline.signals import rows_as_dicts, sample_line
from agent.baseline.writer import write_report
from agent.report import Evidence
from agent.report.draft import ReportDraft

_ERROR_LINE = re.compile(
    r"\berror\b|exception|fail|fatal|timed out|timeout|throttl|denied|refused|unavailable", re.I
)


def _short_time(value: str | None) -> str:
    return (value or "?").replace("T", " ")[:19]


def _log_lines(evidence: list[Evidence]) -> list[Evidence]:
    return [e for e in evidence if e.status == "ok" and "@message" in e.columns]


def _when(findings: Findings, new: list[Evidence], question: str, t: Phrases) -> list[str]:
    parts = []
    if findings.onset:
        parts.append(t("fu_onset", at=findings.onset, ids=marker([findings.onset_evidence or ""])))
    else:
        parts.append(t("fu_no_onset"))
    earliest = [
        e
        for e in _log_lines([*findings.evidence, *new])
        if "sort @timestamp asc" in e.query and "@timestamp" in e.columns and e.rows
    ]
    if earliest:
        e = earliest[0]
        row = min(rows_as_dicts(e), key=lambda r: r.get("@timestamp") or "")
        parts.append(
            t(
                "fu_first_line",
                time=_short_time(row.get("@timestamp")),
                log=row.get("@log") or "?",
                sample=sample_line(row.get("@message") or "", 160),
                ids=marker([e.id]),
            )
        )
    if findings.blamed:
        change = findings.blamed.change
        parts.append(
            t("fu_after_change", change=change.describe(), ids=marker([change.evidence_id]))
        )
    elif not findings.onset and findings.alarm_peak:
        peak = findings.alarm_peak
        text = t("alarm_peak", label=peak.label, peak=peak.peak, at=peak.at, typical=peak.typical)
        parts.append(f"{text}{marker([peak.evidence_id])}.")
    return parts


def _changes(findings: Findings, new: list[Evidence], question: str, t: Phrases) -> list[str]:
    """The writes in the window (those naming the question's resource when it names one),
    each with the investigation's verdict on it."""
    searched = [e for e in new if e.tool == "run_athena_query" and "eventname" in e.query.lower()]
    verdicts = {(s.change.time, s.change.event_name): s for s in findings.changes}
    # A search that found nothing never hides the writes earlier evidence already holds: an
    # answer must not claim an absence the thread contradicts.
    listed = (changes(searched) if searched else []) or [s.change for s in findings.changes]
    if listed:
        items = []
        for change in sorted(listed, key=lambda c: c.time)[:6]:
            scored = verdicts.get((change.time, change.event_name))
            verdict = (
                t("fu_related", reasons="; ".join(scored.reasons))
                if scored is not None and scored is findings.blamed
                else t("fu_unrelated")
            )
            items.append(f"{change.describe()} ({verdict}){marker([change.evidence_id])}")
        return [t("fu_changes", n=len(listed), items=t.separator.join(items))]
    trail = searched or [
        e
        for e in findings.evidence
        if e.tool == "run_athena_query" and "eventname" in e.query.lower()
    ]
    if trail:
        return [t("fu_no_changes", ids=marker([trail[0].id]))]
    return [t("fu_no_trail")]


def _failed(findings: Findings, new: list[Evidence], question: str, t: Phrases) -> list[str]:
    parts = []
    for e in new:
        if e.status != "ok" or not e.rows:
            continue
        rows = rows_as_dicts(e)
        if {"@log", "failures"} <= set(e.columns):
            items = ", ".join(
                f"{r['@log']} {r['failures']} ({_short_time(r.get('first_failure'))[11:16]}–"
                f"{_short_time(r.get('last_failure'))[11:16]})"
                for r in rows[:4]
            )
            parts.append(t("fu_by_log", items=items, ids=marker([e.id])))
        elif {"httpMethod", "status", "failed"} <= set(e.columns):
            items = ", ".join(
                f"{r.get('httpMethod')} {r.get('resourcePath') or ''} → {r.get('status')} ×{r.get('failed')} "
                f"(from {_short_time(r.get('first_failure'))[11:19]})"
                for r in rows[:4]
            )
            parts.append(t("fu_http", items=items, ids=marker([e.id])))
        elif {"request_verb", "path", "elb_status_code"} <= set(e.columns):
            items = ", ".join(
                f"{r.get('request_verb')} {r.get('path')} → {r.get('elb_status_code')} ×{r.get('failed')}"
                for r in rows[:4]
            )
            parts.append(t("fu_alb_paths", items=items, ids=marker([e.id])))
    alb = alb_symptom(findings, t)
    if alb:
        parts.append(f"{alb[0][0].upper()}{alb[0][1:]}{marker(alb[1])}.")
    traces = next(
        (e for e in findings.evidence if e.tool == "find_traces" and e.status == "ok" and e.rows),
        None,
    )
    if traces:
        parts.append(t("fu_traces", n=traces.row_count, ids=marker([traces.id])))
    return parts


def _lines(what: list[str], new: list[Evidence], t: Phrases) -> list[str]:
    searched = [e for e in new if e.query.startswith(LINES_QUERY)]
    hits = [e for e in _log_lines(searched) if e.rows]
    label = ", ".join(what)
    if not hits:
        ids = marker([searched[0].id]) if searched else ""
        return [t("fu_no_lines", what=label, ids=ids)]
    e = hits[0]
    rows = rows_as_dicts(e)
    # the error lines first: they are what a question about an id is usually after
    rows.sort(
        key=lambda r: (not _ERROR_LINE.search(r.get("@message") or ""), r.get("@timestamp") or "")
    )
    items = "; ".join(
        f'{_short_time(r.get("@timestamp"))} {r.get("@log") or ""}: "{sample_line(r.get("@message") or "", 160)}"'
        for r in rows[:3]
    )
    return [t("fu_lines", n=e.row_count, what=label, ids=marker([e.id]), items=items)]


def _lookup(findings: Findings, new: list[Evidence], question: str, t: Phrases) -> list[str]:
    return _lines(identifiers(question), new, t)


def _search(findings: Findings, new: list[Evidence], question: str, t: Phrases) -> list[str]:
    words = keywords(question)
    if not words:
        return [t("fu_nothing")]
    if any(e.tool == "run_logs_insights_query" for e in new):
        return _lines(words, new, t)
    mentions = [
        (
            e,
            sum(
                " ".join(c or "" for c in row).lower().count(w.lower())
                for row in e.rows
                for w in words
            ),
        )
        for e in findings.evidence
        if e.status == "ok"
    ]
    ranked = sorted((m for m in mentions if m[1] > 0), key=lambda m: (-m[1], m[0].id))[:5]
    if not ranked:
        return [t("fu_no_lines", what=", ".join(words), ids="")]
    items = "; ".join(f"{e.id} ({e.tool}, {n})" for e, n in ranked)
    return [t("fu_mentions", what=", ".join(words), items=items)]


_ANSWERS: dict[str, Callable[[Findings, list[Evidence], str, Phrases], list[str]]] = {
    "lookup": _lookup,
    "when": _when,
    "changes": _changes,
    "failed": _failed,
    "search": _search,
}


def answer(
    question: str, findings: Findings, new: list[Evidence], language: str = "en"
) -> ReportDraft:
    """The investigation's report with the answer to `question` as its summary."""
    t = Phrases(language)
    base = write_report(findings, language)
    lead = base.hypotheses[0] if base.hypotheses else None
    parts = [t("fu_lead", question=question)]
    asked = intents(question)
    for intent in asked:
        if intent in _ANSWERS:
            parts.extend(_ANSWERS[intent](findings, new, question, t))
        elif intent == "impact":
            parts.append(t("fu_impact", impact=base.impact))
        elif intent == "fix":
            parts.append(t("fu_fix", actions=" ".join(base.actions + base.prevention)))
        elif intent == "why":
            parts.append(
                t("fu_why", statement=lead.statement, reasoning=lead.reasoning)
                if lead
                else t("fu_conclusion", conclusion=t("fu_no_conclusion"))
            )
    if len(parts) == 1:  # nothing in the evidence answers it
        parts.append(t("fu_no_failed") if "failed" in asked else t("fu_nothing"))
    if "why" not in asked:
        conclusion = lead.statement if lead else t("fu_no_conclusion")
        parts.append(t("fu_conclusion", conclusion=conclusion))
    return base.model_copy(update={"summary": " ".join(parts)})


__all__ = ["answer"]
