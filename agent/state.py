"""The checkpointed state of an investigation thread, typed: the incident, the evidence and the
report are the pydantic models every layer uses (`agent.checkpoints` stores them with
LangGraph's serializer, allowed by name).

Threads checkpointed before the state was typed hold JSON dicts instead; `ThreadValues` reads
either, so a door asking about an old thread gets the same models, and `agent.service.ask`
hands the models back to the graph."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from pydantic import BaseModel, Field

from agent.incident import Incident
from agent.report import Evidence, Report


def merge_evidence(
    left: Iterable[Evidence | dict[str, Any]] | None,
    right: Iterable[Evidence | dict[str, Any]] | None,
) -> list[Evidence]:
    """Append new evidence; a repeated id replaces the earlier record (ids are unique per thread).
    A dict is evidence from a thread checkpointed before the state was typed."""
    merged: dict[str, Evidence] = {}
    for item in [*(left or []), *(right or [])]:
        evidence = item if isinstance(item, Evidence) else Evidence.model_validate(item)
        merged[evidence.id] = evidence
    return list(merged.values())


class InvestigationState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    evidence: Annotated[list[Evidence], merge_evidence]
    incident: Incident
    mode: Literal["investigate", "followup"]
    question: str | None  # the follow-up question of this run, if any
    report: Report | None  # the latest report
    bundle: str | None  # the incident bundle of an offline investigation (follow-ups reuse it)
    model: str | None  # "baseline" or "bedrock": what investigated the thread
    # False from triage until the report is written: a thread left False was killed mid-run.
    investigation_finished: bool
    # Set by `ask` for its run: the thread's investigation never finished (partial evidence).
    investigation_unfinished: bool


class ThreadValues(BaseModel):
    """What a checkpointed thread holds, as models (whichever way the checkpoint stored them)."""

    incident: Incident | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    report: Report | None = None
    bundle: str | None = None
    model: str | None = None
    # None: a thread from before the flag existed (finished when it has a report).
    investigation_finished: bool | None = None

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> ThreadValues:
        known = {name: values[name] for name in cls.model_fields if values.get(name) is not None}
        return cls.model_validate(known)

    @property
    def finished(self) -> bool:
        if self.investigation_finished is None:
            return self.report is not None
        return self.investigation_finished
