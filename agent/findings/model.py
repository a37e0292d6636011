"""The findings report as typed models: what was computed (counts, trend, top risks,
actions, resources) and the narrative written over it. Renderers (markdown, PDF, Slack) are
pure functions of `FindingsReport`; the JSON form is `FindingsReport.model_dump_json()`.

Each finding in the report has a short reference (`F1`, `F2`, …) that the narrative and the
top risks cite, as an investigation report cites `E1`; the finding's own id and console link
are beside it, so every claim leads to the finding in the console.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from agent.telemetry.findings_types import SEVERITY_LABELS, SecurityFinding, SeverityLabel
from agent.telemetry.types import TimeRange

Language = Literal["en", "ja"]
FINDING_REF = re.compile(r"\bF\d{1,4}\b")


class ReportFinding(BaseModel):
    """One finding as the report cites it."""

    ref: str  # F1, F2, …
    period: Literal["current", "previous"] = "current"
    new: bool = False  # created within the report's period
    finding: SecurityFinding

    @property
    def type_key(self) -> str:
        """The finding's kind: its Security Hub control, else its type."""
        return self.finding.control_id or self.finding.type or self.finding.title


class CountRow(BaseModel):
    key: str
    count: int
    highest: SeverityLabel


class Counts(BaseModel):
    total: int = 0
    by_severity: dict[str, int] = Field(
        default_factory=lambda: {str(s): 0 for s in SEVERITY_LABELS}
    )
    by_source: dict[str, int] = Field(default_factory=dict)
    by_type: list[CountRow] = Field(default_factory=list)
    by_resource: list[CountRow] = Field(default_factory=list)
    by_account: list[CountRow] = Field(default_factory=list)
    by_region: list[CountRow] = Field(default_factory=list)


class Trend(BaseModel):
    """The period against the one before it, of the same length."""

    previous_range: TimeRange
    previous_total: int = 0  # findings last updated in the previous period (quiet since)
    previous_by_severity: dict[str, int] = Field(default_factory=dict)
    new_refs: list[str] = Field(default_factory=list)  # created in this period
    new_by_severity: dict[str, int] = Field(default_factory=dict)
    continuing: int = 0  # active in this period, created before it
    quiet_refs: list[str] = Field(default_factory=list)  # previous period only


class TopRisk(BaseModel):
    rank: int
    key: str  # the risk's (most severe) finding type, or its Security Hub control id
    title: str
    severity_label: SeverityLabel
    threat: bool  # an observed threat (GuardDuty, TTPs/Effects) rather than a posture check
    finding_refs: list[str]
    resources: list[str]
    occurrences: int  # sum of the findings' counts
    new: int = 0
    action_ref: str | None = None  # the RecommendedAction (A1, …) that addresses it


class RecommendedAction(BaseModel):
    ref: str  # A1, A2, …
    title: str
    text: str
    url: str | None = None
    origin: Literal["remediation", "guardduty-guide", "none"]
    finding_refs: list[str]


class ResourceRow(BaseModel):
    resource: str
    resource_type: str
    count: int
    highest: SeverityLabel
    finding_refs: list[str]


class Narrative(BaseModel):
    summary: str
    highlights: list[str] = Field(default_factory=list)
    written_by: str  # "rules" or the model's name
    dropped_citations: int = 0  # citations of findings that do not exist, removed


class FindingsReport(BaseModel):
    time_range: TimeRange
    generated_at: datetime
    language: Language = "en"
    min_severity: SeverityLabel = "LOW"
    findings: list[ReportFinding] = Field(default_factory=list)
    counts: Counts = Field(default_factory=Counts)
    trend: Trend
    top_risks: list[TopRisk] = Field(default_factory=list)
    actions: list[RecommendedAction] = Field(default_factory=list)
    resources: list[ResourceRow] = Field(default_factory=list)
    narrative: Narrative
    sources: list[str] = Field(default_factory=list)
    duplicates_removed: int = 0
    truncated: bool = False
    notes: list[str] = Field(default_factory=list)
    model: str = "baseline (rule-based)"
    rule_based: bool = True

    def finding(self, ref: str) -> ReportFinding | None:
        return next((f for f in self.findings if f.ref == ref), None)

    def current(self) -> list[ReportFinding]:
        return [f for f in self.findings if f.period == "current"]

    def known_refs(self) -> set[str]:
        return {f.ref for f in self.findings}

    def cited_refs(self) -> list[str]:
        """Every finding reference the report cites (narrative, risks, actions), in order."""
        cited: list[str] = []
        texts = [self.narrative.summary, *self.narrative.highlights]
        for text in texts:
            cited.extend(FINDING_REF.findall(text))
        for risk in self.top_risks:
            cited.extend(risk.finding_refs)
        for action in self.actions:
            cited.extend(action.finding_refs)
        return list(dict.fromkeys(cited))

    def summary_text(self) -> str:
        """One line for a chat message (Slack mrkdwn-safe: only counts and fa2's own words,
        and finding types reduced to the characters AWS type names use)."""
        from agent.findings.labels import summary_line

        return summary_line(self)
