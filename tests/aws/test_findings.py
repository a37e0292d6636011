"""The AWS backend's security findings: Security Hub GetFindings against moto (which stores
imported findings and pages them, but ignores Filters), GuardDuty's ListDetectors /
ListFindings / GetFindings through Stubber with real response shapes (moto has detectors
but no findings)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from agent.telemetry.aws import AwsBackend
from agent.telemetry.aws import findings as aws_findings
from agent.telemetry.base import TelemetryUnavailableError
from agent.telemetry.types import TimeRange
from tests.aws.stubs import not_authorized
from tests.findings.samples import DETECTOR, asff, at, control, crypto_miner, native, tor_caller

WEEK = TimeRange(start=at("2026-03-20T14:45:00Z"), end=at("2026-03-27T14:45:00Z"))
WEEK_MS = (1774017900000, 1774622700000)


@pytest.fixture
def moto_backend(backend: AwsBackend) -> Iterator[AwsBackend]:
    with mock_aws():
        yield backend


def import_into_security_hub(backend: AwsBackend, findings: list[dict[str, Any]]) -> None:
    answer = backend.clients.client("securityhub").batch_import_findings(Findings=findings)
    assert answer["FailedCount"] == 0


def expect_guardduty(stub: Stubber, pages: list[list[dict[str, Any]]]) -> None:
    """ListDetectors, then one ListFindings page per list, then GetFindings per 50 ids."""
    stub.add_response("list_detectors", {"DetectorIds": [DETECTOR]}, {})
    ids = [f["Id"] for page in pages for f in page]
    for index, page in enumerate(pages):
        last = index == len(pages) - 1
        stub.add_response(
            "list_findings",
            {
                "FindingIds": [f["Id"] for f in page],
                **({} if last else {"NextToken": f"t{index + 1}"}),
            },
            {
                "DetectorId": DETECTOR,
                "FindingCriteria": {
                    "Criterion": {
                        "service.archived": {"Equals": ["false"]},
                        "updatedAt": {"GreaterThanOrEqual": WEEK_MS[0], "LessThan": WEEK_MS[1]},
                        "severity": {"GreaterThanOrEqual": 1},
                    }
                },
                "SortCriteria": {"AttributeName": "severity", "OrderBy": "DESC"},
                "MaxResults": 50,
                **({"NextToken": f"t{index}"} if index else {}),
            },
        )
    by_id = {f["Id"]: f for page in pages for f in page}
    for start in range(0, len(ids), 50):
        chunk = ids[start : start + 50]
        stub.add_response(
            "get_findings",
            {"Findings": [by_id[i] for i in chunk]},
            {"DetectorId": DETECTOR, "FindingIds": chunk},
        )


def test_findings_of_both_services_are_read_filtered_and_deduplicated(
    moto_backend: AwsBackend,
) -> None:
    import_into_security_hub(
        moto_backend,
        [
            asff(control()),
            asff(control("S3.8", workflow="RESOLVED")),  # moto ignores Filters: fa2 re-checks
            asff(control("IAM.3", updated="2026-03-02T06:00:00Z")),  # before the week
            asff(tor_caller()),  # GuardDuty's, as Security Hub imported it
        ],
    )
    guardduty = moto_backend.clients.client("guardduty")
    with Stubber(guardduty) as stub:
        expect_guardduty(stub, [[native(tor_caller()), native(crypto_miner())]])
        answer = moto_backend.list_security_findings(WEEK)
        stub.assert_no_pending_responses()

    assert moto_backend.capabilities.findings
    assert [(f.source, f.type or f.control_id) for f in answer.findings] == [
        ("guardduty", "CryptoCurrency:EC2/BitcoinTool.B!DNS"),
        (
            "securityhub",
            "Software and Configuration Checks/Industry and Regulatory Standards/"
            "AWS-Foundational-Security-Best-Practices",
        ),
        ("guardduty", "UnauthorizedAccess:IAMUser/TorIPCaller"),
    ]
    assert answer.duplicates_removed == 1
    assert answer.sources == ["securityhub", "guardduty"]
    assert not answer.truncated and answer.notes == []


def test_security_hub_is_asked_for_active_open_findings_of_the_period_and_severity(
    backend: AwsBackend,
) -> None:
    securityhub = backend.clients.client("securityhub")
    guardduty = backend.clients.client("guardduty")
    with Stubber(securityhub) as hub, Stubber(guardduty) as duty:
        hub.add_response(
            "get_findings",
            {"Findings": [asff(control())]},
            {
                "Filters": {
                    "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
                    "WorkflowStatus": [
                        {"Value": "NEW", "Comparison": "EQUALS"},
                        {"Value": "NOTIFIED", "Comparison": "EQUALS"},
                    ],
                    "UpdatedAt": [
                        {"Start": "2026-03-20T14:45:00.000Z", "End": "2026-03-27T14:45:00.000Z"}
                    ],
                    "SeverityLabel": [
                        {"Value": "CRITICAL", "Comparison": "EQUALS"},
                        {"Value": "HIGH", "Comparison": "EQUALS"},
                    ],
                },
                "SortCriteria": [{"Field": "SeverityNormalized", "SortOrder": "desc"}],
                "MaxResults": 100,
            },
        )
        duty.add_response("list_detectors", {"DetectorIds": []}, {})
        answer = backend.list_security_findings(WEEK, min_severity="HIGH")
        hub.assert_no_pending_responses()

    assert [f.control_id for f in answer.findings] == ["ECR.1"]
    assert answer.notes == [
        "Findings: GuardDuty has no detector in us-east-1 (not enabled); its findings are not "
        "in this report"
    ]


def test_guardduty_findings_are_fetched_in_chunks_of_fifty(backend: AwsBackend) -> None:
    many = [native(crypto_miner(finding_id=f"{i:032x}")) for i in range(120)]
    with (
        Stubber(backend.clients.client("securityhub")) as hub,
        Stubber(backend.clients.client("guardduty")) as duty,
    ):
        hub.add_response(
            "get_findings",
            {"Findings": []},
            {"Filters": ANY, "SortCriteria": ANY, "MaxResults": 100},
        )
        expect_guardduty(duty, [many[:50], many[50:100], many[100:]])
        answer = backend.list_security_findings(WEEK)
        duty.assert_no_pending_responses()

    assert len(answer.findings) == 120


def test_a_capped_security_hub_listing_says_what_it_left_out(
    backend: AwsBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws_findings, "SECURITYHUB_MAX_PAGES", 2)
    pages = [
        asff(control(resource_id=f"arn:aws:ecr:us-east-1:123456789012:repository/r{i}"))
        for i in range(3)
    ]
    with (
        Stubber(backend.clients.client("securityhub")) as hub,
        Stubber(backend.clients.client("guardduty")) as duty,
    ):
        hub.add_response("get_findings", {"Findings": [pages[0]], "NextToken": "p2"}, None)
        hub.add_response("get_findings", {"Findings": [pages[1]], "NextToken": "p3"}, None)
        duty.add_response("list_detectors", {"DetectorIds": []}, {})
        answer = backend.list_security_findings(WEEK)

    assert len(answer.findings) == 2
    assert answer.truncated
    assert (
        "Security Hub has more than 2 matching findings; the report reads the first 2 pages"
        in answer.notes[0]
    )


def test_security_hub_not_enabled_is_a_note_and_guardduty_still_counts(
    backend: AwsBackend,
) -> None:
    with (
        Stubber(backend.clients.client("securityhub")) as hub,
        Stubber(backend.clients.client("guardduty")) as duty,
    ):
        hub.add_client_error(
            "get_findings",
            service_error_code="InvalidAccessException",
            service_message="Account 123456789012 is not subscribed to AWS Security Hub",
            http_status_code=401,
        )
        expect_guardduty(duty, [[native(tor_caller())]])
        answer = backend.list_security_findings(WEEK)

    assert [f.source for f in answer.findings] == ["guardduty"]
    assert answer.sources == ["guardduty"]
    assert answer.notes[0].startswith("Findings: Security Hub is not enabled in us-east-1")


def test_access_denied_on_both_services_names_the_actions_to_grant(backend: AwsBackend) -> None:
    with (
        Stubber(backend.clients.client("securityhub")) as hub,
        Stubber(backend.clients.client("guardduty")) as duty,
    ):
        hub.add_client_error(
            "get_findings",
            service_error_code="AccessDeniedException",
            service_message=not_authorized(
                "securityhub:GetFindings", "arn:aws:securityhub:us-east-1:123456789012:hub/default"
            ),
            http_status_code=403,
        )
        duty.add_client_error(
            "list_detectors",
            service_error_code="AccessDeniedException",
            service_message=not_authorized(
                "guardduty:ListDetectors", "arn:aws:guardduty:us-east-1:123456789012:detector/*"
            ),
            http_status_code=403,
        )
        with pytest.raises(TelemetryUnavailableError) as raised:
            backend.list_security_findings(WEEK)

    assert "`securityhub:GetFindings`" in str(raised.value)
    assert "`guardduty:ListDetectors`" in str(raised.value)


def test_access_denied_without_a_resource_in_aws_words_names_the_regions_hub(
    backend: AwsBackend,
) -> None:
    with (
        Stubber(backend.clients.client("securityhub")) as hub,
        Stubber(backend.clients.client("guardduty")) as duty,
    ):
        hub.add_client_error(
            "get_findings",
            service_error_code="AccessDeniedException",
            service_message="User is not authorized to perform this action",
            http_status_code=403,
        )
        duty.add_client_error(
            "list_detectors",
            service_error_code="AccessDeniedException",
            service_message="User is not authorized to perform this action",
            http_status_code=403,
        )
        with pytest.raises(TelemetryUnavailableError) as raised:
            backend.list_security_findings(WEEK)

    assert "`arn:aws:securityhub:us-east-1:<account>:hub/default`" in str(raised.value)
    assert "`guardduty:ListDetectors` on `*`" in str(raised.value)


def test_the_capability_follows_the_deployment_setting() -> None:
    from tests.aws.conftest import make_settings

    off = AwsBackend(make_settings(findings_report_enabled=False))

    assert not off.capabilities.findings
