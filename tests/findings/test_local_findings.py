"""The local backend reads a bundle's findings/securityhub and findings/guardduty files, and
`fa2 bundle check` validates them with file:line problems."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent.bundle_check import check_bundle
from agent.config import load_settings
from agent.telemetry.local import LocalBackend
from agent.telemetry.types import TimeRange
from tests.conftest import REPO_ROOT
from tests.findings.samples import asff, at, control, crypto_miner, native, tor_caller

LEAKED_KEY = REPO_ROOT / "evals" / "scenarios" / "leaked-access-key"
WEEK = TimeRange(start=at("2026-03-20T14:45:00Z"), end=at("2026-03-27T14:45:00Z"))


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A bundle with the leaked-key scenario's manifest and metrics, and findings of its own."""
    root = tmp_path / "bundle"
    root.mkdir()
    shutil.copy(LEAKED_KEY / "incident.yaml", root / "incident.yaml")
    shutil.copytree(LEAKED_KEY / "metrics", root / "metrics")
    return root


def write(root: Path, relative: str, findings: list[dict[str, object]]) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    # one finding per line, from line 2: problems name these lines
    lines = ",\n".join(json.dumps(finding) for finding in findings)
    path.write_text('{"Findings": [\n' + lines + "\n]}\n", encoding="utf-8")
    return path


def backend(root: Path) -> LocalBackend:
    return LocalBackend(root, load_settings(model="baseline"))


def test_a_bundle_without_findings_says_it_has_none(bundle: Path) -> None:
    local = backend(bundle)

    answer = local.list_security_findings(WEEK)

    assert not local.capabilities.findings
    assert answer.findings == []
    assert "no findings/securityhub" in answer.notes[0]


def test_findings_from_both_services_are_read_filtered_and_deduplicated(bundle: Path) -> None:
    write(bundle, "findings/guardduty/gd.json", [native(tor_caller()), native(crypto_miner())])
    write(
        bundle,
        "findings/securityhub/sh.json",
        [asff(tor_caller()), asff(control()), asff(control("S3.8", workflow="RESOLVED"))],
    )
    local = backend(bundle)

    answer = local.list_security_findings(WEEK, min_severity="medium")

    assert local.capabilities.findings
    assert [(f.source, f.severity_label) for f in answer.findings] == [
        ("guardduty", "HIGH"),  # the crypto miner
        ("securityhub", "HIGH"),  # ECR.1
        ("guardduty", "MEDIUM"),  # the Tor caller, once
    ]
    assert answer.duplicates_removed == 1
    assert sorted(answer.sources) == ["guardduty", "securityhub"]


def test_an_unknown_minimum_severity_is_refused_with_the_allowed_ones(bundle: Path) -> None:
    write(bundle, "findings/guardduty/gd.json", [native(tor_caller())])
    with pytest.raises(ValueError, match="CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL"):
        backend(bundle).list_security_findings(WEEK, min_severity="urgent")


def test_a_findings_file_linking_out_of_the_bundle_is_never_read(
    bundle: Path, tmp_path: Path
) -> None:
    outside = write(tmp_path, "elsewhere/gd.json", [native(tor_caller())])
    link = bundle / "findings" / "guardduty" / "gd.json"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    local = backend(bundle)

    assert local.list_security_findings(WEEK).findings == []
    assert any("findings/guardduty/gd.json was skipped" in n for n in local.load_notes)


def test_an_unreadable_findings_file_is_a_note_and_the_others_still_count(bundle: Path) -> None:
    write(bundle, "findings/securityhub/good.json", [asff(control())])
    (bundle / "findings" / "securityhub" / "bad.json").write_text("{not json", encoding="utf-8")

    answer = backend(bundle).list_security_findings(WEEK)

    assert len(answer.findings) == 1
    assert any("findings/securityhub/bad.json was skipped" in n for n in answer.notes)


def test_bundle_check_names_the_file_and_line_of_a_bad_finding(bundle: Path) -> None:
    bad = asff(control())
    del bad["AwsAccountId"]
    write(bundle, "findings/securityhub/sh.json", [asff(control("IAM.3")), bad])
    write(bundle, "findings/guardduty/gd.json", [{**native(tor_caller()), "Severity": None}])

    problems = {p.where(): p.message for p in check_bundle(bundle).errors}

    assert problems["findings/securityhub/sh.json:3"].startswith(
        "Findings[1]: missing AwsAccountId"
    )
    assert "missing Severity (a number" in problems["findings/guardduty/gd.json:2"]


def test_bundle_check_points_a_misplaced_findings_file_at_the_layout(bundle: Path) -> None:
    write(bundle, "findings/gd.json", [native(tor_caller())])

    warnings = {p.where(): p.message for p in check_bundle(bundle).problems}

    assert "findings/guardduty/*.json" in warnings["findings/gd.json"]


def test_the_leaked_key_scenario_holds_valid_findings_of_both_services() -> None:
    report = check_bundle(LEAKED_KEY)

    by_source = {s.source: s for s in report.sources}
    assert by_source["securityhub"].records == 11 and by_source["guardduty"].records == 5
    assert not [p for p in report.problems if p.file.startswith("findings/")]
