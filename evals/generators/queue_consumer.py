"""A simulated SQS queue drained by a Lambda function through an event source mapping.

Pollers take up to `batch_size` visible messages every two seconds and invoke the
function; messages the function reports as failed (ReportBatchItemFailures), or a whole
batch when the function raises, become visible again after the visibility timeout, and
move to the dead-letter queue after `max_receive_count` receives. The simulation yields
the function's log events and the AWS/SQS and AWS/Lambda metric points.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from evals.generators.common import BundleWriter, Ids
from evals.generators.lambda_logs import Invocation, LambdaLogs
from evals.generators.metrics import MetricFile, add_lambda_metrics, add_queue_metrics

POLL_EVERY = timedelta(seconds=2)


@dataclass
class Message:
    message_id: str
    body: dict[str, Any]
    sent: datetime
    receive_count: int = 0
    visible_at: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.visible_at = self.sent


@dataclass
class Batch:
    """What the handler gets: the messages and the invocation's identity."""

    messages: list[Message]
    start: datetime
    request_id: str
    cold_start: bool


@dataclass
class BatchResult:
    duration_ms: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # batchItemFailures message ids
    function_error: bool = False  # the handler raised: the whole batch returns
    max_memory_mb: int = 110
    timed_out: bool = False

    @property
    def invocation_failed(self) -> bool:
        """The handler raised or timed out: Lambda hands the whole batch back."""
        return self.function_error or self.timed_out

    def invocation(self, request_id: str, start: datetime) -> Invocation:
        """The Lambda invocation that produced this result, as its log stream shows it."""
        return Invocation(
            request_id=request_id,
            start=start,
            duration_ms=self.duration_ms,
            lines=self.lines,
            max_memory_mb=self.max_memory_mb,
            timed_out=self.timed_out,
        )


BatchHandler = Callable[[Batch, Ids], BatchResult]


@dataclass
class SqsConsumer:
    queue: str
    function: LambdaLogs
    handler: BatchHandler
    ids: Ids
    batch_size: int = 10
    visibility_timeout: timedelta = timedelta(seconds=60)
    max_receive_count: int = 3
    sent: list[datetime] = field(default_factory=list)
    received: list[datetime] = field(default_factory=list)
    deleted: list[datetime] = field(default_factory=list)
    dead_lettered: list[datetime] = field(default_factory=list)
    backlog: list[tuple[datetime, float]] = field(default_factory=list)
    oldest_age: list[tuple[datetime, float]] = field(default_factory=list)
    invocations: list[tuple[datetime, float, bool]] = field(default_factory=list)

    def run(
        self, sends: list[tuple[datetime, dict[str, Any]]], start: datetime, end: datetime
    ) -> None:
        pending = [
            Message(self.ids.uuid4(), body, at) for at, body in sorted(sends, key=lambda s: s[0])
        ]
        self.sent = [m.sent for m in pending]
        queue: list[Message] = []
        at = start
        while at < end:
            while pending and pending[0].sent <= at:
                queue.append(pending.pop(0))
            visible = [m for m in queue if m.visible_at <= at]
            self.backlog.append((at, float(len(visible))))
            if visible:
                self.oldest_age.append((at, (at - min(m.sent for m in visible)).total_seconds()))
            for offset, index in enumerate(range(0, len(visible), self.batch_size)):
                chunk = visible[index : index + self.batch_size]
                invoke_at = at + timedelta(
                    milliseconds=40 + 15 * offset + self.ids.rng.randint(0, 30)
                )
                self._invoke(chunk, invoke_at, queue)
            at += POLL_EVERY

    def _invoke(self, chunk: list[Message], at: datetime, queue: list[Message]) -> None:
        for message in chunk:
            message.receive_count += 1
            self.received.append(at)
        warm = any(not e.retired and e.busy_until <= at for e in self.function.environments)
        batch = Batch(chunk, at, self.ids.uuid4(), cold_start=not warm)
        result = self.handler(batch, self.ids)
        self.function.invoke(result.invocation(batch.request_id, at))
        failed_call = result.invocation_failed
        self.invocations.append((at, result.duration_ms, failed_call))
        done = at + timedelta(milliseconds=result.duration_ms)
        failed = {m.message_id for m in chunk} if failed_call else set(result.failed)
        for message in chunk:
            if message.message_id not in failed:
                queue.remove(message)
                self.deleted.append(done)
            elif message.receive_count >= self.max_receive_count:
                queue.remove(message)
                self.dead_lettered.append(at + self.visibility_timeout)
            else:
                message.visible_at = at + self.visibility_timeout

    def write_resources(self, writer: BundleWriter, dlq: str | None, **mapping: Any) -> None:
        """The queue, its redrive policy and the trigger, as the account shows them."""
        from evals.generators.resources import queue_snapshots

        queue_snapshots(
            writer,
            queue=self.queue,
            function=self.function.function_name,
            dlq=dlq,
            max_receive_count=self.max_receive_count,
            batch_size=self.batch_size,
            visibility_timeout_s=int(self.visibility_timeout.total_seconds()),
            mapping_uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"esm/{self.queue}")),
            **mapping,
        )

    def write_metrics(self, metrics: MetricFile, dlq: str | None = None) -> None:
        add_queue_metrics(
            metrics,
            self.queue,
            sent=self.sent,
            received=self.received,
            deleted=self.deleted,
            backlog=self.backlog,
            oldest_age=self.oldest_age,
        )
        if dlq:
            cumulative: dict[datetime, float] = {}
            moved = sorted(self.dead_lettered)
            for mark in metrics.marks:
                cumulative[mark] = float(sum(1 for t in moved if t < mark + timedelta(minutes=1)))
            metrics.add(
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                {"QueueName": dlq},
                cumulative,
                statistic="Maximum",
            )
        add_lambda_metrics(metrics, self.function.function_name, self.invocations)
