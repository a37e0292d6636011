"""How much of a large report the human-readable renderers (Markdown, PDF) show: a capped
listing reads 2,000 Security Hub and 1,000 GuardDuty findings, which no one reads as a
table. Lists of references are cut to their first few, the actions to the first ones, and
the findings table to the most severe findings plus every finding a shown part cites; the
JSON form keeps everything, and the renderers say what they left out."""

from __future__ import annotations

from collections.abc import Sequence

from agent.findings.model import FINDING_REF, FindingsReport, RecommendedAction, ReportFinding

MAX_LISTED_REFS = 12
MAX_ACTIONS = 15
MAX_TABLE_FINDINGS = 100


def listed(refs: Sequence[str], limit: int = MAX_LISTED_REFS) -> tuple[list[str], int]:
    """The first `limit` references and how many more there are."""
    return list(refs[:limit]), max(len(refs) - limit, 0)


def shown_actions(report: FindingsReport) -> tuple[list[RecommendedAction], int]:
    return report.actions[:MAX_ACTIONS], max(len(report.actions) - MAX_ACTIONS, 0)


def table_findings(report: FindingsReport) -> tuple[list[ReportFinding], int]:
    """The findings the table lists (report order) and how many it leaves out: the first
    MAX_TABLE_FINDINGS, and every finding a shown part of the report cites."""
    cited: set[str] = set()
    for text in [report.narrative.summary, *report.narrative.highlights]:
        cited.update(FINDING_REF.findall(text))
    groups: list[Sequence[str]] = [
        report.trend.new_refs,
        report.trend.quiet_refs,
        *(r.finding_refs for r in report.top_risks),
        *(a.finding_refs for a in shown_actions(report)[0]),
        *(r.finding_refs for r in report.resources),
    ]
    for refs in groups:
        cited.update(listed(refs)[0])
    rows = [
        row
        for index, row in enumerate(report.findings)
        if index < MAX_TABLE_FINDINGS or row.ref in cited
    ]
    return rows, len(report.findings) - len(rows)
