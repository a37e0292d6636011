"""The checkpointed state of an investigation thread. Evidence is kept as JSON dicts (an
`Evidence` model dump) so any checkpointer can store it and a thread survives restarts."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


def merge_evidence(
    left: list[dict[str, Any]] | None, right: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """Append new evidence; a repeated id replaces the earlier record (ids are unique per thread)."""
    merged = {e["id"]: e for e in left or []}
    for item in right or []:
        merged[item["id"]] = item
    return list(merged.values())


class InvestigationState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    evidence: Annotated[list[dict[str, Any]], merge_evidence]
    incident: dict[str, Any]  # Incident JSON
    mode: Literal["investigate", "followup"]
    question: str | None  # the follow-up question of this run, if any
    report: dict[str, Any] | None  # the latest Report JSON
    bundle: str | None  # the incident bundle of an offline investigation (follow-ups reuse it)
    model: str | None  # "baseline" or "bedrock": what investigated the thread
    # False from triage until the report is written: a thread left False was killed mid-run.
    investigation_finished: bool
    # Set by `ask` for its run: the thread's investigation never finished (partial evidence).
    investigation_unfinished: bool
