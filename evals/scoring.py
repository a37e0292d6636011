"""Scoring one investigation report against a scenario's ground truth.

A report either asserts a cause (its top hypothesis) or concludes that the evidence is
insufficient (no hypothesis, or only low-confidence ones under a summary that says so).

- root cause correct: the report asserts a cause and every `must_mention` group has one
  alternative (case-insensitive) in the top hypothesis' statement or reasoning. For an
  `insufficient-evidence` scenario: the report concludes so, in words that match the
  groups (summary included).
- category correct: the asserted hypothesis' category (`insufficient-evidence` when the report
  concludes so) is one of the ground truth's `categories` (the primary one or another that a
  fair reader could give the same cause).
- evidence recall: share of `key_evidence` items found in the rows of cited evidence from
  the same source (ALB and CloudTrail evidence are Athena results over their tables).
- citation validity: share of citations that show what their claim says (see
  `evals.citations`: the cited rows jointly hold a term, figure or minute of the claim; a
  0-row result counts for a claim of absence; unknown ids, failed queries, evidence of the
  wrong source or time and rows that contradict the claim do not count).
- red herring blamed: the asserted hypothesis' statement names a red herring's API name
  or quoted phrase (one the true root cause does not also use).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel

from agent.report import Hypothesis, Report
from agent.telemetry.bundle import BundleManifest, GroundTruth
from evals.citations import (
    INSUFFICIENT,
    api_names_and_phrases,
    check_report,
    distinctive_terms,
    evidence_source,
    evidence_text,
)

_INCONCLUSIVE = re.compile(
    r"insufficient|inconclusive|not enough evidence|cannot (be )?determined?|undetermined", re.I
)


class ScenarioResult(BaseModel):
    """One scenario run: a row of `results.json` (the shape is part of the eval contract)."""

    name: str
    passed: bool
    root_cause_correct: bool
    category_correct: bool
    evidence_recall: float
    citation_validity: float
    red_herring_blamed: bool
    steps: int
    tool_calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    wall_seconds: float
    top_hypothesis: str | None
    # Why the run produced no scored report (a crash, a Bedrock fallback, a failed judge);
    # None for an ordinary verdict. Added after the first results.json, so optional.
    error: str | None = None


@dataclass
class Score:
    """The verdict with what it rests on (for the markdown and HTML reports)."""

    root_cause_correct: bool
    category_correct: bool
    predicted_category: str | None
    evidence_recall: float
    found_evidence: list[str]
    missing_evidence: list[str]
    citation_validity: float
    invalid_citations: list[str]
    red_herring_blamed: bool
    blamed_terms: list[str]
    missing_mentions: list[list[str]] = field(default_factory=list)
    judge_correct: bool | None = None
    judge_reasoning: str = ""

    @property
    def passed(self) -> bool:
        return self.root_cause_correct and self.category_correct and not self.red_herring_blamed


def top_hypothesis(report: Report) -> Hypothesis | None:
    """The highest-ranked hypothesis that kept valid evidence, else the highest-ranked one."""
    for hypothesis in report.hypotheses:
        if hypothesis.supported:
            return hypothesis
    return report.hypotheses[0] if report.hypotheses else None


def concludes_insufficient(report: Report) -> bool:
    """The report's answer is "the evidence does not show the cause": no hypothesis, or only
    low-confidence ones under a summary that says the cause could not be determined."""
    if not report.hypotheses:
        return True
    all_low = all(h.confidence == "low" for h in report.hypotheses)
    return all_low and bool(_INCONCLUSIVE.search(report.summary))


def asserted_hypothesis(report: Report) -> Hypothesis | None:
    """The cause the report puts forward (None when it concludes the evidence is insufficient)."""
    return None if concludes_insufficient(report) else top_hypothesis(report)


def _root_cause(report: Report, truth: GroundTruth) -> tuple[bool, list[list[str]]]:
    inconclusive = concludes_insufficient(report)
    if truth.category == INSUFFICIENT:
        top = top_hypothesis(report)
        text = "\n".join([report.summary] + ([top.statement, top.reasoning] if top else []))
    else:
        top = asserted_hypothesis(report)
        text = f"{top.statement}\n{top.reasoning}" if top else ""
    text = text.lower()
    missing = [group for group in truth.must_mention if not any(a.lower() in text for a in group)]
    if truth.category == INSUFFICIENT:
        return inconclusive and not missing, missing
    return not inconclusive and not missing, missing


def cited_ids(report: Report) -> list[str]:
    ids: list[str] = []
    for hypothesis in report.hypotheses:
        ids.extend(hypothesis.evidence_ids)
    for entry in report.timeline:
        ids.extend(entry.evidence_ids)
    return list(dict.fromkeys(ids))


def _recall(
    report: Report, manifest: BundleManifest, truth: GroundTruth
) -> tuple[float, list[str], list[str]]:
    by_id = report.evidence_by_id()
    cited = [by_id[i] for i in cited_ids(report) if i in by_id]
    found: list[str] = []
    missing: list[str] = []
    for item in truth.key_evidence:
        label = f"{item.source}: {item.contains}"
        hit = any(
            evidence_source(e, manifest) == item.source
            and item.contains.lower() in evidence_text(e)
            for e in cited
            if e.status == "ok" and e.rows
        )
        (found if hit else missing).append(label)
    total = len(truth.key_evidence)
    return (len(found) / total if total else 1.0), found, missing


def red_herring_terms(truth: GroundTruth) -> set[str]:
    """Each red herring's API names and quoted phrases, minus those the root cause also uses
    (ids, names and times are too often shared with a correct answer to count as blame)."""
    cause = distinctive_terms(truth.root_cause) | {a.lower() for g in truth.must_mention for a in g}
    terms: set[str] = set()
    for herring in truth.red_herrings:
        named = api_names_and_phrases(herring)
        terms |= {t for t in named if not any(t in c or c in t for c in cause)}
    return terms


def _blamed(report: Report, truth: GroundTruth) -> list[str]:
    top = asserted_hypothesis(report)
    if top is None:
        return []
    statement = top.statement.lower()
    return sorted(t for t in red_herring_terms(truth) if t in statement)


def score_report(report: Report, manifest: BundleManifest) -> Score:
    truth = manifest.ground_truth
    if truth is None:
        raise ValueError(f"{manifest.title}: the bundle has no ground_truth to score against")
    correct, missing_mentions = _root_cause(report, truth)
    top = asserted_hypothesis(report)
    predicted = top.category if top else INSUFFICIENT
    recall, found, missing = _recall(report, manifest, truth)
    validity, invalid = check_report(report, manifest)
    blamed = _blamed(report, truth)
    return Score(
        root_cause_correct=correct,
        category_correct=predicted in truth.categories,
        predicted_category=predicted,
        evidence_recall=round(recall, 4),
        found_evidence=found,
        missing_evidence=missing,
        citation_validity=round(validity, 4),
        invalid_citations=invalid,
        red_herring_blamed=bool(blamed),
        blamed_terms=blamed,
        missing_mentions=missing_mentions,
    )


def scenario_result(name: str, report: Report, score: Score) -> ScenarioResult:
    top = asserted_hypothesis(report)
    usage = report.usage
    return ScenarioResult(
        name=name,
        passed=score.passed,
        root_cause_correct=score.root_cause_correct,
        category_correct=score.category_correct,
        evidence_recall=score.evidence_recall,
        citation_validity=score.citation_validity,
        red_herring_blamed=score.red_herring_blamed,
        steps=usage.steps,
        tool_calls=usage.tool_calls,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cost_usd=round(usage.cost_usd, 6),
        wall_seconds=round(usage.wall_seconds, 3),
        top_hypothesis=top.statement if top else f"(inconclusive) {report.summary}"[:300],
    )
