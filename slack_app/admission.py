"""The cost guard: which investigation may start, which waits in line, which is refused.

Every investigation or follow-up holds a ticket from the moment it is asked until it
finishes. The limits count queued AND running tickets, so a burst of mentions can never
turn into a burst of model calls: past the running limits a request waits in line (and the
user is told its position), past the queue limits or the hourly cap it is refused (and the
user is told why). Nothing starts silently.

The decisions are pure functions over the list of live tickets; the stores (SQLite locally,
DynamoDB on AWS) only load and save that list atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

HOUR = 3600.0

TicketState = Literal["queued", "running", "done"]


class Ticket(BaseModel):
    channel: str
    thread_id: str
    state: TicketState
    asked_at: float  # epoch seconds; the queue's order
    started_at: float | None = None
    finished_at: float | None = None


@dataclass(frozen=True)
class CostLimits:
    running_per_channel: int = 2
    running: int = 4
    queued_per_channel: int = 3
    queued: int = 10
    per_hour: int = 30
    stale_seconds: float = 660.0  # a ticket older than this lost its process (crash, timeout)


class Admission(BaseModel):
    outcome: Literal["started", "queued", "busy_thread", "refused"]
    position: int | None = None  # 1-based place in the workspace's queue
    ahead: int = 0  # tickets queued before this one
    reason: str = ""


def prune(tickets: list[Ticket], limits: CostLimits, now: float) -> list[Ticket]:
    """Drop finished tickets older than an hour and live ones whose process is gone."""
    kept = []
    for ticket in tickets:
        if ticket.state == "done":
            if ticket.asked_at >= now - HOUR:
                kept.append(ticket)  # still counts towards the hourly cap
        elif (ticket.started_at or ticket.asked_at) >= now - limits.stale_seconds:
            kept.append(ticket)
    return kept


def promote(tickets: list[Ticket], limits: CostLimits, now: float) -> list[Ticket]:
    """Start queued tickets, oldest first, while their channel and the workspace have room."""
    running = [t for t in tickets if t.state == "running"]
    per_channel: dict[str, int] = {}
    for ticket in running:
        per_channel[ticket.channel] = per_channel.get(ticket.channel, 0) + 1
    total = len(running)
    result = []
    for ticket in sorted(tickets, key=lambda t: t.asked_at):
        if (
            ticket.state == "queued"
            and total < limits.running
            and per_channel.get(ticket.channel, 0) < limits.running_per_channel
        ):
            ticket = ticket.model_copy(update={"state": "running", "started_at": now})
            total += 1
            per_channel[ticket.channel] = per_channel.get(ticket.channel, 0) + 1
        result.append(ticket)
    return result


def admit(
    tickets: list[Ticket], channel: str, thread_id: str, limits: CostLimits, now: float
) -> tuple[Admission, list[Ticket]]:
    """Decide a new request in `channel`/`thread_id`; returns the decision and the tickets
    to store (the new one added when it is started or queued)."""
    tickets = promote(prune(tickets, limits, now), limits, now)
    live = [t for t in tickets if t.state != "done"]
    if any(t.thread_id == thread_id for t in live):
        return Admission(outcome="busy_thread"), tickets
    if len([t for t in tickets if t.asked_at >= now - HOUR]) >= limits.per_hour:
        return Admission(
            outcome="refused",
            reason=f"fa2 has already taken {limits.per_hour} investigations in the last hour "
            "(the workspace's hourly limit)",
        ), tickets
    queued = [t for t in live if t.state == "queued"]
    queued_here = [t for t in queued if t.channel == channel]
    if len(queued) >= limits.queued:
        return Admission(
            outcome="refused",
            reason=f"{len(queued)} investigations are already waiting in this workspace",
        ), tickets
    if len(queued_here) >= limits.queued_per_channel:
        return Admission(
            outcome="refused",
            reason=f"{len(queued_here)} investigations are already waiting in this channel",
        ), tickets
    ticket = Ticket(channel=channel, thread_id=thread_id, state="queued", asked_at=now)
    tickets = promote([*tickets, ticket], limits, now)
    return position(tickets, thread_id), tickets


def position(tickets: list[Ticket], thread_id: str) -> Admission:
    """Where the live ticket of `thread_id` stands: started, or queued at a position."""
    mine = next((t for t in tickets if t.thread_id == thread_id and t.state != "done"), None)
    if mine is None:
        return Admission(outcome="refused", reason="its place in the queue expired")
    if mine.state == "running":
        return Admission(outcome="started")
    ahead = len([t for t in tickets if t.state == "queued" and t.asked_at < mine.asked_at])
    return Admission(outcome="queued", position=ahead + 1, ahead=ahead)


def finish(tickets: list[Ticket], thread_id: str, now: float) -> list[Ticket]:
    """Mark the live ticket of `thread_id` done (it keeps counting towards the hour)."""
    return [
        t.model_copy(update={"state": "done", "finished_at": now})
        if t.thread_id == thread_id and t.state != "done"
        else t
        for t in tickets
    ]


def withdraw(tickets: list[Ticket], thread_id: str) -> list[Ticket]:
    """Remove a queued ticket whose asker stopped waiting (it never cost anything)."""
    return [t for t in tickets if not (t.thread_id == thread_id and t.state == "queued")]


def poll(
    tickets: list[Ticket], thread_id: str, limits: CostLimits, now: float
) -> tuple[Admission, list[Ticket]]:
    """Start whatever may start now, then say where `thread_id` stands."""
    tickets = promote(prune(tickets, limits, now), limits, now)
    return position(tickets, thread_id), tickets
