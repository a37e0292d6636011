"""Past incidents: every finished investigation is remembered (alarm, resources, window, top
hypothesis, category, the feedback given on it) so the next one can look for similar ones.

Records are scoped: a scope names the Slack workspace and the AWS account an incident
belongs to, every store keys records by it, and a search never crosses it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from agent.config import Settings
from agent.incident import TimeRange

Verdict = Literal["confirmed", "wrong"]


def memory_scope(account_id: str | None, workspace: str | None = None) -> str:
    """The scope of an incident: `<workspace>/<account>` (`-` for a part not known)."""
    return f"{workspace or '-'}/{account_id or '-'}"


class PastIncident(BaseModel):
    scope: str
    thread_id: str
    title: str
    alarm_name: str | None = None
    resources: list[str] = Field(default_factory=list)
    window: TimeRange
    top_hypothesis: str | None = None
    category: str | None = None
    summary: str = ""
    feedback: Verdict | None = None
    # True when the feedback is an explicit "this was (not) the cause", which a later 👍/👎
    # on the report (about its helpfulness as much as its cause) does not override.
    feedback_explicit: bool = False
    recorded_at: datetime

    def text(self) -> str:
        """What a similarity search reads."""
        return " ".join(
            part for part in (self.title, self.top_hypothesis or "", self.summary) if part
        )


class IncidentMemory(Protocol):
    """Where past incidents are kept (SQLite locally, DynamoDB deployed)."""

    def save(self, incident: PastIncident) -> None: ...

    def get(self, scope: str, thread_id: str) -> PastIncident | None: ...

    def in_scope(self, scope: str) -> list[PastIncident]: ...

    def forget(self, scope: str, thread_id: str) -> bool: ...

    def scopes(self) -> list[str]: ...


def mark_verdict(
    memory: IncidentMemory,
    scope: str,
    thread_id: str,
    verdict: Verdict | None,
    *,
    explicit: bool = True,
) -> bool:
    """Mark a past incident's hypothesis confirmed or wrong (None clears the mark); False when
    the scope holds no such thread. A vote (`explicit=False`, Slack's 👍/👎) leaves an
    explicit verdict as it is. One read-modify-write over the store's own get/save."""
    found = memory.get(scope, thread_id)
    if found is None:
        return False
    if explicit or not found.feedback_explicit:
        update = {"feedback": verdict, "feedback_explicit": explicit and verdict is not None}
        memory.save(found.model_copy(update=update))
    return True


def find_thread(memory: IncidentMemory, thread_id: str) -> PastIncident | None:
    """A thread's record in whichever scope holds it (thread ids are unique): for the
    operator's CLI, which sees every scope of its store."""
    for scope in memory.scopes():
        found = memory.get(scope, thread_id)
        if found is not None:
            return found
    return None


def open_memory(settings: Settings) -> IncidentMemory | None:
    """The configured store of past incidents (None when it is off)."""
    memory = settings.memory
    if memory.incident_memory == "off":
        return None
    if memory.incident_memory == "dynamodb":
        table = memory.incident_memory_table or settings.checkpoints.dynamodb_table
        if not table:
            raise ValueError(
                "incident_memory is dynamodb but neither incident_memory_table nor "
                "dynamodb_table is set"
            )
        from agent.memory.dynamodb import DynamoDbIncidentMemory

        return DynamoDbIncidentMemory(
            table, region=settings.aws.region, endpoint_url=settings.aws.endpoint_url
        )
    from agent.memory.sqlite import SqliteIncidentMemory

    return SqliteIncidentMemory(memory.incident_memory_path)
