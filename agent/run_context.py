"""What a run of the graph is given but the model never chooses: the backend, the incident
window, the ledger, the budget, the chat model and the progress callback. Passed as
LangGraph runtime context (`context_schema`), so none of it is checkpointed or shown to
the model as a tool argument."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from agent.budget import Budget
from agent.chat_model import InvestigatorModel
from agent.config import Settings
from agent.incident import Incident, ProgressCallback, ProgressEvent, TimeRange
from agent.ledger import EvidenceLedger
from agent.memory import IncidentMemory
from agent.telemetry.base import TelemetryBackend


@dataclass
class InvestigationContext:
    settings: Settings
    backend: TelemetryBackend
    incident: Incident
    ledger: EvidenceLedger
    budget: Budget
    chat_model: InvestigatorModel
    log_groups: list[str] = field(default_factory=list)
    on_progress: ProgressCallback | None = None
    # Past incidents of this workspace/account (None: incident memory is off).
    memory: IncidentMemory | None = None
    memory_scope: str = "-/-"
    thread_id: str | None = None

    @property
    def window(self) -> TimeRange:
        return self.incident.window

    def progress(self, kind: str, message: str) -> None:
        """Tell the caller what happens now; a failing callback never stops the investigation."""
        if self.on_progress is None:
            return
        event = ProgressEvent(
            kind=kind,  # type: ignore[arg-type]
            message=message,
            elapsed_seconds=round(self.budget.elapsed(), 2),
            step=self.budget.steps,
            tool_calls=self.budget.tool_calls,
        )
        with contextlib.suppress(Exception):
            self.on_progress(event)
