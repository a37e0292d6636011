"""The status message shows each step as it happens under one clock, never more than one
`chat.update` per interval, and nothing is lost: a held-back step is sent when the interval
is over, and a quiet stretch still moves the clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.incident import ProgressEvent
from slack_app.jobs import _done_line
from slack_app.progress import StatusMessage
from tests.slack.reports import throttling_report


class _Client:
    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.updates: list[dict[str, Any]] = []
        self.sent_at: list[float] = []

    def chat_update(self, **kwargs: Any) -> None:
        self.updates.append(kwargs)
        self.sent_at.append(self.clock.now)

    def shown(self, index: int = -1) -> str:
        return str(self.updates[index]["blocks"])


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Timers:
    """A scheduler the test runs by hand: `run_due()` fires what is due on the fake clock."""

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.armed: list[tuple[float, Callable[[], None], list[bool]]] = []

    def __call__(self, delay: float, action: Callable[[], None]) -> Callable[[], None]:
        live = [True]
        self.armed.append((self.clock.now + delay, action, live))
        return lambda: live.__setitem__(0, False)

    def advance(self, seconds: float) -> None:
        """Move the clock, firing each timer at its time."""
        end = self.clock.now + seconds
        while True:
            due = sorted((t for t in self.armed if t[2][0] and t[0] <= end), key=lambda t: t[0])
            if not due:
                break
            when, action, live = due[0]
            self.armed.remove(due[0])
            self.clock.now = max(self.clock.now, when)
            live[0] = False
            action()
        self.clock.now = end


def _status(heartbeat: float | None = 5.0) -> tuple[StatusMessage, _Client, _Timers]:
    clock = _Clock()
    client, timers = _Client(clock), _Timers(clock)
    status = StatusMessage(
        client, channel="C1", ts="1.1", title="orders-api-5xx", min_interval=1.0,
        heartbeat=heartbeat, clock=clock, schedule=timers,
    )  # fmt: skip
    return status, client, timers


def _step(message: str, step: int, calls: int = 0) -> ProgressEvent:
    return ProgressEvent(kind="step", message=message, step=step, tool_calls=calls)


def test_a_step_held_back_by_the_interval_is_sent_when_the_interval_is_over() -> None:
    status, client, timers = _status()
    status(_step("triage: 6 standard queries in parallel", 0))
    timers.advance(0.3)
    status(_step("model turn 1: 3 queries", 1, 6))
    timers.advance(0.3)
    status(_step("model turn 2: 2 queries", 2, 9))
    assert len(client.updates) == 1
    timers.advance(0.5)
    assert len(client.updates) == 2 and "model turn 2: 2 queries" in client.shown()


def test_updates_are_never_closer_together_than_the_interval() -> None:
    status, client, timers = _status()
    for number in range(40):
        status(_step(f"query {number}", 1, number))
        timers.advance(0.13)
    timers.advance(2)
    status.finish("Done")
    gaps = [b - a for a, b in zip(client.sent_at, client.sent_at[1:-1], strict=False)]
    assert gaps and min(gaps) >= 1.0
    assert "query 39" in client.shown(-2), "the last step was shown before the end"


def test_each_step_appears_as_it_happens() -> None:
    status, client, timers = _status()
    for message, step in (
        ("triage: 6 standard queries in parallel", 0),
        ("model turn 1: 3 queries", 1),
        ("model turn 2: 1 query", 2),
        ("writing the report", 3),
    ):
        status(_step(message, step))
        timers.advance(1.2)
    shown = " ".join(str(u["blocks"]) for u in client.updates)
    for message in ("triage", "model turn 1", "model turn 2", "writing the report"):
        assert message in shown


def test_a_quiet_stretch_still_moves_the_clock() -> None:
    status, client, timers = _status(heartbeat=5.0)
    status.waiting("starting")  # the agent loads after a cold start: no event for a while
    timers.advance(11)
    assert len(client.updates) == 3
    assert "· 10 s" in client.shown() and "starting" in client.shown()


def test_nothing_is_sent_after_the_end() -> None:
    status, client, timers = _status()
    status(_step("triage", 0))
    status(_step("model turn 1", 1))  # held back
    status.finish("Done: 1 hypothesis from 7 queries ($0.0000)")
    timers.advance(30)
    assert len(client.updates) == 2 and "✅" in client.shown()


def test_the_last_line_has_no_second_clock_and_counts_ruled_out_hypotheses_apart() -> None:
    line = _done_line(throttling_report())
    assert line == "Done: 1 hypothesis (1 ruled out) from 7 queries ($0.0000)"
