"""Rule-based answers to follow-up questions: search the logs for the question's keywords,
then answer from the evidence that mentions them and from the earlier conclusion."""

from __future__ import annotations

import re

from langchain_core.messages import ToolCall

from agent.baseline.analysis import Findings
from agent.baseline.writer import write_report
from agent.report import Evidence
from agent.reporting import ReportDraft

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{2,}")
_STOP = set(
    [
        "the",
        "and",
        "for",
        "was",
        "were",
        "what",
        "why",
        "when",
        "where",
        "which",
        "who",
        "how",
        "did",
        "does",
        "do",
        "is",
        "are",
        "has",
        "have",
        "had",
        "this",
        "that",
        "these",
        "those",
        "with",
        "from",
        "into",
        "about",
        "there",
        "their",
        "them",
        "they",
        "you",
        "your",
        "can",
        "could",
        "would",
        "should",
        "any",
        "all",
        "show",
        "tell",
        "give",
        "me",
        "please",
        "cause",
        "caused",
        "root",
        "happen",
        "happened",
        "error",
        "errors",
        "log",
        "logs",
        "alarm",
        "incident",
        "time",
        "window",
    ]
)


def keywords(question: str, limit: int = 5) -> list[str]:
    quoted = re.findall(r"[\"'`]([^\"'`]{3,60})[\"'`]", question)
    words = [w.strip(".:/-") for w in _WORD.findall(question) if w.lower() not in _STOP]
    return list(dict.fromkeys([*quoted, *(w for w in words if len(w) >= 3)]))[:limit]


def search_call(question: str, tools: set[str]) -> list[ToolCall]:
    words = keywords(question)
    if not words or "run_logs_insights_query" not in tools:
        return []
    alternation = "|".join(re.escape(w).replace("/", "\\/") for w in words)
    query = f"fields @timestamp, @log, @message | filter @message like /(?i)({alternation})/ | sort @timestamp desc | limit 20"
    return [
        ToolCall(
            name="run_logs_insights_query",
            args={"query": query},
            id="baseline_q_1",
            type="tool_call",
        )
    ]


def _mentions(e: Evidence, words: list[str]) -> int:
    text = " ".join([e.query, *(" ".join(c or "" for c in row) for row in e.rows)]).lower()
    return sum(text.count(w.lower()) for w in words)


def answer(question: str, findings: Findings, new_ids: set[str]) -> ReportDraft:
    base = write_report(findings)
    words = keywords(question)
    ranked = sorted(
        ((e, _mentions(e, words)) for e in findings.evidence if e.status == "ok"),
        key=lambda t: (-t[1], t[0].id),
    )
    hits = [(e, n) for e, n in ranked if n > 0][:5]
    if hits:
        listing = "; ".join(
            f"{e.id} ({e.tool}, {e.row_count} row(s), {n} mention(s){', new' if e.id in new_ids else ''})"
            for e, n in hits
        )
        lead = (
            f"Rule-based answer to “{question}”: evidence mentioning {', '.join(words)}: {listing}."
        )
    elif words:
        lead = f"Rule-based answer to “{question}”: no evidence mentions {', '.join(words)}; insufficient evidence to answer it."
    else:
        lead = f"Rule-based answer to “{question}”: the question names nothing the rules can search for."
    conclusion = (
        base.hypotheses[0].statement if base.hypotheses else "no root cause was established."
    )
    summary = f"{lead} The investigation's conclusion stands: {conclusion}"
    return base.model_copy(update={"summary": summary})
