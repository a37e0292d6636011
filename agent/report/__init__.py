"""The investigation's answer as typed models. Renderers (markdown, Slack, CLI) are pure
functions of `Report`; the JSON form is `Report.model_dump_json()`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from agent.incident import TimeRange
from agent.telemetry.base import QueryTable


class Confidence(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class Evidence(QueryTable):
    """One recorded tool result, cited as `id` (E1, E2, ...): the query's table as the ledger
    keeps it (rows capped, cells clipped and redacted), with what the report adds."""

    id: str
    tool: str
    row_count: int = 0  # rows the query produced (the table may hold fewer)
    cost_usd: float = 0.0
    # Logs Insights: recordsMatched / recordsScanned, so a capped table still says how many
    # events matched in all.
    records_matched: int | None = None
    records_scanned: int | None = None


class Hypothesis(BaseModel):
    statement: str
    confidence: Confidence
    reasoning: str = ""
    evidence_ids: list[str] = Field(default_factory=list)
    category: str | None = None  # one of the bundle spec's categories
    supported: bool = True  # False when no valid evidence is left after validation
    flags: list[str] = Field(default_factory=list)  # e.g. "removed unknown citation E9"


class TimelineEntry(BaseModel):
    time: datetime
    event: str
    evidence_ids: list[str] = Field(default_factory=list)


class Usage(BaseModel):
    steps: int = 0
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    # Of the input tokens, those read from / written to Bedrock's prompt cache (priced apart).
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0  # model + query cost
    model_cost_usd: float = 0.0
    query_cost_usd: float = 0.0
    bytes_scanned: int = 0
    wall_seconds: float = 0.0
    budget_exhausted: str | None = None  # which budget stopped the investigation, if any
    query_seconds: float = 0.0  # time inside telemetry queries (summed over concurrent calls)
    model_seconds: float = 0.0  # time waiting for the model
    observation_chars: int = 0  # characters of tool output sent to the model
    overhead_seconds: float = 0.0  # wall time outside the model and the queries
    # Tool calls that failed on a bug in fa2 (not a bad query): the ids are in the log with
    # their tracebacks and in the error text of the evidence.
    internal_errors: int = 0
    internal_error_ids: list[str] = Field(default_factory=list)


class Report(BaseModel):
    title: str
    summary: str
    hypotheses: list[Hypothesis] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    impact: str = ""
    actions: list[str] = Field(default_factory=list)
    prevention: list[str] = Field(default_factory=list)
    unknowns: list[str] = Field(default_factory=list)
    next_queries: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    model: str = ""
    rule_based: bool = False
    # What happened to the model on the way (throttling, fallbacks); also in `notes` as text.
    model_events: list[str] = Field(default_factory=list)
    window: TimeRange | None = None
    language: str = "en"
    notes: list[str] = Field(default_factory=list)
    thread_id: str | None = None  # the conversation thread; pass it to `ask` for follow-ups
    # A follow-up answered from a thread whose investigation was killed before its report.
    investigation_unfinished: bool = False

    def evidence_by_id(self) -> dict[str, Evidence]:
        return {e.id: e for e in self.evidence}
