"""The public API of the investigation, used by every door (CLI, Slack, alarm events, evals).

build_backend(settings) -> TelemetryBackend
investigate(incident, settings=..., backend=None, thread_id=None, on_progress=None, chat_model=None) -> Report
ask(thread_id, question, settings=..., backend=None, on_progress=None, chat_model=None) -> Report
render_markdown(report) -> str
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from agent.budget import Budget
from agent.checkpoints import open_checkpointer
from agent.config import Settings
from agent.ledger import EvidenceLedger
from agent.models import Incident, ProgressEvent
from agent.render import render_markdown
from agent.report import Evidence, Report
from agent.run_context import InvestigationContext
from agent.telemetry.base import TelemetryBackend

ProgressCallback = Callable[[ProgressEvent], None]

__all__ = [
    "ThreadNotFoundError",
    "ask",
    "build_backend",
    "investigate",
    "new_thread_id",
    "render_markdown",
]


class ThreadNotFoundError(LookupError):
    """`ask` was given a thread id that no investigation created."""


def new_thread_id() -> str:
    return f"fa2-{uuid.uuid4().hex[:12]}"


def build_backend(settings: Settings) -> TelemetryBackend:
    """The local backend over `settings.bundle` when set, else the AWS backend."""
    if settings.bundle is not None:
        from agent.telemetry.local import LocalBackend

        return LocalBackend(settings.bundle, settings)
    from agent.telemetry.aws import AwsBackend

    return AwsBackend(settings)


def _chat_model(settings: Settings, chat_model: BaseChatModel | None) -> Any:
    if chat_model is not None:
        return chat_model
    from agent.llm import build_chat_model

    return build_chat_model(settings)


def _log_groups(settings: Settings, backend: TelemetryBackend) -> list[str]:
    if settings.log_groups:
        return list(settings.log_groups)
    if not backend.capabilities.logs_insights:
        return []
    return [g.name for g in backend.list_log_groups()][:50]


def _recursion_limit(settings: Settings) -> int:
    return 2 * settings.max_steps + 10


def _run(
    *,
    graph_input: dict[str, Any],
    incident: Incident,
    thread_id: str,
    settings: Settings,
    backend: TelemetryBackend,
    chat_model: Any,
    on_progress: ProgressCallback | None,
    existing: list[Evidence],
) -> Report:
    from agent.graph import build_graph

    context = InvestigationContext(
        settings=settings,
        backend=backend,
        incident=incident,
        ledger=EvidenceLedger(existing),
        budget=Budget(settings),
        chat_model=chat_model,
        log_groups=_log_groups(settings, backend),
        on_progress=on_progress,
    )
    config: Any = {
        "configurable": {"thread_id": thread_id},
        "recursion_limit": _recursion_limit(settings),
    }
    with open_checkpointer(settings) as checkpointer:
        graph = build_graph(checkpointer)
        final = graph.invoke(graph_input, config=config, context=context)
    report = Report.model_validate(final["report"])
    for incident_note in getattr(chat_model, "incidents", []) or []:
        report.notes.append(f"Model: {incident_note}")
    return report.model_copy(update={"thread_id": thread_id})


def investigate(
    incident: Incident,
    *,
    settings: Settings,
    backend: TelemetryBackend | None = None,
    thread_id: str | None = None,
    on_progress: ProgressCallback | None = None,
    chat_model: BaseChatModel | None = None,
) -> Report:
    """Investigate one incident in a new (or given) conversation thread; returns the report."""
    backend = backend or build_backend(settings)
    return _run(
        graph_input={
            "incident": incident.model_dump(mode="json"),
            "mode": "investigate",
            "question": None,
        },
        incident=incident,
        thread_id=thread_id or new_thread_id(),
        settings=settings,
        backend=backend,
        chat_model=_chat_model(settings, chat_model),
        on_progress=on_progress,
        existing=[],
    )


def ask(
    thread_id: str,
    question: str,
    *,
    settings: Settings,
    backend: TelemetryBackend | None = None,
    on_progress: ProgressCallback | None = None,
    chat_model: BaseChatModel | None = None,
) -> Report:
    """Answer a follow-up question in an existing thread, with all its messages and evidence."""
    from agent.graph import build_graph

    question = question.strip()
    if not question:
        raise ValueError("the follow-up question is empty")
    with open_checkpointer(settings) as checkpointer:
        snapshot = build_graph(checkpointer).get_state({"configurable": {"thread_id": thread_id}})
    values = snapshot.values if snapshot else {}
    if not values.get("incident"):
        raise ThreadNotFoundError(
            f"no investigation thread {thread_id!r} in the {settings.checkpoint_backend} checkpointer"
            + (f" at {settings.checkpoint_path}" if settings.checkpoint_backend == "sqlite" else "")
        )
    incident = Incident.model_validate(values["incident"])
    existing = [Evidence.model_validate(e) for e in values.get("evidence", [])]
    return _run(
        graph_input={
            "messages": [HumanMessage(question)],
            "mode": "followup",
            "question": question,
        },
        incident=incident,
        thread_id=thread_id,
        settings=settings,
        backend=backend or build_backend(settings),
        chat_model=_chat_model(settings, chat_model),
        on_progress=on_progress,
        existing=existing,
    )
