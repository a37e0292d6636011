"""The answer to a metrics question as typed models: what the model writes (`InsightDraft`,
structured output) and what every door renders (`InsightAnswer`), with the draft's citations
checked against the evidence the run recorded, exactly as a report's are."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from agent.incident import TimeRange
from agent.ledger import strip_unknown_citations
from agent.report import Evidence, Usage

_CITED = re.compile(r"\bE\d+\b")
_CITATION_GROUP = re.compile(r"\[((?:E\d+)(?:\s*[,;]\s*E\d+)*)\]")


class InsightDraft(BaseModel):
    """The answer to the metrics question, citing the evidence that supports each figure."""

    answer: str = Field(
        description="The answer in Markdown: lead with the direct answer (the series, resource "
        "or yes/no asked for), then the figures behind it; every figure cites the evidence id "
        "it comes from, like [E2]. Say plainly what the metrics cannot tell."
    )
    entities: list[str] = Field(
        default_factory=list,
        description="The resources the answer is about, most relevant first, as their "
        "dimension values (e.g. the function that rose most, the table that runs out).",
    )
    chart_evidence_ids: list[str] = Field(
        default_factory=list,
        description="Ids of the evidence whose time series the chart should draw (the series "
        "the answer relies on), most important first.",
    )
    chart_per_second: list[str] = Field(
        default_factory=list,
        description="Series labels (or evidence ids) to draw per second, i.e. a Sum divided by "
        "its period, e.g. ConsumedWriteCapacityUnits beside ProvisionedWriteCapacityUnits.",
    )
    chart_title: str | None = Field(default=None, description="A short title for the chart.")


class InsightAnswer(BaseModel):
    """A metrics question answered: the period in the asker's zone and in UTC, the cited
    answer, the evidence it cites (with queries and console links) and a chart."""

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    question: str
    time_range: TimeRange
    timezone: str = "UTC"
    period_text: str
    answer_markdown: str
    entities: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    chart_png: bytes | None = None
    chart_title: str | None = None
    chart_series: list[str] = Field(default_factory=list)  # the legend, in order
    model: str = ""
    rule_based: bool = False
    usage: Usage = Field(default_factory=Usage)
    supported: bool = True  # False when the answer cites no evidence that exists
    notes: list[str] = Field(default_factory=list)  # removed citations, budget stops, fallbacks

    def cited_ids(self) -> list[str]:
        """The evidence ids the answer cites, in order of first citation."""
        return list(dict.fromkeys(_CITED.findall(self.answer_markdown)))

    def cited_evidence(self) -> list[Evidence]:
        by_id = {e.id: e for e in self.evidence}
        return [by_id[i] for i in self.cited_ids() if i in by_id]


def checked_answer(text: str, known: set[str]) -> tuple[str, list[str], bool]:
    """The answer with citations of evidence that does not exist removed (as a report's
    hypotheses are), the flags saying which, and whether any valid citation is left."""
    cited = [
        i.strip() for group in _CITATION_GROUP.findall(text) for i in re.split(r"\s*[,;]\s*", group)
    ]
    removed = [i for i in dict.fromkeys(cited) if i not in known]
    flags = [f"removed unknown citation {i}" for i in removed]
    checked = strip_unknown_citations(text, known)
    supported = any(i in known for i in cited)
    if not supported:
        flags.append("unsupported: no valid evidence cited")
    return checked, flags, supported
