"""The one status message of an investigation, kept current with `chat.update`.

It shows each step as it happens (waiting in line, starting, the triage queries, each model
turn and its queries, writing the report) under one clock: the seconds since the message was
posted, the same figure its last line ends with. The graph reports progress from several
threads at once (tools run concurrently); Slack allows about one `chat.update` a second per
channel, so updates are sent at most once per `min_interval`: an event that arrives sooner is
kept and sent when the interval is over (the latest state wins, nothing is lost at the end),
and a quiet stretch (the agent loading after a cold start, a long query) still moves the
clock every `heartbeat` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from agent.incident import ProgressEvent
from slack_app.blocks import status_message

log = logging.getLogger(__name__)

RUNNING, DONE, FAILED = "⏳", "✅", "⚠️"

Cancel = Callable[[], None]
Schedule = Callable[[float, Callable[[], None]], Cancel]


def _timer(delay: float, action: Callable[[], None]) -> Cancel:
    timer = threading.Timer(max(delay, 0.0), action)
    timer.daemon = True
    timer.start()
    return timer.cancel


class StatusMessage:
    """Calls `chat.update` on one message as `ProgressEvent`s arrive, at most once per interval."""

    def __init__(
        self,
        client: Any,
        *,
        channel: str,
        ts: str,
        title: str,
        min_interval: float = 1.0,
        heartbeat: float | None = 5.0,
        clock: Callable[[], float] = time.monotonic,
        schedule: Schedule = _timer,
    ) -> None:
        self._client = client
        self._channel = channel
        self._ts = ts
        self._title = title
        self._interval = min_interval
        self._heartbeat = heartbeat
        self._clock = clock
        self._schedule = schedule
        self._lock = threading.Lock()
        self._last_sent = float("-inf")
        self._started = clock()
        self._shown = (RUNNING, "starting", "")
        self._pending: tuple[str, str, str] | None = None
        self._cancel: Cancel | None = None
        self._done = False
        self.updates = 0

    @property
    def elapsed(self) -> float:
        """Seconds since the status message was posted: the investigation's one clock."""
        return self._clock() - self._started

    def __call__(self, event: ProgressEvent) -> None:
        queries = f"{event.tool_calls} quer{'y' if event.tool_calls == 1 else 'ies'}"
        if event.kind == "query":
            self._update((RUNNING, f"step {event.step} · {queries} · running", event.message))
        else:
            self._update((RUNNING, f"step {event.step} · {queries} · {event.message}", ""))

    def waiting(self, detail: str) -> None:
        """Before the work starts: the place in line, or "starting"."""
        self._update((RUNNING, detail, ""))

    def finish(self, detail: str) -> None:
        self._end((DONE, detail, ""))

    def fail(self, detail: str) -> None:
        self._end((FAILED, detail, ""))

    def _update(self, state: tuple[str, str, str]) -> None:
        with self._lock:
            if self._done:
                return
            wait = self._interval - (self._clock() - self._last_sent)
            if wait <= 0:
                self._send(state)
            else:
                first = self._pending is None
                self._pending = state
                if first:
                    self._arm(wait)

    def _end(self, state: tuple[str, str, str]) -> None:
        with self._lock:
            self._done = True
            self._disarm()
            self._send(state)

    def _tick(self) -> None:
        """A timer fired: send what is pending, or the same state with the clock moved."""
        with self._lock:
            self._cancel = None
            if self._done:
                return
            if self._clock() - self._last_sent < self._interval:
                self._arm(self._interval - (self._clock() - self._last_sent))
                return
            self._send(self._pending or self._shown)

    def _arm(self, delay: float) -> None:
        self._disarm()
        self._cancel = self._schedule(delay, self._tick)

    def _disarm(self) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

    def _send(self, state: tuple[str, str, str]) -> None:
        """Send `state` now (the lock is held), then wait for the next heartbeat."""
        self._pending = None
        self._shown = state
        self._last_sent = self._clock()
        emoji, detail, query = state
        message = status_message(
            self._title, state=emoji, detail=detail, query=query, elapsed=self.elapsed
        )
        try:
            self._client.chat_update(
                channel=self._channel, ts=self._ts, text=message.text, blocks=message.blocks
            )
            self.updates += 1
        except Exception:  # a lost progress update must not stop the investigation
            log.warning("chat.update of the status message failed", exc_info=True)
        if not self._done and self._heartbeat is not None:
            self._arm(self._heartbeat)
