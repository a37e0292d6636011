"""How a report is scored against the demo scenario's ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.report import Confidence, Evidence, Hypothesis, Report, TimelineEntry
from agent.telemetry.bundle import BundleManifest, load_manifest
from evals.generators import SCENARIOS_DIR
from evals.generators.common import utc
from evals.scoring import red_herring_terms, scenario_result, score_report

UPDATE_TABLE_ROW = [
    "2026-03-02T10:02:14Z",
    "dynamodb.amazonaws.com",
    "UpdateTable",
    "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PowerUserAccess_4f1c2a9b7e3d5c60/jane.doe@example.com",
    '{"tableName":"orders","provisionedThroughput":{"readCapacityUnits":100,"writeCapacityUnits":5}}',
]
HERRING_ROW = [
    "2026-03-02T09:50:03Z",
    "lambda.amazonaws.com",
    "UpdateFunctionConfiguration20150331v2",
    "arn:aws:sts::123456789012:assumed-role/platform-deploy-github/GitHubActions-platform-infra-8152",
    '{"functionName":"orders-put","timeout":15}',
]


@pytest.fixture
def manifest() -> BundleManifest:
    return load_manifest(SCENARIOS_DIR / "dynamodb-throttling")


def _evidence() -> list[Evidence]:
    return [
        Evidence(
            id="E1",
            tool="run_logs_insights_query",
            source="logs",
            query="filter @message like /ProvisionedThroughputExceededException/ | stats count(*) by bin(1m)",
            columns=["bin(1m)", "errors"],
            rows=[["2026-03-02 10:04:00.000", "3"], ["2026-03-02 10:16:00.000", "12"]],
            row_count=2,
        ),
        Evidence(
            id="E2",
            tool="run_logs_insights_query",
            source="logs",
            query="fields @message | filter @message like /ERROR/ | limit 5",
            columns=["@timestamp", "@message"],
            rows=[
                [
                    "2026-03-02 10:04:38.752",
                    '{"level":"ERROR","message":"PutItem failed for order ord-YHIZ6BXWXL",'
                    '"error":{"code":"ProvisionedThroughputExceededException"}}',
                ]
            ],
            row_count=1,
        ),
        Evidence(
            id="E3",
            tool="run_athena_query",
            source="athena",
            query="SELECT eventtime, eventsource, eventname, useridentity.arn, requestparameters "
            "FROM aiops_db.cloud_trail_logs WHERE readonly = 'false'",
            columns=["eventtime", "eventsource", "eventname", "principal", "requestparameters"],
            rows=[HERRING_ROW, UPDATE_TABLE_ROW],
            row_count=2,
        ),
    ]


def _report(
    statement: str,
    *,
    confidence: Confidence = Confidence.high,
    category: str = "capacity",
    ids: list[str] | None = None,
    summary: str = "",
    flags: list[str] | None = None,
) -> Report:
    hypothesis = Hypothesis(
        statement=statement,
        confidence=confidence,
        category=category,
        evidence_ids=ids if ids is not None else ["E2", "E3"],
        flags=flags or [],
    )
    return Report(
        title="orders-api-5xx",
        summary=summary or statement,
        hypotheses=[hypothesis],
        evidence=_evidence(),
    )


def test_a_report_naming_the_change_and_the_error_passes(manifest: BundleManifest) -> None:
    report = _report(
        "UpdateTable on orders at 10:02 lowered write capacity to 5 WCU; PutItem fails with "
        "ProvisionedThroughputExceededException [E2, E3]"
    )

    score = score_report(report, manifest)

    assert score.passed and score.root_cause_correct and score.category_correct
    assert score.evidence_recall == 1.0
    assert score.citation_validity == 1.0
    assert not score.red_herring_blamed


def test_blaming_the_timeout_change_is_a_red_herring_and_a_wrong_root_cause(
    manifest: BundleManifest,
) -> None:
    report = _report(
        "UpdateFunctionConfiguration on orders-put at 09:50 broke the function and causes throttling",
        category="configuration",
        ids=["E3"],
    )

    score = score_report(report, manifest)

    assert score.red_herring_blamed
    assert score.blamed_terms == ["updatefunctionconfiguration"]
    assert not score.root_cause_correct
    assert not score.passed


def test_red_herring_terms_leave_out_what_the_root_cause_also_names(
    manifest: BundleManifest,
) -> None:
    assert manifest.ground_truth is not None
    assert red_herring_terms(manifest.ground_truth) == {"updatefunctionconfiguration"}


def test_an_inconclusive_report_is_wrong_when_the_data_shows_the_cause(
    manifest: BundleManifest,
) -> None:
    report = _report(
        "Unlikely: UpdateTable on orders is unrelated to the failure [E3]",
        confidence=Confidence.low,
        ids=["E3"],
        summary="Inconclusive: insufficient evidence to name a root cause.",
    )

    score = score_report(report, manifest)

    assert not score.root_cause_correct
    assert score.predicted_category == "insufficient-evidence"
    assert not score.red_herring_blamed


def test_an_inconclusive_report_is_right_for_an_insufficient_evidence_scenario() -> None:
    manifest = load_manifest(SCENARIOS_DIR / "queue-consumers-stalled")
    report = Report(
        title="email-outbox-age",
        summary="Inconclusive: insufficient evidence to name a root cause.",
    )

    score = score_report(report, manifest)

    assert score.root_cause_correct and score.category_correct and score.passed


def test_a_confident_cause_is_wrong_for_an_insufficient_evidence_scenario() -> None:
    manifest = load_manifest(SCENARIOS_DIR / "queue-consumers-stalled")
    report = Report(
        title="email-outbox-age",
        summary="TagQueue on email-outbox stopped the consumers (evidence is not insufficient).",
        hypotheses=[
            Hypothesis(
                statement="TagQueue on email-outbox at 11:02 stopped the consumers",
                confidence=Confidence.high,
                category="configuration",
            )
        ],
    )

    score = score_report(report, manifest)

    assert not score.root_cause_correct
    assert score.red_herring_blamed


def test_citations_the_graph_removed_as_unknown_count_as_invalid(manifest: BundleManifest) -> None:
    report = _report(
        "UpdateTable lowered WCU; ProvisionedThroughputExceededException [E2, E3]",
        flags=["removed unknown citation E9"],
    )

    score = score_report(report, manifest)

    assert score.citation_validity == pytest.approx(2 / 3, abs=1e-3)
    assert score.invalid_citations == ["E9 (unknown)"]


def test_a_citation_whose_rows_do_not_show_the_claim_is_invalid(manifest: BundleManifest) -> None:
    report = _report("UpdateTable lowered the table's WCU [E1]", ids=["E1"])

    score = score_report(report, manifest)

    assert score.citation_validity == 0.0
    assert score.invalid_citations == ["E1 (does not show what the claim says)"]


def test_a_timeline_entry_is_supported_by_rows_from_its_minute(manifest: BundleManifest) -> None:
    report = _report("UpdateTable lowered WCU; ProvisionedThroughputExceededException [E2, E3]")
    report.timeline = [
        TimelineEntry(
            time=utc("2026-03-02T10:04:00Z"), event="Throttling begins", evidence_ids=["E1"]
        )
    ]

    assert score_report(report, manifest).citation_validity == 1.0


def test_evidence_recall_counts_key_evidence_in_cited_rows_only(manifest: BundleManifest) -> None:
    report = _report("UpdateTable lowered WCU at 10:02 [E3]", ids=["E3"])

    score = score_report(report, manifest)

    assert score.evidence_recall == 0.5
    assert score.missing_evidence == ["logs: ProvisionedThroughputExceededException"]


def test_results_row_has_exactly_the_contract_fields(manifest: BundleManifest) -> None:
    report = _report("UpdateTable lowered WCU; ProvisionedThroughputExceededException [E2, E3]")

    row = scenario_result("dynamodb-throttling", report, score_report(report, manifest))

    assert list(row.model_dump()) == [
        "name",
        "passed",
        "root_cause_correct",
        "category_correct",
        "evidence_recall",
        "citation_validity",
        "red_herring_blamed",
        "steps",
        "tool_calls",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "wall_seconds",
        "top_hypothesis",
        "error",  # optional addition: why a run could not be scored
    ]


def test_scoring_a_bundle_without_ground_truth_is_refused(tmp_path: Path) -> None:
    (tmp_path / "incident.yaml").write_text(
        "title: t\nwindow: {start: '2026-03-02T09:45:00Z', end: '2026-03-02T10:30:00Z'}\n"
    )

    with pytest.raises(ValueError, match="no ground_truth"):
        score_report(Report(title="t", summary="s"), load_manifest(tmp_path))


def test_a_category_the_ground_truth_also_accepts_counts_as_correct(
    manifest: BundleManifest,
) -> None:
    assert manifest.ground_truth is not None
    assert manifest.ground_truth.categories == ["capacity", "configuration"]
    report = _report(
        "UpdateTable on orders at 10:02 lowered write capacity to 5 WCU; PutItem fails with "
        "ProvisionedThroughputExceededException [E2, E3]",
        category="configuration",
    )

    score = score_report(report, manifest)

    assert score.category_correct and score.passed


def test_a_category_outside_the_accepted_list_is_wrong(manifest: BundleManifest) -> None:
    report = _report(
        "UpdateTable on orders at 10:02 lowered write capacity to 5 WCU; PutItem fails with "
        "ProvisionedThroughputExceededException [E2, E3]",
        category="deployment",
    )

    score = score_report(report, manifest)

    assert not score.category_correct and not score.passed
