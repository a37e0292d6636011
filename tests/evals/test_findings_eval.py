"""The findings report, scored over the scenarios that carry findings: every cited finding
exists (in the report and in the bundle), and the first top risk is the one the scenario's
ground truth names."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from agent.config import Settings
from agent.service import findings_report_from_settings
from agent.telemetry.bundle import FindingsTruth, load_bundle
from evals.findings_eval import matches, run_findings_scenario, score_findings_report
from evals.generators import SCENARIOS_DIR
from evals.runner import discover, scenario_settings

SG = SCENARIOS_DIR / "sg-rule-revoked"
BASTION_SG = "sg-0e9d8c7b6a5f40312"


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return findings_report_from_settings(
        days=7, bundle=SG, settings=Settings(model="baseline", incident_memory="off")
    )


def _ids(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {row.finding.id for row in report.findings}


def test_the_sg_scenarios_report_puts_the_bastions_exposure_first_citing_real_findings() -> None:
    (scenario,) = discover(SCENARIOS_DIR, only=["sg-rule-revoked"])

    result = run_findings_scenario(
        scenario, scenario_settings(Settings(), scenario, "baseline", None)
    )

    assert result is not None and result.error is None
    assert result.top_risk_correct
    assert result.top_risk is not None and result.top_risk.startswith("EC2.19")
    assert result.cited > 0 and result.cited_existing == result.cited
    assert result.citation_validity == 1.0


def test_a_cited_finding_the_bundle_does_not_hold_lowers_citation_validity(report) -> None:  # type: ignore[no-untyped-def]
    truth = FindingsTruth(top_risk="the bastion", top_risk_matches=[BASTION_SG])
    first_cited = report.finding(report.top_risks[0].finding_refs[0]).finding.id

    scored = score_findings_report(report, truth, _ids(report) - {first_cited}, name="sg")

    assert scored.cited_existing == scored.cited - 1
    assert scored.citation_validity < 1.0


def test_a_top_risk_other_than_the_declared_one_is_scored_wrong(report) -> None:  # type: ignore[no-untyped-def]
    truth = FindingsTruth(top_risk="the unencrypted database", top_risk_matches=["RDS.3"])

    scored = score_findings_report(report, truth, _ids(report), name="sg")

    assert not scored.top_risk_correct
    assert scored.expected_top_risk == "the unencrypted database"


@pytest.mark.parametrize(
    ("wanted", "named"),
    [
        (BASTION_SG, True),  # the last part of the security group's ARN
        (f"arn:aws:ec2:us-east-1:123456789012:security-group/{BASTION_SG}", True),
        ("EC2.19", True),  # the control id
        ("sg-0a1b2c3d4e5f60718", False),
    ],
)
def test_a_finding_is_named_by_its_type_control_or_resource(wanted: str, named: bool) -> None:
    finding = SimpleNamespace(
        type="Software and Configuration Checks",
        control_id="EC2.19",
        resource_id=f"arn:aws:ec2:us-east-1:123456789012:security-group/{BASTION_SG}",
    )
    assert matches(finding, wanted) is named


def test_every_scenario_with_findings_declares_the_top_risk_its_report_must_put_first() -> None:
    for scenario in discover(SCENARIOS_DIR):
        bundle = load_bundle(scenario.path)
        if bundle.source_files("securityhub") or bundle.source_files("guardduty"):
            truth = scenario.manifest.ground_truth
            assert truth is not None and truth.findings is not None, scenario.name
