"""Every query the baseline writes is valid in the real AWS dialects (the local engines parse
Logs Insights and Athena's Trino SQL as AWS does): its follow-up queries during an
investigation, the next queries it recommends, and the queries of follow-up questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.alarm import incident_from_bundle
from agent.baseline.analysis import analyse
from agent.baseline.followup import plan
from agent.config import Settings
from agent.report import Report
from agent.service import build_backend, investigate
from agent.telemetry.base import QueryError
from agent.telemetry.bundle import load_bundle
from agent.telemetry.local import LocalBackend

SCENARIOS = Path(__file__).resolve().parents[2] / "evals" / "scenarios"
# ALB + ECS + CloudTrail; API Gateway + Lambda + X-Ray + metrics; metrics and CloudTrail only
BUNDLES = ["ecs-bad-deploy", "dynamodb-throttling", "queue-consumers-stalled"]
QUESTIONS = [
    "which requests failed?",
    "when did it start?",
    "what changed on the orders table?",
    "show me the errors for order ord-YHIZ6BXWXL",
    "any timeouts in checkout?",
]
ALL_TOOLS = {
    "run_logs_insights_query",
    "run_athena_query",
    "get_metric_data",
    "list_metrics",
    "get_traces",
}


def _settings(name: str, tmp: Path) -> Settings:
    return Settings(
        model="baseline",
        bundle=SCENARIOS / name,
        checkpoint_backend="sqlite",
        checkpoint_path=tmp / "threads.sqlite",
    )


@pytest.fixture(scope="module", params=BUNDLES)
def investigated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Report, LocalBackend, Settings]:
    settings = _settings(request.param, tmp_path_factory.mktemp(request.param))
    backend = build_backend(settings)
    assert isinstance(backend, LocalBackend)
    incident = incident_from_bundle(load_bundle(settings.telemetry.bundle), settings)  # type: ignore[arg-type]
    return investigate(incident, settings=settings, backend=backend), backend, settings


def _run(backend: LocalBackend, report: Report, query: str) -> None:
    assert report.window is not None
    if query.lstrip().upper().startswith("SELECT"):
        backend.run_athena(query)
    else:
        groups = [g.name for g in backend.list_log_groups()]
        backend.run_logs_insights(query, groups, report.window)


def test_no_query_of_the_investigation_is_rejected(
    investigated: tuple[Report, LocalBackend, Settings],
) -> None:
    report, _, _ = investigated
    refused = [
        f"{e.id} {e.query}: {e.error}"
        for e in report.evidence
        if e.status == "error" and e.tool in ("run_logs_insights_query", "run_athena_query")
    ]
    assert refused == []


def test_the_recommended_next_queries_run_as_written(
    investigated: tuple[Report, LocalBackend, Settings],
) -> None:
    report, backend, _ = investigated
    assert report.next_queries
    for query in report.next_queries:
        try:
            _run(backend, report, query)
        except QueryError as exc:  # pragma: no cover - the failure message names the query
            pytest.fail(f"{query!r} is not valid: {exc}")


def test_the_queries_of_follow_up_questions_run_as_written(
    investigated: tuple[Report, LocalBackend, Settings],
) -> None:
    report, backend, _ = investigated
    groups = [g.name for g in backend.list_log_groups()]
    findings = analyse(report.evidence, groups)
    planned = [
        (question, call["args"].get("sql") or call["args"]["query"])
        for question in QUESTIONS
        for call in plan(question, findings, ALL_TOOLS)
    ]
    assert planned
    for question, query in planned:
        try:
            _run(backend, report, query)
        except QueryError as exc:  # pragma: no cover
            pytest.fail(f"{question!r} planned {query!r}, which is not valid: {exc}")


def test_logs_insights_queries_are_sent_only_when_there_are_log_groups(
    investigated: tuple[Report, LocalBackend, Settings],
) -> None:
    report, backend, _ = investigated
    sent = [e for e in report.evidence if e.tool == "run_logs_insights_query"]
    assert bool(sent) == bool(backend.list_log_groups())
