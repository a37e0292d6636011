"""The same findings read by both backends: the leaked-access-key bundle's GetFindings files
served to the AWS backend as Security Hub and GuardDuty answered them (Stubber) give the
findings the local backend reads from the bundle, filtered and de-duplicated alike."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from agent.config import load_settings
from agent.telemetry.aws import AwsBackend, clear_client_cache
from agent.telemetry.local import LocalBackend
from agent.telemetry.types import TimeRange
from evals.generators.common import utc
from tests.conftest import REPO_ROOT

BUNDLE = REPO_ROOT / "evals" / "scenarios" / "leaked-access-key"
END = utc("2026-03-27T14:45:00Z")


def _findings(source: str) -> list[dict[str, Any]]:
    (path,) = (BUNDLE / "findings" / source).glob("*.json")
    return list(json.loads(Path(path).read_text(encoding="utf-8"))["Findings"])


def _served(aws: AwsBackend, time_range: TimeRange) -> Any:
    """What the AWS backend reads when the services hold the bundle's findings (both answer
    everything; the backend's own filter does the rest, as the bundle backend's does)."""
    hub_findings, duty_findings = _findings("securityhub"), _findings("guardduty")
    detector = duty_findings[0]["Service"]["DetectorId"]
    with (
        Stubber(aws.clients.client("securityhub")) as hub,
        Stubber(aws.clients.client("guardduty")) as duty,
    ):
        hub.add_response(
            "get_findings",
            {"Findings": hub_findings},
            {"Filters": ANY, "SortCriteria": ANY, "MaxResults": 100},
        )
        duty.add_response("list_detectors", {"DetectorIds": [detector]}, {})
        ids = [f["Id"] for f in duty_findings]
        duty.add_response("list_findings", {"FindingIds": ids}, None)
        duty.add_response("get_findings", {"Findings": duty_findings}, None)
        return aws.list_security_findings(time_range)


@pytest.mark.parametrize("days_back", [0, 7], ids=["this week", "the week before"])
def test_both_backends_read_the_same_findings(days_back: int) -> None:
    clear_client_cache()
    end = END - timedelta(days=days_back)
    week = TimeRange(start=end - timedelta(days=7), end=end)
    settings = load_settings(model="baseline", region="us-east-1")
    local = LocalBackend(BUNDLE, settings).list_security_findings(week)
    aws = _served(AwsBackend(settings), week)

    assert aws.findings == local.findings
    assert aws.duplicates_removed == local.duplicates_removed
    assert local.findings  # both weeks hold findings
    clear_client_cache()
