"""The report rendered: Markdown (English and Japanese labels, finding text inert) and PDF
(read back with pypdf, the first page rendered with pypdfium2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader

from agent.config import load_settings
from agent.findings import FindingsReport, build_findings_report
from agent.findings.markdown import findings_to_markdown
from agent.findings.pdf import findings_to_pdf
from agent.telemetry.local import LocalBackend
from agent.telemetry.types import TimeRange
from tests.conftest import REPO_ROOT
from tests.findings.samples import at, native, tor_caller

LEAKED_KEY = REPO_ROOT / "evals" / "scenarios" / "leaked-access-key"
WEEK = TimeRange(start=at("2026-03-20T14:45:00Z"), end=at("2026-03-27T14:45:00Z"))


def report_in(language: str) -> FindingsReport:
    backend = LocalBackend(LEAKED_KEY, load_settings(model="baseline"))
    return build_findings_report(backend=backend, time_range=WEEK, language=language)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def english() -> FindingsReport:
    return report_in("en")


@pytest.fixture(scope="module")
def japanese() -> FindingsReport:
    return report_in("ja")


def hostile_report(tmp_path: Path) -> FindingsReport:
    root = tmp_path / "bundle"
    (root / "findings" / "guardduty").mkdir(parents=True)
    shutil.copy(LEAKED_KEY / "incident.yaml", root / "incident.yaml")
    finding = tor_caller()
    finding.title = "[click](https://evil.example) <!channel> **now** | `x`"
    (root / "findings" / "guardduty" / "gd.json").write_text(
        json.dumps({"Findings": [native(finding)]}), encoding="utf-8"
    )
    backend = LocalBackend(root, load_settings(model="baseline"))
    return build_findings_report(backend=backend, time_range=WEEK)


def test_markdown_has_every_section_and_links_each_reference_to_its_console(
    english: FindingsReport,
) -> None:
    markdown = findings_to_markdown(english)

    for heading in (
        "# Security findings report",
        "## Summary",
        "## Counts",
        "## Trend",
        "## Top risks",
        "## Recommended actions",
        "## Resources with the most findings",
        "## Findings cited",
    ):
        assert heading in markdown
    assert "| HIGH | 4 | 1 | 1 |" in markdown
    for row in english.findings:
        assert f"[{row.ref}]: <{row.finding.console_url}>" in markdown
    assert "(<https://docs.aws.amazon.com/guardduty/latest/ug/compromised-creds.html>)" in markdown


def test_markdown_in_japanese_has_japanese_headings_and_labels(japanese: FindingsReport) -> None:
    markdown = findings_to_markdown(japanese)

    assert markdown.startswith("# セキュリティ検出結果レポート")
    assert "## 主要リスク" in markdown and "## 推奨対応" in markdown
    assert "| 高 | 4 | 1 | 1 |" in markdown


def test_finding_text_cannot_inject_markup_into_the_markdown(tmp_path: Path) -> None:
    markdown = findings_to_markdown(hostile_report(tmp_path))

    assert "\\[click\\](hxxps://evil.example)" in markdown
    assert "](https://evil.example)" not in markdown
    assert "<!channel>" not in markdown and "‹!channel›" in markdown
    assert "\\*\\*now\\*\\* \\| \\`x\\`" in markdown


def test_the_pdf_reads_back_with_the_counts_and_finding_ids(
    english: FindingsReport, tmp_path: Path
) -> None:
    path = findings_to_pdf(english, tmp_path / "report.pdf")

    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    flat = " ".join(text.split())
    assert "Security findings report" in flat
    assert "HIGH 4 1 1" in flat
    for row in english.findings:
        if row.finding.source == "guardduty":  # short ids survive line wrapping whole
            assert row.finding.id in flat.replace(" ", "")
    assert "compromised-creds.html" in flat


def test_the_pdf_in_japanese_embeds_a_font_that_renders_japanese(
    japanese: FindingsReport, tmp_path: Path
) -> None:
    path = findings_to_pdf(japanese, tmp_path / "report.pdf")

    reader = PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "セキュリティ検出結果レポート" in text
    assert "主要リスク" in text and "推奨対応" in text
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index, union-attr]
    }
    assert any("IPAexGothic" in name for name in fonts)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_first_page_renders_to_a_full_non_blank_image(
    language: str, english: FindingsReport, japanese: FindingsReport, tmp_path: Path
) -> None:
    report = english if language == "en" else japanese
    path = findings_to_pdf(report, tmp_path / "report.pdf")

    document = pypdfium2.PdfDocument(path)
    image = document[0].render(scale=1).to_pil().convert("L")
    document.close()

    assert image.size == (596, 842)  # A4: 210 x 297 mm = 595.3 x 841.9 pt, rounded up
    histogram = image.histogram()
    dark = sum(histogram[:128]) / (image.size[0] * image.size[1])
    assert 0.01 < dark < 0.5  # text and tables, not an empty or a black page


def test_the_pdf_draws_hostile_finding_text_as_plain_characters(tmp_path: Path) -> None:
    path = findings_to_pdf(hostile_report(tmp_path), tmp_path / "report.pdf")

    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    assert "[click](https://evil.example)" in " ".join(text.split())


def test_a_citation_in_the_middle_of_a_sentence_leaves_the_rest_unescaped() -> None:
    from agent.findings.markdown import prose

    assert prose("The key is used from Tor [F5, F8]. Deactivate it.") == (
        "The key is used from Tor ([F5][], [F8][]). Deactivate it."
    )
    assert prose("- not a list [F1]") == "\\- not a list ([F1][])"


def test_a_large_report_lists_the_most_severe_findings_and_says_how_many_it_left_out(
    tmp_path: Path,
) -> None:
    from agent.findings.display import MAX_TABLE_FINDINGS
    from tests.findings.samples import asff, control

    root = tmp_path / "bundle"
    (root / "findings" / "securityhub").mkdir(parents=True)
    shutil.copy(LEAKED_KEY / "incident.yaml", root / "incident.yaml")
    many = [
        asff(control(resource_id=f"arn:aws:ecr:us-east-1:123456789012:repository/r{i:03d}"))
        for i in range(130)
    ]
    (root / "findings" / "securityhub" / "sh.json").write_text(
        json.dumps({"Findings": many}), encoding="utf-8"
    )
    report = build_findings_report(
        backend=LocalBackend(root, load_settings(model="baseline")), time_range=WEEK
    )

    markdown = findings_to_markdown(report)

    assert report.counts.total == 130  # everything is counted and in the JSON
    table = markdown.split("## Findings cited")[1]
    listed = table.count("\n| [F")
    # the most severe 100, and those the resources table cites beyond them
    assert MAX_TABLE_FINDINGS <= listed <= MAX_TABLE_FINDINGS + 10
    assert f"… and {130 - listed} more findings, less severe, not cited above" in table
    assert "[F1][], [F2][]" in markdown and "(+118)" in markdown  # ECR.1's 130 refs, 12 shown
    pages = PdfReader(findings_to_pdf(report, tmp_path / "r.pdf")).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert f"and {130 - listed} more findings" in text


def test_a_finding_without_a_console_link_is_cited_as_plain_text(tmp_path: Path) -> None:
    root = tmp_path / "bundle"
    (root / "findings" / "guardduty").mkdir(parents=True)
    shutil.copy(LEAKED_KEY / "incident.yaml", root / "incident.yaml")
    (root / "findings" / "guardduty" / "gd.json").write_text(
        json.dumps({"Findings": [{**native(tor_caller()), "Region": "evil.example/#"}]}),
        encoding="utf-8",
    )
    report = build_findings_report(
        backend=LocalBackend(root, load_settings(model="baseline")), time_range=WEEK
    )

    markdown = findings_to_markdown(report)

    assert "[F1][]" not in markdown and "[F1]:" not in markdown
    assert "evil.example" not in markdown.split("## Findings cited")[1].split("|")[-1]
    assert "| F1 (new) |" in markdown
