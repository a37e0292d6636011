"""Follow-up questions on the demo bundle answered by rule: each kind of question gets the
facts that answer it, with the evidence ids that show them."""

from __future__ import annotations

import re

import pytest

from agent.baseline.followup import identifiers, intents, keywords
from agent.config import Settings
from agent.report import Report
from agent.service import ask, build_backend

_CITED = re.compile(r"\bE\d+\b")


def _ask(demo: tuple[Report, Settings], question: str) -> Report:
    report, settings = demo
    assert report.thread_id
    return ask(report.thread_id, question, settings=settings, backend=build_backend(settings))


def _rows_of(answer: Report, evidence_id: str) -> str:
    evidence = answer.evidence_by_id()[evidence_id]
    return " ".join(" ".join(c or "" for c in row) for row in evidence.rows)


def _answer_part(answer: Report) -> str:
    """The answer without the restated conclusion."""
    return answer.summary.split("The investigation's conclusion stands")[0]


def test_which_requests_failed_names_the_failing_route_and_component(
    demo: tuple[Report, Settings],
) -> None:
    answer = _ask(demo, "Which requests failed?")
    text = _answer_part(answer)
    assert "PUT /orders/{orderId} → 500 ×284" in text
    assert "/aws/lambda/orders-put" in text
    route = re.search(r"Failed HTTP requests: .*?\[(E\d+)\]", text)
    assert route and "/orders/{orderId}" in _rows_of(answer, route.group(1))


def test_when_did_it_start_gives_the_onset_the_first_error_and_the_change_before(
    demo: tuple[Report, Settings],
) -> None:
    text = _answer_part(_ask(demo, "When did it start?"))
    assert re.search(r"Errors began at 10:04Z \[E\d+\]", text)
    assert "The first error line was logged at 2026-03-02 10:04:38" in text
    assert re.search(r"It followed UpdateTable on orders .* at 10:02:14Z \[E\d+\]", text)


def test_what_changed_before_lists_the_writes_with_the_verdict_on_each(
    demo: tuple[Report, Settings],
) -> None:
    text = _answer_part(_ask(demo, "What changed before?"))
    assert re.search(r"UpdateTable on orders .*\(related: .*\) \[E\d+\]", text)
    assert re.search(
        r"UpdateFunctionConfiguration on orders-put .*\(unrelated to the failure\)", text
    )


def test_a_question_about_one_order_quotes_its_log_lines(demo: tuple[Report, Settings]) -> None:
    answer = _ask(demo, "Show me the errors for order ord-YHIZ6BXWXL")
    text = _answer_part(answer)
    found = re.search(r"(\d+) log line\(s\) mention ord-YHIZ6BXWXL \[(E\d+)\]", text)
    assert found
    assert "ord-YHIZ6BXWXL" in _rows_of(answer, found.group(2))
    assert "ProvisionedThroughputExceededException" in text  # the error line is quoted first


def test_a_question_without_an_id_searches_the_error_lines_for_its_words(
    demo: tuple[Report, Settings],
) -> None:
    answer = _ask(demo, "Show me the errors for order X")
    text = _answer_part(answer)
    found = re.search(r"log line\(s\) mention order \[(E\d+)\]", text)
    assert found
    searched = answer.evidence_by_id()[found.group(1)]
    assert "order" in searched.query and "exception" in searched.query


def test_every_id_an_answer_cites_is_evidence_of_the_thread(demo: tuple[Report, Settings]) -> None:
    answer = _ask(demo, "When did it start and what changed?")
    cited = set(_CITED.findall(answer.summary))
    assert cited and cited <= set(answer.evidence_by_id())


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("which requests failed?", ["failed"]),
        ("when did it start?", ["when"]),
        ("what changed before?", ["changes"]),
        ("show me the errors for order ord-12345", ["lookup"]),
        ("how do we fix it?", ["fix"]),
        ("いつから始まりましたか?", ["when"]),
        ("any idea?", ["search"]),
    ],
)
def test_the_kind_of_question_is_recognised(question: str, expected: list[str]) -> None:
    assert intents(question) == expected


def test_identifiers_are_ids_and_api_names_not_clock_times() -> None:
    assert identifiers("did UpdateTable at 10:02 touch ord-12345 or 10.0.12.31?") == [
        "ord-12345",
        "10.0.12.31",
        "UpdateTable",
    ]


def test_what_changed_right_before_the_errors_lists_the_writes_not_a_search_for_right(
    demo: tuple[Report, Settings],
) -> None:
    report, _ = demo
    answer = _ask(demo, "what changed right before the errors?")
    text = _answer_part(answer)
    assert "no write" not in text.lower()
    assert re.search(r"UpdateTable on orders .*\(related: .*\) \[E\d+\]", text)
    new_queries = [e.query for e in answer.evidence if e.id not in report.evidence_by_id()]
    assert not any("%right%" in q for q in new_queries)


def test_a_follow_up_never_claims_no_writes_when_earlier_evidence_holds_writes(
    demo: tuple[Report, Settings],
) -> None:
    text = _answer_part(_ask(demo, "did anything change on checkout-cache-7 before?"))
    assert "no write" not in text.lower()
    assert "UpdateTable on orders" in text


@pytest.mark.parametrize(
    "question",
    [
        "what changed right before the errors?",
        "what changed just now?",
        "was anything modified shortly before it went wrong?",
    ],
)
def test_ordinary_words_are_never_search_terms(question: str) -> None:
    assert keywords(question) == []
