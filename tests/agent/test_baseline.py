"""The offline rule-based investigator: the same tool interface as the LLM, follow-up queries
by rule, a cited report that says it is rule-based, and honesty when evidence is thin."""

from __future__ import annotations

from agent.config import Settings
from agent.incident import TimeRange
from agent.service import ask, investigate
from agent.telemetry.base import QueryResult, TelemetryUnavailableError
from tests.agent.fakes import CLOUDTRAIL_ROWS, PTEE_LINE, FakeBackend, incident


def test_names_the_capacity_change_that_explains_the_throttling(settings: Settings) -> None:
    report = investigate(incident(), settings=settings, backend=FakeBackend())
    top = report.hypotheses[0]
    assert top.category == "capacity"
    assert "UpdateTable" in top.statement and "orders" in top.statement
    assert "ProvisionedThroughputExceededException" in top.statement
    cited = {report.evidence_by_id()[i].tool for i in top.evidence_ids}
    assert {"run_athena_query", "run_logs_insights_query"} <= cited
    assert report.rule_based and "rule-based" in report.summary


def test_follow_up_queries_are_run_by_rule_after_triage(settings: Settings) -> None:
    backend = FakeBackend()
    report = investigate(incident(), settings=settings, backend=backend)
    follow_ups = [e for e in report.evidence if int(e.id[1:]) > 7]
    queries = " ".join(e.query for e in follow_ups)
    assert "sort @timestamp asc" in queries  # the first error lines around the onset
    assert "responseelements" in queries  # CloudTrail writes just before the onset
    assert any(e.tool == "get_metric_data" and "WriteThrottleEvents" in e.query for e in follow_ups)


def test_does_not_blame_the_benign_change_to_the_function_that_logs_the_errors(
    settings: Settings,
) -> None:
    report = investigate(incident(), settings=settings, backend=FakeBackend())
    lambda_change = [h for h in report.hypotheses if "UpdateFunctionConfiguration" in h.statement]
    assert lambda_change and lambda_change[0].confidence == "low"
    assert lambda_change[0].statement.startswith("Unlikely")


def test_an_unrelated_only_change_is_not_blamed(settings: Settings) -> None:
    only_benign = [row for row in CLOUDTRAIL_ROWS if row[2] != "UpdateTable"]
    report = investigate(incident(), settings=settings, backend=FakeBackend(trail_rows=only_benign))
    top = report.hypotheses[0]
    assert "UpdateFunctionConfiguration" not in top.statement
    assert "no recorded change" in top.statement
    assert top.category == "capacity"


def test_thin_evidence_gives_an_honest_inconclusive_report(settings: Settings) -> None:
    def quiet(query: str) -> QueryResult:
        window = TimeRange(start=incident().window.start, end=incident().window.end)
        return QueryResult(source="logs", query=query, status="empty", time_range=window)

    backend = FakeBackend(logs_handler=quiet, trail_rows=[])
    backend.capabilities.xray = False
    report = investigate(incident(), settings=settings, backend=backend)
    assert report.summary.startswith("Inconclusive: insufficient evidence")
    assert all(h.confidence == "low" for h in report.hypotheses)
    assert report.unknowns


def test_an_inconclusive_report_does_not_claim_no_errors_when_it_could_not_read_the_logs(
    settings: Settings,
) -> None:
    def unreadable(query: str) -> QueryResult:
        raise TelemetryUnavailableError("AccessDeniedException: not authorized to logs:StartQuery")

    backend = FakeBackend(logs_handler=unreadable, trail_rows=[])
    backend.capabilities.xray = False
    report = investigate(incident(), settings=settings, backend=backend)
    assert report.summary.startswith("Inconclusive")
    assert "no error lines" not in report.summary
    assert "no log lines it could read" in report.summary


def test_the_baseline_is_deterministic(settings: Settings) -> None:
    first = investigate(incident(), settings=settings, backend=FakeBackend())
    second = investigate(incident(), settings=settings, backend=FakeBackend())
    assert [h.model_dump() for h in first.hypotheses] == [h.model_dump() for h in second.hypotheses]
    assert [e.query for e in first.evidence] == [e.query for e in second.evidence]


def test_answers_a_follow_up_by_searching_for_its_keywords(settings: Settings) -> None:
    first = investigate(incident(), settings=settings, backend=FakeBackend())
    assert first.thread_id
    backend = FakeBackend(log_lines=[PTEE_LINE])
    answer = ask(
        first.thread_id,
        "Which requests hit ProvisionedThroughputExceededException?",
        settings=settings,
        backend=backend,
    )
    assert any(
        "ProvisionedThroughputExceededException" in q for kind, q in backend.calls if kind == "logs"
    )
    assert "Rule-based answer" in answer.summary
    newest = answer.evidence[-1].id
    assert newest in answer.summary
    assert "UpdateTable" in answer.summary  # the earlier conclusion still stands
