"""A client-side database connection pool as web frameworks keep one per worker
(SQLAlchemy's `pool_recycle`, Django's `CONN_MAX_AGE`): connections are reused until they
reach a maximum age, then reopened. A change that only breaks *new* connections (a
revoked network path, a rotated password) therefore surfaces gradually, as each pooled
connection comes up for renewal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random


@dataclass
class ConnectionPool:
    """Per-target pools of connection open times; None marks a slot whose last attempt to
    connect failed (the next request that picks it tries again)."""

    size: int
    max_age: timedelta
    rng: Random
    slots: dict[str, list[datetime | None]] = field(default_factory=dict)

    def checkout(self, target: str, at: datetime) -> tuple[int, bool]:
        """Pick a slot for a request at `at`: (slot index, whether it must (re)connect).
        A target's pool starts full, its connections opened at random times in the last
        `max_age`, as a pool that has been running for a while is."""
        pool = self.slots.setdefault(
            target,
            [
                at - timedelta(seconds=self.rng.uniform(0, self.max_age.total_seconds() * 0.97))
                for _ in range(self.size)
            ],
        )
        slot = self.rng.randrange(self.size)
        opened = pool[slot]
        return slot, opened is None or at - opened > self.max_age

    def connected(self, target: str, slot: int, at: datetime) -> None:
        self.slots[target][slot] = at

    def failed(self, target: str, slot: int) -> None:
        self.slots[target][slot] = None

    def open_connections(self, at: datetime) -> int:
        """Connections that are open (and not yet past their age) at `at`, over all targets."""
        return sum(
            1
            for pool in self.slots.values()
            for opened in pool
            if opened is not None and at - opened <= self.max_age
        )
