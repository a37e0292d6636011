"""The metrics-insight eval: its questions are data (extra keys refused), each answer is
scored for the entity it names first and for its citations, and the suite's figures reach
the summary the gate reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.config import Settings
from agent.incident import TimeRange
from agent.insight import InsightAnswer
from agent.report import Evidence
from evals.insight_eval import (
    InsightCase,
    InsightCasesError,
    insight_summary,
    load_cases,
    run_case,
    score_answer,
)
from tests.conftest import REPO_ROOT

PERIOD = TimeRange(
    start=datetime(2026, 3, 2, 9, 45, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
)
CASE = InsightCase(
    name="orders-write-capacity",
    scenario="dynamodb-throttling",
    question="Is the orders table running out of write capacity?",
    expected_entity="orders",
    form="capacity",
)


def _answer(entities: list[str], text: str, notes: list[str] | None = None) -> InsightAnswer:
    return InsightAnswer(
        question=CASE.question,
        time_range=PERIOD,
        period_text="2026-03-02 09:45 – 10:30 UTC (45 min)",
        answer_markdown=text,
        entities=entities,
        evidence=[
            Evidence(id=f"E{i}", tool="get_metric_data", source="metrics", query="q")
            for i in (1, 2)
        ],
        notes=notes or [],
    )


def test_the_stored_questions_load_and_cover_every_form() -> None:
    cases = load_cases()
    assert len(cases) >= 4
    assert {c.form for c in cases} == {"top", "change", "threshold", "capacity", "unknown"}
    scenarios = REPO_ROOT / "evals" / "scenarios"
    assert all((scenarios / c.scenario / "incident.yaml").is_file() for c in cases)


def test_a_question_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "questions.yaml"
    path.write_text(
        "- {name: a, scenario: s, question: q, expected_entity: x, form: top, expected: y}\n",
        encoding="utf-8",
    )
    with pytest.raises(InsightCasesError, match="expected"):
        load_cases(path)


def test_the_right_entity_first_with_valid_citations_passes() -> None:
    row = score_answer(CASE, _answer(["orders"], "**orders** is throttled [E1, E2]."))
    assert (row.entity_correct, row.citations, row.citation_validity, row.passed) == (
        True,
        2,
        1.0,
        True,
    )


def test_another_entity_first_is_wrong_even_if_the_right_one_follows() -> None:
    row = score_answer(CASE, _answer(["carts", "orders"], "**carts** [E1]."))
    assert not row.entity_correct and not row.passed


def test_removed_citations_lower_the_validity() -> None:
    answer = _answer(["orders"], "orders [E1].", notes=["removed unknown citation E7"])
    assert score_answer(CASE, answer).citation_validity == 0.5


def test_an_answer_citing_nothing_scores_no_citation_validity() -> None:
    assert score_answer(CASE, _answer(["orders"], "orders is throttled.")).citation_validity == 0.0


def test_a_question_without_an_answer_entity_must_name_none() -> None:
    unknown = CASE.model_copy(update={"expected_entity": None, "form": "unknown"})
    assert score_answer(unknown, _answer([], "cannot map it [E1].")).entity_correct
    assert not score_answer(unknown, _answer(["orders"], "orders [E1].")).entity_correct


def test_a_case_over_its_bundle_is_answered_and_scored() -> None:
    row = run_case(CASE, REPO_ROOT / "evals" / "scenarios", Settings(model="baseline"))
    assert row.error is None and row.passed
    assert row.answered_entity == "orders" and row.tool_calls == 4


def test_a_case_whose_bundle_is_missing_is_an_error_row_not_a_crash(tmp_path: Path) -> None:
    row = run_case(CASE, tmp_path, Settings(model="baseline"))
    assert row.error is not None and not row.passed


def test_the_summary_fields_are_none_when_no_question_ran() -> None:
    assert insight_summary([]) == {
        "insight_questions": 0,
        "insight_entity_accuracy": None,
        "insight_citation_validity": None,
    }
