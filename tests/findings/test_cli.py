"""`fa2 findings-report`: markdown or JSON on stdout, a PDF (or any format) into --out, and
every mistake one `error:` line with a non-zero status, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner, Result

from agent.telemetry.base import TelemetryUnavailableError
from agent.telemetry.findings_types import SecurityFindings
from agent.telemetry.types import TimeRange
from cli import app
from tests.agent.fakes import FakeBackend
from tests.conftest import REPO_ROOT

LEAKED_KEY = str(REPO_ROOT / "evals" / "scenarios" / "leaked-access-key")


def fa2(*args: str) -> Result:
    return CliRunner().invoke(app, ["findings-report", *args])


def assert_clean_error(result: Result, code: int, message: str) -> None:
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_markdown_report_of_a_bundle_goes_to_stdout() -> None:
    result = fa2("--bundle", LEAKED_KEY, "--model", "baseline")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Security findings report")
    assert "- Period: 2026-03-20 14:45:00Z – 2026-03-27 14:45:00Z" in result.stdout


def test_json_is_the_report_model(tmp_path: Path) -> None:
    result = fa2("--bundle", LEAKED_KEY, "--model", "baseline", "--format", "json", "--days", "14")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"]["total"] == 9  # the crypto miner of 03-15 is within 14 days
    # a HIGH threat outranks the MEDIUM one
    assert [r["key"] for r in report["top_risks"][:2]] == [
        "CryptoCurrency:EC2/BitcoinTool.B!DNS",
        "UnauthorizedAccess:IAMUser/TorIPCaller",
    ]


def test_a_japanese_pdf_is_written_into_out(tmp_path: Path) -> None:
    result = fa2(
        "--bundle",
        LEAKED_KEY,
        "--model",
        "baseline",
        "--format",
        "pdf",
        "--language",
        "ja",
        "--out",
        str(tmp_path / "out"),
    )

    assert result.exit_code == 0, result.output
    path = tmp_path / "out" / "findings-report.pdf"
    assert f"wrote {path}" in result.stderr
    assert "過去 7 日のアクティブな検出結果 8 件" in result.stderr  # the summary line
    assert "セキュリティ検出結果レポート" in PdfReader(path).pages[0].extract_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "error: days must be between 1 and 90"),
        (["--days", "91"], "error: days must be between 1 and 90"),
        (["--min-severity", "urgent"], "error: unknown severity 'urgent'"),
    ],
)
def test_bad_options_are_one_clear_error(args: list[str], message: str) -> None:
    assert_clean_error(fa2("--bundle", LEAKED_KEY, "--model", "baseline", *args), 2, message)


def test_a_folder_that_is_no_bundle_is_a_clear_error(tmp_path: Path) -> None:
    assert_clean_error(fa2("--bundle", str(tmp_path)), 2, "no incident.yaml")


def test_an_out_that_is_a_file_is_refused_before_any_work(tmp_path: Path) -> None:
    taken = tmp_path / "report"
    taken.write_text("x", encoding="utf-8")
    assert_clean_error(
        fa2("--bundle", LEAKED_KEY, "--format", "pdf", "--out", str(taken)),
        2,
        "is a file, not a folder",
    )


def test_a_pdf_that_cannot_be_written_leaves_the_report_on_stdout(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "findings-report.pdf").mkdir(parents=True)  # writing the PDF fails
    result = fa2(
        "--bundle", LEAKED_KEY, "--model", "baseline", "--format", "pdf", "--out", str(out)
    )
    assert_clean_error(
        result,
        1,
        f"--out {out}: could not write findings-report.pdf: Is a directory (the report is on "
        "stdout as markdown)",
    )
    assert result.stdout.startswith("# Security findings report")
    assert "UnauthorizedAccess:IAMUser/TorIPCaller" in result.stdout


class UnreachableAws(FakeBackend):
    name = "aws"

    def list_security_findings(
        self, time_range: TimeRange, min_severity: str = "LOW"
    ) -> SecurityFindings:
        raise TelemetryUnavailableError(
            "neither Security Hub nor GuardDuty could be read: no AWS credentials found"
        )


def test_aws_that_cannot_be_read_is_one_error_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("agent.service.build_backend", lambda settings: UnreachableAws())

    assert_clean_error(
        fa2("--model", "baseline"), 1, "error: neither Security Hub nor GuardDuty could be read"
    )


def test_a_deployment_that_turned_the_report_off_refuses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FA2_FINDINGS_REPORT_ENABLED", "false")

    assert_clean_error(
        fa2("--bundle", LEAKED_KEY, "--model", "baseline"),
        2,
        "error: the security findings report is turned off in this deployment",
    )
