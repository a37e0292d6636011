"""A Kinesis Data Streams shard read by a Lambda function through an event source mapping.

Per shard, one batch is in flight at a time: the poller collects up to `batch_size`
records (waiting at most the batching window), invokes the function, and on success moves
past them. When the function raises, the same batch (from the same position) is retried
until it succeeds — the default for Kinesis (MaximumRetryAttempts -1, no bisecting) — so
one bad record holds up everything behind it on its shard, and IteratorAge (the age of
the batch's first record when it is read) climbs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from evals.generators.common import Ids
from evals.generators.lambda_logs import LambdaLogs
from evals.generators.queue_consumer import BatchResult


@dataclass
class KinesisRecord:
    partition_key: str
    arrival: datetime  # ApproximateArrivalTimestamp
    data: dict[str, Any]  # what the producer meant to send (the handler decides how it parses)
    sequence: str = ""


@dataclass
class ShardBatch:
    shard_id: str
    records: list[KinesisRecord]
    start: datetime
    request_id: str
    attempt: int  # 1 for the first delivery of these records


ShardHandler = Callable[[ShardBatch, Ids], BatchResult]


@dataclass
class KinesisShard:
    shard_id: str
    function: LambdaLogs
    handler: ShardHandler
    ids: Ids
    batch_size: int = 100
    batching_window: timedelta = timedelta(seconds=1)
    retry_delay: timedelta = timedelta(seconds=1)
    # (time read, age in ms of the batch's first record), (start, duration ms, failed)
    ages: list[tuple[datetime, float]] = field(default_factory=list)
    invocations: list[tuple[datetime, float, bool]] = field(default_factory=list)

    records: list[KinesisRecord] = field(default_factory=list)
    _position: int = 0
    _at: datetime | None = None
    _attempt: int = 1

    def feed(self, records: list[KinesisRecord], start: datetime) -> None:
        """The records the shard receives (in arrival order); reading starts at `start`."""
        base = 496_512_345_678_901_234_567_890_123_456_789 + self.ids.rng.randrange(10**30)
        for n, record in enumerate(records):
            record.sequence = f"{base + n * 7919}{self.ids.rng.randrange(10**20):020d}"
        self.records, self._position, self._at, self._attempt = records, 0, start, 1

    def advance(self, until: datetime) -> None:
        """Read and invoke until `until` (call with increasing times; shards that share a
        function should advance in small steps together, so they share its environments
        realistically)."""
        assert self._at is not None, "feed() the shard first"
        while self._at < until:
            at = self._at
            window = self.records[self._position : self._position + self.batch_size]
            ready = [r for r in window if r.arrival <= at]
            if not ready:
                self._at = at + self.batching_window
                continue
            batch = ShardBatch(self.shard_id, ready, at, self.ids.uuid4(), self._attempt)
            result = self.handler(batch, self.ids)
            failed = result.invocation_failed
            self.function.invoke(result.invocation(batch.request_id, at))
            self.ages.append((at, (at - ready[0].arrival).total_seconds() * 1000))
            self.invocations.append((at, result.duration_ms, failed))
            at += timedelta(milliseconds=result.duration_ms)
            if failed:
                self._attempt += 1
                self._at = at + self.retry_delay
            else:
                self._position += len(ready)
                self._attempt = 1
                self._at = at + self.batching_window
