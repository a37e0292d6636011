"""Waiting for asynchronous AWS queries without wasting wall time.

Logs Insights and Athena queries are started, then polled. Small queries finish in a few
hundred milliseconds, so the first poll comes quickly and the interval grows towards a cap;
a fixed multi-second sleep would make every small query slow. The clock and the sleep are
injected so tests run the whole schedule instantly.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

Sleep = Callable[[float], None]
_RESOLUTION_S = 1e-6
Clock = Callable[[], float]


@dataclass(frozen=True)
class Backoff:
    """Poll intervals: `first`, then times `factor` each poll, never above `cap` (seconds)."""

    first: float = 0.1
    factor: float = 1.6
    cap: float = 2.0

    def intervals(self) -> Iterator[float]:
        interval = self.first
        while True:
            yield interval
            interval = min(self.cap, interval * self.factor)


@dataclass
class Deadline:
    """A wall-time budget measured on an injectable monotonic clock."""

    seconds: float
    clock: Clock = time.monotonic
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    @property
    def remaining(self) -> float:
        return max(0.0, self.seconds - self.elapsed)

    @property
    def expired(self) -> bool:
        # Sleeping "the rest of the budget" on a float clock can leave a remainder of 1e-16 s,
        # which would buy one more poll; below a microsecond the budget is spent.
        return self.remaining <= _RESOLUTION_S


@dataclass
class Waiter:
    """The timing policy of one backend: how to sleep, how to tell time, how to back off."""

    sleep: Sleep = time.sleep
    clock: Clock = time.monotonic
    backoff: Backoff = field(default_factory=Backoff)
    rng: random.Random = field(default_factory=random.Random)

    def deadline(self, seconds: float) -> Deadline:
        return Deadline(seconds, self.clock)

    def poll(
        self, fetch: Callable[[], T], done: Callable[[T], bool], deadline: Deadline
    ) -> T | None:
        """Call `fetch` until `done(result)`; None if the deadline passes first.

        The first call is immediate; between calls the waiter sleeps the next back-off
        interval, shortened so that it never sleeps past the deadline.
        """
        for interval in self.backoff.intervals():
            result = fetch()
            if done(result):
                return result
            if deadline.expired:
                return None
            self.sleep(min(interval, deadline.remaining))
            if deadline.expired:
                return None
        raise AssertionError("Backoff.intervals() is infinite")  # pragma: no cover

    def jitter(self, attempt: int, *, base: float = 0.5, cap: float = 8.0) -> float:
        """'Full jitter' delay before retry number `attempt` (0-based): uniform in
        [0, min(cap, base * 2**attempt)], so concurrent callers spread out."""
        return self.rng.uniform(0.0, min(cap, base * (2**attempt)))
