"""The report the model writes (`ReportDraft`, structured output) and how it becomes a
`Report`: citations validated against the ledger, evidence and usage attached, early stops
and the model that answered stated."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from agent.ledger import strip_unknown_citations, validate_hypotheses, validate_timeline
from agent.report import Confidence, Evidence, Hypothesis, Report, TimelineEntry, Usage
from agent.telemetry.bundle import CATEGORIES, RootCauseCategory

# Notes that state a fact of the run itself rather than a gap in what it saw: who wrote the
# report, an early stop, tools that failed inside fa2. A short reader (the Slack answer) shows
# these from `Report.rule_based` and `Usage`, so it recognises them by these words.
RULE_BASED_NOTE = "Written by fa2's rule-based baseline investigator (no LLM): deterministic rules over the evidence."
STOPPED_EARLY_NOTE = "Investigation stopped early: "
INTERNAL_ERRORS_NOTE = " tool call(s) failed on an internal error in fa2 "


def states_a_run_fact(note: str) -> bool:
    """Whether `note` is one of the notes that restate `rule_based` or `Usage`."""
    return (
        note == RULE_BASED_NOTE
        or note.startswith(STOPPED_EARLY_NOTE)
        or INTERNAL_ERRORS_NOTE in note
    )


class HypothesisDraft(BaseModel):
    statement: str = Field(
        description="The suspected root cause in one sentence, citing evidence ids like [E3]."
    )
    confidence: Literal["high", "medium", "low"] = Field(
        description="How well the evidence supports it."
    )
    category: RootCauseCategory | None = Field(default=None, description="Root-cause category.")
    reasoning: str = Field(
        default="", description="Why the cited evidence supports (or only suggests) this cause."
    )
    evidence_ids: list[str] = Field(
        default_factory=list, description='Ids of the evidence that supports it, e.g. ["E2", "E5"].'
    )


class TimelineDraft(BaseModel):
    time: datetime = Field(description="UTC time of the event, ISO-8601.")
    event: str = Field(description="What happened.")
    evidence_ids: list[str] = Field(default_factory=list, description="Evidence ids showing it.")


class ReportDraft(BaseModel):
    """The incident report: summary, ranked hypotheses with cited evidence, timeline, impact,
    actions, prevention, unknowns and next queries."""

    summary: str = Field(
        description="Two to four sentences: what failed, the most likely cause, citing evidence ids."
    )
    hypotheses: list[HypothesisDraft] = Field(
        default_factory=list, description="Ranked, most likely first."
    )
    timeline: list[TimelineDraft] = Field(
        default_factory=list, description="Key events in time order."
    )
    impact: str = Field(
        default="", description="User and business impact (error counts, affected requests)."
    )
    actions: list[str] = Field(default_factory=list, description="Recommended actions now.")
    prevention: list[str] = Field(default_factory=list, description="How to prevent a recurrence.")
    unknowns: list[str] = Field(default_factory=list, description="What is still unknown.")
    next_queries: list[str] = Field(
        default_factory=list, description="Queries to run next to confirm or refute."
    )


def assemble_report(
    draft: ReportDraft,
    *,
    title: str,
    evidence: list[Evidence],
    usage: Usage,
    model: str,
    rule_based: bool,
    window: object,
    language: str,
    notes: list[str],
    investigation_unfinished: bool = False,
) -> Report:
    known = {e.id for e in evidence}
    hypotheses = validate_hypotheses(
        [
            Hypothesis(
                statement=h.statement,
                confidence=Confidence(h.confidence),
                reasoning=h.reasoning,
                evidence_ids=[e.strip().strip("[]") for e in h.evidence_ids],
                category=h.category if h.category in CATEGORIES else None,
            )
            for h in draft.hypotheses
        ],
        known,
    )
    timeline = validate_timeline(
        sorted(
            (
                TimelineEntry(time=t.time, event=t.event, evidence_ids=t.evidence_ids)
                for t in draft.timeline
            ),
            key=lambda t: t.time,
        ),
        known,
    )
    notes = list(notes)
    if investigation_unfinished:
        notes.insert(
            0,
            "The investigation of this thread never finished (it was stopped before its report): "
            "this answer rests on the partial evidence it had gathered.",
        )
    if usage.budget_exhausted:
        notes.insert(
            0,
            f"{STOPPED_EARLY_NOTE}{usage.budget_exhausted}. The report uses the evidence gathered so far.",
        )
    if usage.internal_errors:
        notes.append(
            f"{usage.internal_errors}{INTERNAL_ERRORS_NOTE}"
            f"({', '.join(usage.internal_error_ids)}; tracebacks in the log under these ids): "
            "what they would have shown is missing from this analysis."
        )
    flagged = [h for h in hypotheses if h.flags]
    if flagged:
        notes.append(
            f"{len(flagged)} hypothesis(es) cited evidence that does not exist; those citations were removed."
        )
    return Report(
        title=title,
        summary=strip_unknown_citations(draft.summary, known),
        hypotheses=hypotheses,
        timeline=timeline,
        impact=draft.impact,
        actions=draft.actions,
        prevention=draft.prevention,
        unknowns=draft.unknowns,
        next_queries=draft.next_queries,
        evidence=evidence,
        usage=usage,
        model=model,
        rule_based=rule_based,
        window=window,  # type: ignore[arg-type]
        language=language,
        notes=notes,
        investigation_unfinished=investigation_unfinished,
    )
