"""The metrics-insight eval: questions over the scenario bundles (`evals/insight/
questions.yaml`), each answered by `agent.insight.answer_metrics_question` over the bundle's
whole window and scored for the right entity (the resource the answer names first) and for
its citations (every cited evidence id exists; an answer citing nothing scores 0)."""

from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.config import Settings
from agent.insight import InsightAnswer

QUESTIONS = Path(__file__).resolve().parent / "insight" / "questions.yaml"


class InsightCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    scenario: str
    question: str
    expected_entity: str | None = Field(
        description="The resource a right answer names first; null: it must name none."
    )
    form: Literal["top", "change", "threshold", "capacity", "unknown"]
    timezone: str = "UTC"


class InsightCaseResult(BaseModel):
    name: str
    scenario: str
    question: str
    expected_entity: str | None
    answered_entity: str | None = None
    entity_correct: bool = False
    citations: int = 0  # valid citations left in the answer
    invalid_citations: int = 0  # citations of evidence that did not exist (removed)
    citation_validity: float = 0.0
    tool_calls: int = 0
    wall_seconds: float = 0.0
    answer: str | None = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.entity_correct and self.citation_validity == 1.0 and not self.error


class InsightCasesError(ValueError):
    """The questions file cannot be read as insight cases."""


def load_cases(path: Path = QUESTIONS) -> list[InsightCase]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return [InsightCase.model_validate(item) for item in raw or []]
    except (OSError, yaml.YAMLError, ValidationError, TypeError) as exc:
        raise InsightCasesError(f"{path}: {exc}") from exc


def score_answer(case: InsightCase, answer: InsightAnswer) -> InsightCaseResult:
    first = answer.entities[0] if answer.entities else None
    expected = case.expected_entity
    entity_correct = (
        (first is None)
        if expected is None
        else (first is not None and first.lower() == expected.lower())
    )
    valid = len(answer.cited_ids())
    invalid = sum(1 for note in answer.notes if note.startswith("removed unknown citation"))
    return InsightCaseResult(
        name=case.name,
        scenario=case.scenario,
        question=case.question,
        expected_entity=expected,
        answered_entity=first,
        entity_correct=entity_correct,
        citations=valid,
        invalid_citations=invalid,
        citation_validity=round(valid / (valid + invalid), 4) if valid else 0.0,
        tool_calls=answer.usage.tool_calls,
        wall_seconds=answer.usage.wall_seconds,
        answer=answer.answer_markdown,
    )


def run_case(case: InsightCase, scenarios: Path, base: Settings) -> InsightCaseResult:
    from agent.service import insight_from_settings

    started = time.perf_counter()
    settings = base.updated(
        bundle=scenarios / case.scenario, checkpoint_backend="memory", incident_memory="off"
    )
    try:
        answer = insight_from_settings(case.question, settings=settings, tz=case.timezone)
    except Exception as exc:  # one broken case must not stop the suite
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return InsightCaseResult(
            name=case.name,
            scenario=case.scenario,
            question=case.question,
            expected_entity=case.expected_entity,
            wall_seconds=round(time.perf_counter() - started, 3),
            error=detail,
        )
    return score_answer(case, answer)


def run_insight_eval(
    cases: list[InsightCase], scenarios: Path, base: Settings
) -> list[InsightCaseResult]:
    return [run_case(case, scenarios, base) for case in cases]


def insight_summary(rows: list[InsightCaseResult]) -> dict[str, float | int | None]:
    """The Summary fields of the insight eval (None when it did not run)."""
    if not rows:
        return {
            "insight_questions": 0,
            "insight_entity_accuracy": None,
            "insight_citation_validity": None,
        }
    n = len(rows)
    return {
        "insight_questions": n,
        "insight_entity_accuracy": round(sum(r.entity_correct for r in rows) / n, 4),
        "insight_citation_validity": round(sum(r.citation_validity for r in rows) / n, 4),
    }
