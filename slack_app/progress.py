"""The one status message of an investigation, kept current with `chat.update`.

The graph reports progress from several threads at once (tools run concurrently); updates
are throttled to about one a second (Slack's chat.update rate limit is ~1/s per channel),
and the latest state always wins at the end.
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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._channel = channel
        self._ts = ts
        self._title = title
        self._interval = min_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._last_sent = float("-inf")
        self._started = clock()
        self._query = ""
        self.updates = 0

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            if event.kind == "query":
                self._query = event.message
            now = self._clock()
            if now - self._last_sent < self._interval:
                return
            self._last_sent = now
            detail = f"step {event.step} · {event.tool_calls} queries · {event.message}"
            if event.kind == "query":
                detail = f"step {event.step} · {event.tool_calls} queries"
            self._send(RUNNING, detail, self._query if event.kind == "query" else "")

    def waiting(self, detail: str) -> None:
        """Before the work starts: the place in line, or "starting" (always sent)."""
        with self._lock:
            self._send(RUNNING, detail, "")

    def finish(self, detail: str) -> None:
        with self._lock:
            self._send(DONE, detail, "")

    def fail(self, detail: str) -> None:
        with self._lock:
            self._send(FAILED, detail, "")

    def _send(self, state: str, detail: str, query: str) -> None:
        message = status_message(
            self._title,
            state=state,
            detail=detail,
            query=query,
            elapsed=self._clock() - self._started,
        )
        try:
            self._client.chat_update(
                channel=self._channel, ts=self._ts, text=message.text, blocks=message.blocks
            )
            self.updates += 1
        except Exception:  # a lost progress update must not stop the investigation
            log.warning("chat.update of the status message failed", exc_info=True)
